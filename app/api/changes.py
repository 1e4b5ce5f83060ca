"""/changes: reports created, revised, re-parsed or removed after a cursor, oldest change first.

An aggregator keeps the `cursor` of each answer and sends it back as `since`; it sees each
report once per change, in the order the changes were committed (app/models.next_change_seq
hands out the numbers in commit order), and never misses one. A report changed twice
since the cursor appears once, in its newest state, at its newest place. A report removed
(its last document deleted, or merged into another by a reparse) appears as `removed`, at
the place its removal took, with the region, year and body it had (app/services/changes.py).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from app.api.deps import DatabaseDep, SessionDep
from app.api.listing import (
    FiltersDep, FormatParam, bulk, conditional, list_responses, negotiate, query_error, set_next,
)
from app.api.presenters import REPORT_COLUMNS, removal_public, report_public
from app.api.problems import problem_responses
from app.api.shapes import ChangePublic, ChangesPage, RemovalPublic
from app.models import RemovedReport, Report
from app.services import changes, query
from app.services.filters import QueryError
from app.services.pagination import Sort, SortKey, batches, page

router = APIRouter(tags=["changes"])
SORT = query.changes_sort()
REMOVED_SORT = Sort(SORT.name, (SortKey("change_seq", RemovedReport.change_seq),))  # the same cursors
COLUMNS = [*REPORT_COLUMNS, "change", "reason", "merged_into", "removed_at"]


def change_public(report: Report, request: Request) -> ChangePublic:
    public = report_public(report, request)
    kind = "created" if report.updated_at == report.created_at else "updated"
    return ChangePublic(**public.model_dump(), change=kind)


def _shown(row: Report | RemovedReport, request: Request) -> ChangePublic | RemovalPublic:
    return removal_public(row, request) if isinstance(row, RemovedReport) else change_public(row, request)


def _item(row: Report | RemovedReport, request: Request) -> dict:
    return _shown(row, request).model_dump(mode="json")


@router.get("/changes", response_model=ChangesPage, summary="What changed since a cursor",
            description="Reports created, revised or re-parsed after `since`, oldest change first, with the "
                        "`cursor` to send as `since` next time (also when nothing changed). Without `since`: "
                        "from the beginning. A report that is no more is listed as `change: removed` (its last "
                        "document deleted: `reason` deleted, its URL answers 410; or merged into another report "
                        "of its body and year by a reparse: `merged_into`), with the region, year and body it "
                        "had. Accepts the report filters (e.g. `region=1507`), which a removed report matches "
                        "on the values it had. `format=csv|ndjson` streams every change at once.",
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
    removed = changes.removed_stmt(filters.conditions())
    chosen = negotiate(request, fmt)
    if chosen != "json":
        given = limit if "limit" in request.query_params else None

        def source():
            return changes.by_change_seq(batches(database.session, stmt, SORT, cursor=since, limit=given),
                                         batches(database.session, removed, REMOVED_SORT, cursor=since, limit=given),
                                         limit=given)

        return bulk(request, database, session, chosen, stmt=stmt, sort=SORT, item=lambda r: _item(r, request),
                    columns=COLUMNS, name="changes", cursor=since, limit=given, cursor_param="since", source=source)
    try:
        if since:
            SORT.decode(since)
    except QueryError as exc:
        raise query_error(QueryError("since", str(exc))) from None
    if (not_modified := conditional(request, response, session, chosen)) is not None:
        return not_modified
    try:
        live = page(session, stmt, SORT, cursor=since, limit=limit)
        gone = page(session, removed, REMOVED_SORT, cursor=since, limit=limit)
    except QueryError as exc:
        raise query_error(QueryError("since", str(exc))) from None
    rows, more = changes.first_changes([(live.rows, live.next_cursor is not None),
                                        (gone.rows, gone.next_cursor is not None)], limit)
    if rows:
        cursor = SORT.encode(rows[-1])
    else:
        cursor = since or SORT.encode({"change_seq": 0})
    data = [_shown(r, request) for r in rows]
    return ChangesPage(data=data, cursor=cursor, next=set_next(request, response, cursor if more else None,
                                                               param="since"))
