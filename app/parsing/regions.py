"""Administrative divisions (GB/T 2260): lookup by code, by agency name, by 网站标识码.

Pure: the bundled tables of divisions are read once, lazily, on first use, into the index of
app/parsing/region_index.py (which gives the look-ups by code, used from here); everything
else is dictionary look-ups. No network.

    get("150724")                      -> Division(150724 鄂温克族自治旗, county, parent 150700)
    resolve("鄂温克旗人民政府")          -> Match(division=150724, level="county", ...)
    resolve("淮安市交通运输局")          -> Match(division=320800, level="department", ...)
    resolve("朝阳区人民政府")            -> None (北京 and 长春 both have one)
    resolve("朝阳区人民政府", "北京市…")  -> Match(division=110105, ...)
    from_site_code("1507240004")       -> Division(150724 …)

Municipalities have no city level in the table: 110105 朝阳区's parent is 110000 北京市.
County-level cities directly under a province (济源, 仙桃, 石河子, …) likewise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# the look-ups by code are part of this module's API (__all__), used as regions.get and the like
from app.parsing.region_index import (_SPACES_RE, _SPECIAL, Division, _ancestors, _ix, ancestors, children,
                                      from_site_code, get)
from app.parsing.region_names import CONFUSABLE

__all__ = ["Division", "Match", "ancestors", "children", "from_site_code", "get", "resolve"]


@dataclass(frozen=True, slots=True)
class Match:
    division: Division
    level: str  # the body's level: province | city | county | township | department
    confidence: float  # 0..1
    matched: str = ""  # the text in the agency name that named the division
    corrected_name: str | None = None  # set when an OCR slip was corrected (沐阳县 → 沭阳县)
    reason: str = ""  # exact | alias | context | historical | ocr | special | township-context


# --- names (their forms: region_names) -------------------------------------------------

# characters a division name (or its suffixed short form) ends with
_SUFFIX_CHARS = frozenset("省市县区旗州盟")
_GOV_TAILS = frozenset(
    {"", "人民政府", "政府", "行政公署", "管理委员会", "管委会", "人民政府（本级）", "本级"}
)
_TOWNSHIP_RE = re.compile(
    r"^[\u4e00-\u9fff]{1,10}?(?:镇|乡|苏木|街道)(?:人民政府|政府|街道办事处|办事处)?$"
)
_CONTEXT_SCAN_LIMIT = 2000  # characters of context scanned for division names
_CONTEXT_SCORE_LIMIT = 20000  # characters of context searched for ancestors' names
_MENTION_MAX_LEN = 9  # longer names are found through their short forms (积石山县)


# --- agency names -----------------------------------------------------------------------


def _tail_kind(tail: str) -> str:
    """The kind of body named by what follows the division name(s) in an agency name:
    government | township | department."""
    if tail in _GOV_TAILS:
        return "government"
    if _TOWNSHIP_RE.match(tail):
        return "township"
    return "department"


def _normalise(s: str) -> str:
    s = _SPACES_RE.sub("", s or "")
    return s.replace("(", "（").replace(")", "）")


def _in(hay: str, d: Division) -> bool:
    return any(f in hay for f in _ix().forms[(d.code, d.current)])


def _context_score(d: Division, hay: str) -> int:
    return sum(1 for a in _ancestors(d) if _in(hay, a))


def _is_ancestor(a: Division, d: Division) -> bool:
    return any(x.code == a.code for x in _ancestors(d))


def _longest_name_at(s: str, i: int) -> str | None:
    ix = _ix()
    for L in range(min(ix.max_len, len(s) - i), 1, -1):
        if s[i : i + L] in ix.names:
            return s[i : i + L]
    return None


def _ocr_at(s: str, i: int, hay: str) -> tuple[str, str, Division, bool] | None:
    """A one-character slip of a current county/city name starting at ``i``:
    (text, corrected name, division, context supports it), or None.

    Among names of the same length and suffix, the correction must be unique: among
    substitutions of look-alike characters (沐 → 沭); else among any substitution whose
    division's parents the context (or the agency name) names."""
    ix = _ix()
    for j in range(min(len(s), i + 10) - 1, i + 1, -1):
        if s[j] not in _SUFFIX_CHARS:
            continue
        t = s[i : j + 1]
        alike: dict[str, Division] = {}
        found: dict[str, Division] = {}
        for k in range(len(t) - 1):
            for d in ix.wild.get(t[:k] + "?" + t[k + 1 :], ()):
                found[d.code] = d
                if d.name[k] in CONFUSABLE.get(t[k], ""):
                    alike[d.code] = d
        if not found:
            continue
        if len(alike) == 1:
            d = next(iter(alike.values()))
            return t, d.name, d, _context_score(d, hay) > 0
        # any other substitution only where the context names the division's parents
        backed = [d for d in found.values() if _context_score(d, hay) > 0]
        if len(backed) == 1:
            return t, backed[0].name, backed[0], True
        return None  # several names fit: refuse
    return None


def _pick(cands: list[Division], hay: str) -> tuple[Division | None, bool]:
    """One candidate, or the one whose ancestors the text names most; (None, _) if tied.
    The flag says whether the context had to decide."""
    if len(cands) == 1:
        return cands[0], False
    scores = [(_context_score(d, hay), d) for d in cands]
    best = max(sc for sc, _ in scores)
    top = [d for sc, d in scores if sc == best]
    if best > 0 and len(top) == 1:
        return top[0], True
    return None, True


def _mentions(text: str) -> list[Division]:
    """Divisions named in free text (unambiguous after using the other names found)."""
    ix = _ix()
    text = text[:_CONTEXT_SCAN_LIMIT]
    found: dict[str, list[Division]] = {}
    for j, ch in enumerate(text):
        if ch not in _SUFFIX_CHARS:
            continue
        for L in range(min(_MENTION_MAX_LEN, j + 1), 1, -1):
            t = text[j - L + 1 : j + 1]
            if t in ix.names:
                found[t] = [d for d in ix.names[t] if d.current] or ix.names[t]
                break
    out: dict[str, Division] = {}
    all_found = [d for lst in found.values() for d in lst]
    for _t, lst in found.items():
        if len(lst) > 1:
            lst = [d for d in lst if any(_is_ancestor(a, d) for a in all_found)]
        if len(lst) == 1:
            out[lst[0].code] = lst[0]
    return list(out.values())


def _township_from_context(context: str) -> tuple[Division, float] | None:
    """The county (else city) a township body lies in, when the divisions the context names
    form one chain (宿迁市 … 沭阳县), or are counties of one city; else None."""
    ms = _mentions(context)
    if not ms:
        return None
    above = {a.code for d in ms for a in _ancestors(d)}
    deepest = [d for d in ms if d.code not in above]
    if len(deepest) == 1:
        d = deepest[0]
        conf = {"county": 0.6, "city": 0.5}.get(d.level)
        return (d, conf) if conf else None
    parents = {d.parent_code for d in deepest}
    if len(parents) == 1 and all(d.level == "county" for d in deepest):
        p = get(next(iter(parents)) or "")
        if p is not None and p.level == "city":
            return p, 0.45
    return None


def resolve(agency: str, context: str = "") -> Match | None:
    """The division an agency belongs to, and the level of the body itself.

    ``agency`` as reports write it (鄂温克旗人民政府, 淮安市交通运输局, XX镇人民政府);
    ``context`` is other text of the report (its first paragraphs), used to choose between
    namesakes (朝阳区 in 北京 or 长春) and to place a township. None when the name gives
    no division or the choice stays open: a wrong code is worse than none."""
    s = _normalise(agency)
    if not s:
        return None
    hay = s + "\n" + (context or "")[:_CONTEXT_SCORE_LIMIT]
    named = _named_divisions(s, hay)
    kind = _tail_kind(s[named.end:])
    if not named.tokens:
        if kind != "township":
            return None
        tc = _township_from_context(context or "")
        if tc is None:
            return None
        return Match(tc[0], "township", tc[1], matched="", reason="township-context")
    # the last division named is the body's (or its department's) division
    text, cands = named.tokens[-1]
    # prefer current divisions over historical namesakes only when the text decides
    div, used_context = _pick(cands, hay)
    if div is None:
        return None
    conf, reason = _confidence(named, text, div, used_context)
    level = div.level if kind == "government" else kind
    return Match(div, level, conf, matched=text, corrected_name=named.corrected, reason=reason)


@dataclass
class _Named:
    """The division names an agency name starts with (江苏省淮安市…), each under the one before."""

    tokens: list[tuple[str, list[Division]]]  # (the text, the divisions it may name)
    end: int  # where the names end: the body's own name follows
    corrected: str | None  # a name read through an OCR slip, corrected
    ocr_backed: bool  # the context supports that correction


def _named_divisions(s: str, hay: str) -> _Named:
    """Read the division names `s` starts with; each must lie under the ones before it, else
    it is part of the body's own name."""
    ix = _ix()
    named = _Named([], 0, None, False)
    i = 0
    while i < len(s):
        t = _longest_name_at(s, i)
        fixed = None
        if t is not None:
            cands = list(ix.names[t])
        elif named.corrected is None and (o := _ocr_at(s, i, hay)) is not None:
            t, fixed, d, named.ocr_backed = o
            cands = [d]
        else:
            break
        if named.tokens:
            prev = named.tokens[-1][1]
            cands = [d for d in cands if any(_is_ancestor(a, d) for a in prev)]
            if not cands:
                break
        named.tokens.append((t, cands))
        named.corrected = named.corrected or fixed
        i += len(t)
    named.end = i
    return named


def _confidence(named: _Named, text: str, div: Division, used_context: bool) -> tuple[float, str]:
    """How sure the match is, and why: an OCR correction (surer when a chain of names or the
    context backs it), a special name, a choice the context made, an alias, an exact name
    (surest in a chain); a historical division a little less sure."""
    chain_confirmed = len(named.tokens) > 1
    if named.corrected is not None:
        supported = chain_confirmed or named.ocr_backed
        conf, reason = (0.75 if supported else 0.6), "ocr"
    elif text in _SPECIAL:
        conf, reason = 0.8, "special"
    elif used_context:
        conf, reason = 0.8, "context"
    elif (text, div.code) in _ix().alias_only:
        conf, reason = 0.9, "alias"
    else:
        conf, reason = (1.0 if chain_confirmed else 0.95), "exact"
    if not div.current:
        conf, reason = round(conf - 0.1, 2), reason + "+historical"
    return conf, reason
