"""A report's children as rows: its text, figures and findings, written with Core INSERTs
(plain tuples, one executemany per table) rather than ORM objects, in the order of their
columns. Used by ingest, reparse and deletion alike."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import insert
from sqlmodel import Session

from app.models import FigureRow, FindingRow, ReportText
from app.parsing import ParsedReport


TEXT_COLUMNS = ("report_id", "original", "normalized")
FIGURE_COLUMNS = ("report_id", "key", "value", "unit", "section", "line", "span_start", "span_end", "source_text",
                   "note", "flags", "page", "box_x0", "box_top", "box_x1", "box_bottom", "confidence", "document_id")
_NO_BOX = (None, None, None, None)
FINDING_COLUMNS = ("report_id", "code", "severity", "message", "keys", "line")


def figure_rows(report_id: int, figures, main_id: int | None, main_text: str) -> list[tuple]:
    """Figure rows in the order of FIGURE_COLUMNS (Core INSERTs; a report has ~230 figures,
    and tuples cost a third of dicts to make and hand to the driver). `figures`: (document
    id, figure) pairs.

    A figure's source text is its line of the report's text, which report_text keeps: it is
    stored with the figure only when it is not that line (a figure another document than the
    main one gave, whose line numbers refer to that document's text), and read back from
    report_text otherwise (app.services.present.fill_source_lines). A table laid out as one
    long line would otherwise be stored again with each of its ~230 figures (pingtan-2024:
    1.8 MB a report)."""
    lines = main_text.split("\n")
    n_lines = len(lines)
    rows = []
    for doc_id, f in figures:
        src = f.source
        if src is None:
            rows.append((report_id, f.key, float(f.value), f.unit, f.section, None, None, None, None, f.note,
                         ",".join(f.flags), None, *_NO_BOX, f.confidence, doc_id))
            continue
        own = src.text
        if (doc_id == main_id and own is not None and src.line is not None and 0 < src.line <= n_lines
                and lines[src.line - 1] == own):
            own = None
        rows.append((report_id, f.key, float(f.value), f.unit, f.section, src.line, src.start, src.end, own,
                     f.note, ",".join(f.flags), src.page, *(src.box or _NO_BOX), f.confidence, doc_id))
    return rows


def finding_rows(report_id: int, findings) -> list[tuple]:
    return [(report_id, f.code, f.severity, f.message, ",".join(f.keys), f.line) for f in findings]


@dataclass(slots=True)
class Children:
    """What to write for a report: its text (None: keep the stored one), figures, findings."""

    report_id: int
    text: tuple | None
    figures: list[tuple]
    findings: list[tuple]


def new_children(report_id: int, document_id: int, parsed: ParsedReport) -> Children:
    return Children(report_id, (report_id, parsed.text, parsed.normalized_text),
                     figure_rows(report_id, [(document_id, f) for f in parsed.figures], document_id, parsed.text),
                     finding_rows(report_id, parsed.findings))


def write_children(session: Session, children: list[Children]) -> None:
    """The texts, figures and findings of these reports: one INSERT … executemany per table
    (Core rows, not ORM objects: a report's ~230 figures as ORM objects cost ~30 ms to make
    and flush, as plain rows a tenth of that). Figures keep their order (ids ascend)."""
    texts, figures, findings = [], [], []
    for c in children:
        if c.text is not None:
            texts.append(c.text)
        figures += c.figures
        findings += c.findings
    for table, columns, rows in ((ReportText, TEXT_COLUMNS, texts), (FigureRow, FIGURE_COLUMNS, figures),
                                 (FindingRow, FINDING_COLUMNS, findings)):
        if rows:
            insert_rows(session, table.__table__, columns, rows)  # type: ignore[attr-defined]


_SQLITE_INSERTS: dict[tuple[str, tuple[str, ...]], str] = {}


def insert_rows(session: Session, table, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """INSERT … executemany of tuples in the order of `columns`. On SQLite straight to the
    driver (SQLAlchemy's per-row parameter processing cost as much as SQLite's own inserts);
    elsewhere through SQLAlchemy, whose insertmanyvalues sends multi-row VALUES (PostgreSQL)."""
    conn = session.connection()
    if conn.dialect.name != "sqlite":
        conn.execute(insert(table), [dict(zip(columns, row)) for row in rows])
        return
    sql = _SQLITE_INSERTS.get((table.name, columns))
    if sql is None:
        names = ", ".join(f'"{c}"' for c in columns)
        sql = _SQLITE_INSERTS[(table.name, columns)] = \
            f'INSERT INTO "{table.name}" ({names}) VALUES ({", ".join("?" * len(columns))})'
    conn.exec_driver_sql(sql, rows)
