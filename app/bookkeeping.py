"""Report bookkeeping, kept by listeners on every ORM write: a report's legal deadline and
the divisions its region rolls up to, its place in the change sequence (GET /changes), and
ids that are never given twice (SQLite). app.models registers them on its tables (`register`,
called at its end): this module imports no table, so either may be imported first."""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy import event, inspect as sa_inspect
from sqlalchemy.orm import Session as OrmSession

from app.divisions import group_of


def legal_deadline(year: int | None, level: str | None) -> date | None:
    """The last day to publish the report for `year` (条例 art. 49): departments by 31 January
    of the next year, governments by 31 March; before the 2019 revision 31 March for all."""
    if year is None:
        return None
    if level == "department" and year >= 2019:
        return date(year + 1, 1, 31)
    return date(year + 1, 3, 31)


def next_change_seq(connection) -> int:
    """Take the next number of the change sequence, in the caller's transaction.

    One upsert on the counter row: on PostgreSQL its row lock is held until the writer
    commits, on SQLite the database's write lock is, so numbers are handed out in commit
    order and a poller that has seen N has seen everything below N. (A sequence would
    hand out numbers before commit, out of commit order, and let a poller skip one.) A
    rolled-back writer gives its number back. A missing row (emptied table) restarts from
    the highest number in use, a removal's included (GET /changes lists both)."""
    # one fixed statement, the same on SQLite (3.35+) and PostgreSQL, sent as it is: it runs
    # once per report written, and building and compiling it each time cost more than running it
    return int(connection.exec_driver_sql(_NEXT_CHANGE_SEQ).scalar_one())


_NEXT_CHANGE_SEQ = (
    "INSERT INTO change_counter (id, value) "
    "VALUES (1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM (SELECT MAX(change_seq) AS seq FROM report "
    "UNION ALL SELECT MAX(change_seq) FROM removed_report) AS used)) "
    "ON CONFLICT (id) DO UPDATE SET value = change_counter.value + 1 "
    "RETURNING value"
)


def _roll_up(target: Any) -> None:
    target.province_code = group_of(target.region_code, "province")[0]
    target.city_code = group_of(target.region_code, "city")[0]
    target.county_code = group_of(target.region_code, "county")[0]


def _report_inserting(_mapper, connection, target: Any) -> None:
    target.deadline = legal_deadline(target.year, target.level)
    _roll_up(target)
    if target.change_seq is None:
        target.change_seq = next_change_seq(connection)


def _report_updating(mapper, connection, target: Any) -> None:
    state = sa_inspect(target)
    changed = {a.key for a in mapper.column_attrs if state.attrs[a.key].history.has_changes()}
    if not changed or changed == {"change_seq"}:
        return  # nothing changed, or the caller set the number itself
    target.deadline = legal_deadline(target.year, target.level)
    _roll_up(target)
    if "change_seq" not in changed:
        target.change_seq = next_change_seq(connection)
    if "updated_at" not in changed:
        target.updated_at = datetime.now(timezone.utc)


def _ids_never_reused(session, _context, _instances) -> None:
    """SQLite: a new report or document takes an id above every id one ever had (removed
    ones and aliases included), as PostgreSQL's sequences do: SQLite would give the highest
    id again once its row was deleted, and an id must never name another report or document
    (a client holds /reports/{id}, and a removed id answers 410). The write lock is taken
    first (a write, even of nothing), so that the read sees every id in use and no other
    writer takes one before this transaction ends."""
    Report, Document = _TABLES["report"], _TABLES["document"]
    new = [o for o in session.new if isinstance(o, (Report, Document)) and o.id is None]
    if not new:
        return
    conn = session.connection()
    if conn.dialect.name != "sqlite":
        return
    conn.exec_driver_sql(_TAKE_WRITE_LOCK)  # before the read: no other writer commits between it and the insert
    for kind, top_sql in ((Document, _TOP_DOCUMENT_ID), (Report, _TOP_REPORT_ID)):
        mine = [o for o in new if isinstance(o, kind)]
        if mine:
            top = conn.exec_driver_sql(top_sql).scalar() or 0
            for offset, row in enumerate(mine, 1):
                row.id = top + offset


_TAKE_WRITE_LOCK = "UPDATE change_counter SET value = value WHERE id = 1"
_TOP_REPORT_ID = ("SELECT MAX(m) FROM (SELECT MAX(id) AS m FROM report UNION ALL SELECT MAX(id) FROM removed_report "
                  "UNION ALL SELECT MAX(old_id) FROM report_alias)")
_TOP_DOCUMENT_ID = "SELECT MAX(m) FROM (SELECT MAX(id) AS m FROM document UNION ALL SELECT MAX(id) FROM removed_document)"


_TABLES: dict[str, type] = {}


def register(report: type, document: type) -> None:
    """Keep the report and document tables with these listeners (app.models, once)."""
    if _TABLES:
        return
    _TABLES.update(report=report, document=document)
    event.listen(report, "before_insert", _report_inserting)
    event.listen(report, "before_update", _report_updating)
    event.listen(OrmSession, "before_flush", _ids_never_reused)
