"""What every list endpoint shares: the report filters as query parameters, keyset pages
(`limit`, opaque `cursor`, `next` in the body and a `Link: <…>; rel="next"` header, exact
`total` only with `count=true`), and the bulk forms — CSV and NDJSON, chosen by `format=`
or the Accept header, streamed in batches without a page limit, with an ETag stamped from
the change sequence (app/services/changes.data_version) so that polling them is cheap too.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import Depends, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import StreamingResponse
from sqlalchemy import Select
from sqlmodel import Session

from app import __version__, mediatypes
from app.api.caching import etag_matches
from app.db import Database, Overloaded, ReadGate
from app.divisions import REGION_PATTERN
from app.models import Status, Template
from app.runtime import runtime
from app.services import export
from app.services.changes import data_version
from app.services.filters import QueryError, ReportFilter, YEAR_PATTERN
from app.services.pagination import Sort, batches, page

Format = Literal["json", "csv", "ndjson"]
Level = Literal["province", "city", "county", "township", "department"]
Verdict = Literal["fails", "holds", "unknown"]

REGION_LIST = REGION_PATTERN.rstrip("$") + "(," + REGION_PATTERN.lstrip("^").rstrip("$") + ")*$"
_REGION_LIST = REGION_LIST


def query_error(exc: QueryError) -> RequestValidationError:
    return RequestValidationError([{"loc": ("query", exc.param), "msg": str(exc), "type": "value_error"}])


async def report_filter(
    year: Annotated[str | None, Query(
        pattern=YEAR_PATTERN, max_length=200,
        description="report year: one (`2020`), a list (`2019,2021`) or a range (`2019-2021`)")] = None,
    region: Annotated[str | None, Query(
        pattern=_REGION_LIST, max_length=200,
        description="region code or prefix, or a comma list of them: `15` or `150000` = 内蒙古 and everything "
                    "under it, `1507` or `150700` = 呼伦贝尔市 and its counties, `150724` = that county alone")] = None,
    agency: Annotated[str | None, Query(min_length=1, max_length=200, description="substring of the agency")] = None,
    template: Annotated[Template | None, Query(description="report template")] = None,
    status: Annotated[Status | None, Query(description="parse status")] = None,
    level: Annotated[Level | None, Query(description="the reporting body's level")] = None,
    on_time: Annotated[bool | None, Query(
        description="published by the legal deadline (true) or after it (false); reports whose publication "
                    "date is unknown match neither")] = None,
    checks: Annotated[Verdict | None, Query(
        description="reports with at least one cross-year check (GET /reports/{id}/checks) of this verdict: "
                    "`fails` lists every report whose figures contradict the same body's previous or next "
                    "year")] = None,
    copied: Annotated[bool | None, Query(
        description="reports whose every figure and most of whose prose equal the previous year's report "
                    "(true), or differ from it (false); reports with no previous year match neither")] = None,
) -> ReportFilter:
    try:
        return ReportFilter.from_params(year=year, region=region, agency=agency, template=template, status=status,
                                        level=level, on_time=on_time, checks=checks, copied=copied)
    except QueryError as exc:
        raise query_error(exc) from None


FiltersDep = Annotated[ReportFilter, Depends(report_filter)]
CursorParam = Annotated[str | None, Query(max_length=500, description="`next` token of the previous page (opaque)")]
CountParam = Annotated[bool, Query(description="also count every matching row (`total`); costs a full count")]
ExactParam = Annotated[bool, Query(description="leave out figures not read exactly as printed: those flagged "
                                               "`inferred` (a run-together cell split by evidence) or `ocr`")]
FormatParam = Annotated[Format | None, Query(
    alias="format",
    description="`json` (default), `csv` (UTF-8 with BOM) or `ndjson`; or send `Accept: text/csv` / "
                "`Accept: application/x-ndjson`. CSV and NDJSON stream every matching row (from `cursor` on, "
                "at most `limit` if given).")]

BULK_CONTENT = {
    "text/csv": {"schema": {"type": "string"}, "example": "\ufeffreport_id,agency,…\r\n"},
    "application/x-ndjson": {"schema": {"type": "string"}, "example": '{"report_id": 1, …}\n'},
}
PAGE_HEADERS = {
    "Link": {"schema": {"type": "string"}, "description": '`<next page URL>; rel="next"` when there is one'},
}


def list_responses(extra: dict[int | str, Any] | None = None) -> dict[int | str, Any]:
    return {200: {"content": BULK_CONTENT, "headers": PAGE_HEADERS}, **(extra or {})}


_MEDIA = {"application/json": "json", "text/csv": "csv", "application/x-ndjson": "ndjson",
          "application/jsonl": "ndjson", "application/ndjson": "ndjson"}


def negotiate(request: Request, fmt: str | None) -> str:
    """`format=` wins; else the Accept header's preferred type among JSON, CSV and NDJSON
    (highest q, then first listed); else JSON."""
    if fmt:
        return fmt
    best, best_q = "json", -1.0
    for media, q in mediatypes.accepted(request.headers.get("accept")):
        chosen = _MEDIA.get(media)
        if chosen and q > best_q and q > 0:
            best, best_q = chosen, q
    return best


def page_url(request: Request, param: str, token: str) -> str:
    params = [(k, v) for k, v in request.query_params.multi_items() if k != param]
    params.append((param, token))
    root = request.scope.get("root_path", "").rstrip("/")
    return f"{root}{request.url.path}?{urlencode(params)}"


def set_next(request: Request, response: Response, token: str | None, param: str = "cursor") -> str | None:
    if token is None:
        return None
    url = page_url(request, param, token)
    response.headers["Link"] = f'<{url}>; rel="next"'
    return url


def stamp_etag(request: Request, fmt: str, version: tuple[int, int]) -> str:
    """A strong ETag from what decides an answer: the service version, the path under its
    root, the query and format, and the data version (highest change_seq, report count)."""
    canonical = urlencode(sorted(request.query_params.multi_items()))
    root = request.scope.get("root_path", "")
    raw = f"{__version__}|{root}|{request.url.path}?{canonical}|{fmt}|{version[0]}|{version[1]}"
    return '"' + hashlib.sha256(raw.encode()).hexdigest()[:32] + '"'


def conditional(request: Request, response: Response, session: Session, fmt: str) -> Response | None:
    """Stamp the answer's ETag from the data version before any work: a 304 when the client
    holds it (one cheap query instead of the whole answer), else None, with the ETag set
    on `response` (the middleware then leaves the body unhashed)."""
    etag = stamp_etag(request, fmt, data_version(session))
    if etag_matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers={"ETag": etag, "Vary": "Accept"})
    response.headers["ETag"] = etag
    response.headers["Vary"] = "Accept"
    return None


# a batch of a stream already started waits this long for a read slot before the stream is cut
STREAM_WAIT = 30.0


def bulk(request: Request, database: Database, session: Session, fmt: str, *, stmt: Select, sort: Sort,
         item: Callable[[Any], dict[str, Any]], columns: list[str], name: str, cursor: str | None,
         limit: int | None, cursor_param: str = "cursor",
         source: Callable[[], Iterator[list[Any]]] | None = None) -> Response:
    """Stream `stmt` as CSV or NDJSON, or answer 304 when the client's ETag still holds.
    The cursor (the query parameter `cursor_param`) is checked before anything is sent:
    a bad one is a 422, never a stream cut off after its first bytes.

    Called in the endpoint's worker thread, with the request's read slot: the data version,
    then the first batch (so that overload is still a 503 here, not a stream cut short).
    Each later batch is read — and turned into bytes — in a worker thread with a read slot of
    its own, on a short session (app.services.pagination.batches): between batches, while the
    client reads, the stream holds no slot and no connection. `source`: the batches to
    stream instead of `stmt`'s (which then only names the order the cursor is checked in)."""
    try:
        if cursor:
            sort.decode(cursor)
    except QueryError as exc:
        raise query_error(QueryError(cursor_param, str(exc))) from None
    etag = stamp_etag(request, fmt, data_version(session))
    headers = {"ETag": etag, "Vary": "Accept"}  # Cache-Control: the middleware's
    if etag_matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    session.close()  # its connection back to the pool: each batch takes one of its own

    def items() -> Iterator[list[dict[str, Any]]]:
        stream = source() if source is not None else batches(database.session, stmt, sort, cursor=cursor, limit=limit)
        for rows in stream:
            yield [item(r) for r in rows]

    if fmt == "csv":
        headers["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        chunks, media_type = export.csv_chunks(columns, items()), export.CSV_MEDIA_TYPE
        first = [next(chunks), next(chunks, None)]  # the header row, the first batch
    else:
        chunks, media_type = export.ndjson_chunks(items()), export.NDJSON_MEDIA_TYPE
        first = [next(chunks, None)]
    return StreamingResponse(_stream(runtime(request.app).reads, first, chunks), media_type=media_type,
                             headers=headers)


@dataclass
class Listed:
    """One JSON page of a list: its items, the URL of the next page, the exact total if asked."""

    data: list[Any]
    next: str | None
    total: int | None


def list_answer(request: Request, response: Response, session: Session, database: Database, fmt: str | None, *,
                stmt: Select, sort: Sort, item: Callable[[Any], dict[str, Any]], columns: list[str], name: str,
                cursor: str | None, limit: int, count: bool = False,
                shown: Callable[[Any], Any] | None = None) -> Response | Listed:
    """The flow every keyset list shares: the format chosen (`format=`, else Accept); CSV or
    NDJSON streamed (`bulk`: every row, at most `limit` when given); else the ETag stamped
    before any work (a 304 costs one query); else one JSON page after `cursor`, its `next`
    also a Link header. `item` draws a row for the bulk forms, `shown` for JSON (default: item)."""
    chosen = negotiate(request, fmt)
    if chosen != "json":
        given = limit if "limit" in request.query_params else None
        return bulk(request, database, session, chosen, stmt=stmt, sort=sort, item=item, columns=columns,
                    name=name, cursor=cursor, limit=given)
    if (not_modified := conditional(request, response, session, chosen)) is not None:
        return not_modified
    try:
        result = page(session, stmt, sort, cursor=cursor, limit=limit, count=count)
    except QueryError as exc:
        raise query_error(exc) from None
    draw = shown or item
    return Listed([draw(r) for r in result.rows], set_next(request, response, result.next_cursor), result.total)


class StreamCut(RuntimeError):
    """A stream already started got no read slot for its next batch in STREAM_WAIT seconds: the
    connection is closed mid-body (the client sees an incomplete answer, never a short one
    that looks whole)."""


async def _stream(gate: ReadGate, first: list[bytes | None], chunks: Iterator[bytes]) -> AsyncIterator[bytes]:
    for chunk in first:
        if chunk is None:
            return
        yield chunk
    while True:
        try:
            chunk = await gate.run(next, chunks, None, max_wait=STREAM_WAIT, queue=True)
        except Overloaded:
            raise StreamCut(f"no read slot for the next batch in {STREAM_WAIT:g} s") from None
        if chunk is None:
            return
        yield chunk


def rows_response(request: Request, fmt: str, items: list[dict[str, Any]], columns: list[str],
                  name: str, etag: str | None = None, vary: bool = True) -> Response | None:
    """CSV or NDJSON of rows already in hand (stats, regions, comparisons, a report's figures
    and findings); None for JSON. With `etag` (a stamp from `conditional`) it is sent; else
    the middleware hashes the body. `vary=False` where only `format=` chooses (not Accept)."""
    if fmt == "json":
        return None
    headers = {**({"Vary": "Accept"} if vary else {}), **({"ETag": etag} if etag else {})}
    flat = [export.flatten(i) for i in items]
    if fmt == "csv":
        body = b"".join(export.csv_chunks(columns, [flat]))
        headers["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return Response(body, media_type=export.CSV_MEDIA_TYPE, headers=headers)
    return Response(b"".join(export.ndjson_chunks([items])), media_type=export.NDJSON_MEDIA_TYPE, headers=headers)


# per-report rows (a report's figures, its findings): `format=` only, not Accept, so that a
# report view kept by app.api.viewcache (by path and query) is always the format asked for
ReportRowsFormat = Annotated[Format | None, Query(
    alias="format", description="`json` (default), `csv` (UTF-8 with BOM, nested fields as dotted columns) "
                                "or `ndjson` (one row a line)")]
REPORT_ROWS_CONTENT = {
    "text/csv": {"schema": {"type": "string"}, "example": "\ufeffreport_id,key,value,…\r\n"},
    "application/x-ndjson": {"schema": {"type": "string"}, "example": '{"report_id": 1, "key": …}\n'},
}

