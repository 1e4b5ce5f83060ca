"""Label matching with tolerance: spacing, brackets, quotes and punctuation are ignored, the
numbering (一、 （三） 2.) is read apart from the text, and one-character slips are forgiven
on long labels."""

from __future__ import annotations

import re

from app.parsing.memo import text_cache

_NUMBERING = re.compile(
    r"^\s*(?:[（(]\s*([一二三四五六七八九十]{1,3}|\d{1,2})\s*[)）]|([一二三四五六七八九十]{1,3})\s*[、.,，．]|(\d{1,2})\s*[.、,，．](?!\d))"
)
_PUNCT = re.compile(r"[\s\"'“”‘’「」『』《》()（）\[\]【】〔〕、，,。.．:：;；/·\-—_*#|]+")
# Labels recur in every report: their functions are cached, texts up to 64 characters
# (app/parsing/memo.py: a longer text is computed, not kept).


@text_cache(maxsize=65536, max_chars=64)
def squash(text: str) -> str:
    """Text with spacing, brackets, quotes and punctuation removed."""
    return _PUNCT.sub("", text)


@text_cache(maxsize=65536, max_chars=64)
def split_numbering(text: str) -> tuple[str | None, str]:
    """'（三）不予公开' → ('三', '不予公开'); '2.重复申请' → ('2', '重复申请')."""
    m = _NUMBERING.match(text)
    if not m:
        return None, squash(text)
    return m.group(1) or m.group(2) or m.group(3), squash(text[m.end():])


def within_one_edit(a: str, b: str) -> bool:
    """True when a and b differ by at most one substitution, insertion or deletion."""
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la == lb:
        return sum(1 for x, y in zip(a, b) if x != y) <= 1
    if la > lb:
        a, b, la, lb = b, a, lb, la
    i = 0
    while i < la and a[i] == b[i]:
        i += 1
    return a[i:] == b[i + 1:]

