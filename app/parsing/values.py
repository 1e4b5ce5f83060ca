"""Reading one cell as a number: signed changes (增2, 减30, +22, -7, --25), units (万元, 元,
亿元 → 万元), approximations (3500余), notes in brackets (2（放弃申请）, 15（其中修订9件）),
thousands separators, and blank cells."""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.parsing.memo import text_cache
from app.parsing.tolerances import TOLERANCES

_NUMBER_CELL = re.compile(
    r"^(?P<sign>增加|减少|增|减|\+|--|-|—|–)?\s*"
    r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)\s*"
    r"(?P<approx>余|多|左右)?\s*"
    r"(?P<unit>万元|亿元|元|件|个|条|项|篇|次|期|场|家|人)?\s*"
    r"(?P<approx2>余|多|左右)?\s*"
    r"(?P<note>（[^（）]*）)?\s*$"
)
_BLANK = frozenset({"", "-", "—", "–", "/", "无", "——", "--", "\\", "空", "——/"})
_HAS_DIGIT = re.compile(r"\d")


@dataclass(frozen=True, slots=True)
class Value:
    value: int | float
    unit: str | None
    note: str | None
    approximate: bool
    converted: bool  # amount converted to 万元
    digits: str  # the digit string as written (for splitting run-together cells)
    signed: bool


def is_blank(text: str) -> bool:
    return text.strip() in _BLANK


# pure, and the same cells ("0", "12") recur in every report: cached up to 96 characters
@text_cache(maxsize=65536, max_chars=96)
def parse_value(text: str, *, money: bool = False, money_unit: str = "万元") -> Value | None:
    """Parse a cell that is a number. `money`: the column is in 万元 — convert 元 / 亿元, and
    read a bare number in `money_unit` (the unit the column header gives)."""
    s = text.strip().replace(" ", "")
    if not s or len(s) > TOLERANCES.cell_len:
        return None
    if s.isdigit() and s.isascii():  # the common case: a plain count
        if len(s.lstrip("0")) > TOLERANCES.number_digits:
            return None
        return Value(int(s), None, None, False, False, s, False)
    if not _HAS_DIGIT.search(s):
        return None
    m = _NUMBER_CELL.match(s)
    if not m:
        return None
    raw = m.group("num").replace(",", "")
    int_part = raw.split(".")[0]
    if len(int_part.lstrip("0")) > TOLERANCES.number_digits:
        return None
    sign = m.group("sign")
    negative = sign in ("减", "减少", "-", "--", "—", "–")
    unit = m.group("unit")
    if money and unit is None and money_unit != "万元":
        unit = money_unit
    number: int | float
    number = float(raw) if "." in raw else int(raw)
    converted = False
    if money and unit in ("元", "亿元"):
        factor = 1e-4 if unit == "元" else 1e4
        number = round(number * factor, 6)
        if float(number).is_integer() and unit == "亿元":
            number = int(number)
        unit = "万元"
        converted = True
    if negative:
        number = -number
    note = m.group("note")
    return Value(
        value=number,
        unit=unit,
        note=note[1:-1] if note else None,
        approximate=bool(m.group("approx") or m.group("approx2")),
        converted=converted,
        digits=raw,
        signed=bool(sign),
    )
