"""Where each line of an extracted text stands in the original file, and so where each
figure does: its page and its box on the page.

A reader of a paged format (app/parsing/pdf.py) hands the pipeline its text and, per line,
the page and the box of the glyph behind each character (None where the reader put in a
separator or a space). A figure's source is a span of a line (Source.line, start, end);
its box is the union of the glyph boxes in that span:

    line 57 '行政许可 | 447228', figure span 7..13 → page 3, box (247.3, 542.0, 283.4, 553.0)

Boxes are PDF points from the page's top-left corner, y downwards: (x0, top, x1, bottom).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from app.parsing.model import Figure, Finding

Box = tuple[float, float, float, float]


@dataclass(slots=True)
class LineOrigin:
    page: int | None  # 1-based; None in a document without pages (a Word or HTML one's pictures)
    boxes: list[Box | None]  # one per character of the line
    confidence: list[float | None] | None = None  # read by OCR: the recogniser's score per character


@dataclass(slots=True)
class Extracted:
    """A document read from a binary format: its text, where each line came from (None for
    formats without pages), and what the reader found (a page without a text layer)."""

    text: str
    media_type: str
    origins: list[LineOrigin] | None = None
    findings: list[Finding] = field(default_factory=list)
    pages: int | None = None
    text_pages: int | None = None  # pages that have a text layer, or were read by OCR
    ocr_pages: int = 0  # pages read by OCR


def box_of(origin: LineOrigin, start: int, end: int) -> Box | None:
    """The union of the glyph boxes in [start, end), rounded to 0.1 pt; None if none."""
    x0 = top = float("inf")
    x1 = bottom = float("-inf")
    for b in origin.boxes[max(start, 0):end]:
        if b is None:
            continue
        x0, top, x1, bottom = min(x0, b[0]), min(top, b[1]), max(x1, b[2]), max(bottom, b[3])
    if x0 == float("inf"):
        return None
    return round(x0, 1), round(top, 1), round(x1, 1), round(bottom, 1)


def place(figures: list[Figure], origins: list[LineOrigin]) -> None:
    """Give every figure with a source line its page and box (in place); a figure read from a
    line OCR read gets the flag `ocr` and its confidence: the lowest score over its span."""
    for f in figures:
        src = f.source
        if src is None or not (0 < src.line <= len(origins)):
            continue
        origin = origins[src.line - 1]
        f.source = replace(src, page=origin.page, box=box_of(origin, src.start, src.end))
        if origin.confidence is not None:
            scores = [s for s in origin.confidence[max(src.start, 0):src.end] if s is not None]
            if scores:  # (a line joined from a page with text and one OCR read: only the latter's)
                f.flags = (*f.flags, "ocr") if "ocr" not in f.flags else f.flags
                f.confidence = round(min(scores), 4)

