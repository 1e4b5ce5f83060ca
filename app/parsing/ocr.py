"""A page picture (a scan, a page without a text layer) → the same Page the PDF reader builds
from a text layer: characters with boxes in points, and the ruling lines of its tables, so
that app/parsing/page_text.py reads its tables into cells and the rest of the parser, its
repairs and checks, apply as to any PDF.

    page, confidences = read_picture(grey, number=3, width=595.3, height=841.9)
    page.chars[0]  -> Char('二', 84.4, 448.6, 99.1, 467.0, 18.4)      (points, top-left origin)
    page.rules[0]  -> Rule(horizontal=True, pos=523.1, a=60.2, b=536.4)
    confidences[(84.4, 448.6, 99.1, 467.0)]  -> 0.9992  (the recogniser's score for that glyph)

Steps, each on numpy arrays of the grey picture (0 black … 255 white):

1. the turn: a page lies on the glass up to a degree or two askew. The angle that makes the
   rows of dark pixels sharpest (the sum of squared differences of the row profile, tried
   in steps of 0.1° then 0.02° on a quarter-size copy) is undone before anything is read;
2. ruling: runs of dark pixels at least `RULE_MIN_H` points long across (`RULE_MIN_V` down)
   are rules; a vertical run counts only when both its ends meet a horizontal rule (the
   stroke of a character never does);
3. text: the recogniser (RapidOCR: PP-OCR detection and recognition models in ONNX,
   shipped inside its wheel, run by onnxruntime on the CPU) gives lines of text with a box
   and a score per character or per word (a word's box is shared out evenly among its
   characters: digits are equally wide).

The recogniser is loaded once a process (`engine()`), on first use; without the `ocr` extra
(`pip install -e ".[ocr]"`: rapidocr, onnxruntime) `OcrUnavailable` says so, and the PDF
reader keeps the page unread with a finding that names the extra. Nothing is downloaded:
the models are the wheel's own. Which figures read by OCR are withheld as uncertain:
app/parsing/ocr_withholding.py.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from app.parsing.geometry import Char, Page, Rule
from app.parsing.page_text import is_cjk

EXTRA = 'the "ocr" extra (pip install -e ".[ocr]": rapidocr and onnxruntime)'
RULE_MIN_H = 16.0  # points: a horizontal dark run this long is a rule (a CJK 一 is under an em, ~12 pt)
RULE_MIN_V = 6.0  # points: a vertical one, when it runs from a horizontal rule to another
RULE_REACH = 2.5  # points: how close a vertical rule's ends come to the horizontal rules they meet
DARK = 170  # grey level below which a pixel is ink (JPEG and rotation turn thin black lines grey)
RULED_ROW = 0.8  # of a word box's width: a row of pixels this dark across is a rule through it, not text
STROKE_INSET = 0.15  # of a glyph's width: a vertical run this far inside its box is one of its strokes
MAX_TURN = 2.0  # degrees tried either way when straightening a page


@dataclass(frozen=True, slots=True)
class OcrLimits:
    dpi: float = 200.0  # rendering resolution (bench/ocr_bench.py: 150 dpi misreads more, 300 is twice as slow)
    min_dpi: float = 110.0  # a page so large that its picture would fall below this is not read
    max_pixels: int = 16_000_000  # one page's picture (an A4 page at 200 dpi is 3.9 million)
    max_pages: int = 60  # pages read by OCR in one report (a report has 3–30)
    seconds: float = 600.0  # OCR of one report (a page takes ~7 s of CPU, 10–60 s on two busy shared cores)


LIMITS = OcrLimits()


class OcrUnavailable(Exception):
    """The recogniser cannot be loaded here (the ocr extra is not installed)."""


_engine = None
_engine_lock = threading.Lock()


def engine():
    """The recogniser, loaded once a process. Raises OcrUnavailable without the extra."""
    global _engine
    with _engine_lock:
        if _engine is None:
            try:
                from rapidocr import RapidOCR
                import numpy  # noqa: F401
                from PIL import Image  # noqa: F401
            except ImportError as exc:
                raise OcrUnavailable(f"the OCR packages are not installed ({exc.name or exc}): install {EXTRA}") from None
            import logging

            _engine = RapidOCR(params={"Global.log_level": "error", "Global.use_cls": False,
                                       "Global.max_side_len": DETECT_SIDE})
            for name in ("RapidOCR", "rapidocr"):
                logging.getLogger(name).setLevel(logging.ERROR)
        return _engine


def straighten(grey):
    """The picture turned so its lines of text and rules run level, and the angle (degrees,
    counter-clockwise) it was turned by."""
    import numpy as np
    from PIL import Image

    small = Image.fromarray(grey).reduce(4)
    ink = Image.fromarray(np.where(np.asarray(small) < DARK, 255, 0).astype(np.uint8))

    def sharpness(angle: float) -> float:
        rows = np.asarray(ink.rotate(angle, resample=Image.BILINEAR), dtype=np.float64).sum(axis=1)
        return float(np.square(np.diff(rows)).sum())

    best = max((a / 10 for a in range(int(-MAX_TURN * 10), int(MAX_TURN * 10) + 1)), key=sharpness)
    best = max((best + a / 50 for a in range(-5, 6)), key=sharpness)
    if abs(best) < 0.02:
        return grey, 0.0
    turned = Image.fromarray(grey).rotate(best, resample=Image.BILINEAR, fillcolor=255)
    return np.asarray(turned), best


def _runs(mask, min_len: int):
    """(row, start, end) of each run of True along axis 1 at least `min_len` long."""
    import numpy as np

    padded = np.zeros((mask.shape[0], mask.shape[1] + 2), dtype=np.int8)
    padded[:, 1:-1] = mask
    steps = np.diff(padded, axis=1)
    rows, starts = np.nonzero(steps == 1)
    _rows, ends = np.nonzero(steps == -1)
    keep = ends - starts >= min_len
    return rows[keep], starts[keep], ends[keep]


def find_rules(grey, scale: float) -> list[Rule]:
    """The ruling of the picture, in points (`scale`: points per pixel)."""
    import numpy as np

    ink = grey < DARK
    # a rule a pixel off level after straightening steps from one pixel row to the next: each
    # row is read together with its neighbours, so the step does not cut it
    across = ink.copy()
    across[1:] |= ink[:-1]
    across[:-1] |= ink[1:]
    h_rows, h_starts, h_ends = _runs(across, max(4, round(RULE_MIN_H / scale)))
    horizontal = [Rule(True, float(y) * scale, float(a) * scale, float(b) * scale)
                  for y, a, b in zip(h_rows.tolist(), h_starts.tolist(), h_ends.tolist())]
    down = ink.T.copy()
    down[1:] |= ink.T[:-1]
    down[:-1] |= ink.T[1:]
    v_cols, v_starts, v_ends = _runs(down, max(3, round(RULE_MIN_V / scale)))
    rules = list(horizontal)
    if horizontal:
        ys = sorted({round(r.pos, 1) for r in horizontal})
        spans: dict[float, list[tuple[float, float]]] = {}
        for r in horizontal:
            spans.setdefault(round(r.pos, 1), []).append((r.a, r.b))
        import bisect

        def meets(y: float, x: float) -> bool:
            i = bisect.bisect_left(ys, y - RULE_REACH)
            while i < len(ys) and ys[i] <= y + RULE_REACH:
                if any(a - RULE_REACH <= x <= b + RULE_REACH for a, b in spans[ys[i]]):
                    return True
                i += 1
            return False

        for x, a, b in zip(v_cols.tolist(), v_starts.tolist(), v_ends.tolist()):
            px, top, bottom = float(x) * scale, float(a) * scale, float(b) * scale
            if meets(top, px) and meets(bottom, px):
                rules.append(Rule(False, px, top, bottom))
    return rules


_FULL_WIDTH = {"(": "（", ")": "）", ",": "，", ":": "：", ";": "；"}
# a glyph standing alone (a table cell's one digit) that the recogniser, reading Chinese, took
# for a letter or a character drawn the same: 1 read as 一 or l, 0 as 〇 or O
_LONE_DIGIT = {"一": "1", "l": "1", "I": "1", "|": "1", "丨": "1", "〇": "0", "O": "0", "o": "0"}
DETECT_SIDE = 1400  # pixels: the picture is detected at this size (its text is read at full size)
GAP_CLOSED = 0.6  # of a line's height: gaps the recogniser leaves between characters of a line, closed


def recognise(grey) -> list[tuple[str, float, float, float, float, float]]:
    """The recogniser's characters on the picture: (text, x0, top, x1, bottom, score) in
    pixels, a word's box shared out among its characters. Within a line of text, the gaps
    the recogniser leaves between characters are closed (a gap is no word break in Chinese
    text) unless they are wide; the ASCII brackets and punctuation it reads among Chinese
    characters become the full-width ones printed there ((四) → （四）)."""
    import numpy as np

    result = engine()(np.stack([grey] * 3, axis=-1), return_word_box=True, use_cls=False)
    out = []
    for line in result.word_results or ():
        chars = []
        for word, score, quad in line:
            word = word.strip()
            if not word:
                continue
            xs = [p[0] for p in quad]
            ys = [p[1] for p in quad]
            x0, x1, top, bottom = min(xs), max(xs), min(ys), max(ys)
            step = (x1 - x0) / len(word)
            for k, ch in enumerate(word):
                if not ch.isspace():
                    chars.append([ch, x0 + k * step, top, x0 + (k + 1) * step, bottom, float(score)])
        if len(chars) == 1 and chars[0][0] in _LONE_DIGIT:
            chars[0][0] = _LONE_DIGIT[chars[0][0]]
        cjk = any(is_cjk(c[0]) for c in chars)
        for k, c in enumerate(chars):
            if cjk and c[0] in _FULL_WIDTH:
                c[0] = _FULL_WIDTH[c[0]]
            if k + 1 < len(chars):
                gap = chars[k + 1][1] - c[3]
                if 0 < gap < GAP_CLOSED * (c[4] - c[2]):
                    c[3] = chars[k + 1][1]
            out.append(tuple(c))
    return out


def read_picture(grey, number: int, width: float, height: float, recogniser=recognise
                 ) -> tuple[Page, dict[tuple[float, float, float, float], float], float]:
    """A page's picture (grey, uint8, rendered from a page `width` × `height` points) → the
    Page with its characters and rules in points, each character's score by its box, and the
    angle the page was straightened by."""
    grey, turn = straighten(grey)
    scale = width / grey.shape[1]
    chars: list[Char] = []
    scores: dict[tuple[float, float, float, float], float] = {}
    for text, x0, top, x1, bottom, score in _to_ink(grey, recogniser(grey)):
        ch = Char(text, x0 * scale, top * scale, x1 * scale, bottom * scale, (bottom - top) * scale)
        chars.append(ch)
        box = (ch.x0, ch.top, ch.x1, ch.bottom)
        scores[box] = min(score, scores.get(box, score))
    rules = without_strokes(find_rules(grey, scale), chars)
    return Page(number, width, height, chars, rules), scores, turn


def _to_ink(grey, glyphs: list[tuple[str, float, float, float, float, float]]
            ) -> list[tuple[str, float, float, float, float, float]]:
    """The recogniser's glyphs with the top and bottom of each word's box drawn in to its ink.
    The detector pads a line's box by a third of its height or more, so the boxes of two lines
    a blank line apart touch, and a line looks taller than its type: the paragraphs and
    headings of the page would run together (the text layer of a PDF gives the type's own
    height). Rows of the box that a rule crosses (ink over most of its width) are no ink of
    the text; a box without ink keeps its own edges."""
    import numpy as np

    out = []
    h, w = grey.shape[:2]
    k = 0
    while k < len(glyphs):
        _t, _x0, top, _x1, bottom, _s = glyphs[k]
        end = k + 1
        while end < len(glyphs) and glyphs[end][2] == top and glyphs[end][4] == bottom:
            end += 1  # the glyphs of one word share its box's top and bottom
        a, b = max(0, int(top)), min(h, int(np.ceil(bottom)))
        left, right = max(0, int(glyphs[k][1])), min(w, int(np.ceil(glyphs[end - 1][3])))
        new_top, new_bottom = top, bottom
        if b > a and right > left:
            ink = (grey[a:b, left:right] < DARK).sum(axis=1)
            rows = np.nonzero((ink > 0) & (ink < RULED_ROW * (right - left)))[0]
            if len(rows) and rows[-1] > rows[0]:
                new_top, new_bottom = float(a + rows[0]), float(a + rows[-1] + 1)
        out.extend((t, x0, new_top, x1, new_bottom, s) for t, x0, _top, x1, _bottom, s in glyphs[k:end])
        k = end
    return out


def without_strokes(rules: list[Rule], chars: list[Char]) -> list[Rule]:
    """The rules but the vertical ones that are strokes of a character the recogniser read: in
    a row of a table hardly taller than its text, the stem of a 1 or a 4 runs nearly from the
    rule above to the rule below, and would cut the cell in two. A vertical rule standing
    inside a glyph's box (away from its sides) and no longer than the glyph is tall is such
    a stroke; a cell's border runs beside the text in it, not through it."""
    if not chars:
        return rules
    import bisect

    glyphs = sorted(chars, key=lambda c: c.x0)
    starts = [c.x0 for c in glyphs]
    widest = max(c.x1 - c.x0 for c in glyphs)

    def stroke(r: Rule) -> bool:
        i = bisect.bisect_right(starts, r.pos)
        j = bisect.bisect_left(starts, r.pos - widest)
        for c in glyphs[j:i]:
            inset = STROKE_INSET * (c.x1 - c.x0)
            if c.x0 + inset < r.pos < c.x1 - inset and r.b - r.a <= (c.bottom - c.top) + 2 * RULE_REACH \
                    and c.top - RULE_REACH <= r.a and r.b <= c.bottom + RULE_REACH:
                return True
        return False

    return [r for r in rules if r.horizontal or not stroke(r)]


# told when a document's OCR begins, with its time budget (seconds): a parse process tells the
# server, which then waits that much longer before it ends the parse (app/services/parsepool.py)
on_start = None


def announce(seconds: float) -> None:
    if on_start is not None:
        on_start(seconds)
