"""Cross-report queries over the report and figure tables: filters every list shares,
keyset pagination in any of a list's sort orders, figures across reports, statistics by
region or year, and year-over-year comparison. Pure SQLAlchemy statements and the Python
that shapes their rows; no HTTP.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import orjson
from sqlalchemy import (
    BigInteger, ColumnElement, Select, and_, case, false, func, literal, literal_column, not_, or_, true, union_all,
)
from sqlmodel import Session, select

from app import indicators as ind
from app.models import FigureRollup, FigureRow, IndicatorRollup, Report, RollupCell, RollupPending
from app.services import catalogue, divisions, rollup as rollups
from app.services.present import emit_value, split_list

# ----------------------------------------------------------------------------- exact figures

# the flags of figures that `exact=true` leaves out: a split chosen by evidence (the parser's
# `inferred`), a number read by OCR (`ocr`)
INEXACT_FLAGS = ("inferred", "ocr")


def exact_figures() -> ColumnElement[bool]:
    """The figure rows that carry none of INEXACT_FLAGS (flags are stored comma-joined)."""
    padded = literal(",") + FigureRow.flags + literal(",")
    return and_(*(not_(padded.contains(f",{flag},", autoescape=True)) for flag in INEXACT_FLAGS))

# ----------------------------------------------------------------------------- filters


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
        regions: tuple[str, ...] = ()
        if region:
            try:
                regions = tuple(dict.fromkeys(divisions.region_prefix(r.strip()) for r in region.split(",")))
            except ValueError as exc:
                raise QueryError("region", str(exc)) from None
        return cls(years=tuple(parse_years(year)) if year else (), regions=regions, agency=agency,
                   template=template, status=status, level=level, on_time=on_time, checks=checks, copied=copied)

    def conditions(self) -> list[ColumnElement[bool]]:
        conds: list[ColumnElement[bool]] = []
        if self.years:
            conds.append(or_(*(Report.year == a if a == b else Report.year.between(a, b) for a, b in self.years)))
        if self.regions:
            alts = []
            for p in self.regions:
                if len(p) == 6:
                    alts.append(Report.region_code == p)
                else:  # a range, not LIKE: the region index serves it on SQLite and PostgreSQL alike
                    upper = divisions.prefix_upper(p)
                    alts.append(and_(Report.region_code >= p, *([Report.region_code < upper] if upper else [])))
            conds.append(or_(*alts))
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


# ----------------------------------------------------------------------------- keyset pagination


@dataclass(frozen=True)
class SortKey:
    """One column of a sort order: its label in the select, its expression, direction,
    whether it may be NULL (NULLs sort last either way), and its type in a cursor."""

    name: str
    expr: Any
    desc: bool = False
    nullable: bool = False
    kind: type = int

    def cursor_value(self, value: Any) -> Any:
        """A value read from a cursor, as the query takes it; ValueError unless it is one
        this column can hold: an int (not a bool) within the column's integer range, a
        finite number, an ISO date, a string no longer than the column (no NUL). A cursor
        is the client's to keep and so to alter: what reaches the database is checked here,
        before any answer starts, and never fails there (an int past 2^63 did on SQLite)."""
        if value is None:
            if not self.nullable:
                raise ValueError("null")
            return None
        if self.kind is int:
            low, high = _int_range(self.expr)
            if type(value) is not int or not low <= value <= high:
                raise ValueError("int")
            return value
        if self.kind is float:
            if type(value) not in (int, float) or not math.isfinite(value) or abs(value) > _FLOAT_MAX:
                raise ValueError("float")
            return float(value)
        if self.kind is date:
            if type(value) is not str or not _ISO_DATE.fullmatch(value):
                raise ValueError("date")
            return date.fromisoformat(value)
        if self.kind is str:
            if type(value) is not str or len(value) > _str_length(self.expr) or "\x00" in value:
                raise ValueError("str")
            return value
        raise ValueError(self.kind)


_INT32 = (-(2**31), 2**31 - 1)
_INT64 = (-(2**63), 2**63 - 1)
_FLOAT_MAX = 1e300  # a float column's values in a cursor; beyond any figure (app/parsing: MAX_FIGURE)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_STR_DEFAULT = 200  # a string key with no column behind it (a list sorted in Python)


def _int_range(expr: Any) -> tuple[int, int]:
    """The range of an integer column (BigInteger: 64 bits; Integer: 32, what PostgreSQL
    holds); 64 bits (what SQLite binds) without a column."""
    kind = getattr(expr, "type", None)
    if isinstance(kind, BigInteger) or kind is None:
        return _INT64
    return _INT32


def _str_length(expr: Any) -> int:
    return getattr(getattr(expr, "type", None), "length", None) or _STR_DEFAULT


@dataclass(frozen=True)
class Sort:
    name: str  # as the client writes it: year, -year, …
    keys: tuple[SortKey, ...]  # the last ones make each row's position unique

    def order_by(self) -> list:
        out = []
        for k in self.keys:
            e = k.expr.desc() if k.desc else k.expr.asc()
            out.append(e.nulls_last() if k.nullable else e)
        return out

    def after(self, values: Sequence[Any]) -> ColumnElement[bool]:
        """Rows strictly after the row with these sort values, in this order."""
        pairs: list[tuple[Any, Any]] = []  # (equal, after) per sort position
        for k, v in zip(self.keys, values, strict=True):
            beyond = (lambda e, x: e < x) if k.desc else (lambda e, x: e > x)
            if k.nullable:
                if v is None:  # among the NULLs, which sort last: only later tie-breakers count
                    pairs.append((k.expr.is_(None), false()))
                    continue
                pairs.append((k.expr.is_not(None), k.expr.is_(None)))
            pairs.append((k.expr == v, beyond(k.expr, v)))
        terms, equal_so_far = [], []
        for eq, gt in pairs:
            terms.append(and_(*equal_so_far, gt))
            equal_so_far.append(eq)
        return or_(*terms)

    def values_of(self, row: Any) -> list[Any]:
        """The sort values of a result row, a dict, or an ORM object (by attribute)."""
        mapping = row if isinstance(row, dict) else getattr(row, "_mapping", None)
        if mapping is None:
            return [getattr(row, k.name) for k in self.keys]
        return [mapping[k.name] for k in self.keys]

    def encode(self, row: Any) -> str:
        values = [v.isoformat() if isinstance(v, date) else v for v in self.values_of(row)]
        raw = orjson.dumps({"s": self.name, "v": values})
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    def decode(self, cursor: str) -> list[Any]:
        """The sort values a cursor of this order holds, each checked (SortKey.cursor_value);
        QueryError("cursor") for anything this service did not issue for this order."""
        try:
            data = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
            if type(data) is not dict or data.get("s") != self.name:
                raise ValueError("sort")
            values = data.get("v")
            if type(values) is not list or len(values) != len(self.keys):
                raise ValueError("values")
            return [k.cursor_value(v) for k, v in zip(self.keys, values)]
        except (ValueError, KeyError, TypeError, binascii.Error, orjson.JSONDecodeError):
            raise QueryError("cursor", "not a cursor this service issued for this sort order") from None


def sorts(*specs: tuple[str, list[SortKey]]) -> dict[str, Sort]:
    """name → Sort, with the descending twin `-name` of each (its own tie-breakers kept)."""
    out: dict[str, Sort] = {}
    for name, keys in specs:
        out[name] = Sort(name, tuple(keys))
        first, *rest = keys
        flipped = SortKey(first.name, first.expr, not first.desc, first.nullable, first.kind)
        out[f"-{name}"] = Sort(f"-{name}", (flipped, *rest))
    return out


@dataclass
class Page:
    rows: list[Any]
    next_cursor: str | None
    total: int | None = None


def page(session: Session, stmt: Select, sort: Sort, *, cursor: str | None, limit: int,
         count: bool = False) -> Page:
    """One page of `stmt` in `sort` order after `cursor`: limit + 1 rows read to know
    whether another page follows. `count`: also the exact number of matching rows."""
    total = None
    if count:
        total = session.exec(select(func.count()).select_from(stmt.order_by(None).subquery())).one()
    if cursor:
        stmt = stmt.where(sort.after(sort.decode(cursor)))
    rows = list(session.exec(stmt.order_by(*sort.order_by()).limit(limit + 1)))
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = sort.encode(rows[-1])
    return Page(rows, next_cursor, total)


def batches(open_session, stmt: Select, sort: Sort, *, cursor: str | None, limit: int | None,
            batch: int = 1000) -> Iterator[list[Any]]:
    """Every row of `stmt` after `cursor` (at most `limit`), in batches of keyset pages,
    each read in its own short session: a slow client holds no connection between them."""
    after = sort.decode(cursor) if cursor else None
    left = limit
    while left is None or left > 0:
        size = batch if left is None else min(batch, left)
        q = stmt if after is None else stmt.where(sort.after(after))
        with open_session() as session:
            rows = list(session.exec(q.order_by(*sort.order_by()).limit(size)))
        if not rows:
            return
        yield rows
        if len(rows) < size:
            return
        after = sort.values_of(rows[-1])
        if left is not None:
            left -= len(rows)


# ----------------------------------------------------------------------------- reports

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
            "unit": indicator.unit, "numerator": _plain(row.numerator), "denominator": _plain(row.denominator),
        }
    return item


# ----------------------------------------------------------------------------- statistics

GROUPINGS = ("province", "city", "county", "year", "template", "level")


@dataclass
class _Acc:
    count: int = 0
    total: float = 0.0
    low: float | None = None
    high: float | None = None
    parts: list[float] = field(default_factory=list)

    def add(self, count: int, total: float, low: float, high: float) -> None:
        self.count += count
        self.parts.append(total)
        self.low = low if self.low is None else min(self.low, low)
        self.high = high if self.high is None else max(self.high, high)


def _group_value(dim: str, named: dict[str, Any]) -> tuple[Any, str | None, str | None]:
    """(group value, its name, its division level) of one report along one dimension, from
    its grouped columns (a region dimension: the code it rolled up to, report.<dim>_code)."""
    if dim in divisions.LEVELS:
        return divisions.named(named.get(f"{dim}_code"))
    return named.get(dim), None, None


def _group_json(by: list[str], group: tuple) -> dict[str, Any]:
    """{"city": "150700", "city_name": "呼伦贝尔市", "city_level": "city", "year": 2020}: a region
    dimension with its name and the level of the division it rolled up to."""
    out: dict[str, Any] = {}
    for dim, (value, name, level) in zip(by, group):
        out[dim] = value
        if dim in divisions.LEVELS:
            out[f"{dim}_name"], out[f"{dim}_level"] = name, level
    return out


def _number(key: str, value: float | None, digits: int = 6) -> int | float | None:
    if value is None:
        return None
    return emit_value(key, round(value, digits))


def rollup_grain(filters: ReportFilter, by: list[str]) -> int | None:
    """The grain of the rollup (app/services/rollup.py) that answers /stats with these
    filters and groups, or None when only the live query can: a filter on the agency, the
    status or timeliness, or on a county's region, or grouping by county."""
    if (filters.agency or filters.status or filters.on_time is not None or filters.checks
            or filters.copied is not None or "county" in by):
        return None
    if any(len(p) > rollups.CITY_DIGITS for p in filters.regions):
        return None
    return rollups.CITY


def _cell_conditions(filters: ReportFilter, grain: int, cell: Any = RollupCell) -> list[ColumnElement[bool]]:
    """ReportFilter.conditions on the rollup's cells (those `rollup_grain` allows): the same
    comparisons, on the cell's columns. The cell's region is the first four digits of
    region_code, on which a prefix of up to four digits selects the same reports. `cell`:
    RollupCell, or IndicatorRollup (the same columns, copied from its cell)."""
    conds: list[ColumnElement[bool]] = [cell.grain == grain]
    if filters.years:
        conds.append(or_(*(cell.year == a if a == b else cell.year.between(a, b) for a, b in filters.years)))
    if filters.regions:
        alts = []
        for p in filters.regions:
            upper = divisions.prefix_upper(p)
            alts.append(and_(cell.region >= p, *([cell.region < upper] if upper else [])))
        conds.append(or_(*alts))
    if filters.template:
        conds.append(cell.template == filters.template)
    if filters.level:
        conds.append(cell.level == filters.level)
    return conds


def _grouper(names: list[str], by: list[str]):
    """The group of a row: the values of `names`, in order → the values of `by` (memoised: many
    rows share their attributes)."""
    memo: dict[tuple, tuple] = {}

    def group_of(attrs: tuple) -> tuple:
        g = memo.get(attrs)
        if g is None:
            named = dict(zip(names, attrs))
            g = memo[attrs] = tuple(_group_value(d, named) for d in by)
        return g

    return group_of


def _reports_in_scope(conn, rep_stmt, width: int, group_of) -> dict[tuple, dict[str, int]]:
    """group → template → reports, from rows of (`width` attributes, template first; a count)."""
    in_scope: dict[tuple, dict[str, int]] = {}
    for row in conn.execute(rep_stmt).all():
        attrs = tuple(row[:width])
        per = in_scope.setdefault(group_of(attrs), {})
        per[attrs[0]] = per.get(attrs[0], 0) + row[width]
    return in_scope


def stats(session: Session, keys: list[str], filters: ReportFilter, by: list[str],
          rollup: bool | None = None, exact: bool = False) -> list[dict[str, Any]]:
    """Per key and group: count, sum, min, max, mean of the figure, and coverage.

    A key aggregates only reports whose template defines it (the catalogue says which):
    reports in scope = reports matching the filters with such a template; coverage =
    reports in scope that have the figure / reports in scope. Two grouped queries (figures
    by key and report attributes, reports by attributes); groups above the report
    attributes (city, province of a region) are the report's own columns, rolled up through the
    division table when it was stored (report.province_code, city_code, county_code).

    Both queries read the rollup kept at ingest (per cell of reports and key: count, sum,
    min, max; app/services/rollup.py), plus the few reports not folded into it yet from the
    figure and report tables, wherever the filters allow (`rollup_grain`); else the tables. `rollup`: None chooses so; True insists on the rollup (a
    ValueError where it cannot answer), False reads the tables (the tests compare both).
    `exact`: figures with INEXACT_FLAGS are not counted (count, sum, min, max, coverage): read
    from the tables, which the rollup does not keep apart by flag."""
    cat = catalogue.catalogue()
    grain = rollup_grain(filters, by) if rollup is not False and not exact else None
    if rollup and grain is None:
        raise ValueError("the rollup cannot answer these filters or groups")
    source: Any = Report if grain is None else RollupCell  # both have these columns
    dims = [source.template]
    for d in by:
        if d in divisions.LEVELS:  # the division the report's region rolls up to, kept on the report
            dims.append(getattr(source, f"{d}_code"))
    if "year" in by:
        dims.append(source.year)
    if "level" in by:
        dims.append(source.level)
    names = [d.key for d in dims]

    if grain is None:
        fig_stmt = filters.apply(
            select(FigureRow.key, *dims, func.count(FigureRow.id), func.sum(FigureRow.value),
                   func.min(FigureRow.value), func.max(FigureRow.value))
            .join(Report, Report.id == FigureRow.report_id)
            .where(FigureRow.key.in_(keys), *([exact_figures()] if exact else []))
        ).group_by(FigureRow.key, *dims)
        rep_stmt = filters.apply(select(*dims, func.count(Report.id))).group_by(*dims)
    else:  # the same rows, summed over a few cells instead of every report, and the reports
        # not folded into them yet (a few) from the tables: one statement each, one snapshot
        conds = _cell_conditions(filters, grain)
        live_dims = [getattr(Report, d.key) for d in dims]
        fig_stmt = union_all(
            select(FigureRollup.key, *dims, func.sum(FigureRollup.figures), func.sum(FigureRollup.total),
                   func.min(FigureRollup.low), func.max(FigureRollup.high))
            .join(RollupCell, RollupCell.id == FigureRollup.cell_id)
            .where(FigureRollup.grain == grain, FigureRollup.key.in_(keys), *conds)
            .group_by(FigureRollup.key, *dims),
            filters.apply(  # (key, report_id) IN …: the figure index seeks each pending report's figure
                select(FigureRow.key, *live_dims, func.count(FigureRow.id), func.sum(FigureRow.value),
                       func.min(FigureRow.value), func.max(FigureRow.value))
                .join(Report, Report.id == FigureRow.report_id)
                .where(FigureRow.key.in_(keys), FigureRow.report_id.in_(select(RollupPending.report_id)))
            ).group_by(FigureRow.key, *live_dims))
        rep_stmt = union_all(
            select(*dims, func.sum(RollupCell.reports)).where(*conds).group_by(*dims),
            filters.apply(select(*live_dims, func.count(Report.id))
                          .where(Report.id.in_(select(RollupPending.report_id)))).group_by(*live_dims))

    group_of = _grouper(names, by)
    # Core rows off the session's connection: thousands of grouped rows at scale, and the
    # ORM's row processing cost more than the query itself
    conn = session.connection()
    width = len(names)
    in_scope = _reports_in_scope(conn, rep_stmt, width, group_of)

    acc: dict[str, dict[tuple, _Acc]] = {}  # key → group → figures
    for row in conn.execute(fig_stmt).all():
        key, attrs = row[0], tuple(row[1:1 + width])
        if attrs[0] not in cat[key].templates:
            continue  # never mix a key across templates that do not define it
        groups_of_key = acc.setdefault(key, {})
        g = group_of(attrs)
        a = groups_of_key.get(g)
        if a is None:
            a = groups_of_key[g] = _Acc()
        a.add(*row[1 + width:])

    order: dict[tuple, tuple] = {}

    def sort_key(g: tuple) -> tuple:
        k = order.get(g)
        if k is None:
            k = order[g] = tuple((v is None, str(v)) for v, _, _ in g)
        return k

    scoped: dict[tuple[str, ...], set[tuple]] = {}  # templates → groups with reports of them
    out = []
    for key in keys:
        info = cat[key]
        if info.templates not in scoped:
            scoped[info.templates] = {g for g, per in in_scope.items() if any(per.get(t) for t in info.templates)}
        groups_of_key = acc.get(key, {})
        for g in sorted(scoped[info.templates] | groups_of_key.keys(), key=sort_key):
            scope = sum(in_scope.get(g, {}).get(t, 0) for t in info.templates)
            a = groups_of_key.get(g) or _Acc()
            total = math.fsum(a.parts) if a.count else None
            out.append({
                "key": key,
                "unit": info.unit,
                "templates": list(info.templates),
                "group": _group_json(by, g),
                "count": a.count,
                "sum": _number(key, total),
                "min": _number(key, a.low),
                "max": _number(key, a.high),
                "mean": round(total / a.count, 6) if a.count and total is not None else None,
                "reports_in_scope": scope,
                "coverage": round(a.count / scope, 6) if scope else None,
            })
    return out


def _stat_dims(source: Any, by: list[str]) -> list:
    """The columns /stats groups on (template first), on the report table or the rollup's cells."""
    dims = [source.template]
    for d in by:
        if d in divisions.LEVELS:
            dims.append(getattr(source, f"{d}_code"))
    if "year" in by:
        dims.append(source.year)
    if "level" in by:
        dims.append(source.level)
    return dims


def _indicator_live(indicator: ind.Indicator, scope: ColumnElement[bool], dims: list, among=None) -> Select:
    """Per group of `dims` (report columns), over the reports of `scope` (among `among`, a
    select of report ids, when given) that have both sides of the indicator: (indicator,
    *dims, reports, Σ numerator, Σ denominator)."""
    sides = rollups.indicator_sides(indicator, scope, among).subquery()
    return (select(literal_column(f"'{indicator.id}'").label("indicator"), *dims, func.count(sides.c.report_id),
                   func.sum(sides.c.numerator), func.sum(sides.c.denominator))
            .select_from(sides).join(Report, Report.id == sides.c.report_id).group_by(*dims))


def indicator_stats(session: Session, ids: list[str], filters: ReportFilter, by: list[str],
                    rollup: bool | None = None) -> list[dict[str, Any]]:
    """Per indicator and group: the sum of the numerators and of the denominators over the
    reports of the group that have every key of both sides (`count` of them), and their
    ratio: a ratio of sums, never a mean of the reports' ratios. Both sums come from the
    same reports: the rollup keeps them per cell over exactly those reports
    (indicator_rollup), never as the ratio of two keys' separate sums, which would count a
    report with one side only on that side. Read like `stats`: the rollup (one range of
    rows per indicator, the cell's attributes on the row) and the pending reports, or the
    tables."""
    chosen = [ind.BY_ID[i] for i in ids]
    grain = rollup_grain(filters, by) if rollup is not False else None
    if rollup and grain is None:
        raise ValueError("the rollup cannot answer these filters or groups")
    dims = _stat_dims(Report, by)
    names = [d.key for d in dims]
    base = and_(*filters.conditions()) if filters.conditions() else true()
    if grain is None:
        parts = [_indicator_live(i, base, dims) for i in chosen]
        rep_stmt = filters.apply(select(*dims, func.count(Report.id))).group_by(*dims)
    else:
        cell_dims = _stat_dims(RollupCell, by)
        ir_dims = _stat_dims(IndicatorRollup, by)
        conds = _cell_conditions(filters, grain)
        ir_conds = _cell_conditions(filters, grain, IndicatorRollup)
        pending = select(RollupPending.report_id)
        parts = [select(IndicatorRollup.indicator, *ir_dims, func.sum(IndicatorRollup.reports),
                        func.sum(IndicatorRollup.numerator), func.sum(IndicatorRollup.denominator))
                 .where(IndicatorRollup.indicator.in_([i.id for i in chosen]), *ir_conds)
                 .group_by(IndicatorRollup.indicator, *ir_dims),
                 *(_indicator_live(i, base, dims, pending) for i in chosen)]
        rep_stmt = union_all(
            select(*cell_dims, func.sum(RollupCell.reports)).where(*conds).group_by(*cell_dims),
            filters.apply(select(*dims, func.count(Report.id)).where(Report.id.in_(pending))).group_by(*dims))

    group_of = _grouper(names, by)
    # Core rows off the session's connection: thousands of grouped rows at scale, and the
    # ORM's row processing cost more than the query itself
    conn = session.connection()
    width = len(names)
    in_scope = _reports_in_scope(conn, rep_stmt, width, group_of)
    sums: dict[str, dict[tuple, list]] = {}  # indicator → group → [reports, numerator parts, denominator parts]
    for row in conn.execute(union_all(*parts) if len(parts) > 1 else parts[0]).all():
        acc = sums.setdefault(row[0], {}).setdefault(group_of(tuple(row[1:1 + width])), [0, [], []])
        acc[0] += row[1 + width]
        acc[1].append(row[2 + width] or 0.0)
        acc[2].append(row[3 + width] or 0.0)

    def sort_key(g: tuple) -> tuple:
        return tuple((v is None, str(v)) for v, _, _ in g)

    out = []
    for indicator in chosen:
        mine = sums.get(indicator.id, {})
        groups = {g for g, per in in_scope.items() if any(per.get(t) for t in indicator.templates)} | mine.keys()
        for g in sorted(groups, key=sort_key):
            scope = sum(in_scope.get(g, {}).get(t, 0) for t in indicator.templates)
            count, nparts, dparts = mine.get(g, [0, [], []])
            num = math.fsum(nparts) if count else None
            den = math.fsum(dparts) if count else None
            out.append({
                "indicator": indicator.id,
                "unit": indicator.unit,
                "group": _group_json(by, g),
                "count": count,
                "numerator": _plain(num),
                "denominator": _plain(den),
                "value": round(num / den, 6) + 0.0 if num is not None and den else None,
                "reports_in_scope": scope,
                "coverage": round(count / scope, 6) if scope else None,
            })
    return out


def _plain(x: float | None) -> int | float | None:
    if x is None:
        return None
    x = round(x, 6)
    return int(x) if x.is_integer() else x


# ----------------------------------------------------------------------------- year over year


def previous_report(session: Session, report: Report) -> Report | None:
    """The same body's report for the year before: same agency, same region (both unknown
    counts as the same), year − 1; the newest such report (highest id) if there are
    several, a failed parse only when nothing better exists."""
    if report.year is None or not report.agency:
        return None
    region = Report.region_code.is_(None) if report.region_code is None else Report.region_code == report.region_code
    stmt = (select(Report)
            .where(Report.agency == report.agency, Report.year == report.year - 1, region, Report.id != report.id)
            .order_by((Report.status == "failed").asc(), Report.id.desc())
            .limit(1))
    return session.exec(stmt).first()


def compare(session: Session, report: Report, other: Report, prefix: str | None = None) -> list[dict[str, Any]]:
    """Per key (this report's keys in their order, then the other's own): both values and
    the change (this − other), with the change in percent of the other's value."""
    def values(r: Report) -> dict[str, tuple[float, str]]:
        stmt = select(FigureRow.key, FigureRow.value, FigureRow.unit).where(FigureRow.report_id == r.id)
        if prefix:
            stmt = stmt.where(FigureRow.key.startswith(prefix, autoescape=True))
        return {k: (v, u) for k, v, u in session.exec(stmt.order_by(FigureRow.id))}

    mine, theirs = values(report), values(other)
    out = []
    for key in [*mine, *(k for k in theirs if k not in mine)]:
        a, b = mine.get(key), theirs.get(key)
        change = a[0] - b[0] if a and b else None
        out.append({
            "key": key,
            "unit": (a or b)[1],  # type: ignore[index]
            "value": emit_value(key, a[0]) if a else None,
            "other_value": emit_value(key, b[0]) if b else None,
            "change": _number(key, change),
            "change_pct": round(change / b[0] * 100, 2) + 0.0 if change is not None and b and b[0] else None,
        })
    return out
