"""Section 二 (主动公开政府信息情况): each row of the template found by its label, its
values the numbers that follow the label, in the template's column order. A row is read at
the first of its labels that gives it; one whose numbers cannot be told apart from another
row's is left out (ambiguous_row), one with too few values too (incomplete_row).

    行政许可 | 0 | 增2 | 1520            (2019: prev_items, change, decisions)
    -> active.permit.prev_items 0, active.permit.change 2, active.permit.decisions 1520
    行政事业性收费 | 2051.384207         (2021: amount_wan, in 万元 unless the header says 元 / 亿元)
"""

from __future__ import annotations

import re

from app.parsing import infer
from app.parsing.findings import Code
from app.parsing.grid import Grid, Taken
from app.parsing.reading import Reading
from app.parsing.rows import is_active_label
from app.parsing.sections import active_region
from app.parsing.repair import fitting_splits, settle, split_row
from app.parsing.templates import ActiveRow, Template
from app.parsing.tolerances import TOLERANCES
from app.parsing.layout import Cell
from app.parsing.values import Value, is_blank, parse_value


# the words of a note that name the column of a 2021 document row its number is in
_NOTE_WORDS = {"issued": ("修订", "制发", "新制定"), "repealed": ("失效", "废止"), "in_force": ("现行有效",)}
_DIGITS = re.compile(r"\d+")


def _leading_zero(t: Taken) -> bool:
    """A digit run no number is written as (00, 012): cells run together."""
    return t.value is not None and len(t.value.digits) > 1 and t.value.digits[0] == "0" and "." not in t.value.digits


def read_active(grid: Grid, template: Template, known: dict[str, int | float] | None = None,
                years: infer.NeighbourYears | None = None) -> Reading:
    """Section 二's figures and findings. `known`: figures the text states (find_hints),
    which choose among the splits of a run-together row; `years`: the same body's figures of
    the years around (infer.NeighbourYears), which do too."""
    return _ActiveReader(grid, template, known or {}, years).read()


class _ActiveReader:
    def __init__(self, grid: Grid, template: Template, known: dict[str, int | float],
                 years: infer.NeighbourYears | None = None) -> None:
        self.grid, self.template, self.known, self.years = grid, template, known, years
        self.out = Reading(grid)
        self.begin, self.end = active_region(grid)
        # the cells that may be a row label: not blank, not a bare digit string (no alias is one)
        squashed = grid.squashed
        self.maybe_labels = [i for i in range(self.begin, self.end) if squashed[i] and not squashed[i].isdigit()]
        self.moved_out: dict[int, list[Taken]] = {}  # labels whose row lost numbers to loose annotated lines: those
        self._kinds: dict[int, int] = {}  # _label_kind's answers: a run of labels is looked at for each of them

    def read(self) -> Reading:
        found_any = False
        for row in self.template.active:
            self.grid.check_budget()
            found_any = self._row(row) or found_any
        if not found_any:
            self.out.finding(Code.MISSING_SECTION, "No section 二 table (主动公开政府信息情况) was found.", ("active",))
        return self.out

    def _emit(self, row: ActiveRow, keys: tuple[str, ...], values) -> bool:
        """The row's figures, a value for each column (None: that column left out); True."""
        for (_, unit), key, t in zip(row.columns, keys, values):
            if t is not None:
                self.out.figure(key, t, unit, "active")
        return True

    def _split_spaced(self, row: ActiveRow, keys: tuple[str, ...], taken: list[Taken]) -> bool:
        """Digit runs a space apart, one of them run together (行政许可00 0: no number is
        written 00): split, and True, only when one split alone fits."""
        signed = frozenset(i for i, (suffix, _) in enumerate(row.columns) if suffix == "change")
        found = fitting_splits(taken, (("free", len(row.columns)),), None, signed, self.grid.budget)
        if found is not None and found[1] and len(found[0]) == 1:
            return self._emit(row, keys, settle(self.out, taken, found[0], True, keys))
        return False

    def _row(self, row: ActiveRow) -> bool:
        """Read `row` at the first of its labels that gives it; True when its figures were read."""
        grid, out = self.grid, self.out
        n = len(row.columns)
        keys = tuple(f"{row.key}.{suffix}" for suffix, _ in row.columns)
        partial: list[Taken] | None = None
        partial_idx = -1
        label_seen = None
        for idx in self.maybe_labels:
            if not is_active_label(grid, idx, row.aliases):
                continue
            label_seen = label_seen or grid.cells[idx]
            taken = self._values_after(row, idx)
            misplaced = self._misplaced(row, idx, taken) if len(taken) == n else None
            if misplaced is not None:
                out.finding(Code.AMBIGUOUS_ROW, f"Row {row.aliases[0]} {misplaced}", keys, grid.cells[idx])
                return False
            # without arithmetic to check a split, only a single cell or a flattened table is split
            if (len(taken) == 1 and n == 2 and row.columns[1][1] == "万元" and idx not in self.moved_out
                    and grid.splittable(taken)):
                split = self._split_amount(row, keys, taken[0], idx)
                if split is not None:
                    return split
            if taken and len(taken) < n and idx not in self.moved_out and grid.splittable(taken) \
                    and grid.spaced_runs(taken) and any(_leading_zero(t) for t in taken):
                if self._split_spaced(row, keys, taken):
                    return True
            if (taken and len(taken) < n and idx not in self.moved_out and grid.splittable(taken)
                    and not grid.spaced_runs(taken)):
                hints = {i: self.known[k] for i, k in enumerate(keys) if k in self.known}
                signed = frozenset(i for i, (suffix, _) in enumerate(row.columns) if suffix == "change")
                fixed = split_row(out, taken, (("free", n),), keys, hints, signed, grid.budget,
                                  choose=self._chooser(row, keys, hints))
                if fixed is not None:
                    return self._emit(row, keys, fixed)
            if len(taken) == n:
                return self._emit(row, keys, taken)
            if taken and partial is None:
                partial, partial_idx = taken, idx
        if partial and partial_idx in self.moved_out and self._place_notes(row, keys, partial, self.moved_out[partial_idx]):
            return True
        if partial:
            why = ("; the others stand on loose lines with notes after it, which column each is cannot be told"
                   if partial_idx in self.moved_out else "")
            out.finding(Code.INCOMPLETE_ROW, f"Row {row.aliases[0]} has {len(partial)} of {n} values{why}; left out.",
                        keys, partial[0].cell)
        elif label_seen is not None:
            out.finding(Code.INCOMPLETE_ROW,
                        f"Row {row.aliases[0]}: no numbers were found where its label stands; left out.", keys, label_seen)
        return False

    def _split_amount(self, row: ActiveRow, keys: tuple[str, ...], t: Taken, idx: int) -> bool | None:
        """A count glued to its amount in one cell (政府集中采购3922533.2元: items, then the amount
        with its decimals and unit): the digits before the decimal point cut in two. One cut
        only (00万元) is the row, repaired; one that the text's count (采购项目3个) leaves, inferred;
        else ambiguous_split. None: not such a cell."""
        v = t.value
        if v is None or v.signed or (v.unit is not None and v.unit not in ("元", "万元", "亿元")):
            return None
        cells = self.grid.cells
        j = next((k for k in range(idx + 1, min(idx + 4, len(cells))) if cells[k] is t.cell), None)
        after = cells[j + 1].text.strip() if j is not None and j + 1 < len(cells) else ""
        unit_cell = after if after in ("元", "万元", "亿元") and cells[j + 1].line == t.cell.line else ""  # type: ignore[index]
        whole, _, frac = v.digits.partition(".")
        unit = v.unit or unit_cell or self._money_unit(idx)
        cuts = [(whole[:i], whole[i:]) for i in range(1, len(whole))
                if (whole[:i] == "0" or whole[0] != "0") and (whole[i:] == "0" or whole[i] != "0"
                                                                or (frac and whole[i:] == "0"))]
        if not cuts:
            return None
        known = self.known.get(keys[0])
        fits = [c for c in cuts if known is None or int(c[0]) == known]
        out, cell = self.out, t.cell
        shown = cell.text
        if len(fits) != 1:
            options = "; ".join(f"{a}, {b}{'.' + frac if frac else ''}{unit}" for a, b in fits[:4])
            out.finding(Code.AMBIGUOUS_SPLIT, f"Run-together digits {shown!r} fit several splits of a count and an "
                                              f"amount ({options}{' …' if len(fits) > 4 else ''}); left out.",
                        keys, cell)
            return False
        items, amount = fits[0]
        amount_text = amount + ("." + frac if frac else "")
        money = parse_value(amount_text + unit, money=True)
        if money is None:
            return None
        at = cell.start + max(cell.text.find(v.digits), 0)
        inferred = len(cuts) > 1
        parts = (Taken(Value(int(items), None, None, False, False, items, False),
                       Cell(items, cell.line, at, at + len(items), glued=True), repaired=True, inferred=inferred),
                 Taken(money, Cell(amount_text + (v.unit or ""), cell.line, at + len(items),
                                   at + len(items) + len(amount_text) + len(v.unit or ""), glued=True),
                       repaired=True, inferred=inferred))
        if inferred:
            out.finding(Code.INFERRED_SPLIT, f"Run-together digits {shown!r} fit {len(cuts)} splits of a count and an "
                                             f"amount; inferred {items}, {amount_text}{unit} (the text states "
                                             f"{keys[0]} {known}).", keys, cell)
        else:
            out.finding(Code.REPAIRED, f"Run-together digits {shown!r} split into {items}, {amount_text}{unit} "
                                       f"(numbers have no leading zeros).", keys, cell)
        for (_, unit_), key, part in zip(row.columns, keys, parts):
            out.figure(key, part, unit_, "active")
        return True

    def _chooser(self, row: ActiveRow, keys: tuple[str, ...], hints: dict[int, int | float]):
        """Which of several fitting splits of the row the evidence singles out (infer.py):
        the same body's other years, then the priors, with the margin the prose's part in it
        allows."""
        suffixes = tuple(suffix for suffix, _ in row.columns)
        template = self.template.name

        def choose(solutions: list[list[int]]) -> tuple[list[int], str] | None:
            choice = infer.choose(template, row.key, suffixes, solutions, prose=bool(hints), years=self.years)
            if choice.best is None:
                return None
            said = ", ".join(f"{keys[i]} {v}" for i, v in sorted(hints.items()))
            text = f"the text states {said}; " if hints else ""
            years = f"the same body's other years: {choice.years}" if choice.years else ""
            if choice.ratio is None:  # the other years left this split alone
                return list(choice.best), f"{text}{years}, which no other split keeps"
            best, runner = choice.ranked[0], choice.ranked[1]
            kept = [b for b in runner.breaks if b not in best.breaks]
            evidence = (f"{text}{years + ' (' + str(len(choice.ranked)) + ' splits keep it); ' if years else ''}"
                        f"the measured priors make it ×{choice.ratio:.1f} likelier than "
                        f"{'|'.join(map(str, runner.split))}, which breaks {', '.join(kept) or 'no more of them'} "
                        f"(needed ×{choice.needed:g})")
            return list(choice.best), evidence

        return choose

    def _values_after(self, row: ActiveRow, idx: int) -> list[Taken]:
        """The values after the label at idx: the cells that follow it, or, for a one-column
        row whose label has no number after it, the number at its place after a run of labels."""
        money = tuple(i for i, (_, unit) in enumerate(row.columns) if unit == "万元")
        taken = self.grid.collect(idx + 1, len(row.columns), money=money,
                                  money_unit=self._money_unit(idx) if money else "万元")
        if len(row.columns) == 1 and not taken and not money:
            after = self._after_labels(idx)
            taken = [after] if after is not None else []
        own = self._own_line(idx, taken)
        if len(own) < len(taken):
            self.moved_out[idx] = taken[len(own):]
        return own

    def _own_line(self, idx: int, taken: list[Taken]) -> list[Taken]:
        """The values on the label's own line when the label's line is a row of cells that
        gives some of them and the rest come from loose lines of their own carrying a note
        (`22（其中修订16件）`: a PDF tool that moved a cell's annotation out of the table, with
        the number). Which column such a loose number belongs to cannot be told from its
        place: it is not taken, and the row is incomplete."""
        grid = self.grid
        line = grid.cells[idx].line
        if grid.alone(idx) or not taken or taken[0].cell.line != line or taken[-1].cell.line == line:
            return taken
        own = [t for t in taken if t.cell.line == line]
        loose = taken[len(own):]
        if any(t.value is not None and t.value.note is not None and t.cell.start == 0
               and grid.norm.lines[t.cell.line].strip() == t.cell.text for t in loose):
            return own
        return taken

    def _place_notes(self, row: ActiveRow, keys: tuple[str, ...], own: list[Taken], loose: list[Taken]) -> bool:
        """A 2021 document row whose annotated numbers a PDF tool moved out of it, onto loose
        lines after it (`行政规范性文件 | 310 |`, `22（其中修订16件）`, `55（含自然失效29件）`): each
        loose number goes to the column its note's words name (_NOTE_WORDS: one column a note,
        no two notes the same, the note's own numbers no larger than the cell's: 其中/含 are
        parts of it), the numbers on the row's line to the columns left, in order. Given only
        when the row then keeps the near-rules among the priors (infer.strong_breaks) and what
        the text states of it (find_hints); the notes stay with their figures, a notes_placed finding says how. False: left out."""
        suffixes = tuple(suffix for suffix, _ in row.columns)
        if (self.template.name != "2021" or set(suffixes) != set(_NOTE_WORDS) or len(own) + len(loose) != len(suffixes)
                or any(t.value is None or t.value.signed or t.value.unit for t in (*own, *loose))):
            return False
        placed: dict[str, Taken] = {}
        for t in loose:
            note = t.value.note or ""  # type: ignore[union-attr]
            named = [col for col, words in _NOTE_WORDS.items() if any(w in note for w in words)]
            parts = [int(d) for d in _DIGITS.findall(note)]
            if len(named) != 1 or named[0] in placed or any(p > t.value.value for p in parts):  # type: ignore[union-attr]
                return False
            placed[named[0]] = t
        left = iter(own)
        row_vals = [placed[s] if s in placed else next(left) for s in suffixes]
        values = [t.value.value for t in row_vals]  # type: ignore[union-attr]
        broken = infer.strong_breaks(self.template.name, row.key, suffixes, values, TOLERANCES.note_prior_rate)
        if broken or any(self.known.get(k, v) != v for k, v in zip(keys, values)):
            return False  # a near-rule broken, or the text states another number for a column
        said = ", ".join(f"{t.cell.text} → {keys[suffixes.index(s)]}" for s, t in placed.items())
        rest = ", ".join(f"{t.cell.text} → {keys[i]}" for i, t in enumerate(row_vals) if any(t is o for o in own))
        self.out.finding(Code.NOTES_PLACED,
                         f"Row {row.aliases[0]}: numbers with notes stand on loose lines after it; their notes' words "
                         f"name their columns ({said}), the row's own line gives the rest ({rest}); the priors that "
                         f"hold in {TOLERANCES.note_prior_rate:.0%} of rows or more agree.", keys, own[0].cell)
        for (_, unit), key, t in zip(row.columns, keys, row_vals):
            self.out.figure(key, t, unit, "active")
        return True

    def _misplaced(self, row: ActiveRow, idx: int, taken: list[Taken]) -> str | None:
        """Why the full set of values after the label at idx may not be the row's own, or None."""
        grid = self.grid
        if any(t.value is not None and t.value.signed and suffix != "change" for (suffix, _), t in zip(row.columns, taken)):
            return "has a signed number (增/减) outside its 增/减 column: its cells are not where its columns are; left out."
        n = len(row.columns)
        if grid.more_on_line(idx, taken[-1].cell):
            return f"has more numbers on its line than its {n} column(s); which are its own cannot be told, left out."
        if n > 1:
            first = grid.row_before(idx, n)
            if first is not None and first > 0 and not any(
                    is_active_label(grid, first - 1, r.aliases) for r in self.template.active):
                # under the header, a row of numbers, the label, a row of numbers: which is its own?
                return ("stands between two rows of numbers, one above it and one after it; which is its own "
                        "cannot be told, left out.")
        return None

    def _money_unit(self, idx: int) -> str:
        """The unit an amount column's header gives (单位：元 / 亿元 / 万元), looking back from
        the row label at idx to the table's header."""
        squashed = self.grid.squashed
        for j in range(idx - 1, max(-1, idx - 1 - TOLERANCES.unit_header_cells), -1):
            s = squashed[j]
            if "金额" in s or "单位" in s:
                tail = s[s.find("金额"):] if "金额" in s else s
                if "亿元" in tail:
                    return "亿元"
                if "万元" in tail:
                    return "万元"
                if "元" in tail:
                    return "元"
        return "万元"

    def _label_kind(self, j: int) -> int:
        """1 a one-column row's label, 2 a wider row's label, 0 other text."""
        kind = self._kinds.get(j)
        if kind is None:
            kind = self._kinds[j] = next((1 if len(r.columns) == 1 else 2 for r in self.template.active
                                          if is_active_label(self.grid, j, r.aliases)), 0)
        return kind

    def _after_labels(self, idx: int) -> Taken | None:
        """The number of a one-column row whose label stands in a run of such labels, one a
        line, with their numbers after the run, one a line and as many as the labels (a PDF
        text tool that reads a table box by box: 行政处罚 / 行政强制 / 本年处理决定数量 / 3985758 /
        88283): the label's number is the one at its place. A label of a wider row, or
        anything but a few short headers between the labels and the numbers, and it is None
        (an amount is not read this way: its unit's header may stand anywhere)."""
        grid, begin, end = self.grid, self.begin, self.end
        first = idx
        j = idx - 1
        run = TOLERANCES.box_run_cells
        while j >= begin and grid.value_at(j) is None:
            if idx - j > run:
                return None  # no table's run of labels is this long
            k = self._label_kind(j)
            if k == 2:
                break
            if k == 1:
                first = j
            j -= 1
        labels = [j for j in range(first, idx + 1) if self._label_kind(j) == 1]
        j, headers = idx + 1, 0
        while j < end and grid.value_at(j) is None:
            if j - idx > run:
                return None
            k = self._label_kind(j)
            if k == 2:
                return None
            if k == 1:
                labels.append(j)
                headers = 0
            elif not is_blank(grid.cells[j].text):
                headers += 1
                if headers > TOLERANCES.box_headers or len(grid.squashed[j]) > TOLERANCES.box_header_len:
                    return None
            j += 1
        first_num = j
        while j < end and j - first_num <= len(labels) and grid.value_at(j) is not None and grid.alone(j):
            j += 1
        if j - first_num != len(labels) or (j < end and grid.value_at(j) is not None):
            return None
        at = first_num + labels.index(idx)
        v = grid.value_at(at)
        return Taken(v, grid.cells[at]) if v is not None else None
