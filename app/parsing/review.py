"""Section 四 (行政复议、行政诉讼情况): one row of 15 numbers under a header, five outcomes
(the last their 总计) for each of 行政复议, 未经复议直接起诉 and 复议后起诉. A block whose
outcomes do not add up is left out (row_sum_mismatch); a blank 总计 is the sum of its
outcomes (derived); digits run together are split by the three sums.

    行政复议 | 行政诉讼 / 结果维持 | 结果纠正 | … / 2 | 1 | 3 | 1 | 7 | 0 | … | 19
    -> review_litigation.reconsideration.upheld 2, … .total 7, …
"""

from __future__ import annotations

from app.parsing.findings import Code
from app.parsing.grid import Grid, Taken, numbers
from app.parsing.reading import Reading
from app.parsing.sections import REVIEW_ANCHOR, review_anchor, review_header
from app.parsing.repair import split_row
from app.parsing.templates import Template, adds_up
from app.parsing.values import is_blank


def read_review(grid: Grid, template: Template) -> Reading:
    """Section 四's figures and findings: the first header followed by all its values, or
    split from run-together digits; else the longest run found, as an incomplete_row."""
    out = Reading(grid)
    table = template.review
    kinds, width = len(table.kinds), len(table.outcomes)
    n = kinds * width
    keys = table.keys()
    units = [o.unit for _ in table.kinds for o in table.outcomes]
    words = table.header_chars
    best: list[Taken] = []
    cells = grid.cells
    read = checked = -1  # the last header read, and how far only headers and blanks follow it
    for idx, s in enumerate(grid.squashed):
        if REVIEW_ANCHOR not in s or not review_anchor(grid, idx, words):
            continue
        if read >= 0:
            # only headers and blanks (that no value claims) since the last header read: the
            # same values follow this one, read already
            j = checked + 1
            while j < idx and (review_header(grid, j, words) or (
                    is_blank(cells[j].text) and not grid.numeric_later_on_line(j))):
                j += 1
            if j == idx:
                checked = idx
                continue
        grid.check_budget()
        read = checked = idx
        taken = _blanks_after(grid, grid.collect(idx + 1, n, skip=lambda j: review_header(grid, j, words)), n)
        if 0 < len(taken) < n and grid.splittable(taken):
            fixed = split_row(out, taken, (("sum", width - 1),) * kinds, keys, budget=grid.budget)
            if fixed is not None:
                for key, t, unit in zip(keys, fixed, units):
                    if t is not None:
                        out.figure(key, t, unit, "review_litigation")
                return out
        if len(taken) == n:
            _table(out, grid, taken, kinds, width, keys, units)
            return out
        if len(taken) > len(best):
            best = taken
    if best:
        out.finding(Code.INCOMPLETE_ROW, f"Section 四 table has {len(best)} of {n} values; left out.",
                    ("review_litigation",), best[0].cell)
    else:
        out.finding(Code.MISSING_SECTION, "No section 四 table (行政复议、行政诉讼情况) was found.",
                    ("review_litigation",))
    return out


def _blanks_after(grid: Grid, taken: list[Taken], n: int) -> list[Taken]:
    """The values, and the blank cells that end their last line when they make the table's n
    (`… | 0 | 1 |  |  |  |  |  |`: a block left blank, each cell 0, its 总计 derived) — only
    for values that are cells of their own, never cut from run-together digits."""
    if not taken or len(taken) >= n or any(t.value is None or t.cell.glued for t in taken):
        return taken
    cells, last = grid.cells, taken[-1].cell
    i = next((j for j in range(len(cells) - 1, -1, -1) if cells[j] is last), None)
    if i is None:
        return taken
    blanks = []
    for c in cells[i + 1:i + 1 + n]:
        if c.line != last.line:
            break
        if not is_blank(c.text):
            return taken
        blanks.append(Taken(None, c))
    return taken + blanks if len(taken) + len(blanks) == n else taken


def _table(out: Reading, grid: Grid, taken: list[Taken], kinds: int, width: int, keys: tuple[str, ...],
           units: list[str]) -> None:
    """The 15 values in the template's order (kind by kind, each kind's outcomes), or
    transposed (outcome by outcome, each its kinds: a table printed with one row an outcome).
    Lines of as many numbers as there are kinds say the table is transposed, lines of as many
    as outcomes (or all on one line) that it is not; with the numbers one a line, the order
    under which every block adds up, alone. A reading whose blocks do not all add up keeps
    only the blocks that do when the lines say which reading it is; else none."""
    by_kind = taken
    by_outcome = [taken[o * kinds + k] for k in range(kinds) for o in range(width)]
    lines: list[int] = []
    for t in taken:
        if lines and lines[-1] == t.cell.line:
            continue
        lines.append(t.cell.line)
    per_line = {sum(1 for t in taken if t.cell.line == line) for line in lines}

    def fits(values: list[Taken]) -> bool:
        return all(values[b * width + width - 1].value is None or adds_up(numbers(values[b * width:(b + 1) * width]))
                   for b in range(kinds))

    printed = False  # the template's order, from cells of their own on lines that say so
    if per_line == {kinds} and kinds != width:
        chosen, sure = by_outcome, True
    elif per_line <= {width, kinds * width}:
        chosen, sure = by_kind, True
        printed = not any(t.value is None or t.repaired or t.cell.glued for t in taken)
    else:  # one a line, or lines of no one length: the arithmetic tells
        ok = [v for v in (by_kind, by_outcome) if fits(v)]
        same = len(ok) == 2 and numbers(ok[0]) == numbers(ok[1])
        if len(ok) == 1 or same:
            chosen, sure = ok[0], True
        elif ok:
            out.finding(Code.AMBIGUOUS_ROW, "Section 四: its 15 numbers add up read kind by kind and outcome by "
                                            "outcome alike, with other figures; left out.",
                        ("review_litigation",), taken[0].cell)
            return
        else:
            chosen, sure = by_kind, False
    if not sure and not fits(chosen):
        out.finding(Code.ROW_SUM_MISMATCH, "Section 四: its numbers one a line do not add up read kind by kind or "
                                           "outcome by outcome; left out.", ("review_litigation",), taken[0].cell)
        return
    for b in range(kinds):
        part = slice(b * width, (b + 1) * width)
        _block(out, chosen[part], keys[part], units[part], printed)


def _block(out: Reading, block: list[Taken], names: tuple[str, ...], units: list[str], printed: bool = False) -> None:
    """One kind's outcomes, left out when they do not add up to their 总计 — but kept as
    printed, with an identity_mismatch, when they are cells of their own (`printed`)."""
    nums = numbers(block)
    if block[-1].value is not None and not adds_up(nums) and printed:
        out.finding(Code.IDENTITY_MISMATCH, f"{names[0].rsplit('.', 1)[0]}: the outcomes {nums[:-1]} add up to "
                                            f"{sum(nums[:-1])}, 总计 says {nums[-1]}; kept as printed.", names,
                    block[0].cell)
    elif block[-1].value is not None and not adds_up(nums):
        out.finding(Code.ROW_SUM_MISMATCH, f"{names[0].rsplit('.', 1)[0]}: the outcomes {nums[:-1]} add up to "
                                           f"{sum(nums[:-1])}, 总计 says {nums[-1]}; left out.", names, block[0].cell)
        return
    for key, t, unit in zip(names, block, units):
        if t is block[-1] and t.value is None:  # a blank 总计: the sum of the outcomes
            out.figure(key, None, unit, "review_litigation", value=sum(nums[:-1]), flags=("derived",), cell=t.cell)
        else:
            out.figure(key, t, unit, "review_litigation")
