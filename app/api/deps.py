"""Dependencies shared by the routers: settings, database session, write auth, report lookup."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import Depends, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BeforeValidator
from sqlmodel import Session

from app.api.auth import check_writer
from app.api.problems import ProblemError
from app.config import Settings
from app.db import Database
from app.models import Report


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_database(request: Request) -> Database:
    return request.app.state.db


# async on purpose: a sync generator dependency would cost a thread hand-off per request;
# opening a Session does no I/O (the connection is checked out on first use).
async def get_session(request: Request) -> AsyncIterator[Session]:
    with request.app.state.db.session() as session:
        yield session


SettingsDep = Annotated[Settings, Depends(get_settings)]
DatabaseDep = Annotated[Database, Depends(get_database)]
SessionDep = Annotated[Session, Depends(get_session)]

_bearer = HTTPBearer(auto_error=False, description="One of the keys in DISCLOSURE_API_KEYS")


async def require_writer(
    request: Request,
    settings: SettingsDep,
    _credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],  # documents the scheme
) -> None:
    """HTTP writes need `Authorization: Bearer <key>` with a configured key (app.api.auth:
    compared by digest, in constant time). The key is never logged nor echoed."""
    check_writer(settings, request.headers.get("authorization"))


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


async def get_report(report_id: ReportId, session: SessionDep, request: Request) -> Report:
    report = session.get(Report, report_id)
    if report is None:
        raise ProblemError(404, "not_found", f"No report with id {report_id}.")
    request.state.last_modified = report.updated_at  # Last-Modified of report resources (app.api.caching)
    return report


ReportDep = Annotated[Report, Depends(get_report)]
