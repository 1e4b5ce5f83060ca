"""/documents: each document as received, its own parse (before reconciliation with the
report's other documents), and its bytes."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response
from sqlmodel import select

from app.api.deps import SessionDep
from app.api.problems import ProblemError, problem_responses
from app.api.presenters import DOCUMENT_CONTENT_RESPONSES, document_public, document_response
from app.api.report_shapes import DocumentDetail
from app.models import Document, DocumentParse, Report, ReportText
from app.services import parses

router = APIRouter(prefix="/documents", tags=["documents"])

DocumentId = Annotated[int, Path(ge=1, le=2**31 - 1, description="document id")]


def _missing(document_id: int) -> ProblemError:
    return ProblemError(404, "not_found", f"No document with id {document_id}.")


@router.get("/{document_id}", response_model=DocumentDetail, summary="One document and its own parse",
            description="The document as received (its size, type, encoding, SHA-256, where it came from), the "
                        "report it belongs to, and `parse`: what the parser read from this document alone — its "
                        "metadata, figures (line numbers refer to this document's text) and findings — before "
                        "the report's documents were reconciled.",
            responses=problem_responses(404, 422))
def read_document(document_id: DocumentId, session: SessionDep, request: Request) -> Any:
    document = session.exec(select(Document.id, Document.sha256, Document.media_type, Document.encoding,
                                   Document.size, Document.source_url, Document.received_at)
                            .where(Document.id == document_id)).first()
    if document is None:
        raise _missing(document_id)
    parse = session.get(DocumentParse, document_id)
    if parse is not None:
        report_id, main_id = parse.report_id, session.exec(
            select(Report.document_id).where(Report.id == parse.report_id)).first()
    else:
        report_id = session.exec(select(Report.id).where(Report.document_id == document_id)).first()
        main_id = document_id if report_id is not None else None
    out = document_public(document, parse, report_id, main_id, request)
    body = None
    if parse is not None:
        text = parse.text
        if text is None:
            stored = session.get(ReportText, parse.report_id)
            text = stored.original if stored else ""
        body = parses.public(parse, text)
    return {**out, "parse": body}


@router.get("/{document_id}/content", summary="The document's bytes, as received", response_class=Response,
            description="The bytes unchanged, with the content type they were read as and their SHA-256 as a "
                        "strong ETag.",
            responses={**DOCUMENT_CONTENT_RESPONSES, **problem_responses(404, 422)})
def read_content(document_id: DocumentId, session: SessionDep, request: Request) -> Response:
    return document_response(session, document_id, request, f"document-{document_id}",
                             missing=f"No document with id {document_id}.")
