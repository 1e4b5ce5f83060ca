"""Normalise a copy of the text for matching, keeping a map back to the original so every
figure's position can be given on the text as received.

- stray pinyin annotations after a character are removed: 現(xiàn) → 現
- traditional → simplified with OpenCC (one converter per process)
- full-width digits, letters, signs → ASCII; ASCII brackets → full-width (one form to match)
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from app.parsing.budget import MAX_LINES, Budget

_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ"
# a pinyin syllable (or two) in brackets right after a CJK character, with at least one tone mark
_PINYIN = re.compile(
    rf"(?<=[\u3400-\u9fff])[(（]\s*(?=[a-z{_TONED}]{{0,6}}[{_TONED}])[a-z{_TONED}]{{1,7}}(?:\s?[a-z{_TONED}]{{1,7}})?\s*[)）]"
)

_FULLWIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF10, 0xFF1A)}  # ０-９
_FULLWIDTH.update({cp: cp - 0xFEE0 for cp in range(0xFF21, 0xFF3B)})  # Ａ-Ｚ
_FULLWIDTH.update({cp: cp - 0xFEE0 for cp in range(0xFF41, 0xFF5B)})  # ａ-ｚ
_FULLWIDTH.update({
    ord("．"): ".", ord("－"): "-", ord("＋"): "+", ord("／"): "/", ord("％"): "%", ord("｜"): "|",
    ord("\u2212"): "-", ord("\ufe63"): "-", ord("\u3000"): " ", ord("\u00a0"): " ", ord("\t"): "    ",
    ord("("): "（", ord(")"): "）", ord("："): ":", ord("＃"): "#", ord("＊"): "*", ord("\u200b"): " ",
    ord("\ufeff"): " ", ord("\r"): " ",
})
_TRANSLATE = {chr(k): (chr(v) if isinstance(v, int) else v) for k, v in _FULLWIDTH.items()}
_TO_TRANSLATE = re.compile("[" + re.escape("".join(_TRANSLATE)) + "]")


# letter-spaced text (鄂 温 克 族 自 治 旗 / 2 0 2 0 年 政 府 …, a space, U+3000 or &nbsp; between
# every character): three single CJK characters in a row, each one space apart
_SEPS = " \u3000\u00a0"
# (a separator first: scans faster than a CJK class over Chinese text; every run of three has it)
_SPACED = re.compile("[ \u3000\u00a0][\u4e00-\u9fff][ \u3000\u00a0][\u4e00-\u9fff]")
_SPACED_TOKEN = re.compile("[^ \u3000\u00a0]+|[ \u3000\u00a0]+")


def _joinable(c: str) -> bool:
    return "\u4e00" <= c <= "\u9fff" or "\u3001" <= c <= "\u303f" or "\uff01" <= c <= "\uff5e" and not c.isdigit() \
        or c in "·“”‘’"


_MAX_SPACED_LINE = 10_000  # letter-spaced text is a title or a label; a longer line is left as it is


def _squeeze_spaced(line: str) -> tuple[str, list[int]] | None:
    """Remove the spaces of letter-spaced runs: a run of one-character tokens one separator apart
    with at least three CJK characters. Only between two CJK characters (or full-width signs) is a
    space removed, and inside a year spelled 2 0 2 0 年; other digits stay apart (they may be
    cells). Returns the line and, per kept character, its column in `line`; None if nothing changes."""
    toks = [(m.start(), m.group()) for m in _SPACED_TOKEN.finditer(line)]
    drop: set[int] = set()
    i = 0
    n = len(toks)
    while i < n:
        # a run: token i, sep, token, sep, … every token one character, every separator one character
        if toks[i][1][0] in _SEPS or len(toks[i][1]) != 1:
            i += 1
            continue
        j = i
        while j + 2 < n and len(toks[j + 1][1]) == 1 and len(toks[j + 2][1]) == 1 and toks[j + 2][1] not in _SEPS:
            j += 2
        chars = [toks[k][1] for k in range(i, j + 1, 2)]
        if sum("\u4e00" <= c <= "\u9fff" for c in chars) >= 3:
            year_digits: set[int] = set()
            for k in range(len(chars) - 4):
                if chars[k] in "12" and "".join(chars[k:k + 4]).isdigit() and chars[k + 4] in "年度" \
                        and (k == 0 or not chars[k - 1].isdigit()) and "".join(chars[k:k + 2]) in ("19", "20"):
                    year_digits.update(range(k, k + 5))
            for k in range(len(chars) - 1):
                a, b = chars[k], chars[k + 1]
                if (_joinable(a) and _joinable(b)) or (k in year_digits and k + 1 in year_digits):
                    drop.add(toks[i + 2 * k + 1][0])
        i = j + 1
    if not drop:
        return None
    keep = [c for c in range(len(line)) if c not in drop]
    return "".join(line[c] for c in keep), keep


def _translate(text: str) -> str:
    # a regex over the few characters that change is much faster than str.translate on long text
    return _TO_TRANSLATE.sub(lambda m: _TRANSLATE[m.group()], text)


@lru_cache(maxsize=1)
def _converter():
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    return _converter().convert(text)


@dataclass(slots=True)
class Normalized:
    """The normalised text, line by line, and how to map a (line, column) back to the original.
    At most MAX_LINES lines are read: `lines_in_text` says how many the text has."""

    original_lines: list[str]
    lines: list[str]
    # per line: sorted normalised columns where characters were removed, and the cumulative shift
    # (one shared empty tuple for the lines where nothing was: most of them)
    _shift_cols: list[Sequence[int]]
    _shift_vals: list[Sequence[int]]
    lines_in_text: int = 0

    def original_span(self, line: int, start: int, end: int) -> tuple[int, int]:
        """Map a [start, end) column span on normalised line `line` (0-based) to the original."""
        cols, vals = self._shift_cols[line], self._shift_vals[line]
        if not cols:
            return start, end

        def m(c: int) -> int:
            i = bisect.bisect_right(cols, c) - 1
            return c + (vals[i] if i >= 0 else 0)

        return m(start), m(end - 1) + 1 if end > start else m(start)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


_NO_SHIFT: tuple[int, ...] = ()


def normalize(text: str, *, budget: Budget | None = None, max_lines: int = MAX_LINES) -> Normalized:
    original_lines = text.split("\n", max_lines)
    lines_in_text = len(original_lines)
    if lines_in_text > max_lines:  # the rest of the text, unsplit, is not read
        lines_in_text = max_lines + original_lines.pop().count("\n") + 1
    stripped, shift_cols, shift_vals = _strip_lines(original_lines, _SPACED.search(text) is not None, budget)
    lines = _simplified_lines(stripped, shift_cols, shift_vals, budget)
    return Normalized(original_lines, lines, shift_cols, shift_vals, lines_in_text)


def _strip_lines(original_lines: list[str], spaced: bool, budget: Budget | None,
                 ) -> tuple[list[str], list[Sequence[int]], list[Sequence[int]]]:
    """Each line without its pinyin annotations and with its spaced-out characters squeezed
    (when the text has any: `spaced`), and per line the shift map back to the original."""
    stripped: list[str] = []
    shift_cols: list[Sequence[int]] = []
    shift_vals: list[Sequence[int]] = []
    for i, line in enumerate(original_lines):
        if budget is not None and not i & 1023:
            budget.check("normalise")
        cols: list[int] = []
        vals: list[int] = []
        if "(" in line or "（" in line:
            line, cols, vals = _drop_pinyin(line)
        if spaced and len(line) <= _MAX_SPACED_LINE and _SPACED.search(line):
            squeezed = _squeeze_spaced(line)
            if squeezed is not None:
                line, keep = squeezed
                cols, vals = _compose_shift(keep, cols, vals)
        stripped.append(line)
        shift_cols.append(cols or _NO_SHIFT)
        shift_vals.append(vals or _NO_SHIFT)
    return stripped, shift_cols, shift_vals


def _drop_pinyin(line: str) -> tuple[str, list[int], list[int]]:
    """The line without its pinyin annotations, the columns where they were removed and the
    shift there (both empty when there were none)."""
    cols: list[int] = []
    vals: list[int] = []
    out: list[str] = []
    pos = 0
    removed = 0
    for m in _PINYIN.finditer(line):
        out.append(line[pos:m.start()])
        removed += m.end() - m.start()
        pos = m.end()
        cols.append(m.start() - (removed - (m.end() - m.start())))
        vals.append(removed)
    if out:
        out.append(line[pos:])
        line = "".join(out)
    return line, cols, vals


def _compose_shift(keep: Sequence[int], cols: list[int], vals: list[int]) -> tuple[list[int], list[int]]:
    """The shift map of a squeezed line (`keep`: the column each character kept had before
    squeezing) composed with what the pinyin removal shifted: final column → original column."""
    cols2: list[int] = []
    vals2: list[int] = []
    prev = 0
    for c, k in enumerate(keep):
        if cols:
            j = bisect.bisect_right(cols, k) - 1
            k += vals[j] if j >= 0 else 0
        if k - c != prev:
            cols2.append(c)
            vals2.append(k - c)
            prev = k - c
    return cols2, vals2


def _simplified_lines(stripped: list[str], shift_cols: list[Sequence[int]], shift_vals: list[Sequence[int]],
                      budget: Budget | None) -> list[str]:
    """The stripped lines in simplified characters and ASCII forms (emptying `stripped`); a
    line whose conversion changed its length loses its shift map (in place)."""
    joined = "\n".join(stripped)
    del stripped[:]  # the joined text holds them now
    converted = to_simplified(joined)
    if budget is not None:
        budget.check("normalise")
    if len(converted) == len(joined):
        del joined
        return _translate(converted).split("\n")
    lines = []  # a phrase changed length somewhere: convert line by line, keep what lines up
    for i, line in enumerate(joined.split("\n")):
        if budget is not None and not i & 1023:
            budget.check("normalise")
        c = to_simplified(line)
        if len(c) != len(line):
            shift_cols[i], shift_vals[i] = _NO_SHIFT, _NO_SHIFT
        lines.append(_translate(c))
    return lines
