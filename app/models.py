"""SQLModel tables (the schema Alembic migrates) and the public response models.

Tables: document (the bytes as received), report (one parse of one document),
report_text (the decoded text the figures' line numbers refer to, kept apart so that
listing reports never loads it), figure (one long table: key, value, source), finding.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field as PField, field_validator
from sqlalchemy import Column, Date, DateTime, Float, ForeignKey, Index, Integer, LargeBinary, String, Text
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


class Report(SQLModel, table=True):
    __tablename__ = "report"

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(
        sa_column=Column(Integer, ForeignKey("document.id", ondelete="CASCADE"), nullable=False, unique=True)
    )
    parser_version: str = Field(sa_column=Column(String(40), nullable=False))
    status: str = Field(sa_column=Column(String(20), nullable=False))
    template: str | None = Field(default=None, sa_column=Column(String(10), index=True))
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


class ReportText(SQLModel, table=True):
    __tablename__ = "report_text"

    report_id: int = Field(
        sa_column=Column(Integer, ForeignKey("report.id", ondelete="CASCADE"), primary_key=True, autoincrement=False)
    )
    original: str = Field(sa_column=Column(Text, nullable=False))
    normalized: str = Field(sa_column=Column(Text, nullable=False))


class FigureRow(SQLModel, table=True):
    __tablename__ = "figure"
    __table_args__ = (Index("ix_figure_key_report_id", "key", "report_id"),)

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


# --------------------------------------------------------------------------- public models

Number = int | float
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
    active: str
    permits: str
    fees: str
    procurement: str
    applications: str
    review_litigation: str
    media_accounts: str
    publishing: str


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
    parser_version: str
    figure_count: int
    finding_count: int
    created_at: datetime
    updated_at: datetime
    links: ReportLinks

    @field_validator("created_at", "updated_at")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        # SQLite hands timestamps back without a zone; they are stored in UTC.
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


class ReportsPage(BaseModel):
    data: list[ReportPublic]
    next: str | None = PField(description="URL of the next page, null on the last one")


class SourcePublic(BaseModel):
    line: int | None = PField(description="1-based line in the document text (GET …/text?form=original)")
    start: int | None = PField(description="start of the figure inside the line (0-based, inclusive)")
    end: int | None = PField(description="end of the figure inside the line (exclusive)")
    text: str | None = PField(description="the line as the document has it")


class FigurePublic(BaseModel):
    key: str
    value: Number
    unit: str
    section: str
    note: str | None
    flags: list[str]
    source: SourcePublic | None


class FiguresPublic(BaseModel):
    report_id: int
    figures: list[FigurePublic]


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
    """JSON form of POST /reports: the report's text, and where it was found."""

    model_config = ConfigDict(extra="forbid")

    text: str = PField(description="the report text (plain text, Markdown or HTML)")
    source_url: str | None = PField(default=None, max_length=2048, description="where the report was published")


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
