"""Where the tables are: which template a report's tables follow, and where each section's
table stands among the cells. Anchors are the words both national templates print; a
section not found is left to its reader to report (missing_section).

    二、主动公开政府信息情况 / 第二十条第（一）项 / 信息内容 | 本年制发件数 …   → section 二 starts at 第二十条
    一、本年新收政府信息公开申请数量 | 52 | …                                → section 三 starts at its first row
    四、…行政复议、行政诉讼情况 / 行政复议 | 行政诉讼                       → section 三 ends there
"""

from __future__ import annotations

from app.parsing.grid import Grid
from app.parsing.templates import TEMPLATES, Template
from app.parsing.tolerances import TOLERANCES

ACTIVE_HEADINGS = ("第二十条", "信息内容")  # section 二's tables start under one of these
APPLICATIONS_ANCHOR = "本年新收政府信息公开申请"  # section 三's first row
REVIEW_ANCHOR = "行政复议"  # section 四's table heading (行政复议 | 行政诉讼)


def detect_template(grid: Grid, text: str, year: int | None) -> Template | None:
    """The template whose table headers the report has most of; on a tie, the one its
    text cites (the newest first); else the one in force in the report's year; else None."""
    lo, hi = TOLERANCES.hint_cell_len
    short = [s for s in grid.squashed if lo <= len(s) <= hi]
    score = {t: sum(1 for s in short if t.hint_rx.search(s)) for t in TEMPLATES.values()}
    best = max(score.values())
    leaders = [t for t, n in score.items() if n == best]
    if len(leaders) == 1:
        return leaders[0]
    for t in reversed(TEMPLATES.values()):
        if any(c in text for c in t.cited_as):
            return t
    if year is not None:
        in_force = [t for t in TEMPLATES.values() if t.from_year <= year]
        return in_force[-1] if in_force else next(iter(TEMPLATES.values()))
    return None


def active_region(grid: Grid) -> tuple[int, int]:
    """Cells from the first 第二十条 / 信息内容 heading to the section 三 table."""
    squashed, cells = grid.squashed, grid.cells
    first, second = ACTIVE_HEADINGS
    limit, anchor = TOLERANCES.heading_len, APPLICATIONS_ANCHOR
    begin, end = 0, len(cells)
    for idx, s in enumerate(squashed):
        if (first in s or second in s) and (len(s) < limit or cells[idx].glued):
            begin = idx
            break
    for idx in range(begin, len(cells)):
        if anchor in squashed[idx]:
            end = idx
            break
    return begin, end


def applications_start(grid: Grid) -> int | None:
    """The cell of section 三's first row label, or None."""
    limit, anchor = TOLERANCES.anchor_len, APPLICATIONS_ANCHOR
    for idx, s in enumerate(grid.squashed):
        if anchor in s and (len(s) < limit or grid.cells[idx].glued):
            return idx
    return None


def applications_end(grid: Grid, start: int) -> int:
    """Where section 三 ends: the first cell from `start` on that is section 四's table
    heading (行政复议, or 行政复议 and 行政诉讼 in one cell), else the end of the cells."""
    squashed = grid.squashed
    anchor = REVIEW_ANCHOR
    for idx in range(start, len(squashed)):
        s = squashed[idx]
        if s == anchor or (anchor in s and "行政诉讼" in s):
            return idx
    return len(squashed)


def review_header(grid: Grid, idx: int, words: frozenset[str]) -> bool:
    """A cell of section 四's header: made of its header words only (a whole header row in
    one cell, its cells a space apart, too)."""
    s = grid.squashed[idx]
    return bool(s) and len(s) <= TOLERANCES.review_header_len and all(ch in words for ch in s)


def review_anchor(grid: Grid, idx: int, words: frozenset[str]) -> bool:
    """Where section 四's table starts: a header cell beginning 行政复议, or a text cut from a
    flattened table that ends with 行政复议 and header words. (Callers skip the cells without
    行政复议 first: this runs on every cell.)"""
    s = grid.squashed[idx]
    if grid.cells[idx].glued and REVIEW_ANCHOR in s and all(ch in words for ch in s[s.rfind(REVIEW_ANCHOR):]):
        return True
    return s.startswith(REVIEW_ANCHOR) and review_header(grid, idx, words)
