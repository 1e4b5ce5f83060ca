"""Splitting run-together digit strings with the template's arithmetic.

Crawlers that drop table markup glue a row's cells into one digit string: 21710000218 is
217 | 1 | 0 | 0 | 0 | 0 | 218 because the six applicant columns add up to 总计. A spec says
how a row's parts relate: ("free", k) is k parts with no constraint, ("sum", k) is k parts
followed by a part equal to their sum. Every way to cut the runs into parts that satisfies
the spec is returned (numbers are written without leading zeros); the caller decides what
to do when there is not exactly one.
"""

from __future__ import annotations

from app.parsing.budget import Budget

Spec = tuple[tuple[str, int], ...]
MAX_PART_DIGITS = 9
MAX_STEPS = 200_000  # for one row; a report's rows together have its budget's repair_steps


class TooManySplits(Exception):
    pass


def spec_size(spec: Spec) -> int:
    return sum(k + (1 if kind == "sum" else 0) for kind, k in spec)


def solve(runs: list[tuple[str, str]], spec: Spec, limit: int = 8,
          signed_cols: frozenset[int] | None = None, budget: Budget | None = None) -> tuple[list[list[int]], bool]:
    """The splits of `runs` (sign '' | '+' | '-', digits) — parts never span two runs — that
    satisfy `spec`, at most `limit` of them (more than one already means ambiguous), and
    whether the search was complete (False when it gave up after MAX_STEPS). A run written
    with a sign (增2, 减30, -7) starts a signed column: with `signed_cols` given, only there.
    With a `budget`, the steps count against its repair_steps too (a search that runs out of
    them is incomplete), and its deadline is checked every 4,096 steps."""
    n = spec_size(spec)
    total_digits = sum(len(d) for _, d in runs)
    if total_digits < n or len(runs) > n or not runs:
        return [], True
    # which part positions are sums, and over which parts
    sums: dict[int, tuple[int, int]] = {}
    pos = 0
    for kind, k in spec:
        if kind == "sum":
            sums[pos + k] = (pos, pos + k)
            pos += k + 1
        else:
            pos += k
    # for pruning: digits left after each run, and the sum block each part position is in
    after: list[int] = [0] * len(runs)
    for i in range(len(runs) - 2, -1, -1):
        after[i] = after[i + 1] + len(runs[i + 1][1])
    block_of: dict[int, tuple[int, int]] = {i: (a, b) for b, (a, _) in sums.items() for i in range(a, b)}
    unsigned = all(sign != "-" for sign, _ in runs)  # partial sums only grow: a sum's digits are known
    out: list[list[int]] = []
    steps = 0
    max_steps = MAX_STEPS if budget is None else min(MAX_STEPS, budget.repair_steps)

    def rec(ri: int, at: int, acc: list[int]) -> None:
        nonlocal steps
        steps += 1
        if steps > max_steps:
            raise TooManySplits
        if budget is not None and not steps & 4095:
            budget.check("repair")
        if ri == len(runs):
            if len(acc) == n:
                out.append(list(acc))
            return
        if len(acc) >= n:
            return
        sign, digits = runs[ri]
        negative = sign == "-"
        index = len(acc)
        if at == 0 and sign and signed_cols is not None and index not in signed_cols:
            return
        remaining_parts = n - len(acc)
        remaining_runs = len(runs) - ri
        if remaining_parts < remaining_runs:
            return
        if index in sums:
            a, b = sums[index]
            target = sum(acc[a:b])
            text = str(abs(target))
            if target < 0 or not digits.startswith(text, at):
                return
            end = at + len(text)
            acc.append(target)
            if end == len(digits):
                rec(ri + 1, 0, acc)
            else:
                rec(ri, end, acc)
            acc.pop()
            return
        block = block_of.get(index) if unsigned else None
        for end in range(at + 1, min(len(digits), at + MAX_PART_DIGITS) + 1):
            part = digits[at:end]
            if len(part) > 1 and part[0] == "0":
                break
            # every later part needs a digit (and a sum at least the digits of the partial sum so
            # far): a longer part only leaves fewer digits, so stop at the first that cannot fit
            left = len(digits) - end + after[ri]
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
            if end == len(digits):
                rec(ri + 1, 0, acc)
            else:
                rec(ri, end, acc)
            acc.pop()
            if len(out) >= limit:
                return

    try:
        rec(0, 0, [])
    except TooManySplits:
        return out, False
    finally:
        if budget is not None:
            budget.repair_steps -= min(steps, budget.repair_steps)
    return out, True
