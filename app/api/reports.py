"""/reports: submit a report, list and read reports, their findings and text.

Concurrency choice: submitting is `async def`: it streams the body on the event loop, looks
the bytes up in a worker thread, and hands the parse (milliseconds of CPU) to the worker's
parse processes (app/services/parsepool.py: another core, not the loop's GIL), so the loop
keeps serving; the write joins the other requests' in one commit (group commit,
app/services/writer.py: a commit costs about the same for one report or thirty). Reads are
plain `def`s with a SessionDep: FastAPI runs them in a worker thread, each holding a slot of
the read gate (app.db.ReadGate, app.api.deps.get_session), so that no query runs on the loop
and none waits there for a pooled connection, whatever the load; overload is a quick 503.
Views of a report that did not change are answered from memory before any of that
(app/api/viewcache.py). SQLite runs in WAL mode, so a read never waits for a writer.
"""

from __future__ import annotations

import functools
from typing import Annotated, Any, Literal

import anyio
import anyio.to_thread
import orjson
from fastapi import APIRouter, BackgroundTasks, Depends, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import PlainTextResponse
from pydantic import ValidationError
from sqlmodel import select

from app import mediatypes
from app.api.deps import DatabaseDep, ReportDep, SessionDep, SettingsDep, require_writer
from app.api.listing import REPORT_ROWS_CONTENT, ReportRowsFormat, rows_response
from app.api.html import report_page
from app.api.presenters import (
    DOCUMENT_CONTENT_RESPONSES, document_public, document_response, report_public, submitted_public,
)
from app.api.problems import ProblemError, input_status, problem_responses
from app.api.report_shapes import (
    DocumentsPublic, FindingsPublic, ReportPublic, ReportSubmission, ReportSubmitted,
)
from app.models import Document, DocumentParse, FindingRow, Report, ReportText
from app.parsing import ParsedReport
from app.parsing.decode import DOCX_TYPE, LEGACY_WORD_TYPES, PDF_TYPE
from app.services.attachment import fetch_report
from app.services.evidence import settle_around, settle_neighbours
from app.services.fetch import FetchError, check_url
from app.services.ingest import IngestResult, ingest_fetched, sha256_hex, stored_result
from app.services.reparse import reparse
from app.services.neighbours import context_for, wants_neighbours
from app.runtime import runtime
from app.services.parsepool import ParsePool
from app.services.writer import BatchWriter
from app.services.present import finding_row_json
from app.web import wants_html

router = APIRouter(prefix="/reports", tags=["reports"])

ACCEPTED_MEDIA_TYPES = ("text/plain", "text/markdown", "text/html", "application/xhtml+xml", "application/json",
                        PDF_TYPE, DOCX_TYPE, *LEGACY_WORD_TYPES, "application/octet-stream")


# ----------------------------------------------------------------------------- submit

_REQUEST_BODY = {
    "requestBody": {
        "required": True,
        "description": "The report itself: plain text (charset from the Content-Type, else detected), "
                       "Markdown, HTML, the published PDF or Word file (.docx; legacy .doc/.wps where the server "
                       "has LibreOffice), or JSON with the text and where it was published, or with the "
                       "`url` to fetch it from (http/https, public addresses only, the size limit applies). "
                       "PDF and Word files are known by their bytes whatever the Content-Type says; "
                       "`application/octet-stream` is read as whatever the bytes are.",
        "content": {
            "text/plain": {"schema": {"type": "string"}},
            "text/markdown": {"schema": {"type": "string"}},
            "text/html": {"schema": {"type": "string"}},
            "application/json": {"schema": {"$ref": "#/components/schemas/ReportSubmission"}},
            PDF_TYPE: {"schema": {"type": "string", "format": "binary"}},
            DOCX_TYPE: {"schema": {"type": "string", "format": "binary"}},
            "application/msword": {"schema": {"type": "string", "format": "binary"}},
            "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
        },
    }
}


def _ingest_limiter(request: Request) -> anyio.CapacityLimiter:
    return runtime(request.app).ingest


def _writer(request: Request) -> BatchWriter:
    return runtime(request.app).writer


def _parse_pool(request: Request) -> ParsePool:
    return runtime(request.app).parse_pool


def media_type_of(content_type: str | None) -> str:
    return mediatypes.split(content_type)[0]


async def read_body(request: Request, limit: int) -> bytes:
    """The body, refused with 413 as soon as it is known to exceed `limit`: from
    Content-Length before reading, else while streaming (never buffered whole first)."""
    too_large = ProblemError(413, "payload_too_large", f"The body exceeds the limit of {limit} bytes.")
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            if int(declared) > limit:
                raise too_large
        except ValueError:
            raise ProblemError(400, "bad_request", "Content-Length is not a number.") from None
    chunks: list[bytes] = []
    size = 0
    # a client that hangs up meanwhile raises ClientDisconnect: app.api.problems answers it (499)
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


def checked_source_url(value: str | None, where: str) -> str | None:
    """`source_url` as given, when it is an absolute http(s) URL with a host (it is shown
    as a link); else a 422 naming the field (`where`: query or body)."""
    if value is None:
        return None
    try:
        check_url(value)
    except FetchError as exc:
        raise RequestValidationError([{"loc": (where, "source_url"), "msg": exc.message, "type": exc.code}]) \
            from None
    return value


def read_submission(body: bytes) -> ReportSubmission:
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise ProblemError(400, "malformed_json", f"The body is not valid JSON: {exc}.") from None
    try:
        return ReportSubmission.model_validate(payload)
    except ValidationError as exc:
        errors = [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False, include_input=False)]
        if isinstance(payload, dict) and "text" not in payload and "url" not in payload:
            errors.insert(0, {"loc": ("body", "text"), "msg": "Field required (or give 'url')", "type": "missing"})
        raise RequestValidationError(errors) from None


@router.post(
    "",
    status_code=201,
    response_model=ReportSubmitted,
    summary="Submit a report",
    description="Parses and stores the document. A body's report of a year is one report, whatever number of "
                "documents (copies in other encodings, scripts, formats; revised editions) are submitted for it: "
                "201 with `submission` new when the document makes a new report; 200 with the report it joined "
                "(`copy`, or `revision` when its text says it revises an earlier edition), whose figures are then "
                "reconciled from all of its documents; 200 `duplicate` for bytes stored before. "
                "Needs `Authorization: Bearer <key>`. "
                "JSON `{\"url\": …}` fetches the report: only http(s) URLs whose host resolves to public "
                "addresses (else 422 `url_scheme_not_allowed` / `fetch_address_refused`), redirects "
                "re-checked, the size limit enforced while reading (413).",
    dependencies=[Depends(require_writer)],
    openapi_extra=_REQUEST_BODY,
    responses={
        200: {"model": ReportSubmitted, "description": "A copy or revision of a report stored before, or these "
                                                       "very bytes again: that report"},
        201: {"description": "Parsed and stored: the new report", "headers": {"Location": {"schema": {"type": "string"}, "description": "URL of the report"}}},
        **problem_responses(400, 401, 403, 413, 415, 422, 502, 504),
    },
)
async def create_report(
    request: Request,
    response: Response,
    database: DatabaseDep,
    settings: SettingsDep,
    background: BackgroundTasks,
    source_url: Annotated[str | None, Query(
        max_length=2048, description="where the report was published: an absolute http(s) URL")] = None,
) -> ReportSubmitted:
    content_type = request.headers.get("content-type")
    media_type = media_type_of(content_type)
    if media_type not in ACCEPTED_MEDIA_TYPES:
        raise ProblemError(415, "unsupported_media_type",
                           f"Content-Type {media_type or '(none)'!r} is not accepted; send one of: "
                           + ", ".join(ACCEPTED_MEDIA_TYPES) + ".")
    source_url = checked_source_url(source_url, "query")
    body = await read_body(request, settings.disclosure_max_body_bytes)
    if not body:
        raise ProblemError(400, "empty_body", "The request body is empty: send the report's text.")
    if media_type == "application/json":
        submission = read_submission(body)
        if submission.url is not None:
            return await _create_from_url(request, response, database, settings, submission.url, background)
        data = submission.text.encode("utf-8")
        # HTML inside the JSON is recognised by the parser's own sniffing of text/plain
        content_type = "text/plain; charset=utf-8"
        source_url = checked_source_url(submission.source_url, "body") or source_url
    else:
        data = body
        if media_type == "text/markdown":  # Markdown is read as text (charset kept)
            content_type = mediatypes.with_type(content_type, "text/plain")
        elif media_type == "application/octet-stream":  # no type: the parser goes by the bytes
            content_type = None
    # parse in a thread (or find the bytes stored already), then write with the other requests'
    # parses in one commit (app/services/writer.py)
    limiter = _ingest_limiter(request)
    existing = await anyio.to_thread.run_sync(stored_result, database.engine, sha256_hex(data), limiter=limiter)
    if existing is not None:
        result = existing
    else:
        parsed = await _parse(request, database, data, content_type, limiter)
        result = await _writer(request).store(data, parsed, source_url or parsed.source_url)
        _settle_later(request, background, database, settings, result)
    return _submitted(result, request, response)


def _submitted(result: IngestResult, request: Request, response: Response) -> ReportSubmitted:
    """201 with a Location for a new report; 200 for a copy, revision or the same bytes again."""
    public = submitted_public(result, request)
    response.headers["Location"] = public.links.self
    if not result.created:
        response.status_code = 200
    return public


async def _parse(request: Request, database: DatabaseDep, data: bytes, content_type: str | None,
                 limiter: anyio.CapacityLimiter) -> ParsedReport:
    """The parse in the pool; parsed again there with the same body's other years when it has
    a run-together row they may settle and they are stored (the look-up in a worker thread)."""
    pool = _parse_pool(request)
    parsed = await pool.parse(data, content_type, limiter)
    if wants_neighbours(f.code for f in parsed.findings):
        context = await anyio.to_thread.run_sync(context_for, database.engine, parsed, limiter=limiter)
        if context is not None:
            parsed = await pool.parse(data, content_type, limiter, context=context)
    return parsed


def _settle_later(request: Request, background: BackgroundTasks, database: DatabaseDep, settings: SettingsDep,
                  result: IngestResult) -> None:
    """After the answer, in a worker thread: the stored report's neighbour years that it may
    settle are parsed again (app/services/evidence.py), in the parse processes."""
    if result.submission != "duplicate":
        background.add_task(settle_neighbours, database.engine, [result], budget=settings.disclosure_parse_budget,
                            parse=_parse_pool(request).parse_blocking)


async def _create_from_url(request: Request, response: Response, database: DatabaseDep, settings: SettingsDep,
                           url: str, background: BackgroundTasks) -> ReportSubmitted:
    """POST /reports {"url": …}: fetched under the guard of app.services.fetch, then stored
    with the final URL, fetch time, ETag and Last-Modified."""
    try:
        fetched = await anyio.to_thread.run_sync(functools.partial(
            fetch_report, url, max_bytes=settings.disclosure_max_body_bytes, allow=settings.fetch_allow,
            timeout=settings.disclosure_fetch_timeout, max_redirects=settings.disclosure_fetch_max_redirects))
    except FetchError as exc:
        # a 422 is a validation problem (its `errors` name the field), as the spec says
        status = input_status(exc.code)
        extra = {"errors": [{"loc": ["body", "url"], "msg": exc.message, "type": exc.code}]} if status == 422 else {}
        raise ProblemError(status, exc.code, exc.message, **extra) from None
    result = await anyio.to_thread.run_sync(
        functools.partial(ingest_fetched, database.engine, fetched, budget=settings.disclosure_parse_budget),
        limiter=_ingest_limiter(request))
    _settle_later(request, background, database, settings, result)
    return _submitted(result, request, response)


@router.post(
    "/{report_id}/reparse",
    response_model=ReportPublic,
    summary="Parse a stored report again",
    description="Runs the current parser on the report's stored bytes and replaces its figures, findings "
                "and text; the document is never modified. Needs `Authorization: Bearer <key>`.",
    dependencies=[Depends(require_writer)],
    responses=problem_responses(401, 403, 404, 422),
)
async def reparse_report(report: ReportDep, request: Request, database: DatabaseDep, settings: SettingsDep,
                         background: BackgroundTasks) -> ReportPublic:
    budget, parse = settings.disclosure_parse_budget, _parse_pool(request).parse_blocking
    updated = await anyio.to_thread.run_sync(functools.partial(reparse, database.engine, report.id, budget=budget,
                                                               parse=parse),
                                             limiter=_ingest_limiter(request))
    if updated is None:  # deleted between the lookup and the reparse
        raise ProblemError(404, "not_found", f"There is no report {report.id}.")
    # after the answer: the neighbour years its new figures may settle (app/services/evidence.py)
    background.add_task(settle_around, database.engine, [updated.id], budget=budget, parse=parse)
    return report_public(updated, request)


# ----------------------------------------------------------------------------- read (the list: app/api/query.py)


@router.get("/{report_id}", response_model=ReportPublic, summary="One report",
            description="The report as JSON. A browser — an Accept header that prefers `text/html` over "
                        "`application/json`, as browsers send — gets the report page instead "
                        "(the same as `/reports/{id}/view`); no Accept header, `*/*` or `application/json` "
                        "get the JSON. Answers carry `Vary: Accept`.",
            responses={200: {"content": {"text/html": {"schema": {"type": "string"}}}},
                       **problem_responses(404, 422)})
async def read_report(report: ReportDep, request: Request, response: Response, session: SessionDep) -> Any:
    if wants_html(request):  # the page's queries and rendering in a worker thread, not on the loop
        return await anyio.to_thread.run_sync(report_page, request, session, report)
    response.headers["Vary"] = "Accept"
    return report_public(report, request)


FINDING_CSV_COLUMNS = ["report_id", "code", "severity", "message", "keys", "line"]


@router.get("/{report_id}/findings", response_model=FindingsPublic, summary="What the checks found",
            responses={200: {"content": REPORT_ROWS_CONTENT}, **problem_responses(404, 422)})
def read_findings(request: Request, report: ReportDep, session: SessionDep,
                        fmt: ReportRowsFormat = None) -> Any:
    rows = session.exec(select(FindingRow).where(FindingRow.report_id == report.id).order_by(FindingRow.id))
    findings = [finding_row_json(r) for r in rows]
    out = rows_response(request, fmt or "json", [{"report_id": report.id, **f} for f in findings],
                        FINDING_CSV_COLUMNS, f"report-{report.id}-findings", vary=False)
    return out if out is not None else {"report_id": report.id, "findings": findings}


@router.get("/{report_id}/text", response_class=PlainTextResponse, summary="The report's text",
            description="`original`: the decoded document, the text figure line numbers refer to; "
                        "`normalized`: the simplified, normalised copy the parser matched on.",
            responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}},
                       **problem_responses(404, 422)})
def read_text(
    report: ReportDep,
    session: SessionDep,
    form: Annotated[Literal["original", "normalized"], Query()] = "original",
) -> PlainTextResponse:
    text = session.get(ReportText, report.id)
    body = "" if text is None else (text.original if form == "original" else text.normalized)
    return PlainTextResponse(body, media_type="text/plain; charset=utf-8")


@router.get("/{report_id}/document", summary="The original file, as received",
            description="The bytes the report was read from, unchanged, with the content type they were read as "
                        "(`application/pdf`, the Word type, `text/html; charset=…`, `text/plain; charset=…`) and "
                        "their SHA-256 as a strong ETag. Figure sources give their page and box in a PDF.",
            response_class=Response, responses={**DOCUMENT_CONTENT_RESPONSES, **problem_responses(404, 422)})
def read_document(report: ReportDep, session: SessionDep, request: Request) -> Response:  # in a worker thread
    return document_response(session, report.document_id, request, f"report-{report.id}",
                             missing=f"No report with id {report.id}.")


_DOCUMENT_COLUMNS = (Document.id, Document.sha256, Document.media_type, Document.encoding, Document.size,
                     Document.source_url, Document.received_at)


@router.get("/{report_id}/documents", response_model=DocumentsPublic, summary="The documents it was built from",
            description="Every document submitted for this body's report of this year (copies in other encodings, "
                        "scripts and formats, revised editions), oldest first; `main` is the one whose text is the "
                        "report's. Each document's own parse: GET /documents/{id}.",
            responses=problem_responses(404, 422))
def read_documents(report: ReportDep, session: SessionDep, request: Request) -> Any:
    rows = session.exec(select(*_DOCUMENT_COLUMNS, DocumentParse.status, DocumentParse.parser_version)
                        .join(DocumentParse, DocumentParse.document_id == Document.id)
                        .where(DocumentParse.report_id == report.id).order_by(Document.id)).all()
    if not rows:  # stored before document_parse existed, or its parse row missing: the main document alone
        rows = session.exec(select(*_DOCUMENT_COLUMNS, Report.status, Report.parser_version)
                            .join(Report, Report.document_id == Document.id).where(Report.id == report.id)).all()
    return {"report_id": report.id,
            "documents": [document_public(r, r, report.id, report.document_id, request) for r in rows]}
