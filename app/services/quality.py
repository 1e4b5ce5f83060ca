"""One report's indicators, quality signals and cross-year checks, read from the figure
table at request time: the report's figures and those of its neighbours (the same body's
previous and next year, app/services/neighbours.py), handed to the pure cores
(app/indicators.py, app/crossyear.py). Nothing is stored."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from app import checks, indicators as ind
from app.models import FigureRow, Report, ReportText

Figures = dict[str, tuple[float, tuple[str, ...]]]


def figures_of(session: Session, report_id: int) -> Figures:
    """key → (value, flags) of one report (the figure index serves it)."""
    rows = session.exec(select(FigureRow.key, FigureRow.value, FigureRow.flags).where(FigureRow.report_id == report_id))
    return {k: (v, tuple(f for f in flags.split(",") if f)) for k, v, flags in rows}


def report_indicators(session: Session, report: Report, previous: Report | None) -> list[dict[str, Any]]:
    """Every indicator of the dictionary for this report (null with the reason where it has none)."""
    mine = figures_of(session, report.id)  # type: ignore[arg-type]
    before = figures_of(session, previous.id) if previous is not None else None  # type: ignore[arg-type]
    out = []
    for indicator in ind.INDICATORS:
        if indicator.compares == "previous":
            out.append(ind.evaluate(indicator, mine, before, previous.id if previous is not None else None))
        else:
            out.append(ind.evaluate(indicator, mine))
    return out


def _side(session: Session, report: Report) -> checks.Side:
    return checks.Side(report.id, report.year, report.template, figures_of(session, report.id))  # type: ignore[arg-type]


def _normalized(session: Session, report_id: int) -> str | None:
    return session.exec(select(ReportText.normalized).where(ReportText.report_id == report_id)).first()


def report_checks(session: Session, report: Report, previous: Report | None, following: Report | None) -> dict[str, Any]:
    """The report's cross-year checks against `previous` and `following` (the same body's
    reports of the years around it, or None), and its quality signals."""
    this = _side(session, report)
    prev = _side(session, previous) if previous is not None else None
    nxt = _side(session, following) if following is not None else None
    rows = checks.cross_year(this, prev, nxt)
    copied = checks.copied_from_previous(this, prev, _normalized(session, report.id),  # type: ignore[arg-type]
                                         _normalized(session, previous.id) if previous is not None else None)  # type: ignore[arg-type]
    on_time = (report.published_at <= report.deadline
               if report.published_at is not None and report.deadline is not None else None)
    verdicts = {v: sum(1 for r in rows if r["verdict"] == v) for v in ("holds", "fails", "unknown")}
    return {
        "report_id": report.id, "year": report.year, "template": report.template,
        "previous_report_id": previous.id if previous is not None else None,
        "next_report_id": following.id if following is not None else None,
        "summary": verdicts,
        "checks": rows,
        "signals": {
            "completeness": checks.completeness(report.template, this.figures),
            "timeliness": {"on_time": on_time, "published_at": report.published_at, "deadline": report.deadline},
            "copied_from_previous": copied,
            "jumps": checks.jumps(this, prev),
            "jump_rule": {"factor": checks.JUMP_FACTOR, "floor": checks.JUMP_FLOOR},
        },
    }
