"""Year over year: the same body's report for the year before, and the change key by key."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from app.models import FigureRow, Report
from app.services.present import emit_value, rounded



def previous_report(session: Session, report: Report) -> Report | None:
    """The same body's report for the year before: same agency, same region (both unknown
    counts as the same), year − 1; the newest such report (highest id) if there are
    several, a failed parse only when nothing better exists."""
    if report.year is None or not report.agency:
        return None
    region = Report.region_code.is_(None) if report.region_code is None else Report.region_code == report.region_code
    stmt = (select(Report)
            .where(Report.agency == report.agency, Report.year == report.year - 1, region, Report.id != report.id)
            .order_by((Report.status == "failed").asc(), Report.id.desc())
            .limit(1))
    return session.exec(stmt).first()


def compare(session: Session, report: Report, other: Report, prefix: str | None = None) -> list[dict[str, Any]]:
    """Per key (this report's keys in their order, then the other's own): both values and
    the change (this − other), with the change in percent of the other's value."""
    def values(r: Report) -> dict[str, tuple[float, str]]:
        stmt = select(FigureRow.key, FigureRow.value, FigureRow.unit).where(FigureRow.report_id == r.id)
        if prefix:
            stmt = stmt.where(FigureRow.key.startswith(prefix, autoescape=True))
        return {k: (v, u) for k, v, u in session.exec(stmt.order_by(FigureRow.id))}

    mine, theirs = values(report), values(other)
    out = []
    for key in [*mine, *(k for k in theirs if k not in mine)]:
        a, b = mine.get(key), theirs.get(key)
        change = a[0] - b[0] if a and b else None
        out.append({
            "key": key,
            "unit": (a or b)[1],  # type: ignore[index]
            "value": emit_value(key, a[0]) if a else None,
            "other_value": emit_value(key, b[0]) if b else None,
            "change": rounded(key, change),
            "change_pct": round(change / b[0] * 100, 2) + 0.0 if change is not None and b and b[0] else None,
        })
    return out
