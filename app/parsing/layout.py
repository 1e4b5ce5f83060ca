"""Normalised lines → cells. A line with `|` is a row of cells (pipe or Markdown tables;
separator rows dropped); a line with runs of two or more spaces is a row of cells
(`pdftotext -layout`); any other line is one cell (prose, or one-cell-per-line tables).
Each cell keeps its line and column span, so figures can say where they came from."""

from __future__ import annotations

import re
from dataclasses import dataclass

_SEPARATOR_ROW = re.compile(r"^[\s|:\-—=+]*$")
_HEADING = re.compile(r"^#{1,6}\s*")


@dataclass(frozen=True, slots=True)
class Cell:
    text: str
    line: int  # 0-based line index in the normalised text
    start: int
    end: int
    first_in_line: bool = False
    glued: bool = False  # cut out of a run-together line (a table flattened with no separators)


def _split_pipes(line: str, line_no: int) -> list[Cell]:
    cells: list[Cell] = []
    pos = 0
    parts = line.split("|")
    n = len(parts)
    for i, part in enumerate(parts):
        start = pos
        pos += len(part) + 1
        if (i == 0 or i == n - 1) and not part.strip():
            continue  # the empty edge outside a leading / trailing pipe
        stripped = part.strip()
        lead = len(part) - len(part.lstrip())
        s = start + lead
        cells.append(Cell(stripped, line_no, s, s + len(stripped)))
    return cells


def _split_gaps(line: str, line_no: int) -> list[Cell]:
    out = []
    for m in re.finditer(r"\S+(?: \S+)*", line):
        out.append(Cell(m.group(0), line_no, m.start(), m.end()))
    return out


# page furniture: — 1 —, -2-, 第 3 页 共 9 页, 第3页
_PAGE_MARK = re.compile(r"^\s*(?:[-—–_]+\s*\d{1,4}\s*[-—–_]+|第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?|\d{1,4}\s*/\s*\d{1,4})\s*$")


def cells_of_line(line: str, line_no: int) -> list[Cell]:
    if not line.strip() or _PAGE_MARK.match(line):
        return []
    offset = 0
    if line.lstrip().startswith("#"):
        stripped = line.lstrip()
        m = _HEADING.match(stripped)
        if m:
            offset = len(line) - len(stripped) + m.end()
    body = line[offset:]
    if "|" in body:
        if _SEPARATOR_ROW.match(body):
            return []
        cells = _split_pipes(body, line_no)
    elif "  " in body.strip():
        cells = _split_gaps(body, line_no)
    else:
        s = body.strip()
        lead = len(body) - len(body.lstrip())
        cells = [Cell(s, line_no, lead, lead + len(s))]
    if offset:
        cells = [Cell(c.text, c.line, c.start + offset, c.end + offset) for c in cells]
    if cells:
        c = cells[0]
        cells[0] = Cell(c.text, c.line, c.start, c.end, True)
    return cells


# A flattened table: a long cell holding table headers or template row labels.
_TABLE_MARKERS = ("信息内容", "本年新收政府信息公开申请", "申请人情况", "结果维持", "上年结转政府信息公开申请")
_NUM_RUN = re.compile(r"(?:增|减|[+\-])?\d+(?:\.\d+)?(?:万元|亿元)?(?:(?!（[一二三四五六七八九十]{1,2}）)（[^（）\d]{1,12}）)?")
_GLUED_PAGE_MARK = re.compile(r"(?<![\d\-—–])[-—–]\d{1,3}[-—–](?![\d\-—–])")
_CJK = re.compile(r"[\u3400-\u9fff“”\"（]")
# numbering that starts a row label: （一） 一、 — text is cut there too
_LABEL_START = re.compile(r"（[一二三四五六七八九十]{1,2}）|(?<![\u3400-\u9fff])[一二三四五六七八九十]、")
# a short label followed by its numbers in one cell: 本年新收政府信息公开申请数量 521000558
_LABEL_NUMBER = re.compile(r"^(?P<label>[^\d]{2,40}?[^\d\s])\s*(?P<num>(?:(?:增|减|[+\-])?\d[\d.]*(?:万元|亿元)?\s*)+)$")


def _split_glued(cell: Cell) -> list[Cell]:
    """Cut a run-together cell into text and number cells. A digit glued to a following
    '.' or '、' and a character is the next row's numbering (…国家秘密00000002.其他法律…)."""
    text = cell.text
    pieces: list[tuple[int, int, bool]] = []  # (start, end, is_number)
    pos = 0
    # a page number between dashes (-4-) inside run-together text is furniture: blank it out
    text = _GLUED_PAGE_MARK.sub(lambda m: " " * len(m.group()), text)
    for m in _NUM_RUN.finditer(text):
        s, e = m.span()
        if e < len(text) - 1 and text[e] in ".、" and _CJK.match(text, e + 1) and text[s:e].isdigit():
            e -= 1  # the last digit numbers the next label
        if s > pos:
            pieces.append((pos, s, False))
        if e > s:
            pieces.append((s, e, True))
            pos = e
        else:
            pos = s
    if pos < len(text):
        pieces.append((pos, len(text), False))
    out: list[Cell] = []
    for s, e, is_number in pieces:
        if is_number:
            out.append(Cell(text[s:e], cell.line, cell.start + s, cell.start + e, glued=True))
            continue
        cuts = [s] + [m.start() for m in _LABEL_START.finditer(text, s, e) if m.start() > s] + [e]
        for a, b in zip(cuts, cuts[1:]):
            seg = text[a:b]
            lead = len(seg) - len(seg.lstrip())
            seg = seg.strip()
            if seg:
                out.append(Cell(seg, cell.line, cell.start + a + lead, cell.start + a + lead + len(seg), glued=True))
    return out


def _refine(cell: Cell) -> list[Cell]:
    text = cell.text
    if len(text) > 40 and any(m in text for m in _TABLE_MARKERS):
        return _split_glued(cell)
    if len(text) <= 60 and text[-1:].isdigit() and not text.isdigit():
        m = _LABEL_NUMBER.match(text)
        if m and _CJK.search(m.group("label")) and not m.group("label").endswith(("第", "年", "月", "共")):
            if _NUM_RUN.fullmatch(m.group("num").strip()):  # one number: a label and its value
                ls, le = m.span("label")
                ns, ne = m.span("num")
                return [Cell(m.group("label"), cell.line, cell.start + ls, cell.start + le, cell.first_in_line),
                        Cell(m.group("num").strip(), cell.line, cell.start + ns, cell.start + ns + len(m.group("num").strip()))]
            return _split_glued(cell)  # a label and its row's numbers run together (194增241505)
    return [cell]


def cells_of(lines: list[str]) -> list[Cell]:
    out: list[Cell] = []
    for i, line in enumerate(lines):
        for cell in cells_of_line(line, i):
            out.extend(_refine(cell))
    return out
