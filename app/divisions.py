"""The division table (app/parsing/regions.py) as the query layer needs it: every current
division in code order, the code prefix a region filter stands for, and the division a
report's region rolls up to at a given level.

GB/T 2260 codes nest by digits: province NN0000, city NNNN00, county NNNNNN. A region
filter therefore means a prefix on the significant digits: 15 / 150000 = 内蒙古 and all
below it, 1507 / 150700 = 呼伦贝尔市 and all below it, 150724 = 鄂温克族自治旗 alone.
Municipalities have no city level (110105 朝阳区 lies directly under 110000 北京市), nor do
county-level cities under a province (429004 仙桃市 under 420000): roll-ups follow the
table's parents, not the digits, wherever the table knows the code.
"""

from __future__ import annotations

import re
from functools import lru_cache

from app.parsing import regions
from app.parsing.regions import Division

LEVELS = ("province", "city", "county")
REGION_PATTERN = r"^\d{2}(\d{2}(\d{2})?)?$"
_REGION_RE = re.compile(REGION_PATTERN)


def region_prefix(code: str) -> str:
    """The significant digits of a region code or prefix: 150000 → 15, 150700 → 1507,
    150724 → 150724; 15 and 1507 stay as they are."""
    if not _REGION_RE.match(code):
        raise ValueError(f"not a region code or prefix: {code!r}")
    while len(code) > 2 and code.endswith("00"):
        code = code[:-2]
    return code


def prefix_upper(prefix: str) -> str | None:
    """The smallest digit string of the same length above `prefix` (1507 → 1508), None past
    the last one: codes starting with `prefix` are those ≥ prefix and < this."""
    nxt = int(prefix) + 1
    return None if len(str(nxt)) > len(prefix) else str(nxt).zfill(len(prefix))


@lru_cache(maxsize=1)
def all_divisions() -> tuple[Division, ...]:
    """Every current division, in code order: the provinces (NN0000 codes the table
    knows) and everything below them."""
    out: list[Division] = []
    stack = [d for nn in range(10, 100) if (d := regions.get(f"{nn}0000")) is not None and d.current]
    stack.reverse()
    while stack:
        d = stack.pop()
        out.append(d)
        stack.extend(reversed(regions.children(d.code)))
    return tuple(sorted(out, key=lambda d: d.code))


def division(code: str | None) -> Division | None:
    return regions.get(code) if code else None


def name_of(code: str | None) -> str | None:
    d = division(code)
    return d.name if d else None


@lru_cache(maxsize=8192)
def named(code: str | None) -> tuple[str | None, str | None, str | None]:
    """(code, name, level) of a group code that group_of gave; name and level None for codes
    the division table does not know (grouped by digits)."""
    d = regions.get(code) if code else None
    return code, (d.name if d else None), (d.level if d else None)


@lru_cache(maxsize=8192)
def group_of(code: str | None, level: str) -> tuple[str | None, str | None, str | None]:
    """(code, name, level) of the division that the region `code` rolls up to at `level`
    (province | city | county): itself or its ancestor at that level. A region above that
    level (a province's own report, grouped by city) is its own group; so is a region
    whose chain has no division at that level (a municipality's district, by city, is
    grouped under the municipality). Codes the table does not know are grouped by digits."""
    if not code:
        return None, None, None
    d = regions.get(code)
    if d is None:
        digits = {"province": 2, "city": 4, "county": 6}[level]
        grouped = (code[:digits] + "0000")[:6] if len(code) == 6 else code
        g = regions.get(grouped)
        return grouped, (g.name if g else None), (g.level if g else None)
    chain = [d, *regions.ancestors(code)]  # nearest first
    rank = LEVELS.index(level)
    for c in chain:
        if c.level in LEVELS and LEVELS.index(c.level) <= rank:
            # the first division at this level or above it, going up from the region
            return c.code, c.name, c.level
    return d.code, d.name, d.level
