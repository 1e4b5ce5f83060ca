"""SQLModel tables (the schema Alembic migrates); the listeners that keep a report's derived
columns are app/bookkeeping.py's, registered with them. The API's response models: app/api/report_shapes.py, app/api/shapes.py,
app/services/section_shapes.py.

Tables: body (a reporting body: its full official name and region code), document (the
bytes as received), document_parse (one document's own parse), report (one body's report of
one year, reconciled from every document submitted for it; a document whose parse names no
body or year stands alone as its own report), report_text (the decoded text of the report's
main document, the one its figures' line numbers refer to unless figure.document_id names
another, kept apart so that listing reports never loads it), figure (one long table: key,
value, source), finding, report_alias (ids of reports merged into another by migration 0011),
correction (figures stated by people, app/services/corrections.py: kept apart from the
parse, and written into the figure rows they correct), removed_report / removed_document
(what DELETE /documents and reparse merges removed: app/services/removal.py), and the
/stats rollup (app/services/rollup.py).
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Literal

from sqlalchemy import (
    BigInteger, Boolean, Column, Date, DateTime, Float, ForeignKey, Index, Integer, LargeBinary, String, Text,
    UniqueConstraint, text,
)
from sqlmodel import Field, SQLModel

from app import bookkeeping


# Named constraints, so later migrations (SQLite batch mode included) can address them.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_N_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


# --------------------------------------------------------------------------- tables


class Body(SQLModel, table=True):
    """A reporting body: its full official name as the metadata reader resolves it, and its
    region code; the level of its reports."""

    __tablename__ = "body"
    __table_args__ = (UniqueConstraint("name", "region_code"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_column=Column(String(200), nullable=False))
    region_code: str = Field(sa_column=Column(String(12), nullable=False, index=True))
    level: str | None = Field(default=None, sa_column=Column(String(20)))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False))


class Document(SQLModel, table=True):
    __tablename__ = "document"

    id: int | None = Field(default=None, primary_key=True)
    sha256: str = Field(sa_column=Column(String(64), nullable=False, unique=True))
    media_type: str = Field(sa_column=Column(String(100), nullable=False))
    encoding: str | None = Field(default=None, sa_column=Column(String(40)))
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    size: int = Field(sa_column=Column(Integer, nullable=False))
    source_url: str | None = Field(default=None, sa_column=Column(String(2048)))
    received_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False))
    # fetched by URL (POST /reports {"url"}, ingest --url): source_url is then the final URL
    # after redirects; when it was fetched and the validators the server sent with it
    fetched_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    etag: str | None = Field(default=None, sa_column=Column(String(512)))
    last_modified: str | None = Field(default=None, sa_column=Column(String(100)))


class Report(SQLModel, table=True):
    __tablename__ = "report"
    # /stats groups and counts reports from this index alone (report.*_code: where the region rolls up to)
    # one report per body and year (a report with no body stands alone)
    __table_args__ = (Index("ix_report_agency_year", "agency", "year"),
                      Index("ix_report_rollup", "template", "province_code", "city_code", "county_code", "year",
                            "level"),
                      Index("uq_report_body_year", "body_id", "year", unique=True,
                            sqlite_where=text("body_id IS NOT NULL AND year IS NOT NULL"),
                            postgresql_where=text("body_id IS NOT NULL AND year IS NOT NULL")))

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(
        sa_column=Column(Integer, ForeignKey("document.id", ondelete="CASCADE"), nullable=False, unique=True)
    )
    parser_version: str = Field(sa_column=Column(String(40), nullable=False))
    status: str = Field(sa_column=Column(String(20), nullable=False))
    template: str | None = Field(default=None, sa_column=Column(String(10)))
    year: int | None = Field(default=None, sa_column=Column(Integer, index=True))
    agency: str | None = Field(default=None, sa_column=Column(String(200)))
    region_code: str | None = Field(default=None, sa_column=Column(String(12), index=True))
    level: str | None = Field(default=None, sa_column=Column(String(20)))
    title: str | None = Field(default=None, sa_column=Column(String(500)))
    published_at: date | None = Field(default=None, sa_column=Column(Date))
    source_url: str | None = Field(default=None, sa_column=Column(String(2048)))
    figure_count: int = Field(default=0, sa_column=Column(Integer, nullable=False))
    finding_count: int = Field(default=0, sa_column=Column(Integer, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False))
    # the legal deadline for publishing it (legal_deadline), and its place in the change
    # sequence (GET /changes): both set on every insert/update by the listeners below
    deadline: date | None = Field(default=None, sa_column=Column(Date))
    change_seq: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=False, index=True, unique=True))
    # the divisions region_code rolls up to (app.divisions.group_of), set with it by the
    # listeners below: /stats groups by province, city or county in SQL, not per region in Python
    province_code: str | None = Field(default=None, sa_column=Column(String(12)))
    city_code: str | None = Field(default=None, sa_column=Column(String(12)))
    county_code: str | None = Field(default=None, sa_column=Column(String(12)))
    # the file it was read from, when a fetched page (source_url) linked to it as an attachment
    attachment_url: str | None = Field(default=None, sa_column=Column(String(2048)))
    # the counts of its cross-year check verdicts and its copied_from_previous signal, against
    # the same body's neighbouring years (app/services/quality.py refresh_checks, whenever it
    # or a neighbour is written): null only until computed for reports stored before them
    checks_failing: int | None = Field(default=None, sa_column=Column(Integer))
    checks_holding: int | None = Field(default=None, sa_column=Column(Integer))
    checks_unknown: int | None = Field(default=None, sa_column=Column(Integer))
    copied_from_previous: bool | None = Field(default=None, sa_column=Column(Boolean))
    # its body (null: the parse named no body or year, or no region: the report stands alone);
    # document_id above is its main document, document_count how many documents it was built from
    body_id: int | None = Field(default=None, sa_column=Column(Integer, ForeignKey("body.id")))
    document_count: int = Field(default=1, sa_column=Column(Integer, nullable=False, server_default="1"))


class DocumentParse(SQLModel, table=True):
    """One document's own parse, and the report it belongs to (the link lives here, not on
    document: report.document_id already points at the report's main document, and a second
    FK from document to report would make the two tables point at each other). Figures,
    findings and metadata as JSON (app/services/parses.py); `text` the document's decoded text,
    null for the report's main document, whose text is report_text.original."""

    __tablename__ = "document_parse"

    document_id: int = Field(sa_column=Column(Integer, ForeignKey("document.id", ondelete="CASCADE"),
                                              primary_key=True, autoincrement=False))
    report_id: int = Field(sa_column=Column(Integer, ForeignKey("report.id", ondelete="CASCADE"), nullable=False,
                                            index=True))
    parser_version: str = Field(sa_column=Column(String(40), nullable=False))
    status: str = Field(sa_column=Column(String(20), nullable=False))
    meta: str = Field(sa_column=Column(Text, nullable=False))
    figures: str = Field(sa_column=Column(Text, nullable=False))
    findings: str = Field(sa_column=Column(Text, nullable=False))
    text: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False))


class ReportAlias(SQLModel, table=True):
    """A report id that migration 0011 merged into another report of the same body and year:
    GET /reports/{old_id} and its sub-paths answer 308 to the kept one."""

    __tablename__ = "report_alias"

    old_id: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))
    report_id: int = Field(sa_column=Column(Integer, ForeignKey("report.id", ondelete="CASCADE"), nullable=False,
                                            index=True))


class ReportText(SQLModel, table=True):
    __tablename__ = "report_text"

    report_id: int = Field(
        sa_column=Column(Integer, ForeignKey("report.id", ondelete="CASCADE"), primary_key=True, autoincrement=False)
    )
    original: str = Field(sa_column=Column(Text, nullable=False))
    normalized: str = Field(sa_column=Column(Text, nullable=False))


class FigureRow(SQLModel, table=True):
    __tablename__ = "figure"
    # covering: /figures and /stats read a key's figures from the index alone, in (report_id, id) order
    __table_args__ = (Index("ix_figure_key_report", "key", "report_id", "id", "value", "unit"),)

    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(
        sa_column=Column(Integer, ForeignKey("report.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    key: str = Field(sa_column=Column(String(120), nullable=False))
    value: float = Field(sa_column=Column(Float, nullable=False))
    unit: str = Field(sa_column=Column(String(20), nullable=False))
    section: str = Field(sa_column=Column(String(40), nullable=False))
    line: int | None = Field(default=None, sa_column=Column(Integer))
    span_start: int | None = Field(default=None, sa_column=Column(Integer))
    span_end: int | None = Field(default=None, sa_column=Column(Integer))
    source_text: str | None = Field(default=None, sa_column=Column(Text))
    note: str | None = Field(default=None, sa_column=Column(Text))
    flags: str = Field(default="", sa_column=Column(String(200), nullable=False))  # comma-joined
    # from a paged original (PDF): its page and box there, PDF points from the top-left corner
    page: int | None = Field(default=None, sa_column=Column(Integer))
    box_x0: float | None = Field(default=None, sa_column=Column(Float))
    box_top: float | None = Field(default=None, sa_column=Column(Float))
    box_x1: float | None = Field(default=None, sa_column=Column(Float))
    box_bottom: float | None = Field(default=None, sa_column=Column(Float))
    # read by OCR (flag "ocr"): the recogniser's lowest score over the figure's characters, 0–1
    confidence: float | None = Field(default=None, sa_column=Column(Float))
    # the document the reconciled figure was read from (its line numbers refer to that
    # document's text); no FK: the figures are rewritten whenever the report's documents change
    document_id: int | None = Field(default=None, sa_column=Column(Integer))
    # corrected by a person (flag "corrected", app/services/corrections.py): value is the
    # correction's, these the parser's value and flags; both null on every other row, and
    # parsed_value null on a row a correction added where the parser read no figure
    parsed_value: float | None = Field(default=None, sa_column=Column(Float))
    parsed_flags: str | None = Field(default=None, sa_column=Column(String(200)))


class FindingRow(SQLModel, table=True):
    __tablename__ = "finding"

    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(
        sa_column=Column(Integer, ForeignKey("report.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    code: str = Field(sa_column=Column(String(60), nullable=False))
    severity: str = Field(sa_column=Column(String(10), nullable=False))
    message: str = Field(sa_column=Column(Text, nullable=False))
    keys: str = Field(default="", sa_column=Column(Text, nullable=False))  # comma-joined figure keys
    line: int | None = Field(default=None, sa_column=Column(Integer))


class Correction(SQLModel, table=True):
    """A figure stated by a person (PUT /reports/{id}/figures/{key}): the value and why, who
    (the write key's label, never the key) and when. Retired (DELETE, or a newer correction
    of the same figure) rather than deleted: the history stays. At most one active
    (retired_at null) per report and key."""

    __tablename__ = "correction"
    __table_args__ = (Index("ix_correction_active", "report_id", "key", unique=True,
                            sqlite_where=text("retired_at IS NULL"), postgresql_where=text("retired_at IS NULL")),)

    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(
        sa_column=Column(Integer, ForeignKey("report.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    key: str = Field(sa_column=Column(String(120), nullable=False))
    value: float = Field(sa_column=Column(Float, nullable=False))
    reason: str = Field(sa_column=Column(Text, nullable=False))
    author: str = Field(sa_column=Column(String(64), nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False))
    retired_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    retired_by: str | None = Field(default=None, sa_column=Column(String(64)))


class RemovedReport(SQLModel, table=True):
    """A report that is no more (app/services/removal.py): its last document deleted
    (`deleted`), or merged into another report of its body and year by a reparse (`merged`,
    `merged_into`). GET /reports/{id} answers 410 for a deleted one; GET /changes lists each
    as `removed` at its place in the change sequence. The columns the report filters read
    keep the values they had, so that a poller filtering by region or year learns of it."""

    __tablename__ = "removed_report"

    id: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))
    change_seq: int = Field(sa_column=Column(BigInteger, nullable=False, unique=True))
    removed_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False))
    reason: str = Field(sa_column=Column(String(20), nullable=False))  # deleted | merged
    merged_into: int | None = Field(default=None, sa_column=Column(Integer))
    removed_by: str | None = Field(default=None, sa_column=Column(String(64)))  # the write key's label
    body_id: int | None = Field(default=None, sa_column=Column(Integer))
    status: str = Field(sa_column=Column(String(20), nullable=False))
    template: str | None = Field(default=None, sa_column=Column(String(10)))
    year: int | None = Field(default=None, sa_column=Column(Integer))
    agency: str | None = Field(default=None, sa_column=Column(String(200)))
    region_code: str | None = Field(default=None, sa_column=Column(String(12)))
    level: str | None = Field(default=None, sa_column=Column(String(20)))
    published_at: date | None = Field(default=None, sa_column=Column(Date))
    deadline: date | None = Field(default=None, sa_column=Column(Date))
    checks_failing: int | None = Field(default=None, sa_column=Column(Integer))
    checks_holding: int | None = Field(default=None, sa_column=Column(Integer))
    checks_unknown: int | None = Field(default=None, sa_column=Column(Integer))
    copied_from_previous: bool | None = Field(default=None, sa_column=Column(Boolean))


class RemovedDocument(SQLModel, table=True):
    """A document deleted by DELETE /documents/{id}: its id, digest, the report it was of, who
    and when. GET /documents/{id} answers 410 for it; the same bytes may be submitted again."""

    __tablename__ = "removed_document"

    id: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))
    sha256: str = Field(sa_column=Column(String(64), nullable=False))
    report_id: int | None = Field(default=None, sa_column=Column(Integer))
    removed_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False))
    removed_by: str | None = Field(default=None, sa_column=Column(String(64)))


class RollupCell(SQLModel, table=True):
    """A cell of reports for /stats (app/services/rollup.py): the report attributes /stats
    filters and groups on most, and how many reports share them. region: the first four
    digits of the reports' region_code (grain 1, the only one). `cell`: all of them as one
    text key."""

    __tablename__ = "rollup_cell"
    __table_args__ = (Index("ix_rollup_cell_grain", "grain", "template", "province_code", "city_code", "year",
                            "level"),)

    id: int | None = Field(default=None, primary_key=True)
    cell: str = Field(sa_column=Column(String(200), nullable=False, unique=True))
    grain: int = Field(sa_column=Column(Integer, nullable=False))
    template: str | None = Field(default=None, sa_column=Column(String(10)))
    year: int | None = Field(default=None, sa_column=Column(Integer))
    level: str | None = Field(default=None, sa_column=Column(String(20)))
    region: str | None = Field(default=None, sa_column=Column(String(12)))
    province_code: str | None = Field(default=None, sa_column=Column(String(12)))
    city_code: str | None = Field(default=None, sa_column=Column(String(12)))
    reports: int = Field(sa_column=Column(Integer, nullable=False))


class FigureRollup(SQLModel, table=True):
    """Per figure key and cell: how many figures, their sum, min and max (app/services/rollup.py);
    the cell's grain again, first in the key, so that a query reads the rows of its grain alone."""

    __tablename__ = "figure_rollup"
    # rows kept in key order on SQLite: a key's rows of a grain are together. PostgreSQL keeps
    # no table in key order (upserts scatter a key's rows over the heap): a covering index
    # there, in key order with the sums, answers /stats by an index-only scan (migration 0015)
    __table_args__ = (Index("ix_figure_rollup_read", "grain", "key", "cell_id",
                            postgresql_include=["figures", "total", "low", "high"]).ddl_if(dialect="postgresql"),
                      {"sqlite_with_rowid": False})

    grain: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))
    key: str = Field(sa_column=Column(String(120), primary_key=True))
    cell_id: int = Field(sa_column=Column(Integer, ForeignKey("rollup_cell.id", ondelete="CASCADE"),
                                          primary_key=True, index=True))
    figures: int = Field(sa_column=Column(Integer, nullable=False))
    total: float = Field(sa_column=Column(Float, nullable=False))
    low: float = Field(sa_column=Column(Float, nullable=False))
    high: float = Field(sa_column=Column(Float, nullable=False))


class IndicatorRollup(SQLModel, table=True):
    """Per indicator (app/indicators.py) and cell: how many reports have every key of both
    sides, and the sums of their numerators and denominators (app/services/rollup.py). The
    cell's attributes are copied (a cell's key fixes them), so that /stats reads an
    indicator's rows of a grain in one range of the key, filters and groups them, no join."""

    __tablename__ = "indicator_rollup"
    # as figure_rollup's: in key order on SQLite, a covering index on PostgreSQL (migration 0015)
    __table_args__ = (Index("ix_indicator_rollup_read", "grain", "indicator", "cell_id",
                            postgresql_include=["template", "year", "level", "region", "province_code", "city_code",
                                                "reports", "numerator", "denominator"]).ddl_if(dialect="postgresql"),
                      {"sqlite_with_rowid": False})

    grain: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))
    indicator: str = Field(sa_column=Column(String(60), primary_key=True))
    cell_id: int = Field(sa_column=Column(Integer, ForeignKey("rollup_cell.id", ondelete="CASCADE"),
                                          primary_key=True, index=True))
    template: str | None = Field(default=None, sa_column=Column(String(10)))
    year: int | None = Field(default=None, sa_column=Column(Integer))
    level: str | None = Field(default=None, sa_column=Column(String(20)))
    region: str | None = Field(default=None, sa_column=Column(String(12)))
    province_code: str | None = Field(default=None, sa_column=Column(String(12)))
    city_code: str | None = Field(default=None, sa_column=Column(String(12)))
    reports: int = Field(sa_column=Column(Integer, nullable=False))
    numerator: float = Field(sa_column=Column(Float, nullable=False))
    denominator: float = Field(sa_column=Column(Float, nullable=False))


class RollupPending(SQLModel, table=True):
    """Reports stored since the rollup was last folded (app/services/rollup.py): /stats adds
    their figures from the figure table until a write folds them in, many at once."""

    __tablename__ = "rollup_pending"

    report_id: int = Field(sa_column=Column(Integer, ForeignKey("report.id", ondelete="CASCADE"), primary_key=True,
                                            autoincrement=False))


class ChangeCounter(SQLModel, table=True):
    """One row (id 1): the last number of the report change sequence (report.change_seq)."""

    __tablename__ = "change_counter"

    id: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))
    value: int = Field(sa_column=Column(BigInteger, nullable=False))


# ----- the values of a few columns, as the API's response models type them (app/api/report_shapes.py,
# app/services/section_shapes.py): here, below both, so that a service's shapes need nothing above it

Number = int | float  # a figure's value: a count (int) or an amount in 万元
Template = Literal["2019", "2021"]  # report.template
Status = Literal["parsed", "partial", "failed"]  # report.status


# the listeners that keep a report's deadline, roll-up codes and change sequence, and ids
# never given twice; legal_deadline and next_change_seq are named here too, for their users
bookkeeping.register(Report, Document)
legal_deadline, next_change_seq = bookkeeping.legal_deadline, bookkeeping.next_change_seq
