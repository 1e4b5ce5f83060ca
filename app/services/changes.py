"""The report change sequence: what GET /changes lists and what ETags of bulk answers stamp.

Every ORM insert or update of a report row takes the next number of the sequence
(report.change_seq) and a fresh updated_at, through the listeners in app/models.py; a
write that replaces only a report's figures, findings or text — not the report row — calls
`touch_report` so that pollers see it. Core-level `update(Report)` statements bypass the
listeners: use the ORM, or `touch_report` after them.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from itertools import chain, islice
from typing import Any

from sqlalchemy import Column, ColumnElement, Select, func
from sqlmodel import select
from sqlalchemy.sql.visitors import replacement_traverse
from sqlmodel import Session

from app.models import RemovedReport, Report, next_change_seq, utcnow


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
    revised, re-parsed or removed (a removal takes a number too: removed_report.change_seq);
    the stamp behind ETags of streamed (bulk) answers."""
    seq, count = session.exec(select(func.coalesce(func.max(Report.change_seq), 0), func.count(Report.id))).one()
    removed = session.scalar(select(func.coalesce(func.max(RemovedReport.change_seq), 0))) or 0
    return max(int(seq), int(removed)), int(count)


# the report columns a removed report keeps (those the report filters of GET /changes read)
_KEPT = ("body_id", "status", "template", "year", "agency", "region_code", "level", "published_at", "deadline",
         "checks_failing", "checks_holding", "checks_unknown", "copied_from_previous")


def tombstone(session: Session, report: Report, reason: str, *, merged_into: int | None = None,
              by: str | None = None) -> RemovedReport:
    """The removed_report row of `report` (call before deleting it), with the next number of
    the change sequence: GET /changes lists the removal there."""
    row = RemovedReport(id=report.id, change_seq=next_change_seq(session.connection()), reason=reason,
                        merged_into=merged_into, removed_by=by, **{k: getattr(report, k) for k in _KEPT})
    session.add(row)
    session.flush()
    return row


# ----- GET /changes: the reports changed and the reports removed, in one change sequence

_REPORT_TABLE = Report.__table__  # type: ignore[attr-defined]
_REMOVED_TABLE = RemovedReport.__table__  # type: ignore[attr-defined]


def _on_removed(element: Any) -> Any:
    if isinstance(element, Column) and element.table is _REPORT_TABLE:
        return _REMOVED_TABLE.c[element.name]
    return None


def removed_stmt(conditions: list[ColumnElement[bool]]) -> Select:
    """The removed reports matching these conditions on the report table (a ReportFilter's),
    read on the columns they kept (_KEPT: every column a report filter reads)."""
    swapped = [replacement_traverse(c, {}, _on_removed) for c in conditions]
    return select(RemovedReport).where(*swapped)


def by_change_seq(*streams: Iterator[list[Any]], limit: int | None, batch: int = 1000) -> Iterator[list[Any]]:
    """Batches of rows from several batch streams, each in change_seq order, merged into one
    change_seq order (at most `limit` rows)."""
    rows = heapq.merge(*(chain.from_iterable(s) for s in streams), key=lambda r: r.change_seq)
    if limit is not None:
        rows = islice(rows, limit)
    while chunk := list(islice(rows, batch)):
        yield chunk


def first_changes(pages: list[tuple[list[Any], bool]], limit: int) -> tuple[list[Any], bool]:
    """The first `limit` rows of several pages in change_seq order (each page's rows in that
    order, and whether more follow it): the rows, and whether more follow them."""
    rows = sorted((r for page, _ in pages for r in page), key=lambda r: r.change_seq)
    more = len(rows) > limit or any(more for _, more in pages)
    return rows[:limit], more
