"""One report's indicators, quality signals and cross-year checks, read from the figure
table at request time: the report's figures and those of its neighbours (the same body's
previous and next year, app/services/neighbours.py), handed to the pure cores
(app/indicators.py, app/checks.py). The counts of each report's check verdicts and its
copied_from_previous are also stored on the report, for filtering (below)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, select

from app import checks, indicators as ind
from app.models import FigureRow, Report, ReportText
from app.services.neighbours import neighbour

Figures = dict[str, tuple[float, tuple[str, ...]]]


# one statement made once: built per call, its construction and cache key cost more than the
# indexed read itself (it runs for a report and its neighbours at every ingest)
_FIGURES_OF = select(FigureRow.key, FigureRow.value, FigureRow.flags).where(FigureRow.report_id == bindparam("rid"))
_NO_FLAGS: tuple[str, ...] = ()


def figures_of(session: Session, report_id: int) -> Figures:
    """key → (value, flags) of one report (the figure index serves it)."""
    rows = session.connection().execute(_FIGURES_OF, {"rid": report_id})
    return {k: (v, tuple(flags.split(",")) if flags else _NO_FLAGS) for k, v, flags in rows}


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


# ----------------------------------------------------------------------------- stored verdicts
#
# Each report keeps the counts of its check verdicts and its copied_from_previous value
# (report.checks_failing, checks_holding, checks_unknown, copied_from_previous), so that
# /reports?checks=fails and ?copied=true are a WHERE on the report table. They depend on the
# neighbours too: whenever a report's figures are written, its own and its neighbours' are
# computed again in the same transaction (`refresh_checks`); a change bumps the report's
# change_seq, so /changes and ETags carry it.


def _summary(session: Session, report: Report, cache: dict[int, checks.Side], texts: dict[int, str | None],
             neighbours: dict[tuple[int, int], Report | None]) -> tuple[int, int, int, bool | None]:
    def side(r: Report) -> checks.Side:
        if r.id not in cache:
            cache[r.id] = _side(session, r)  # type: ignore[index]
        return cache[r.id]  # type: ignore[index]

    def text(r: Report) -> str | None:
        if r.id not in texts:
            texts[r.id] = _normalized(session, r.id)  # type: ignore[index, arg-type]
        return texts[r.id]  # type: ignore[index]

    prev, nxt = (_neighbour(session, report, d, neighbours) for d in (-1, 1))
    this = side(report)
    before = side(prev) if prev is not None else None
    rows = checks.cross_year(this, before, side(nxt) if nxt is not None else None)
    copied = None
    if before is not None:  # the prose is read only when every figure is the previous year's
        copied = (checks.copied_from_previous(this, before, text(report), text(prev))["value"]  # type: ignore[arg-type]
                  if checks.same_figures(this, before) else False)
    counts = {v: sum(1 for r in rows if r["verdict"] == v) for v in ("fails", "holds", "unknown")}
    return counts["fails"], counts["holds"], counts["unknown"], copied


def _neighbour(session: Session, report: Report, delta: int,
               found: dict[tuple[int, int], Report | None]) -> Report | None:
    key = (report.id, delta)  # type: ignore[assignment]
    if key not in found:
        other = found[key] = neighbour(session, report, delta)  # type: ignore[index]
        if other is not None and report.body_id is not None:  # one report a body and year: symmetric
            found.setdefault((other.id, -delta), report)  # type: ignore[arg-type]
    return found[key]  # type: ignore[index]


def refresh_checks(session: Session, reports: list[Report], *, inserted: bool = False) -> None:
    """Compute again the stored verdicts of these reports (just written in this transaction)
    and of their neighbours, whose checks against them have changed. Only reports whose values
    differ are updated, and so move in the change feed. `inserted`: the reports were inserted
    in this transaction, their place in the change sequence is new already: their own values
    are written in place (an ORM update would make them look updated, not created)."""
    session.flush()
    with session.no_autoflush:
        _refresh(session, reports, inserted)
    session.flush()


def _refresh(session: Session, reports: list[Report], inserted: bool) -> None:
    cache: dict[int, checks.Side] = {}
    texts: dict[int, str | None] = {}
    found: dict[tuple[int, int], Report | None] = {}
    affected: dict[int, Report] = {}
    for report in reports:
        affected[report.id] = report  # type: ignore[index]
        for delta in (-1, 1):
            other = _neighbour(session, report, delta, found)
            if other is not None:
                affected.setdefault(other.id, other)  # type: ignore[arg-type]
    fresh = {r.id for r in reports} if inserted else set()
    for report in affected.values():
        values = dict(zip(_STORED, _summary(session, report, cache, texts, found)))
        if all(getattr(report, k) == v for k, v in values.items()):
            continue
        if report.id in fresh:
            session.connection().execute(update(Report).where(Report.id == report.id).values(**values))
            for k, v in values.items():
                set_committed_value(report, k, v)
        else:
            for k, v in values.items():
                setattr(report, k, v)
            session.add(report)


_STORED = ("checks_failing", "checks_holding", "checks_unknown", "copied_from_previous")


FILL_BATCH = 200


def fill_missing_checks(engine) -> int:
    """Compute the stored verdicts of every report that has none (those stored before the
    verdicts were: migration 0012 adds the columns empty); `disclosure migrate` and `serve`
    run it after migrating. In batches of FILL_BATCH, one transaction each. Returns how many
    reports were filled."""
    done = 0
    while True:
        with Session(engine, expire_on_commit=False) as session:
            batch = list(session.exec(select(Report).where(Report.checks_failing.is_(None))  # type: ignore[union-attr]
                                      .order_by(Report.id).limit(FILL_BATCH)))
            if not batch:
                return done
            refresh_checks(session, batch)
            session.commit()
            done += len(batch)
