"""Report views served from memory.

A report's views (GET /reports/{id}, as JSON or as the report page, …/figures, …/findings,
…/text, the section views and …/view)
change only when the report does, and every change of a report takes the next number of the
change sequence (report.change_seq, app/services/changes.py). So each view is kept, as the
bytes and headers of its 200 answer, under the report's id, the path and the query, and is
valid while the report's change_seq is the one it was made with. A request costs one
indexed look-up of (change_seq, updated_at) by primary key (inline on SQLite, awaited on
PostgreSQL so that the loop serves others during the round trip), and then — when the view is
held — no routing, no query of the figures, no serialisation: the bytes, or a 304 when the
client's If-None-Match holds the view's ETag.

The ETag is the same as the conditional-GET middleware gives any single resource (a SHA-256
of the body), computed once per view. A report that changes between the look-up and the
endpoint's own read is stored under the older number, which is never asked for again once
the change is visible. Each worker process has its own store, bounded in bytes (least
recently used views go first); DISCLOSURE_VIEW_CACHE_MB sets the bound, 0 turns it off.

It sits inside the read-key check (app/api/auth.py) and the conditional-GET and CORS
middleware (which add Cache-Control, Last-Modified and CORS headers to its answers too).
"""

from __future__ import annotations

import asyncio
import hashlib
import re
from datetime import datetime
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, select
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.caching import etag_matches, http_date
from app.api.deps import REPORT_ID_PATTERN
from app.models import Report
from app.web import prefers_html

VIEWS = ("figures", "findings", "text", "active", "permits", "fees", "procurement", "applications",
         "review-litigation", "media-accounts", "publishing", "view")
_PATH = re.compile(r"^/reports/(" + REPORT_ID_PATTERN + r")(?:/(" + "|".join(VIEWS) + r"))?$")
_MAX_ID = 2**31 - 1
_VERSION = select(Report.change_seq, Report.updated_at).where(Report.id == bindparam("id"))


class _VersionLookup:
    """SQLite: (change_seq, updated_at) of a report by id, on a DBAPI connection of its own,
    made outside the engine's pool (Database.direct: so that the loop never waits for a pooled
    connection, and the pool keeps one for every read slot) and kept (in autocommit, so that
    every look-up sees the latest commit): a pool check-out and SQLAlchemy's execution path
    cost more than the query, a primary-key look-up in SQLite's page cache (microseconds).
    Used from the event loop's thread only. A failed connection is dropped and the look-up
    tried once more on a new one."""

    def __init__(self) -> None:
        self.engine = None
        self.raw = None
        self.sql = ""
        self.positional = True

    def _connect(self, engine) -> None:
        compiled = _VERSION.compile(dialect=engine.dialect)
        self.sql, self.positional = str(compiled), bool(compiled.positional)
        raw = engine.raw_connection()
        driver = raw.driver_connection
        if engine.dialect.name == "sqlite":
            driver.isolation_level = None  # autocommit: no transaction left open between look-ups
        else:
            driver.autocommit = True
        self.engine, self.raw = engine, raw

    def version(self, database, report_id: int):
        engine = database.direct
        for attempt in (1, 2):
            if self.raw is None or self.engine is not engine:
                self.close()
                self._connect(engine)
                database.on_dispose(self.close)
            try:
                cursor = self.raw.cursor()
                try:
                    cursor.execute(self.sql, (report_id,) if self.positional else {"id": report_id})
                    row = cursor.fetchone()
                finally:
                    cursor.close()
            except Exception:
                self.close()
                if attempt == 2:
                    raise
                continue
            if row is None:
                return None
            return row  # (change_seq, updated_at)
        return None

    def close(self) -> None:
        """Drop the connection (closed: it belongs to no pool)."""
        if self.raw is not None:
            try:
                self.raw.invalidate()
            except Exception:  # noqa: BLE001 - closing a broken connection
                pass
        self.raw = self.engine = None


class _PostgresLookup:
    """PostgreSQL: the look-up awaited on the event loop, over a few psycopg AsyncConnections
    of its own (autocommit), so that the loop serves other requests during each round trip
    instead of waiting for it (a blocking look-up held the loop ~0.1 ms a request). Look-ups
    asked for while a round trip is under way are answered together by the next one (one
    `id = ANY(…)` query for every report asked meanwhile): under load a round trip takes
    several turns of the busy loop, and one look-up per round trip and connection capped the
    report views served from memory at a few dozen a second. The connections belong to the
    loop that made them; on another loop (or a disposed engine) they are dropped and made
    anew."""

    SIZE = 4  # round trips at once
    SQL = "SELECT id, change_seq, updated_at FROM report WHERE id = ANY(%s)"

    def __init__(self) -> None:
        self.loop: asyncio.AbstractEventLoop | None = None
        self.engine = None
        self.conninfo = ""
        self.idle: list = []
        self.pending: dict[int, list[asyncio.Future]] = {}
        self.running = 0

    async def version(self, database, report_id: int):
        engine = database.engine
        loop = asyncio.get_running_loop()
        if self.loop is not loop or self.engine is not engine:
            self.close()
            self.loop, self.engine = loop, engine
            self.conninfo = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
            database.on_dispose(self.close)
        answer = loop.create_future()
        self.pending.setdefault(report_id, []).append(answer)
        if self.running < self.SIZE:
            self.running += 1
            loop.create_task(self._round_trips(loop))
        return await answer

    async def _round_trips(self, loop: asyncio.AbstractEventLoop) -> None:
        """Answer what is pending, a batch a round trip, until nothing is."""
        import psycopg

        try:
            while self.pending and self.loop is loop:
                batch, self.pending = self.pending, {}
                conn = self.idle.pop() if self.idle else None
                error: BaseException | None = None
                rows: dict[int, tuple] = {}
                for attempt in (1, 2):
                    try:
                        if conn is None or conn.closed:
                            conn = await psycopg.AsyncConnection.connect(self.conninfo, autocommit=True)
                        cursor = await conn.execute(self.SQL, (list(batch),))
                        rows = {row[0]: (row[1], row[2]) for row in await cursor.fetchall()}
                        error = None
                        break
                    except psycopg.Error as exc:
                        _finish(conn)
                        conn, error = None, exc
                if conn is not None:
                    if self.loop is loop:
                        self.idle.append(conn)
                    else:
                        _finish(conn)
                for report_id, answers in batch.items():
                    for answer in answers:
                        if answer.done():
                            continue
                        if error is not None:
                            answer.set_exception(error)
                        else:
                            answer.set_result(rows.get(report_id))
        finally:
            if self.loop is loop:
                self.running -= 1

    def close(self) -> None:
        idle, self.idle = self.idle, []
        for conn in idle:
            _finish(conn)
        self.loop = self.engine = None
        self.pending, self.running = {}, 0  # round trips of the old loop, if any, end on their own


def _finish(conn) -> None:
    """Close a psycopg connection without awaiting (its loop may be gone)."""
    if conn is not None:
        try:
            conn.pgconn.finish()
        except Exception:  # noqa: BLE001
            pass


@dataclass(slots=True)
class View:
    change_seq: int
    validators: list[tuple[bytes, bytes]]  # ETag, Last-Modified
    etag: str
    headers: list[tuple[bytes, bytes]]
    body: bytes


class ReportViewCache:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.size = 0
        self.views: OrderedDict[tuple, View] = OrderedDict()
        self.hits = self.misses = 0
        self._lookup = _VersionLookup()
        self._pg_lookup = _PostgresLookup()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        match = _PATH.match(scope["path"]) if scope["type"] == "http" and scope["method"] == "GET" else None
        if match is None or int(match.group(1)) > _MAX_ID:
            await self.app(scope, receive, send)
            return
        report_id = int(match.group(1))
        database = scope["app"].state.db
        try:
            if database.engine.dialect.name == "postgresql":
                version = await self._pg_lookup.version(database, report_id)
            else:
                version = self._lookup.version(database, report_id)
        except Exception:  # noqa: BLE001 - the database is away: the endpoint answers as it can
            version = None
        if version is None:  # no such report: the endpoint answers the 404
            await self.app(scope, receive, send)
            return
        change_seq, updated_at = version
        # GET /reports/{id} answers a browser the report page (app/api/pages.py): kept apart from the JSON
        page = match.group(2) is None and prefers_html(Headers(scope=scope).get("accept"))
        key = (report_id, scope["path"], scope.get("query_string", b""), scope.get("root_path", ""), page)
        if_none_match = Headers(scope=scope).get("if-none-match")
        view = self.views.get(key)
        if view is not None and view.change_seq == change_seq:
            self.hits += 1
            self.views.move_to_end(key)
            await self._answer(view, if_none_match, send)
            return
        self.misses += 1
        if isinstance(updated_at, str):  # SQLite hands the text back as stored
            updated_at = datetime.fromisoformat(updated_at)
        await self._render(scope, receive, send, key, change_seq, http_date(updated_at).encode(), if_none_match)

    async def _answer(self, view: View, if_none_match: str | None, send: Send) -> None:
        if etag_matches(if_none_match, view.etag):
            await send({"type": "http.response.start", "status": 304, "headers": list(view.validators)})
            await send({"type": "http.response.body", "body": b""})
            return
        await send({"type": "http.response.start", "status": 200,
                    "headers": [*view.headers, *view.validators]})
        await send({"type": "http.response.body", "body": view.body})

    async def _render(self, scope: Scope, receive: Receive, send: Send, key: tuple, change_seq: int,
                      last_modified: bytes, if_none_match: str | None) -> None:
        """Run the endpoint; keep a 200 answer (and answer it, or a 304, as from the store)."""
        start: Message | None = None
        chunks: list[bytes] = []
        passing = False

        async def capture(message: Message) -> None:
            nonlocal start, passing
            if passing or message["type"] not in ("http.response.start", "http.response.body"):
                await send(message)  # e.g. http.response.debug (templates, to the test client) passes through
            elif message["type"] == "http.response.start":
                names = {name.lower() for name, _ in message.get("headers", [])}
                if message["status"] != 200 or b"etag" in names:
                    passing = True
                    await send(message)
                else:
                    start = message
            else:
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    body = b"".join(chunks)
                    assert start is not None
                    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
                    view = View(change_seq, [(b"etag", etag.encode()), (b"last-modified", last_modified)],
                                etag, list(start.get("headers", [])), body)
                    self._keep(key, view)
                    await self._answer(view, if_none_match, send)

        await self.app(scope, receive, capture)

    def _keep(self, key: tuple, view: View) -> None:
        cost = len(view.body) + 200
        if cost > self.max_bytes // 8:  # one view never takes much of the store
            return
        old = self.views.pop(key, None)
        if old is not None:
            self.size -= len(old.body) + 200
        self.views[key] = view
        self.size += cost
        while self.size > self.max_bytes and self.views:
            _, dropped = self.views.popitem(last=False)
            self.size -= len(dropped.body) + 200

    def stats(self) -> dict[str, Any]:
        return {"views": len(self.views), "bytes": self.size, "hits": self.hits, "misses": self.misses}
