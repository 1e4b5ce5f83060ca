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
from collections.abc import Callable
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


def choose(template: str, row: str, columns: tuple[str, ...], splits: list[list[int]], *, prose: bool) -> Choice:
    """The split to infer among `splits` (all fitting the row), or none. `prose`: the
    report's prose fixed part of the row (evidence (a)), which lowers the margin needed."""
    needed = MARGIN_WITH_PROSE if prose else MARGIN_PRIORS_ALONE
    ranked = tuple(sorted((score(template, row, columns, s) for s in splits), key=lambda s: -s.log_score))
    if len(ranked) < 2:
        return Choice(None, None, needed, ranked)
    ratio = math.exp(ranked[0].log_score - ranked[1].log_score)
    return Choice(ranked[0].split if ratio >= needed else None, ratio, needed, ranked)
