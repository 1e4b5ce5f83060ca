"""The template's identities across rows, run on every report: each that does not hold is a
finding naming the keys involved; nothing is changed. (A row, or a section 四 block, whose
own columns do not add up is left out by the reader, with a row_sum_mismatch finding.)"""

from __future__ import annotations

from app.parsing.model import Figure, Finding
from app.parsing.templates import COLUMN_KEYS

_RESULT_PARTS = ("granted", "partially_granted", "denied", "unable", "not_processed", "other")


def _fmt(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v:g}"


def check(figures: dict[str, Figure], template: str | None) -> list[Finding]:
    out: list[Finding] = []
    v = {k: f.value for k, f in figures.items()}

    def line_of(key: str) -> int | None:
        f = figures.get(key)
        return f.source.line if f is not None and f.source is not None else None

    # 一 + 二 = (七) + 四, column by column
    for col in COLUMN_KEYS:
        a, b, c, d = (f"applications.{r}.{col}" for r in ("new_received", "carried_over", "results_total",
                                                          "carried_forward"))
        if all(k in v for k in (a, b, c, d)) and v[a] + v[b] != v[c] + v[d]:
            out.append(Finding("identity_mismatch", "warning",
                               f"{col}: 本年新收 {_fmt(v[a])} + 上年结转 {_fmt(v[b])} ≠ 办理结果总计 {_fmt(v[c])} "
                               f"+ 结转下年度 {_fmt(v[d])}.", (a, b, c, d), line_of(c)))
    # (七)总计 = (一) + … + (六)
    for col in COLUMN_KEYS:
        total = f"applications.results_total.{col}"
        parts = [f"applications.{p}.{col}" for p in _RESULT_PARTS]
        if total in v and all(k in v for k in parts):
            s = sum(v[k] for k in parts)
            if s != v[total]:
                out.append(Finding("identity_mismatch", "warning",
                                   f"{col}: (一)…(六) add up to {_fmt(s)}, (七)总计 says {_fmt(v[total])}.",
                                   (total, *parts), line_of(total)))
    return out
