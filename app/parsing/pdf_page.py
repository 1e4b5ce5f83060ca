"""One PDFium page → its glyphs and ruling lines as a `Page` (app/parsing/geometry.py), on the
page as displayed (its /Rotate applied), top-left origin, y down; and whether it has a text
layer. The document around it, the limits and OCR: app/parsing/pdf.py.

Refused (InputError): a page with more glyphs than `PdfLimits.max_chars_per_page`; past
`PdfLimits.max_segments_per_page` path segments the page is read without more ruling.
"""

from __future__ import annotations

import ctypes
from typing import TYPE_CHECKING

from app.parsing.errors import InputError
from app.parsing.geometry import Char, Page, Rule

if TYPE_CHECKING:
    from app.parsing.pdf import PdfLimits

OUTLINED_TEXT_PATHS = 200  # a page with this many drawn shapes and no text has its text drawn as outlines


def read_page(c, page, number: int, limits: PdfLimits) -> tuple[Page, bool]:
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
