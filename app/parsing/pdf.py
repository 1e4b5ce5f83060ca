"""PDF bytes → the text of its pages, tables as rows of cells, each line with where it stands.

PDFium (pypdfium2) gives, per page, every glyph with its Unicode value and box, and every
path drawn (read by app/parsing/pdf_page.py); app/parsing/page_text.py turns those into lines
and table rows, app/parsing/pages.py the pages into one text. Chosen over
pdfplumber (pdfminer) by measuring the same 6-page report here: PDFium's glyphs and boxes
in ~40 ms, pdfplumber's own extract_tables()+extract_text() ~550 ms (bench/parse_bench.py).

Not guessed at: a page with no text layer (a scan, or text drawn as outlines), or whose
glyphs carry no Unicode, gives no text and a `no_text_layer` finding naming it. A page
turned by its /Rotate is read as displayed (boxes too are given on the page as displayed). Refused (InputError) before anything is
read at length: an encrypted (password) PDF, a damaged one PDFium cannot open, more pages
than `PdfLimits.max_pages`, compressed streams that inflate past `PdfLimits` (a zip bomb in
PDF clothing; checked by inflating them into nothing before PDFium sees the file), a page
with more glyphs or path segments than a report ever has, and a document that takes longer
than `PdfLimits.seconds`.

PDFium is not thread-safe: one lock serialises its use within a process (the parse pool runs
one parse a process anyway).
"""

from __future__ import annotations

import re
import threading
import time
import zlib
from dataclasses import dataclass, field

from app.parsing.errors import InputError
from app.parsing.geometry import TOLERANCES, Line, Page
from app.parsing.findings import Code
from app.parsing.model import Finding
from app.parsing.page_text import page_lines
from app.parsing.pages import join_pages
from app.parsing.pdf_page import read_page
from app.parsing.ocr import EXTRA as OCR_EXTRA
from app.parsing.ocr import LIMITS as OCR_LIMITS
from app.parsing.ocr import OcrLimits, OcrUnavailable
from app.parsing.provenance import Extracted, LineOrigin

MEDIA_TYPE = "application/pdf"


@dataclass(frozen=True, slots=True)
class PdfLimits:
    max_pages: int = 300  # a report has 3–30 pages
    max_stream_inflated: int = 64 * 1024 * 1024  # one compressed stream, inflated
    max_inflated: int = 256 * 1024 * 1024  # all compressed streams but images, inflated
    max_chars_per_page: int = 50_000  # a dense page holds ~2,000
    max_segments_per_page: int = 100_000  # path segments read for ruling (more: the page is read without)
    seconds: float = 30.0  # the whole document


LIMITS = PdfLimits()
_LOCK = threading.Lock()
PDFIUM_LOCK = _LOCK  # for the other users of PDFium in this process (app/services/pagerender.py)

_IMAGE = re.compile(rb"/Subtype\s*/Image")
_FLATE = re.compile(rb"/FlateDecode|/Fl\b")


def _streams(data: bytes):
    """(where the `stream` keyword starts, where its data starts) for each stream of the file
    (bytes.find: a regex over the binary is ten times slower)."""
    pos = data.find(b"stream")
    while pos >= 0:
        end = pos + 6
        if data[pos - 3:pos] != b"end":
            if data[end:end + 2] == b"\r\n":
                yield pos, end + 2
            elif data[end:end + 1] in (b"\n", b"\r"):
                yield pos, end + 1
        pos = data.find(b"stream", end)


def check_inflation(data: bytes, limits: PdfLimits = LIMITS) -> None:
    """Inflate every Flate stream except images into nothing, a piece at a time, and
    refuse the file when one or all of them grow past the limits (PDFium would inflate them
    whole in memory). Streams that do not inflate are left to PDFium to judge."""
    total = 0
    view = memoryview(data)
    for start, body in _streams(data):
        head = data[max(0, start - 2048):start]
        obj = head.rfind(b"obj")
        if obj >= 0:
            head = head[obj:]
        if _IMAGE.search(head) or not _FLATE.search(head):
            continue
        # fed 16 KB at a time: one call inflates to 17 MB at most (deflate's ratio is ~1032:1)
        inflater = zlib.decompressobj()
        size = 0
        try:
            for pos in range(body, len(data), 16384):
                size += len(inflater.decompress(view[pos:pos + 16384]))
                if inflater.eof or size > limits.max_stream_inflated:
                    break
        except zlib.error:
            pass
        total += size
        if size > limits.max_stream_inflated or total > limits.max_inflated:
            raise InputError(
                "pdf_too_large_inflated",
                f"The PDF's compressed streams inflate to more than "
                f"{(limits.max_stream_inflated if size > limits.max_stream_inflated else limits.max_inflated) >> 20} MB: "
                "not read. A report is a few megabytes at most; send the published file.")


def read_pdf(data: bytes, limits: PdfLimits = LIMITS, ocr: OcrLimits | None = OCR_LIMITS) -> Extracted:
    """The PDF's text (tables as rows of cells joined by " | ") with, per line, its page and
    glyph boxes (and, on a page read by OCR, each glyph's score); findings for pages without
    a text layer. Pages without one are read by OCR (app/parsing/ocr.py) within `ocr`'s
    limits (None: not at all). Raises InputError."""
    if not data.lstrip()[:1024].startswith(b"%PDF") and b"%PDF" not in data[:1024]:
        raise InputError("pdf_corrupt", "The body is not a PDF (no %PDF header).")
    check_inflation(data, limits)
    with _LOCK:
        pages, textless, read = _read_pages(data, limits, ocr)
    lines = join_pages(pages)
    findings = []
    unread = [p for p in textless if p not in read.scores]
    if textless:
        if read.scores:
            done = _page_list(sorted(read.scores))
            message = (f"Pages {_page_list(textless)} have no text layer (a scan, or glyphs without Unicode): "
                       f"pages {done} were read by OCR at {read.dpi:.0f} dpi in {read.seconds:.1f} s; their figures "
                       "carry the flag `ocr` and the recogniser's confidence, and are withheld where it is low or "
                       "the report's arithmetic does not hold.")
            severity = "info" if not unread else "warning"
        elif len(textless) == len(pages):
            message = (f"No page has a text layer (a scan, or glyphs without Unicode): pages {_page_list(textless)}. "
                       + ("OCR found no text on them. The document is kept." if read.blank
                          else "The document is kept; a reader with OCR can read it later."))
            severity = "error"
        else:
            message = (f"Pages {_page_list(textless)} have no text layer (scanned, or glyphs without Unicode): "
                       "figures on them are not read.")
            severity = "warning"
        findings.append(Finding(Code.NO_TEXT_LAYER.value, severity, message))
    findings.extend(read.findings)
    for reason, numbers in read.skipped.items():
        named = f"Page {numbers[0]} is" if len(numbers) == 1 else f"Pages {_page_list(numbers)} are"
        findings.append(Finding(Code.OCR_SKIPPED.value, "warning",
                                f"{named} not read by OCR: {reason}. Figures on them are not read."))
    return Extracted(
        text="\n".join(line.text for line in lines), media_type=MEDIA_TYPE,
        origins=[LineOrigin(line.page, line.boxes, line.scores) for line in lines],
        findings=findings, pages=len(pages), text_pages=len(pages) - len(unread),
        ocr_pages=len(read.scores),
    )


def _page_list(numbers: list[int]) -> str:
    return ", ".join(str(p) for p in numbers)


@dataclass(slots=True)
class _OcrRead:
    """What OCR read of a document: each page's glyph scores by box, the time it took."""

    scores: dict[int, dict[tuple[float, float, float, float], float]]
    findings: list[Finding]
    blank: list[int] = field(default_factory=list)  # pages OCR found nothing to read on
    skipped: dict[str, list[int]] = field(default_factory=dict)  # why → pages not read by OCR
    dpi: float = 0.0
    seconds: float = 0.0


def _open(data: bytes):
    import pypdfium2 as pdfium

    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        import pypdfium2.raw as c

        if exc.err_code == c.FPDF_ERR_PASSWORD:
            raise InputError("pdf_encrypted", "The PDF is protected by a password: it cannot be read. "
                             "Send it without the password (print or save it again unprotected).") from None
        if exc.err_code == c.FPDF_ERR_SECURITY:
            raise InputError("pdf_encrypted", "The PDF uses an encryption that cannot be read. "
                             "Send it unprotected.") from None
        raise InputError("pdf_corrupt", "The PDF is damaged or truncated and cannot be opened. "
                         "Send the complete file as published.") from None


def _read_pages(data: bytes, limits: PdfLimits, ocr: OcrLimits | None
                ) -> tuple[list[tuple[Page, list[Line]]], list[int], _OcrRead]:
    import pypdfium2.raw as c

    deadline = time.monotonic() + limits.seconds
    doc = _open(data)
    try:
        count = len(doc)
        if count > limits.max_pages:
            raise InputError("too_many_pages", f"The PDF has {count} pages; at most {limits.max_pages} are read. "
                             "A report has a few dozen at most: send the report alone.")
        if count == 0:
            raise InputError("pdf_corrupt", "The PDF has no pages.")
        out: list[tuple[Page, list[Line]]] = []
        textless: list[int] = []
        tables = 0
        read = _OcrRead({}, [])
        ocr_started: float | None = None
        for index in range(count):
            if time.monotonic() > deadline:
                raise InputError("document_too_complex", f"Reading the PDF took longer than {limits.seconds:.0f} s "
                                 f"(stopped at page {index + 1} of {count}).")
            page = c.FPDF_LoadPage(doc.raw, index)
            if not page:
                raise InputError("pdf_corrupt", f"Page {index + 1} of the PDF cannot be read.")
            try:
                result, has_text = read_page(c, page, index + 1, limits)
            finally:
                c.FPDF_ClosePage(page)
            if not has_text:
                textless.append(index + 1)
                if ocr is not None:
                    if ocr_started is None:
                        ocr_started = time.monotonic()
                        if not _ocr_ready(read, ocr):
                            ocr = None
                    if ocr is not None:
                        started = time.monotonic()
                        result = _ocr_page(doc, index, result, ocr, read, started - ocr_started, textless)
                        read.seconds += time.monotonic() - started
                        deadline += time.monotonic() - started  # OCR has its own budget, not the PDF's
            lines = page_lines(result, TOLERANCES, tables)
            scores = read.scores.get(index + 1)
            if scores is not None:
                for line in lines:
                    line.scores = [scores.get(b) if b is not None else None for b in line.boxes]
            tables += len({line.table for line in lines if line.table is not None}) + 1
            out.append((result, lines))
        return out, textless, read
    finally:
        doc.close()


def _ocr_ready(read: _OcrRead, ocr: OcrLimits) -> bool:
    """Load the recogniser (once a process) and tell the server OCR begins; False (with a
    finding naming the extra) where it cannot be loaded."""
    from app.parsing import ocr as recogniser

    recogniser.announce(ocr.seconds)  # loading the recogniser is part of OCR: seconds on a busy machine
    try:
        recogniser.engine()
    except OcrUnavailable as exc:
        read.findings.append(Finding(Code.OCR_UNAVAILABLE.value, "warning",
                                     f"Pages without a text layer are not read: OCR is not available ({exc}). "
                                     f"Install {OCR_EXTRA} and parse the report again."))
        return False
    return True


def _ocr_page(doc, index: int, page: Page, ocr: OcrLimits, read: _OcrRead, spent: float,
              textless: list[int]) -> Page:
    """The textless page read by OCR, or left as it is (with a finding) past the limits."""
    from app.parsing.ocr import read_picture

    number = index + 1
    reason = None
    done = len(read.scores) + len(read.blank)
    scale = min(ocr.dpi / 72, (ocr.max_pixels / max(page.width * page.height, 1.0)) ** 0.5)
    if done >= ocr.max_pages:
        reason = f"more than {ocr.max_pages} pages would be read by OCR"
    elif spent > ocr.seconds:
        reason = f"OCR of the report took longer than {ocr.seconds:.0f} s"
    elif scale * 72 < ocr.min_dpi:
        reason = (f"the page ({page.width:.0f} × {page.height:.0f} pt) is too large to read at {ocr.min_dpi:.0f} dpi "
                  f"within {ocr.max_pixels / 1e6:.0f} million pixels")
    if reason is not None:
        read.skipped.setdefault(reason, []).append(number)
        return page
    import numpy as np

    bitmap = doc[index].render(scale=scale, grayscale=True)
    grey = np.asarray(bitmap.to_pil().convert("L"))
    bitmap.close()
    result, scores, _turn = read_picture(grey, number, page.width, page.height)
    if len(result.chars) < 10:  # nothing to read: a picture, or a page number alone
        read.blank.append(number)
        return page
    read.scores[number] = scores
    read.dpi = scale * 72
    return result
