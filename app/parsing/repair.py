"""Splitting run-together digit strings with the template's arithmetic.

Crawlers that drop table markup glue a row's cells into one digit string: 21710000218 is
217 | 1 | 0 | 0 | 0 | 0 | 218 because the six applicant columns add up to 总计. A spec says
how a row's parts relate: ("free", k) is k parts with no constraint, ("sum", k) is k parts
followed by a part equal to their sum. `solve` returns every way to cut the runs into parts
that satisfies the spec (numbers are written without leading zeros); `settle` decides for a
reader what the splits give: one split is the row (every part `repaired`, and a `repaired`
finding), several keep only the values they agree on and say so (`ambiguous_split`). The
reader chooses the spec and what else narrows the splits down (figures the text states,
the table's identities).

    solve([("", "21710000218")], (("sum", 6),))          -> ([[217, 1, 0, 0, 0, 0, 218]], True)
    split_row(out, [Taken(21710000218, cell)], (("sum", 6),), keys)
                                                         -> Taken 217, 1, 0, 0, 0, 0, 218, each its own span
"""

from __future__ import annotations

from collections.abc import Callable

from app.parsing.budget import Budget
from app.parsing.findings import Code
from app.parsing.grid import Taken
from app.parsing.layout import Cell
from app.parsing.reading import Reading
from app.parsing.tolerances import TOLERANCES
from app.parsing.values import Value

Spec = tuple[tuple[str, int], ...]
_SHOWN = 4  # splits a finding lists


class TooManySplits(Exception):
    pass


def spec_size(spec: Spec) -> int:
    return sum(k + (1 if kind == "sum" else 0) for kind, k in spec)


def solve(runs: list[tuple[str, str]], spec: Spec, limit: int = TOLERANCES.split_limit,
          signed_cols: frozenset[int] | None = None, budget: Budget | None = None) -> tuple[list[list[int]], bool]:
    """The splits of `runs` (sign '' | '+' | '-', digits) — parts never span two runs — that
    satisfy `spec`, at most `limit` of them (more than one already means ambiguous), and
    whether the search was complete (False when it gave up after TOLERANCES.split_steps). A
    run written with a sign (增2, 减30, -7) starts a signed column: with `signed_cols` given,
    only there. Parts have at most TOLERANCES.split_part_digits digits. With a `budget`, the
    steps count against its repair_steps too (a search that runs out of them is incomplete),
    and its deadline is checked every 4,096 steps."""
    n = spec_size(spec)
    total_digits = sum(len(d) for _, d in runs)
    if total_digits < n or len(runs) > n or not runs:
        return [], True
    search = _Search(runs, spec, n, limit, signed_cols, budget)
    try:
        search.extend(0, 0, [])
    except TooManySplits:
        return search.out, False
    finally:
        if budget is not None:
            budget.repair_steps -= min(search.steps, budget.repair_steps)
    return search.out, True


def _sum_blocks(spec: Spec) -> dict[int, tuple[int, int]]:
    """Which part positions are sums, and over which parts: position -> (first, end)."""
    sums: dict[int, tuple[int, int]] = {}
    pos = 0
    for kind, k in spec:
        if kind == "sum":
            sums[pos + k] = (pos, pos + k)
            pos += k + 1
        else:
            pos += k
    return sums


class _Search:
    """One depth-first search for the splits of `runs` that satisfy a spec of `n` parts, with
    its pruning tables, the splits found (`out`) and the steps taken. The parser's hottest
    loop: what a step reads is bound to locals first."""

    __slots__ = ("runs", "n", "limit", "signed_cols", "budget", "max_steps", "part_digits", "sums", "after",
                 "block_of", "unsigned", "n_runs", "run_len", "out", "steps")

    def __init__(self, runs: list[tuple[str, str]], spec: Spec, n: int, limit: int,
                 signed_cols: frozenset[int] | None, budget: Budget | None) -> None:
        self.runs, self.n, self.limit, self.signed_cols, self.budget = runs, n, limit, signed_cols, budget
        self.part_digits = TOLERANCES.split_part_digits
        self.max_steps = TOLERANCES.split_steps if budget is None else min(TOLERANCES.split_steps,
                                                                           budget.repair_steps)
        self.sums = _sum_blocks(spec)
        # for pruning: digits left after each run, and the sum block each part position is in
        after: list[int] = [0] * len(runs)
        for i in range(len(runs) - 2, -1, -1):
            after[i] = after[i + 1] + len(runs[i + 1][1])
        self.after = after
        self.block_of = {i: (a, b) for b, (a, _) in self.sums.items() for i in range(a, b)}
        self.unsigned = all(sign != "-" for sign, _ in runs)  # partial sums only grow: a sum's digits are known
        self.n_runs, self.run_len = len(runs), [len(d) for _, d in runs]
        self.out: list[list[int]] = []
        self.steps = 0

    def extend(self, ri: int, at: int, acc: list[int]) -> None:
        """Every split that continues the parts `acc` from digit `at` of run `ri`."""
        self.steps = steps = self.steps + 1
        if steps > self.max_steps:
            raise TooManySplits
        if self.budget is not None and not steps & 4095:
            self.budget.check("repair")
        n_runs, n = self.n_runs, self.n
        if ri < n_runs and at == self.run_len[ri]:  # this run used up: on to the next
            ri, at = ri + 1, 0
        if ri == n_runs:
            if len(acc) == n:
                self.out.append(list(acc))
            return
        if len(acc) >= n:
            return
        sign, digits = self.runs[ri]
        index = len(acc)
        if at == 0 and sign and self.signed_cols is not None and index not in self.signed_cols:
            return
        if n - len(acc) < n_runs - ri:  # fewer parts left than runs
            return
        if index in self.sums:
            a, b = self.sums[index]
            target = sum(acc[a:b])
            text = str(abs(target))
            if target < 0 or not digits.startswith(text, at):
                return
            acc.append(target)
            self.extend(ri, at + len(text), acc)
            acc.pop()
            return
        self._free_part(ri, at, acc, digits, sign == "-", index)

    def _free_part(self, ri: int, at: int, acc: list[int], digits: str, negative: bool, index: int) -> None:
        """Each way to take the next part (not a sum) from digit `at` of run `ri`, and what follows."""
        n, out, limit = self.n, self.out, self.limit
        left_after = self.after[ri]
        block = self.block_of.get(index) if self.unsigned else None
        for end in range(at + 1, min(len(digits), at + self.part_digits) + 1):
            part = digits[at:end]
            if len(part) > 1 and part[0] == "0":
                break
            # every later part needs a digit (and a sum at least the digits of the partial sum so
            # far): a longer part only leaves fewer digits, so stop at the first that cannot fit
            left = len(digits) - end + left_after
            if left < n - index - 1:
                break
            value = int(part)
            if block is not None:
                a, b = block
                partial = sum(acc[a:index]) + value
                if left < (n - index - 1) + len(str(partial)) - 1:
                    break
            if negative and at == 0:
                value = -value
            acc.append(value)
            self.extend(ri, end, acc)
            acc.pop()
            if len(out) >= limit:
                return


# ---------------------------------------------------------------- a reader's side

def fitting_splits(taken: list[Taken], spec: Spec, known: dict[int, int | float] | None = None,
                   signed_cols: frozenset[int] = frozenset(),
                   budget: Budget | None = None) -> tuple[list[list[int]], bool] | None:
    """The ways to split the run-together digit strings among `taken` that satisfy `spec`
    (and values `known` from elsewhere, by position), and whether the search was complete;
    None when the cells are not plain digit strings or nothing fits."""
    runs: list[tuple[str, str]] = []
    for t in taken:
        v = t.value
        if v is None or v.unit or isinstance(v.value, float) or "." in v.digits:
            return None
        runs.append(("-" if v.value < 0 else "+" if v.signed else "", v.digits))
    solutions, complete = solve(runs, spec, signed_cols=signed_cols, budget=budget)
    if known:
        solutions = [sol for sol in solutions if all(sol[i] == val for i, val in known.items())]
    return (solutions, complete) if solutions else None


def settle(out: Reading, taken: list[Taken], solutions: list[list[int]], complete: bool,
           keys: tuple[str, ...]) -> list[Taken | None]:
    """One Taken per key from the fitting splits: all of them when one split fits; where
    several fit, only the values they agree on, and an ambiguous_split finding."""
    cell = taken[0].cell
    shown = " ".join(t.cell.text for t in taken)
    if len(solutions) == 1 and complete:
        out.finding(Code.REPAIRED, f"Run-together digits {shown!r} split by the template's arithmetic into "
                                   f"{', '.join(str(x) for x in solutions[0])}.", keys, cell)
        return [Taken(v, c, repaired=True) for v, c in _parts(taken, solutions[0])]
    agreed: list[Taken | None] = []
    parts = _parts(taken, solutions[0]) if complete else []
    for i in range(len(keys)):
        if complete and len({sol[i] for sol in solutions}) == 1:
            v, c = parts[i]
            agreed.append(Taken(v, c, repaired=True))
        else:
            agreed.append(None)
    left_out = tuple(k for k, t in zip(keys, agreed) if t is None)
    options = "; ".join(", ".join(str(x) for x in sol) for sol in solutions[:_SHOWN])
    out.finding(Code.AMBIGUOUS_SPLIT,
                f"Run-together digits {shown!r} fit {'several' if complete else 'too many'} splits "
                f"({options}{' …' if len(solutions) > _SHOWN or not complete else ''}); "
                f"{len(left_out)} figure(s) left out.", left_out, cell)
    return agreed


def split_row(out: Reading, taken: list[Taken], spec: Spec, keys: tuple[str, ...],
              known: dict[int, int | float] | None = None,
              signed_cols: frozenset[int] = frozenset(), budget: Budget | None = None,
              choose: Callable[[list[list[int]]], tuple[list[int], str] | None] | None = None,
              ) -> list[Taken | None] | None:
    """fitting_splits, then settle; None when no split fits. `choose`: given the fitting
    splits (several, the search complete), the one the evidence singles out and a sentence
    saying what evidence, or None: that split is the row. Values `known` from the text that
    narrow the splits are evidence too: the values on which the splits the arithmetic alone
    allows differ are flagged inferred (an inferred_split finding lists the alternatives)."""
    found = fitting_splits(taken, spec, None, signed_cols, budget)
    if found is None:
        return None
    every, complete = found
    solutions = [sol for sol in every if all(sol[i] == val for i, val in (known or {}).items())]
    if not solutions:
        return None
    every = solutions + [sol for sol in every if sol not in solutions]  # those the text allows first
    if complete and len(solutions) > 1 and choose is not None:
        chosen = choose(solutions)
        if chosen is not None:
            return infer_split(out, taken, every, chosen[0], chosen[1], keys)
    if complete and len(solutions) == 1 and len(every) > 1:
        said = ", ".join(f"{keys[i]} {v}" for i, v in sorted((known or {}).items()))
        return infer_split(out, taken, every, solutions[0], f"the text states {said}", keys)
    return settle(out, taken, solutions, complete, keys)


def infer_split(out: Reading, taken: list[Taken], solutions: list[list[int]], best: list[int], evidence: str,
                keys: tuple[str, ...]) -> list[Taken | None]:
    """The split `best` among `solutions` as the row: the values every split agrees on are
    repaired, the others inferred; an inferred_split finding names them, the alternatives
    and the evidence."""
    cell = taken[0].cell
    shown = " ".join(t.cell.text for t in taken)
    parts = _parts(taken, best)
    row: list[Taken | None] = []
    inferred = []
    for i, (v, c) in enumerate(parts):
        agreed = len({sol[i] for sol in solutions}) == 1
        row.append(Taken(v, c, repaired=True, inferred=not agreed))
        if not agreed:
            inferred.append(keys[i])
    others = [sol for sol in solutions if list(sol) != list(best)]
    options = "; ".join(", ".join(str(x) for x in sol) for sol in others[:_SHOWN])
    out.finding(Code.INFERRED_SPLIT,
                f"Run-together digits {shown!r} fit {len(solutions)} splits; inferred "
                f"{', '.join(str(x) for x in best)} ({evidence}); the others: {options}"
                f"{' …' if len(others) > _SHOWN else ''}.", tuple(inferred), cell)
    return row


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
