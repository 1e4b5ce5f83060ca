"""The template's three tables, read in turn: section 二 (active), 三 (applications) and 四
(review_litigation), each by its own reader; their figures and findings in that order. With
no template known, no table is read and the report says why (unknown_template)."""

from __future__ import annotations

from dataclasses import dataclass

from app.parsing.active import read_active
from app.parsing.applications import read_applications
from app.parsing.findings import Code, finding
from app.parsing.grid import Grid
from app.parsing.infer import NeighbourYears
from app.parsing.model import Figure, Finding
from app.parsing.review import read_review
from app.parsing.templates import TEMPLATES, Template


@dataclass(slots=True)
class Tables:
    figures: dict[str, Figure]  # by key, in the order read
    findings: list[Finding]


def read_tables(grid: Grid, template: Template | None, hints: dict[str, int | float],
                years: NeighbourYears | None = None) -> Tables:
    """`hints`: figures the text states (prose.find_hints), which choose among the splits
    of a run-together section 二 row; `years`: the same body's other years, which do too."""
    if template is None:
        return Tables({}, [finding(Code.UNKNOWN_TEMPLATE, "Could not tell which national template the tables "
                                                          f"follow ({' or '.join(TEMPLATES)}).", ("template",))])
    tables = Tables({}, [])
    for reading in (read_active(grid, template, hints, years), read_applications(grid, template, years),
                    read_review(grid, template)):
        tables.figures.update(reading.figures)
        tables.findings.extend(reading.findings)
    return tables
