"""Checks of a report against the same body's other years, and its quality signals. A pure
core: figures and text in, verdicts out; no I/O, no database (app/services/quality.py reads
the figures; app/services/neighbours.py finds the other years' reports).

Cross-year identities (t: this report's year), each `holds`, `fails` or `unknown` (a side
missing, a figure missing on a side, or a figure flagged inferred):

- carry-over, both templates and across the template change (2020 → 2021 reports):
  applications.carried_over.total(t) = applications.carried_forward.total(t−1)
- 2021 template on both sides, 规章 and 行政规范性文件:
  active.X.in_force(t) = in_force(t−1) + issued(t) − repealed(t)
- 2019 template on both sides, 行政许可, 其他对外管理服务事项, 行政处罚, 行政强制, 行政事业性收费:
  active.X.prev_items(t) = prev_items(t−1) + change(t−1)

Across the template change only the carry-over applies: the 2019 and 2021 section 二 tables
share no column. A check reports; it never changes a figure.

Signals: completeness (the share of the template's table cells present, the table sections
with no figure), `copied_from_previous` (every figure equal to the previous year's and most
of the prose too), and year-over-year jumps (a figure JUMP_FACTOR times the previous year's
or more, both read exactly).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.catalogue import catalogue

Figures = Mapping[str, tuple[float, tuple[str, ...]]]  # key → (value, flags)
TABLE_SECTIONS = {"active": "二", "applications": "三", "review_litigation": "四"}
# a figure read other than plainly (a split of run-together digits, an OCR guess, …)
NOT_EXACT = frozenset({"inferred", "repaired", "approximate"})
TOLERANCE = 1e-6  # figures are counts and 万元 amounts with at most 4 decimals

JUMP_FACTOR = 10.0  # a figure 10× the previous year's (or a tenth of it) …
JUMP_FLOOR = 20  # … whose larger side is at least this: 1 → 10 is no news, 30 → 300 may be
COPIED_PROSE_SHARE = 0.8  # the share of this report's sentences found in the previous year's


@dataclass(frozen=True, slots=True)
class Side:
    """One report as the checks see it."""

    report_id: int
    year: int | None
    template: str | None
    figures: Figures


@dataclass(frozen=True, slots=True)
class Check:
    """left(t) = Σ sign·term; terms are (side, key, sign), side 'prev' (t−1) or 'this' (t);
    the first term is the left side."""

    id: str
    templates: tuple[str | None, str | None]  # (t−1, t); None: either
    terms: tuple[tuple[str, str, int], ...]

    def applies(self, prev_template: str | None, this_template: str | None) -> bool:
        a, b = self.templates
        return (a is None or prev_template == a) and (b is None or this_template == b)

    @property
    def formula(self) -> str:
        def term(side: str, key: str) -> str:
            return f"{key}({'t−1' if side == 'prev' else 't'})"
        (s0, k0, _), *rest = self.terms
        right = " ".join(("+ " if sign > 0 else "− ") + term(s, k) for s, k, sign in rest).removeprefix("+ ")
        return f"{term(s0, k0)} = {right}"


CHECKS: tuple[Check, ...] = (
    Check("carry_over", (None, None), (("this", "applications.carried_over.total", 1),
                                       ("prev", "applications.carried_forward.total", 1))),
    *(Check(f"in_force.{row}", ("2021", "2021"), (("this", f"active.{row}.in_force", 1),
                                                   ("prev", f"active.{row}.in_force", 1),
                                                   ("this", f"active.{row}.issued", 1),
                                                   ("this", f"active.{row}.repealed", -1)))
      for row in ("rules", "normative_docs")),
    *(Check(f"prev_items.{row}", ("2019", "2019"), (("this", f"active.{row}.prev_items", 1),
                                                     ("prev", f"active.{row}.prev_items", 1),
                                                     ("prev", f"active.{row}.change", 1)))
      for row in ("permit", "other_services", "penalty", "enforcement", "fees")),
)


def reading(flags: tuple[str, ...]) -> str:
    """How a figure was read: corrected (a person's value) | inferred | repaired | approximate |
    derived | exact."""
    for r in ("corrected", "inferred", "repaired", "approximate", "derived"):
        if r in flags:
            return r
    return "exact"


def _number(x: float) -> int | float:
    return int(x) if float(x).is_integer() else round(x, 6)


def run(check: Check, prev: Side | None, this: Side | None, years: tuple[int | None, int | None],
        direction: str) -> dict[str, Any]:
    """One check over a pair of consecutive years (t−1, t) = `years`: `prev` the earlier
    report, `this` the later, either None when the body has none for its year. `direction`:
    where the other report stands from the one asked about (previous: the asked one is t)."""
    sides = {"prev": prev, "this": this}
    year_of = {"prev": years[0], "this": years[1]}
    terms = []
    for side, key, sign in check.terms:
        s = sides[side]
        f = s.figures.get(key) if s is not None else None
        terms.append({"report_id": s.report_id if s is not None else None, "year": year_of[side], "key": key,
                      "sign": sign, "value": _number(f[0]) if f else None, "reading": reading(f[1]) if f else None})
    other = prev if direction == "previous" else this
    out: dict[str, Any] = {"check": check.id, "formula": check.formula, "direction": direction,
                           "other_report_id": other.report_id if other is not None else None,
                           "verdict": "unknown", "left": None, "right": None, "reason": None, "terms": terms}
    if other is None:
        missing_year = years[0] if direction == "previous" else years[1]
        out["reason"] = f"no report of the same body for {missing_year}"
        return out
    missing = [f"{t['key']}({'t−1' if side == 'prev' else 't'})"
               for t, (side, _, _) in zip(terms, check.terms) if t["value"] is None]
    if missing:
        out["reason"] = "figures missing: " + ", ".join(missing)
        return out
    if any(t["reading"] == "inferred" for t in terms):
        out["reason"] = "a figure is inferred (read from run-together digits): the check would test the guess"
        return out
    left = terms[0]["value"]
    right = sum(t["sign"] * t["value"] for t in terms[1:])
    out.update(left=left, right=_number(right), verdict="holds" if abs(left - right) <= TOLERANCE else "fails")
    return out


def _template_of(side: Side | None, year: int | None, fallback: str | None) -> str | None:
    """A report's template; for a missing report, the one its year would have (2021 from the
    2021 reports on), else the asked report's."""
    if side is not None:
        return side.template
    if year is None or fallback is None:
        return fallback
    return "2021" if year >= 2021 else "2019"


def cross_year(this: Side, prev: Side | None, nxt: Side | None) -> list[dict[str, Any]]:
    """Every check of the report against the year before (it is t) and the year after (it is
    t−1); with a neighbour missing, the checks its year's template would have, unknown."""
    year = this.year
    prev_year = year - 1 if year is not None else None
    next_year = year + 1 if year is not None else None
    out = []
    for check in CHECKS:
        if check.applies(_template_of(prev, prev_year, this.template), this.template):
            out.append(run(check, prev, this, (prev_year, year), "previous"))
    for check in CHECKS:
        if check.applies(this.template, _template_of(nxt, next_year, this.template)):
            out.append(run(check, this, nxt, (year, next_year), "next"))
    return out


# ----------------------------------------------------------------------------- signals


def table_cells(template: str | None) -> tuple[str, ...]:
    """The template's table cells (sections 二, 三, 四), catalogue keys in their order."""
    if template is None:
        return ()
    return tuple(k for k, info in catalogue().items()
                 if template in info.templates and info.section in TABLE_SECTIONS)


def completeness(template: str | None, figures: Figures) -> dict[str, Any]:
    """The share of the template's table cells the report has, and which table sections have
    no figure at all (`sections_missing`: active = 二, applications = 三, review_litigation = 四)."""
    cells = table_cells(template)
    present = [k for k in cells if k in figures]
    sections = {k.split(".", 1)[0] for k in present}
    return {"cells": len(cells), "present": len(present),
            "share": round(len(present) / len(cells), 6) if cells else None,
            "sections_missing": [s for s in TABLE_SECTIONS if cells and s not in sections],
            "not_exact": sum(1 for k in present if NOT_EXACT.intersection(figures[k][1]))}


_SENTENCE = re.compile(r"[^。！？；;!?\n]+")
_DIGITS = re.compile(r"\d+(?:\.\d+)?")
_SPACE = re.compile(r"\s+")


def sentences(text: str) -> set[str]:
    """The prose sentences of a report's normalised text, numbers masked (a copy with the year
    and the figures changed is still a copy), spaces dropped; pieces of tables (many numbers)
    and short fragments (headings, labels) left out."""
    out = set()
    for m in _SENTENCE.finditer(text):
        s = _SPACE.sub("", m.group())
        masked, numbers = _DIGITS.subn("#", s)
        if len(masked) >= 12 and numbers <= 4:
            out.add(masked)
    return out


def same_figures(this: Side, prev: Side) -> bool:
    """The same keys with the same values, at least one: the first condition of a copy (and the
    cheap one: the prose need not be read when it fails)."""
    keys = set(this.figures) | set(prev.figures)
    return bool(keys) and all(k in this.figures and k in prev.figures
                              and abs(this.figures[k][0] - prev.figures[k][0]) <= TOLERANCE for k in keys)


def copied_from_previous(this: Side, prev: Side | None, this_text: str | None,
                         prev_text: str | None) -> dict[str, Any]:
    """`value` true when every figure equals the previous year's (the same keys, the same
    values; at least one table figure) and at least COPIED_PROSE_SHARE of this report's
    sentences are the previous year's (numbers masked); null without a previous report."""
    out: dict[str, Any] = {"value": None, "other_report_id": prev.report_id if prev else None,
                           "figures_compared": 0, "figures_equal": None, "prose_share": None,
                           "prose_threshold": COPIED_PROSE_SHARE}
    if prev is None:
        return out
    keys = set(this.figures) | set(prev.figures)
    equal = same_figures(this, prev)
    mine, theirs = sentences(this_text or ""), sentences(prev_text or "")
    share = round(len(mine & theirs) / len(mine), 6) if mine else None
    out.update(figures_compared=len(keys), figures_equal=equal, prose_share=share)
    out["value"] = bool(equal and share is not None and share >= COPIED_PROSE_SHARE)
    return out


def jumps(this: Side, prev: Side | None) -> list[dict[str, Any]]:
    """The figures JUMP_FACTOR times the previous year's or more (or a JUMP_FACTOR-th or less),
    the larger at least JUMP_FLOOR, both read exactly (not repaired, inferred, approximate);
    signed changes (`.change`) and negative values left out. From 0: factor null."""
    if prev is None:
        return []
    out = []
    for key, (value, flags) in this.figures.items():
        before = prev.figures.get(key)
        if before is None or key.endswith(".change"):
            continue
        old, old_flags = before
        if NOT_EXACT.intersection(flags) or NOT_EXACT.intersection(old_flags) or value < 0 or old < 0:
            continue
        low, high = min(value, old), max(value, old)
        if high < JUMP_FLOOR or (low and high / low < JUMP_FACTOR):
            continue
        out.append({"key": key, "value": _number(value), "previous_value": _number(old),
                    "factor": round(value / old, 3) if old else None, "other_report_id": prev.report_id})
    return out
