"""Label matching with tolerance: spacing, brackets, quotes and punctuation are ignored, the
numbering (一、 （三） 2.) is read apart from the text, and one-character slips are forgiven
on long labels."""

from __future__ import annotations

import re
from functools import lru_cache

_NUMBERING = re.compile(
    r"^\s*(?:[（(]\s*([一二三四五六七八九十]{1,3}|\d{1,2})\s*[)）]|([一二三四五六七八九十]{1,3})\s*[、.,，．]|(\d{1,2})\s*[.、,，．](?!\d))"
)
_PUNCT = re.compile(r"[\s\"'“”‘’「」『』《》()（）\[\]【】〔〕、，,。.．:：;；/·\-—_*#|]+")
# The caches below hold labels, which recur in every report. A caller with a text longer
# than CACHED_CHARS calls `f.__wrapped__` instead (or squash_line), so that a hostile text
# does not stay in memory: at most ~20 MB in each cache.
CACHED_CHARS = 64


@lru_cache(maxsize=65536)
def squash(text: str) -> str:
    """Text with spacing, brackets, quotes and punctuation removed."""
    return _PUNCT.sub("", text)


@lru_cache(maxsize=4096)
def _squash_line(text: str) -> str:
    return _PUNCT.sub("", text)


def squash_line(text: str) -> str:
    """squash() for a longer text (a line of prose): a smaller cache, up to 1,024 characters."""
    return _squash_line(text) if len(text) <= 1024 else _PUNCT.sub("", text)


@lru_cache(maxsize=65536)
def split_numbering(text: str) -> tuple[str | None, str]:
    """'（三）不予公开' → ('三', '不予公开'); '2.重复申请' → ('2', '重复申请')."""
    m = _NUMBERING.match(text)
    rest = text[m.end():] if m else text
    core = squash(rest) if len(rest) <= CACHED_CHARS else _PUNCT.sub("", rest)
    if not m:
        return None, core
    return m.group(1) or m.group(2) or m.group(3), core


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


def matches(core: str, alias: str, *, fuzzy_min: int = 5) -> bool:
    if core == alias:
        return True
    return len(alias) >= fuzzy_min and within_one_edit(core, alias)
