"""Corrections by people: a figure's value as a person states it, kept apart from the parse.

A correction (table `correction`) names a report, a catalogue key, the value, the reason,
who (the write key's label) and when; DELETE or a newer correction of the same figure
retires it (retired_at, retired_by): nothing is deleted, GET …/corrections is the history.

The figure table is what every read serves (figure endpoints, CSV/NDJSON, section views,
/figures, /stats and its rollup, checks, indicators), so the active corrections are written
into it: `apply_corrections` rewrites a corrected figure's row — value = the correction's,
flags = `corrected`, the parser's value and flags kept beside it in parsed_value and
parsed_flags — and adds a row where the parser read no figure for the key. It first undoes
what it wrote before, so it can be run at any time, and it is run after every write of a
report's figures (app.services.ingest: store, reparse) and of its corrections: corrections
survive a reparse and new documents.

`exact=true` keeps corrected figures: the value is no longer the parser's reading
(`inferred`, `ocr` describe that reading, and stay in parsed_flags) but a person's statement
with a reason, which is what `exact` asks for.

Corrections never recompute the report's findings (its arithmetic checks are of the
document as printed); the cross-year checks and indicators read the corrected figures.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete, func, select as sa_select, update
from sqlmodel import Session, select

from app.models import Correction, FigureRow, Report, utcnow
from app import catalogue
from app.services import quality, rollup
from app.services.changes import touch_report
from app.services.present import emit_value

CORRECTED = "corrected"


class NoCorrection(LookupError):
    """DELETE of a figure that has no active correction."""


def active_corrections(session: Session, report_ids: Iterable[int]) -> dict[tuple[int, str], Correction]:
    ids = list(report_ids)
    if not ids:
        return {}
    rows = session.exec(select(Correction).where(Correction.report_id.in_(ids),  # type: ignore[call-overload]
                                                 Correction.retired_at.is_(None)))
    return {(c.report_id, c.key): c for c in rows}


def apply_corrections(session: Session, report_id: int | Iterable[int]) -> None:
    """Make the figure rows of these reports show their active corrections, in the
    session's transaction: undo the rows corrected before (the parser's value and flags
    back, rows the parser never read removed), then rewrite the rows of every active
    correction (or add one where the parser read no figure). Keeps report.figure_count.
    Call it after every write of a report's figures or corrections, before the rollup is
    told (rollup.add_reports / refresh): the rollup then reads the corrected values."""
    ids = [report_id] if isinstance(report_id, int) else list(report_id)
    if not ids:
        return
    session.flush()  # the ORM's pending writes first (a report's figure_count among them)
    fig = FigureRow.__table__  # type: ignore[attr-defined]
    mine = fig.c.report_id.in_(ids)
    conn = session.connection()
    corrections = active_corrections(session, ids)
    # rows corrected before: the parser's reading back, rows a correction added gone
    conn.execute(update(fig).where(mine, fig.c.parsed_flags.is_not(None))
                 .values(value=fig.c.parsed_value, flags=fig.c.parsed_flags, parsed_value=None, parsed_flags=None))
    added = conn.execute(delete(fig).where(mine, fig.c.flags == CORRECTED, fig.c.parsed_flags.is_(None))).rowcount
    if not corrections and not added:
        return
    cat = catalogue.catalogue()
    inserted = 0
    for (rid, key), c in corrections.items():
        done = conn.execute(
            update(fig).where(fig.c.report_id == rid, fig.c.key == key)
            .values(parsed_value=fig.c.value, parsed_flags=fig.c.flags, value=c.value, flags=CORRECTED)).rowcount
        if not done:  # the parser read no such figure: the person's alone (parsed_value null)
            info = cat.get(key)
            conn.execute(fig.insert().values(report_id=rid, key=key, value=c.value, flags=CORRECTED,
                                             unit=info.unit if info else "", section=info.section if info else "",
                                             note=None, parsed_value=None, parsed_flags=None))
            inserted += 1
    if inserted or added:  # figure_count: the rows served
        for rid in ids:
            count = conn.execute(sa_select(func.count()).select_from(fig).where(fig.c.report_id == rid)).scalar_one()
            conn.execute(update(Report.__table__).where(Report.__table__.c.id == rid)  # type: ignore[attr-defined]
                         .values(figure_count=count))


def correct(session: Session, report: Report, key: str, value: float, reason: str, author: str) -> tuple[Correction, bool]:
    """Store a correction of `key` (a catalogue key) for `report`, retiring the active one
    (if any), and write it into the figures, the rollup and the change sequence. The caller
    commits. Returns the correction and whether it is the figure's first active one."""
    _lock(session, report)
    now = utcnow()
    previous = active_corrections(session, [report.id]).get((report.id, key))  # type: ignore[arg-type]
    if previous is not None:
        previous.retired_at, previous.retired_by = now, author
        session.add(previous)
        session.flush()  # retired before the new one is inserted (one active per key)
    correction = Correction(report_id=report.id, key=key, value=float(value), reason=reason, author=author,
                            created_at=now)
    session.add(correction)
    session.flush()
    _rewrite(session, report, key)
    return correction, previous is None


def retire(session: Session, report: Report, key: str, author: str) -> Correction:
    """Retire the active correction of `key`: the parser's value is served again. NoCorrection
    when there is none. The caller commits."""
    _lock(session, report)
    correction = active_corrections(session, [report.id]).get((report.id, key))  # type: ignore[arg-type]
    if correction is None:
        raise NoCorrection(key)
    correction.retired_at, correction.retired_by = utcnow(), author
    session.add(correction)
    session.flush()
    _rewrite(session, report, key)
    return correction


def _lock(session: Session, report: Report) -> None:
    """One writer of a report's corrections at a time, taken before anything is read: a
    no-op UPDATE of the report row holds its row lock on PostgreSQL and the database's write
    lock on SQLite until the commit (so a concurrent PUT of the same figure waits, then
    replaces this one, rather than failing)."""
    table = Report.__table__  # type: ignore[attr-defined]
    session.connection().execute(update(table).where(table.c.id == report.id)
                                 .values(figure_count=table.c.figure_count))


def _rewrite(session: Session, report: Report, key: str) -> None:
    """The figures, the rollup's rows of `key` and the change sequence after a correction
    of `key` changed (the report's cells do not change: its attributes are the same)."""
    apply_corrections(session, report.id)  # type: ignore[arg-type]
    rollup.refresh_keys(session, [report.id], [key])  # type: ignore[list-item]
    session.refresh(report, ["figure_count"])
    touch_report(session, report)
    quality.refresh_checks(session, [report])  # its check verdicts and its neighbours'


def history(session: Session, report_id: int) -> list[Correction]:
    """Every correction of the report, newest first."""
    return list(session.exec(select(Correction).where(Correction.report_id == report_id)
                             .order_by(Correction.id.desc())))  # type: ignore[attr-defined]


def correction_json(c: Correction) -> dict[str, Any]:
    return {"id": c.id, "report_id": c.report_id, "key": c.key, "value": emit_value(c.key, c.value),
            "reason": c.reason, "by": c.author, "created_at": c.created_at, "active": c.retired_at is None,
            "retired_at": c.retired_at, "retired_by": c.retired_by}


def note_json(c: Correction) -> dict[str, Any]:
    """The `correction` of a corrected figure: who, when, why."""
    at = c.created_at
    return {"by": c.author, "at": at.isoformat() if at.tzinfo else at.isoformat() + "+00:00", "reason": c.reason}


def annotate(session: Session, report_id: int, figures: list[dict[str, Any]]) -> None:
    """Fill the `correction` (who, when, why) of the corrected figures of one report (dicts
    of present.figure_columns_json): one query, only when one is corrected."""
    corrected = [f for f in figures if "correction" in f]
    if not corrected:
        return
    notes = active_corrections(session, [report_id])
    for f in corrected:
        c = notes.get((report_id, f["key"]))
        f["correction"] = note_json(c) if c is not None else None
