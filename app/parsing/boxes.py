"""Section 三 as PDF text tools that read a table box by box give it: a run of row labels one
a line (two or more, consecutive rows of the template), then their numbers one a line, 7 a
row. Whether the numbers run column by column (each applicant column's rows in turn) or row
by row cannot be seen; the arithmetic tells: the reading under which every row adds up to
its 总计 is taken, alone. When both or neither do, the block is left out with a finding, and
its cells are used up either way: no label takes the numbers after it.

    1.属于国家秘密 / 2.其他法律行政法规禁止公开 / 0 / 1 / 0 / … (14 numbers)
    -> by column: state_secret = the 1st, 3rd, 5th … number; by row: the first seven
"""

from __future__ import annotations

from typing import NamedTuple

from app.parsing.findings import Code
from app.parsing.grid import Grid, Taken, numbers
from app.parsing.layout import Cell
from app.parsing.reading import Reading
from app.parsing.rows import match_application_label
from app.parsing.templates import Template, adds_up
from app.parsing.values import is_blank

_DASHES = frozenset({"-", "—", "–"})


class Boxes(NamedTuple):
    rows: dict[str, list[Taken]]  # the rows read, by key
    labels: dict[str, Cell]  # their label cells
    used: set[int]  # the cells of every block, read or left out


def read_boxes(grid: Grid, out: Reading, start: int, stop: int, template: Template) -> Boxes:
    """The blocks of section 三 among the cells [start, stop)."""
    order = {r.key: i for i, r in enumerate(template.rows)}
    width = len(template.columns)
    cells, value_at = grid.cells, grid.value_at
    found = Boxes({}, {}, set())
    texts: list[int] = []  # text cells since the last numbers: the labels among them
    idx, n = start, len(cells)
    while idx < stop:
        if value_at(idx) is None:
            texts.append(idx)
            idx += 1
            continue
        grid.check_budget()
        end = idx
        while end < n and value_at(end) is not None and grid.alone(end):
            end += 1
        if end == idx + 1 and 0 < idx < n - 1 and cells[idx - 1].text in _DASHES and cells[idx + 1].text in _DASHES:
            idx = end  # a page number (- 4 -) broken over three lines
            continue
        labels: list[tuple[int, str]] = []
        if end - idx >= 2 * width and (end - idx) % width == 0:
            for j in texts:
                if not is_blank(cells[j].text):
                    m = match_application_label(cells[j].text, template, cells[j].glued)
                    if m is not None and m.kind == "row":
                        labels.append((j, m.key))
        keys = [key for _, key in labels]
        k = len(labels)
        if (k >= 2 and end - idx == k * width and all(key in order for key in keys)
                and [order[key] for key in keys] == list(range(order[keys[0]], order[keys[0]] + k))):
            _read_block(grid, out, labels, idx, end, width, found)
        texts = []
        idx = max(end, idx + 1)
    return found


def _read_block(grid: Grid, out: Reading, labels: list[tuple[int, str]], first: int, end: int, width: int,
                found: Boxes) -> None:
    """The labels' rows from the numbers in cells [first, end), by column or by row."""
    cells = grid.cells
    k = len(labels)
    keys = [key for _, key in labels]
    taken = [Taken(grid.value_at(j), cells[j]) for j in range(first, end)]
    by_col = [[taken[c * k + r] for c in range(width)] for r in range(k)]
    by_row = [taken[r * width:(r + 1) * width] for r in range(k)]
    fits = [rows for rows in (by_col, by_row) if all(adds_up(numbers(row)) for row in rows)]
    same = len(fits) == 2 and all(numbers(a) == numbers(b) for a, b in zip(*fits))
    where = tuple(f"applications.{key}" for key in keys)
    if len(fits) == 1 or same:
        for (label_idx, key), row in zip(labels, fits[0]):
            found.rows.setdefault(key, row)
            found.labels.setdefault(key, cells[label_idx])
    elif fits:
        out.finding(Code.AMBIGUOUS_ROW, f"Rows {keys[0]} … {keys[-1]} have their numbers after all their labels, and "
                                        "they add up read by column and by row alike; left out.",
                    where, cells[labels[0][0]])
    else:
        out.finding(Code.ROW_SUM_MISMATCH, f"Rows {keys[0]} … {keys[-1]} have their numbers after all their labels, "
                                           "and read by column or by row, some row does not add up to its 总计; "
                                           "left out.", where, cells[labels[0][0]])
    # the block's cells are its own either way: no label takes the numbers after it
    found.used.update(label_idx for label_idx, _ in labels)
    found.used.update(range(first, end))


def read_label_runs(grid: Grid, out: Reading, start: int, stop: int, template: Template) -> Boxes:
    """Section 三 with its labels lifted out of the table: a run of row labels one a line
    (k of them, consecutive rows of the template, group labels and one-cell headings between
    them allowed), and
    right before or right after it exactly k lines of one row's numbers each. The lines are matched
    in order, only when every row adds up and the template's identities hold among them;
    else the run is left out (its cells used up, so that no label takes a line of numbers
    across the other labels). `start` may be the first label: lines of numbers right before
    it are looked at too.

        一、本年新收… / 二、上年结转… / … / 四、结转下年度继续办理 / 21 4 0 1 2 0 28 / 2 0 0 0 0 0 2 / …
    """
    width = len(template.columns)
    order = {r.key: i for i, r in enumerate(template.rows)}
    lines = _lines(grid, start, stop, width, template)
    lines = _numbers_before(grid, start, width, template) + lines
    found = Boxes({}, {}, set())
    i = 0
    while i < len(lines):
        if lines[i][0] != "row":
            i += 1
            continue
        k, labels = _label_run(lines, i)
        keys = [key for _, key in labels]
        consecutive = [order[key] for key in keys] == list(range(order[keys[0]], order[keys[0]] + len(keys)))
        n = len(labels)
        block = _numbers_block(lines, i, k, n)
        if n >= 2 and consecutive and block is not None:
            numbers_lines, is_after = block
            _match_run(grid, out, template, labels, numbers_lines, lines[i:k], found)
            i = k + (n if is_after else 0)
            continue
        i = k
    return found


def _numbers_before(grid: Grid, start: int, width: int, template: Template) -> list[tuple[str, object, list[int]]]:
    """The lines of numbers right before the cell `start`, in order."""
    before: list[tuple[str, object, list[int]]] = []
    j = start - 1
    while j >= 0:
        line_cells = _line_at(grid, j)
        kind = _line_kind(grid, line_cells, width, template)
        if kind[0] != "nums":
            break
        before.insert(0, kind + (line_cells,))
        j = line_cells[0] - 1
    return before


def _label_run(lines: list, i: int) -> tuple[int, list[tuple[int, str]]]:
    """The run of label lines from lines[i] (a row label): where it ends, and its row labels
    (cell, key); group labels, and a heading of one cell between two labels (三、本年度办理结果),
    stay in the run."""
    k = i
    labels: list[tuple[int, str]] = []
    while k < len(lines) and (lines[k][0] in ("row", "group") or (
            lines[k][0] == "other" and len(lines[k][2]) == 1 and k + 1 < len(lines) and lines[k + 1][0] == "row")):
        if lines[k][0] == "row":
            labels.append((lines[k][2][0], lines[k][1]))
        k += 1
    return k, labels


def _numbers_block(lines: list, i: int, k: int, n: int) -> tuple[list, bool] | None:
    """The n lines of numbers that go with the label run lines[i:k], and whether they come
    after it; None unless exactly one side has exactly n of them (a longer run of numbers
    lines is not this run's)."""
    after = lines[k:k + n]
    ahead = lines[max(0, i - n):i]
    blocks = [b for b, beyond in ((after, k + n), (ahead, i - n - 1))
              if len(b) == n and all(x[0] == "nums" for x in b)
              and not (0 <= beyond < len(lines) and lines[beyond][0] == "nums")]
    if len(blocks) != 1:
        return None
    return blocks[0], blocks[0] is after


def _match_run(grid: Grid, out: Reading, template: Template, labels: list[tuple[int, str]], numbers_lines: list,
               label_lines: list, found: Boxes) -> None:
    """The labels' rows from their numbers lines matched in order, when every row adds up and
    the template's identities hold among them; else a finding. The cells are used up either way."""
    keys = [key for _, key in labels]
    rows = {key: [Taken(grid.value_at(c), grid.cells[c]) for c in x[2]] for key, x in zip(keys, numbers_lines)}
    used = {c for x in numbers_lines for c in x[2]} | {c for x in label_lines for c in x[2]}
    where = tuple(f"applications.{key}" for key in keys)
    if all(adds_up(numbers(r)) for r in rows.values()) and holds(template, {
            key: numbers(r) for key, r in rows.items()}):
        for (label_idx, key) in labels:
            found.rows.setdefault(key, rows[key])
            found.labels.setdefault(key, grid.cells[label_idx])
    else:
        out.finding(Code.ROW_SUM_MISMATCH, f"Rows {keys[0]} … {keys[-1]} have their labels one a line and "
                                           f"{len(labels)} lines of numbers apart from them; matched in order, some "
                                           "row or identity does not add up: left out.", where,
                    grid.cells[labels[0][0]])
    found.used.update(used)


def holds(template: Template, rows: dict[str, list[int | float]]) -> bool:
    """Whether every identity of the template whose rows are all known holds, column by column."""
    for col in range(len(template.columns)):
        for identity in template.identities:
            sides = identity.sides(lambda r: rows[r][col] if r in rows else None, template.leaves)
            if sides is not None and sides[0] != sides[1]:
                return False
    return True


def _line_at(grid: Grid, idx: int) -> list[int]:
    """The indexes of the cells on the line of the cell at idx."""
    cells = grid.cells
    line = cells[idx].line
    a = idx
    while a > 0 and cells[a - 1].line == line:
        a -= 1
    b = idx
    while b + 1 < len(cells) and cells[b + 1].line == line:
        b += 1
    return list(range(a, b + 1))


def _line_kind(grid: Grid, line_cells: list[int], width: int, template: Template) -> tuple[str, object]:
    """("row", key) / ("group", key): a line that is one label; ("nums", None): a line of
    exactly one row's numbers; ("other", None)."""
    cells = [c for c in line_cells if not is_blank(grid.cells[c].text)]
    if len(cells) == width and len(line_cells) == width and all(grid.value_at(c) is not None for c in cells):
        return ("nums", None)
    if len(line_cells) == 1 and grid.value_at(line_cells[0]) is None:
        cell = grid.cells[line_cells[0]]
        m = match_application_label(cell.text, template, cell.glued)
        if m is not None:
            return (m.kind, m.key)
    return ("other", None)


def _lines(grid: Grid, start: int, stop: int, width: int, template: Template) -> list[tuple[str, object, list[int]]]:
    out: list[tuple[str, object, list[int]]] = []
    idx = start
    while idx < stop:
        line_cells = [c for c in _line_at(grid, idx) if c < stop]
        out.append(_line_kind(grid, line_cells, width, template) + (line_cells,))
        idx = line_cells[-1] + 1
    return out
