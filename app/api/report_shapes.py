"""Response models of one report and what hangs off it: the report, its links and submission,
its documents and their parses, its figures, corrections and findings, the bodies that
report, and problems (RFC 9457). Cross-report shapes: app/api/shapes.py; per-section
views: app/services/section_shapes.py."""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StrictInt, field_validator, model_validator

from app.models import Number, Status, Template

CORRECTION_MAX_VALUE = 10**12  # larger than any count or amount (万元) a report states
CORRECTION_MAX_REASON = 2000  # characters


class Problem(BaseModel):
    """An error, as RFC 9457 problem details plus a stable machine `code`."""

    type: str = Field(description="URI naming the problem type")
    title: str
    status: int
    detail: str
    code: str = Field(description="stable machine-readable code, e.g. not_found")


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
    document: str = Field(description="the original file, as received")
    active: str
    permits: str
    fees: str
    procurement: str
    applications: str
    review_litigation: str
    media_accounts: str
    publishing: str
    indicators: str = Field(description="the indicators of GET /indicators for this report")
    checks: str = Field(description="cross-year checks against the same body's other years, quality signals")
    documents: str = Field(description="the documents the report was built from (copies, editions)")
    body: str | None = Field(default=None, description="the reporting body (GET /bodies/{id}); null when the "
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
    attachment_url: str | None = Field(default=None, description="the file the report was read from, when "
                                        "the page at source_url linked to it as an attachment")
    parser_version: str
    figure_count: int
    finding_count: int
    created_at: datetime
    updated_at: datetime
    deadline: date | None = Field(description="legal deadline for publishing it: 31 January of the next year for "
                                               "departments, 31 March for governments (条例 art. 49)")
    on_time: bool | None = Field(default=None, description="published_at ≤ deadline; null when either is unknown")
    change_seq: int = Field(description="its place in the change sequence of GET /changes")
    body_id: int | None = Field(default=None, description="its body (one report per body and year); null when the "
                                                           "parse named no body or year: it stands alone, counted "
                                                           "as its own report")
    document_count: int = Field(default=1, description="how many documents (copies, editions) it was built from")
    checks_failing: int | None = Field(default=None, description="how many of its cross-year checks (GET "
                                        "/reports/{id}/checks) fail: against the same body's previous and next year")
    checks_holding: int | None = Field(default=None, description="how many of its cross-year checks hold")
    checks_unknown: int | None = Field(default=None, description="how many of its cross-year checks cannot be "
                                        "decided (a neighbouring year not stored, a figure missing or inferred)")
    copied_from_previous: bool | None = Field(default=None, description="every figure and most of the prose "
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

    submission: Submission = Field(description="new: a new report (201); copy: another copy of a report stored "
                                                "before, attached to it as a document; revision: a revised edition "
                                                "of it (the text says so), attached and reconciled; duplicate: these "
                                                "very bytes were stored before")
    document_id: int | None = Field(default=None, description="the document the bytes are stored as "
                                                               "(GET /documents/{id})")


class DocumentPublic(BaseModel):
    id: int
    report_id: int | None = Field(description="the report it belongs to")
    main: bool = Field(description="the report's main document: its text is the report's text")
    sha256: str
    media_type: str
    encoding: str | None
    size: int
    source_url: str | None
    received_at: datetime
    status: Status | None = Field(default=None, description="its own parse's status")
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
    name: str = Field(description="the body's full official name")
    region_code: str
    level: str | None
    links: dict[str, str]


class BodiesPage(BaseModel):
    data: list[BodyPublic]
    next: str | None = Field(description="URL of the next page, null on the last one")


class BodyYear(BaseModel):
    year: int | None
    report_id: int
    status: Status
    document_count: int
    report: str = Field(description="URL of the report")


class BodyDetail(BodyPublic):
    reports: list[BodyYear] = Field(description="its reports, one per year, oldest first")


class ReportsPage(BaseModel):
    data: list[ReportPublic]
    next: str | None = Field(description="URL of the next page, null on the last one")
    total: int | None = Field(default=None, description="how many reports match, with ?count=true; else null")


class SourcePublic(BaseModel):
    line: int | None = Field(description="1-based line in the document text (GET …/text?form=original)")
    start: int | None = Field(description="start of the figure inside the line (0-based, inclusive)")
    end: int | None = Field(description="end of the figure inside the line (exclusive)")
    text: str | None = Field(description="the line as the document has it")
    page: int | None = Field(default=None, description="1-based page of a PDF original; absent for other formats")
    document: int | None = Field(default=None, description="the document (GET /documents/{id}) the figure was read "
                                                            "from, when the report was built from several")
    box: list[float] | None = Field(default=None, min_length=4, max_length=4,
                                     description="the figure's box on its page: [x0, top, x1, bottom] in PDF points "
                                                 "from the page's top-left corner, y downwards; absent for other formats")


def _as_utc(value: datetime | None) -> datetime | None:
    # SQLite hands timestamps back without a zone; they are stored in UTC.
    return value if value is None or value.tzinfo else value.replace(tzinfo=timezone.utc)


class CorrectionNote(BaseModel):
    """Who corrected a figure, when and why (the figure's active correction)."""

    by: str = Field(description="the label of the write key that made it (never the key)")
    at: datetime
    reason: str

    @field_validator("at")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        return _as_utc(value)


class FigurePublic(BaseModel):
    key: str
    value: Number = Field(description="the figure; for a `corrected` one, the correction's value")
    unit: str
    section: str
    note: str | None
    flags: list[str]
    source: SourcePublic | None
    confidence: float | None = Field(
        default=None, ge=0, le=1,
        description="read by OCR (flag `ocr`): the recogniser's lowest score over the figure's characters, 0–1; "
                    "absent for figures read from a text layer, HTML, Word or text, and for corrected figures")
    parsed_value: Number | None = Field(
        default=None, description="flag `corrected` only: what the parser read (null: the parser read no figure "
                                  "there); absent for figures as the parser read them")
    parsed_flags: list[str] | None = Field(
        default=None, description="flag `corrected` only: the flags of the parser's reading")
    correction: CorrectionNote | None = Field(
        default=None, description="flag `corrected` only: who corrected it, when and why "
                                  "(GET /reports/{id}/corrections has the history)")


class FiguresPublic(BaseModel):
    report_id: int
    figures: list[FigurePublic]


class CorrectionInput(BaseModel):
    """PUT /reports/{id}/figures/{key}: the figure's value as a person states it, and why."""

    model_config = ConfigDict(extra="forbid")

    value: Annotated[StrictInt, Field(ge=-CORRECTION_MAX_VALUE, le=CORRECTION_MAX_VALUE)] | Annotated[
        StrictFloat, Field(allow_inf_nan=False, ge=-CORRECTION_MAX_VALUE, le=CORRECTION_MAX_VALUE)] = Field(
        description="the figure's value: an integer; amounts in 万元 (keys ending in `_wan`) may have decimals")
    reason: str = Field(min_length=1, max_length=CORRECTION_MAX_REASON,
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
    by: str = Field(description="the label of the write key that made it (never the key)")
    created_at: datetime
    active: bool = Field(description="true: the figure is served with this value now")
    retired_at: datetime | None = Field(description="when it was withdrawn (DELETE) or replaced by a newer "
                                                     "correction; null while active")
    retired_by: str | None = Field(description="the label of the key that retired it")

    @field_validator("created_at", "retired_at")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        return _as_utc(value)


class CorrectionsPublic(BaseModel):
    report_id: int
    corrections: list[CorrectionPublic] = Field(description="every correction of the report, newest first")


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

    text: str | None = Field(default=None, description="the report text (plain text, Markdown or HTML)")
    url: str | None = Field(default=None, max_length=2048,
                             description="http(s) URL to fetch the report from (public addresses only)")
    source_url: str | None = Field(default=None, max_length=2048, description="where the report was published")

    @model_validator(mode="after")
    def _text_or_url(self) -> "ReportSubmission":
        if (self.text is None) == (self.url is None):
            raise ValueError("give exactly one of 'text' and 'url'")
        return self


# the parse of a document names figures and findings defined below it
DocumentParsePublic.model_rebuild()
DocumentDetail.model_rebuild()
