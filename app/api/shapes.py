"""Response models of the cross-report endpoints: regions, figures across reports,
statistics, comparisons, changes."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from app.models import Number, ReportPublic, Template

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
                                                             "inferred, approximate, converted, ocr (FIGURES.md)")


class FiguresPage(BaseModel):
    data: list[FigureAcross]
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


class ChangesPage(BaseModel):
    data: list[ChangePublic] = Field(description="reports changed after `since`, oldest change first")
    cursor: str = Field(description="pass as `since` next time to see only what changes after this answer")
    next: str | None = Field(description="URL of the next page when this one was full (more changes wait)")
