"""The indicator dictionary: the rates evaluators and journalists compute from a report's
figures, each a ratio of sums of catalogue keys (../shared/FIGURES.md), with its names,
unit and caveats. Pure data and pure arithmetic: no I/O, no database.

Every indicator is defined on both templates (2019 and 2021): its keys mean the same
figure in both. A report contributes to an indicator only when every key of both sides is
present; over a group (GET /stats) an indicator is the ratio of the sums over the reports
that contribute, never a mean of the reports' ratios.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

A = "applications."
R = "review_litigation."
# a figure read from the report other than plainly: the value may be right, it is not exact
NOT_EXACT = frozenset({"inferred", "repaired", "approximate"})


@dataclass(frozen=True, slots=True)
class Indicator:
    id: str
    name_zh: str
    name_en: str
    numerator: tuple[str, ...]  # summed
    denominator: tuple[str, ...]  # summed
    caveats: str
    unit: str = "ratio"  # numerator / denominator; 0.25 = 25 %
    templates: tuple[str, ...] = ("2019", "2021")
    # "previous": the numerator is this year's figures minus the previous year's, the
    # denominator the previous year's (same body, year − 1): a change, not a share
    compares: str | None = None

    @property
    def formula(self) -> str:
        num = " + ".join(self.numerator)
        den = " + ".join(self.denominator)
        if self.compares == "previous":
            return f"({num}(t) − {num}(t−1)) / {den}(t−1)"
        return f"({num}) / ({den})" if len(self.numerator) > 1 or len(self.denominator) > 1 else f"{num} / {den}"

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys((*self.numerator, *self.denominator)))

    @property
    def rollup(self) -> bool:
        """Whether /stats and /figures serve it (a ratio within one report); a comparison
        with the previous year is served per report only."""
        return self.compares is None


_RESULTS = (f"{A}results_total.total",)
_CASES = "cases decided in the year (pending cases are left out); a case may concern an application of an earlier year"


def _correction(kind: str, zh: str, en: str) -> Indicator:
    return Indicator(
        f"{kind}_correction_rate", f"{zh}纠错率", f"{en} correction rate",
        (f"{R}{kind}.corrected",), tuple(f"{R}{kind}.{o}" for o in ("upheld", "corrected", "other")),
        f"corrected / (upheld + corrected + other): {_CASES}. Small bodies decide few cases or none: "
        "a rate over one or two cases says little, and a report with no decided case has no rate.")


INDICATORS: tuple[Indicator, ...] = (
    Indicator("disclosure_rate", "公开率", "Disclosure rate",
              (f"{A}granted.total", f"{A}partially_granted.total"), _RESULTS,
              "(予以公开 + 部分公开) / (七)总计: a partial disclosure counts as a disclosure; the results "
              "include applications carried over from the year before and those not processed for formal "
              "reasons (不予处理, 其他处理), which lower the rate without being refusals."),
    Indicator("denial_rate", "不予公开率", "Refusal rate",
              (f"{A}denied.total",), _RESULTS,
              "不予公开 (all eight grounds) / (七)总计; 无法提供 (information not held) is a separate rate."),
    Indicator("unable_rate", "无法提供率", "Information-not-available rate",
              (f"{A}unable.total",), _RESULTS,
              "无法提供 (not held, needs creating, still unclear after correction) / (七)总计."),
    Indicator("not_processed_rate", "不予处理率", "Not-processed rate",
              (f"{A}not_processed.total",), _RESULTS,
              "不予处理 (petitions, duplicates, publications, excessive, reconfirmation) / (七)总计."),
    _correction("reconsideration", "行政复议", "Administrative reconsideration"),
    _correction("litigation_direct", "未经复议直接起诉", "Direct litigation"),
    _correction("litigation_after_reconsideration", "复议后起诉", "Litigation after reconsideration"),
    Indicator("review_litigation_rate", "复议诉讼率", "Reconsideration and litigation rate",
              (f"{R}reconsideration.total", f"{R}litigation_direct.total",
               f"{R}litigation_after_reconsideration.total"),
              (f"{A}new_received.total",),
              "(复议 + 直接起诉 + 复议后起诉, each 总计 with pending cases) / 本年新收申请: the cases need not "
              "arise from this year's applications, so the rate can exceed 1; a dispute taken to court "
              "after reconsideration may appear in both the reconsideration and the litigation columns."),
    Indicator("carry_forward_rate", "结转率", "Carry-forward rate",
              (f"{A}carried_forward.total",), (f"{A}new_received.total", f"{A}carried_over.total"),
              "结转下年度继续办理 / (本年新收 + 上年结转): the share of the year's workload still open at its end."),
    Indicator("new_applications_change", "新收申请同比变化", "Year-over-year change of new applications",
              (f"{A}new_received.total",), (f"{A}new_received.total",),
              "(新收(t) − 新收(t−1)) / 新收(t−1), against the same body's report of the year before (same agency "
              "and region); none when that report is missing or received no application. Served per report "
              "(GET /reports/{id}/indicators), not in /stats or /figures.",
              compares="previous"),
)
BY_ID: dict[str, Indicator] = {i.id: i for i in INDICATORS}
AGGREGATABLE: tuple[str, ...] = tuple(i.id for i in INDICATORS if i.rollup)


def _round(x: float) -> int | float:
    return int(x) if float(x).is_integer() else round(x, 6)


Figures = Mapping[str, tuple[float, tuple[str, ...]]]  # key → (value, flags)


def evaluate(indicator: Indicator, figures: Figures, previous: Figures | None = None,
             previous_id: int | None = None) -> dict[str, Any]:
    """One report's indicator: value, numerator, denominator, the keys missing, whether
    every figure used was read exactly, and, when there is no value, why."""
    out: dict[str, Any] = {"indicator": indicator.id, "unit": indicator.unit, "value": None,
                           "numerator": None, "denominator": None, "missing": [], "exact": None, "reason": None}
    if indicator.compares == "previous":
        out["previous_report_id"] = previous_id
        if previous is None:
            out["reason"] = "no report of the same body for the year before"
            return out
        this_side, prev_side = figures, previous
    else:
        this_side = prev_side = figures
    missing = [k for k in indicator.numerator if k not in this_side]
    missing += [k for k in indicator.denominator if k not in prev_side and k not in missing]
    if missing:
        out["missing"] = missing
        out["reason"] = "figures missing: " + ", ".join(missing)
        return out
    num = sum(this_side[k][0] for k in indicator.numerator)
    den = sum(prev_side[k][0] for k in indicator.denominator)
    if indicator.compares == "previous":
        num -= den
    used = [this_side[k] for k in indicator.numerator] + [prev_side[k] for k in indicator.denominator]
    out.update(numerator=_round(num), denominator=_round(den),
               exact=not any(NOT_EXACT.intersection(flags) for _, flags in used))
    if den == 0:
        out["reason"] = "the denominator is 0"
        return out
    out["value"] = round(num / den, 6) + 0.0
    return out


def describe(indicator: Indicator) -> dict[str, Any]:
    """The dictionary entry GET /indicators serves."""
    return {"id": indicator.id, "name_zh": indicator.name_zh, "name_en": indicator.name_en,
            "formula": indicator.formula, "numerator": list(indicator.numerator),
            "denominator": list(indicator.denominator), "unit": indicator.unit,
            "templates": list(indicator.templates), "compares": indicator.compares,
            "aggregated": indicator.rollup, "caveats": indicator.caveats}
