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
    section and the templates that define it — all read from the parser's template tables
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

    columns = dict(t.APPLICANT_COLUMNS)
    groups_by_key = {g.key: g for g in t.APP_GROUPS}
    for tpl in t.TEMPLATES:
        headers = t.ACTIVE_COLUMN_LABELS[tpl]
        for row in t.ACTIVE_ROWS[tpl]:
            for suffix, unit in row.columns:
                add(f"{row.key}.{suffix}", unit, tpl, row.aliases[0], headers[suffix])
        groups_started: set[str] = set()
        groups = {g.key: g for g in t.APP_GROUPS if tpl in g.templates}
        for row in t.APP_ROWS:
            if tpl not in row.templates:
                continue
            group = row.group
            if group in groups and group not in groups_started:  # the group's total row first
                groups_started.add(group)
                for col in t.COLUMN_KEYS:
                    add(f"applications.{group}.{col}", "件", tpl, groups[group].aliases[0], columns[col])
            head = (groups_by_key[group].aliases[0],) if group in groups_by_key else ()
            for col in t.COLUMN_KEYS:
                add(f"applications.{row.key}.{col}", "件", tpl, *head, row.aliases[0], columns[col])
        for kind, kind_label in t.REVIEW_KINDS:
            for outcome, outcome_label in t.REVIEW_OUTCOMES:
                add(f"review_litigation.{kind}.{outcome}", "件", tpl, kind_label, outcome_label)
        for pattern in prose.PATTERNS:
            add(pattern.key, pattern.unit, tpl, prose.LABELS[pattern.key])
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
