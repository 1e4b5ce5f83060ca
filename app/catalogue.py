"""Which figure keys each template defines (FIGURES.md), read from the parser's templates
as data: the template tables' rows × columns and the prose figures, which every template
may carry. Cross-report queries resolve key patterns against it (so a prefix becomes an
indexed `key IN (…)`), and statistics use it to aggregate a key over the reports whose
template defines it, and no others.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from functools import lru_cache

from app.parsing import prose, templates as t


@dataclass(frozen=True, slots=True)
class KeyInfo:
    key: str
    unit: str
    templates: tuple[str, ...]  # the templates whose tables (or prose) define it
    label: str = ""  # what the report calls it: row / column, in the first template's words
    section: str = ""  # the figure's `section`: active, applications, review_litigation, media, …


@lru_cache(maxsize=1)
def catalogue() -> dict[str, KeyInfo]:
    """Every key, in template order (section 二, 三, 四, then prose), with its unit, label,
    section and the templates that define it — all read from the parser's template blocks
    (app/parsing/templates.py) and prose patterns, never written down a second time."""
    units: dict[str, str] = {}
    labels: dict[str, str] = {}
    where: dict[str, list[str]] = {}

    def add(key: str, unit: str, template: str, *label: str) -> None:
        units.setdefault(key, unit)
        labels.setdefault(key, " / ".join(label))
        where.setdefault(key, [])
        if template not in where[key]:
            where[key].append(template)

    for tpl in t.TEMPLATES.values():
        for row in tpl.active:
            for suffix, unit in row.columns:
                add(f"{row.key}.{suffix}", unit, tpl.name, row.aliases[0], tpl.active_headers[suffix])
        for entry in tpl.applications:  # a group's total row before its rows
            if isinstance(entry, t.AppGroup):
                for col in tpl.columns:
                    add(f"applications.{entry.key}.{col.key}", col.unit, tpl.name, entry.aliases[0], col.label)
                named = [(r, (entry.aliases[0], r.aliases[0])) for r in entry.rows]
            else:
                named = [(entry, (entry.aliases[0],))]
            for r, words in named:
                for col in tpl.columns:
                    add(f"applications.{r.key}.{col.key}", col.unit, tpl.name, *words, col.label)
        for kind in tpl.review.kinds:
            for outcome in tpl.review.outcomes:
                add(f"review_litigation.{kind.key}.{outcome.key}", outcome.unit, tpl.name, kind.label, outcome.label)
        for pattern in prose.PATTERNS:
            add(pattern.key, pattern.unit, tpl.name, prose.LABELS[pattern.key])
    return {k: KeyInfo(k, units[k], tuple(where[k]), labels[k], k.split(".", 1)[0]) for k in units}


class UnknownKey(ValueError):
    def __init__(self, pattern: str, suggestions: list[str]) -> None:
        super().__init__(pattern)
        self.pattern = pattern
        self.suggestions = suggestions


def expand(patterns: list[str]) -> list[str]:
    """The catalogue keys the patterns name, in catalogue order, each once. A pattern is
    a key and everything below it (`active.permit` → active.permit.prev_items, …;
    `active.permit.decisions` → itself); one ending in `.` or `*` is a plain prefix.
    UnknownKey for a pattern that names no key."""
    cat = catalogue()
    wanted: set[str] = set()
    for raw in patterns:
        pattern = raw.strip()
        if pattern.endswith("*") or pattern.endswith("."):
            prefix = pattern.rstrip("*")
            found = {k for k in cat if k.startswith(prefix)}
        else:
            found = {k for k in cat if k == pattern or k.startswith(pattern + ".")}
        if not found:
            raise UnknownKey(raw, difflib.get_close_matches(pattern, list(cat), n=3, cutoff=0.6))
        wanted |= found
    return [k for k in cat if k in wanted]
