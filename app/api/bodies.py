"""/bodies: the reporting bodies (full official name and region code) and their reports by
year (one report per body and year, app/services/ingest.py)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Query, Request
from sqlmodel import select

from app.api.deps import SessionDep
from app.api.listing import REGION_LIST, Level, query_error
from app.api.problems import ProblemError, problem_responses
from app.api.presenters import base_path, body_public
from app.api.report_shapes import BodiesPage, BodyDetail
from app.models import Body, Report
from app.services.filters import QueryError, region_prefixes, regions_condition

router = APIRouter(prefix="/bodies", tags=["bodies"])

BodyId = Annotated[int, Path(ge=1, le=2**31 - 1, description="body id")]
MAX_LIMIT = 500


def _region_condition(region: str):
    try:
        return regions_condition(Body.region_code, region_prefixes(region))
    except QueryError as exc:
        raise query_error(exc) from None


@router.get("", response_model=BodiesPage, summary="Reporting bodies",
            description="The bodies reports were submitted for, by id. Filters as GET /reports: `region` (a code or "
                        "prefix, comma-separated for several: 15, 1507, 150724), `level`, `name` (part of the full "
                        "name). Paged: follow `next`.",
            responses=problem_responses(422))
def list_bodies(
    request: Request,
    session: SessionDep,
    region: Annotated[str | None, Query(pattern=REGION_LIST, max_length=200,
                                        description="region code or prefix, comma-separated")] = None,
    level: Annotated[Level | None, Query(description="the body's level")] = None,
    name: Annotated[str | None, Query(max_length=200, description="part of the body's full name")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="bodies per page")] = 100,
    after: Annotated[int | None, Query(ge=0, le=2**31 - 1, description="the last id of the previous page "
                                                                          "(as `next` gives it)")] = None,
) -> Any:
    stmt = select(Body).order_by(Body.id).limit(limit + 1)
    if region:
        stmt = stmt.where(_region_condition(region))
    if level:
        stmt = stmt.where(Body.level == level)
    if name:
        stmt = stmt.where(Body.name.contains(name, autoescape=True))
    if after is not None:
        stmt = stmt.where(Body.id > after)
    rows = session.exec(stmt).all()
    page, more = rows[:limit], len(rows) > limit
    nxt = None
    if more:
        params = {k: v for k, v in request.query_params.items() if k not in ("after", "limit")}
        nxt = f"{base_path(request)}/bodies?{urlencode({**params, 'limit': limit, 'after': page[-1].id})}"
    return {"data": [body_public(b, request) for b in page], "next": nxt}


@router.get("/{body_id}", response_model=BodyDetail, summary="One body and its reports by year",
            responses=problem_responses(404, 422))
def read_body(body_id: BodyId, session: SessionDep, request: Request) -> Any:
    body = session.get(Body, body_id)
    if body is None:
        raise ProblemError(404, "not_found", f"No body with id {body_id}.")
    reports = session.exec(select(Report.id, Report.year, Report.status, Report.document_count)
                           .where(Report.body_id == body.id).order_by(Report.year, Report.id)).all()
    return {**body_public(body, request),
            "reports": [{"year": r.year, "report_id": r.id, "status": r.status, "document_count": r.document_count,
                         "report": f"{base_path(request)}/reports/{r.id}"} for r in reports]}
