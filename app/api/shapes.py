"""Response models of the cross-report endpoints (regions, figures across reports, statistics,
comparisons, changes, indicators, checks) and of the service's own (home, catalogue, health).
One report and what hangs off it: app/api/report_shapes.py."""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Annotated, Literal

from pydantic import BaseModel, Field, field_validator

from app.api.report_shapes import ReportPublic
from app.models import Number, Template

DivisionLevel = Literal["province", "city", "county"]


class RegionRef(BaseModel):
    code: str
    name: str
    level: DivisionLevel


class RegionLinks(BaseModel):
    self: str
    children: str = Field(description="the divisions directly under it")
    reports: str = Field(description="reports of bodies in it and under it")


class RegionPublic(RegionRef):
    parent_code: str | None
    report_count: int = Field(description="reports of bodies in this division and every division under it")
    links: RegionLinks


class RegionDetail(RegionPublic):
    ancestors: list[RegionRef] = Field(description="the divisions above it, nearest first")
    children: list[RegionPublic]


class RegionsPage(BaseModel):
    data: list[RegionPublic]
    next: str | None = Field(description="URL of the next page, null on the last one")
    total: int | None = Field(default=None, description="how many divisions match, with ?count=true")


class FigureAcross(BaseModel):
    report_id: int
    agency: str | None
    region_code: str | None
    region_name: str | None = Field(description="the division's name, from the division table")
    year: int | None
    template: Template | None
    key: str
    value: Number
    unit: str
    flags: list[str] = Field(default_factory=list, description="how the figure was read: derived, repaired, "
                                                             "inferred, approximate, converted, ocr; corrected: "
                                                             "a person's value (FIGURES.md)")
    parsed_value: Number | None = Field(default=None, description="flag `corrected`: what the parser read "
                                                                  "(null: no figure); null for the parser's own figures")


class FiguresPage(BaseModel):
    data: list[FigureAcross]
    next: str | None = Field(description="URL of the next page, null on the last one")
    total: int | None = Field(default=None, description="how many rows match, with ?count=true")


class IndicatorAcross(BaseModel):
    report_id: int
    agency: str | None
    region_code: str | None
    region_name: str | None
    year: int | None
    template: Template | None
    key: str = Field(description="the indicator's id")
    value: float | None = Field(description="numerator / denominator; null when the denominator is 0")
    unit: str
    numerator: Number
    denominator: Number


class IndicatorFiguresPage(BaseModel):
    data: list[IndicatorAcross] = Field(description="one row per report with every key of both sides")
    next: str | None = Field(description="URL of the next page, null on the last one")
    total: int | None = Field(default=None, description="how many rows match, with ?count=true")


class StatRow(BaseModel):
    key: str
    unit: str
    templates: list[Template] = Field(description="the templates that define this key: only their reports count")
    group: dict[str, str | int | None] = Field(
        description="the group's value per `by` dimension; a region dimension also has `<dim>_name` and "
                    "`<dim>_level` (the level of the division the reports rolled up to)")
    count: int = Field(description="reports in the group that have the figure")
    sum: Number | None
    min: Number | None
    max: Number | None
    mean: float | None
    reports_in_scope: int = Field(description="reports in the group matching the filters whose template defines the key")
    coverage: float | None = Field(description="count / reports_in_scope (0–1); null when no report is in scope")


class StatsPublic(BaseModel):
    keys: list[str] = Field(description="the figure keys the `key` patterns named")
    by: list[str]
    note: str
    stats: list[StatRow]
    indicators: list[str] = Field(default=[], description="the indicators asked (`indicator=`)")
    indicator_stats: list[IndicatorStatRow] = Field(default=[], description="per indicator and group")


class CompareSide(BaseModel):
    id: int
    agency: str | None
    region_code: str | None
    year: int | None
    template: Template | None


class CompareRow(BaseModel):
    key: str
    unit: str
    value: Number | None = Field(description="this report's value (null: it lacks the figure)")
    other_value: Number | None = Field(description="the other report's value")
    change: Number | None = Field(description="value − other_value, when both exist")
    change_pct: float | None = Field(description="change in percent of other_value (null when that is 0 or missing)")


class Comparison(BaseModel):
    report: CompareSide
    other: CompareSide
    basis: Literal["previous", "id"] = Field(description="previous: the same body's report for the year before")
    figures: list[CompareRow]


class ChangePublic(ReportPublic):
    change: Literal["created", "updated"] = Field(description="created, or revised / re-parsed since")


class RemovalLinks(BaseModel):
    self: str = Field(description="the report's URL: 410 Gone once deleted, a redirect to `merged_into` once merged")
    merged_into: str | None = Field(default=None, description="the report it joined")


class RemovalPublic(BaseModel):
    """A report that is no more, as the change feed lists it: its id, why it went, and the
    region, year and body it had."""

    id: int
    change: Literal["removed"] = Field(description="removed: its last document deleted, or merged into another "
                                                   "report of its body and year (`merged_into`)")
    reason: Literal["deleted", "merged"]
    merged_into: int | None = Field(description="the report of the same body and year it joined (reason merged)")
    removed_at: datetime
    change_seq: int = Field(description="its place in the change sequence of GET /changes")
    status: str
    template: Template | None
    year: int | None
    agency: str | None
    region_code: str | None
    level: str | None
    body_id: int | None
    links: RemovalLinks

    @field_validator("removed_at")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


ChangeItem = Annotated[ChangePublic | RemovalPublic, Field(discriminator="change")]


class DocumentDeleted(BaseModel):
    document_id: int
    report_id: int | None = Field(description="the report it was a document of")
    report_removed: bool = Field(description="true: it was the report's last document, and the report is removed "
                                             "with it (GET /reports/{id} answers 410, GET /changes lists it as "
                                             "`removed`); false: the report was reconciled from the documents left")
    documents_left: int = Field(description="documents the report has now")
    report: str | None = Field(description="the report's URL (answering 410 when it was removed)")


class ChangesPage(BaseModel):
    data: list[ChangeItem] = Field(description="reports changed or removed after `since`, oldest change first")
    cursor: str = Field(description="pass as `since` next time to see only what changes after this answer")
    next: str | None = Field(description="URL of the next page when this one was full (more changes wait)")


class IndicatorInfo(BaseModel):
    id: str = Field(description="stable id, e.g. disclosure_rate")
    name_zh: str
    name_en: str
    formula: str = Field(description="over catalogue keys (FIGURES.md); (t−1): the same body's previous year")
    numerator: list[str] = Field(description="catalogue keys summed above the line")
    denominator: list[str] = Field(description="catalogue keys summed below the line")
    unit: str = Field(description="ratio: numerator / denominator (0.25 = 25 %)")
    templates: list[Template] = Field(description="the templates whose reports it is computed for")
    compares: Literal["previous"] | None = Field(description="previous: a change against the year before")
    aggregated: bool = Field(description="served by /stats and /figures (`indicator=`); else per report only")
    caveats: str


class IndicatorsPublic(BaseModel):
    indicators: list[IndicatorInfo]


class ReportIndicator(BaseModel):
    indicator: str
    unit: str
    value: float | int | None = Field(description="numerator / denominator; null when either is missing or the "
                                                  "denominator is 0 (`reason`)")
    numerator: Number | None
    denominator: Number | None
    missing: list[str] = Field(description="keys the report lacks for it")
    exact: bool | None = Field(description="false when a figure used was repaired, inferred or approximate")
    reason: str | None = Field(description="why there is no value")
    previous_report_id: int | None = Field(default=None, description="compares=previous: the report of the year "
                                                                     "before it was computed against")


class ReportIndicators(BaseModel):
    report_id: int
    template: Template | None
    year: int | None
    indicators: list[ReportIndicator]


class IndicatorStatRow(BaseModel):
    indicator: str
    unit: str
    group: dict[str, str | int | None] = Field(description="as in `stats`")
    count: int = Field(description="reports in the group with every key of both sides: those that contribute")
    numerator: Number | None = Field(description="sum of the numerators of those reports")
    denominator: Number | None = Field(description="sum of their denominators")
    value: float | None = Field(description="numerator / denominator: a ratio of sums, not a mean of ratios; "
                                            "null when no report contributes or the denominator is 0")
    reports_in_scope: int = Field(description="reports in the group matching the filters")
    coverage: float | None = Field(description="count / reports_in_scope")



class CheckTerm(BaseModel):
    report_id: int | None = Field(description="the report the figure is read from; null when there is none")
    year: int | None
    key: str
    sign: int = Field(description="+1 or −1 on the right side; the first term is the left side")
    value: Number | None
    reading: Literal["exact", "derived", "repaired", "approximate", "inferred", "corrected"] | None = Field(
        description="how the figure was read (its flags; corrected: a person's value, "
                    "GET /reports/{id}/corrections); a check over an inferred figure is unknown")


class CrossYearCheck(BaseModel):
    check: str = Field(description="carry_over | in_force.rules | in_force.normative_docs | prev_items.<row>")
    formula: str
    direction: Literal["previous", "next"] = Field(description="previous: against the year before (this report is "
                                                               "t); next: against the year after (it is t−1)")
    other_report_id: int | None
    verdict: Literal["holds", "fails", "unknown"]
    left: Number | None
    right: Number | None
    reason: str | None = Field(description="why the verdict is unknown")
    terms: list[CheckTerm]


class Completeness(BaseModel):
    cells: int = Field(description="table cells (sections 二, 三, 四) of the report's template")
    present: int = Field(description="of them, those the report has")
    share: float | None = Field(description="present / cells; null without a template")
    sections_missing: list[str] = Field(description="table sections with no figure: active, applications, "
                                                    "review_litigation")
    not_exact: int = Field(description="present cells read repaired, inferred or approximate")


class Timeliness(BaseModel):
    on_time: bool | None = Field(description="published_at ≤ deadline (31 January of the next year)")
    published_at: date | None
    deadline: date | None


class CopiedSignal(BaseModel):
    value: bool | None = Field(description="every figure equals the previous year's and at least `prose_threshold` "
                                           "of the sentences too (numbers masked); null without a previous report")
    other_report_id: int | None
    figures_compared: int
    figures_equal: bool | None
    prose_share: float | None = Field(description="share of this report's sentences found in the previous one's")
    prose_threshold: float


class JumpSignal(BaseModel):
    key: str
    value: Number
    previous_value: Number
    factor: float | None = Field(description="value / previous_value; null from 0")
    other_report_id: int


class JumpRule(BaseModel):
    factor: float = Field(description="a jump: this many times the previous year's value or more, or as small")
    floor: int = Field(description="and the larger of the two at least this")


class Signals(BaseModel):
    completeness: Completeness
    timeliness: Timeliness
    copied_from_previous: CopiedSignal
    jumps: list[JumpSignal] = Field(description="figures that changed by `jump_rule` or more, both read exactly")
    jump_rule: JumpRule


class CheckSummary(BaseModel):
    holds: int
    fails: int
    unknown: int


class ReportChecks(BaseModel):
    report_id: int
    year: int | None
    template: Template | None
    previous_report_id: int | None = Field(description="the same body's report of the year before (same agency "
                                                       "and region, parsed)")
    next_report_id: int | None = Field(description="… of the year after")
    summary: CheckSummary
    checks: list[CrossYearCheck]
    signals: Signals


StatsPublic.model_rebuild()  # its indicator rows are defined after it


# ----- the service's own: GET /, /catalogue, /healthz, /readyz

Section = Literal["active", "applications", "review_litigation", "media", "publishing", "applications_channel"]


class Links(BaseModel):
    self: str
    reports: str = Field(description="reports, filtered and paginated (also CSV/NDJSON)")
    changes: str = Field(description="what changed since a cursor (polling)")
    figures: str = Field(description="figures across reports: needs `key=` (see catalogue)")
    stats: str = Field(description="statistics by region or year: needs `key=`")
    regions: str = Field(description="the division table, with report counts")
    catalogue: str = Field(description="every figure key, its label, unit, section and templates")
    indicators: str = Field(description="the indicator dictionary: rates over catalogue keys")
    health: str
    ready: str
    docs: str = Field(description="Swagger UI")
    redoc: str = Field(description="ReDoc")
    openapi: str = Field(description="the OpenAPI spec")


class Home(BaseModel):
    name: Literal["disclosure-stats"]
    version: str
    description: str
    links: Links


class CatalogueEntry(BaseModel):
    key: str = Field(description="the figure key, as in GET /reports/{id}/figures and `key=` of /figures, /stats")
    label: str = Field(description="what the report calls it (row / column), in the first template's words")
    unit: str
    section: Section = Field(description="the figure's `section`")
    templates: list[Template] = Field(description="the report templates that have it")


class Catalogue(BaseModel):
    data: list[CatalogueEntry]


class Health(BaseModel):
    status: Literal["ok"]
    database: Literal["ok"]
    parser_version: str


class Ready(BaseModel):
    status: Literal["ready"]
    database: Literal["ok"]
    migration: str
