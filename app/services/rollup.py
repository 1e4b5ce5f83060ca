"""The /stats rollup: figures pre-aggregated per report *cell* and key, kept at ingest.

A cell is the reports sharing what /stats most often filters and groups on: template,
year, level, and the region cut to its first four digits (the city; a 2- or 4-digit region
filter selects the same reports on it as on region_code) with the province and city the
region rolls up to, as stored on the report. One row per city and year, not one per
report: `/stats?key=…&by=city` over every report sums a few thousand rows, not tens of
thousands of figures. Queries this grain cannot answer (a filter on the agency, status,
timeliness or a county's region; grouping by county) read the figure table as before
(app.services.stats.rollup_grain says which).

rollup_cell holds each cell's attributes, its number of reports (the reports in scope),
and a unique text `cell` naming it; figure_rollup per (grain, key, cell) the count, sum,
min and max of the figure's values. Both are written in the transaction that writes the
reports:

- new reports (`add_reports`, from app.services.ingest.store / store_many) are listed in
  rollup_pending; when FOLD_AT are pending, that write folds them in (`fold`): their cells'
  report counts go up and their figures' count, sum, min and max are added to the cells'
  rows (upserts: count + n, sum + s, least/greatest) — a cost of the new reports alone,
  however many reports the cells hold. Folding many at once matters: the rows of a key lie
  together (what makes reads fast), so adding one report dirties a page per key (~230),
  which on SQLite doubled the commit of a small HTTP batch; a fold of 128 reports shares
  those pages. /stats adds the pending reports' figures from the figure table (a few
  index seeks each) in the same statement as the rollup's rows;
- a report re-parsed or deleted (`cells_of` before the change, `refresh` after): the
  cells it was in before and is in after are emptied and computed again from the figure
  table (INSERT … SELECT … GROUP BY), which keeps min and max exact;
- a figure corrected in place (`refresh_keys`): in the report's cells, the rows of that key
  and of the indicators over it alone, the same way.

On PostgreSQL each writer takes a transaction advisory lock per cell it writes (in sorted
order: no deadlocks) before writing them, so that a refresh never loses the reports of a
concurrent writer and two refreshes of one cell do not interleave; SQLite has one writer at
a time anyway.

Every cell key and attribute is computed by SQL from the report row (`_cell_columns`), by
the migration that fills the tables (`rebuild`) as by every later write, so they agree.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from sqlalchemy import (
    Connection, ColumnElement, Integer, Select, String, and_, case, cast, delete, func, literal_column, or_, select,
    text, true,
)
from sqlalchemy.dialects import postgresql as pg_dialect, sqlite as sqlite_dialect
from sqlmodel import Session

from app import indicators as ind
from app.models import FigureRollup, FigureRow, IndicatorRollup, Report, RollupCell, RollupPending

CITY = 1  # the grain kept: the one there is today (rollup_cell.grain leaves room for others)
GRAINS = (CITY,)
CITY_DIGITS = 4  # the leading digits of region_code a cell keeps

# the attributes of a cell, in the order of its key (rollup_cell columns of these names)
ATTRS = ("template", "year", "level", "region", "province_code", "city_code")
LOCK_CLASS = 0x726F6C6C  # "roll": pg_advisory_xact_lock(LOCK_CLASS, hash of the cell)
FOLD_LOCK_CLASS = LOCK_CLASS + 1  # pg_advisory_xact_lock(FOLD_LOCK_CLASS, 0): one fold at a time


def _sql(value: str, type_=String):
    """A constant written into the SQL text, not a bound parameter: PostgreSQL matches a
    select expression to its GROUP BY only when both are the same text."""
    return literal_column(value, type_)


def _cell_columns(grain: int = CITY) -> dict:
    """name → SQL expression over the report table: the cell's key, grain and attributes."""
    region = func.substr(Report.region_code, _sql("1", Integer), _sql(str(CITY_DIGITS), Integer))
    attrs = {"template": Report.template, "year": Report.year, "level": Report.level, "region": region,
             "province_code": Report.province_code, "city_code": Report.city_code}
    key = _sql(f"'{grain}'")
    for name in ATTRS:  # "=value" or "~" for NULL, joined by "|": e.g. 1|=2021|=2020|=county|=1507|…
        expr = attrs[name]
        as_text = expr if isinstance(expr.type, String) else cast(expr, String)
        key = key + _sql("'|'") + func.coalesce(_sql("'='") + as_text, _sql("'~'"))
    return {"cell": key, "grain": _sql(str(grain), Integer), **attrs}


def _grouped(cols: dict) -> list:
    """The columns to GROUP BY: the key and the attributes (not the grain, a constant)."""
    return [cols["cell"], *(cols[n] for n in ATTRS)]


def _conn(db: Session | Connection) -> Connection:
    return db.connection() if isinstance(db, Session) else db


def _insert(conn: Connection):
    return (pg_dialect if conn.dialect.name == "postgresql" else sqlite_dialect).insert


def _lock(conn: Connection, keys: Iterable[str]) -> None:
    """PostgreSQL: this transaction's advisory lock on each cell, in one sorted order."""
    if conn.dialect.name != "postgresql":
        return
    hashes = sorted({int.from_bytes(hashlib.blake2b(k.encode(), digest_size=4).digest(), "big", signed=True)
                     for k in keys})
    for h in hashes:
        conn.execute(text("SELECT pg_advisory_xact_lock(:c, :h)"), {"c": LOCK_CLASS, "h": h})


def _add_cells(conn: Connection, grain: int, scope) -> None:
    """Count the reports of `scope` (a condition on the report table) into their cells of `grain`."""
    cols = _cell_columns(grain)
    cell_t = RollupCell.__table__  # type: ignore[attr-defined]
    cells = select(*(e.label(n) for n, e in cols.items()), func.count(Report.id).label("reports")) \
        .where(scope).group_by(*_grouped(cols))
    stmt = _insert(conn)(cell_t).from_select([*cols, "reports"], cells)
    conn.execute(stmt.on_conflict_do_update(index_elements=[cell_t.c.cell],
                                            set_={"reports": cell_t.c.reports + stmt.excluded.reports}))


FIGURE_COLUMNS = ("grain", "key", "cell_id", "figures", "total", "low", "high")


def _upsert(conn: Connection, stmt):
    """`stmt` (an INSERT into figure_rollup) adding to the rows there already."""
    fig_t = FigureRollup.__table__  # type: ignore[attr-defined]
    pg = conn.dialect.name == "postgresql"
    low = (func.least if pg else func.min)(fig_t.c.low, stmt.excluded.low)
    high = (func.greatest if pg else func.max)(fig_t.c.high, stmt.excluded.high)
    return stmt.on_conflict_do_update(index_elements=[fig_t.c.grain, fig_t.c.key, fig_t.c.cell_id], set_={
        "figures": fig_t.c.figures + stmt.excluded.figures, "total": fig_t.c.total + stmt.excluded.total,
        "low": low, "high": high})


def _accumulate(conn: Connection, grain: int, scope, indicators: bool = True) -> None:
    """Add the reports of `scope` to their cells of `grain`, their figures read from the
    figure table (INSERT … SELECT … GROUP BY): the cells' report counts, then each key's
    count, sum, min and max."""
    _add_cells(conn, grain, scope)
    _accumulate_figures(conn, grain, scope)
    if indicators:
        accumulate_indicators(conn, grain, scope)


def _accumulate_figures(conn: Connection, grain: int, scope, keys: list[str] | None = None) -> None:
    """Add the figures of the reports of `scope` (in their cells already) to their cells'
    rows: each key's count, sum, min and max (`keys`: these keys alone)."""
    cols = _cell_columns(grain)
    cell_t, fig_t = RollupCell.__table__, FigureRollup.__table__  # type: ignore[attr-defined]
    figures = (select(cols["grain"], FigureRow.key, cell_t.c.id, func.count(FigureRow.id), func.sum(FigureRow.value),
                      func.min(FigureRow.value), func.max(FigureRow.value))
               .select_from(FigureRow)
               .join(Report, Report.id == FigureRow.report_id)
               .join(cell_t, cell_t.c.cell == cols["cell"])
               .where(scope, *([FigureRow.key.in_(keys)] if keys is not None else []))
               .group_by(cell_t.c.id, FigureRow.key))
    conn.execute(_upsert(conn, _insert(conn)(fig_t).from_select(list(FIGURE_COLUMNS), figures)))


def accumulate_indicators(conn: Connection, grain: int, scope, only: Iterable[ind.Indicator] | None = None) -> None:
    """Add the reports of `scope` (in their cells already) to the indicators' rows of their
    cells: per indicator, how many reports have both sides (`indicator_sides`) and the sums
    of their numerators and denominators, the cell's attributes copied beside them.
    `only`: these indicators alone."""
    cols = _cell_columns(grain)
    cell_t, ind_t = RollupCell.__table__, IndicatorRollup.__table__  # type: ignore[attr-defined]
    for indicator in ind.INDICATORS if only is None else only:
        if not indicator.rollup:
            continue
        sides = indicator_sides(indicator, scope).subquery()
        rows = (select(cols["grain"], _sql(f"'{indicator.id}'"), cell_t.c.id, *(cell_t.c[a] for a in ATTRS),
                       func.count(sides.c.report_id), func.sum(sides.c.numerator), func.sum(sides.c.denominator))
                .select_from(sides)
                .join(Report, Report.id == sides.c.report_id)
                .join(cell_t, cell_t.c.cell == cols["cell"])
                .where(sides.c.report_id.is_not(None))  # SQLite: a WHERE before ON CONFLICT, never ambiguous
                .group_by(cell_t.c.id, *(cell_t.c[a] for a in ATTRS)))
        stmt = _insert(conn)(ind_t).from_select(["grain", "indicator", "cell_id", *ATTRS, "reports", "numerator",
                                                 "denominator"], rows)
        conn.execute(stmt.on_conflict_do_update(
            index_elements=[ind_t.c.grain, ind_t.c.indicator, ind_t.c.cell_id],
            set_={"reports": ind_t.c.reports + stmt.excluded.reports,
                  "numerator": ind_t.c.numerator + stmt.excluded.numerator,
                  "denominator": ind_t.c.denominator + stmt.excluded.denominator}))


def indicator_sides(indicator: ind.Indicator, scope: ColumnElement[bool], among=None) -> Select:
    """Per report of `scope` (a condition on the report table) that has every key of both
    sides of the indicator: report_id, numerator (the sum of its numerator keys) and
    denominator. The rollup keeps these sums per cell (indicator_rollup), so that a
    ratio of two sums over a group counts the same reports on both sides. `among`: a select
    of report ids to read only (the pending reports): the figure index seeks their figures."""
    num, den = indicator.numerator, indicator.denominator
    in_num, in_den = FigureRow.key.in_(num), FigureRow.key.in_(den)
    return (select(FigureRow.report_id.label("report_id"),
                   func.sum(case((in_num, FigureRow.value), else_=0.0)).label("numerator"),
                   func.sum(case((in_den, FigureRow.value), else_=0.0)).label("denominator"))
            .join(Report, Report.id == FigureRow.report_id)
            .where(FigureRow.key.in_(indicator.keys), scope,
                   *([FigureRow.report_id.in_(among)] if among is not None else []))
            .group_by(FigureRow.report_id)
            .having(and_(func.count(func.distinct(case((in_num, FigureRow.key)))) == len(num),
                         func.count(func.distinct(case((in_den, FigureRow.key)))) == len(den))))


FOLD_AT = 128  # pending reports a write folds into the rollup (one fold per this many new reports)


def add_reports(db: Session | Connection, report_ids: list[int]) -> None:
    """New reports, written with their figures in this transaction: pending for the rollup
    (one row each). When FOLD_AT are pending, this write folds them in (`fold`): the rollup's
    rows of a key lie together, so a write touches a page per key, which a fold of many
    reports shares among them; /stats reads the few pending reports' figures meanwhile."""
    if not report_ids:
        return
    conn = _conn(db)
    conn.execute(_insert(conn)(RollupPending.__table__), [{"report_id": i} for i in report_ids])  # type: ignore[attr-defined]
    fold(conn, at_least=FOLD_AT)


def fold(db: Session | Connection, at_least: int = 1, *, indicators: bool = True) -> int:
    """Fold the pending reports into the rollup, if there are at least `at_least`: their
    cells' report counts, then their figures' count, sum, min and max added to their cells'
    rows (upserts: count + n, sum + s, least/greatest). Returns how many were folded."""
    conn = _conn(db)
    pending = RollupPending.__table__  # type: ignore[attr-defined]
    if conn.execute(select(func.count()).select_from(pending)).scalar_one() < at_least:
        return 0
    if conn.dialect.name == "postgresql":  # one fold at a time; then the pending reports as committed now
        conn.execute(text("SELECT pg_advisory_xact_lock(:c, 0)"), {"c": FOLD_LOCK_CLASS})
    ids = list(conn.execute(select(pending.c.report_id)).scalars())
    if not ids:
        return 0
    _lock(conn, cells_of(conn, ids))
    scope = Report.id.in_(ids)
    for grain in GRAINS:
        _accumulate(conn, grain, scope, indicators)
    conn.execute(delete(pending).where(pending.c.report_id.in_(ids)))
    return len(ids)


def cells_of(db: Session | Connection, report_ids: Iterable[int]) -> dict[str, dict]:
    """The cells these reports are in now (every grain): key → attributes. Call it before
    re-parsing or deleting them, and give the answer to `refresh` after."""
    ids = list(report_ids)
    if not ids:
        return {}
    if isinstance(db, Session):
        db.flush()
    conn = _conn(db)
    out: dict[str, dict] = {}
    for grain in GRAINS:
        cols = _cell_columns(grain)
        stmt = select(*(e.label(n) for n, e in cols.items())).where(Report.id.in_(ids)).distinct()
        for row in conn.execute(stmt).mappings():
            out[row["cell"]] = dict(row)
    return out


def _in_cells(grain: int, cells: list[dict]):
    """Reports of these cells of `grain`: the attributes the report index leads with (so
    that it finds them), and the cell key itself."""
    key = _cell_columns(grain)["cell"]
    alts = []
    for cell in cells:
        narrow = [Report.template, Report.province_code, Report.city_code, Report.year, Report.level]
        conds = [c.is_(None) if cell[c.key] is None else c == cell[c.key] for c in narrow]
        alts.append(and_(*conds, key == cell["cell"]))
    return or_(*alts)


def refresh(db: Session | Connection, before: dict[str, dict], report_ids: Iterable[int] = ()) -> None:
    """Compute again the cells of `before` (from `cells_of`, taken before the change) and
    those `report_ids` are in now, from the figure table: after a re-parse or a delete."""
    conn = _conn(db)
    cells = {**before, **cells_of(db, report_ids)}
    if not cells:
        return
    _lock(conn, cells)
    cell_t, fig_t = RollupCell.__table__, FigureRollup.__table__  # type: ignore[attr-defined]
    keys = list(cells)
    ind_t = IndicatorRollup.__table__  # type: ignore[attr-defined]
    conn.execute(delete(ind_t).where(ind_t.c.cell_id.in_(select(cell_t.c.id).where(cell_t.c.cell.in_(keys)))))
    conn.execute(delete(fig_t).where(fig_t.c.cell_id.in_(select(cell_t.c.id).where(cell_t.c.cell.in_(keys)))))
    conn.execute(delete(cell_t).where(cell_t.c.cell.in_(keys)))
    for grain in GRAINS:
        mine = [c for c in cells.values() if c["grain"] == grain]
        if mine:  # the reports of these cells but those pending (in the rollup once folded)
            pending = select(RollupPending.report_id)
            _accumulate(conn, grain, and_(_in_cells(grain, mine), Report.id.not_in(pending)))


def refresh_keys(db: Session | Connection, report_ids: Iterable[int], keys: Iterable[str]) -> None:
    """Compute again, in the cells these reports are in, the rows of these figure keys and
    of the indicators over them, from the figure table: after figures changed value in place
    (a correction, app/services/corrections.py), the reports' attributes — their cells and
    the cells' report counts — unchanged. A few keys' rows instead of every row of the cells
    (`refresh`)."""
    conn = _conn(db)
    keys = sorted(set(keys))
    cells = cells_of(db, report_ids)
    if not cells or not keys:
        return
    _lock(conn, cells)
    cell_t, fig_t, ind_t = RollupCell.__table__, FigureRollup.__table__, IndicatorRollup.__table__  # type: ignore[attr-defined]
    indicators = [i for i in ind.INDICATORS if i.rollup and set(i.keys) & set(keys)]
    for grain in GRAINS:
        mine = [c for c in cells.values() if c["grain"] == grain]
        if not mine:
            continue
        cell_ids = select(cell_t.c.id).where(cell_t.c.cell.in_([c["cell"] for c in mine]))
        conn.execute(delete(fig_t).where(fig_t.c.grain == grain, fig_t.c.key.in_(keys), fig_t.c.cell_id.in_(cell_ids)))
        if indicators:
            conn.execute(delete(ind_t).where(ind_t.c.grain == grain, ind_t.c.cell_id.in_(cell_ids),
                                             ind_t.c.indicator.in_([i.id for i in indicators])))
        # the reports of these cells but those pending (in the rollup once folded)
        scope = and_(_in_cells(grain, mine), Report.id.not_in(select(RollupPending.report_id)))
        _accumulate_figures(conn, grain, scope, keys)
        if indicators:
            accumulate_indicators(conn, grain, scope, only=indicators)


def rebuild(db: Session | Connection, *, pending: bool = True, indicators: bool = True) -> None:
    """Empty the rollup and compute it again from every report, none left pending (migration
    0006 fills it so, before there was a `pending` table)."""
    conn = _conn(db)
    if pending:
        conn.execute(delete(RollupPending.__table__))  # type: ignore[attr-defined]
    if indicators:
        conn.execute(delete(IndicatorRollup.__table__))  # type: ignore[attr-defined]
    conn.execute(delete(FigureRollup.__table__))  # type: ignore[attr-defined]
    conn.execute(delete(RollupCell.__table__))  # type: ignore[attr-defined]
    for grain in GRAINS:
        _accumulate(conn, grain, true(), indicators)
