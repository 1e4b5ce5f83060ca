"""GET / for a browser: a page to find reports — by region (province → city → county), year,
body and status, each choice with its count under the other filters — and to upload one with a
key. The same filters and keyset pages as GET /reports (app.services.query, .filters, .pagination); the counts are
grouped queries under the same filters. Runs in a worker thread with a read-gate slot
(app/api/home.py hands it over)."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any
from urllib.parse import urlencode

from fastapi.responses import HTMLResponse
from sqlalchemy import func
from sqlmodel import Session, select
from starlette.requests import Request

from app.api.listing import REGION_LIST
from app.api.html import html_page
from app.models import Report
from app.parsing import regions
from app.services import query
from app.divisions import region_prefix
from app.services.filters import YEAR_PATTERN, QueryError, ReportFilter
from app.services.pagination import page

PAGE_SIZE = 50
STATUSES = ("parsed", "partial", "failed")
FIELDS = ("region", "year", "agency", "status")


_PATTERNS = {"year": re.compile(YEAR_PATTERN), "region": re.compile(REGION_LIST)}


def _params(request: Request) -> dict[str, str]:
    """The filters of the page's form: empty fields left out, lengths bounded; QueryError for
    a value GET /reports would refuse too."""
    out = {}
    for name in FIELDS:
        value = request.query_params.get(name, "").strip()[:200]
        if not value:
            continue
        if name in _PATTERNS and not _PATTERNS[name].fullmatch(value):
            raise QueryError(name, f"{value!r} is not a {name} (see GET /reports)")
        if name == "status" and value not in STATUSES:
            raise QueryError(name, f"{value!r} is none of {', '.join(STATUSES)}")
        out[name] = value
    return out


def _counts(session: Session, filters: ReportFilter, column) -> Counter:
    stmt = filters.apply(select(column, func.count(Report.id))).group_by(column)
    return Counter({value: n for value, n in session.exec(stmt)})


def _region_counts(session: Session, filters: ReportFilter) -> Counter:
    counts: Counter[str] = Counter()
    for code, n in _counts(session, filters, Report.region_code).items():
        if code and len(code) == 6 and code.isdigit():
            for digits in (2, 4, 6):
                counts[code[:digits]] += n
    return counts


def _without(filters: dict[str, str], name: str) -> ReportFilter:
    rest = {k: v for k, v in filters.items() if k != name}
    return ReportFilter.from_params(**rest)


def finder_page(request: Request, session: Session) -> HTMLResponse:
    error = None
    try:
        params = _params(request)
        filters = ReportFilter.from_params(**params)
    except (QueryError, ValueError) as exc:
        error, params, filters = str(exc), {}, ReportFilter()
    base = request.scope.get("root_path", "").rstrip("/") + "/"

    def link(**change: str | None) -> str:
        merged = {**params, **change}
        merged = {k: v for k, v in merged.items() if v}
        return base + ("?" + urlencode(merged) if merged else "")

    # the region chosen (a code or prefix), its ancestors, and the divisions under it with counts
    chosen = None
    code = params.get("region")
    if code and "," not in code:
        prefix = region_prefix(code)
        chosen = regions.get((prefix + "0000")[:6])
    trail = [*reversed(regions.ancestors(chosen.code)), chosen] if chosen else []
    counts = _region_counts(session, _without(params, "region"))
    under = regions.children(chosen.code) if chosen else [d for d in _provinces()]
    places = [{"name": d.name, "code": d.code, "count": counts.get(region_prefix(d.code), 0),
               "href": link(region=region_prefix(d.code))} for d in under]
    places = [p for p in places if p["count"]] or []
    years = _counts(session, _without(params, "year"), Report.year)
    statuses = _counts(session, _without(params, "status"), Report.status)
    cursor = request.query_params.get("cursor") or None
    try:
        result = page(session, query.reports_stmt(filters), query.REPORT_SORTS["-year"], cursor=cursor,
                            limit=PAGE_SIZE, count=True)
    except QueryError:
        result = page(session, query.reports_stmt(filters), query.REPORT_SORTS["-year"], cursor=None,
                            limit=PAGE_SIZE, count=True)
    rows = [{"id": r.id, "agency": r.agency, "year": r.year, "status": r.status, "template": r.template,
             "region": _region_name(r.region_code), "figures": r.figure_count, "findings": r.finding_count,
             "href": f"{base}reports/{r.id}/view"} for r in result.rows]
    context: dict[str, Any] = {
        "params": params, "error": error, "trail": [{"name": d.name, "href": link(region=region_prefix(d.code))}
                                                     for d in trail],
        "all_regions": link(region=None), "places": places,
        "years": sorted(((y, n) for y, n in years.items() if y is not None), reverse=True),
        "statuses": [(s, statuses.get(s, 0)) for s in STATUSES],
        "reports": rows, "total": result.total,
        "next": link(cursor=result.next_cursor) if result.next_cursor else None,
        "json": request.scope.get("root_path", "").rstrip("/") + "/reports" + (
            "?" + urlencode(params) if params else ""),
    }
    return html_page("home.html", context, request, status_code=422 if error else 200)


def _provinces():
    return [d for d in _all() if d.level == "province"]


def _all():
    from app.divisions import all_divisions

    return all_divisions()


def _region_name(code: str | None) -> str | None:
    d = regions.get(code) if code else None
    return d.name if d else code
