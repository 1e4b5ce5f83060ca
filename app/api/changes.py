"""/changes: reports created, revised or re-parsed after a cursor, oldest change first.

An aggregator keeps the `cursor` of each answer and sends it back as `since`; it sees each
report once per change, in the order the changes were committed (app/models.next_change_seq
hands out the numbers in commit order), and never misses one. A report changed twice
since the cursor appears once, in its newest state, at its newest place.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from app.api.deps import DatabaseDep, SessionDep
from app.api.listing import (
    FiltersDep, FormatParam, bulk, conditional, list_responses, negotiate, query_error, set_next,
)
from app.api.presenters import REPORT_COLUMNS, report_public
from app.api.problems import problem_responses
from app.api.shapes import ChangePublic, ChangesPage
from app.models import Report
from app.services import query
from app.services.filters import QueryError

router = APIRouter(tags=["changes"])
SORT = query.changes_sort()


def change_public(report: Report, request: Request) -> ChangePublic:
    public = report_public(report, request)
    kind = "created" if report.updated_at == report.created_at else "updated"
    return ChangePublic(**public.model_dump(), change=kind)


@router.get("/changes", response_model=ChangesPage, summary="What changed since a cursor",
            description="Reports created, revised or re-parsed after `since`, oldest change first, with the "
                        "`cursor` to send as `since` next time (also when nothing changed). Without `since`: "
                        "from the beginning. Accepts the report filters (e.g. `region=1507`). "
                        "`format=csv|ndjson` streams every change at once.",
            responses=list_responses(problem_responses(422)))
def list_changes(
    request: Request,
    response: Response,
    session: SessionDep,
    database: DatabaseDep,
    filters: FiltersDep,
    since: Annotated[str | None, Query(max_length=200, description="`cursor` of an earlier answer (opaque)")] = None,
    limit: Annotated[int, Query(ge=1, le=500, description="page size (JSON)")] = 100,
    fmt: FormatParam = None,
) -> ChangesPage | Response:
    stmt = query.reports_stmt(filters)
    chosen = negotiate(request, fmt)
    if chosen != "json":
        given = limit if "limit" in request.query_params else None
        return bulk(request, database, session, chosen, stmt=stmt, sort=SORT,
                    item=lambda r: change_public(r, request).model_dump(mode="json"),
                    columns=[*REPORT_COLUMNS, "change"], name="changes", cursor=since, limit=given,
                    cursor_param="since")
    try:
        if since:
            SORT.decode(since)
    except QueryError as exc:
        raise query_error(QueryError("since", str(exc))) from None
    if (not_modified := conditional(request, response, session, chosen)) is not None:
        return not_modified
    try:
        result = query.page(session, stmt, SORT, cursor=since, limit=limit)
    except QueryError as exc:
        raise query_error(QueryError("since", str(exc))) from None
    if result.rows:
        cursor = SORT.encode(result.rows[-1])
    else:
        cursor = since or SORT.encode({"change_seq": 0})
    return ChangesPage(data=[change_public(r, request) for r in result.rows], cursor=cursor,
                       next=set_next(request, response, result.next_cursor, param="since"))
