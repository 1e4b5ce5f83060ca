"""The template's identities across rows (templates.Identity), over the figures read: each
that does not hold in a column is a finding naming the keys involved; nothing is changed.
(A row, or a section 四 block, whose own columns do not add up is left out by its reader,
with a row_sum_mismatch finding.)

    natural_person: (一) 30 + (二) 5 + (三) 1 + (四) 10 + (五) 3 + (六) 3, (七)总计 51
    -> identity_mismatch "natural_person: (一)…(六) add up to 52, (七)总计 says 51.",
       keys applications.results_total.natural_person, applications.granted.natural_person, …
"""

from __future__ import annotations

from app.parsing.findings import Code, finding
from app.parsing.model import Figure, Finding
from app.parsing.templates import Template


def _fmt(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v:g}"


def check(figures: dict[str, Figure], template: Template | None) -> list[Finding]:
    """One identity_mismatch finding per identity of `template` and column where every
    term has a figure and the two sides differ."""
    out: list[Finding] = []
    if template is None:
        return out
    v = {k: f.value for k, f in figures.items()}
    for identity in template.identities:
        for column in template.columns:
            col = column.key
            value = {t: v.get(f"applications.{t}.{col}") for t in identity.terms}
            sides = identity.sides(value.get)
            if sides is None or sides[0] == sides[1]:
                continue
            keys = tuple(f"applications.{t}.{col}" for t in identity.terms)
            at = figures.get(f"applications.{identity.at}.{col}")
            message = identity.message.format(col=col, left=_fmt(sides[0]), right=_fmt(sides[1]),
                                              **{t: _fmt(x) for t, x in value.items()})  # type: ignore[arg-type]
            out.append(finding(Code.IDENTITY_MISMATCH, message, keys,
                               at.source.line if at is not None and at.source is not None else None))
    return out
