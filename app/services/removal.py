"""Removing what was stored: a mistaken document (DELETE /documents/{id}), and the report a
reparse merged away.

A document's deletion is one transaction: its bytes and its parse go; its report is
reconciled again from the stored parses of the documents left (app/parsing/reconcile.py, as
when a document arrives), or — with its last document — removed, leaving a `removed_report`
row behind: GET /reports/{id} answers 410 Gone for it and GET /changes lists it as `removed`
at its place in the change sequence, with the region and year it had, so that a poller
learns that a report went away. The rollup of /stats, the cross-year checks of the report
and of its neighbouring years, and the report's corrections (re-applied to the reconciled
figures) follow in the same transaction; a failure, or a kill, before the commit leaves the
previous state whole.

Writers of the same body serialise on its lock (app/services/ingest.py `lock_bodies`), so
a document of the body-year arriving meanwhile sees the report before or after, never half.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlmodel import Session, delete, select

from app.models import Body, Document, DocumentParse, RemovedDocument, Report
from app.parsing.normalize import normalize
from app.services import faults, quality, rollup
from app.services.changes import tombstone
from app.services.ingest import lock_bodies
from app.services.reconciling import copies_of, rewrite_report, set_report_text
from app.services.neighbours import neighbour

@dataclass(frozen=True, slots=True)
class DocumentRemoved:
    """What a deletion did: the document, its report, whether the report went with it, and
    how many documents the report has left."""

    document_id: int
    report_id: int | None
    report_removed: bool
    documents_left: int


class Gone(LookupError):
    """The document was deleted before (removed_document has it)."""


def delete_document(engine: Engine, document_id: int, by: str) -> DocumentRemoved | None:
    """Delete document `document_id` (by: the write key's label) and reconcile or remove its
    report, in one transaction. None when there is no such document; Gone when it was
    deleted before."""
    with Session(engine, expire_on_commit=False) as session:
        report = _report_of(session, document_id)
        if report is None:
            if session.get(Document, document_id) is None:
                if session.get(RemovedDocument, document_id) is not None:
                    raise Gone(document_id)
                return None
        else:
            _lock_body(session, report)
            session.refresh(report)  # as the lock holder sees it: a writer of its body may have just committed
        digest = session.exec(select(Document.sha256).where(Document.id == document_id)).first()
        if digest is None:  # deleted meanwhile by another request
            raise Gone(document_id)
        session.add(RemovedDocument(id=document_id, sha256=digest, report_id=None if report is None else report.id,
                                    removed_by=by))
        if report is None:
            left, removed = 0, False
            _delete_document_row(session, document_id)
        else:
            left, removed = _detach(session, report, document_id, by)
        faults.pause("delete_document")
        session.commit()
        return DocumentRemoved(document_id, None if report is None else report.id, removed, left)


def _report_of(session: Session, document_id: int) -> Report | None:
    parse = session.get(DocumentParse, document_id)
    if parse is not None:
        return session.get(Report, parse.report_id)
    return session.exec(select(Report).where(Report.document_id == document_id)).first()


def _lock_body(session: Session, report: Report) -> None:
    if report.body_id is None:
        return
    body = session.get(Body, report.body_id)
    if body is not None:
        lock_bodies(session, [(body.name, body.region_code, report.year)])


def _delete_document_row(session: Session, document_id: int) -> None:
    session.exec(delete(DocumentParse).where(DocumentParse.document_id == document_id))  # type: ignore[call-overload]
    session.exec(delete(Document).where(Document.id == document_id))  # type: ignore[call-overload]
    session.flush()


def _detach(session: Session, report: Report, document_id: int, by: str) -> tuple[int, bool]:
    """Take the document off its report: the report reconciled from the rest, or removed with
    its last document. (documents left, whether the report was removed)."""
    neighbours = [n for n in (neighbour(session, report, d) for d in (-1, 1)) if n is not None]
    before = rollup.cells_of(session, [report.id])
    others = session.exec(select(DocumentParse.document_id).where(DocumentParse.report_id == report.id,
                                                                  DocumentParse.document_id != document_id)
                          .order_by(DocumentParse.document_id)).all()
    if not others:
        _remove_report(session, report, "deleted", by)
        _delete_document_row(session, document_id)
        rollup.refresh(session, before)
        quality.refresh_checks(session, neighbours)
        return 0, True
    if report.document_id == document_id:
        _promote(session, report, others[0])
    _delete_document_row(session, document_id)
    rewrite_report(session, report, copies_of(session, report), {}, before, neighbours)
    return len(others), False


def _promote(session: Session, report: Report, document_id: int) -> None:
    """Make `document_id` the report's main document (the one deleted was): its text becomes
    report_text (what the figures' line numbers refer to), the old main's text is dropped
    with it."""
    parse = session.get(DocumentParse, document_id)
    assert parse is not None and parse.text is not None
    set_report_text(session, report.id, parse.text, normalize(parse.text).text)
    parse.text = None
    session.add(parse)
    report.document_id = document_id
    session.add(report)
    session.flush()


def _remove_report(session: Session, report: Report, reason: str, by: str | None) -> None:
    """The report goes (its text, figures, findings, parses, corrections and aliases with it:
    ON DELETE CASCADE), a removed_report row stays; so does its body, when it has no other
    report, go."""
    tombstone(session, report, reason, by=by)
    body_id = report.body_id
    session.delete(report)
    session.flush()
    if body_id is not None and session.exec(select(Report.id).where(Report.body_id == body_id)).first() is None:
        session.exec(delete(Body).where(Body.id == body_id))  # type: ignore[call-overload]
        session.flush()
