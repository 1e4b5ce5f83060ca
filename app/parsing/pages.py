"""The pages of a PDF → the lines of its text, as one document.

Page furniture goes: running headers and page numbers (`mark_furniture`). A paragraph's
wrapped lines become one line again, as an HTML <p> gives it (`reflow`), also where a page
break cut it. A table that goes on over a page break stays one table, and what the break
cut is joined again (`join_pages`):

    page 4: （四）无 | 1.本机关不掌握相关政府信息 | 746 | …
    page 5:  | 法提供 | 2.没有现成信息需要另行制作 | 11 | …
    →       （四）无法提供 | 1.本机关不掌握相关政府信息 | 746 | …
            2.没有现成信息需要另行制作 | 11 | …

Pure, like app/parsing/geometry.py (whose Line objects it takes, page by page).
"""

from __future__ import annotations

import re

from app.parsing.geometry import TOLERANCES, Line, Page, Tolerances
from app.parsing.page_text import NUMBERED, append_to_cell, drop_cell, is_cjk

_PAGE_NUMBER = re.compile(r"^\s*(?:[-—–_－]\s*)?(?:第\s*)?\d{1,4}(?:\s*页)?(?:\s*[-—–_－])?\s*$"
                          r"|^\s*\d{1,4}\s*/\s*\d{1,4}\s*$|^\s*第\s*\d{1,4}\s*页\s*[,，/]?\s*共\s*\d{1,4}\s*页\s*$")
_DIGITS = re.compile(r"\d+")


def mark_furniture(pages: list[tuple[Page, list[Line]]], tol: Tolerances = TOLERANCES) -> None:
    """Page numbers and running headers/footers: prose lines in the top or bottom margin that
    are a page number, or whose text (digits aside) is in the same margin of another page."""
    seen: dict[tuple[str, bool], set[int]] = {}
    candidates: list[tuple[Line, str, bool]] = []
    for page, lines in pages:
        for line in lines:
            if line.kind != "text":
                continue
            if line.top < page.height * tol.margin:
                head = True
            elif line.top > page.height * (1 - tol.margin):
                head = False
            else:
                continue
            key = _DIGITS.sub("#", line.text.replace(" ", ""))
            candidates.append((line, key, head))
            seen.setdefault((key, head), set()).add(page.number)
    for line, key, head in candidates:
        if _PAGE_NUMBER.match(line.text) or len(seen[(key, head)]) >= 2:
            line.kind = "furniture"


# the start of a numbered label, perhaps cut right after its number: （五 / 三、 / 1.
_NUMBER_START = re.compile(r"^\s*(?:（[一二三四五六七八九十]{1,3}|[一二三四五六七八九十]{1,3}、|\d{1,2}[.、．])")


def join_pages(pages: list[tuple[Page, list[Line]]]) -> list[Line]:
    """The lines of every page in order, furniture left out, paragraphs joined (`reflow`),
    also across a page break; a merged label cut by a page break (a table row's first cell at
    the top of a page continuing the last table of the page before, whose text does not
    start with numbering while the cell above it on the previous page does) is joined to
    that cell, and so is the rest of a value's unit (32681.29万 / 元)."""
    mark_furniture(pages)
    out: list[Line] = []
    margins_before = None
    for _page, lines in pages:
        body = reflow([line for line in lines if line.kind != "furniture"])
        margins = _margins(body)
        if out and body and out[-1].kind == "row" and body[0].kind == "row":
            # the table goes on: its rows on this page are the same table's
            own, theirs = body[0].table, out[-1].table
            for line in body:
                if line.kind == "row" and line.table == own:
                    line.table = theirs
            if _continue_table(out, body[0]):
                body.pop(0)  # a row cut by the page break, its text now in the row above
        elif out and body and margins_before and margins \
                and _wraps(out[-1], body[0], (margins_before[0], margins_before[1]), TOLERANCES) \
                and abs(body[0].x0 - margins[0]) <= TOLERANCES.wrap_left * body[0].em:
            _join(out[-1], body.pop(0))  # a paragraph running on to the next page
        out.extend(body)
        margins_before = margins or margins_before
    return out


def _continue_table(before: list[Line], first: Line) -> bool:
    """Join the labels cut by a page break: each leading non-empty cell of `first` (a label,
    not numbered, before the row's first number) goes to the cell in the same column of the
    nearest row above that has one, when that cell's label is numbered (（四）无 + 法提供,
    3.危及“三 + 安全一稳定”) or it is a value cut inside its unit (32681.29万 + 元). True when `first` is left with no text (the row itself was cut
    by the page break: its rest is above)."""
    rows_above = []
    for line in reversed(before):
        if line.kind != "row" or line.table != before[-1].table:
            break
        rows_above.append(line)
    k = 0
    while k < len(first.cells):
        start, end, x0, x1 = first.cells[k]
        piece = first.text[start:end]
        if not piece:
            k += 1
            continue
        if NUMBERED.match(piece) or any(ch.isdigit() for ch in piece):
            break
        target = None
        for row in rows_above:  # the nearest row above with a cell in the same column
            above = next((j for j, (_s, _e, a, b) in enumerate(row.cells) if abs(a - x0) <= 3 and abs(b - x1) <= 3),
                         None)
            if above is not None:
                s, e, _a, _b = row.cells[above]
                cut = row.text[s:e]
                target = (row, above) if _NUMBER_START.match(cut) or _unit_cut(cut, piece) else None
                break
        if target is None:
            break
        # the piece stands on the next page: its glyphs have no box on the row's page
        append_to_cell(*target, piece, [None] * len(piece))
        drop_cell(first, k)
        while k > 0:  # the empty cells before it go on cells spanning down from the page before
            k -= 1
            drop_cell(first, k)
    return not any(first.text[s:e].strip() for s, e, _a, _b in first.cells)


# the rest of a figure's unit or note that a page break carried over: 32681.29万 / 元
_UNIT_REST = re.compile(r"^(?:万?元|件|项|个|条|次|[）)])$")


def _unit_cut(above: str, piece: str) -> bool:
    """A value cell cut by a page break inside its unit (32681.29万 + 元, 2（放弃申请 + ）): the
    cell above starts with a number and does not end with a digit, the piece is a unit's
    rest or a closing bracket alone."""
    above = above.strip()
    return bool(above) and above[0].isdigit() and not above[-1].isdigit() and bool(_UNIT_REST.match(piece.strip()))


def _margins(lines: list[Line]) -> tuple[float, float] | None:
    """The left and right edge of the page's prose (lines outside tables), when it has some."""
    prose = [line for line in lines if line.kind == "text" and "  " not in line.text]
    if len(prose) < 3:
        return None
    return min(line.x0 for line in prose), max(line.x1 for line in prose)


def _wraps(line: Line, nxt: Line, margins: tuple[float, float] | None, tol: Tolerances) -> bool:
    """Whether `nxt` continues the paragraph of `line`: prose both, `line` ending where the
    first word of `nxt` would not have fit before the right edge, `nxt` starting at the left
    edge (no indent: a new paragraph or heading is indented), neither holding a column gap (a
    table without ruling is never joined)."""
    if margins is None or line.kind != "text" or nxt.kind != "text" or "  " in line.text or "  " in nxt.text:
        return False
    left, right = margins
    em = max(line.em, nxt.em)
    return line.x1 + _first_word_width(nxt) >= right - tol.wrap_right * em \
        and nxt.x0 <= left + tol.wrap_left * em and abs(line.em - nxt.em) <= 0.25 * em


def _first_word_width(line: Line) -> float:
    """The width of the line's first word: a run of letters and digits, or one CJK character."""
    end = 1
    if not is_cjk(line.text[0]):
        while end < len(line.text) and not line.text[end].isspace() and not is_cjk(line.text[end]):
            end += 1
    boxes = [b for b in line.boxes[:end] if b is not None]
    return boxes[-1][2] - boxes[0][0] if boxes else line.em


def _join(line: Line, nxt: Line) -> None:
    sep = "" if is_cjk(line.text[-1]) or is_cjk(nxt.text[0]) else " "
    if line.scores is not None or nxt.scores is not None:
        line.scores = (line.scores or [None] * len(line.text)) + [None] * len(sep) \
            + (nxt.scores or [None] * len(nxt.text))
    line.text += sep + nxt.text
    # glyphs on another page have no box on this line's page
    line.boxes += [None] * len(sep) + (nxt.boxes if nxt.page == line.page else [None] * len(nxt.boxes))
    line.x1, line.bottom = nxt.x1, nxt.bottom


def reflow(lines: list[Line], tol: Tolerances = TOLERANCES) -> list[Line]:
    """Lines of one page with each paragraph's wrapped lines joined into one line, as an HTML
    <p> gives it: prose patterns then see 当面申请5件 whole, not 当面申 / 请5件."""
    margins = _margins(lines)
    out: list[Line] = []
    for line in lines:
        if out and _wraps(out[-1], line, margins, tol) and line.top - out[-1].bottom <= tol.wrap_gap * line.em:
            _join(out[-1], line)
        else:
            out.append(line)
    return out
