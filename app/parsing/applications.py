"""Section 三 (收到和处理政府信息公开申请情况): a row label opens a row, the numbers after it
fill it, seven a row (the applicant columns, the last their 总计). Read cell by cell by
`ApplicationRows` (app/parsing/application_rows.py); then a row that does not add up is left
out (`_leave_out`), run-together rows are split where the table's identities leave one split
(`_choose_splits`), and each group's total is the sum of its rows (`_emit`).

    （三）不予公开 | 1.属于国家秘密 | 0 | 0 | 0 | 0 | 0 | 0 | 0      → the group's label, then a row
    2.其他法律行政法规禁止公开 | 1000001                         → a row run together: 1|0|0|0|0|0|1
    72 | 0 | 1 | 0 | 0 | 0 | 73 / 3.危及“三安全一稳定”            → numbers above their label (the
                                                                   table gives every row so)
Numbers under no label are an unknown_row finding; a label between two full rows of
numbers, which is its own unknown, an ambiguous_row one.
"""

from __future__ import annotations

from app.parsing.application_rows import ApplicationRows
from app.parsing.boxes import holds, read_boxes, read_label_runs
from app.parsing.findings import Code
from app.parsing.grid import Grid, Taken, numbers
from app.parsing.reading import Reading
from app.parsing.infer import NeighbourYears
from app.parsing.repair import infer_split, settle
from app.parsing.sections import applications_end, applications_start
from app.parsing.templates import Template, adds_up
from app.parsing.values import Value


def read_applications(grid: Grid, template: Template, years: NeighbourYears | None = None) -> Reading:
    """Section 三's figures and findings. `years`: the same body's figures of the years around,
    which choose among the splits of a run-together carry-over row that the arithmetic leaves
    open (carried_over(t) = carried_forward(t−1), carried_forward(t) = carried_over(t+1))."""
    out = Reading(grid)
    start = applications_start(grid)
    if start is None:
        out.finding(Code.MISSING_SECTION, "No section 三 table (收到和处理政府信息公开申请情况) was found.",
                    ("applications",))
        return out
    # the first row's numbers on a line of their own above its label: the table gives each
    # row's numbers above its label, so a label takes the row before it, never the one after
    numbers_first = grid.row_before(start, len(template.columns))
    if numbers_first is not None:
        start = numbers_first
    stop = applications_end(grid, start)
    rows = ApplicationRows(grid, out, template, numbers_first is not None)
    boxes = read_boxes(grid, out, start, stop, template)
    runs = read_label_runs(grid, out, start, stop, template)
    for found in (boxes, runs):
        rows.values.update(found.rows)
        rows.label_cells.update(found.labels)
    rows.read(start, stop, boxes.used | runs.used)
    _leave_out(out, rows)
    _choose_splits(out, template, rows, years)
    _place_lost(out, template, rows)
    _emit(out, template, rows)
    return out


# ---------------------------------------------------------------- the rows read

def _leave_out(out: Reading, rows: ApplicationRows) -> None:
    """Leave out the rows that cannot be told apart from their neighbours' numbers, and the
    rows that do not add up."""
    values, candidates = rows.values, rows.candidates
    for key, cell in rows.ambiguous.items():
        if values.pop(key, None) is not None or key in candidates or key in rows.lost:
            candidates.pop(key, None)
            rows.lost.pop(key, None)
            out.finding(Code.AMBIGUOUS_ROW, f"Row {key} stands between two rows of numbers, one above it and one "
                                            "after it; which is its own cannot be told, left out.",
                        rows.keys(key), cell)
    for key in list(values):
        nums = numbers(values[key])
        if values[key][-1].value is not None and not adds_up(nums):
            if _printed(rows, key):
                # separate cells on the label's own line: what the report prints (a clerk's 0
                # in 总计), kept, and the contradiction said
                out.finding(Code.IDENTITY_MISMATCH,
                            f"applications.{key}: the applicant columns {nums[:-1]} add up to {sum(nums[:-1])}, "
                            f"总计 says {nums[-1]}; the row is kept as printed.", rows.keys(key), values[key][0].cell)
                continue
            # a row that does not add up was misread or misprinted: which cell is wrong
            # cannot be told, so none of them is given as a figure
            out.finding(Code.ROW_SUM_MISMATCH,
                        f"applications.{key}: the applicant columns {nums[:-1]} add up to {sum(nums[:-1])}, "
                        f"总计 says {nums[-1]}; the row is left out.", rows.keys(key), values[key][0].cell)
            del values[key]


def _printed(rows: ApplicationRows, key: str) -> bool:
    """Whether the row was read from cells of its own, each printed as a number, on its
    label's line and nothing else after them: no split, no layout guess (label blocks,
    numbers above the label) produced it."""
    label = rows.label_cells.get(key)
    row = rows.values[key]
    if label is None or any(t.value is None or t.repaired or t.cell.glued or t.cell.line != label.line for t in row):
        return False
    cells = rows.grid.cells
    last = row[-1].cell
    i = next((j for j in range(len(cells)) if cells[j] is last), None)
    return i is not None and (i + 1 == len(cells) or cells[i + 1].line != last.line)


def _choose_splits(out: Reading, template: Template, rows: ApplicationRows, years: NeighbourYears | None = None) -> None:
    """Run-together rows: keep the splits under which the table's identities (一+二 =
    (七)+四, (七) = (一)+…+(六)) still hold, given the rows already read; a row left with
    one split is repaired, and may settle the next. The rest keep what their splits agree
    on (rows.partial)."""
    values, candidates = rows.values, rows.candidates
    for key, (taken, sols, complete) in list(candidates.items()):
        if len(sols) == 1 and complete:
            values.setdefault(key, settle(out, taken, sols, True, rows.keys(key)))  # type: ignore[arg-type]
            del candidates[key]
    changed = True
    while changed and candidates:
        changed = False
        base = _known(values)
        if not _holds(template, base):
            break  # the table's own figures disagree: arithmetic cannot choose
        for key, (taken, sols, complete) in list(candidates.items()):
            if len(sols) < 2 or not complete:
                continue
            kept = [sol for sol in sols if _holds(template, {**base, key: sol})]
            if kept and len(kept) < len(sols):
                candidates[key] = (taken, kept, complete)
                changed = True
            if len(candidates[key][1]) == 1:
                fixed = settle(out, taken, candidates[key][1], True, rows.keys(key))
                values.setdefault(key, fixed)  # type: ignore[arg-type]
                del candidates[key]
                changed = True
                base = _known(values)
    for key, (taken, sols, complete) in candidates.items():
        carried = _carried(template, key, years) if complete and len(sols) > 1 else None
        if carried is not None and sum(sol == carried[0] for sol in sols) == 1:
            values.setdefault(key, infer_split(out, taken, sols, carried[0], carried[1], rows.keys(key)))  # type: ignore[arg-type]
            continue
        rows.partial.setdefault(key, settle(out, taken, sols, complete, rows.keys(key)))


# a carry-over row and the row of the neighbouring year it is: (which neighbour, its row)
_CARRIED = {"carried_over": ("previous", "carried_forward"), "carried_forward": ("next", "carried_over")}


def _carried(template: Template, key: str, years: NeighbourYears | None) -> tuple[list[int], str] | None:
    """The row the same body's neighbouring year gives for the carry-over row `key`, and the
    evidence it is, when that year has every cell of it."""
    if not years or key not in _CARRIED:
        return None
    side, other = _CARRIED[key]
    figures = getattr(years, side) or {}
    cells = [figures.get(f"applications.{other}.{c.key}") for c in template.columns]
    if any(v is None or not float(v).is_integer() for v in cells):
        return None
    row = [int(v) for v in cells]  # type: ignore[arg-type]
    year = "t−1" if side == "previous" else "t+1"
    return row, f"the same body's year {year} gives {other} {'|'.join(map(str, row))}, which no other split is"


def lost_cell_rows(nums: list[int]) -> list[list[int]]:
    """The rows a row of separate cells that lost one can be (`nums`: its numbers in order,
    one fewer than the columns), each once: the lost cell at each applicant place holding
    what the row's sum leaves for it (0, a blank; no such place when the sum is exceeded),
    or the lost cell its 总计, the row's sum.

        lost_cell_rows([0, 0, 0, 0, 0, 0])  -> [[0, 0, 0, 0, 0, 0, 0]]
        lost_cell_rows([2, 0, 0, 0, 0, 2])  -> [[0, 2, 0, …, 2], [2, 0, 0, 0, 0, 0, 2], [2, 0, 0, 0, 0, 2, 4]]
    """
    *applicants, last = nums
    found: list[list[int]] = []
    gap = last - sum(applicants)
    places = range(len(applicants) + 1) if gap >= 0 else range(0)
    for row in [applicants[:p] + [gap] + applicants[p:] + [last] for p in places] + [nums + [sum(nums)]]:
        if row not in found:
            found.append(row)
    return found


def _place_lost(out: Reading, template: Template, rows: ApplicationRows) -> None:
    """Rows of separate cells one short (rows.lost): the lost cell tried at every place
    (lost_cell_rows); when the readings that keep the row's sum and the table's identities,
    given the rows read, are one row, it is taken, each figure `derived`, a lost_cell finding
    saying how (an all-zero row is zeros even where the identities fail without it). Otherwise
    the row is left out (incomplete_row). A row placed may settle the next."""
    values, lost = rows.values, rows.lost
    readings = {k: lost_cell_rows([int(t.value.value) for t in taken]) for k, taken in lost.items()  # type: ignore[union-attr]
                if k not in values}
    base = _known(values)
    changed = True
    while changed:
        changed = False
        for key, found in list(readings.items()):
            kept = [r for r in found if _holds(template, {**base, key: r})]
            if not kept and found == [[0] * rows.width]:
                kept = found  # six 0s print 0s: an identity that fails is the report's (check.py names it)
            if len(kept) != 1:
                continue
            values[key] = _placed_row(lost[key], kept[0])
            rows.placed.add(key)
            how = ("every place gives the same figures" if len(found) == 1 else
                   f"of its {len(found)} readings only this one keeps the table's identities")
            out.finding(Code.LOST_CELL,
                        f"Row {key} has {len(lost[key])} of {rows.width} values, a cell lost: read with the lost "
                        f"cell at every place (an applicant cell holding what the row's sum leaves for it, 0 "
                        f"for a blank; or a blank 总计, the row's sum), "
                        f"{how}: {', '.join(map(str, kept[0]))}; taken, flagged derived.",
                        rows.keys(key), lost[key][0].cell)
            del readings[key]
            changed = True
            base[key] = numbers(values[key])
    for key in readings:
        rows.lost_row_left_out(key, f"where its lost cell stood cannot be told ({len(readings[key])} readings fit)")


def _placed_row(taken: list[Taken], row: list[int]) -> list[Taken]:
    """The row's cells for a reading of it: each number printed with its own cell, the lost
    one at the place of the cell after it (or before it, for the 总计)."""
    nums = [t.value.value for t in taken]  # type: ignore[union-attr]
    p = next(p for p in range(len(row)) if row[:p] + row[p + 1:] == nums)
    near = taken[min(p, len(taken) - 1)].cell
    return [*taken[:p], Taken(Value(row[p], None, None, False, False, str(row[p]), False), near), *taken[p:]]


def _known(values: dict[str, list[Taken]]) -> dict[str, list[int | float]]:
    return {k: numbers(v) for k, v in values.items()}


_holds = holds


def _emit(out: Reading, template: Template, rows: ApplicationRows) -> None:
    """The figures: every complete row (a blank 总计 the sum of its columns), what the
    partly certain rows agree on, each group whose rows are all read (a column of it whose
    rows all have their figure); and a finding for the rows not found."""
    columns = template.columns
    last = len(columns) - 1
    for key, row_vals in rows.values.items():
        total_blank = row_vals[-1].value is None
        placed = ("derived",) if key in rows.placed else ()
        for i, (col, t) in enumerate(zip(columns, row_vals)):
            if placed:
                out.figure(f"applications.{key}.{col.key}", t, col.unit, "applications", flags=placed)
            elif i == last and total_blank:
                s = sum(x.value.value for x in row_vals[:-1] if x.value is not None)
                out.figure(f"applications.{key}.{col.key}", None, col.unit, "applications", value=s,
                           flags=("derived",), cell=t.cell)
            else:
                out.figure(f"applications.{key}.{col.key}", t, col.unit, "applications")
    for key, partial in rows.partial.items():
        for col, t in zip(columns, partial):
            if t is not None:
                out.figure(f"applications.{key}.{col.key}", t, col.unit, "applications")
    for g in template.groups:
        subs = [r.key for r in g.rows]
        missing = [k for k in subs if k not in rows.values]
        printed = rows.group_totals.get(g.key)
        if missing and printed is not None:
            out.figure(f"applications.{g.key}.{columns[last].key}", printed, columns[last].unit, "applications")
        if missing:
            if len(missing) < len(subs):
                out.finding(Code.INCOMPLETE_GROUP,
                            f"Group {g.key}: rows {', '.join(missing)} were not found; no group total.",
                            tuple(f"applications.{k}.{columns[last].key}" for k in missing))
            continue
        cell = rows.group_cells.get(g.key) or rows.label_cells[subs[0]]
        figures = out.figures
        for i, col in enumerate(columns):
            try:
                total = sum(figures[f"applications.{k}.{col.key}"].value for k in subs)
            except KeyError:
                continue  # a row's figure left out (implausible_value): the column has no total
            if i == last and printed is not None:
                # the group's own row printed its 总计: what the report prints, checked by its rows
                out.figure(f"applications.{g.key}.{col.key}", printed, col.unit, "applications")
                if printed.value is not None and printed.value.value != total:
                    out.finding(Code.IDENTITY_MISMATCH,
                                f"applications.{g.key}: its rows' 总计 add up to {total}, the group's own row "
                                f"says {printed.value.value}; kept as printed.",
                                (f"applications.{g.key}.{col.key}",
                                 *(f"applications.{k}.{col.key}" for k in subs)), printed.cell)
                continue
            out.figure(f"applications.{g.key}.{col.key}", None, col.unit, "applications", value=total,
                       flags=("derived",), cell=cell)
    missing_rows = [r.key for r in template.rows if r.key not in rows.values]
    if missing_rows and rows.values:
        out.finding(Code.MISSING_ROWS, f"Section 三 rows not found: {', '.join(missing_rows)}.",
                    tuple(f"applications.{k}" for k in missing_rows))
