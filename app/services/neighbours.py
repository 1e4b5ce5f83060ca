"""The same body's report of another year: the one place that says what "the same body" is.

A body is a row of the body table (its full official name and region code): the report of
the same body_id for year ± 1 (one report per body and year). A report that stands alone
(no body: stored before bodies, or its parse named no region) falls back to the agency name
and region code as the parser read them (both equal; an unknown region matches only an
unknown region).
"""

from __future__ import annotations

from sqlmodel import Session, select

from app.models import FigureRow, Report
from app.parsing import NeighbourYears


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
