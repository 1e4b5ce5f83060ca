"""SQLModel tables (the schema Alembic migrates) and the public response models.

Tables: body (a reporting body: its full official name and region code), document (the
bytes as received), document_parse (one document's own parse), report (one body's report of
one year, reconciled from every document submitted for it; a document whose parse names no
body or year stands alone as its own report), report_text (the decoded text of the report's
main document, the one its figures' line numbers refer to unless figure.document_id names
another, kept apart so that listing reports never loads it), figure (one long table: key,
value, source), finding, report_alias (ids of reports merged into another by migration 0011),
correction (figures stated by people, app/services/corrections.py: kept apart from the
parse, and written into the figure rows they correct).
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field as PField, StrictFloat, StrictInt, field_validator, model_validator
from sqlalchemy import (
    BigInteger, Boolean, Column, Date, DateTime, Float, ForeignKey, Index, Integer, LargeBinary, String, Text,
    UniqueConstraint, event, inspect as sa_inspect, text,
)
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Field, SQLModel


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
    # the divisions region_code rolls up to (app.services.divisions.group_of), set with it by the
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


# ----- report bookkeeping: the legal deadline and the change sequence, kept by listeners
# on every ORM insert/update of a report (app/services/changes.touch_report marks one changed)


def legal_deadline(year: int | None, level: str | None) -> date | None:
    """The last day to publish the report for `year` (条例 art. 49): departments by 31 January
    of the next year, governments by 31 March; before the 2019 revision 31 March for all."""
    if year is None:
        return None
    if level == "department" and year >= 2019:
        return date(year + 1, 1, 31)
    return date(year + 1, 3, 31)


def next_change_seq(connection) -> int:
    """Take the next number of the change sequence, in the caller's transaction.

    One upsert on the counter row: on PostgreSQL its row lock is held until the writer
    commits, on SQLite the database's write lock is, so numbers are handed out in commit
    order and a poller that has seen N has seen everything below N. (A sequence would
    hand out numbers before commit, out of commit order, and let a poller skip one.) A
    rolled-back writer gives its number back. A missing row (emptied table) restarts from
    the highest number in use."""
    # one fixed statement, the same on SQLite (3.35+) and PostgreSQL, sent as it is: it runs
    # once per report written, and building and compiling it each time cost more than running it
    return int(connection.exec_driver_sql(_NEXT_CHANGE_SEQ).scalar_one())


_NEXT_CHANGE_SEQ = (
    "INSERT INTO change_counter (id, value) "
    "VALUES (1, (SELECT COALESCE(MAX(change_seq), 0) + 1 FROM report)) "
    "ON CONFLICT (id) DO UPDATE SET value = change_counter.value + 1 "
    "RETURNING value"
)


def _roll_up(target: Report) -> None:
    from app.services.divisions import group_of

    target.province_code = group_of(target.region_code, "province")[0]
    target.city_code = group_of(target.region_code, "city")[0]
    target.county_code = group_of(target.region_code, "county")[0]


@event.listens_for(Report, "before_insert")
def _report_inserting(_mapper, connection, target: Report) -> None:
    target.deadline = legal_deadline(target.year, target.level)
    _roll_up(target)
    if target.change_seq is None:
        target.change_seq = next_change_seq(connection)


@event.listens_for(Report, "before_update")
def _report_updating(mapper, connection, target: Report) -> None:
    state = sa_inspect(target)
    changed = {a.key for a in mapper.column_attrs if state.attrs[a.key].history.has_changes()}
    if not changed or changed == {"change_seq"}:
        return  # nothing changed, or the caller set the number itself
    target.deadline = legal_deadline(target.year, target.level)
    _roll_up(target)
    if "change_seq" not in changed:
        target.change_seq = next_change_seq(connection)
    if "updated_at" not in changed:
        target.updated_at = utcnow()


@event.listens_for(OrmSession, "before_flush")
def _ids_never_reused(session, _context, _instances) -> None:
    """SQLite: a new report or document takes an id above every id one ever had (removed
    ones and aliases included), as PostgreSQL's sequences do: SQLite would give the highest
    id again once its row was deleted, and an id must never name another report or document
    (a client holds /reports/{id}, and a removed id answers 410). The write lock is taken
    first (a write, even of nothing), so that the read sees every id in use and no other
    writer takes one before this transaction ends."""
    new = [o for o in session.new if isinstance(o, (Report, Document)) and o.id is None]
    if not new:
        return
    conn = session.connection()
    if conn.dialect.name != "sqlite":
        return
    conn.exec_driver_sql(_TAKE_WRITE_LOCK)  # before the read: no other writer commits between it and the insert
    for kind, top_sql in ((Document, _TOP_DOCUMENT_ID), (Report, _TOP_REPORT_ID)):
        mine = [o for o in new if isinstance(o, kind)]
        if mine:
            top = conn.exec_driver_sql(top_sql).scalar() or 0
            for offset, row in enumerate(mine, 1):
                row.id = top + offset


_TAKE_WRITE_LOCK = "UPDATE change_counter SET value = value WHERE id = 1"
_TOP_REPORT_ID = ("SELECT MAX(m) FROM (SELECT MAX(id) AS m FROM report UNION ALL SELECT MAX(id) FROM removed_report "
                  "UNION ALL SELECT MAX(old_id) FROM report_alias)")
_TOP_DOCUMENT_ID = "SELECT MAX(m) FROM (SELECT MAX(id) AS m FROM document UNION ALL SELECT MAX(id) FROM removed_document)"


# --------------------------------------------------------------------------- public models

Number = int | float
CORRECTION_MAX_VALUE = 10**12  # larger than any count or amount (万元) a report states
CORRECTION_MAX_REASON = 2000  # characters
Template = Literal["2019", "2021"]
Status = Literal["parsed", "partial", "failed"]


class Problem(BaseModel):
    """An error, as RFC 9457 problem details plus a stable machine `code`."""

    type: str = PField(description="URI naming the problem type")
    title: str
    status: int
    detail: str
    code: str = PField(description="stable machine-readable code, e.g. not_found")


class ValidationErrorItem(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class ValidationProblem(Problem):
    errors: list[ValidationErrorItem]


class ReportLinks(BaseModel):
    self: str
    figures: str
    findings: str
    text: str
    document: str = PField(description="the original file, as received")
    active: str
    permits: str
    fees: str
    procurement: str
    applications: str
    review_litigation: str
    media_accounts: str
    publishing: str
    indicators: str = PField(description="the indicators of GET /indicators for this report")
    checks: str = PField(description="cross-year checks against the same body's other years, quality signals")
    documents: str = PField(description="the documents the report was built from (copies, editions)")
    body: str | None = PField(default=None, description="the reporting body (GET /bodies/{id}); null when the "
                                                        "report names no body or year and stands alone")


class ReportPublic(BaseModel):
    id: int
    status: Status
    template: Template | None
    year: int | None
    agency: str | None
    region_code: str | None
    level: str | None
    title: str | None
    published_at: date | None
    source_url: str | None
    attachment_url: str | None = PField(default=None, description="the file the report was read from, when "
                                        "the page at source_url linked to it as an attachment")
    parser_version: str
    figure_count: int
    finding_count: int
    created_at: datetime
    updated_at: datetime
    deadline: date | None = PField(description="legal deadline for publishing it: 31 January of the next year for "
                                               "departments, 31 March for governments (条例 art. 49)")
    on_time: bool | None = PField(default=None, description="published_at ≤ deadline; null when either is unknown")
    change_seq: int = PField(description="its place in the change sequence of GET /changes")
    body_id: int | None = PField(default=None, description="its body (one report per body and year); null when the "
                                                           "parse named no body or year: it stands alone, counted "
                                                           "as its own report")
    document_count: int = PField(default=1, description="how many documents (copies, editions) it was built from")
    checks_failing: int | None = PField(default=None, description="how many of its cross-year checks (GET "
                                        "/reports/{id}/checks) fail: against the same body's previous and next year")
    checks_holding: int | None = PField(default=None, description="how many of its cross-year checks hold")
    checks_unknown: int | None = PField(default=None, description="how many of its cross-year checks cannot be "
                                        "decided (a neighbouring year not stored, a figure missing or inferred)")
    copied_from_previous: bool | None = PField(default=None, description="every figure and most of the prose "
                                               "equal the previous year's report; null without one")
    links: ReportLinks

    @field_validator("created_at", "updated_at")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        # SQLite hands timestamps back without a zone; they are stored in UTC.
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)

    @model_validator(mode="after")
    def _on_time(self) -> "ReportPublic":
        if self.on_time is None and self.published_at is not None and self.deadline is not None:
            self.on_time = self.published_at <= self.deadline
        return self


Submission = Literal["new", "copy", "revision", "duplicate"]


class ReportSubmitted(ReportPublic):
    """POST /reports: the report the document made or joined."""

    submission: Submission = PField(description="new: a new report (201); copy: another copy of a report stored "
                                                "before, attached to it as a document; revision: a revised edition "
                                                "of it (the text says so), attached and reconciled; duplicate: these "
                                                "very bytes were stored before")
    document_id: int | None = PField(default=None, description="the document the bytes are stored as "
                                                               "(GET /documents/{id})")


class DocumentPublic(BaseModel):
    id: int
    report_id: int | None = PField(description="the report it belongs to")
    main: bool = PField(description="the report's main document: its text is the report's text")
    sha256: str
    media_type: str
    encoding: str | None
    size: int
    source_url: str | None
    received_at: datetime
    status: Status | None = PField(default=None, description="its own parse's status")
    parser_version: str | None = None
    links: dict[str, str]

    @field_validator("received_at")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


class DocumentsPublic(BaseModel):
    report_id: int
    documents: list[DocumentPublic]


class DocumentParsePublic(BaseModel):
    """A document's own parse, before reconciliation with the report's other documents."""

    model_config = ConfigDict(extra="allow")

    parser_version: str
    status: Status
    template: Template | None = None
    year: int | None = None
    agency: str | None = None
    region_code: str | None = None
    level: str | None = None
    title: str | None = None
    published_at: str | None = None
    figures: list[FigurePublic]
    findings: list[FindingPublic]


class DocumentDetail(DocumentPublic):
    parse: DocumentParsePublic | None


class BodyPublic(BaseModel):
    id: int
    name: str = PField(description="the body's full official name")
    region_code: str
    level: str | None
    links: dict[str, str]


class BodiesPage(BaseModel):
    data: list[BodyPublic]
    next: str | None = PField(description="URL of the next page, null on the last one")


class BodyYear(BaseModel):
    year: int | None
    report_id: int
    status: Status
    document_count: int
    report: str = PField(description="URL of the report")


class BodyDetail(BodyPublic):
    reports: list[BodyYear] = PField(description="its reports, one per year, oldest first")


class ReportsPage(BaseModel):
    data: list[ReportPublic]
    next: str | None = PField(description="URL of the next page, null on the last one")
    total: int | None = PField(default=None, description="how many reports match, with ?count=true; else null")


class SourcePublic(BaseModel):
    line: int | None = PField(description="1-based line in the document text (GET …/text?form=original)")
    start: int | None = PField(description="start of the figure inside the line (0-based, inclusive)")
    end: int | None = PField(description="end of the figure inside the line (exclusive)")
    text: str | None = PField(description="the line as the document has it")
    page: int | None = PField(default=None, description="1-based page of a PDF original; absent for other formats")
    document: int | None = PField(default=None, description="the document (GET /documents/{id}) the figure was read "
                                                            "from, when the report was built from several")
    box: list[float] | None = PField(default=None, min_length=4, max_length=4,
                                     description="the figure's box on its page: [x0, top, x1, bottom] in PDF points "
                                                 "from the page's top-left corner, y downwards; absent for other formats")


def _as_utc(value: datetime | None) -> datetime | None:
    # SQLite hands timestamps back without a zone; they are stored in UTC.
    return value if value is None or value.tzinfo else value.replace(tzinfo=timezone.utc)


class CorrectionNote(BaseModel):
    """Who corrected a figure, when and why (the figure's active correction)."""

    by: str = PField(description="the label of the write key that made it (never the key)")
    at: datetime
    reason: str

    @field_validator("at")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        return _as_utc(value)


class FigurePublic(BaseModel):
    key: str
    value: Number = PField(description="the figure; for a `corrected` one, the correction's value")
    unit: str
    section: str
    note: str | None
    flags: list[str]
    source: SourcePublic | None
    confidence: float | None = PField(
        default=None, ge=0, le=1,
        description="read by OCR (flag `ocr`): the recogniser's lowest score over the figure's characters, 0–1; "
                    "absent for figures read from a text layer, HTML, Word or text, and for corrected figures")
    parsed_value: Number | None = PField(
        default=None, description="flag `corrected` only: what the parser read (null: the parser read no figure "
                                  "there); absent for figures as the parser read them")
    parsed_flags: list[str] | None = PField(
        default=None, description="flag `corrected` only: the flags of the parser's reading")
    correction: CorrectionNote | None = PField(
        default=None, description="flag `corrected` only: who corrected it, when and why "
                                  "(GET /reports/{id}/corrections has the history)")


class FiguresPublic(BaseModel):
    report_id: int
    figures: list[FigurePublic]


class CorrectionInput(BaseModel):
    """PUT /reports/{id}/figures/{key}: the figure's value as a person states it, and why."""

    model_config = ConfigDict(extra="forbid")

    value: Annotated[StrictInt, PField(ge=-CORRECTION_MAX_VALUE, le=CORRECTION_MAX_VALUE)] | Annotated[
        StrictFloat, PField(allow_inf_nan=False, ge=-CORRECTION_MAX_VALUE, le=CORRECTION_MAX_VALUE)] = PField(
        description="the figure's value: an integer; amounts in 万元 (keys ending in `_wan`) may have decimals")
    reason: str = PField(min_length=1, max_length=CORRECTION_MAX_REASON,
                         description="why: where the right value is read (page, table, line) or what was wrong")

    @field_validator("reason")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("the reason is blank")
        if "\x00" in value:
            raise ValueError("the reason contains a NUL character")
        return value


class CorrectionPublic(BaseModel):
    id: int
    report_id: int
    key: str
    value: Number
    reason: str
    by: str = PField(description="the label of the write key that made it (never the key)")
    created_at: datetime
    active: bool = PField(description="true: the figure is served with this value now")
    retired_at: datetime | None = PField(description="when it was withdrawn (DELETE) or replaced by a newer "
                                                     "correction; null while active")
    retired_by: str | None = PField(description="the label of the key that retired it")

    @field_validator("created_at", "retired_at")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        return _as_utc(value)


class CorrectionsPublic(BaseModel):
    report_id: int
    corrections: list[CorrectionPublic] = PField(description="every correction of the report, newest first")


class FindingPublic(BaseModel):
    code: str
    severity: Literal["error", "warning", "info"]
    message: str
    keys: list[str]
    line: int | None


class FindingsPublic(BaseModel):
    report_id: int
    findings: list[FindingPublic]


class ReportSubmission(BaseModel):
    """JSON form of POST /reports: the report's text and where it was found, or the URL
    to fetch it from (exactly one of `text` and `url`)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={
        # exactly one of them given (a null counts as not given)
        "oneOf": [{"required": ["text"], "properties": {"text": {"type": "string"}, "url": {"type": "null"}}},
                  {"required": ["url"], "properties": {"url": {"type": "string"}, "text": {"type": "null"}}}],
    })

    text: str | None = PField(default=None, description="the report text (plain text, Markdown or HTML)")
    url: str | None = PField(default=None, max_length=2048,
                             description="http(s) URL to fetch the report from (public addresses only)")
    source_url: str | None = PField(default=None, max_length=2048, description="where the report was published")

    @model_validator(mode="after")
    def _text_or_url(self) -> "ReportSubmission":
        if (self.text is None) == (self.url is None):
            raise ValueError("give exactly one of 'text' and 'url'")
        return self


class Health(BaseModel):
    status: Literal["ok"]
    database: Literal["ok"]
    parser_version: str


# ----- per-section views: every field is null where the report lacks the figure


class SectionView(BaseModel):
    report_id: int
    template: Template | None


class DocumentCounts(BaseModel):
    """规章 / 规范性文件. 2019 template: new_made, new_published, total; 2021: issued, repealed, in_force."""

    new_made: Number | None = None
    new_published: Number | None = None
    total: Number | None = None
    issued: Number | None = None
    repealed: Number | None = None
    in_force: Number | None = None


class ItemCounts(BaseModel):
    """上一年项目数量 / 本年增减 (signed) / 处理决定数量."""

    prev_items: Number | None = None
    change: Number | None = None
    decisions: Number | None = None


class Fees(BaseModel):
    """行政事业性收费: prev_items, change (2019); amount_wan in 万元 (2021)."""

    prev_items: Number | None = None
    change: Number | None = None
    amount_wan: Number | None = None


class Procurement(BaseModel):
    """政府集中采购 (2019): items, amount_wan in 万元."""

    items: Number | None = None
    amount_wan: Number | None = None


class ActiveView(SectionView):
    """Section 二, 主动公开政府信息情况."""

    rules: DocumentCounts
    normative_docs: DocumentCounts
    permit: ItemCounts
    other_services: ItemCounts
    penalty: ItemCounts
    enforcement: ItemCounts
    fees: Fees
    procurement: Procurement


class PermitsView(SectionView):
    permit: ItemCounts
    other_services: ItemCounts
    penalty: ItemCounts
    enforcement: ItemCounts


class FeesView(Fees, SectionView):  # bases in this order: report_id, template come first
    pass


class ProcurementView(Procurement, SectionView):
    pass


class ApplicationColumn(BaseModel):
    key: str
    label: str


class ApplicationValues(BaseModel):
    natural_person: Number | None = None
    commercial: Number | None = None
    research: Number | None = None
    social_welfare: Number | None = None
    legal_service: Number | None = None
    other_org: Number | None = None
    total: Number | None = None


class ApplicationRow(BaseModel):
    key: str = PField(description="row key: the figure key is applications.<row>.<column>")
    label: str
    group: str | None = PField(description="denied | unable | not_processed | other for grouped rows and their totals")
    values: ApplicationValues


class ApplicationChannels(BaseModel):
    online: Number | None = None
    in_person: Number | None = None


class ApplicationsView(SectionView):
    """Section 三: rows × applicant columns, group totals included."""

    columns: list[ApplicationColumn]
    rows: list[ApplicationRow]
    channels: ApplicationChannels


class Outcomes(BaseModel):
    upheld: Number | None = None
    corrected: Number | None = None
    other: Number | None = None
    pending: Number | None = None
    total: Number | None = None


class ReviewLitigationView(SectionView):
    """Section 四: 行政复议 and 行政诉讼 outcomes."""

    reconsideration: Outcomes
    litigation_direct: Outcomes
    litigation_after_reconsideration: Outcomes


class MediaAccountsView(SectionView):
    total: Number | None = None
    wechat: Number | None = None
    weibo: Number | None = None
    other: Number | None = None


class PublishingView(SectionView):
    website_posts: Number | None = None
    weibo_posts: Number | None = None
    wechat_posts: Number | None = None
    gazette_items: Number | None = None
    policy_interpretations: Number | None = None
    press_conferences: Number | None = None
    online_interviews: Number | None = None
    consultations: Number | None = None
    letters_answered: Number | None = None


DocumentParsePublic.model_rebuild()
DocumentDetail.model_rebuild()
