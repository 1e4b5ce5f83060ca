"""A page's characters and ruling lines → lines of text, table rows as cells joined by " | ".

A PDF has no rows or cells, only glyphs at positions and lines drawn between them. The
published reports draw their tables with ruling, so the cells are read from the ruling
itself, as a person reads the page: the drawn lines snap to a grid of rows and columns,
the grid's atomic cells that no line separates are one (merged) cell, and each glyph
belongs to the cell its centre falls in. A table is then handed on exactly as an HTML
table is (app/parsing/html.py): one line per grid row, the cells that start in that row
joined by " | ", a cell spanning rows given once in its first row, a cell's lines of text
joined into one (本年新 / 制作数量 → 本年新制作数量; a header set one character a line,
三 / 、 / 本 / 年 …, reads 三、本年…). Text outside any grid becomes lines by position; wide
gaps inside such a line become runs of spaces, as `pdftotext -layout` gives them, so that
a table drawn without ruling is read by the layout rules for such text (app/parsing/layout.py).

Worked example (section 二 of huaian-2024.pdf, page 3): seven horizontal and up to four
vertical rules make a grid; its first row has one cell across all columns (no vertical rule
under 第二十条 第（一）项), so that row reads `第二十条 第（一）项` and the next
`信息内容 | 本年制发件数 | 本年废止件数 | 现行有效件数`.

Across pages (app/parsing/pages.py): running headers and page numbers are left out,
paragraphs joined, and a table continued on the next page kept as one.

Pure: plain data in, plain data out; every tolerance in `TOLERANCES`. Coordinates are PDF
points from the page's top-left corner, y downwards (x0, top, x1, bottom).
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

Box = tuple[float, float, float, float]  # x0, top, x1, bottom


@dataclass(frozen=True, slots=True)
class Tolerances:
    snap: float = 2.5  # rules this close (pt) are one rule
    join: float = 3.0  # collinear rules with a gap this small are one rule
    min_rule: float = 3.0  # shorter strokes are no rules (dots, ticks)
    cover: float = 2.5  # a rule covers a cell side when it reaches this close to both ends
    cell_padding: float = 6.0  # a cell's text line reaching this close to its right rule filled the cell
    line_overlap: float = 0.5  # glyphs share a line when their vertical centres are this many heights apart, at most
    word_gap: float = 0.25  # a gap of this many ems between glyphs outside tables is a space
    column_gap: float = 0.8  # a gap of this many ems outside tables is a run of spaces (a column break)
    max_spaces: int = 12  # longest run of spaces written for a gap
    margin: float = 0.085  # share of the page height at its top and bottom where headers and page numbers live
    # a prose line whose next word would end this many ems from the right edge, or beyond, runs on (line-breaking
    # rules keep brackets and punctuation with their neighbours, so a wrapped line may end a character or two short)…
    wrap_right: float = 2.0
    wrap_left: float = 0.5  # …when the next starts this close to the left edge (no indent)
    wrap_gap: float = 1.5  # …and this many ems below it, at most
    wrap_cell_gap: float = 1.0  # a cell's wrapped line stands this many ems under its row, at most


TOLERANCES = Tolerances()


@dataclass(slots=True)
class Char:
    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    size: float  # the glyph's height across the line in points (its loose box: the em for gaps)
    angle: int = 0  # 0 upright; 90 / 270: set rotated (a vertical header)
    space_before: bool = False  # the PDF has a space character right before this one

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.top + self.bottom) / 2


@dataclass(frozen=True, slots=True)
class Rule:
    """A drawn horizontal (y = pos, from a to b along x) or vertical (x = pos, a..b along y) line."""

    horizontal: bool
    pos: float
    a: float
    b: float


@dataclass(slots=True)
class Page:
    number: int  # 1-based
    width: float
    height: float
    chars: list[Char]
    rules: list[Rule]


@dataclass(slots=True)
class Line:
    """A line of the extracted text: its text and, per character of it, the box of the glyph it
    came from (None for separators and spaces the reader put in)."""

    text: str
    boxes: list[Box | None]
    page: int
    top: float
    kind: str = "text"  # "text" | "row" (a table row) | "furniture"
    x0: float = 0.0
    x1: float = 0.0
    bottom: float = 0.0
    em: float = 10.0
    # rows: the table they belong to; rows and text: their cells (pieces between column gaps)
    # as (start, end, x0, x1)
    table: int | None = None
    cells: list[tuple[int, int, float, float]] = field(default_factory=list)
    # read by OCR: the recogniser's score per character (None for what the reader put in), kept
    # beside the boxes where a line is joined, and where the boxes are not (a line cut by a page break)
    scores: list[float | None] | None = None


# ----------------------------------------------------------------------------- rules → grids


def _cluster(values: list[float], tol: float) -> list[float]:
    """Sorted values → the centres of runs no wider than `tol` between neighbours."""
    out: list[list[float]] = []
    for v in sorted(values):
        if out and v - out[-1][-1] <= tol:
            out[-1].append(v)
        else:
            out.append([v])
    return [sum(run) / len(run) for run in out]


def merge_rules(rules: list[Rule], tol: Tolerances = TOLERANCES) -> list[Rule]:
    """Snap rules of one direction to shared positions and join the collinear pieces."""
    out: list[Rule] = []
    for horizontal in (True, False):
        group = [r for r in rules if r.horizontal == horizontal and r.b - r.a >= tol.min_rule]
        if not group:
            continue
        centres = _cluster([r.pos for r in group], tol.snap)
        by_pos: dict[int, list[tuple[float, float]]] = {}
        for r in group:
            by_pos.setdefault(_nearest(centres, r.pos), []).append((r.a, r.b))
        for i, spans in by_pos.items():
            spans.sort()
            a, b = spans[0]
            for s, e in spans[1:]:
                if s <= b + tol.join:
                    b = max(b, e)
                else:
                    out.append(Rule(horizontal, centres[i], a, b))
                    a, b = s, e
            out.append(Rule(horizontal, centres[i], a, b))
    return out


def _nearest(sorted_values: list[float], v: float) -> int:
    i = bisect.bisect_left(sorted_values, v)
    if i == 0:
        return 0
    if i == len(sorted_values):
        return i - 1
    return i if sorted_values[i] - v < v - sorted_values[i - 1] else i - 1


@dataclass(slots=True)
class Grid:
    """A table's ruling: row positions `ys`, column positions `xs`, and its cells as
    (row, col, last row, last col) of the atomic grid, each with the glyphs inside."""

    xs: list[float]
    ys: list[float]
    cells: list[tuple[int, int, int, int]]
    owner: list[list[int]]  # atomic (row, col) → index into cells, -1 outside every cell
    chars: list[list[Char]] = field(default_factory=list)

    @property
    def box(self) -> Box:
        return self.xs[0], self.ys[0], self.xs[-1], self.ys[-1]

    def cell_box(self, i: int) -> Box:
        r0, c0, r1, c1 = self.cells[i]
        return self.xs[c0], self.ys[r0], self.xs[c1 + 1], self.ys[r1 + 1]

    def locate(self, x: float, y: float) -> int:
        """The cell holding the point, or -1."""
        c = bisect.bisect_right(self.xs, x) - 1
        r = bisect.bisect_right(self.ys, y) - 1
        if 0 <= r < len(self.ys) - 1 and 0 <= c < len(self.xs) - 1:
            return self.owner[r][c]
        return -1


def rules_to_grids(rules: list[Rule], tol: Tolerances = TOLERANCES) -> list[Grid]:
    """Merged rules → the grids they draw: rules that touch form one grid; a grid needs two
    rules each way and more than one cell (a frame around text is no table)."""
    hs = [r for r in rules if r.horizontal]
    vs = [r for r in rules if not r.horizontal]
    parent = list(range(len(hs) + len(vs)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    t = tol.snap
    for i, h in enumerate(hs):
        for j, v in enumerate(vs):
            if v.a - t <= h.pos <= v.b + t and h.a - t <= v.pos <= h.b + t:
                a, b = find(i), find(len(hs) + j)
                if a != b:
                    parent[a] = b
    groups: dict[int, tuple[list[Rule], list[Rule]]] = {}
    for i, h in enumerate(hs):
        groups.setdefault(find(i), ([], []))[0].append(h)
    for j, v in enumerate(vs):
        groups.setdefault(find(len(hs) + j), ([], []))[1].append(v)
    grids = []
    for gh, gv in groups.values():
        if len(gh) >= 2 and len(gv) >= 2:
            grid = _grid(gh, gv, tol)
            if grid is not None and len(grid.cells) > 1:
                grids.append(grid)
    grids.sort(key=lambda g: (g.ys[0], g.xs[0]))
    return grids


def _grid(hs: list[Rule], vs: list[Rule], tol: Tolerances) -> Grid | None:
    ys = _cluster([h.pos for h in hs], tol.snap)
    xs = _cluster([v.pos for v in vs], tol.snap)
    rows, cols = len(ys) - 1, len(xs) - 1
    if rows < 1 or cols < 1:
        return None
    h_at: dict[int, list[tuple[float, float]]] = {}
    for h in hs:
        h_at.setdefault(_nearest(ys, h.pos), []).append((h.a, h.b))
    v_at: dict[int, list[tuple[float, float]]] = {}
    for v in vs:
        v_at.setdefault(_nearest(xs, v.pos), []).append((v.a, v.b))
    c = tol.cover

    def covered(spans: list[tuple[float, float]] | None, a: float, b: float) -> bool:
        return spans is not None and any(s <= a + c and e >= b - c for s, e in spans)

    # walls: right[r][k] is the rule at xs[k] beside row r; below[k][col] the rule at ys[k] under col
    right = [[covered(v_at.get(k), ys[r], ys[r + 1]) for k in range(cols + 1)] for r in range(rows)]
    below = [[covered(h_at.get(k), xs[col], xs[col + 1]) for col in range(cols)] for k in range(rows + 1)]
    parent = list(range(rows * cols))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for r in range(rows):
        for col in range(cols):
            i = r * cols + col
            if col + 1 < cols and not right[r][col + 1]:
                parent[find(i)] = find(i + 1)
            if r + 1 < rows and not below[r + 1][col]:
                parent[find(i)] = find(i + cols)
    regions: dict[int, list[int]] = {}
    for i in range(rows * cols):
        regions.setdefault(find(i), []).append(i)
    cells: list[tuple[int, int, int, int]] = []
    owner = [[-1] * cols for _ in range(rows)]
    for members in regions.values():
        rs = [i // cols for i in members]
        cs = [i % cols for i in members]
        # open to the outside (a side on the grid's edge without a rule): no cell
        open_ = any((i % cols == 0 and not right[i // cols][0]) or (i % cols == cols - 1 and not right[i // cols][cols])
                    or (i // cols == 0 and not below[0][i % cols]) or (i // cols == rows - 1 and not below[rows][i % cols])
                    for i in members)
        if open_:
            continue
        index = len(cells)
        cells.append((min(rs), min(cs), max(rs), max(cs)))
        for i in members:
            owner[i // cols][i % cols] = index
    if not cells:
        return None
    return Grid(xs, ys, cells, owner)


# ----------------------------------------------------------------------------- glyphs → text

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
