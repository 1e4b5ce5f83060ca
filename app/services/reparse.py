"""Reparse: the current parser again over the stored bytes of a report's documents.

Each document's parse is replaced and the report reconciled from them in one transaction;
the documents themselves are never touched. What the documents now say may move them: a
report of one document that now reads as another report's body and year joins that report
(its id answers with the other's, and GET /changes lists it as removed, merged into it); a
document of a report of several that now reads as another body or year leaves it, for the
report of its own body-year (made if there is none).
"""

from __future__ import annotations

from sqlalchemy import Engine
from sqlmodel import Session, select, update

from app.models import Correction, Document, DocumentParse, Report, ReportAlias, utcnow
from app.parsing import ParsedReport
from app.parsing.budget import DEFAULT_SECONDS
from app.parsing.reconcile import Copy
from app.services import rollup
from app.services.changes import tombstone
from app.services.convert import parse_upload
from app.services.ingest import (
    Parse, Written, attach, body_of, finish, lock_bodies, new_rows, body_key, document_content_type, storable,
)
from app.services.reconciling import clear_children, copies_of, parse_row, rewrite_report, set_report_text
from app.services.neighbours import neighbour, neighbour_context


def reparse(engine: Engine, report_id: int, *, budget: float | None = DEFAULT_SECONDS,
            parse: Parse | None = None, given: ParsedReport | None = None) -> Report | None:
    """Run the current parser again on the stored bytes of every document of report
    `report_id`, keep each document's parse and reconcile the report from them, replacing its
    figures, findings and text in one transaction; the documents themselves are never
    touched. None when there is no such report. `parse`: (bytes, content type, neighbour
    context) → parse, to parse elsewhere than in this thread (the server's parse processes);
    by default parse_upload here, within `budget`. `given`: the parse of a one-document
    report's document made already with its neighbours' evidence (app.services.evidence),
    stored instead of parsing again while the report still has that one document."""
    with Session(engine, expire_on_commit=False) as session:
        report = session.get(Report, report_id)
        if report is None:
            return None
        rows = session.exec(select(DocumentParse).where(DocumentParse.report_id == report.id)
                            .order_by(DocumentParse.document_id)).all()
        doc_ids = [r.document_id for r in rows] or [report.document_id]
        fresh = ({report.document_id: storable(given)} if given is not None and doc_ids == [report.document_id]
                 else _parse_documents(session, report, doc_ids, budget, parse))
        before = rollup.cells_of(session, [report.id])  # the rollup cells it leaves (refreshed below)
        # the neighbours it has now: their check verdicts are computed again below (its body or
        # year may change, and their checks against it then become unknown)
        old_neighbours = [n for n in (neighbour(session, report, d) for d in (-1, 1)) if n is not None]
        main = fresh[report.document_id]
        if len(fresh) == 1:  # a report of one document: its body and year are what it says now
            other = _own_body_year(session, report, main)
            if other is not None:  # another report has that body-year: the document joins it
                for row in rows:
                    session.expunge(row)
                return _merge_into(session, report, other, main, before, old_neighbours)
        clear_children(session, report.id)
        for row in rows:
            session.delete(row)
        session.flush()
        moved = _split_off(session, report, fresh)  # documents now of another body-year leave it
        for doc_id, parsed in fresh.items():
            session.add(parse_row(doc_id, report.id, parsed, main=doc_id == report.document_id))
        session.flush()
        set_report_text(session, report.id, main.text, main.normalized_text)
        session.flush()
        rewrite_report(session, report, [Copy(d, p) for d, p in fresh.items()], fresh, before, old_neighbours)
        if moved is not None:
            finish(session, moved)  # the reports the documents that left went to
        session.commit()
        return report


def _parse_documents(session: Session, report: Report, doc_ids: list[int], budget: float | None,
                     parse: Parse | None) -> dict[int, ParsedReport]:
    """Each document's parse now (document id → parse), with the body's other years as evidence."""
    context = neighbour_context(session, report)  # the body's other years, for ambiguous splits
    fresh: dict[int, ParsedReport] = {}
    for doc_id in doc_ids:
        document = session.get(Document, doc_id)
        assert document is not None
        content_type = document_content_type(document)
        fresh[doc_id] = storable(parse_upload(document.content, content_type, budget=budget, context=context)
                                 if parse is None else parse(document.content, content_type, context))
    return fresh


def _own_body_year(session: Session, report: Report, main: ParsedReport) -> Report | None:
    """A one-document report's body as its parse names it now (set on the report); the other
    report of that body and year, if there is one."""
    key = body_key(main)
    if key is not None:
        lock_bodies(session, [key])
    body = None if key is None else body_of(session, key[0], key[1], main.level)
    if body is not None:
        other = session.exec(select(Report).where(Report.body_id == body.id, Report.year == key[2],
                                                  Report.id != report.id)).first()
        if other is not None:
            return other
    report.body_id = None if body is None else body.id
    return None


def _split_off(session: Session, report: Report, fresh: dict[int, ParsedReport]) -> Written | None:
    """The documents of a report of several whose parses now name another body or year than
    its main document's (or none: a failed parse) leave it — taken out of `fresh` — and go
    where a new document of theirs would (app.services.ingest._attach: the report of their
    body-year, made if there is none, or one of their own); None when all still agree. Call
    with their old document_parse rows deleted and flushed."""
    mine = body_key(fresh[report.document_id])
    strays = [d for d, parsed in fresh.items() if body_key(parsed) != mine]
    if not strays or len(fresh) == 1:
        return None
    keys = [k for d in strays if (k := body_key(fresh[d])) is not None]
    if keys:
        lock_bodies(session, keys)
    written = Written([], [])
    for doc_id in strays:
        parsed = fresh.pop(doc_id)
        document = session.get(Document, doc_id)
        assert document is not None
        _, own = new_rows(parsed, document.content, document.sha256, document.source_url)
        attach(session, document, own, parsed, written)
    return written


def _merge_into(session: Session, report: Report, other: Report, parsed: ParsedReport, before: dict,
                neighbours: list[Report]) -> Report:
    """A reparse found report's one document to be of `other`'s body and year: the document
    joins `other` (reconciled again), `report` goes and its id answers with `other`'s
    (report_alias). Commits; returns `other`."""
    document_id = report.document_id
    before.update(rollup.cells_of(session, [other.id]))
    _move_corrections(session, report.id, other.id)  # before the delete below, which would cascade to them
    session.exec(update(ReportAlias).where(ReportAlias.report_id == report.id)  # type: ignore[call-overload]
                 .values(report_id=other.id))
    tombstone(session, report, "merged", merged_into=other.id)  # GET /changes: removed, merged into `other`
    session.delete(report)  # its text, figures, findings and parse go with it (ON DELETE CASCADE)
    session.flush()
    session.add(ReportAlias(old_id=report.id, report_id=other.id))
    session.add(parse_row(document_id, other.id, parsed, main=False))
    session.flush()
    fresh = {document_id: parsed}
    rewrite_report(session, other, copies_of(session, other, fresh), fresh, before, neighbours)  # `report`'s neighbours
    session.commit()
    return other


def _move_corrections(session: Session, old_id: int, new_id: int) -> None:
    """The corrections of a report merged away go to the report it joins (their history
    with them); where the target has an active correction of the same key, the target's
    stays and the moved one is retired, as a DELETE retires one: retired_by is the label of
    whoever made the correction that stays (a key's label, as the field promises)."""
    taken = {c.key: c.author for c in session.exec(select(Correction).where(
        Correction.report_id == new_id, Correction.retired_at.is_(None)))}  # type: ignore[union-attr]
    now = utcnow()
    for c in session.exec(select(Correction).where(Correction.report_id == old_id)).all():
        if c.retired_at is None and c.key in taken:
            c.retired_at, c.retired_by = now, taken[c.key]
        c.report_id = new_id
        session.add(c)
    session.flush()
