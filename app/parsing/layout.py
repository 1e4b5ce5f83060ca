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


def cells_of_line(line: str, line_no: int) -> list[Cell]:
    if not line.strip():
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


def cells_of(lines: list[str]) -> list[Cell]:
    out: list[Cell] = []
    for i, line in enumerate(lines):
        out.extend(cells_of_line(line, i))
    return out
