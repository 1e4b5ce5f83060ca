"""What /stats's two queries share, for keys (app.services.stats.stats) as for indicators
(indicator_stats): whether the rollup can answer (`rollup_grain`), the filters on its cells,
the columns grouped on — one per dimension asked, so that a row comes back per group — the
reports in scope counted per template set in the same grouped query, and the groups named
and ordered. No HTTP."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Integer, case, func, literal_column, or_

from app import divisions
from app.models import RollupCell
from app.services import rollup as rollups
from app.services.filters import ReportFilter, prefix_condition, years_condition


def group_value(dim: str, named: dict[str, Any]) -> tuple[Any, str | None, str | None]:
    """(group value, its name, its division level) of one report along one dimension, from
    its grouped columns (a region dimension: the code it rolled up to, report.<dim>_code)."""
    if dim in divisions.LEVELS:
        return divisions.named(named.get(f"{dim}_code"))
    return named.get(dim), None, None


def group_json(by: list[str], group: tuple) -> dict[str, Any]:
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


def grain_of(filters: ReportFilter, by: list[str], rollup: bool | None, exact: bool = False) -> int | None:
    """The rollup's grain to read, or None for the tables: `rollup` None chooses (never the rollup
    for `exact`, which it does not keep apart), True insists (a ValueError where the rollup
    cannot answer), False reads the tables."""
    grain = rollup_grain(filters, by) if rollup is not False and not exact else None
    if rollup and grain is None:
        raise ValueError("the rollup cannot answer these filters or groups")
    return grain


def cell_conditions(filters: ReportFilter, grain: int, cell: Any = RollupCell) -> list[ColumnElement[bool]]:
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


def grouper(names: list[str], by: list[str]):
    """The group of a row: the values of `names` (one column per dimension of `by`), in order →
    the group (memoised: the rows of the pending reports repeat the rollup's groups)."""
    memo: dict[tuple, tuple] = {}

    def group_of(attrs: tuple) -> tuple:
        g = memo.get(attrs)
        if g is None:
            named = dict(zip(names, attrs))
            g = memo[attrs] = tuple(group_value(d, named) for d in by)
        return g

    return group_of


def template_sets(sets) -> list[tuple[str, ...]]:
    """The distinct template sets of the keys or indicators asked, in order."""
    return list(dict.fromkeys(sets))


def scope_columns(template: Any, reports: Any, sets: list[tuple[str, ...]]) -> list:
    """Per template set: Σ `reports` (a cell's count, or 1 a report) of the rows whose template is
    in the set — the reports in scope of a key or indicator defined on those templates."""
    return [func.sum(case((template.in_(s), reports), else_=literal_column("0", Integer))) for s in sets]


def reports_in_scope(conn, rep_stmt, width: int, group_of) -> dict[tuple, list[int]]:
    """group → reports in scope per template set, from rows of (`width` attributes, one count per
    set); a group with none in any set is left out (as if it had no row)."""
    in_scope: dict[tuple, list[int]] = {}
    for row in conn.execute(rep_stmt).all():
        counts = [c or 0 for c in row[width:]]
        if not any(counts):
            continue
        g = group_of(tuple(row[:width]))
        have = in_scope.get(g)
        if have is None:
            in_scope[g] = counts
        else:  # a group of the rollup again among the pending reports
            in_scope[g] = [a + b for a, b in zip(have, counts)]
    return in_scope


ONE = literal_column("1", Integer)  # a report counts once (the report table's rows)


def in_scope_of(in_scope: dict[tuple, list[int]], sets: list[tuple[str, ...]]):
    """templates → (the groups with reports of them, group → how many)."""
    index = {s: i for i, s in enumerate(sets)}
    memo: dict[int, tuple[set[tuple], dict[tuple, int]]] = {}

    def of(templates: tuple[str, ...]) -> tuple[set[tuple], dict[tuple, int]]:
        i = index[templates]
        if i not in memo:
            counts = {g: c[i] for g, c in in_scope.items() if c[i]}
            memo[i] = (set(counts), counts)
        return memo[i]

    return of


def group_order():
    """The order of groups: by each value as text, None last (memoised: a group is sorted often)."""
    order: dict[tuple, tuple] = {}

    def sort_key(g: tuple) -> tuple:
        k = order.get(g)
        if k is None:
            k = order[g] = tuple((v is None, str(v)) for v, _, _ in g)
        return k

    return sort_key


def stat_dims(source: Any, by: list[str]) -> list:
    """The columns /stats groups on, one per dimension of `by` in its order, on the report table
    or the rollup's cells (a region dimension: the division the report's region rolls up to,
    kept on the report)."""
    return [getattr(source, f"{d}_code") if d in divisions.LEVELS else getattr(source, d) for d in by]
