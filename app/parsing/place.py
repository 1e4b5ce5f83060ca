"""Who reports, and where: the agency's name as read (meta), resolved against the divisions
table (regions.resolve) to a region code and the body's level, and its short form or OCR
slip written out in full. The website code (网站标识码), when the report has one, gives the
region code first.

    Meta(agency="鄂温克旗", site_code="1507240004")  -> Place("鄂温克族自治旗人民政府", "150724", "county")
    Meta(agency="淮安市交通运输局")                   -> Place("淮安市交通运输局", "320800", "department")
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from app.parsing import regions
from app.parsing.meta import Meta
from app.parsing.tolerances import TOLERANCES


@dataclass(frozen=True, slots=True)
class Place:
    agency: str | None
    region_code: str | None
    level: str | None  # province | city | county | township | department


def locate(meta: Meta, lines: list[str]) -> Place:
    """The agency, its region and level; the report's first and last lines are the
    context that chooses between namesakes and places a township."""
    region_code = meta.site_code[:6] if meta.site_code and meta.site_code.isdigit() else None
    agency, level = meta.agency, None
    if agency:
        context = ("\n".join(lines[:TOLERANCES.place_head_lines]) + "\n"
                   + "\n".join(lines[-TOLERANCES.place_tail_lines:]))
        agency, open_form = expand_short_form(agency)
        if open_form or _bare_level(agency):
            agency = _written_in_full(agency, lines[-TOLERANCES.place_tail_lines:]) or agency
        match = regions.resolve(agency, context)
        if match is None and region_code is not None and _bare_level(agency):
            division = regions.get(region_code)
            if division is not None and division.name.endswith(agency[0]):
                agency = division.name + agency[1:]  # 市发展和改革委员会 → 嘉兴市发展和改革委员会
                match = regions.resolve(agency, context)
        if match is not None:
            level = match.level
            if region_code is None:
                region_code = match.division.code
            agency = _full_name(agency, match)
    return Place(agency, region_code, level)


# ---------------------------------------------------------------- short forms of body names

_LEVEL_CHARS = "省市县区旗州盟"
_BODY_END = re.compile(r"(?:委员会|办公室|管理局|局|厅|委|办|中心|院|署|政府)$")
_NAME_LINE = re.compile(r"^[\u4e00-\u9fff（）]{4,40}$")


@lru_cache(maxsize=1)
def short_forms() -> dict[str, str | None]:
    """data/short_forms.csv: the standard short form of a body type → its full form (None: a
    short form with several full forms, never expanded)."""
    path = Path(__file__).with_name("data") / "short_forms.csv"
    with path.open(encoding="utf-8", newline="") as f:
        return {row["short"]: (row["full"] or None) for row in csv.DictReader(f)}


def expand_short_form(agency: str) -> tuple[str, bool]:
    """The agency with its body type written in full when it ends with a standard short form
    (上海市科委 → 上海市科学技术委员会, 西湖区人社局 → 西湖区人力资源和社会保障局), only after a place's name
    or a bare level (市发改委); and whether it ends with a short form that has several full
    forms (县政务服务办: left as it is)."""
    forms = short_forms()
    for n in range(min(len(agency) - 1, max(map(len, forms))), 1, -1):
        tail, head = agency[-n:], agency[:-n]
        if tail in forms and head and head[-1] in _LEVEL_CHARS:
            full = forms[tail]
            return (head + full, False) if full else (agency, True)
    return agency, False


def _bare_level(agency: str) -> bool:
    """市发改委, 县政务服务办: a level without the place's name."""
    return len(agency) > 2 and agency[0] in _LEVEL_CHARS and agency[1] not in _LEVEL_CHARS \
        and regions.resolve(agency) is None


def _written_in_full(agency: str, tail: list[str]) -> str | None:
    """The body's full name as the report signs it (a line that is a name alone, near the
    end) when the name read has every character of it in order (县政务服务办 in
    德清县政务服务管理办公室) and is shorter."""
    for line in reversed(tail):
        s = line.strip()
        if not _NAME_LINE.match(s) or not _BODY_END.search(s) or len(s) <= len(agency):
            continue
        it = iter(s)
        if all(ch in it for ch in agency):
            return s
    return None


def _full_name(agency: str, match: regions.Match) -> str:
    """鄂温克旗人民政府 → 鄂温克族自治旗人民政府; 沐阳县人民政府 → 沭阳县人民政府 (an OCR slip).
    Only short forms and slips are rewritten; historical names and special bodies stay."""
    if match.reason in ("alias", "ocr") and match.matched and match.matched in agency:
        agency = agency.replace(match.matched, match.division.name, 1)
    if agency == match.division.name and match.level in ("province", "city", "county"):
        # a title that names only the place (鄂温克旗2020年…年度报告) is the government's report
        agency += "人民政府"
    return agency
