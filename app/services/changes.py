"""The report change sequence: what GET /changes lists and what ETags of bulk answers stamp.

Every ORM insert or update of a report row takes the next number of the sequence
(report.change_seq) and a fresh updated_at, through the listeners in app/models.py; a
write that replaces only a report's figures, findings or text — not the report row — calls
`touch_report` so that pollers see it. Core-level `update(Report)` statements bypass the
listeners: use the ORM, or `touch_report` after them.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlmodel import Session

from app.models import Report, utcnow


def touch_report(session: Session, report: Report) -> int:
    """Mark `report` changed in the session's transaction: a new updated_at (Last-Modified)
    and the next change_seq (GET /changes), both taken at this flush. Returns the new
    change_seq. The number becomes visible to readers when the caller commits."""
    report.updated_at = utcnow()
    session.add(report)
    session.flush()
    assert report.change_seq is not None
    return report.change_seq


def data_version(session: Session) -> tuple[int, int]:
    """(highest change_seq, number of reports): changes whenever any report is created,
    revised, re-parsed or deleted; the stamp behind ETags of streamed (bulk) answers.
    Two subqueries, not one scan computing both: the highest change_seq is then read off its
    index's end, and count(*) from the smallest index; together in one scan, PostgreSQL read
    every report row for both (8 ms at 20,000 reports, on each request that stamps an ETag)."""
    highest = select(func.max(Report.change_seq)).scalar_subquery()
    reports = select(func.count()).select_from(Report).scalar_subquery()
    seq, count = session.exec(select(func.coalesce(highest, 0), reports)).one()
    return int(seq), int(count)
