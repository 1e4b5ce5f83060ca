"""/documents: each document as received, its own parse (before reconciliation with the
report's other documents), its bytes, and its deletion (app/services/removal.py)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response
from sqlmodel import select

from app.api.deps import DatabaseDep, SessionDep, WriterDep
from app.api.problems import ProblemError, problem_responses
from app.api.shapes import DocumentDeleted
from app.api.presenters import DOCUMENT_CONTENT_RESPONSES, base_path, document_public, document_response
from app.api.report_shapes import DocumentDetail
from app.models import Document, DocumentParse, RemovedDocument, Report, ReportText
from app.services import parses, removal

router = APIRouter(prefix="/documents", tags=["documents"])

DocumentId = Annotated[int, Path(ge=1, le=2**31 - 1, description="document id")]


def _missing(document_id: int, session=None) -> ProblemError:
    if session is not None and (gone := session.get(RemovedDocument, document_id)) is not None:
        return _gone(gone.id, gone.removed_at.date().isoformat())
    return ProblemError(404, "not_found", f"No document with id {document_id}.")


def _gone(document_id: int, when: str | None = None) -> ProblemError:
    on = f" on {when}" if when else ""
    return ProblemError(410, "gone", f"Document {document_id} was deleted{on}.")


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
        raise _missing(document_id, session)
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
    if session.get(RemovedDocument, document_id) is not None:
        raise _missing(document_id, session)
    return document_response(session, document_id, request, f"document-{document_id}",
                             missing=f"No document with id {document_id}.")


@router.delete("/{document_id}", response_model=DocumentDeleted, summary="Delete a document",
               description="Removes a mistaken submission: the document's bytes and its parse. Its report is "
                           "reconciled again from the documents left (its figures, findings, checks and the "
                           "statistics follow), or removed with its last document: GET /reports/{id} then answers "
                           "410 and GET /changes lists the report as `removed`, with the region and year it had. "
                           "The report's corrections stay with it while it has a document. One transaction: a "
                           "failure leaves everything as it was. The same bytes may be submitted again later. "
                           "Needs `Authorization: Bearer <key>`.",
               responses=problem_responses(401, 403, 404, 410, 422))
def delete_document(document_id: DocumentId, author: WriterDep, database: DatabaseDep, request: Request) -> Any:
    try:
        done = removal.delete_document(database.engine, document_id, author)
    except removal.Gone:
        raise _gone(document_id) from None
    if done is None:
        raise _missing(document_id)
    report = None if done.report_id is None else f"{base_path(request)}/reports/{done.report_id}"
    return DocumentDeleted(document_id=done.document_id, report_id=done.report_id, report_removed=done.report_removed,
                           documents_left=done.documents_left, report=report)
