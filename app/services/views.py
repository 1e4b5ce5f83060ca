"""Per-section views over the long figure table: figure keys (FIGURES.md) → nested,
typed objects a frontend can use without knowing the key format. A figure the report
lacks is null."""

from __future__ import annotations

from collections.abc import Mapping

from app.services import section_shapes as m
from app.parsing.templates import REVIEW, TEMPLATES, AppGroup, Template

Values = Mapping[str, int | float]  # figure key → value (as emitted)


def _pick(values: Values, prefix: str, fields) -> dict:
    return {f: values.get(f"{prefix}.{f}") for f in fields}


def _items(values: Values, name: str) -> m.ItemCounts:
    return m.ItemCounts(**_pick(values, f"active.{name}", m.ItemCounts.model_fields))


def _docs(values: Values, name: str) -> m.DocumentCounts:
    return m.DocumentCounts(**_pick(values, f"active.{name}", m.DocumentCounts.model_fields))


def fees(values: Values) -> m.Fees:
    return m.Fees(**_pick(values, "active.fees", m.Fees.model_fields))


def procurement(values: Values) -> m.Procurement:
    return m.Procurement(**_pick(values, "active.procurement", m.Procurement.model_fields))


def permits(values: Values) -> dict:
    return {name: _items(values, name) for name in ("permit", "other_services", "penalty", "enforcement")}


def active(values: Values) -> dict:
    return {
        "rules": _docs(values, "rules"),
        "normative_docs": _docs(values, "normative_docs"),
        **permits(values),
        "fees": fees(values),
        "procurement": procurement(values),
    }


# per template, the section 三 rows no other template has (2021: the three rows under (六))
_OWN_ROWS = {
    tpl.name: tuple(r.key for r in tpl.rows
                    if not any(r.key in o.row_keys() for o in TEMPLATES.values() if o is not tpl))
    for tpl in TEMPLATES.values()
}


def _template(template: str | None, values: Values) -> Template:
    """The template whose section 三 rows a report's view lists: its own; with none known,
    the newest one whose own rows the figures have, else the oldest."""
    if template in TEMPLATES:
        return TEMPLATES[template]  # type: ignore[index]
    if template is None:
        for tpl in reversed(TEMPLATES.values()):
            if any(f"applications.{k}.{c.key}" in values for k in _OWN_ROWS[tpl.name] for c in tpl.columns):
                return tpl
    return next(iter(TEMPLATES.values()))


def application_rows(template: str | None, values: Values) -> list[tuple[str, str, str | None]]:
    """(key, label, group) of every section 三 row and group of the report's template, in
    the template's order; a group comes before its rows. (六) is one row in 2019 and a group
    of three in 2021; with no template known, the reported figures decide."""
    out: list[tuple[str, str, str | None]] = []
    for entry in _template(template, values).applications:
        if isinstance(entry, AppGroup):
            out.append((entry.key, entry.label, entry.key))
            out.extend((r.key, r.label, r.group) for r in entry.rows)
        else:
            out.append((entry.key, entry.label, entry.group))
    return out


def applications(template: str | None, values: Values) -> dict:
    columns = _template(template, values).columns
    rows = [
        m.ApplicationRow(
            key=key, label=label, group=group,
            values=m.ApplicationValues(**{c.key: values.get(f"applications.{key}.{c.key}") for c in columns}),
        )
        for key, label, group in application_rows(template, values)
    ]
    return {
        "columns": [m.ApplicationColumn(key=c.key, label=c.label) for c in columns],
        "rows": rows,
        "channels": m.ApplicationChannels(**_pick(values, "applications_channel", m.ApplicationChannels.model_fields)),
    }


def review_litigation(values: Values) -> dict:
    return {
        kind: m.Outcomes(**_pick(values, f"review_litigation.{kind}", m.Outcomes.model_fields))
        for kind in (k.key for k in REVIEW.kinds)
    }


def _own_fields(view: type[m.SectionView]) -> list[str]:
    return [f for f in view.model_fields if f not in m.SectionView.model_fields]


def media_accounts(values: Values) -> dict:
    return _pick(values, "media.accounts", _own_fields(m.MediaAccountsView))


def publishing(values: Values) -> dict:
    return _pick(values, "publishing", _own_fields(m.PublishingView))
