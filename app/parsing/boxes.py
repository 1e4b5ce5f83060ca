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
