"""Normalise a copy of the text for matching, keeping a map back to the original so every
figure's position can be given on the text as received.

- stray pinyin annotations after a character are removed: 現(xiàn) → 現
- traditional → simplified with OpenCC (one converter per process)
- full-width digits, letters, signs → ASCII; ASCII brackets → full-width (one form to match)
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import lru_cache

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
    """The normalised text, line by line, and how to map a (line, column) back to the original."""

    original_lines: list[str]
    lines: list[str]
    # per line: sorted normalised columns where characters were removed, and the cumulative shift
    _shift_cols: list[list[int]]
    _shift_vals: list[list[int]]

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


def normalize(text: str) -> Normalized:
    original_lines = text.split("\n")
    lines: list[str] = []
    shift_cols: list[list[int]] = []
    shift_vals: list[list[int]] = []
    stripped: list[str] = []
    for line in original_lines:
        cols: list[int] = []
        vals: list[int] = []
        if "(" in line or "（" in line:
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
        stripped.append(line)
        shift_cols.append(cols)
        shift_vals.append(vals)
    joined = "\n".join(stripped)
    converted = to_simplified(joined)
    if len(converted) == len(joined):
        lines = _translate(converted).split("\n")
    else:  # a phrase changed length somewhere: convert line by line, keep what lines up
        lines = []
        for i, line in enumerate(stripped):
            c = to_simplified(line)
            if len(c) != len(line):
                shift_cols[i], shift_vals[i] = [], []
            lines.append(_translate(c))
    return Normalized(original_lines, lines, shift_cols, shift_vals)
