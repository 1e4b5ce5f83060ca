"""Pictures inside a document (a Word file's word/media/*, an HTML page's data: URI images) →
lines of text read by OCR, as app/parsing/pdf.py reads a scanned page: the recogniser's glyphs
and the picture's ruling (app/parsing/ocr.py) become lines and table rows (app/parsing/page_text.py),
each character with its score, so the reader, its repairs and checks, and the withholding of
uncertain figures apply as to a scan.

    read = read_pictures([png_bytes])
    read.joined([1])  -> [Line('行政许可 | 447228 | …', …, scores=[0.99, …]), …]   (picture 1's lines)

Some bodies publish their report as a Word or HTML document whose tables (or whole pages)
are pictures (图片版). The document's readers (app/parsing/docx.py, app/parsing/html.py) hand
the pictures here only where the document holds no table as text. Pure: the bytes come with
the document (never fetched). Bounded: pictures per document (`OcrLimits.max_pages`), bytes
and pixels per picture, seconds for them all; one past a bound is left unread with an
`ocr_skipped` finding. Without the ocr extra nothing is read and `ocr_unavailable` names it.
Pictures too small to hold a table (an icon, a seal, a logo) are passed over.
"""

from __future__ import annotations

import io
import time
from dataclasses import dataclass, field

from app.parsing.findings import Code, finding
from app.parsing.geometry import TOLERANCES, Line, Page
from app.parsing.model import Finding
from app.parsing.ocr import EXTRA, LIMITS, OcrLimits, OcrUnavailable
from app.parsing.page_text import page_lines
from app.parsing.pages import join_pages
from app.parsing.provenance import Extracted, LineOrigin

MAX_BYTES = 32 * 1024 * 1024  # one picture's file (a page scanned at 300 dpi as PNG is ~2–6 MB)
MIN_SIDE = 200  # pixels: a picture narrower or lower than this holds no table (an icon, a seal)
MIN_PIXELS = 120_000  # pixels: … nor one smaller than this (a logo, a signature)
A4_WIDTH = 8.27  # inches: a picture without its resolution is taken to be as wide as a page


class Picture(str):
    """Where a document holds a picture, among its lines of text: a key of its bytes (a Word
    relationship id, an HTML image's number)."""


@dataclass(slots=True)
class PictureRead:
    """What OCR read of a document's pictures: each read picture's page and lines (by its
    1-based number among the pictures handed in), the findings, the seconds it took."""

    pages: dict[int, tuple[Page, list[Line]]] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    blank: list[int] = field(default_factory=list)  # pictures OCR found no text on
    seconds: float = 0.0
    unavailable: bool = False

    @property
    def read(self) -> int:
        return len(self.pages)

    def joined(self, numbers: list[int]) -> list[Line]:
        """The lines of these pictures (read ones; a run of pictures with no text between
        them, as a document's pages are) in order, as a PDF's pages are joined: a table
        going on in the next picture is one table, a paragraph running on is one line."""
        return join_pages([self.pages[n] for n in numbers if n in self.pages])


def worth_reading(data: bytes) -> bool:
    """Whether a picture may hold a table: one Pillow can open, neither tiny nor thin
    (its header read only)."""
    try:
        from PIL import Image
    except ImportError:
        return len(data) > 4096
    try:
        with Image.open(io.BytesIO(data)) as image:
            w, h = image.size
    except Exception:  # not a picture Pillow knows (an EMF, a damaged file): nothing to read
        return False
    return min(w, h) >= MIN_SIDE and w * h >= MIN_PIXELS


def read_pictures(pictures: list[bytes], limits: OcrLimits | None = LIMITS, what: str = "document"
                  ) -> PictureRead:
    """The pictures read by OCR within `limits` (None: not at all), each alone."""
    from app.parsing import ocr

    out = PictureRead()
    if limits is None or not pictures:
        return out
    ocr.announce(limits.seconds)  # loading the recogniser is part of OCR: seconds on a busy machine
    try:
        ocr.engine()
    except OcrUnavailable as exc:
        out.unavailable = True
        out.findings.append(finding(Code.OCR_UNAVAILABLE, f"The {what}'s tables are pictures and are not read: "
                                    f"OCR is not available ({exc}). Install {EXTRA} and parse the report again."))
        return out
    started = time.monotonic()
    skipped: dict[str, list[int]] = {}
    tables = 0
    for number, data in enumerate(pictures, 1):
        reason = None
        if number > limits.max_pages:
            reason = f"more than {limits.max_pages} pictures would be read by OCR"
        elif time.monotonic() - started > limits.seconds:
            reason = f"OCR of the report took longer than {limits.seconds:.0f} s"
        else:
            grey, width, height, reason = _picture(data, limits)
        if reason is not None:
            skipped.setdefault(reason, []).append(number)
            continue
        page, scores, _turn = ocr.read_picture(grey, number, width, height)
        del grey
        if len(page.chars) < 10:  # nothing to read: a photograph, a seal
            out.blank.append(number)
            continue
        lines = page_lines(page, TOLERANCES, tables)
        for line in lines:
            line.scores = [scores.get(b) if b is not None else None for b in line.boxes]
        tables += len({line.table for line in lines if line.table is not None}) + 1
        out.pages[number] = (page, lines)
    out.seconds = time.monotonic() - started
    for reason, numbers in skipped.items():
        named = f"Picture {numbers[0]} is" if len(numbers) == 1 else \
            f"Pictures {', '.join(str(n) for n in numbers)} are"
        out.findings.append(finding(Code.OCR_SKIPPED, f"{named} not read by OCR: {reason}. "
                                    "Figures in them are not read."))
    return out


def _picture(data: bytes, limits: OcrLimits):
    """(grey picture at the OCR resolution, its width and height in points, None) or
    (…, the reason it is not read)."""
    import numpy as np
    from PIL import Image

    if len(data) > MAX_BYTES:
        return None, 0.0, 0.0, f"the picture's file is larger than {MAX_BYTES >> 20} MB"
    try:
        image = Image.open(io.BytesIO(data))
        w, h = image.size
        if w * h > 4 * limits.max_pixels:  # refused before it is decoded
            return None, 0.0, 0.0, (f"the picture ({w} × {h} pixels) is larger than "
                                    f"{4 * limits.max_pixels / 1e6:g} million pixels")
        dpi = image.info.get("dpi")
        resolution = float(dpi[0]) if isinstance(dpi, tuple) and dpi and 100 <= float(dpi[0]) <= 1200 else \
            max(72.0, min(600.0, w / A4_WIDTH))
        image.seek(0)
        grey = image.convert("L")
    except Exception as exc:  # a damaged picture, a decompression bomb (Pillow's own guard)
        return None, 0.0, 0.0, f"the picture cannot be decoded ({type(exc).__name__})"
    # read at the resolution a scanned page is read at, within the pixels a page may have
    factor = min(limits.dpi / resolution, (limits.max_pixels / (w * h)) ** 0.5, 2.0)
    if resolution * factor < limits.min_dpi and factor < 1:
        factor = min(1.0, (limits.max_pixels / (w * h)) ** 0.5)
    if abs(factor - 1) > 0.05:
        grey = grey.resize((max(1, round(w * factor)), max(1, round(h * factor))), Image.LANCZOS)
    width, height = w * 72 / resolution, h * 72 / resolution
    return np.asarray(grey), width, height, None


def in_pictures(lines: list[str], media: dict[str, bytes], ocr: OcrLimits | None, media_type: str,
                what: str) -> Extracted:
    """A document's lines of text with its pictures (`Picture`s among them, their bytes in
    `media`) read by OCR where they stand: the pictures that may hold a table, each run of
    them with no text between joined as pages are. Lines of text have no page or box;
    lines OCR read carry the recogniser's scores. With no picture read and no text, the
    document is failed (text_pages 0)."""
    keys = list(dict.fromkeys(line for line in lines if isinstance(line, Picture)
                              and worth_reading(media.get(line, b""))))
    text = [line for line in lines if not isinstance(line, Picture)]
    if not keys:
        return Extracted(text="\n".join(text), media_type=media_type)
    read = read_pictures([media[k] for k in keys], ocr, what)
    number = {k: n for n, k in enumerate(keys, 1)}
    out: list[tuple[str, LineOrigin]] = []
    run: list[int] = []

    def flush() -> None:
        for line in read.joined(run):
            out.append((line.text, LineOrigin(None, [None] * len(line.text), line.scores)))
        run.clear()

    for line in lines:
        if isinstance(line, Picture):
            if line in number and number[line] not in run:
                run.append(number[line])
            continue
        flush()
        out.append((line, LineOrigin(None, [None] * len(line))))
    flush()
    many = f"{len(keys)} pictures" if len(keys) > 1 else "a picture"
    if read.read:
        done = ", ".join(str(n) for n in sorted(read.pages))
        message = (f"The {what} holds no table as text but {many} that may hold one: picture"
                   f"{'s' if read.read > 1 else ''} {done} read by OCR in {read.seconds:.1f} s; their figures carry the "
                   "flag `ocr` and the recogniser's confidence, and are withheld where it is low or the report's "
                   "arithmetic does not hold.")
        severity = "info" if read.read == len(keys) else "warning"
    else:
        why = "OCR found no text in them" if read.blank and len(read.blank) == len(keys) else "they are not read"
        message = (f"The {what} holds no table as text but {many} that may hold one: {why}, and figures in them "
                   "are not read. The document is kept.")
        severity = "warning" if text else "error"
    findings = [Finding(Code.TEXT_IN_PICTURES.value, severity, message), *read.findings]
    return Extracted(text="\n".join(t for t, _o in out), media_type=media_type, origins=[o for _t, o in out],
                     findings=findings, text_pages=0 if not read.read and not text else None,
                     ocr_pages=read.read)
