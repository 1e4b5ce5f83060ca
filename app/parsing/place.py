"""Who reports, and where: the agency's name as read (meta), resolved against the divisions
table (regions.resolve) to a region code and the body's level, and its short form or OCR
slip written out in full. The website code (网站标识码), when the report has one, gives the
region code first.

    Meta(agency="鄂温克旗", site_code="1507240004")  -> Place("鄂温克族自治旗人民政府", "150724", "county")
    Meta(agency="淮安市交通运输局")                   -> Place("淮安市交通运输局", "320800", "department")
"""

from __future__ import annotations

from dataclasses import dataclass

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
        match = regions.resolve(agency, context)
        if match is not None:
            level = match.level
            if region_code is None:
                region_code = match.division.code
            agency = _full_name(agency, match)
    return Place(agency, region_code, level)


def _full_name(agency: str, match: regions.Match) -> str:
    """鄂温克旗人民政府 → 鄂温克族自治旗人民政府; 沐阳县人民政府 → 沭阳县人民政府 (an OCR slip).
    Only short forms and slips are rewritten; historical names and special bodies stay."""
    if match.reason in ("alias", "ocr") and match.matched and match.matched in agency:
        agency = agency.replace(match.matched, match.division.name, 1)
    if agency == match.division.name and match.level in ("province", "city", "county"):
        # a title that names only the place (鄂温克旗2020年…年度报告) is the government's report
        agency += "人民政府"
    return agency
