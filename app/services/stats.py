"""Statistics across reports (/stats): per key, or per indicator, and group of reports, read
from the rollup kept at ingest where the filters allow (`rollup_grain`), else from the tables.
No HTTP."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, literal_column, or_, true, union_all
from sqlmodel import Session, select

from app import catalogue, indicators as ind
from app.models import FigureRollup, FigureRow, IndicatorRollup, Report, RollupCell, RollupPending
from app.services import rollup as rollups
from app.services.filters import ReportFilter, exact_figures
from app.services.present import plain, rounded
from app.services.stats_groups import (
    ONE, cell_conditions, grain_of, group_json, group_order, grouper, in_scope_of, reports_in_scope, rollup_grain,
    scope_columns, stat_dims, template_sets,
)

__all__ = ["stats", "indicator_stats", "rollup_grain"]  # rollup_grain: callers ask it here


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


def _templates_of_keys(key: Any, template: Any, keys: list[str], cat, sqlite: bool) -> ColumnElement[bool]:
    """Only rows of a template that defines their key: never mix a key across templates that do
    not define it."""
    per: dict[tuple[str, ...], list[str]] = {}
    for k in keys:
        per.setdefault(cat[k].templates, []).append(k)
    # on SQLite, on an expression of the template, not the column: on the column its planner
    # drives from the cells' (grain, template) index and probes every cell's figures (9 ms
    # instead of 2 for one key by city over 20,000 reports); PostgreSQL plans the column better.
    # A report without a template is in no set either way
    of = func.coalesce(template, "") if sqlite else template
    if len(per) == 1:
        return of.in_(next(iter(per)))
    return or_(*(and_(key.in_(ks), of.in_(ts)) for ts, ks in per.items()))


def stats(session: Session, keys: list[str], filters: ReportFilter, by: list[str],
          rollup: bool | None = None, exact: bool = False) -> list[dict[str, Any]]:
    """Per key and group: count, sum, min, max, mean of the figure, and coverage.

    A key aggregates only reports whose template defines it (the catalogue says which):
    reports in scope = reports matching the filters with such a template; coverage =
    reports in scope that have the figure / reports in scope. Two queries grouped by the
    groups asked (figures by key and group, of the templates that define the key; reports
    by group, one count per template set of the keys asked), so that a row comes back per
    group, not per template and group; groups above the report attributes (city, province
    of a region) are the report's own columns, rolled up through the division table when it
    was stored (report.province_code, city_code, county_code).

    Both queries read the rollup kept at ingest (per cell of reports and key: count, sum,
    min, max; app/services/rollup.py), plus the few reports not folded into it yet from the
    figure and report tables, wherever the filters allow (`rollup_grain`); else the tables.
    `rollup`: None chooses so; True insists on the rollup (a ValueError where it cannot
    answer), False reads the tables (the tests compare both). `exact`: figures with
    INEXACT_FLAGS are not counted (count, sum, min, max, coverage): read from the tables,
    which the rollup does not keep apart by flag."""
    cat = catalogue.catalogue()
    grain = grain_of(filters, by, rollup, exact)
    source: Any = Report if grain is None else RollupCell  # both have these columns
    dims = stat_dims(source, by)
    sets = template_sets(cat[k].templates for k in keys)
    sqlite = session.get_bind().dialect.name == "sqlite"
    if grain is None:
        fig_stmt, rep_stmt = _key_statements_live(keys, cat, sets, filters, dims, exact, sqlite)
    else:
        fig_stmt, rep_stmt = _key_statements_rollup(keys, cat, sets, filters, dims, grain, sqlite)
    group_of = grouper([d.key for d in dims], by)
    # Core rows off the session's connection: the ORM's row processing cost more than the query
    conn = session.connection()
    in_scope = reports_in_scope(conn, rep_stmt, len(dims), group_of)
    acc = _key_accumulators(conn, fig_stmt, len(dims), group_of)
    return _key_stat_rows(keys, cat, sets, by, in_scope, acc)


def _key_statements_live(keys: list[str], cat, sets: list[tuple[str, ...]], filters: ReportFilter, dims: list,
                         exact: bool, sqlite: bool) -> tuple[Select, Select]:
    """/stats on the tables: (figures by key and `dims`: key, *dims, count, sum, min, max;
    reports by `dims`: *dims, one count per template set)."""
    fig_stmt = filters.apply(
        select(FigureRow.key, *dims, func.count(FigureRow.id), func.sum(FigureRow.value),
               func.min(FigureRow.value), func.max(FigureRow.value))
        .join(Report, Report.id == FigureRow.report_id)
        .where(FigureRow.key.in_(keys), _templates_of_keys(FigureRow.key, Report.template, keys, cat, sqlite),
               *([exact_figures()] if exact else []))
    ).group_by(FigureRow.key, *dims)
    rep_stmt = filters.apply(select(*dims, *scope_columns(Report.template, ONE, sets))).group_by(*dims)
    return fig_stmt, rep_stmt


def _key_statements_rollup(keys: list[str], cat, sets: list[tuple[str, ...]], filters: ReportFilter, dims: list,
                           grain: int, sqlite: bool) -> tuple[Select, Select]:
    """The rows of `_key_statements_live`, summed over a few cells of the rollup instead of
    every report, and the reports not folded into them yet (a few) from the tables: one
    statement each, one snapshot."""
    conds = cell_conditions(filters, grain)
    live_dims = [getattr(Report, d.key) for d in dims]
    pending = select(RollupPending.report_id)
    fig_stmt = union_all(
        select(FigureRollup.key, *dims, func.sum(FigureRollup.figures), func.sum(FigureRollup.total),
               func.min(FigureRollup.low), func.max(FigureRollup.high))
        .join(RollupCell, RollupCell.id == FigureRollup.cell_id)
        .where(FigureRollup.grain == grain, FigureRollup.key.in_(keys),
               _templates_of_keys(FigureRollup.key, RollupCell.template, keys, cat, sqlite), *conds)
        .group_by(FigureRollup.key, *dims),
        filters.apply(  # (key, report_id) IN …: the figure index seeks each pending report's figure
            select(FigureRow.key, *live_dims, func.count(FigureRow.id), func.sum(FigureRow.value),
                   func.min(FigureRow.value), func.max(FigureRow.value))
            .join(Report, Report.id == FigureRow.report_id)
            .where(FigureRow.key.in_(keys), _templates_of_keys(FigureRow.key, Report.template, keys, cat, sqlite),
                   FigureRow.report_id.in_(pending))
        ).group_by(FigureRow.key, *live_dims))
    rep_stmt = union_all(
        select(*dims, *scope_columns(RollupCell.template, RollupCell.reports, sets)).where(*conds).group_by(*dims),
        filters.apply(select(*live_dims, *scope_columns(Report.template, ONE, sets))
                      .where(Report.id.in_(pending))).group_by(*live_dims))
    return fig_stmt, rep_stmt


def _key_accumulators(conn, fig_stmt, width: int, group_of) -> dict[str, dict[tuple, _Acc]]:
    """key → group → its figures, from rows of (key, `width` attributes; count, sum, min, max)."""
    acc: dict[str, dict[tuple, _Acc]] = {}
    for row in conn.execute(fig_stmt).all():
        if not row[1 + width]:
            continue  # no figure (an aggregate over no rows)
        groups_of_key = acc.setdefault(row[0], {})
        g = group_of(tuple(row[1:1 + width]))
        a = groups_of_key.get(g)
        if a is None:
            a = groups_of_key[g] = _Acc()
        a.add(*row[1 + width:])
    return acc


def _key_stat_rows(keys: list[str], cat, sets: list[tuple[str, ...]], by: list[str],
                   in_scope: dict[tuple, list[int]], acc: dict[str, dict[tuple, _Acc]]) -> list[dict[str, Any]]:
    """The /stats rows: per key (in the order asked), every group with reports in scope of the
    key's templates or figures of it, in group order."""
    sort_key = group_order()
    scope_of = in_scope_of(in_scope, sets)
    out = []
    for key in keys:
        info = cat[key]
        groups, scopes = scope_of(info.templates)
        groups_of_key = acc.get(key, {})
        for g in sorted(groups | groups_of_key.keys(), key=sort_key):
            scope = scopes.get(g, 0)
            a = groups_of_key.get(g) or _Acc()
            total = math.fsum(a.parts) if a.count else None
            out.append({
                "key": key,
                "unit": info.unit,
                "templates": list(info.templates),
                "group": group_json(by, g),
                "count": a.count,
                "sum": rounded(key, total),
                "min": rounded(key, a.low),
                "max": rounded(key, a.high),
                "mean": round(total / a.count, 6) if a.count and total is not None else None,
                "reports_in_scope": scope,
                "coverage": round(a.count / scope, 6) if scope else None,
            })
    return out


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
    report with one side only on that side. Read like `stats` (grouped in SQL by the groups
    asked): the rollup (one range of rows per indicator, the cell's attributes on the row)
    and the pending reports, or the tables."""
    chosen = [ind.BY_ID[i] for i in ids]
    grain = grain_of(filters, by, rollup)
    dims = stat_dims(Report, by)
    sets = template_sets(i.templates for i in chosen)
    if grain is None:
        parts, rep_stmt = _indicator_statements_live(chosen, sets, filters, dims)
    else:
        parts, rep_stmt = _indicator_statements_rollup(chosen, sets, filters, by, dims, grain)
    group_of = grouper([d.key for d in dims], by)
    # Core rows off the session's connection: the ORM's row processing cost more than the query
    conn = session.connection()
    in_scope = reports_in_scope(conn, rep_stmt, len(dims), group_of)
    sums = _indicator_sums(conn, union_all(*parts) if len(parts) > 1 else parts[0], len(dims), group_of)
    return _indicator_stat_rows(chosen, sets, by, in_scope, sums)


def _indicator_statements_live(chosen: list[ind.Indicator], sets: list[tuple[str, ...]], filters: ReportFilter,
                               dims: list) -> tuple[list[Select], Select]:
    """indicator_stats on the tables: (one statement per indicator, the reports by `dims`)."""
    conds = filters.conditions()
    base = and_(*conds) if conds else true()
    parts = [_indicator_live(i, base, dims) for i in chosen]
    rep_stmt = filters.apply(select(*dims, *scope_columns(Report.template, ONE, sets))).group_by(*dims)
    return parts, rep_stmt


def _indicator_statements_rollup(chosen: list[ind.Indicator], sets: list[tuple[str, ...]], filters: ReportFilter,
                                 by: list[str], dims: list, grain: int) -> tuple[list[Select], Select]:
    """indicator_stats on the rollup's cells, and the pending reports from the tables."""
    conds = filters.conditions()
    base = and_(*conds) if conds else true()
    cell_dims = stat_dims(RollupCell, by)
    ir_dims = stat_dims(IndicatorRollup, by)
    cell_conds = cell_conditions(filters, grain)
    ir_conds = cell_conditions(filters, grain, IndicatorRollup)
    pending = select(RollupPending.report_id)
    parts = [select(IndicatorRollup.indicator, *ir_dims, func.sum(IndicatorRollup.reports),
                    func.sum(IndicatorRollup.numerator), func.sum(IndicatorRollup.denominator))
             .where(IndicatorRollup.indicator.in_([i.id for i in chosen]), *ir_conds)
             .group_by(IndicatorRollup.indicator, *ir_dims),
             *(_indicator_live(i, base, dims, pending) for i in chosen)]
    rep_stmt = union_all(
        select(*cell_dims, *scope_columns(RollupCell.template, RollupCell.reports, sets))
        .where(*cell_conds).group_by(*cell_dims),
        filters.apply(select(*dims, *scope_columns(Report.template, ONE, sets))
                      .where(Report.id.in_(pending))).group_by(*dims))
    return parts, rep_stmt


def _indicator_sums(conn, stmt, width: int, group_of) -> dict[str, dict[tuple, list]]:
    """indicator → group → [reports, numerator parts, denominator parts], from rows of
    (indicator, `width` attributes, reports, Σ numerator, Σ denominator)."""
    sums: dict[str, dict[tuple, list]] = {}
    for row in conn.execute(stmt).all():
        if not row[1 + width]:
            continue  # no report (an aggregate over no rows)
        acc = sums.setdefault(row[0], {}).setdefault(group_of(tuple(row[1:1 + width])), [0, [], []])
        acc[0] += row[1 + width]
        acc[1].append(row[2 + width] or 0.0)
        acc[2].append(row[3 + width] or 0.0)
    return sums


def _indicator_stat_rows(chosen: list[ind.Indicator], sets: list[tuple[str, ...]], by: list[str],
                         in_scope: dict[tuple, list[int]], sums: dict[str, dict[tuple, list]]) -> list[dict[str, Any]]:
    """The /stats rows of indicators: per indicator (in the order asked), every group with
    reports in scope of its templates or sums of it, in group order."""
    sort_key = group_order()
    scope_of = in_scope_of(in_scope, sets)
    out = []
    for indicator in chosen:
        mine = sums.get(indicator.id, {})
        groups, scopes = scope_of(indicator.templates)
        for g in sorted(groups | mine.keys(), key=sort_key):
            scope = scopes.get(g, 0)
            count, nparts, dparts = mine.get(g, [0, [], []])
            num = math.fsum(nparts) if count else None
            den = math.fsum(dparts) if count else None
            out.append({
                "indicator": indicator.id,
                "unit": indicator.unit,
                "group": group_json(by, g),
                "count": count,
                "numerator": plain(num),
                "denominator": plain(den),
                "value": round(num / den, 6) + 0.0 if num is not None and den else None,
                "reports_in_scope": scope,
                "coverage": round(count / scope, 6) if scope else None,
            })
    return out
