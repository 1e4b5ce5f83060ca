"""A stored report rebuilt from its documents' parses: each document's parse row, the
report's metadata from its primary document, the reconciled figures and findings
(app/parsing/reconcile.py) and all that follows from them (corrections, rollup, checks).
Used by ingest (a document of a stored body-year), reparse and deletion."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, delete, select

from app.models import DocumentParse, FigureRow, FindingRow, Report, ReportText, utcnow
from app.parsing import ParsedReport
from app.parsing.reconcile import Copy, Reconciled, reconcile
from app.services import parses, quality, rollup
from app.services.corrections import apply_corrections
from app.services.report_rows import Children, figure_rows, finding_rows, write_children


def iso_date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def parse_row(document_id: int, report_id: int, parsed: ParsedReport, main: bool) -> DocumentParse:
    return DocumentParse(document_id=document_id, report_id=report_id, text=None if main else parsed.text,
                         **parses.dump(parsed))


def set_meta(report: Report, parsed: ParsedReport) -> None:
    report.parser_version = parsed.parser_version
    report.template = parsed.template
    report.year = parsed.year
    report.agency = parsed.agency
    report.region_code = parsed.region_code
    report.level = parsed.level
    report.title = parsed.title
    report.published_at = iso_date(parsed.published_at)
    report.source_url = report.source_url or parsed.source_url


def copies_of(session: Session, report: Report, fresh: dict[int, ParsedReport] | None = None) -> list[Copy]:
    """The parses of the report's documents, in the order they were received; `fresh`:
    parses in hand (document id → parse), used instead of the stored ones."""
    fresh = fresh or {}
    rows = session.exec(select(DocumentParse).where(DocumentParse.report_id == report.id)
                        .order_by(DocumentParse.document_id)).all()
    main_text = None
    out = []
    for row in rows:
        if row.document_id in fresh:
            out.append(Copy(row.document_id, fresh[row.document_id]))
            continue
        text = row.text
        if text is None:
            if main_text is None:
                stored = session.get(ReportText, report.id)
                main_text = stored.original if stored else ""
            text = main_text
        out.append(Copy(row.document_id, parses.load(row, text)))
    return out


def set_report_text(session: Session, report_id: int, original: str, normalized: str) -> None:
    """The report's text (what its figures' line numbers refer to), written or replaced."""
    stored = session.get(ReportText, report_id)
    if stored is None:
        session.add(ReportText(report_id=report_id, original=original, normalized=normalized))
    else:
        stored.original, stored.normalized = original, normalized
        session.add(stored)


def reconcile_into(session: Session, report: Report, copies: list[Copy], fresh: dict[int, ParsedReport]) -> Children:
    """Reconcile the report from its documents' parses and set its columns; the figures and
    findings to write (the caller deletes the old ones first). The report's main document
    becomes the reconciliation's primary one when its parse is in hand (its normalised text
    is needed for report_text), else it stays."""
    rec: Reconciled = reconcile(copies)
    by_id = {c.document_id: c.parsed for c in copies}
    text_row = None
    if rec.primary != report.document_id and rec.primary in fresh:
        old_main = report.document_id
        new_main = fresh[rec.primary]
        old_text = session.get(ReportText, report.id)
        old_parse = session.get(DocumentParse, old_main)
        if old_parse is not None and old_parse.text is None:
            old_parse.text = old_text.original if old_text else by_id[old_main].text
            session.add(old_parse)
        new_parse = session.get(DocumentParse, rec.primary)
        if new_parse is not None:
            new_parse.text = None
            session.add(new_parse)
        if old_text is not None:
            session.delete(old_text)
        report.document_id = rec.primary
        text_row = (report.id, new_main.text, new_main.normalized_text)
    primary = by_id[rec.primary]
    set_meta(report, primary)
    report.status = rec.status
    report.document_count = len(copies)
    report.figure_count = len(rec.figures)
    report.finding_count = len(rec.findings)
    report.updated_at = utcnow()
    main_text = text_row[1] if text_row else by_id[report.document_id].text
    return Children(report.id, text_row, figure_rows(report.id, rec.figures, report.document_id, main_text),
                     finding_rows(report.id, rec.findings))


def rewrite_report(session: Session, report: Report, copies: list[Copy], fresh: dict[int, ParsedReport],
                   before: dict, neighbours: list[Report]) -> None:
    """Reconcile a stored report again from `copies` and write all that follows, in this
    transaction: its figures and findings, its corrections applied to them again, the /stats
    rollup of the cells it was in (`before`, from rollup.cells_of) and is in now, and the
    cross-year checks of it and of `neighbours` (those it had before the change)."""
    clear_children(session, report.id)
    children = reconcile_into(session, report, copies, fresh)
    session.add(report)
    session.flush()
    write_children(session, [children])
    apply_corrections(session, report.id)
    rollup.refresh(session, before, [report.id])
    quality.refresh_checks(session, [report, *neighbours])


def clear_children(session: Session, report_id: int) -> None:
    for table in (FigureRow, FindingRow):
        session.exec(delete(table).where(table.report_id == report_id))  # type: ignore[call-overload]
