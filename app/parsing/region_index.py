"""The administrative divisions (GB/T 2260) by code: the bundled tables
``app/data/divisions.csv`` (current divisions) and ``app/data/divisions_historical.csv``
(names abolished or renamed since an older table), read once, lazily, on first use, into an
index of codes, children and names; the look-ups by code and by 网站标识码. Agency names are
resolved against this index by app/parsing/regions.py, the divisions' public face. No network.

Municipalities have no city level in the table: 110105 朝阳区's parent is 110000 北京市.
County-level cities directly under a province (济源, 仙桃, 石河子, …) likewise.
"""

from __future__ import annotations

import csv
import io
import re
import threading
from dataclasses import dataclass, field
from importlib import resources

from app.parsing.region_names import aliases, shorts


@dataclass(frozen=True, slots=True)
class Division:
    code: str  # six-digit GB/T 2260 code
    name: str  # official full name, e.g. 鄂温克族自治旗
    level: str  # province | city | county
    parent_code: str | None
    current: bool = True  # False: from the historical table (abolished or renamed)


_SPACES_RE = re.compile(r"[\s\u3000\xa0]+")
# Names that are not divisions but stand for one, each justified:
_SPECIAL = {
    # 平潭综合实验区 is set up over the whole territory of 平潭县 (福州市); its 管委会 acts as
    # the county government, and the county keeps its code.
    "平潭综合实验区": "350128",
    # the usual short form of 前郭尔罗斯蒙古族自治县 (not derivable from the full name)
    "前郭县": "220721",
}


# --- the index --------------------------------------------------------------------------


@dataclass
class _Index:
    by_code: dict[str, Division] = field(default_factory=dict)
    hist_by_code: dict[str, Division] = field(default_factory=dict)
    kids: dict[str, list[Division]] = field(default_factory=dict)
    # full names and suffixed aliases → divisions (current and historical)
    names: dict[str, list[Division]] = field(default_factory=dict)
    alias_only: set[tuple[str, str]] = field(default_factory=set)  # (name, code) via alias
    forms: dict[tuple[str, bool], tuple[str, ...]] = field(default_factory=dict)
    # one-character wildcard patterns of current county- and city-level names → divisions
    wild: dict[str, list[Division]] = field(default_factory=dict)
    max_len: int = 0


_INDEX: _Index | None = None
_LOCK = threading.Lock()


def _read_table(filename: str) -> list[dict[str, str]]:
    res = resources.files("app").joinpath("data").joinpath(filename)
    try:
        text = res.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    return list(csv.DictReader(io.StringIO(text)))


def _add_name(ix: _Index, name: str, div: Division) -> None:
    lst = ix.names.setdefault(name, [])
    if div not in lst:
        lst.append(div)
    ix.max_len = max(ix.max_len, len(name))


def _build() -> _Index:
    ix = _Index()
    for current, fname in ((True, "divisions.csv"), (False, "divisions_historical.csv")):
        for row in _read_table(fname):
            d = Division(row["code"], row["name"], row["level"], row["parent_code"] or None, current)
            (ix.by_code if current else ix.hist_by_code)[d.code] = d
            if current and d.parent_code:
                ix.kids.setdefault(d.parent_code, []).append(d)
    for d in list(ix.by_code.values()) + list(ix.hist_by_code.values()):
        _add_name(ix, d.name, d)
        for a in aliases(d.name):
            _add_name(ix, a, d)
            ix.alias_only.add((a, d.code))
        ix.forms[(d.code, d.current)] = (d.name, *sorted(shorts(d.name) | aliases(d.name)))
        if d.current and d.level in ("county", "city") and len(d.name) >= 3:
            for k in range(len(d.name) - 1):  # never the suffix character
                ix.wild.setdefault(d.name[:k] + "?" + d.name[k + 1 :], []).append(d)
    for name, code in _SPECIAL.items():
        if code in ix.by_code:
            _add_name(ix, name, ix.by_code[code])
    return ix


def _ix() -> _Index:
    global _INDEX
    if _INDEX is None:
        with _LOCK:
            if _INDEX is None:
                _INDEX = _build()
    return _INDEX


# --- code look-ups ----------------------------------------------------------------------


def get(code: str) -> Division | None:
    """The division with this six-digit code: a current one, else a historical one."""
    ix = _ix()
    code = (code or "").strip()
    return ix.by_code.get(code) or ix.hist_by_code.get(code)


def children(code: str) -> list[Division]:
    """Current divisions directly under ``code`` (a municipality's districts and counties
    are directly under it), ordered by code."""
    return sorted(_ix().kids.get((code or "").strip(), []), key=lambda d: d.code)


def _parent(d: Division) -> Division | None:
    if not d.parent_code:
        return None
    ix = _ix()
    if d.current:
        return ix.by_code.get(d.parent_code)
    return ix.hist_by_code.get(d.parent_code) or ix.by_code.get(d.parent_code)


def _ancestors(d: Division) -> list[Division]:
    out = []
    p = _parent(d)
    while p is not None and len(out) < 4:
        out.append(p)
        p = _parent(p)
    return out


def ancestors(code: str) -> list[Division]:
    """The divisions above ``code``, nearest first (150724 → [150700, 150000])."""
    d = get(code)
    return _ancestors(d) if d else []


def from_site_code(code: str) -> Division | None:
    """网站标识码: 10 digits = division code + 4-digit sequence (1507240004 → 150724).
    Central departments' ``bm`` + 8 digits, and anything else, give None."""
    s = _SPACES_RE.sub("", code or "")
    if len(s) != 10 or not s.isdigit():
        return None
    return get(s[:6])
