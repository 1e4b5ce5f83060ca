"""The page as the PDF reader hands it over: glyphs (`Char`) and ruling lines (`Rule`) at
positions on a `Page`, the `Line`s of text read from them, and every tolerance in `TOLERANCES`.

A PDF has no rows or cells, only glyphs at positions and lines drawn between them. The
published reports draw their tables with ruling, so the cells are read from the ruling
itself, as a person reads the page: app/parsing/ruling.py snaps the drawn lines to grids of
rows and columns, and app/parsing/page_text.py puts each glyph in the cell its centre falls
in and turns the page into lines of text and table rows (cells joined by " | ").

Across pages (app/parsing/pages.py): running headers and page numbers are left out,
paragraphs joined, and a table continued on the next page kept as one.

Pure: plain data in, plain data out. Coordinates are PDF points from the page's top-left
corner, y downwards (x0, top, x1, bottom).
"""

from __future__ import annotations

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
