"""PDF bytes → the text of its pages, tables as rows of cells, each line with where it stands.

PDFium (pypdfium2) gives, per page, every glyph with its Unicode value and box, and every
path drawn; app/parsing/page_text.py turns those into lines and table rows, app/parsing/pages.py the
pages into one text. Chosen over
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

import ctypes
import re
import threading
import time
import zlib
from dataclasses import dataclass, field

from app.parsing.errors import InputError
from app.parsing.geometry import TOLERANCES, Char, Line, Page, Rule
from app.parsing.findings import Code
from app.parsing.model import Finding
from app.parsing.page_text import page_lines
from app.parsing.pages import join_pages
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
OUTLINED_TEXT_PATHS = 200  # a page with this many drawn shapes and no text has its text drawn as outlines
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
                result, has_text = _page(c, page, index + 1, limits)
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


def _page(c, page, number: int, limits: PdfLimits) -> tuple[Page, bool]:
    """One page's glyphs and rules, and whether it has a text layer (False: something is
    drawn, but no glyph with Unicode)."""
    box = c.FS_RECTF()
    if not c.FPDF_GetPageBoundingBox(page, box):
        box.left, box.bottom = 0.0, 0.0
        box.right, box.top = c.FPDF_GetPageWidthF(page), c.FPDF_GetPageHeightF(page)
    turns = c.FPDFPage_GetRotation(page) % 4  # /Rotate, in quarter turns clockwise
    view = _view(box, turns)
    width, height = box.right - box.left, box.top - box.bottom
    if turns % 2:
        width, height = height, width
    chars, unmapped = _chars(c, page, number, view, turns, limits)
    rules = _rules(c, page, view, limits)
    if unmapped > len(chars):
        has_text = False  # glyphs without Unicode (fonts without a ToUnicode map): no text to read
    elif len(chars) >= 10:
        has_text = True
    else:  # a picture of a page, perhaps with a stamped page number (a scan), or text drawn as outlines
        kinds = [c.FPDFPageObj_GetType(c.FPDFPage_GetObject(page, k)) for k in range(c.FPDFPage_CountObjects(page))]
        has_text = c.FPDF_PAGEOBJ_IMAGE not in kinds and kinds.count(c.FPDF_PAGEOBJ_PATH) < OUTLINED_TEXT_PATHS
    if not has_text:
        chars = []
    return Page(number, width, height, chars, rules), has_text


def _view(box, turns: int) -> tuple[float, ...]:
    """User space → the page as displayed (its /Rotate applied), top-left origin, y down:
    X = ax·x + bx·y + cx, Y = ay·x + by·y + cy, as (ax, bx, cx, ay, by, cy)."""
    left, bottom, right, top = box.left, box.bottom, box.right, box.top
    return {0: (1.0, 0.0, -left, 0.0, -1.0, top), 1: (0.0, 1.0, -bottom, 1.0, 0.0, -left),
            2: (-1.0, 0.0, right, 0.0, 1.0, -bottom), 3: (0.0, -1.0, top, -1.0, 0.0, right)}[turns]


def _chars(c, page, number: int, view: tuple[float, ...], turns: int, limits: PdfLimits
           ) -> tuple[list[Char], int]:
    textpage = c.FPDFText_LoadPage(page)
    if not textpage:
        return [], 0
    try:
        n = c.FPDFText_CountChars(textpage)
        if n > limits.max_chars_per_page:
            raise InputError("document_too_complex", f"Page {number} of the PDF holds {n} characters; "
                             f"at most {limits.max_chars_per_page} are read on a page.")
        rect = c.FS_RECTF()
        chars: list[Char] = []
        unmapped = 0
        is_generated, map_error = c.FPDFText_IsGenerated, c.FPDFText_HasUnicodeMapError
        loose_box, char_angle = c.FPDFText_GetLooseCharBox, c.FPDFText_GetCharAngle
        codes = _codes(c, textpage, n)
        ax, bx, cx, ay, by, cy = view
        space = False
        for i in range(n):
            code = codes[i]
            if code <= 0x20 or code in _SPACE_CODES:  # PDFium puts in spaces and line breaks of its own
                if code in _SPACE_CODES and is_generated(textpage, i) != 1:
                    space = True  # the file's own space: a word gap
                continue
            if code in (0xFFFE, 0xFFFF, 0xFFFD) or 0xE000 <= code <= 0xF8FF or map_error(textpage, i) == 1:
                unmapped += 1
                continue
            if code in _INVISIBLE or not loose_box(textpage, i, rect):
                continue
            angle = char_angle(textpage, i)  # in user space: on the page as displayed, less its turns
            degrees = ((round(angle * 57.29577951308232 / 90) if angle > 0 else 0) - turns) % 4 * 90
            x0, y0 = ax * rect.left + bx * rect.bottom + cx, ay * rect.left + by * rect.bottom + cy
            x1, y1 = ax * rect.right + bx * rect.top + cx, ay * rect.right + by * rect.top + cy
            if x0 > x1:
                x0, x1 = x1, x0
            if y0 > y1:
                y0, y1 = y1, y0
            # the em: the loose box's height across the line (FPDFText_GetFontSize gives the Tf operand,
            # which some writers set to 1 and scale with the text matrix)
            size = y1 - y0 if degrees in (0, 180) else x1 - x0
            chars.append(Char(chr(code), x0, y0, x1, y1, size, degrees, space))
            space = False
        return chars, unmapped
    finally:
        c.FPDFText_ClosePage(textpage)


_SPACE_CODES = frozenset((0x20, 0x3000, 0xA0))
_INVISIBLE = frozenset((0x200B, 0xFEFF, 0x85))


def _codes(c, textpage, n: int) -> list[int]:
    """Each character's Unicode value: the page's text in one call (UTF-16, a unit a
    character), or one call a character where it holds surrogate pairs."""
    buffer = ctypes.create_string_buffer(2 * (n + 1))
    got = c.FPDFText_GetText(textpage, 0, n, ctypes.cast(buffer, ctypes.POINTER(ctypes.c_ushort)))
    units = memoryview(buffer.raw).cast("H")[:max(got - 1, 0)].tolist()
    if len(units) == n and not any(0xD800 <= u <= 0xDFFF for u in units):
        return units
    return [c.FPDFText_GetUnicode(textpage, i) for i in range(n)]


def _rules(c, page, view: tuple[float, ...], limits: PdfLimits) -> list[Rule]:
    """The horizontal and vertical strokes drawn on the page (visible lines, and the sides of
    visible filled boxes: thin ones are lines, shaded cells border their cells), in
    top-left coordinates. Curves and slanted lines are no rules."""
    rules: list[Rule] = []
    budget = [limits.max_segments_per_page]
    fill, stroke = ctypes.c_int(), ctypes.c_int()
    rgba = [ctypes.c_uint() for _ in range(4)]
    x, y = ctypes.c_float(), ctypes.c_float()
    matrix = c.FS_MATRIX()

    def visible(obj) -> bool:
        if not c.FPDFPath_GetDrawMode(obj, fill, stroke):
            return False
        if stroke.value:
            c.FPDFPageObj_GetStrokeColor(obj, *rgba)
            if rgba[3].value > 0 and not (rgba[0].value > 240 and rgba[1].value > 240 and rgba[2].value > 240):
                return True
        if fill.value:
            c.FPDFPageObj_GetFillColor(obj, *rgba)
            return rgba[3].value > 0 and not (rgba[0].value > 240 and rgba[1].value > 240 and rgba[2].value > 240)
        return False

    def walk(count, get, parent: tuple[float, ...]) -> None:
        for i in range(count):
            obj = get(i)
            kind = c.FPDFPageObj_GetType(obj)
            if kind == c.FPDF_PAGEOBJ_FORM:
                c.FPDFPageObj_GetMatrix(obj, matrix)
                inner = _compose((matrix.a, matrix.b, matrix.c, matrix.d, matrix.e, matrix.f), parent)
                walk(c.FPDFFormObj_CountObjects(obj), lambda k, o=obj: c.FPDFFormObj_GetObject(o, k), inner)
            elif kind == c.FPDF_PAGEOBJ_PATH and visible(obj):
                n = c.FPDFPath_CountSegments(obj)
                budget[0] -= n
                if budget[0] < 0:
                    return
                c.FPDFPageObj_GetMatrix(obj, matrix)
                m = _compose((matrix.a, matrix.b, matrix.c, matrix.d, matrix.e, matrix.f), parent)
                _path_rules(c, obj, n, m, view, x, y, rules)

    walk(c.FPDFPage_CountObjects(page), lambda k: c.FPDFPage_GetObject(page, k), (1.0, 0.0, 0.0, 1.0, 0.0, 0.0))
    return rules


def _compose(m: tuple[float, ...], parent: tuple[float, ...]) -> tuple[float, ...]:
    """m then parent (PDF row-vector convention: p' = p × m × parent)."""
    a, b, c, d, e, f = m
    A, B, C, D, E, F = parent
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F)


def _path_rules(c, obj, n: int, m: tuple[float, ...], view: tuple[float, ...], x, y, rules: list[Rule]) -> None:
    a, b, cc, d, e, f = m
    ax, bx, cx, ay, by, cy = view
    start = current = None
    for k in range(n):
        seg = c.FPDFPath_GetPathSegment(obj, k)
        if not c.FPDFPathSegment_GetPoint(seg, x, y):
            continue
        ux, uy = x.value * a + y.value * cc + e, x.value * b + y.value * d + f  # user space
        px, py = ax * ux + bx * uy + cx, ay * ux + by * uy + cy
        kind = c.FPDFPathSegment_GetType(seg)
        if kind == c.FPDF_SEGMENT_MOVETO:
            start = current = (px, py)
            continue
        if kind == c.FPDF_SEGMENT_LINETO and current is not None:
            _add_rule(current, (px, py), rules)
        current = (px, py)
        if c.FPDFPathSegment_GetClose(seg) and start is not None:
            _add_rule(current, start, rules)
            current = start


def _add_rule(p: tuple[float, float], q: tuple[float, float], rules: list[Rule]) -> None:
    (x0, y0), (x1, y1) = p, q
    if abs(y1 - y0) <= 0.5 and abs(x1 - x0) > 0.5:
        rules.append(Rule(True, (y0 + y1) / 2, min(x0, x1), max(x0, x1)))
    elif abs(x1 - x0) <= 0.5 and abs(y1 - y0) > 0.5:
        rules.append(Rule(False, (x0 + x1) / 2, min(y0, y1), max(y0, y1)))
