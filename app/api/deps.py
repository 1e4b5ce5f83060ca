"""Dependencies shared by the routers: settings, database session, write auth, report lookup."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import Depends, Path, Request, Response
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BeforeValidator
from sqlmodel import Session

from app.api.auth import check_writer
from app.api.problems import PROBLEM_MEDIA_TYPE, ProblemError
from app.config import Settings
from app.db import Database
from app.models import RemovedReport, Report, ReportAlias
from app.runtime import runtime


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_database(request: Request) -> Database:
    return request.app.state.db


async def get_session(request: Request) -> AsyncIterator[Session]:
    """A session for the request's reads, with a slot of the read gate (app.db.ReadGate) held
    until the endpoint returns: the endpoints that take one are plain `def`s, which FastAPI
    runs in a worker thread, so no query runs on the event loop and none waits there for a
    pooled connection (the pool has one for every slot). Reads of one report (routes under
    /reports/{report_id}) wait in the gate's first line, the rest in the second. No slot in
    time: 503 with Retry-After (app.api.problems). Opening a Session does no I/O; closing it
    is a rollback, done in a worker thread on PostgreSQL (a round trip) and inline on SQLite
    (a read-only transaction's rollback runs no statement)."""
    gate = runtime(request.app).reads
    route = request.scope.get("route")
    line = gate.POINT if getattr(route, "path", "").startswith("/reports/{report_id}") else gate.QUERY
    database = request.app.state.db
    async with gate.slot(line=line):
        session = database.session()
        try:
            yield session
        finally:
            if database.engine.dialect.name == "sqlite":
                session.close()  # reads only: its rollback is no statement (microseconds)
            else:
                await gate.thread(session.close)  # a round trip to the server


SettingsDep = Annotated[Settings, Depends(get_settings)]
DatabaseDep = Annotated[Database, Depends(get_database)]
# scope="function": the slot and the session go when the endpoint returns, before the answer is sent
SessionDep = Annotated[Session, Depends(get_session, scope="function")]

_bearer = HTTPBearer(auto_error=False, description="One of the keys in DISCLOSURE_API_KEYS")


async def require_writer(
    request: Request,
    settings: SettingsDep,
    _credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],  # documents the scheme
) -> str:
    """HTTP writes need `Authorization: Bearer <key>` with a configured key (app.api.auth:
    compared by digest, in constant time). The key is never logged nor echoed. Gives the
    key's label (who wrote)."""
    return check_writer(settings, request.headers.get("authorization"))


WriterDep = Annotated[str, Depends(require_writer)]  # the writer's label


# a report id as this service writes it: decimal digits, no sign, no leading zero, no fraction
# (`/reports/+1`, `/reports/01` and `/reports/1.0` are no ids: 422 as `/reports/abc`); the view
# cache (app/api/viewcache.py) matches paths with the same pattern
REPORT_ID_PATTERN = r"[1-9][0-9]{0,9}"
_CANONICAL_ID = re.compile(REPORT_ID_PATTERN)


def _canonical_id(value: Any) -> Any:
    if isinstance(value, str) and not _CANONICAL_ID.fullmatch(value):
        raise ValueError("a report id is written in decimal digits, without sign, leading zero or fraction")
    return value


ReportId = Annotated[int, Path(ge=1, le=2**31 - 1, description="report id"), BeforeValidator(_canonical_id)]


class ReportMoved(Exception):
    """A report id merged into another report of the same body and year (migration 0011)."""

    def __init__(self, old_id: int, report_id: int) -> None:
        super().__init__(old_id, report_id)
        self.old_id, self.report_id = old_id, report_id


async def report_moved(request: Request, exc: Exception) -> Response:
    """308 to the same path under the report the old id was merged into, query kept."""
    assert isinstance(exc, ReportMoved)
    path = request.url.path
    old = f"/reports/{exc.old_id}"
    at = path.find(old)
    location = path[:at] + f"/reports/{exc.report_id}" + path[at + len(old):] if at >= 0 else path
    if request.url.query:
        location += "?" + request.url.query
    return Response(status_code=308, headers={"Location": location})


def get_report(report_id: ReportId, session: SessionDep, request: Request) -> Report:  # in a worker thread
    report = session.get(Report, report_id)
    if report is None:
        alias = session.get(ReportAlias, report_id)
        if alias is not None:
            raise ReportMoved(report_id, alias.report_id)
        removed = session.get(RemovedReport, report_id)
        if removed is not None:
            raise ProblemError(410, "gone", _gone(removed))
        raise ProblemError(404, "not_found", f"No report with id {report_id}.")
    request.state.last_modified = report.updated_at  # Last-Modified of report resources (app.api.caching)
    return report


def _gone(removed: RemovedReport) -> str:
    when = removed.removed_at.date().isoformat()
    if removed.reason == "merged":
        return (f"Report {removed.id} was merged into report {removed.merged_into} on {when}, which is no more "
                "either; GET /changes lists both removals.")
    return f"Report {removed.id} was removed on {when}: its last document was deleted (GET /changes lists it)."


ReportDep = Annotated[Report, Depends(get_report)]

REPORT_GONE_RESPONSES = {
    "308": {"description": "The report was merged into another of the same body and year: the same path under "
                           "that report's id (Location)",
            "headers": {"Location": {"schema": {"type": "string"}}}},
    "410": {"description": "Gone: the report was removed (its last document deleted); GET /changes lists the "
                           "removal", "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}},
}


OVERLOADED_RESPONSE = {
    "description": "Overloaded: the request would have waited too long for a database read "
                   "(`code` overloaded); retry after the seconds in Retry-After",
    "headers": {"Retry-After": {"schema": {"type": "integer"}, "description": "seconds to wait before retrying"}},
    "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
}


def _reads(dependant) -> bool:
    return any(d.call is get_session or _reads(d) for d in dependant.dependencies)


def _takes_report(dependant) -> bool:
    return any(d.call is get_report or _takes_report(d) for d in dependant.dependencies)


def document_overload(spec: dict[str, Any], routes) -> None:
    """The 503 `overloaded` answer on every operation whose route takes a read session; the
    308 and 410 answers of a merged or removed report id on every one that takes a report."""
    for route in iter_route_contexts(routes):
        if not isinstance(route.original_route, APIRoute) or not _reads(route.dependant):
            continue
        operations = spec.get("paths", {}).get(route.path_format, {})
        for method in route.methods:
            operation = operations.get(method.lower())
            if operation is None:
                continue
            answers = operation.setdefault("responses", {})
            answers.setdefault("503", OVERLOADED_RESPONSE)
            if _takes_report(route.dependant):  # a report path: moved or removed ids
                for status, answer in REPORT_GONE_RESPONSES.items():
                    answers.setdefault(status, answer)
