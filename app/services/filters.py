"""The report filters every list, /figures, /stats and /changes share, the query errors they
raise, and which figures count as exact. SQLAlchemy conditions, no HTTP."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, literal, not_, or_

from app.models import FigureRow, Report
from app import divisions

# the flags of figures that `exact=true` leaves out: a split chosen by evidence (the parser's
# `inferred`), a number read by OCR (`ocr`)
INEXACT_FLAGS = ("inferred", "ocr")


def exact_figures() -> ColumnElement[bool]:
    """The figure rows that carry none of INEXACT_FLAGS (flags are stored comma-joined)."""
    padded = literal(",") + FigureRow.flags + literal(",")
    return and_(*(not_(padded.contains(f",{flag},", autoescape=True)) for flag in INEXACT_FLAGS))

# ----------------------------------------------------------------------------- filters


def years_condition(column: Any, years: tuple[tuple[int, int], ...]) -> ColumnElement[bool]:
    """`column` in any of the year ranges (a, b), a single year compared as one."""
    return or_(*(column == a if a == b else column.between(a, b) for a, b in years))


def prefix_condition(column: Any, prefix: str) -> ColumnElement[bool]:
    """`column` (a region code) starts with the digits `prefix`: a range, not LIKE, so that the
    region index serves it on SQLite and PostgreSQL alike."""
    upper = divisions.prefix_upper(prefix)
    return and_(column >= prefix, *([column < upper] if upper else []))


def region_prefixes(region: str) -> tuple[str, ...]:
    """`region=` (codes or prefixes, comma-separated) as significant-digit prefixes, each once;
    QueryError("region") for one that is no region code."""
    try:
        return tuple(dict.fromkeys(divisions.region_prefix(r.strip()) for r in region.split(",")))
    except ValueError as exc:
        raise QueryError("region", str(exc)) from None


def regions_condition(column: Any, prefixes: tuple[str, ...]) -> ColumnElement[bool]:
    """`column` (a region code) is one of these divisions or under one of them."""
    return or_(*(column == p if len(p) == 6 else prefix_condition(column, p) for p in prefixes))



class QueryError(ValueError):
    """A query parameter that parses but cannot be honoured; `param` names it."""

    def __init__(self, param: str, message: str) -> None:
        super().__init__(message)
        self.param = param


YEAR_PATTERN = r"^\d{4}(-\d{4})?(,\d{4}(-\d{4})?)*$"


def parse_years(spec: str) -> list[tuple[int, int]]:
    """'2020' → [(2020, 2020)]; '2019,2021' → two; '2019-2021' → [(2019, 2021)]."""
    out = []
    for part in spec.split(","):
        lo, _, hi = part.partition("-")
        a, b = int(lo), int(hi or lo)
        if a > b:
            raise QueryError("year", f"year range {part} runs backwards")
        out.append((a, b))
    return out


_VERDICT_COLUMNS = {"fails": Report.checks_failing, "holds": Report.checks_holding,
                    "unknown": Report.checks_unknown}


@dataclass(frozen=True)
class ReportFilter:
    """The report filters every list, /figures, /stats and /changes accept."""

    years: tuple[tuple[int, int], ...] = ()
    regions: tuple[str, ...] = ()  # significant-digit prefixes (divisions.region_prefix)
    agency: str | None = None  # substring
    template: str | None = None
    status: str | None = None
    level: str | None = None
    on_time: bool | None = None
    checks: str | None = None  # fails | holds | unknown: at least one cross-year check with that verdict
    copied: bool | None = None  # copied_from_previous

    @classmethod
    def from_params(cls, *, year: str | None = None, region: str | None = None, agency: str | None = None,
                    template: str | None = None, status: str | None = None, level: str | None = None,
                    on_time: bool | None = None, checks: str | None = None,
                    copied: bool | None = None) -> ReportFilter:
        regions = region_prefixes(region) if region else ()
        return cls(years=tuple(parse_years(year)) if year else (), regions=regions, agency=agency,
                   template=template, status=status, level=level, on_time=on_time, checks=checks, copied=copied)

    def conditions(self) -> list[ColumnElement[bool]]:
        conds: list[ColumnElement[bool]] = []
        if self.years:
            conds.append(years_condition(Report.year, self.years))
        if self.regions:
            conds.append(regions_condition(Report.region_code, self.regions))
        if self.agency:
            conds.append(Report.agency.contains(self.agency, autoescape=True))
        if self.template:
            conds.append(Report.template == self.template)
        if self.status:
            conds.append(Report.status == self.status)
        if self.level:
            conds.append(Report.level == self.level)
        if self.on_time is True:
            conds.append(Report.published_at <= Report.deadline)
        elif self.on_time is False:
            conds.append(Report.published_at > Report.deadline)
        if self.checks:
            conds.append(_VERDICT_COLUMNS[self.checks] > 0)
        if self.copied is not None:
            conds.append(Report.copied_from_previous.is_(self.copied))  # type: ignore[union-attr]
        return conds

    def apply(self, stmt: Select) -> Select:
        conds = self.conditions()
        return stmt.where(*conds) if conds else stmt

