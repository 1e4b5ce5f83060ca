"""A page's glyphs and grids → lines of text, table rows as cells joined by " | ".

Each glyph belongs to the cell of a grid (app/parsing/ruling.py) its centre falls in. A table
is then handed on exactly as an HTML table is (app/parsing/html.py): one line per grid row,
the cells that start in that row joined by " | ", a cell spanning rows given once in its
first row, a cell's lines of text joined into one (本年新 / 制作数量 → 本年新制作数量; a
header set one character a line, 三 / 、 / 本 / 年 …, reads 三、本年…). Text outside any grid
becomes lines by position; wide gaps inside such a line become runs of spaces, as
`pdftotext -layout` gives them, so that a table drawn without ruling is read by the layout
rules for such text (app/parsing/layout.py).

Worked example (section 二 of huaian-2024.pdf, page 3): the grid's first row has one cell
across all columns, so that row reads `第二十条 第（一）项` and the next
`信息内容 | 本年制发件数 | 本年废止件数 | 现行有效件数`.

Pure, like app/parsing/geometry.py; every tolerance in `TOLERANCES`.
"""

from __future__ import annotations

import re

from app.parsing.geometry import TOLERANCES, Box, Char, Line, Page, Tolerances
from app.parsing.ruling import Grid, merge_rules, rules_to_grids

_CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]")


def is_cjk(ch: str) -> bool:
    return _CJK.match(ch) is not None


def chars_to_lines(chars: list[Char], tol: Tolerances = TOLERANCES) -> list[list[Char]]:
    """Glyphs → visual lines, top to bottom, each left to right."""
    if not chars:
        return []
    keyed = sorted(((ch.top + ch.bottom) / 2, ch.bottom - ch.top, i, ch) for i, ch in enumerate(chars))
    lines: list[list[Char]] = []
    overlap = tol.line_overlap
    centre = height = 0.0
    n = 0
    for cy, h, _i, ch in keyed:
        if h < 0.1:
            h = 0.1
        if lines and abs(cy - centre) <= overlap * (h if h > height else height):
            lines[-1].append(ch)
            n += 1
            centre += (cy - centre) / n
            if h > height:
                height = h
        else:
            lines.append([ch])
            centre, height, n = cy, h, 1
    for line in lines:
        line.sort(key=lambda ch: ch.x0)
    return lines


def cell_text(chars: list[Char], tol: Tolerances = TOLERANCES, right: float | None = None) -> tuple[str, list[Box | None]]:
    """A cell's glyphs → its text: lines joined with nothing between CJK (a label broken over
    lines is one label), a space between words of other scripts, nothing inside a number the
    cell's width wrapped (its first line runs to the cell's `right` edge: 17 / 8 is 178);
    rotated text in its reading order."""
    if not chars:
        return "", []
    rotated = [ch for ch in chars if ch.angle in (90, 270)]
    if len(rotated) * 2 > len(chars):
        # set rotated: one column, read bottom-up (90°, counter-clockwise) or top-down (270°)
        up = sum(ch.angle == 90 for ch in rotated) * 2 > len(rotated)
        ordered = sorted(chars, key=lambda ch: (-ch.cy if up else ch.cy))
        return "".join(ch.text for ch in ordered), [_box(ch) for ch in ordered]
    text: list[str] = []
    boxes: list[Box | None] = []
    last: Char | None = None
    for line in chars_to_lines(chars, tol):
        if text and not (is_cjk(text[-1]) or is_cjk(line[0].text)):
            wrapped = right is not None and last is not None and text[-1].isdigit() and line[0].text.isdigit() \
                and last.x1 + (line[0].x1 - line[0].x0) >= right - tol.cell_padding
            if not wrapped:
                text.append(" ")
                boxes.append(None)
        prev: Char | None = None
        for ch in line:
            if prev is not None and not (is_cjk(prev.text) or is_cjk(ch.text)) \
                    and (ch.space_before or ch.x0 - prev.x1 > tol.word_gap * max(ch.size, 1.0)):
                text.append(" ")
                boxes.append(None)
            text.append(ch.text)
            boxes.append(_box(ch))
            prev = ch
        last = line[-1]
    return "".join(text), boxes


def _box(ch: Char) -> Box:
    return (ch.x0, ch.top, ch.x1, ch.bottom)


def free_line(chars: list[Char], tol: Tolerances = TOLERANCES
              ) -> tuple[str, list[Box | None], list[tuple[int, int, float, float]]]:
    """A visual line outside tables: a space for a word gap, a run of spaces for a column gap
    (about one a character's width, at least two); and its pieces between column gaps, as
    (start, end, x0, x1)."""
    text: list[str] = []
    boxes: list[Box | None] = []
    cells: list[tuple[int, int, float, float]] = []
    prev: Char | None = None
    pos = start = 0
    x0 = chars[0].x0 if chars else 0.0
    for ch in chars:
        if prev is not None:
            em = max(ch.size, prev.size, 1.0)
            gap = ch.x0 - prev.x1
            if gap > tol.column_gap * em:
                n = max(2, min(tol.max_spaces, round(gap / em) + 1))
                cells.append((start, pos, x0, prev.x1))
                text.append(" " * n)
                boxes.extend([None] * n)
                pos += n
                start, x0 = pos, ch.x0
            elif gap > tol.word_gap * em or ch.space_before:
                text.append(" ")
                boxes.append(None)
                pos += 1
        text.append(ch.text)
        boxes.append(_box(ch))
        pos += 1
        prev = ch
    if prev is not None:
        cells.append((start, pos, x0, prev.x1))
    return "".join(text), boxes, cells


def merge_wrapped(lines: list[Line], tol: Tolerances = TOLERANCES) -> list[Line]:
    """A table drawn without ruling whose cells wrap: a line right under a row of cells (one
    with a number in it), holding only text pieces each under one of the row's cells, is the
    rest of those cells (2（放 / 弃申 / 请） is 2（放弃申请）); it is joined into them."""
    out: list[Line] = []
    for line in lines:
        row = out[-1] if out else None
        if row is not None and row.kind == "text" and line.kind == "text" and len(row.cells) >= 2 \
                and any(ch.isdigit() for ch in row.text) and not any(ch.isdigit() for ch in line.text) \
                and not NUMBERED.match(line.text) and line.top - row.bottom <= tol.wrap_cell_gap * line.em:
            targets = []
            for s, e, a, b in line.cells:
                over = [k for k, (_s, _e, ra, rb) in enumerate(row.cells) if min(b, rb) - max(a, ra) > 0.5 * (b - a)]
                targets.append(over[0] if len(over) == 1 else None)
            if targets and None not in targets and len(set(targets)) == len(targets):
                for (s, e, _a, _b), k in sorted(zip(line.cells, targets), key=lambda t: -t[1]):
                    append_to_cell(row, k, line.text[s:e], line.boxes[s:e])
                row.bottom = max(row.bottom, line.bottom)
                continue
        out.append(line)
    return out


def page_lines(page: Page, tol: Tolerances = TOLERANCES, table_base: int = 0) -> list[Line]:
    """One page → its lines in reading order: prose lines, and each table's rows."""
    grids = rules_to_grids(merge_rules(page.rules, tol), tol)
    for g in grids:
        g.chars = [[] for _ in g.cells]
    free: list[Char] = []
    for ch in page.chars:
        cx, cy = ch.cx, ch.cy
        for g in grids:
            x0, top, x1, bottom = g.box
            if x0 <= cx <= x1 and top <= cy <= bottom:
                i = g.locate(cx, cy)
                if i >= 0:
                    g.chars[i].append(ch)
                    break
        else:
            free.append(ch)
    blocks: list[tuple[float, int, list[Line]]] = []
    for k, g in enumerate(grids):
        blocks.append((g.ys[0], 1, _grid_rows(g, page.number, table_base + k, tol)))
    for chars in chars_to_lines(free, tol):
        text, boxes, cells = free_line(chars, tol)
        if text.strip():
            top = min(ch.top for ch in chars)
            # the em: the tallest glyph (digits and Latin letters are shorter than CJK characters)
            blocks.append((top, 0, [Line(text, boxes, page.number, top, x0=chars[0].x0, x1=chars[-1].x1,
                                         bottom=max(ch.bottom for ch in chars), em=max(max(ch.size for ch in chars), 1.0),
                                         cells=cells)]))
    blocks.sort(key=lambda b: (b[0], b[1]))
    return merge_wrapped([line for _, _, lines in blocks for line in lines], tol)


def _grid_rows(g: Grid, page: int, table: int, tol: Tolerances) -> list[Line]:
    starts: dict[int, list[int]] = {}
    for i, (r0, c0, _r1, _c1) in enumerate(g.cells):
        starts.setdefault(r0, []).append(i)
    out: list[Line] = []
    for r in sorted(starts):
        idx = sorted(starts[r], key=lambda i: g.cells[i][1])
        parts = [cell_text(g.chars[i], tol, g.cell_box(i)[2]) for i in idx]
        if not any(text.strip() for text, _ in parts):
            continue
        text: list[str] = []
        boxes: list[Box | None] = []
        cells: list[tuple[int, int, float, float]] = []
        pos = 0
        for n, ((t, b), i) in enumerate(zip(parts, idx)):
            if n:
                text.append(" | ")
                boxes.extend([None] * 3)
                pos += 3
            text.append(t)
            boxes.extend(b)
            x0, _, x1, _ = g.cell_box(i)
            cells.append((pos, pos + len(t), x0, x1))
            pos += len(t)
        out.append(Line("".join(text), boxes, page, g.ys[r], "row", table=table, cells=cells))
    return out


# a numbered row label: （一） 一、 1.
NUMBERED = re.compile(r"^\s*(?:（[一二三四五六七八九十]{1,3}）|[一二三四五六七八九十]{1,3}、|\d{1,2}[.、．])")


def append_to_cell(row: Line, k: int, piece: str, boxes: list[Box | None]) -> None:
    s, e, a, b = row.cells[k]
    row.text = row.text[:e] + piece + row.text[e:]
    row.boxes = row.boxes[:e] + boxes + row.boxes[e:]
    n = len(piece)
    if row.scores is not None:
        row.scores = row.scores[:e] + [None] * n + row.scores[e:]
    row.cells = [(s2 + n, e2 + n, a2, b2) if j > k else (s2, e2 + n, a2, b2) if j == k else (s2, e2, a2, b2)
                 for j, (s2, e2, a2, b2) in enumerate(row.cells)]


def drop_cell(row: Line, k: int) -> None:
    """Take cell k out of the row, with its separator (its text moved to the row above, as a
    cell spanning rows is given once in HTML)."""
    s, e, _a, _b = row.cells[k]
    if k + 1 < len(row.cells):
        cut_from, cut_to = s, row.cells[k + 1][0]
    else:
        cut_from, cut_to = (row.cells[k - 1][1], e) if k else (s, e)
    n = cut_to - cut_from
    row.text = row.text[:cut_from] + row.text[cut_to:]
    row.boxes = row.boxes[:cut_from] + row.boxes[cut_to:]
    if row.scores is not None:
        row.scores = row.scores[:cut_from] + row.scores[cut_to:]
    row.cells = [(s2 - n, e2 - n, a2, b2) if j > k else (s2, e2, a2, b2)
                 for j, (s2, e2, a2, b2) in enumerate(row.cells) if j != k]
