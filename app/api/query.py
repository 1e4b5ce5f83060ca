"""Queries across reports: the report list, figures across reports, statistics by region
or year, and year-over-year comparison. Reads run in a worker thread through the read gate
like the other reads (see reports.py); bulk answers stream batch by batch, each batch read
in a worker thread with a slot of its own (app/api/listing.py bulk).
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response

from app.api.deps import DatabaseDep, ReportDep, SessionDep
from app.api.listing import (
    CountParam, CursorParam, ExactParam, FiltersDep, FormatParam, conditional, list_answer, list_responses, negotiate,
    query_error, rows_response,
)
from app.api.presenters import REPORT_COLUMNS, report_public
from app.api.problems import ProblemError, problem_responses
from app.api.shapes import Comparison, FiguresPage, IndicatorFiguresPage, StatsPublic
from app.runtime import runtime
from app import catalogue, indicators as ind
from app.api.report_shapes import ReportsPage
from app.models import Report
from app.services import compare, query, stats
from app.services.filters import QueryError

# tags per route, not on the router: a route's tags add to its router's, and an operation with
# two tags is listed twice in Swagger UI (GET /reports was, under "queries" and "reports")
router = APIRouter()

FIGURE_COLUMNS = ["report_id", "agency", "region_code", "region_name", "year", "template", "key", "value", "unit",
                  "flags", "parsed_value"]
INDICATOR_FIGURE_COLUMNS = [*FIGURE_COLUMNS[:-2], "numerator", "denominator"]

ReportSort = Literal[tuple(query.REPORT_SORTS)]  # type: ignore[valid-type]
FigureSort = Literal[tuple(query.FIGURE_SORTS)]  # type: ignore[valid-type]
KeyParam = Annotated[list[str], Query(
    min_length=1, max_length=50,
    description="figure key (FIGURES.md); repeat for several. A key also names everything below it "
                "(`active.permit` = its three figures); one ending in `.` or `*` is a plain prefix "
                "(`applications.denied.`)")]


OptionalKeyParam = Annotated[list[str] | None, Query(
    max_length=50,
    description="figure key (FIGURES.md); repeat for several. A key also names everything below it "
                "(`active.permit` = its three figures); one ending in `.` or `*` is a plain prefix "
                "(`applications.denied.`). At least one `key` or `indicator`")]
IndicatorParam = Annotated[list[str] | None, Query(
    max_length=20,
    description="indicator id (GET /indicators), e.g. `disclosure_rate`; repeat for several: per group the "
                "ratio of the sums over the reports that have both sides (`indicator_stats`)")]


def _indicators(ids: list[str] | None) -> list[str]:
    out = []
    for raw in ids or []:
        i = ind.BY_ID.get(raw.strip())
        if i is None:
            raise query_error(QueryError("indicator", f"no indicator {raw!r}; GET /indicators lists them: "
                                                      + ", ".join(ind.AGGREGATABLE)))
        if not i.rollup:
            raise query_error(QueryError("indicator", f"{i.id} compares a report with the year before: it is served "
                                                      "per report (GET /reports/{id}/indicators), not across reports"))
        if i.id not in out:
            out.append(i.id)
    return out


def _keys(patterns: list[str]) -> list[str]:
    try:
        return catalogue.expand(patterns)
    except catalogue.UnknownKey as exc:
        hint = f"; did you mean {', '.join(exc.suggestions)}?" if exc.suggestions else ""
        raise query_error(QueryError("key", f"no figure key matches {exc.pattern!r}{hint}")) from None


@router.get("/reports", response_model=ReportsPage, summary="List reports", tags=["reports"],
            description="Filtered, sorted, keyset-paginated: follow `next` (also sent as a Link header). "
                        "`format=csv|ndjson` (or the Accept header) streams every matching report instead.",
            responses=list_responses(problem_responses(422)))
def list_reports(
    request: Request,
    response: Response,
    session: SessionDep,
    database: DatabaseDep,
    filters: FiltersDep,
    sort: Annotated[ReportSort, Query(description="order; `-` for descending; ties by id")] = "id",
    limit: Annotated[int, Query(ge=1, le=500, description="page size (JSON); CSV/NDJSON: at most this many "
                                                          "when given")] = 50,
    cursor: CursorParam = None,
    count: CountParam = False,
    fmt: FormatParam = None,
) -> ReportsPage | Response:
    listed = list_answer(request, response, session, database, fmt, stmt=query.reports_stmt(filters),
                         sort=query.REPORT_SORTS[sort], item=lambda r: report_public(r, request).model_dump(mode="json"),
                         shown=lambda r: report_public(r, request), columns=REPORT_COLUMNS, name="reports",
                         cursor=cursor, limit=limit, count=count)
    if isinstance(listed, Response):
        return listed
    return ReportsPage(data=listed.data, next=listed.next, total=listed.total)


@router.get("/figures", response_model=FiguresPage | IndicatorFiguresPage, summary="Figures across reports",
            tags=["queries"],
            description="One row per (report, key) for the keys asked, over every report the filters "
                        "select: e.g. `key=active.permit.decisions&year=2020&region=1507`. One indexed query. "
                        "`indicator=<id>` (GET /indicators) instead of `key`: one row per report with every key "
                        "of both sides, its numerator, denominator and their ratio (`value`). "
                        "`format=csv|ndjson` streams every row.",
            responses=list_responses(problem_responses(422)))
def figures_across(
    request: Request,
    response: Response,
    session: SessionDep,
    database: DatabaseDep,
    filters: FiltersDep,
    key: OptionalKeyParam = None,
    indicator: Annotated[str | None, Query(max_length=60, description="an indicator id instead of keys: its value "
                                                                       "per report")] = None,
    sort: Annotated[FigureSort, Query(description="order; `-` for descending; ties by report, then the "
                                                  "report's own figure order")] = "report",
    limit: Annotated[int, Query(ge=1, le=1000, description="page size (JSON); CSV/NDJSON: at most this many "
                                                           "when given")] = 100,
    cursor: CursorParam = None,
    count: CountParam = False,
    fmt: FormatParam = None,
    exact: ExactParam = False,
) -> FiguresPage | IndicatorFiguresPage | Response:
    if indicator is not None:
        if key:
            raise query_error(QueryError("indicator", "either key or indicator, not both"))
        chosen_ind = ind.BY_ID[_indicators([indicator])[0]]
        stmt, sorts_ = query.indicator_figures(chosen_ind, filters)
        order, item, columns = sorts_[sort], query.indicator_item(chosen_ind), INDICATOR_FIGURE_COLUMNS
    elif key:
        order, item, columns = query.FIGURE_SORTS[sort], query.figure_item, FIGURE_COLUMNS
        stmt = query.figures_stmt(_keys(key), filters, exact)
    else:
        raise query_error(QueryError("key", "give at least one key, or an indicator"))
    listed = list_answer(request, response, session, database, fmt, stmt=stmt, sort=order, item=item,
                         columns=columns, name="figures", cursor=cursor, limit=limit, count=count)
    if isinstance(listed, Response):
        return listed
    page = IndicatorFiguresPage if indicator is not None else FiguresPage
    return page(data=listed.data, next=listed.next, total=listed.total)  # type: ignore[arg-type]


STATS_NOTE = ("Each key aggregates only the reports whose template defines it (`templates`): the 2019 and 2021 "
              "templates share a key only where it means the same figure, so sums never mix e.g. 2019 "
              "active.normative_docs.total with 2021 active.normative_docs.in_force. reports_in_scope = reports "
              "matching the filters whose template defines the key; coverage = count / reports_in_scope.")
INDICATOR_COLUMNS_BASE = ["indicator", "unit", "count", "numerator", "denominator", "value", "reports_in_scope",
                          "coverage"]
STATS_COLUMNS_BASE = ["key", "unit", "count", "sum", "min", "max", "mean", "reports_in_scope", "coverage", "templates"]


@router.get("/stats", response_model=StatsPublic, summary="Statistics of figures by region or year",
            tags=["queries"],
            description="Per key and group: count, sum, min, max, mean, and coverage. `by` groups by the "
                        "province, city or county the reports' regions roll up to (division table), or by "
                        "year, template or level; several with commas (`by=province,year`); none: one group. "
                        "`indicator=` (GET /indicators) per indicator and group: the sums of the numerators and "
                        "denominators over the reports with both sides, their ratio, and how many reports "
                        "contribute (`indicator_stats`; CSV/NDJSON: either keys or indicators).",
            responses={200: {"content": {"text/csv": {"schema": {"type": "string"}},
                                         "application/x-ndjson": {"schema": {"type": "string"}}}},
                       **problem_responses(422)})
def statistics(
    request: Request,
    response: Response,
    session: SessionDep,
    filters: FiltersDep,
    key: OptionalKeyParam = None,
    indicator: IndicatorParam = None,
    by: Annotated[str | None, Query(
        pattern=r"^(province|city|county|year|template|level)(,(province|city|county|year|template|level)){0,2}$",
        description="grouping: province | city | county | year | template | level, up to three with commas")] = None,
    fmt: FormatParam = None,
    exact: ExactParam = False,
) -> StatsPublic | Response:
    keys = _keys(key) if key else []
    ids = _indicators(indicator)
    if not keys and not ids:
        raise query_error(QueryError("key", "give at least one key or indicator"))
    dims = list(dict.fromkeys(by.split(","))) if by else []
    chosen = negotiate(request, fmt)
    if chosen != "json" and keys and ids:
        raise query_error(QueryError("indicator", "CSV and NDJSON hold keys or indicators, one kind a request"))
    if (not_modified := conditional(request, response, session, chosen)) is not None:
        return not_modified
    # the same question on the same data: the answer made before (app.runtime.AnswerCache)
    cache, etag = runtime(request.app).answers, response.headers["ETag"]
    if cache is not None and (kept := cache.get(etag)) is not None:
        body, media_type, headers = kept
        return Response(body, media_type=media_type, headers=headers)
    rows = stats.stats(session, keys, filters, dims, exact=exact) if keys else []
    ind_rows = stats.indicator_stats(session, ids, filters, dims) if ids else []
    if chosen != "json":
        group_cols = []
        for d in dims:
            group_cols.append(f"group.{d}")
            if d in ("province", "city", "county"):
                group_cols += [f"group.{d}_name", f"group.{d}_level"]
        if ids:
            out = rows_response(request, chosen, ind_rows, ["indicator", *group_cols, *INDICATOR_COLUMNS_BASE[1:]],
                                "stats", etag=etag)
        else:
            out = rows_response(request, chosen, rows, ["key", *group_cols, *STATS_COLUMNS_BASE[1:]], "stats",
                                etag=etag)
        assert out is not None
    else:
        model = StatsPublic(keys=keys, by=dims, note=STATS_NOTE, stats=rows, indicators=ids,  # type: ignore[arg-type]
                            indicator_stats=ind_rows)  # type: ignore[arg-type]
        out = Response(model.model_dump_json(by_alias=True), media_type="application/json",
                       headers={"ETag": etag, "Vary": response.headers.get("Vary", "Accept")})
    if cache is not None:
        headers = {k: v for k, v in out.headers.items() if k.lower() not in ("content-length", "content-type")}
        cache.put(etag, bytes(out.body), out.media_type or "application/json", headers)
    return out


COMPARE_COLUMNS = ["key", "unit", "value", "other_value", "change", "change_pct"]


@router.get("/reports/{report_id}/compare", response_model=Comparison, summary="Year over year",
            tags=["reports"],
            description="Per key: this report's value, the other's, and the change. `with=previous` (default) "
                        "is the same body's report for the year before (same agency and region; the newest if "
                        "there are several); `with=<id>` any other report. Keys only one report has come with "
                        "the other side null.",
            responses={200: {"content": {"text/csv": {"schema": {"type": "string"}},
                                         "application/x-ndjson": {"schema": {"type": "string"}}}},
                       **problem_responses(404, 422)})
def compare_report(
    request: Request,
    session: SessionDep,
    report: ReportDep,
    with_: Annotated[str, Query(alias="with", pattern=r"^(previous|[1-9]\d{0,9})$",
                                description="`previous`, or the id of the report to compare with")] = "previous",
    prefix: Annotated[str | None, Query(max_length=120, description="only keys starting with this")] = None,
    fmt: FormatParam = None,
) -> Comparison | Response:
    if with_ == "previous":
        other = compare.previous_report(session, report)
        if other is None:
            raise ProblemError(404, "not_found",
                               f"No report of {report.agency or 'this body'} for {report.year - 1 if report.year else 'the year before'}"
                               " to compare with.")
    else:
        other = session.get(Report, int(with_)) if int(with_) <= 2**31 - 1 else None
        if other is None:
            raise ProblemError(404, "not_found", f"No report with id {with_}.")
    rows = compare.compare(session, report, other, prefix)
    newest = max(report.updated_at, other.updated_at)
    request.state.last_modified = newest
    chosen = negotiate(request, fmt)
    if chosen != "json":
        out = rows_response(request, chosen, rows, COMPARE_COLUMNS, f"compare-{report.id}-{other.id}")
        assert out is not None
        return out

    def side(r: Report) -> dict:
        return {"id": r.id, "agency": r.agency, "region_code": r.region_code, "year": r.year, "template": r.template}

    return Comparison(report=side(report), other=side(other), basis="previous" if with_ == "previous" else "id",
                      figures=rows)  # type: ignore[arg-type]
