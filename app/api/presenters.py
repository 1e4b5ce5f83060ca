"""Presenters: stored rows as the API's public JSON, with their links, for every router.

Routers import presenters, never each other (tests/test_layers.py): a report (alone, in
/reports and /changes lists, as a submission) and a document are drawn by the functions
here, so their links and fields are written once; a body and a removed report (as
/changes lists it) too. Parsed findings' JSON is app/services/present.py's (shared with
the bulk export, below the web layer).
"""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import Request, Response
from sqlmodel import select

from app.api.caching import etag_matches
from app.api.problems import ProblemError
from app.api.report_shapes import ReportLinks, ReportPublic, ReportSubmitted
from app.api.shapes import RemovalLinks, RemovalPublic
from app.models import Body, Document, FigureRow, RemovedReport, Report
from app.parsing.decode import DOCX_TYPE, PDF_TYPE

# the columns of a report in CSV/NDJSON (/reports and /changes lists)
REPORT_COLUMNS = ["id", "status", "template", "year", "agency", "region_code", "level", "title", "published_at",
                  "deadline", "on_time", "source_url", "parser_version", "figure_count", "finding_count",
                  "created_at", "updated_at", "change_seq", "checks_failing", "checks_holding", "checks_unknown",
                  "copied_from_previous"]

# plain rows, not ORM objects: a third of the time for a report's ~250 figures (bench/api_reads.py)
FIGURE_ROW_COLUMNS = (FigureRow.key, FigureRow.value, FigureRow.unit, FigureRow.section, FigureRow.note,
                      FigureRow.flags, FigureRow.line, FigureRow.span_start, FigureRow.span_end, FigureRow.source_text,
                      FigureRow.page, FigureRow.box_x0, FigureRow.box_top, FigureRow.box_x1, FigureRow.box_bottom,
                      FigureRow.confidence, FigureRow.parsed_value, FigureRow.parsed_flags)


def base_path(request: Request) -> str:
    return request.scope.get("root_path", "").rstrip("/")


def report_public(report: Report, request: Request) -> ReportPublic:
    own = f"{base_path(request)}/reports/{report.id}"
    links = ReportLinks(
        self=own, figures=f"{own}/figures", findings=f"{own}/findings", text=f"{own}/text", document=f"{own}/document",
        active=f"{own}/active", permits=f"{own}/permits", fees=f"{own}/fees", procurement=f"{own}/procurement",
        applications=f"{own}/applications", review_litigation=f"{own}/review-litigation",
        media_accounts=f"{own}/media-accounts", publishing=f"{own}/publishing",
        indicators=f"{own}/indicators", checks=f"{own}/checks", documents=f"{own}/documents",
        body=None if report.body_id is None else f"{base_path(request)}/bodies/{report.body_id}",
    )
    return ReportPublic.model_validate({**report.model_dump(), "links": links})


def removal_public(removed: RemovedReport, request: Request) -> RemovalPublic:
    """A removed report as GET /changes lists it."""
    root = f"{base_path(request)}/reports"
    links = RemovalLinks(self=f"{root}/{removed.id}",
                         merged_into=None if removed.merged_into is None else f"{root}/{removed.merged_into}")
    return RemovalPublic.model_validate({**removed.model_dump(), "change": "removed", "links": links})


def body_public(body: Body, request: Request) -> dict:
    """A body as GET /bodies lists it: name, region, level, and its reports' URL."""
    own = f"{base_path(request)}/bodies/{body.id}"
    return {"id": body.id, "name": body.name, "region_code": body.region_code, "level": body.level,
            "links": {"self": own, "reports": f"{base_path(request)}/reports?"
                                                           f"{urlencode({'agency': body.name, 'region': body.region_code})}"}}


def submitted_public(result, request: Request) -> ReportSubmitted:
    public = report_public(result.report, request)
    return ReportSubmitted.model_validate({**public.model_dump(), "submission": result.submission,
                                           "document_id": result.document_id})


_BINARY = {"schema": {"type": "string", "format": "binary"}}
_EXTENSIONS = {PDF_TYPE: "pdf", DOCX_TYPE: "docx", "application/msword": "doc", "text/html": "html"}

DOCUMENT_CONTENT_RESPONSES = {200: {"content": {PDF_TYPE: _BINARY, DOCX_TYPE: _BINARY, "application/msword": _BINARY,
                                                "text/html": {"schema": {"type": "string"}},
                                                "text/plain": {"schema": {"type": "string"}}},
                                    "headers": {"Content-Disposition": {"schema": {"type": "string"},
                                                                        "description": "inline, with a file name"}}}}


def document_response(session, document_id: int, request: Request, name: str, *, missing: str) -> Response:
    """A stored document's bytes, with the content type they were read as and their SHA-256
    as a strong ETag (304 before the bytes are even loaded)."""
    digest = session.exec(select(Document.sha256).where(Document.id == document_id)).first()
    if digest is None:  # deleted meanwhile
        raise ProblemError(404, "not_found", missing)
    etag = f'"{digest}"'
    if etag_matches(request.headers.get("if-none-match"), etag):  # the bytes are not even loaded
        return Response(status_code=304, headers={"ETag": etag})
    document = session.get(Document, document_id)
    if document is None:
        raise ProblemError(404, "not_found", missing)
    media = document.media_type
    if media in ("text/plain", "text/html") and document.encoding:
        media = f"{media}; charset={document.encoding}"
    extension = _EXTENSIONS.get(document.media_type, "txt")
    return Response(document.content, media_type=media, headers={
        "ETag": etag,
        "Content-Disposition": f'inline; filename="{name}.{extension}"',
    })


def document_public(document, parse, report_id: int | None, main_id: int | None, request: Request) -> dict:
    own = f"{base_path(request)}/documents/{document.id}"
    links = {"self": own, "content": f"{own}/content"}
    if report_id is not None:
        links["report"] = f"{base_path(request)}/reports/{report_id}"
    return {"id": document.id, "report_id": report_id, "main": document.id == main_id, "sha256": document.sha256,
            "media_type": document.media_type, "encoding": document.encoding, "size": document.size,
            "source_url": document.source_url, "received_at": document.received_at,
            "status": parse.status if parse is not None else None,
            "parser_version": parse.parser_version if parse is not None else None, "links": links}
