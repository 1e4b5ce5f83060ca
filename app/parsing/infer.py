"""Inferred splits: choosing among the splits of a run-together section 二 row that the
arithmetic and the prose leave open, by the priors measured on cleanly read reports
(`data/priors.json`, written by `bench/priors.py --write`; docs/priors.md).

Every split is scored, for each prior that applies to its row, by the prior's smoothed rate
at the forced tier over its informative observations, (holds + 1) / (n + 2), when the split
keeps it and one minus that when it breaks it; and for each pair of neighbouring cells both
other than 0, by the rate at which such cells differ by at most one digit. The best split is
given — its figures flagged `inferred` — only when it is at least `MARGIN_WITH_PROSE` times
likelier than the next where the report's prose fixed part of the row, `MARGIN_PRIORS_ALONE`
times on the priors alone; else the row is left out as before (`ambiguous_split`).

    choose("2021", "active.normative_docs", ("issued", "repealed", "in_force"),
           [[62, 33, 440], [62, 3, 3440], …], prose=True)
    -> Choice(best=[62, 33, 440], ratio=9.0, ranked=[…])

The margins, measured (docs/unseen-reports.md, `bench/priors.py --leave-one-out`): real rows
whose best split is their own win by ×2.6 … ×144, the one real row whose best is wrong
(淮安 2024 82666) by ×1.6, and a synthetic year that repealed more than it issued (11022) would
be inferred wrong at ×13. Priors alone therefore count only from ×20; with the report's own
prose fixing part of the row, from ×5 (pingtan-2024's 62|33|440 wins by ×9).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

MARGIN_WITH_PROSE = 5.0
MARGIN_PRIORS_ALONE = 20.0
_DATA = Path(__file__).with_name("data") / "priors.json"

# the regularities of bench/priors.py's ROW_PRIORS, by id: a test over the row's values in
# the prior's column order (tests/test_infer.py holds the two lists to the same ids)
TESTS: dict[str, Callable[..., bool]] = {
    "docs_made_eq_published": lambda a, b: a == b,
    "docs_total_ge_published": lambda a, b: b >= a,
    "docs_total_ge_made": lambda a, b: b >= a,
    "items_change_within_prev": lambda a, b: abs(b) <= a,
    "items_change_zero": lambda a: a == 0,
    "items_decisions_zero_without_items": lambda a, b, c: a + b != 0 or c == 0,
    "procurement_amount_ge_items": lambda a, b: a == 0 or b >= a,
    "docs_in_force_ge_issued": lambda a, b: b >= a,
    "docs_repealed_le_in_force": lambda a, b: a <= b,
    "docs_repealed_le_issued": lambda a, b: b <= a,
    "docs_in_force_eq_issued": lambda a, b: a == b,
    "docs_repealed_zero": lambda a: a == 0,
}


@dataclass(frozen=True, slots=True)
class Prior:
    id: str
    rows: tuple[str, ...]
    columns: tuple[str, ...]
    rate: float  # smoothed informative rate at the forced tier


@dataclass(frozen=True, slots=True)
class Scored:
    split: tuple[int, ...]
    log_score: float
    breaks: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Choice:
    best: tuple[int, ...] | None  # None: no clear margin
    ratio: float | None  # how many times likelier the best is than the next
    needed: float
    ranked: tuple[Scored, ...]
    years: str | None = None  # what the same body's other years said (evidence (b)), if they narrowed the splits


@dataclass(frozen=True, slots=True)
class NeighbourYears:
    """The same body's figures of the years around the report's, as stored (key → value; the
    caller leaves out inferred figures): evidence (b) for the splits of a run-together row.
    `previous` is year t−1, `next` year t+1. A pure input: the parser never looks them up."""

    previous: Mapping[str, float] | None = None
    next: Mapping[str, float] | None = None

    def __bool__(self) -> bool:
        return bool(self.previous) or bool(self.next)


def year_identities(template: str, row: str, years: NeighbourYears) -> list[tuple[str, Callable[[dict], bool]]]:
    """The cross-year identities that apply to `row` with the neighbours' figures at hand:
    (what it says with their numbers, a test of a split's values by column). 2021:
    in_force(t) = in_force(t−1) + issued(t) − repealed(t); 2019: prev_items(t+1) =
    prev_items(t) + change(t), and prev_items(t) = prev_items(t−1) + change(t−1)."""
    prev, after = years.previous or {}, years.next or {}
    out: list[tuple[str, Callable[[dict], bool]]] = []
    if template == "2021" and f"{row}.in_force" in prev:
        p = prev[f"{row}.in_force"]
        out.append((f"in_force(t−1) {_fmt(p)} + issued − repealed = in_force",
                    lambda v, p=p: "in_force" in v and v["in_force"] == p + v["issued"] - v["repealed"]))
    if template == "2019" and f"{row}.prev_items" in after:
        n = after[f"{row}.prev_items"]
        out.append((f"prev_items + change = prev_items(t+1) {_fmt(n)}",
                    lambda v, n=n: "change" in v and v["prev_items"] + v["change"] == n))
    if template == "2019" and f"{row}.prev_items" in prev and f"{row}.change" in prev:
        p = prev[f"{row}.prev_items"] + prev[f"{row}.change"]
        out.append((f"prev_items(t−1) + change(t−1) = {_fmt(p)} = prev_items",
                    lambda v, p=p: v.get("prev_items") == p))
    return out


def _fmt(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v:g}"


def narrow_by_years(template: str, row: str, columns: tuple[str, ...], splits: list[list[int]],
                    years: NeighbourYears | None) -> tuple[list[list[int]], str | None]:
    """The splits under which every cross-year identity that applies holds, and what they
    say; all the splits and None when none applies, or when no split keeps them (a body that
    does not keep them: 5 of 6 real checks fail, docs/unseen-reports.md — never evidence
    against the report)."""
    if not years:
        return splits, None
    identities = year_identities(template, row, years)
    if not identities:
        return splits, None
    kept = [s for s in splits if all(test(dict(zip(columns, s))) for _, test in identities)]
    if not kept or len(kept) == len(splits):
        return splits, None
    return kept, "; ".join(said for said, _ in identities)


def _rate(counts: dict) -> float:
    return (counts["informative_holds"] + 1) / (counts["informative_n"] + 2)


def load() -> None:
    """Read data/priors.json now (the parse processes' forkserver does, once for all)."""
    _priors()


@lru_cache(maxsize=1)
def _priors() -> tuple[dict[str, tuple[Prior, ...]], dict[str, float]]:
    """The row priors by template, and the neighbouring-digits rate of section 二 by template."""
    data = json.loads(_DATA.read_text(encoding="utf-8"))
    rows: dict[str, list[Prior]] = {}
    for p in data["row_priors"]:
        if p["id"] not in TESTS:
            continue
        prior = Prior(p["id"], tuple(p["rows"]), tuple(p["columns"]), _rate(p["counts"]["forced"]))
        for tpl in (("2019", "2021") if p["template"] == "both" else (p["template"],)):
            rows.setdefault(tpl, []).append(prior)
    digits = {p["template"]: _rate(p["counts"]["forced"]) for p in data["neighbour_digits"] if p["section"] == "二"}
    return {k: tuple(v) for k, v in rows.items()}, digits


def _ndigits(v: int) -> int:
    return len(str(abs(v)))


def score(template: str, row: str, columns: tuple[str, ...], split: list[int] | tuple[int, ...]) -> Scored:
    """One split's log score under the priors, and the priors it breaks."""
    row_priors, digit_rates = _priors()
    values = dict(zip(columns, split))
    total, broken = 0.0, []
    for p in row_priors.get(template, ()):
        if row not in p.rows or not all(c in values for c in p.columns):
            continue
        holds = TESTS[p.id](*(values[c] for c in p.columns))
        total += math.log(p.rate if holds else 1 - p.rate)
        if not holds:
            broken.append(p.id)
    rate = digit_rates.get(template)
    if rate is not None:
        for a, b in zip(split, split[1:]):
            if a and b:
                holds = abs(_ndigits(a) - _ndigits(b)) <= 1
                total += math.log(rate if holds else 1 - rate)
                if not holds:
                    broken.append(f"digits {a}|{b}")
    return Scored(tuple(split), round(total, 4), tuple(broken))


def strong_breaks(template: str, row: str, columns: tuple[str, ...], values: list[int | float] | tuple[int | float, ...],
                  rate: float) -> tuple[str, ...]:
    """The row priors the values break whose smoothed rate is at least `rate`: the near-rules
    a reading of the row must not break (9 in 10 rows keep 现行有效 ≥ 本年制发 and ≥ 本年废止)."""
    row_priors, _ = _priors()
    by_column = dict(zip(columns, values))
    return tuple(p.id for p in row_priors.get(template, ())
                 if row in p.rows and p.rate >= rate and all(c in by_column for c in p.columns)
                 and not TESTS[p.id](*(by_column[c] for c in p.columns)))


def choose(template: str, row: str, columns: tuple[str, ...], splits: list[list[int]], *, prose: bool,
           years: NeighbourYears | None = None) -> Choice:
    """The split to infer among `splits` (all fitting the row), or none. `prose`: the
    report's prose fixed part of the row (evidence (a)), which lowers the margin needed.
    `years`: the same body's other years (evidence (b)), which come before the priors: the
    splits they leave are the ones ranked, and one split left is the choice."""
    kept, said = narrow_by_years(template, row, columns, splits, years)
    needed = MARGIN_WITH_PROSE if prose else MARGIN_PRIORS_ALONE
    ranked = tuple(sorted((score(template, row, columns, s) for s in kept), key=lambda s: -s.log_score))
    if len(ranked) == 1 and said is not None:
        return Choice(ranked[0].split, None, needed, ranked, said)
    if len(ranked) < 2:
        return Choice(None, None, needed, ranked, said)
    ratio = math.exp(ranked[0].log_score - ranked[1].log_score)
    return Choice(ranked[0].split if ratio >= needed else None, ratio, needed, ranked, said)
