"""The same body's report of another year: the one place that says what "the same body" is.

A body is a row of the body table (its full official name and region code): the report of
the same body_id for year ± 1 (one report per body and year). A report that stands alone
(no body: stored before bodies, or its parse named no region) falls back to the agency name
and region code as the parser read them (both equal; an unknown region matches only an
unknown region).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Engine
from sqlmodel import Session, select

from app.models import FigureRow, Report
from app.parsing import NeighbourYears, ParsedReport

# the findings of a run-together row that the body's other years may settle (or overturn)
EVIDENCE_CODES = frozenset({"ambiguous_split", "inferred_split"})


def wants_neighbours(codes: Iterable[str]) -> bool:
    """Whether a parse with findings of these codes is to be read (again) with the same body's
    other years: the one rule for a parse in hand (ingest(), POST /reports) and for a stored
    report when a neighbour arrives (app/services/evidence.py).

    An `ambiguous_split` row is left out: the years may single one split out. An
    `inferred_split` counts too, whatever chose it: the cross-year identities come before
    the prose and the priors in app.parsing.infer.choose (an identity is arithmetic, a
    prior a rate: the priors rank a year that repealed more than it issued wrong by ×13,
    app/parsing/infer.py), so a
    priors-chosen split may be overturned and a prose-narrowed one narrowed further; the
    finding's message is prose, no field says which evidence chose. The cost is one more parse
    of the few reports with a run-together row, and only when a neighbour year is stored."""
    return any(code in EVIDENCE_CODES for code in codes)


def neighbour(session: Session, report: Report, delta: int) -> Report | None:
    """The same body's report for `report.year + delta` (−1: the year before, +1: after),
    parsed (status not failed); the newest such report (highest id) if there are several.
    None when the report's year or body is unknown. One indexed lookup (uq_report_body_year,
    or ix_report_agency_year without a body)."""
    if report.year is None:
        return None
    if report.body_id is not None:
        same = Report.body_id == report.body_id
    elif report.agency:
        region = Report.region_code.is_(None) if report.region_code is None else Report.region_code == report.region_code
        same = Report.agency == report.agency
        same = same & region
    else:
        return None
    stmt = (select(Report)
            .where(same, Report.year == report.year + delta, Report.id != report.id, Report.status != "failed")
            .order_by(Report.id.desc())
            .limit(1))
    return session.exec(stmt).first()


def neighbour_context(session: Session, report: Report) -> NeighbourYears | None:
    """The same body's stored figures of the years before and after `report`'s (its inferred
    figures left out: evidence is what a report read), for the parser's choice among the
    splits of a run-together row (app.parsing.NeighbourYears); None when neither is stored."""
    years = [neighbour(session, report, delta) for delta in (-1, 1)]
    if not any(years):
        return None

    def figures(other: Report | None) -> dict[str, float] | None:
        if other is None:
            return None
        rows = session.exec(select(FigureRow.key, FigureRow.value, FigureRow.flags)
                            .where(FigureRow.report_id == other.id))
        return {key: value for key, value, flags in rows if "inferred" not in flags.split(",")}

    return NeighbourYears(previous=figures(years[0]), next=figures(years[1]))


def context_for(engine: Engine, parsed: ParsedReport) -> NeighbourYears | None:
    """The neighbour context of a parse not stored yet (its agency, region code and year as
    read): one short read session. Blocking: from a worker thread in async code."""
    with Session(engine) as session:
        return neighbour_context(session, Report(agency=parsed.agency, year=parsed.year,
                                                 region_code=parsed.region_code))
