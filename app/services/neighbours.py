"""The same body's report of another year: the one place that says what "the same body" is.

A body is a row of the body table (its full official name and region code): the report of
the same body_id for year ± 1 (one report per body and year). A report that stands alone
(no body: stored before bodies, or its parse named no region) falls back to the agency name
and region code as the parser read them (both equal; an unknown region matches only an
unknown region).
"""

from __future__ import annotations

from sqlmodel import Session, select

from app.models import Report


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
