"""The document's cells as the table readers see them: each cell's squashed text and its
number (read once: a cell is looked at many times), and the questions the readers ask about
the layout around a cell. Positions are indexes into `cells`, in reading order.

    grid = Grid(norm, cells_of(norm.lines))      # 行政许可 | 3 | 增1 | 20  →  four cells, one line
    grid.value_at(2)                             -> Value(value=1, signed=True, …)
    grid.collect(1, 3)                           -> [Taken(3), Taken(1), Taken(20)]
    grid.starts_line(0), grid.alone(0)           -> True, False
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from app.parsing.budget import Budget
from app.parsing.labels import squash
from app.parsing.layout import Cell
from app.parsing.model import Source
from app.parsing.normalize import Normalized
from app.parsing.tolerances import TOLERANCES
from app.parsing.values import Value, is_blank, parse_value

_UNSET = object()
_BARE_SIGNS = frozenset({"增", "减", "增加", "减少", "+"})


@dataclass(slots=True)
class Taken:
    """A value read from a cell; `value` None means a blank cell inside a filled row."""

    value: Value | None
    cell: Cell
    repaired: bool = False
    inferred: bool = False  # a split chosen among several by evidence (infer.py), not forced


def numbers(row: list[Taken]) -> list[int | float]:
    """The row's values, a blank cell as 0."""
    return [t.value.value if t.value is not None else 0 for t in row]


class Grid:
    """`budget`: the parse's deadline and repair steps (app/parsing/budget.py), which the
    readers check between rows."""

    __slots__ = ("norm", "cells", "squashed", "budget", "_values", "_positions", "_later")

    def __init__(self, norm: Normalized, cells: list[Cell], budget: Budget | None = None) -> None:
        self.norm = norm
        self.cells = cells
        self.squashed = [squash(c.text) for c in cells]
        self.budget = budget
        self._values: list[object] = [_UNSET] * len(cells)
        self._positions: dict[tuple[int, int], int] | None = None
        self._later: dict[int, bool] = {}  # numeric_later_on_line's answers after long walks

    def check_budget(self, stage: str = "read") -> None:
        if self.budget is not None:
            self.budget.check(stage)

    def value_at(self, i: int) -> Value | None:
        """The cell at i read as a plain number (cached)."""
        v = self._values[i]
        if v is _UNSET:
            v = self._values[i] = parse_value(self.cells[i].text)
        return v  # type: ignore[return-value]

    def source(self, cell: Cell) -> Source:
        """Where the cell stands in the document as received."""
        norm, line = self.norm, cell.line
        if norm._shift_cols[line]:
            start, end = norm.original_span(line, cell.start, cell.end)
        else:  # nothing removed on the line: the span as it is (original_span's own shortcut)
            start, end = cell.start, cell.end
        return Source(line + 1, start, end, norm.original_lines[line])

    # ------------------------------------------------------------ the layout around a cell
    def starts_line(self, i: int) -> bool:
        cells = self.cells
        return i == 0 or cells[i - 1].line != cells[i].line

    def alone(self, i: int) -> bool:
        """Whether the cell at i is the only cell of its line."""
        cells = self.cells
        return (i == 0 or cells[i - 1].line != cells[i].line) and (i + 1 == len(cells) or cells[i + 1].line != cells[i].line)

    def numeric_later_on_line(self, i: int) -> bool:
        """Whether a number follows the cell at i on its line. Every cell walked past has the
        same answer: after a long walk it is remembered, so that a line of many blank cells is
        walked once, not once a cell."""
        later = self._later
        if later and i in later:
            return later[i]
        cells = self.cells
        line, j, n = cells[i].line, i + 1, len(cells)
        while j < n and cells[j].line == line:
            if self.value_at(j) is not None:
                answer = True
                break
            if later and j in later:
                answer = later[j]
                break
            j += 1
        else:
            answer = False
        if j - i > TOLERANCES.remembered_walk:
            later.update(dict.fromkeys(range(i, j), answer))
        return answer

    def row_before(self, idx: int, n: int) -> int | None:
        """Where a full row of n numbers stands right before the cell at idx, starting a line
        of its own (a table whose rows give their numbers above their labels); else None."""
        j = idx
        while j > 0 and is_blank(self.cells[j - 1].text):
            j -= 1
        first = j - n
        if first < 0 or any(self.value_at(k) is None for k in range(first, j)):
            return None
        if not self.starts_line(first):
            return None
        if first > 0 and self.value_at(first - 1) is not None:
            return None  # more numbers than a row: not this row's
        return first

    def more_on_line(self, idx: int, last: Cell) -> bool:
        """Whether another number follows `last` (the last value read for the label at idx)
        on its line: a row with more numbers than columns."""
        cells = self.cells
        j = idx + 1
        while j < len(cells) and cells[j] is not last:
            j += 1
        j += 1
        while j < len(cells) and cells[j].line == last.line:
            if self.value_at(j) is not None:
                return True
            if not is_blank(cells[j].text):
                return False
            j += 1
        return False

    def splittable(self, taken: list[Taken]) -> bool:
        """Only a single digit string that ends its line, or cells cut from a flattened
        table, are split: several separate cells that are too few for their row have lost
        one, and a cell with more cells after it on its line is one of a row's cells."""
        if all(t.cell.glued for t in taken):
            return True
        if len(taken) != 1:
            return False
        cell = taken[0].cell
        rest = self.norm.lines[cell.line][cell.end:]
        if rest.replace("|", "").strip():
            return False
        # one cell a line: a sign standing alone next (减 with its number lost) is the row's next cell
        if self._positions is None:
            self._positions = {(c.line, c.start): i for i, c in enumerate(self.cells)}
        i = self._positions.get((cell.line, cell.start))
        return not (i is not None and i + 1 < len(self.cells) and self.cells[i + 1].text.strip() in _BARE_SIGNS)

    def spaced_runs(self, taken: list[Taken]) -> bool:
        """Digit runs written a space apart: cells of their own, one of them maybe lost; with
        no arithmetic to check a split, they are not split."""
        for a, b in zip(taken, taken[1:]):
            gap = self.norm.lines[a.cell.line][a.cell.end:b.cell.start] if a.cell.line == b.cell.line else "x"
            if gap and gap.isspace():
                return True
        return False

    # ------------------------------------------------------------ reading values
    def collect(self, i: int, n: int, *, money: tuple[int, ...] = (), money_unit: str = "万元",
                skip: Callable[[int], bool] | None = None) -> list[Taken]:
        """Up to n values from the cells from index i on; blanks count only between numbers
        on one line; stop at the first text cell that `skip` does not allow. The values at
        the positions `money` are amounts, read in `money_unit` unless they give their own."""
        out: list[Taken] = []
        cells = self.cells
        while i < len(cells) and len(out) < n:
            c = cells[i]
            if is_blank(c.text):
                if self.numeric_later_on_line(i):
                    out.append(Taken(None, c))
            else:
                v = parse_value(c.text, money=True, money_unit=money_unit) if len(out) in money else self.value_at(i)
                if v is not None:
                    out.append(Taken(v, c))
                elif skip is None or not skip(i):
                    break
            i += 1
        return out
