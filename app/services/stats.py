"""Statistics across reports (/stats): per key, or per indicator, and group of reports, read
from the rollup kept at ingest where the filters allow (`rollup_grain`), else from the tables.
No HTTP."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, literal_column, or_, true, union_all
from sqlmodel import Session, select

from app import catalogue, divisions, indicators as ind
from app.models import FigureRollup, FigureRow, IndicatorRollup, Report, RollupCell, RollupPending
from app.services import rollup as rollups
from app.services.filters import ReportFilter, exact_figures, prefix_condition, years_condition
from app.services.present import plain, rounded



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


def _grain(filters: ReportFilter, by: list[str], rollup: bool | None, exact: bool = False) -> int | None:
    """The rollup's grain to read, or None for the tables: `rollup` None chooses (never the rollup
    for `exact`, which it does not keep apart), True insists (a ValueError where the rollup
    cannot answer), False reads the tables."""
    grain = rollup_grain(filters, by) if rollup is not False and not exact else None
    if rollup and grain is None:
        raise ValueError("the rollup cannot answer these filters or groups")
    return grain


def _cell_conditions(filters: ReportFilter, grain: int, cell: Any = RollupCell) -> list[ColumnElement[bool]]:
    """ReportFilter.conditions on the rollup's cells (those `rollup_grain` allows): the same
    comparisons, on the cell's columns. The cell's region is the first four digits of
    region_code, on which a prefix of up to four digits selects the same reports. `cell`:
    RollupCell, or IndicatorRollup (the same columns, copied from its cell)."""
    conds: list[ColumnElement[bool]] = [cell.grain == grain]
    if filters.years:
        conds.append(years_condition(cell.year, filters.years))
    if filters.regions:
        conds.append(or_(*(prefix_condition(cell.region, p) for p in filters.regions)))
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
    figure and report tables, wherever the filters allow (`rollup_grain`); else the tables.
    `rollup`: None chooses so; True insists on the rollup (a ValueError where it cannot
    answer), False reads the tables (the tests compare both). `exact`: figures with
    INEXACT_FLAGS are not counted (count, sum, min, max, coverage): read from the tables,
    which the rollup does not keep apart by flag."""
    cat = catalogue.catalogue()
    grain = _grain(filters, by, rollup, exact)
    source: Any = Report if grain is None else RollupCell  # both have these columns
    dims = _stat_dims(source, by)
    if grain is None:
        fig_stmt, rep_stmt = _key_statements_live(keys, filters, dims, exact)
    else:
        fig_stmt, rep_stmt = _key_statements_rollup(keys, filters, dims, grain)
    names = [d.key for d in dims]
    group_of = _grouper(names, by)
    # Core rows off the session's connection: thousands of grouped rows at scale, and the
    # ORM's row processing cost more than the query itself
    conn = session.connection()
    in_scope = _reports_in_scope(conn, rep_stmt, len(names), group_of)
    acc = _key_accumulators(conn, fig_stmt, len(names), group_of, cat)
    return _key_stat_rows(keys, cat, by, in_scope, acc)


def _key_statements_live(keys: list[str], filters: ReportFilter, dims: list, exact: bool) -> tuple[Select, Select]:
    """/stats on the tables: (figures by key and `dims`: key, *dims, count, sum, min, max;
    reports by `dims`: *dims, count)."""
    fig_stmt = filters.apply(
        select(FigureRow.key, *dims, func.count(FigureRow.id), func.sum(FigureRow.value),
               func.min(FigureRow.value), func.max(FigureRow.value))
        .join(Report, Report.id == FigureRow.report_id)
        .where(FigureRow.key.in_(keys), *([exact_figures()] if exact else []))
    ).group_by(FigureRow.key, *dims)
    rep_stmt = filters.apply(select(*dims, func.count(Report.id))).group_by(*dims)
    return fig_stmt, rep_stmt


def _key_statements_rollup(keys: list[str], filters: ReportFilter, dims: list, grain: int) -> tuple[Select, Select]:
    """The rows of `_key_statements_live`, summed over a few cells of the rollup instead of
    every report, and the reports not folded into them yet (a few) from the tables: one
    statement each, one snapshot."""
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
    return fig_stmt, rep_stmt


def _key_accumulators(conn, fig_stmt, width: int, group_of, cat) -> dict[str, dict[tuple, _Acc]]:
    """key → group → its figures, from rows of (key, `width` attributes, template first;
    count, sum, min, max); a row of a template that does not define the key is left out."""
    acc: dict[str, dict[tuple, _Acc]] = {}
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
    return acc


def _key_stat_rows(keys: list[str], cat, by: list[str], in_scope: dict[tuple, dict[str, int]],
                   acc: dict[str, dict[tuple, _Acc]]) -> list[dict[str, Any]]:
    """The /stats rows: per key (in the order asked), every group with reports in scope of the
    key's templates or figures of it, in group order."""
    sort_key = _group_order()
    scoped: dict[tuple[str, ...], set[tuple]] = {}  # templates → groups with reports of them
    out = []
    for key in keys:
        info = cat[key]
        if info.templates not in scoped:
            scoped[info.templates] = _groups_in_scope(in_scope, info.templates)
        groups_of_key = acc.get(key, {})
        for g in sorted(scoped[info.templates] | groups_of_key.keys(), key=sort_key):
            scope = _scope(in_scope, g, info.templates)
            a = groups_of_key.get(g) or _Acc()
            total = math.fsum(a.parts) if a.count else None
            out.append({
                "key": key,
                "unit": info.unit,
                "templates": list(info.templates),
                "group": _group_json(by, g),
                "count": a.count,
                "sum": rounded(key, total),
                "min": rounded(key, a.low),
                "max": rounded(key, a.high),
                "mean": round(total / a.count, 6) if a.count and total is not None else None,
                "reports_in_scope": scope,
                "coverage": round(a.count / scope, 6) if scope else None,
            })
    return out


def _group_order():
    """The order of groups: by each value as text, None last (memoised: a group is sorted often)."""
    order: dict[tuple, tuple] = {}

    def sort_key(g: tuple) -> tuple:
        k = order.get(g)
        if k is None:
            k = order[g] = tuple((v is None, str(v)) for v, _, _ in g)
        return k

    return sort_key


def _groups_in_scope(in_scope: dict[tuple, dict[str, int]], templates: tuple[str, ...]) -> set[tuple]:
    """The groups with at least one report of one of `templates`."""
    return {g for g, per in in_scope.items() if any(per.get(t) for t in templates)}


def _scope(in_scope: dict[tuple, dict[str, int]], group: tuple, templates: tuple[str, ...]) -> int:
    """The reports of `group` with one of `templates`."""
    return sum(in_scope.get(group, {}).get(t, 0) for t in templates)


def _stat_dims(source: Any, by: list[str]) -> list:
    """The columns /stats groups on (template first), on the report table or the rollup's cells."""
    dims = [source.template]
    for d in by:
        if d in divisions.LEVELS:  # the division the report's region rolls up to, kept on the report
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
    grain = _grain(filters, by, rollup)
    dims = _stat_dims(Report, by)
    names = [d.key for d in dims]
    if grain is None:
        parts, rep_stmt = _indicator_statements_live(chosen, filters, dims)
    else:
        parts, rep_stmt = _indicator_statements_rollup(chosen, filters, by, dims, grain)
    group_of = _grouper(names, by)
    # Core rows off the session's connection: thousands of grouped rows at scale, and the
    # ORM's row processing cost more than the query itself
    conn = session.connection()
    in_scope = _reports_in_scope(conn, rep_stmt, len(names), group_of)
    sums = _indicator_sums(conn, union_all(*parts) if len(parts) > 1 else parts[0], len(names), group_of)
    return _indicator_stat_rows(chosen, by, in_scope, sums)


def _indicator_statements_live(chosen: list[ind.Indicator], filters: ReportFilter,
                               dims: list) -> tuple[list[Select], Select]:
    """indicator_stats on the tables: (one statement per indicator, the reports by `dims`)."""
    conds = filters.conditions()
    base = and_(*conds) if conds else true()
    parts = [_indicator_live(i, base, dims) for i in chosen]
    rep_stmt = filters.apply(select(*dims, func.count(Report.id))).group_by(*dims)
    return parts, rep_stmt


def _indicator_statements_rollup(chosen: list[ind.Indicator], filters: ReportFilter, by: list[str],
                                 dims: list, grain: int) -> tuple[list[Select], Select]:
    """indicator_stats on the rollup's cells, and the pending reports from the tables."""
    conds = filters.conditions()
    base = and_(*conds) if conds else true()
    cell_dims = _stat_dims(RollupCell, by)
    ir_dims = _stat_dims(IndicatorRollup, by)
    cell_conds = _cell_conditions(filters, grain)
    ir_conds = _cell_conditions(filters, grain, IndicatorRollup)
    pending = select(RollupPending.report_id)
    parts = [select(IndicatorRollup.indicator, *ir_dims, func.sum(IndicatorRollup.reports),
                    func.sum(IndicatorRollup.numerator), func.sum(IndicatorRollup.denominator))
             .where(IndicatorRollup.indicator.in_([i.id for i in chosen]), *ir_conds)
             .group_by(IndicatorRollup.indicator, *ir_dims),
             *(_indicator_live(i, base, dims, pending) for i in chosen)]
    rep_stmt = union_all(
        select(*cell_dims, func.sum(RollupCell.reports)).where(*cell_conds).group_by(*cell_dims),
        filters.apply(select(*dims, func.count(Report.id)).where(Report.id.in_(pending))).group_by(*dims))
    return parts, rep_stmt


def _indicator_sums(conn, stmt, width: int, group_of) -> dict[str, dict[tuple, list]]:
    """indicator → group → [reports, numerator parts, denominator parts], from rows of
    (indicator, `width` attributes, reports, Σ numerator, Σ denominator)."""
    sums: dict[str, dict[tuple, list]] = {}
    for row in conn.execute(stmt).all():
        acc = sums.setdefault(row[0], {}).setdefault(group_of(tuple(row[1:1 + width])), [0, [], []])
        acc[0] += row[1 + width]
        acc[1].append(row[2 + width] or 0.0)
        acc[2].append(row[3 + width] or 0.0)
    return sums


def _indicator_stat_rows(chosen: list[ind.Indicator], by: list[str], in_scope: dict[tuple, dict[str, int]],
                         sums: dict[str, dict[tuple, list]]) -> list[dict[str, Any]]:
    """The /stats rows of indicators: per indicator (in the order asked), every group with
    reports in scope of its templates or sums of it, in group order."""
    sort_key = _group_order()
    out = []
    for indicator in chosen:
        mine = sums.get(indicator.id, {})
        groups = _groups_in_scope(in_scope, indicator.templates) | mine.keys()
        for g in sorted(groups, key=sort_key):
            scope = _scope(in_scope, g, indicator.templates)
            count, nparts, dparts = mine.get(g, [0, [], []])
            num = math.fsum(nparts) if count else None
            den = math.fsum(dparts) if count else None
            out.append({
                "indicator": indicator.id,
                "unit": indicator.unit,
                "group": _group_json(by, g),
                "count": count,
                "numerator": plain(num),
                "denominator": plain(den),
                "value": round(num / den, 6) + 0.0 if num is not None and den else None,
                "reports_in_scope": scope,
                "coverage": round(count / scope, 6) if scope else None,
            })
    return out
