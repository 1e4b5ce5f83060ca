"""Template tables → figures. Rows are found by label (aliases, tolerance), never by
position; a row's values are the numeric cells that follow its label, in the template's
column order. Anything that does not fit becomes a finding, not a guess."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable

from app.parsing.budget import Budget
from app.parsing.labels import CACHED_CHARS, matches, split_numbering, squash, squash_line, within_one_edit
from app.parsing.layout import Cell
from app.parsing.model import Figure, Finding, Source
from app.parsing.normalize import Normalized
from app.parsing.templates import (
    ACTIVE_ROWS,
    APP_GROUPS,
    APP_ROWS,
    COLUMN_KEYS,
    GENERIC_ROWS,
    HEADER_HINTS,
    REVIEW_HEADER_WORDS,
    REVIEW_KINDS,
    REVIEW_OUTCOMES,
)
from app.parsing.repair import Spec, solve
from app.parsing.values import CACHED_CHARS as VALUE_CACHED_CHARS
from app.parsing.values import Value, is_blank, parse_value

_REVIEW_CHARS = frozenset("".join(REVIEW_HEADER_WORDS))
_APP_WIDTH = len(COLUMN_KEYS)
_UNSET = object()
_HINT_RX = {tpl: re.compile("|".join(hints + (("逾期不补正", "逾期未按收费通知") if tpl == "2021" else ())))
            for tpl, hints in HEADER_HINTS.items()}
_BARE_SIGNS = frozenset({"增", "减", "增加", "减少", "+"})
_DASHES = frozenset({"-", "—", "–"})
MAX_FIGURE = 10**12  # no count or 万元 amount in these reports comes near this
_RUN_CELLS = 24  # cells a run of one-column labels and their headers may span (a real one: under 10)


@dataclass(slots=True)
class Taken:
    """A value read from a cell; `value` None means a blank cell inside a filled row."""

    value: Value | None
    cell: Cell
    repaired: bool = False


@dataclass(slots=True)
class Reader:
    norm: Normalized
    cells: list[Cell]
    figures: dict[str, Figure] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    _squashed: list[str] = field(default_factory=list)

    _values: list[object] = field(default_factory=list)
    _positions: dict[tuple[int, int], int] | None = None
    budget: Budget | None = None  # the parse's deadline and repair steps (app/parsing/budget.py)
    _later: dict[int, bool] = field(default_factory=dict)  # _numeric_later_on_line, memoised
    _kinds: dict[str, dict[int, int]] = field(default_factory=dict)  # _after_labels' kind(), memoised

    def __post_init__(self) -> None:
        # (a text longer than the caches keep is squashed without them: it must not stay in memory)
        self._squashed = [squash(c.text) if len(c.text) <= CACHED_CHARS else squash_line(c.text) for c in self.cells]
        self._values = [_UNSET] * len(self.cells)

    def value_at(self, i: int) -> Value | None:
        """The cell at i read as a plain number (cached: cells are read many times)."""
        v = self._values[i]
        if v is _UNSET:
            text = self.cells[i].text
            v = self._values[i] = parse_value(text) if len(text) <= VALUE_CACHED_CHARS else \
                parse_value.__wrapped__(text)
        return v  # type: ignore[return-value]

    # ------------------------------------------------------------ helpers
    def source(self, cell: Cell) -> Source:
        norm, line = self.norm, cell.line
        if norm._shift_cols[line]:
            start, end = norm.original_span(line, cell.start, cell.end)
        else:  # nothing removed on the line: the span as it is (original_span's own shortcut)
            start, end = cell.start, cell.end
        return Source(line + 1, start, end, norm.original_lines[line])

    def add(self, key: str, taken: Taken | None, unit: str, section: str, *, value: int | float | None = None,
            flags: tuple[str, ...] = (), cell: Cell | None = None) -> None:
        if key in self.figures:
            return
        note = None
        if taken is not None:
            cell = taken.cell
            if taken.value is None:
                value, flags = 0, flags + ("derived",)
            else:
                v = taken.value
                value = v.value
                note = v.note
                if v.approximate:
                    flags += ("approximate",)
                if v.converted:
                    flags += ("converted",)
            if taken.repaired:
                flags += ("repaired",)
        assert value is not None
        if abs(value) >= MAX_FIGURE:
            self.finding("implausible_value", "warning",
                         f"{key}: {value} is too large to be a real figure; left out.", (key,), cell)
            return
        self.figures[key] = Figure(key=key, value=value, unit=unit, section=section,
                                   source=self.source(cell) if cell is not None else None, note=note, flags=flags)

    def finding(self, code: str, severity: str, message: str, keys: tuple[str, ...] = (),
                cell: Cell | None = None) -> None:
        self.findings.append(Finding(code=code, severity=severity, message=message, keys=keys,
                                     line=cell.line + 1 if cell is not None else None))

    def _numeric_later_on_line(self, i: int) -> bool:
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
        if j - i > 8:
            later.update(dict.fromkeys(range(i, j), answer))
        return answer

    def _row_before(self, idx: int, n: int) -> int | None:
        """Where a full row of n numbers stands right before the cell at idx, starting a line
        of its own (a table whose rows give their numbers above their labels); else None."""
        j = idx
        while j > 0 and is_blank(self.cells[j - 1].text):
            j -= 1
        first = j - n
        if first < 0 or any(self.value_at(k) is None for k in range(first, j)):
            return None
        if not _starts_line(self.cells, first):
            return None
        if first > 0 and self.value_at(first - 1) is not None:
            return None  # more numbers than a row: not this row's
        return first

    def _splittable(self, taken: list[Taken]) -> bool:
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

    def _spaced_runs(self, taken: list[Taken]) -> bool:
        """Digit runs written a space apart: cells of their own, one of them maybe lost; with
        no arithmetic to check a split, they are not split."""
        for a, b in zip(taken, taken[1:]):
            gap = self.norm.lines[a.cell.line][a.cell.end:b.cell.start] if a.cell.line == b.cell.line else "x"
            if gap and gap.isspace():
                return True
        return False

    def _more_on_line(self, idx: int, last: Cell) -> bool:
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

    def collect(self, i: int, n: int, *, money: tuple[int, ...] = (), money_unit: str = "万元",
                skip: Callable[[int], bool] | None = None) -> list[Taken]:
        """Up to n values from the cells from index i on; blanks count only between numbers
        on one line; stop at the first text cell that `skip` does not allow."""
        out: list[Taken] = []
        cells = self.cells
        while i < len(cells) and len(out) < n:
            c = cells[i]
            if is_blank(c.text):
                if self._numeric_later_on_line(i):
                    out.append(Taken(None, c))
            else:
                if len(out) not in money:
                    v = self.value_at(i)
                elif len(c.text) <= VALUE_CACHED_CHARS:
                    v = parse_value(c.text, money=True, money_unit=money_unit)
                else:
                    v = parse_value.__wrapped__(c.text, money=True, money_unit=money_unit)
                if v is not None:
                    out.append(Taken(v, c))
                elif skip is None or not skip(i):
                    break
            i += 1
        return out

    def splits(self, taken: list[Taken], spec: Spec, known: dict[int, int | float] | None = None,
               signed_cols: frozenset[int] = frozenset()) -> tuple[list[list[int]], bool] | None:
        """The ways to split the run-together digit strings among `taken` that satisfy `spec`
        (and values `known` from elsewhere, by position), and whether the search was complete;
        None when the cells are not plain digit strings or nothing fits."""
        runs: list[tuple[str, str]] = []
        for t in taken:
            v = t.value
            if v is None or v.unit or isinstance(v.value, float) or "." in v.digits:
                return None
            runs.append(("-" if v.value < 0 else "+" if v.signed else "", v.digits))
        solutions, complete = solve(runs, spec, signed_cols=signed_cols, budget=self.budget)
        if known:
            solutions = [sol for sol in solutions if all(sol[i] == val for i, val in known.items())]
        return (solutions, complete) if solutions else None

    def settle(self, taken: list[Taken], solutions: list[list[int]], complete: bool,
               keys: tuple[str, ...]) -> list[Taken | None]:
        """One Taken per key from the fitting splits: all of them when one split fits; where
        several fit, only the values they agree on, and an ambiguous_split finding."""
        cell = taken[0].cell
        shown = " ".join(t.cell.text for t in taken)
        if len(solutions) == 1 and complete:
            self.finding("repaired", "info",
                         f"Run-together digits {shown!r} split by the template's arithmetic into "
                         f"{', '.join(str(x) for x in solutions[0])}.", keys, cell)
            return [Taken(v, c, repaired=True) for v, c in _parts(taken, solutions[0])]
        out: list[Taken | None] = []
        for i in range(len(keys)):
            column = {sol[i] for sol in solutions}
            if len(column) == 1 and complete:
                v, c = _parts(taken, solutions[0])[i]
                out.append(Taken(v, c, repaired=True))
            else:
                out.append(None)
        left_out = tuple(k for k, t in zip(keys, out) if t is None)
        options = "; ".join(", ".join(str(x) for x in sol) for sol in solutions[:4])
        self.finding("ambiguous_split", "warning",
                     f"Run-together digits {shown!r} fit {'several' if complete else 'too many'} splits "
                     f"({options}{' …' if len(solutions) > 4 or not complete else ''}); "
                     f"{len(left_out)} figure(s) left out.", left_out, cell)
        return out

    def repair(self, taken: list[Taken], spec: Spec, keys: tuple[str, ...],
               known: dict[int, int | float] | None = None,
               signed_cols: frozenset[int] = frozenset()) -> list[Taken | None] | None:
        found = self.splits(taken, spec, known, signed_cols)
        if found is None:
            return None
        return self.settle(taken, found[0], found[1], keys)

    # ------------------------------------------------------------ template
    def detect_template(self, text: str, year: int | None) -> tuple[str | None, str]:
        short = [s for s in self._squashed if 4 <= len(s) <= 40]
        score = {tpl: sum(1 for s in short if rx.search(s)) for tpl, rx in _HINT_RX.items()}
        if score["2021"] != score["2019"]:
            tpl = max(score, key=score.__getitem__)
            return tpl, f"table headers ({score['2019']} point to 2019, {score['2021']} to 2021)"
        if "〔2021〕30号" in text or "[2021]30号" in text:
            return "2021", "the text cites 国办公开办函〔2021〕30号"
        if "〔2019〕60号" in text:
            return "2019", "the text cites 国办公开办函〔2019〕60号"
        if year is not None:
            return ("2021" if year >= 2021 else "2019"), "the report year"
        return None, "no evidence"

    # ------------------------------------------------------------ section 二
    def _active_region(self) -> tuple[int, int]:
        """Cells from the first 第二十条 / 信息内容 heading to the section 三 table."""
        begin, end = 0, len(self.cells)
        for idx, s in enumerate(self._squashed):
            if ("第二十条" in s or "信息内容" in s) and (len(s) < 60 or self.cells[idx].glued):
                begin = idx
                break
        for idx in range(begin, len(self.cells)):
            if "本年新收政府信息公开申请" in self._squashed[idx]:
                end = idx
                break
        return begin, end

    def _is_label(self, idx: int, aliases: tuple[str, ...]) -> bool:
        s = self._squashed[idx]
        if not s:
            return False
        cell = self.cells[idx]
        if len(s) <= 12:
            text = cell.text
            core = (split_numbering(text) if len(text) <= CACHED_CHARS else split_numbering.__wrapped__(text))[1]
            if core in aliases:
                return True
            for a in aliases:  # matches(core, a, fuzzy_min=6), inlined: it is called for every cell
                if len(a) >= 6 and within_one_edit(core, a):
                    return True
        # a flattened table: the label is what the text cell ends with
        return cell.glued and any(s.endswith(a) for a in aliases)

    def _money_unit(self, idx: int) -> str:
        """The unit an amount column's header gives (单位：元 / 亿元 / 万元), looking back from
        the row label at idx to the table's header."""
        for j in range(idx - 1, max(-1, idx - 12), -1):
            s = self._squashed[j]
            if "金额" in s or "单位" in s:
                tail = s[s.find("金额"):] if "金额" in s else s
                if "亿元" in tail:
                    return "亿元"
                if "万元" in tail:
                    return "万元"
                if "元" in tail:
                    return "元"
        return "万元"

    def _after_labels(self, idx: int, template: str, begin: int, end: int) -> Taken | None:
        """The number of a one-column row whose label stands in a run of such labels, one a
        line, with their numbers after the run, one a line and as many as the labels (a PDF
        text tool that reads a table box by box: 行政处罚 / 行政强制 / 本年处理决定数量 / 3985758 /
        88283): the label's number is the one at its place. A label of a wider row, or
        anything but a few short headers between the labels and the numbers, and it is None
        (an amount is not read this way: its unit's header may stand anywhere)."""
        rows = ACTIVE_ROWS[template]
        kinds = self._kinds.setdefault(template, {})  # the same cells are looked at for every label of a run

        def kind(j: int) -> int:
            """1 a one-column row label, 2 a wider row's label, 0 other text."""
            k = kinds.get(j)
            if k is None:
                k = kinds[j] = 0
                for r in rows:
                    if self._is_label(j, r.aliases):
                        k = kinds[j] = 1 if len(r.columns) == 1 else 2
                        break
            return k

        first = idx
        j = idx - 1
        while j >= begin and self.value_at(j) is None:
            if idx - j > _RUN_CELLS:
                return None  # no table's run of labels is this long
            k = kind(j)
            if k == 2:
                break
            if k == 1:
                first = j
            j -= 1
        labels = [j for j in range(first, idx + 1) if kind(j) == 1]
        j, headers = idx + 1, 0
        while j < end and self.value_at(j) is None:
            if j - idx > _RUN_CELLS:
                return None
            k = kind(j)
            if k == 2:
                return None
            if k == 1:
                labels.append(j)
                headers = 0
            elif not is_blank(self.cells[j].text):
                headers += 1
                if headers > 4 or len(self._squashed[j]) > 20:
                    return None
            j += 1
        first_num = j
        while j < end and j - first_num <= len(labels) and self.value_at(j) is not None and self._alone(j):
            j += 1
        if j - first_num != len(labels) or (j < end and self.value_at(j) is not None):
            return None
        at = first_num + labels.index(idx)
        v = self.value_at(at)
        return Taken(v, self.cells[at]) if v is not None else None

    def read_active(self, template: str, known: dict[str, int | float] | None = None) -> None:
        known = known or {}
        begin, end = self._active_region()
        found_any = False
        # the cells that may be a row label: not blank, not a bare digit string (no alias is one)
        squashed = self._squashed
        maybe_labels = [i for i in range(begin, end) if squashed[i] and not squashed[i].isdigit()]
        for row in ACTIVE_ROWS[template]:
            if self.budget is not None:
                self.budget.check("read")
            money = tuple(i for i, (suffix, unit) in enumerate(row.columns) if unit == "万元")
            n = len(row.columns)
            keys = tuple(f"{row.key}.{suffix}" for suffix, _ in row.columns)
            partial: list[Taken] | None = None
            done = False
            label_seen: Cell | None = None
            for idx in maybe_labels:
                if not self._is_label(idx, row.aliases):
                    continue
                label_seen = label_seen or self.cells[idx]
                taken = self.collect(idx + 1, n, money=money, money_unit=self._money_unit(idx) if money else "万元")
                if n == 1 and not taken and not money:
                    after = self._after_labels(idx, template, begin, end)
                    taken = [after] if after is not None else []
                if len(taken) == n and any(t.value is not None and t.value.signed and suffix != "change"
                                           for (suffix, _), t in zip(row.columns, taken)):
                    self.finding("ambiguous_row", "warning",
                                 f"Row {row.aliases[0]} has a signed number (增/减) outside its 增/减 column: "
                                 "its cells are not where its columns are; left out.", keys, self.cells[idx])
                    done = True
                    break
                if len(taken) == n and self._more_on_line(idx, taken[-1].cell):
                    self.finding("ambiguous_row", "warning",
                                 f"Row {row.aliases[0]} has more numbers on its line than its {n} column(s); "
                                 "which are its own cannot be told, left out.", keys, self.cells[idx])
                    done = True
                    break
                if n > 1 and len(taken) == n:
                    first = self._row_before(idx, n)
                    if first is not None and first > 0 and not any(
                            self._is_label(first - 1, r.aliases) for r in ACTIVE_ROWS[template]):
                        # under the header, a row of numbers, the label, a row of numbers: which is its own?
                        self.finding("ambiguous_row", "warning",
                                     f"Row {row.aliases[0]} stands between two rows of numbers, one above it "
                                     "and one after it; which is its own cannot be told, left out.", keys,
                                     self.cells[idx])
                        done = True
                        break
                # without arithmetic to check a split, only a single cell or a flattened table is split
                if taken and len(taken) < n and self._splittable(taken) and not self._spaced_runs(taken):
                    hints = {i: known[k] for i, k in enumerate(keys) if k in known}
                    signed = frozenset(i for i, (suffix, _) in enumerate(row.columns) if suffix == "change")
                    fixed = self.repair(taken, (("free", n),), keys, hints, signed)
                    if fixed is not None:
                        for (suffix, unit), key, t in zip(row.columns, keys, fixed):
                            if t is not None:
                                self.add(key, t, unit, "active")
                        found_any = done = True
                        break
                if len(taken) == n:
                    for (suffix, unit), key, t in zip(row.columns, keys, taken):
                        self.add(key, t, unit, "active")
                    found_any = done = True
                    break
                if taken and partial is None:
                    partial = taken
            if not done and partial:
                self.finding("incomplete_row", "warning",
                             f"Row {row.aliases[0]} has {len(partial)} of {n} values; left out.", keys,
                             partial[0].cell)
            elif not done and label_seen is not None:
                self.finding("incomplete_row", "warning",
                             f"Row {row.aliases[0]}: no numbers were found where its label stands; left out.",
                             keys, label_seen)
        if not found_any:
            self.finding("missing_section", "warning", "No section 二 table (主动公开政府信息情况) was found.",
                         ("active",))

    # ------------------------------------------------------------ section 三
    def _match_app(self, text: str, template: str, glued: bool = False) -> tuple[str, str, str | None] | None:
        """('row' | 'group', key, group) for a label cell of section 三, or None."""
        if len(text) > CACHED_CHARS:  # not kept in the cache
            return _match_app.__wrapped__(text, template, glued)
        return _match_app(text, template, glued)

    def _alone(self, i: int) -> bool:
        """Whether the cell at i is the only cell of its line."""
        cells = self.cells
        return _starts_line(cells, i) and (i + 1 == len(cells) or cells[i + 1].line != cells[i].line)

    def _label_blocks(self, start: int, template: str) -> tuple[dict[str, list[Taken]], dict[str, Cell], set[int]]:
        """Section 三 as PDF text tools that read a table box by box give it: a run of row
        labels one a line (two or more, consecutive rows of the template), then their numbers
        one a line, 7 a row. The numbers are read column by column (each applicant column's
        rows in turn) or row by row, whichever alone makes every row add up to its 总计; when
        both or neither do, the block is left to the row-by-row reading. Returns the rows
        read, their label cells and the cells the blocks used."""
        order = {r.key: i for i, r in enumerate(r for r in APP_ROWS if template in r.templates)}
        cells = self.cells
        out: dict[str, list[Taken]] = {}
        label_at: dict[str, Cell] = {}
        used: set[int] = set()
        texts: list[int] = []  # text cells since the last numbers: the labels among them
        idx = start
        n = len(cells)
        squashed = self._squashed
        value_at = self.value_at
        while idx < n:
            s = squashed[idx]
            if s == "行政复议" or ("行政复议" in s and "行政诉讼" in s):
                break
            if value_at(idx) is None:
                texts.append(idx)
                idx += 1
                continue
            if self.budget is not None:
                self.budget.check("read")
            end = idx
            while end < n and value_at(end) is not None and self._alone(end):
                end += 1
            if end == idx + 1 and 0 < idx < n - 1 and cells[idx - 1].text in _DASHES and cells[idx + 1].text in _DASHES:
                idx = end  # a page number (- 4 -) broken over three lines
                continue
            labels: list[tuple[int, str]] = []
            if end - idx >= 2 * _APP_WIDTH and (end - idx) % _APP_WIDTH == 0:
                for j in texts:
                    if not is_blank(cells[j].text):
                        m = self._match_app(cells[j].text, template, cells[j].glued)
                        if m is not None and m[0] == "row":
                            labels.append((j, m[1]))
            k = len(labels)
            keys = [key for _, key in labels]
            if (k >= 2 and end - idx == k * _APP_WIDTH and all(key in order for key in keys)
                    and [order[key] for key in keys] == list(range(order[keys[0]], order[keys[0]] + k))):
                taken = [Taken(self.value_at(j), cells[j]) for j in range(idx, end)]
                by_col = [[taken[c * k + r] for c in range(_APP_WIDTH)] for r in range(k)]
                by_row = [taken[r * _APP_WIDTH:(r + 1) * _APP_WIDTH] for r in range(k)]
                fits = [rows for rows in (by_col, by_row) if all(_adds_up(row) for row in rows)]
                same = len(fits) == 2 and all(_nums(a) == _nums(b) for a, b in zip(*fits))
                if len(fits) == 1 or same:
                    for (label_idx, key), row in zip(labels, fits[0]):
                        out.setdefault(key, row)
                        label_at.setdefault(key, cells[label_idx])
                elif fits:
                    self.finding("ambiguous_row", "warning",
                                 f"Rows {keys[0]} … {keys[-1]} have their numbers after all their labels, and "
                                 "they add up read by column and by row alike; left out.",
                                 tuple(f"applications.{key}" for key in keys), cells[labels[0][0]])
                else:
                    self.finding("row_sum_mismatch", "warning",
                                 f"Rows {keys[0]} … {keys[-1]} have their numbers after all their labels, and "
                                 "read by column or by row, some row does not add up to its 总计; left out.",
                                 tuple(f"applications.{key}" for key in keys), cells[labels[0][0]])
                # the block's cells are its own either way: no label takes the numbers after it
                used.update(label_idx for label_idx, _ in labels)
                used.update(range(idx, end))
            texts = []
            idx = max(end, idx + 1)
        return out, label_at, used

    def read_applications(self, template: str) -> None:
        rows = {r.key: r for r in APP_ROWS if template in r.templates}
        start = None
        for idx, s in enumerate(self._squashed):
            if "本年新收政府信息公开申请" in s and (len(s) < 40 or self.cells[idx].glued):
                start = idx
                break
        if start is None:
            self.finding("missing_section", "warning",
                         "No section 三 table (收到和处理政府信息公开申请情况) was found.", ("applications",))
            return
        values: dict[str, list[Taken]] = {}
        partial_rows: dict[str, list[Taken | None]] = {}  # rows whose split is only partly certain
        candidates: dict[str, tuple[list[Taken], list[list[int]], bool]] = {}  # run-together rows
        label_cells: dict[str, Cell] = {}
        group_cells: dict[str, Cell] = {}
        pending: str | None = None
        taken: list[Taken] = []

        def close() -> None:
            if pending is None or not taken or len(taken) >= _APP_WIDTH:
                return
            keys = tuple(f"applications.{pending}.{c}" for c in COLUMN_KEYS)
            found = self.splits(taken, (("sum", _APP_WIDTH - 1),)) if self._splittable(taken) else None
            if found is not None:
                candidates.setdefault(pending, (list(taken), found[0], found[1]))
                return
            self.finding("incomplete_row", "warning",
                         f"Row {pending} has {len(taken)} of {_APP_WIDTH} values; left out.", keys, taken[0].cell)

        orphans: list[Taken] = []  # values no row label claimed (yet)
        ambiguous: dict[str, Cell] = {}  # rows between two rows of numbers
        orphan_at = start

        def unknown_row(vals: list[Taken]) -> None:
            self.finding("unknown_row", "warning",
                         f"{len(vals)} value(s) in section 三 under no row label we know: "
                         f"{' '.join(t.cell.text for t in vals[:10])}; left out.", ("applications",), vals[0].cell)

        cells = self.cells
        # the first row's numbers on a line of their own above its label: the table gives each
        # row's numbers above its label, so a label takes the row before it, never the one after
        numbers_first = self._row_before(start, _APP_WIDTH)
        if numbers_first is not None:
            start = numbers_first
        block_values, block_labels, used = self._label_blocks(start, template)
        values.update(block_values)
        label_cells.update(block_labels)
        last_used = max(used, default=-1)
        for idx in range(start, len(cells)):
            c = cells[idx]
            s = self._squashed[idx]
            if s == "行政复议" or ("行政复议" in s and "行政诉讼" in s):
                break
            if idx in used:  # read with its block of labels and numbers
                close()
                pending, taken = None, []
                if orphans:
                    unknown_row(orphans)
                    orphans = []
                continue
            if pending is None and "carried_forward" in values and idx > last_used:
                break
            if is_blank(c.text):
                if pending is not None and self._numeric_later_on_line(idx):
                    taken.append(Taken(None, c))
                    if len(taken) == _APP_WIDTH:
                        values.setdefault(pending, taken)
                        pending, taken = None, []
                continue
            v = self.value_at(idx)
            if v is not None:
                if pending is None:
                    if not orphans:
                        orphan_at = idx
                    orphans.append(Taken(v, c))
                else:
                    taken.append(Taken(v, c))
                    if len(taken) == _APP_WIDTH:
                        if pending in values and [t.value.value if t.value else 0 for t in values[pending]] != \
                                [t.value.value if t.value else 0 for t in taken]:
                            self.finding("duplicate_row", "warning",
                                         f"Row {pending} appears twice with different values; the first is kept.",
                                         (f"applications.{pending}.total",), c)
                        values.setdefault(pending, taken)
                        pending, taken = None, []
                continue
            m = self._match_app(c.text, template, c.glued)
            if m is None:
                continue
            kind, key, _group = m
            if self.budget is not None:
                self.budget.check("read")
            if kind == "group":
                group_cells.setdefault(key, c)
                continue
            close()
            pending, taken = key, []
            label_cells.setdefault(key, c)
            if orphans:
                nxt = next((x for x in cells[idx + 1:idx + 2]), None)
                label_follows = nxt is None or (self.value_at(idx + 1) is None and not is_blank(nxt.text))
                if len(orphans) == _APP_WIDTH and (label_follows or numbers_first is not None):
                    # the row's numbers stand on the line before its label
                    values.setdefault(key, orphans)
                    pending, taken = None, []
                else:
                    unknown_row(orphans)
                    if len(orphans) == _APP_WIDTH and orphans[-1].cell is cells[idx - 1] and _starts_line(cells, orphan_at):
                        # a row of numbers on its own line above the label and one after it:
                        # which is the label's own cannot be told
                        ambiguous.setdefault(key, c)
                orphans = []
        close()
        if orphans:
            unknown_row(orphans)
        for key, cell in ambiguous.items():
            if values.pop(key, None) is not None or key in candidates:
                candidates.pop(key, None)
                self.finding("ambiguous_row", "warning",
                             f"Row {key} stands between two rows of numbers, one above it and one after it; "
                             "which is its own cannot be told, left out.",
                             tuple(f"applications.{key}.{c}" for c in COLUMN_KEYS), cell)
        for key in list(values):
            nums = [t.value.value if t.value is not None else 0 for t in values[key]]
            if values[key][-1].value is not None and sum(nums[:-1]) != nums[-1]:
                # a row that does not add up was misread or misprinted: which cell is wrong
                # cannot be told, so none of them is given as a figure
                self.finding("row_sum_mismatch", "warning",
                             f"applications.{key}: the applicant columns {nums[:-1]} add up to {sum(nums[:-1])}, "
                             f"总计 says {nums[-1]}; the row is left out.",
                             tuple(f"applications.{key}.{c}" for c in COLUMN_KEYS), values[key][0].cell)
                del values[key]
        self._settle_rows(template, values, partial_rows, candidates)

        for key, row_vals in values.items():
            total_blank = row_vals[-1].value is None
            for col, t in zip(COLUMN_KEYS, row_vals):
                fig_key = f"applications.{key}.{col}"
                if col == "total" and total_blank:
                    s = sum(x.value.value for x in row_vals[:-1] if x.value is not None)
                    self.add(fig_key, None, "件", "applications", value=s, flags=("derived",), cell=t.cell)
                else:
                    self.add(fig_key, t, "件", "applications")
        for key, row_vals in partial_rows.items():
            for col, t in zip(COLUMN_KEYS, row_vals):
                if t is not None:
                    self.add(f"applications.{key}.{col}", t, "件", "applications")
        for g in APP_GROUPS:
            if template not in g.templates:
                continue
            subs = [k for k, r in rows.items() if r.group == g.key]
            if not subs:
                continue
            missing = [k for k in subs if k not in values]
            if missing:
                if len(missing) < len(subs):
                    self.finding("incomplete_group", "warning",
                                 f"Group {g.key}: rows {', '.join(missing)} were not found; no group total.",
                                 tuple(f"applications.{k}.total" for k in missing))
                continue
            cell = group_cells.get(g.key) or label_cells[subs[0]]
            for col in COLUMN_KEYS:
                total = sum(self.figures[f"applications.{k}.{col}"].value for k in subs)
                self.add(f"applications.{g.key}.{col}", None, "件", "applications", value=total,
                         flags=("derived",), cell=cell)
        expected = [k for k in rows]
        missing_rows = [k for k in expected if k not in values]
        if missing_rows and values:
            self.finding("missing_rows", "warning",
                         f"Section 三 rows not found: {', '.join(missing_rows)}.",
                         tuple(f"applications.{k}" for k in missing_rows))

    def _settle_rows(self, template: str, values: dict[str, list[Taken]],
                     partial_rows: dict[str, list[Taken | None]],
                     candidates: dict[str, tuple[list[Taken], list[list[int]], bool]]) -> None:
        """Run-together rows: keep the splits under which the table's identities (一+二 =
        (七)+四, (七) = (一)+…+(六)) still hold, given the rows already read; a row left with
        one split is repaired, and may settle the next."""
        rows = [r.key for r in APP_ROWS if template in r.templates]
        parts = [r for r in rows if r not in ("new_received", "carried_over", "results_total", "carried_forward")]

        def known() -> dict[str, list[int | float]]:
            return {k: [t.value.value if t.value is not None else 0 for t in v] for k, v in values.items()}

        def holds(rowvals: dict[str, list[int | float]]) -> bool:
            for col in range(_APP_WIDTH):
                quad = ("new_received", "carried_over", "results_total", "carried_forward")
                if all(r in rowvals for r in quad):
                    a, b, c, d = (rowvals[r][col] for r in quad)
                    if a + b != c + d:
                        return False
                if "results_total" in rowvals and all(r in rowvals for r in parts):
                    if sum(rowvals[r][col] for r in parts) != rowvals["results_total"][col]:
                        return False
            return True

        def keys_of(row: str) -> tuple[str, ...]:
            return tuple(f"applications.{row}.{c}" for c in COLUMN_KEYS)

        for key, (taken, sols, complete) in list(candidates.items()):
            if len(sols) == 1 and complete:
                values.setdefault(key, self.settle(taken, sols, True, keys_of(key)))  # type: ignore[arg-type]
                del candidates[key]
        changed = True
        while changed and candidates:
            changed = False
            base = known()
            if not holds(base):
                break  # the table's own figures disagree: arithmetic cannot choose
            for key, (taken, sols, complete) in list(candidates.items()):
                if len(sols) < 2 or not complete:
                    continue
                kept = [sol for sol in sols if holds({**base, key: sol})]
                if kept and len(kept) < len(sols):
                    candidates[key] = (taken, kept, complete)
                    changed = True
                if len(candidates[key][1]) == 1:
                    fixed = self.settle(taken, candidates[key][1], True, keys_of(key))
                    values.setdefault(key, fixed)  # type: ignore[arg-type]
                    del candidates[key]
                    changed = True
                    base = known()
        for key, (taken, sols, complete) in candidates.items():
            fixed = self.settle(taken, sols, complete, keys_of(key))
            partial_rows.setdefault(key, fixed)

    # ------------------------------------------------------------ section 四
    def _review_header(self, idx: int) -> bool:
        s = self._squashed[idx]
        # a whole header row in one cell (its cells a space apart) is words of the header only
        return bool(s) and len(s) <= 80 and all(ch in _REVIEW_CHARS for ch in s)

    def read_review(self) -> None:
        n = len(REVIEW_KINDS) * len(REVIEW_OUTCOMES)
        best: list[Taken] = []
        keys = tuple(f"review_litigation.{kind}.{outcome}" for kind, _ in REVIEW_KINDS for outcome, _ in REVIEW_OUTCOMES)
        cells = self.cells
        read = checked = -1  # the last header read, and how far only headers and blanks follow it
        for idx, s in enumerate(self._squashed):
            glued_header = (self.cells[idx].glued and "行政复议" in s
                            and all(ch in _REVIEW_CHARS for ch in s[s.rfind("行政复议"):]))
            if not glued_header and (not s.startswith("行政复议") or not self._review_header(idx)):
                continue
            if read >= 0:
                # only headers and blanks (that no value claims) since the last header read: the
                # same values follow this one, read already
                j = checked + 1
                while j < idx and (self._review_header(j) or (
                        is_blank(cells[j].text) and not self._numeric_later_on_line(j))):
                    j += 1
                if j == idx:
                    checked = idx
                    continue
            if self.budget is not None:
                self.budget.check("read")
            read = checked = idx
            taken = self.collect(idx + 1, n, skip=self._review_header)
            if 0 < len(taken) < n and self._splittable(taken):
                fixed = self.repair(taken, (("sum", 4),) * len(REVIEW_KINDS), keys)
                if fixed is not None:
                    for key, t in zip(keys, fixed):
                        if t is not None:
                            self.add(key, t, "件", "review_litigation")
                    return
            if len(taken) == n:
                width = len(REVIEW_OUTCOMES)
                for b in range(len(REVIEW_KINDS)):
                    block, names = taken[b * width:(b + 1) * width], keys[b * width:(b + 1) * width]
                    nums = [t.value.value if t.value is not None else 0 for t in block]
                    if block[-1].value is not None and sum(nums[:-1]) != nums[-1]:
                        self.finding("row_sum_mismatch", "warning",
                                     f"{names[0].rsplit('.', 1)[0]}: the outcomes {nums[:-1]} add up to "
                                     f"{sum(nums[:-1])}, 总计 says {nums[-1]}; left out.", names, block[0].cell)
                        continue
                    for key, t in zip(names, block):
                        if t is block[-1] and t.value is None:  # a blank 总计: the sum of the outcomes
                            self.add(key, None, "件", "review_litigation", value=sum(nums[:-1]),
                                     flags=("derived",), cell=t.cell)
                        else:
                            self.add(key, t, "件", "review_litigation")
                return
            if len(taken) > len(best):
                best = taken
        if best:
            self.finding("incomplete_row", "warning",
                         f"Section 四 table has {len(best)} of {n} values; left out.",
                         ("review_litigation",), best[0].cell)
        else:
            self.finding("missing_section", "warning",
                         "No section 四 table (行政复议、行政诉讼情况) was found.", ("review_litigation",))


def _exact_index() -> dict[tuple[str, str], list[tuple[str, str, str | None, str | None, bool]]]:
    """(template, label) → [(kind, key, group, number, generic)] for exact label matches."""
    index: dict[tuple[str, str], list[tuple[str, str, str | None, str | None, bool]]] = {}
    for tpl in ("2019", "2021"):
        for row in APP_ROWS:
            if tpl in row.templates:
                for a in row.aliases:
                    index.setdefault((tpl, a), []).append(("row", row.key, row.group, row.number,
                                                           row.key in GENERIC_ROWS))
        for g in APP_GROUPS:
            if tpl in g.templates:
                for a in g.aliases:
                    index.setdefault((tpl, a), []).append(("group", g.key, g.key, g.number, a == "其他"))
    return index


_EXACT_APP = _exact_index()


def _nums(row: list[Taken]) -> list[int | float]:
    return [t.value.value if t.value is not None else 0 for t in row]


def _adds_up(row: list[Taken]) -> bool:
    nums = _nums(row)
    return sum(nums[:-1]) == nums[-1]


def _starts_line(cells: list[Cell], i: int) -> bool:
    return i == 0 or cells[i - 1].line != cells[i].line



def _parts(taken: list[Taken], solution: list[int]) -> list[tuple[Value, Cell]]:
    """Each part of a split with the cell it was cut from, its own span, and the note of its
    run on the run's last part (2（放弃申请）000002 → 2 carries 放弃申请)."""
    out: list[tuple[Value, Cell]] = []
    i = 0
    for t in taken:
        v = t.value
        assert v is not None
        text = t.cell.text
        pos = max(text.find(v.digits), 0)
        used = 0
        while used < len(v.digits) and i < len(solution):
            x = solution[i]
            width = len(str(abs(x)))
            start = t.cell.start + pos + used
            sub = Cell(str(x), t.cell.line, start, start + width, glued=True)
            used += width
            last = used >= len(v.digits)
            out.append((Value(value=x, unit=None, note=v.note if last else None, approximate=False, converted=False,
                              digits=str(abs(x)), signed=x < 0), sub))
            i += 1
    return out


@lru_cache(maxsize=16384)
def _match_app(text: str, template: str, glued: bool) -> tuple[str, str, str | None] | None:
    number, core = split_numbering(text) if len(text) <= CACHED_CHARS else split_numbering.__wrapped__(text)
    if not core or (len(core) > 60 and not glued):
        return None
    exact = _EXACT_APP.get((template, core))
    if exact:  # fast path: the label as the template writes it
        fits = [e for e in exact if not e[4] or number == e[3]]
        if fits:
            best_exact = max(fits, key=lambda e: (number is not None and number == e[3], e[0] == "row"))
            return best_exact[0], best_exact[1], best_exact[2]
    best: tuple[int, str, str, str | None] | None = None
    for row in APP_ROWS:
        if template not in row.templates:
            continue
        for a in row.aliases:
            rank = _rank(core, a, generic=row.key in GENERIC_ROWS)
            if rank is None:
                continue
            if row.key in GENERIC_ROWS and number != row.number:
                continue
            if number is not None and number == row.number:
                rank += 1
            if best is None or rank > best[0]:
                best = (rank, "row", row.key, row.group)
    for g in APP_GROUPS:
        if template not in g.templates:
            continue
        for a in g.aliases:
            generic = a == "其他"
            rank = _rank(core, a, generic=generic)
            if rank is None:
                continue
            if generic and number != g.number:
                continue
            if number is not None and number == g.number:
                rank += 1
            if best is None or rank > best[0]:
                best = (rank, "group", g.key, g.key)
    if best is None and glued and len(core) > 2:
        # a flattened table: the label is what the text cell ends with
        for row in APP_ROWS:
            if template in row.templates and row.key not in GENERIC_ROWS:
                for a in row.aliases:
                    if len(a) >= 4 and core.endswith(a) and (best is None or len(a) > best[0]):
                        best = (len(a), "row", row.key, row.group)
    if best is None:
        return None
    return best[1], best[2], best[3]


def _rank(core: str, alias: str, *, generic: bool) -> int | None:
    """How well a cell's text matches a label: 4 equal, 3 starts with it (a longer label with
    a note), 2 the start of a label broken across lines, 1 one slip away; None no match."""
    if core == alias:
        return 40
    if generic:
        return None
    if len(alias) >= 2 and core.startswith(alias) and len(core) <= len(alias) + 30:
        return 30 + min(len(alias), 9)
    if len(core) >= 5 and alias.startswith(core):
        return 20 + min(len(core), 9)
    if len(alias) >= 5 and matches(core, alias):
        return 10
    return None
