"""Run-together cells → a row's values. The digit strings a reader took for a row are cut
by repair.solve into the splits the row's arithmetic allows; one split is the row
(every part `repaired`, with a `repaired` finding), several keep only the values they agree
on and say so (`ambiguous_split`). The caller chooses the spec and what else narrows the
splits down (figures the text states, the table's identities).

    21710000218 for a section 三 row, spec (("sum", 6),)
    -> splits: [[217, 1, 0, 0, 0, 0, 218]], complete
    -> settle: Taken 217, 1, 0, 0, 0, 0, 218, each with its own span inside the cell
"""

from __future__ import annotations

from app.parsing.findings import Code
from app.parsing.grid import Taken
from app.parsing.layout import Cell
from app.parsing.reading import Reading
from app.parsing.repair import Spec, solve
from app.parsing.values import Value

_SHOWN = 4  # splits a finding lists


def splits(taken: list[Taken], spec: Spec, known: dict[int, int | float] | None = None,
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
    solutions, complete = solve(runs, spec, signed_cols=signed_cols)
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
    for i in range(len(keys)):
        column = {sol[i] for sol in solutions}
        if len(column) == 1 and complete:
            v, c = _parts(taken, solutions[0])[i]
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


def repair(out: Reading, taken: list[Taken], spec: Spec, keys: tuple[str, ...],
           known: dict[int, int | float] | None = None,
           signed_cols: frozenset[int] = frozenset()) -> list[Taken | None] | None:
    """splits, then settle; None when no split fits."""
    found = splits(taken, spec, known, signed_cols)
    if found is None:
        return None
    return settle(out, taken, found[0], found[1], keys)


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
