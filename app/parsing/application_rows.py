"""Section 三 (app/parsing/applications.py) read cell by cell: a row label opens a row, the
numbers after it fill it, seven a row (the applicant columns, the last their 总计); numbers
above their label (the table gives every row so) are taken by the label after them. What is
left for later: rows run together (`candidates`), labels between two full rows of numbers
(`ambiguous`), and numbers under no label (an unknown_row finding).
"""

from __future__ import annotations

from app.parsing.findings import Code
from app.parsing.grid import Grid, Taken, numbers
from app.parsing.layout import Cell
from app.parsing.reading import Reading
from app.parsing.repair import fitting_splits
from app.parsing.rows import match_application_label
from app.parsing.templates import Template
from app.parsing.values import Value, is_blank

_SHOWN = 10  # cells an unknown_row finding quotes

Candidate = tuple[list[Taken], list[list[int]], bool]  # a run-together row: its cells, its splits, search complete


def _plain_count(t: Taken) -> bool:
    """A cell printed as a whole count: no unit, no decimals, no sign, not cut by a split."""
    v = t.value
    return (v is not None and not t.repaired and v.unit is None and not v.signed
            and isinstance(v.value, int) and v.value >= 0)


def _keys(template: Template, row: str) -> tuple[str, ...]:
    return tuple(f"applications.{row}.{c.key}" for c in template.columns)


class ApplicationRows:
    """Section 三 read cell by cell: the row open (`pending`) and its values so far, the
    numbers no label has claimed yet (`orphans`), and the rows read — complete (`values`),
    run-together (`candidates`), between two rows of numbers (`ambiguous`)."""

    def __init__(self, grid: Grid, out: Reading, template: Template, numbers_above: bool) -> None:
        self.grid, self.out, self.template = grid, out, template
        self.width = len(template.columns)
        self.numbers_above = numbers_above  # the table gives its rows' numbers above their labels
        self.values: dict[str, list[Taken]] = {}  # complete rows
        self.partial: dict[str, list[Taken | None]] = {}  # rows whose split is only partly certain
        self.candidates: dict[str, Candidate] = {}  # run-together rows, split later
        self.lost: dict[str, list[Taken]] = {}  # rows of separate cells one short: a cell lost, placed later
        self.placed: set[str] = set()  # rows whose lost cell was placed (applications.place_lost): derived
        self.label_cells: dict[str, Cell] = {}
        self.group_cells: dict[str, Cell] = {}
        self.group_totals: dict[str, Taken] = {}  # a group's 总计 printed on a row of its own
        self.ambiguous: dict[str, Cell] = {}  # rows between two rows of numbers
        self.pending: str | None = None
        self.taken: list[Taken] = []
        self.orphans: list[Taken] = []
        self.orphan_at = 0
        self.last_row = template.rows[-1].key  # 四、结转下年度继续办理

    def keys(self, row: str) -> tuple[str, ...]:
        return _keys(self.template, row)

    # ------------------------------------------------------------ cell by cell
    def read(self, start: int, stop: int, used: set[int]) -> None:
        """The cells [start, stop), but those of `used` (read with their block by boxes)."""
        grid, template = self.grid, self.template
        cells, value_at = grid.cells, grid.value_at
        last_used = max(used, default=-1)
        self.orphan_at = start
        skip_to = start
        for idx in range(start, stop):
            if idx in used:
                self._close()
                self.pending, self.taken = None, []
                self._flush_orphans()
                continue
            if self.pending is None and self.last_row in self.values and idx > last_used:
                break  # the table's last row read: the rest is not section 三
            c = cells[idx]
            if idx < skip_to:
                continue  # a group's own row, read with its label
            if is_blank(c.text):
                if self.pending is not None and (grid.numeric_later_on_line(idx) or self._blank_total(idx)):
                    self._blank(c)
                continue
            v = value_at(idx)
            if v is not None:
                if self.pending is None:
                    if not self.orphans:
                        self.orphan_at = idx
                    self.orphans.append(Taken(v, c))
                else:
                    self._number(v, c)
                continue
            m = match_application_label(c.text, template, c.glued)
            if m is None:
                continue
            grid.check_budget()
            if m.kind == "group":
                self.group_cells.setdefault(m.key, c)
                skip_to = self._group_total(idx, m.key)
            else:
                self._label(idx, m.key, c)
        self._close()
        self._flush_orphans()

    def _blank_total(self, idx: int) -> bool:
        """Whether the blank cell at idx is the open row's 总计 left blank: the last cell of
        a line that holds the row's label and its applicant columns, each a cell of its own
        (`| （一）予以公开 | 9 | 2 | 0 | 0 | 1 | 0 | |`); its total is then the row's sum (derived)."""
        cells = self.grid.cells
        if idx + 1 < len(cells) and cells[idx + 1].line == cells[idx].line:
            return False
        return self._row_of_cells(cells[idx].line)

    def _trailing_blank(self) -> Cell | None:
        """The empty last cell of the open row's line, when the line ends with a pipe it
        does not start with (an HTML row whose last <td> is empty, its cells joined by " | "):
        the row's 总计 left blank, as a cell of no width after that pipe."""
        last = self.taken[-1].cell
        text = self.grid.norm.lines[last.line]
        rest = text[last.end:]
        if text.lstrip().startswith("|") or rest.strip() != "|" or not self._row_of_cells(last.line):
            return None
        at = last.end + rest.index("|") + 1
        return Cell("", last.line, at, at)

    def _row_of_cells(self, line: int) -> bool:
        """The open row has all but its 总计, each a separate cell on its label's line."""
        taken = self.taken
        label = self.label_cells.get(self.pending)  # type: ignore[arg-type]
        return (len(taken) == self.width - 1 and label is not None and label.line == line
                and all(t.value is not None and not t.cell.glued and t.cell.line == line for t in taken))

    def _group_total(self, idx: int, group: str) -> int:
        """A group's own row that gives only its 总计 (`（三）不予公开 |  |  | … | 4`: the
        applicant cells blank, which are not 0): the total kept to check the group's rows
        against. Returns where reading goes on: past that row, or right after the label."""
        grid, cells = self.grid, self.grid.cells
        line, j = cells[idx].line, idx + 1
        while j < len(cells) and cells[j].line == line and is_blank(cells[j].text):
            j += 1
        if (j - idx - 1 != self.width - 1 or j >= len(cells) or cells[j].line != line or grid.value_at(j) is None
                or (j + 1 < len(cells) and cells[j + 1].line == line)):
            return idx + 1
        self._close()
        self.pending, self.taken = None, []
        self._flush_orphans()
        self.group_totals.setdefault(group, Taken(grid.value_at(j), cells[j]))
        return j + 1

    def _blank(self, c: Cell) -> None:
        self.taken.append(Taken(None, c))
        if len(self.taken) == self.width:
            self.values.setdefault(self.pending, self.taken)  # type: ignore[arg-type]
            self.pending, self.taken = None, []

    def _number(self, v: Value, c: Cell) -> None:
        pending, taken = self.pending, self.taken
        taken.append(Taken(v, c))
        if len(taken) == self.width:
            if pending in self.values and numbers(self.values[pending]) != numbers(taken):  # type: ignore[index]
                self.out.finding(Code.DUPLICATE_ROW,
                                 f"Row {pending} appears twice with different values; the first is kept.",
                                 (self.keys(pending)[-1],), c)  # type: ignore[arg-type]
            self.values.setdefault(pending, taken)  # type: ignore[arg-type]
            self.pending, self.taken = None, []

    def _label(self, idx: int, key: str, c: Cell) -> None:
        """A row's label: it closes the row open, and opens its own, or takes the full row of
        numbers that stands right before it."""
        self._close()
        self.pending, self.taken = key, []
        self.label_cells.setdefault(key, c)
        orphans = self.orphans
        if not orphans:
            return
        grid, width = self.grid, self.width
        label_follows = idx + 1 >= len(grid.cells) or (
            grid.value_at(idx + 1) is None and not is_blank(grid.cells[idx + 1].text))
        if len(orphans) == width and (label_follows or self.numbers_above):
            # the row's numbers stand on the line before its label
            self.values.setdefault(key, orphans)
            self.pending, self.taken = None, []
        else:
            self._unknown(orphans)
            if len(orphans) == width and orphans[-1].cell is grid.cells[idx - 1] and grid.starts_line(self.orphan_at):
                # a row of numbers on its own line above the label and one after it:
                # which is the label's own cannot be told
                self.ambiguous.setdefault(key, c)
        self.orphans = []

    def _close(self) -> None:
        """The open row ends with fewer values than columns: a run-together row to split
        later, or an incomplete one (or a row whose 总计 is the empty cell its line ends with)."""
        pending, taken = self.pending, self.taken
        if pending is None or not taken or len(taken) >= self.width:
            return
        blank = self._trailing_blank()
        if blank is not None:
            self._blank(blank)
            return
        found = (fitting_splits(taken, (("sum", self.width - 1),), budget=self.grid.budget)
                 if self.grid.splittable(taken) else None)
        if found is not None:
            self.candidates.setdefault(pending, (list(taken), found[0], found[1]))
            return
        if len(taken) == self.width - 1 and all(_plain_count(t) for t in taken):
            # separate cells, one short: a cell lost (a blank dropped by the copy); where it
            # stood is decided with the table's identities, once every row is read
            self.lost.setdefault(pending, list(taken))
            return
        self.out.finding(Code.INCOMPLETE_ROW, f"Row {pending} has {len(taken)} of {self.width} values; left out.",
                         self.keys(pending), taken[0].cell)

    def lost_row_left_out(self, key: str, why: str) -> None:
        taken = self.lost[key]
        self.out.finding(Code.INCOMPLETE_ROW, f"Row {key} has {len(taken)} of {self.width} values; {why}; left out.",
                         self.keys(key), taken[0].cell)

    def _flush_orphans(self) -> None:
        if self.orphans:
            self._unknown(self.orphans)
            self.orphans = []

    def _unknown(self, vals: list[Taken]) -> None:
        self.out.finding(Code.UNKNOWN_ROW, f"{len(vals)} value(s) in section 三 under no row label we know: "
                                           f"{' '.join(t.cell.text for t in vals[:_SHOWN])}; left out.",
                         ("applications",), vals[0].cell)
