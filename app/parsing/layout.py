"""Normalised lines → cells. A line with `|` is a row of cells (pipe or Markdown tables;
separator rows dropped); a line with runs of two or more spaces is a row of cells
(`pdftotext -layout`); any other line is one cell (prose, or one-cell-per-line tables).
Each cell keeps its line and column span, so figures can say where they came from."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

from app.parsing.budget import MAX_CELLS, MAX_SPLIT_CHARS, Budget
from app.parsing.values import is_blank, parse_value

_SEPARATOR_ROW = re.compile(r"^[\s|:\-—=+]*$")
_HEADING = re.compile(r"^#{1,6}\s*")


@dataclass(slots=True, unsafe_hash=True)
class Cell:
    # not frozen (a frozen dataclass costs four times as much to build, and a report has
    # hundreds of cells), but never changed once made: hashed and compared by value as before
    text: str
    line: int  # 0-based line index in the normalised text
    start: int
    end: int
    first_in_line: bool = False
    glued: bool = False  # cut out of a run-together line (a table flattened with no separators)


def row_line(cells: list[str]) -> str:
    """The line a table row's cells are written as (HTML, Word): joined by " | ", and framed by
    pipes when its first or last cell is empty — a pipe at an edge of a line is a frame
    (_split_pipes), so an empty edge cell (a 总计 left blank) stays a cell only inside one."""
    line = " | ".join(cells)
    return f"| {line} |" if cells and (not cells[0] or not cells[-1]) else line


def _split_pipes(line: str, line_no: int, limit: int) -> list[Cell]:
    cells: list[Cell] = []
    pos = 0
    parts = line.split("|", limit + 1)
    if len(parts) > limit + 1:
        parts.pop()  # beyond the cells that are read: not split
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


_ONE_CJK = re.compile(r"[\u3400-\u9fff]")
_LETTER_GAP = 6  # at most this many spaces between the letters of a letter-spaced label


def _split_gaps(line: str, line_no: int, limit: int) -> list[Cell]:
    out: list[Cell] = []
    run = 0  # letters of a letter-spaced label (行  政  许  可) gathered into out[-1]
    for m in re.finditer(r"\S+(?: \S+)*", line):
        if len(out) > limit:
            break
        text = m.group(0)
        letter = len(text) == 1 and _ONE_CJK.match(text) is not None and text not in ("无", "空")
        if letter and run and m.start() - out[-1].end <= _LETTER_GAP:
            last = out[-1]
            out[-1] = Cell(last.text + text, line_no, last.start, m.end())
            run += 1
            continue
        out.append(Cell(text, line_no, m.start(), m.end()))
        run = 1 if letter else 0
    return out


# page furniture: — 1 —, -2-, 第 3 页 共 9 页, 第3页
_PAGE_MARK = re.compile(r"^\s*(?:[-—–_]+\s*\d{1,4}\s*[-—–_]+|第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?|\d{1,4}\s*/\s*\d{1,4})\s*$")


def cells_of_line(line: str, line_no: int, limit: int = MAX_CELLS) -> list[Cell]:
    """The cells of one line (about `limit` at most: the rest of a longer line is not read)."""
    if not line.strip() or _PAGE_MARK.match(line):
        return []
    offset = 0
    if line.lstrip().startswith("#"):
        stripped = line.lstrip()
        m = _HEADING.match(stripped)
        if m:
            offset = len(line) - len(stripped) + m.end()
    body = line[offset:]
    if len(body.strip()) >= 3 and _SEPARATOR_ROW.match(body):
        # a rule (----, ====, ———), or a Markdown separator row copied one cell per line; a
        # blank cell is one or two dashes (—, --), and alone on its line it is no column anyway
        return []
    if "|" in body:
        if _SEPARATOR_ROW.match(body):
            return []
        cells = _split_pipes(body, line_no, limit)
    elif "  " in body.strip():
        cells = _split_gaps(body, line_no, limit)
    else:
        s = body.strip()
        lead = len(body) - len(body.lstrip())
        cells = [Cell(s, line_no, lead, lead + len(s))]
    if offset:
        cells = [Cell(c.text, c.line, c.start + offset, c.end + offset) for c in cells]
    if cells:
        cells[0].first_in_line = True  # a cell of this call's own making
    return cells


# A flattened table: a long cell holding table headers or template row labels.
_TABLE_MARKERS = ("信息内容", "本年新收政府信息公开申请", "申请人情况", "结果维持", "上年结转政府信息公开申请")
_NUM_RUN = re.compile(r"(?:增|减|[+\-])?\d+(?:\.\d+)?(?:万元|亿元)?(?:(?!（[一二三四五六七八九十]{1,2}）)（[^（）\d]{1,12}）)?")
_GLUED_PAGE_MARK = re.compile(r"(?<![\d\-—–])[-—–]\d{1,3}[-—–](?![\d\-—–])")
_CJK = re.compile(r"[\u3400-\u9fff“”\"（]")
# numbering that starts a row label: （一） 一、 — text is cut there too
_LABEL_START = re.compile(r"（[一二三四五六七八九十]{1,2}）|(?<![\u3400-\u9fff])[一二三四五六七八九十]、")
# a short label followed by its numbers in one cell: 本年新收政府信息公开申请数量 521000558
# a number's digits taken whole (possessive): the pieces could otherwise cut a digit run at every
# place, exponential in its length when the line does not end in numbers (行政许可9999…9行政许可0)
_LABEL_NUMBER = re.compile(r"^(?P<label>[^\d]{2,40}?[^\d\s])\s*(?P<num>(?:(?:增|减|[+\-])?\d[\d.]*+(?:万元|亿元)?\s*)+)$")


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


# a piece of a row label that starts with its numbering: （三） 三、 2. 2、 (a merged cell's text may
# stand before it: 本 2.其他法律行政法规禁止公开, （五）不 3.要求提供公开出版物)
_SPACED_LABEL_CUT = re.compile(r" (?=（[一二三四五六七八九十]{1,2}）|[一二三四五六七八九十]{1,2}、|\d{1,2}[.、](?!\d))")
_VALUE_ENDS = frozenset("）元件项个条篇次期场家人余多右")
_SPACED_TOKEN = re.compile(r"\S+")
_NUMBERING_DIGITS = re.compile(r"^\d{1,2}[.、]")


def _split_spaced(cell: Cell) -> list[Cell] | None:
    """A row whose cells stand one space apart (a layout copied with its runs of spaces
    collapsed, as from a web page): 1.属于国家秘密 2 0 0 0 0 0 2, 72 64 178 37 351 … → the label
    and one cell per number. The numbers were written apart, so they are not run-together
    digits (glued stays False). None when the text does not end with two or more numbers,
    or when its label part holds digits of its own (a flattened table, dates, prose)."""
    text = cell.text
    tokens = [(m.start(), m.end()) for m in _SPACED_TOKEN.finditer(text)]
    k = len(tokens)
    numbers = 0
    while k > 0:
        tok = text[tokens[k - 1][0]:tokens[k - 1][1]]
        if len(tok) <= 80 and parse_value(tok) is not None:  # (a longer token is no number, nor cached)
            numbers += 1
        elif not (is_blank(tok) and tok != "无"):
            break
        k -= 1
    if numbers < 2:
        return None
    while k < len(tokens) and is_blank(text[tokens[k][0]:tokens[k][1]]):
        k += 1  # a blank before the first number belongs to no column we can tell
    label_end = tokens[k - 1][1] if k else 0
    label = text[:label_end]
    out: list[Cell] = []
    if label:
        cuts = [0] + [m.start() + 1 for m in _SPACED_LABEL_CUT.finditer(label)] + [len(label)]
        for a, b in zip(cuts, cuts[1:]):
            seg = label[a:b].strip()
            if not seg:
                continue
            body = seg[_NUMBERING_DIGITS.match(seg).end():] if _NUMBERING_DIGITS.match(seg) else seg
            if any(ch.isdigit() for ch in body):
                return None
            s = cell.start + a + (len(label[a:b]) - len(label[a:b].lstrip()))
            out.append(Cell(seg, cell.line, s, s + len(seg), cell.first_in_line and not out))
    for a, b in tokens[k:]:
        out.append(Cell(text[a:b], cell.line, cell.start + a, cell.start + b, cell.first_in_line and not out))
    return out


def _refine(cell: Cell) -> list[Cell]:
    text = cell.text
    if len(text) > MAX_SPLIT_CHARS:
        return [cell]  # no row of a table: not cut into cells
    if " " in text and (text[-1:].isdigit() or text[-1:] in _VALUE_ENDS):
        spaced = _split_spaced(cell)
        if spaced is not None:
            return spaced
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


class Layout(NamedTuple):
    cells: list[Cell]
    stopped_at: int | None  # the line (0-based) where MAX_CELLS cells were reached, if they were


def lay_out(lines: list[str], *, budget: Budget | None = None, max_cells: int = MAX_CELLS) -> Layout:
    """The cells of `lines`, at most `max_cells` of them: reading stops at the line that
    reaches them."""
    out: list[Cell] = []
    for i, line in enumerate(lines):
        if budget is not None and not i & 1023:
            budget.check("lay out")
        for cell in cells_of_line(line, i, max_cells - len(out)):
            out.extend(_refine(cell))
        if len(out) >= max_cells:
            del out[max_cells:]
            return Layout(out, i)
    return Layout(out, None)


def cells_of(lines: list[str]) -> list[Cell]:
    return lay_out(lines).cells
