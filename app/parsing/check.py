"""The template's own arithmetic, run on every report. Each identity that does not hold is
a finding naming the keys involved; nothing is changed."""

from __future__ import annotations

from app.parsing.model import Figure, Finding
from app.parsing.templates import APP_ROWS, COLUMN_KEYS, REVIEW_KINDS

_APPLICANTS = COLUMN_KEYS[:-1]
_RESULT_PARTS = ("granted", "partially_granted", "denied", "unable", "not_processed", "other")


def _fmt(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v:g}"


def check(figures: dict[str, Figure], template: str | None) -> list[Finding]:
    out: list[Finding] = []
    v = {k: f.value for k, f in figures.items()}

    def line_of(key: str) -> int | None:
        f = figures.get(key)
        return f.source.line if f is not None and f.source is not None else None

    # each row: the six applicant columns add up to 总计
    row_keys = [r.key for r in APP_ROWS] + ["denied", "unable", "not_processed"]
    for row in dict.fromkeys(row_keys):
        keys = [f"applications.{row}.{c}" for c in COLUMN_KEYS]
        if all(k in v for k in keys) and not any("derived" in figures[k].flags for k in keys[-1:]):
            parts = sum(v[k] for k in keys[:-1])
            if parts != v[keys[-1]]:
                out.append(Finding("row_sum_mismatch", "warning",
                                   f"applications.{row}: the applicant columns add up to {_fmt(parts)}, "
                                   f"总计 says {_fmt(v[keys[-1]])}.", tuple(keys), line_of(keys[-1])))
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
    # section 四: each block's four outcomes add up to its 总计
    for kind, _ in REVIEW_KINDS:
        keys = [f"review_litigation.{kind}.{o}" for o in ("upheld", "corrected", "other", "pending", "total")]
        if all(k in v for k in keys):
            s = sum(v[k] for k in keys[:4])
            if s != v[keys[4]]:
                out.append(Finding("row_sum_mismatch", "warning",
                                   f"{kind}: the four outcomes add up to {_fmt(s)}, 总计 says {_fmt(v[keys[4]])}.",
                                   tuple(keys), line_of(keys[4])))
    return out
