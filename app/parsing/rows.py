"""Which template row a cell labels. Labels are matched on their squashed text with the
numbering read apart (labels.split_numbering), against the row's aliases, with the
tolerances of TOLERANCES: a slip of one character on long labels, a note after the label, a
label broken over two lines, a label at the end of a text cut from a flattened table.

    is_active_label(grid, i, ("行政许可",))                 cell 行政许可 / 行 政 许 可 / 行政许可：   -> True
    match_application_label("（三）不予公开", TEMPLATES["2021"], False)   -> AppLabel("group", "denied")
    match_application_label("3.其他", TEMPLATES["2021"], False)         -> AppLabel("row", "other.other")
    match_application_label("其他", TEMPLATES["2021"], False)           -> None (其他 alone is too generic)
"""

from __future__ import annotations

from typing import NamedTuple

from app.parsing.grid import Grid
from app.parsing.labels import split_numbering, within_one_edit
from app.parsing.memo import text_cache
from app.parsing.templates import GENERIC_LABELS, TEMPLATES, Template
from app.parsing.tolerances import TOLERANCES


def is_active_label(grid: Grid, idx: int, aliases: tuple[str, ...]) -> bool:
    """Whether the cell at idx is a section 二 row label with one of these aliases."""
    s = grid.squashed[idx]
    if not s:
        return False
    cell = grid.cells[idx]
    if len(s) <= TOLERANCES.active_label_len:
        core = split_numbering(cell.text)[1]
        if core in aliases:
            return True
        fuzzy = TOLERANCES.active_fuzzy_len
        for a in aliases:
            if len(a) >= fuzzy and within_one_edit(core, a):
                return True
    # a flattened table: the label is what the text cell ends with
    return cell.glued and any(s.endswith(a) for a in aliases)


class AppLabel(NamedTuple):
    """A section 三 label: a row's or a group's, and its key."""

    kind: str  # "row" | "group"
    key: str


class _Exact(NamedTuple):
    label: AppLabel
    number: str | None  # the numbering the template gives it
    generic: bool  # matched only with that numbering


def _exact_index(template: Template) -> dict[str, list[_Exact]]:
    """alias → the rows, then the groups, that have it."""
    index: dict[str, list[_Exact]] = {}
    for r in template.rows:
        for a in r.aliases:
            index.setdefault(a, []).append(_Exact(AppLabel("row", r.key), r.number, a in GENERIC_LABELS))
    for g in template.groups:
        for a in g.aliases:
            index.setdefault(a, []).append(_Exact(AppLabel("group", g.key), g.number, a in GENERIC_LABELS))
    return index


_EXACT = {t.name: _exact_index(t) for t in TEMPLATES.values()}


@text_cache(maxsize=16384, max_chars=64)
def match_application_label(text: str, template: Template, glued: bool) -> AppLabel | None:
    """The section 三 row or group a label cell names, or None. The label as the template
    writes it first; else the best-ranked alias (see _rank), the numbering breaking ties;
    else, for a text cut from a flattened table, the longest alias it ends with."""
    number, core = split_numbering(text)
    if not core or (len(core) > TOLERANCES.app_label_len and not glued):
        return None
    exact = _EXACT[template.name].get(core)
    if exact:
        fits = [e for e in exact if not e.generic or number == e.number]
        if fits:
            return max(fits, key=lambda e: (number is not None and number == e.number, e.label.kind == "row")).label
    best: tuple[int, AppLabel] | None = None
    candidates = [(r.aliases, r.number, AppLabel("row", r.key)) for r in template.rows]
    candidates += [(g.aliases, g.number, AppLabel("group", g.key)) for g in template.groups]
    for aliases, own_number, label in candidates:
        for a in aliases:
            generic = a in GENERIC_LABELS
            rank = _rank(core, a, generic=generic)
            if rank is None or (generic and number != own_number):
                continue
            if number is not None and number == own_number:
                rank += 1
            if best is None or rank > best[0]:
                best = (rank, label)
    if best is None and glued and len(core) >= TOLERANCES.glued_label_len:
        # a flattened table: the label is what the text cell ends with
        shortest = TOLERANCES.glued_alias_len
        for r in template.rows:
            for a in r.aliases:
                if a not in GENERIC_LABELS and len(a) >= shortest and core.endswith(a) and (best is None or len(a) > best[0]):
                    best = (len(a), AppLabel("row", r.key))
    return best[1] if best is not None else None


# ranks of a match, best first; a match with the row's own numbering ranks one higher
_EQUAL, _STARTS_WITH, _BROKEN, _SLIP = 40, 30, 20, 10
_LENGTH_BONUS = 9  # a longer alias (or fragment) matched ranks higher, up to this


def _rank(core: str, alias: str, *, generic: bool) -> int | None:
    """How well a cell's text matches a label: equal; starts with it (a longer label with a
    note); the start of a label broken across lines; one slip away; None no match."""
    if core == alias:
        return _EQUAL
    if generic:
        return None
    t = TOLERANCES
    if len(alias) >= t.prefix_alias_len and core.startswith(alias) and len(core) <= len(alias) + t.label_note_len:
        return _STARTS_WITH + min(len(alias), _LENGTH_BONUS)
    if len(core) >= t.broken_label_len and alias.startswith(core):
        return _BROKEN + min(len(core), _LENGTH_BONUS)
    if len(alias) >= t.app_fuzzy_len and within_one_edit(core, alias):
        return _SLIP
    return None
