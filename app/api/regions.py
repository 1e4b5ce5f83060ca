"""/regions: the bundled GB/T 2260 division table (app/parsing/regions.py), with how many
reports each division has (its own bodies' and those of every division under it)."""

from __future__ import annotations

from collections import Counter
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request, Response
from sqlalchemy import func, select
from sqlmodel import Session

from app.api.deps import SessionDep
from app.api.listing import (
    CountParam, CursorParam, FormatParam, conditional, negotiate, query_error, rows_response, set_next,
)
from app.api.problems import ProblemError, problem_responses
from app.api.shapes import RegionDetail, RegionPublic, RegionRef, RegionsPage
from app.models import Report
from app.parsing import regions
from app.parsing.regions import Division
from app.divisions import all_divisions, region_prefix
from app.services.filters import QueryError
from app.services.pagination import Sort, SortKey

router = APIRouter(prefix="/regions", tags=["regions"])

REGION_COLUMNS = ["code", "name", "level", "parent_code", "report_count"]
_BY_CODE = Sort("code", (SortKey("code", None, kind=str),))


def report_counts(session: Session) -> Counter[str]:
    """Reports per region prefix (NN, NNNN, NNNNNN): one grouped query over report.region_code."""
    counts: Counter[str] = Counter()
    for code, n in session.exec(select(Report.region_code, func.count(Report.id)).group_by(Report.region_code)):
        if code and len(code) == 6 and code.isdigit():
            counts[code[:2]] += n
            counts[code[:4]] += n
            counts[code] += n
    return counts


def region_public(d: Division, counts: Counter[str], request: Request) -> RegionPublic:
    root = request.scope.get("root_path", "").rstrip("/")
    prefix = region_prefix(d.code)
    return RegionPublic(
        code=d.code, name=d.name, level=d.level, parent_code=d.parent_code,  # type: ignore[arg-type]
        report_count=counts.get(prefix, 0),
        links={"self": f"{root}/regions/{d.code}", "children": f"{root}/regions?parent={d.code}",
               "reports": f"{root}/reports?region={prefix}"},  # type: ignore[arg-type]
    )


@router.get("", response_model=RegionsPage, summary="Divisions",
            description="The provinces by default; `parent=` the divisions directly under one (a municipality's "
                        "districts and counties are directly under it); `level=` every division of a level; "
                        "`q=` a part of the name. In code order, keyset-paginated; `format=csv|ndjson` "
                        "for all of them at once.",
            responses={200: {"content": {"text/csv": {"schema": {"type": "string"}},
                                         "application/x-ndjson": {"schema": {"type": "string"}}}},
                       **problem_responses(422)})
def list_regions(
    request: Request,
    response: Response,
    session: SessionDep,
    parent: Annotated[str | None, Query(pattern=r"^\d{6}$", description="six-digit code of the parent division")] = None,
    level: Annotated[Literal["province", "city", "county"] | None, Query(description="only this level")] = None,
    q: Annotated[str | None, Query(min_length=1, max_length=40, description="part of the name, e.g. 呼伦贝尔")] = None,
    limit: Annotated[int, Query(ge=1, le=1000, description="page size (JSON)")] = 100,
    cursor: CursorParam = None,
    count: CountParam = False,
    fmt: FormatParam = None,
) -> RegionsPage | Response:
    if parent is not None:
        found = regions.children(parent)
    elif level is not None or q is not None:
        found = list(all_divisions())
    else:
        found = [d for d in all_divisions() if d.level == "province"]
    if level is not None:
        found = [d for d in found if d.level == level]
    if q is not None:
        found = [d for d in found if q in d.name]
    chosen = negotiate(request, fmt)
    if (not_modified := conditional(request, response, session, chosen)) is not None:
        return not_modified
    counts = report_counts(session)
    if chosen != "json":
        rows = [region_public(d, counts, request).model_dump(mode="json") for d in found]
        out = rows_response(request, chosen, rows, REGION_COLUMNS, "regions", etag=response.headers["ETag"])
        assert out is not None
        return out
    total = len(found) if count else None
    if cursor:
        try:
            (after,) = _BY_CODE.decode(cursor)
        except QueryError as exc:
            raise query_error(exc) from None
        found = [d for d in found if d.code > after]
    page, rest = found[:limit], found[limit:]
    token = _BY_CODE.encode(page[-1]) if rest else None
    return RegionsPage(data=[region_public(d, counts, request) for d in page],
                       next=set_next(request, response, token), total=total)


@router.get("/{code}", response_model=RegionDetail, summary="One division",
            description="Name, level, parent and ancestors, the divisions directly under it, and report counts.",
            responses=problem_responses(404, 422))
def read_region(
    request: Request,
    session: SessionDep,
    code: Annotated[str, Path(pattern=r"^\d{6}$", description="six-digit GB/T 2260 code, e.g. 150700")],
) -> RegionDetail:
    d = regions.get(code)
    if d is None:
        raise ProblemError(404, "not_found", f"No division with code {code} in the division table.")
    counts = report_counts(session)
    own = region_public(d, counts, request)
    return RegionDetail(
        **own.model_dump(),
        ancestors=[RegionRef(code=a.code, name=a.name, level=a.level) for a in regions.ancestors(code)],  # type: ignore[arg-type]
        children=[region_public(c, counts, request) for c in regions.children(code)],
    )
