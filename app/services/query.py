"""What each cross-report list selects and in which orders: reports (/reports, /changes,
the finder), figures of keys across reports and of an indicator (/figures), and how one of
their rows looks as JSON. Filters: app/services/filters.py; pages: app/services/pagination.py."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Select, and_, case, true
from sqlmodel import select

from app import divisions, indicators as ind
from app.models import FigureRow, Report
from app.services import rollup as rollups
from app.services.filters import ReportFilter, exact_figures
from app.services.pagination import Sort, SortKey, sorts
from app.services.present import emit_value, plain, split_list


REPORT_SORTS = sorts(
    ("id", [SortKey("id", Report.id)]),
    ("year", [SortKey("year", Report.year, nullable=True), SortKey("id", Report.id)]),
    ("agency", [SortKey("agency", Report.agency, nullable=True, kind=str), SortKey("id", Report.id)]),
    ("region", [SortKey("region_code", Report.region_code, nullable=True, kind=str), SortKey("id", Report.id)]),
    ("published_at", [SortKey("published_at", Report.published_at, nullable=True, kind=date),
                      SortKey("id", Report.id)]),
)


def reports_stmt(filters: ReportFilter) -> Select:
    return filters.apply(select(Report))


def changes_sort() -> Sort:
    return Sort("change_seq", (SortKey("change_seq", Report.change_seq),))


# ----------------------------------------------------------------------------- figures across reports

_FIG = (
    FigureRow.report_id.label("report_id"), Report.agency.label("agency"), Report.region_code.label("region_code"),
    Report.year.label("year"), Report.template.label("template"), FigureRow.key.label("key"),
    FigureRow.value.label("value"), FigureRow.unit.label("unit"), FigureRow.id.label("figure_id"),
    FigureRow.flags.label("flags"), FigureRow.parsed_value.label("parsed_value"),
)
_TIE = [SortKey("report_id", FigureRow.report_id), SortKey("figure_id", FigureRow.id)]

FIGURE_SORTS = sorts(
    ("report", _TIE),
    ("year", [SortKey("year", Report.year, nullable=True), *_TIE]),
    ("region", [SortKey("region_code", Report.region_code, nullable=True, kind=str), *_TIE]),
    ("agency", [SortKey("agency", Report.agency, nullable=True, kind=str), *_TIE]),
    ("key", [SortKey("key", FigureRow.key, kind=str), *_TIE]),
    ("value", [SortKey("value", FigureRow.value, kind=float), *_TIE]),
)


def figures_stmt(keys: list[str], filters: ReportFilter, exact: bool = False) -> Select:
    """One row per (report, key) for these keys, the reports filtered: one join, served
    by the (key, report_id) index. `exact`: only figures without INEXACT_FLAGS."""
    stmt = select(*_FIG).join(Report, Report.id == FigureRow.report_id).where(FigureRow.key.in_(keys))
    if exact:
        stmt = stmt.where(exact_figures())
    return filters.apply(stmt)


def figure_item(row: Any) -> dict[str, Any]:
    item = {
        "report_id": row.report_id, "agency": row.agency, "region_code": row.region_code,
        "region_name": divisions.name_of(row.region_code), "year": row.year, "template": row.template,
        "key": row.key, "value": emit_value(row.key, row.value), "unit": row.unit, "flags": split_list(row.flags),
    }
    if row.flags == "corrected":  # a person's value (app/services/corrections.py): the parser's beside it
        item["parsed_value"] = None if row.parsed_value is None else emit_value(row.key, row.parsed_value)
    return item


def indicator_figures(indicator: ind.Indicator, filters: ReportFilter) -> tuple[Select, dict[str, Sort]]:
    """One row per report (of the filtered ones) that has every key of both sides of the
    indicator: its numerator, denominator and their ratio (null when the denominator is 0),
    and the sort orders of /figures over these rows (key: the report order)."""
    conds = filters.conditions()
    sides = rollups.indicator_sides(indicator, and_(*conds) if conds else true()).subquery()
    ratio = case((sides.c.denominator == 0, None), else_=sides.c.numerator / sides.c.denominator)
    stmt = (select(sides.c.report_id.label("report_id"), Report.agency.label("agency"),
                   Report.region_code.label("region_code"), Report.year.label("year"),
                   Report.template.label("template"), sides.c.numerator.label("numerator"),
                   sides.c.denominator.label("denominator"), ratio.label("value"))
            .select_from(sides).join(Report, Report.id == sides.c.report_id))
    tie = [SortKey("report_id", sides.c.report_id)]
    order = sorts(
        ("report", tie), ("key", tie),
        ("year", [SortKey("year", Report.year, nullable=True), *tie]),
        ("region", [SortKey("region_code", Report.region_code, nullable=True, kind=str), *tie]),
        ("agency", [SortKey("agency", Report.agency, nullable=True, kind=str), *tie]),
        ("value", [SortKey("value", ratio, nullable=True, kind=float), *tie]),
    )
    return stmt, order


def indicator_item(indicator: ind.Indicator):
    def item(row: Any) -> dict[str, Any]:
        return {
            "report_id": row.report_id, "agency": row.agency, "region_code": row.region_code,
            "region_name": divisions.name_of(row.region_code), "year": row.year, "template": row.template,
            "key": indicator.id, "value": None if row.value is None else round(row.value, 6) + 0.0,
            "unit": indicator.unit, "numerator": plain(row.numerator), "denominator": plain(row.denominator),
        }
    return item

