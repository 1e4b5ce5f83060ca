"""Engine, sessions, the gate reads pass through, and migrations. The schema is Alembic's
alone: nothing here creates tables."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import math
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any, TypeVar

import anyio
import anyio.to_thread
from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool
from sqlmodel import Session

from app.config import PACKAGE_DIR


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    # WAL: readers never wait for a writer, so a quick read on the event loop cannot
    # stall behind an ingest that holds the write lock.
    cursor.execute("PRAGMA journal_mode=WAL")
    # NORMAL in WAL mode: a commit is not fsynced itself, the WAL is at each checkpoint. The
    # database stays consistent whatever happens; a power cut (not a crash of the process)
    # may lose the last commits before it. Each commit's fsync was ~8 ms of every ingest.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


# Connections a server worker uses besides its reads: the ingest threads
# (app/api/reports.py INGEST_CONCURRENCY, 4) and the group-commit writer (one).
WRITE_CONNECTIONS = 5
POOL_OVERFLOW = 4  # never needed while the gates hold; a margin, not capacity
POOL_TIMEOUT = 10.0  # a thread (never the event loop) waiting longer for a connection fails


def make_engine(url: str, *, pool_size: int | None = None, pooled: bool = True) -> Engine:
    """An engine for `url`. For a SQLite file, its folder is created first. `pool_size`: that
    many pooled connections (plus POOL_OVERFLOW, POOL_TIMEOUT to wait for one) instead of
    SQLAlchemy's 5 + 10 and 30 s; `pooled=False`: every connection made anew and closed
    when returned (connections held apart, as the health probe's)."""
    parsed = make_url(url)
    kwargs: dict[str, Any] = {}
    if not pooled:
        kwargs["poolclass"] = NullPool
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        on_disk = bool(database) and database != ":memory:" and not database.startswith("file:")
        if on_disk:
            Path(database).parent.mkdir(parents=True, exist_ok=True)
            if pool_size is not None and pooled:
                kwargs.update(pool_size=pool_size, max_overflow=POOL_OVERFLOW, pool_timeout=POOL_TIMEOUT)
        # timeout = SQLite's busy timeout: a second writer waits for the lock, then fails.
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if pool_size is not None and pooled:
        kwargs.update(pool_size=pool_size, max_overflow=POOL_OVERFLOW, pool_timeout=POOL_TIMEOUT)
    return create_engine(url, pool_pre_ping=True, **kwargs)


class Database:
    """The app's engine, made on first use (so building the app, e.g. to print its
    OpenAPI spec, touches no database and creates no folder). `read_slots`: the reads that
    run at once (ReadGate); the pool holds that many connections and WRITE_CONNECTIONS."""

    def __init__(self, url: str, read_slots: int | None = None) -> None:
        self.url = url
        self.read_slots = read_slots
        self._engine: Engine | None = None
        self._direct: Engine | None = None
        self._lock = threading.Lock()
        self._on_dispose: list = []

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            with self._lock:
                if self._engine is None:
                    size = None if self.read_slots is None else self.read_slots + WRITE_CONNECTIONS
                    self._engine = make_engine(self.url, pool_size=size)
        return self._engine

    def session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    @property
    def direct(self) -> Engine:
        """An engine without a pool, for connections held apart (the health probe's, the view
        store's look-ups): each is made anew — never waiting for a pooled one — with the
        engine's settings (SQLite's pragmas), and closed by its holder."""
        if self._direct is None:
            with self._lock:
                if self._direct is None:
                    self._direct = make_engine(self.url, pooled=False)
        return self._direct

    def on_dispose(self, callback) -> None:
        """Call `callback` when the engine is disposed (e.g. to close a connection held apart)."""
        self._on_dispose.append(callback)

    def dispose(self) -> None:
        callbacks, self._on_dispose = self._on_dispose, []
        for callback in callbacks:
            callback()
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None
        if self._direct is not None:
            self._direct.dispose()
            self._direct = None


# ----------------------------------------------------------------------------- the read gate

T = TypeVar("T")


class Overloaded(Exception):
    """No read slot within the wait allowed: the answer is 503 with Retry-After."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"overloaded: retry after {retry_after} s")
        self.retry_after = retry_after


class ReadGate:
    """Every database read of a request goes through here: at most `slots` at once, each in a
    worker thread with its own session, so that the event loop never runs a query nor waits
    for a pooled connection (the pool holds a connection for every slot).

    A request waiting for a slot awaits it (the loop serves others meanwhile) for at most
    `max_wait` seconds, in one of two lines: POINT, reads of one report (bounded by its size:
    milliseconds), served first, and QUERY, lists, exports, statistics (up to a hundred times
    that); in each line in arrival order. So a look at one report does not wait behind the
    heavy queries. A request that would wait longer than allowed — the line ahead of it times
    the recent time a slot is held in each line, over the slots — is refused at once. Refused:
    Overloaded, a 503 whose Retry-After spreads the refused clients' returns over time at the
    rate the slots serve (one per `hold / slots` seconds after the line ahead has drained), so
    that they do not all come back at once; at most MAX_RETRY_AFTER seconds.

    Streamed exports take a slot per batch (`run`), not for the whole stream, so a client
    reading slowly holds no slot and no connection between batches. Used from the event
    loop's thread only (the work itself runs in worker threads)."""

    POINT, QUERY = 0, 1
    MAX_RETRY_AFTER = 15

    def __init__(self, slots: int, max_wait: float) -> None:
        self.slots = slots
        self.max_wait = max_wait
        self.free = slots
        self._lines: tuple[deque[asyncio.Future], deque[asyncio.Future]] = (deque(), deque())
        self._waiting = [0, 0]  # requests waiting in each line and not handed a slot yet
        self._threads = anyio.CapacityLimiter(slots)  # one worker thread per slot held
        self.hold = [0.01, 0.05]  # seconds a slot is held, per line: moving averages
        self.refused = 0
        self._next_return = 0.0  # when the next refused client is told to come back (monotonic)

    @property
    def waiting(self) -> int:
        return self._waiting[0] + self._waiting[1]

    def expected_wait(self, line: int = QUERY) -> float:
        """Seconds a request arriving now in `line` would wait for a slot (0 when one is free):
        the work of the lines ahead of it, and one slot's turn, spread over the slots."""
        if self.free > 0:
            return 0.0
        work = self._waiting[self.POINT] * self.hold[self.POINT]
        if line == self.QUERY:
            work += self._waiting[self.QUERY] * self.hold[self.QUERY]
        return (work + self.hold[line]) / self.slots

    def _refuse(self, expected: float, line: int) -> Overloaded:
        self.refused += 1
        now = time.monotonic()
        latest = now + self.MAX_RETRY_AFTER
        self._next_return = min(max(self._next_return, now + expected) + self.hold[line] / self.slots, latest)
        return Overloaded(max(1, math.ceil(self._next_return - now)))

    async def _acquire(self, line: int, limit: float, queue: bool) -> None:
        if self.free > 0:  # then nobody waits: a released slot goes to a waiter before it is free
            self.free -= 1
            return
        expected = self.expected_wait(line)
        if expected > limit and not queue:
            raise self._refuse(expected, line)
        waiter = asyncio.get_running_loop().create_future()
        self._lines[line].append(waiter)
        self._waiting[line] += 1
        try:
            async with asyncio.timeout(limit):
                await waiter
        except TimeoutError:
            if waiter.done() and not waiter.cancelled():
                return  # the slot came as the time ran out: it is ours
            raise self._refuse(self.expected_wait(line), line) from None
        except BaseException:  # cancelled (the client went away): a slot handed over meanwhile goes on
            if waiter.done() and not waiter.cancelled():
                self._release()
            raise
        finally:
            if not waiter.done():
                waiter.cancel()  # _release skips it
            if waiter.cancelled():  # never handed a slot (a handed one was counted off by _release)
                self._waiting[line] -= 1

    def _release(self) -> None:
        for index, line in enumerate(self._lines):
            while line:
                waiter = line.popleft()
                if not waiter.done():
                    waiter.set_result(None)  # the slot passes to it
                    self._waiting[index] -= 1
                    return
        self.free += 1

    @contextlib.asynccontextmanager
    async def slot(self, max_wait: float | None = None, *, line: int = QUERY,
                   queue: bool = False) -> AsyncIterator[None]:
        """Hold a slot for the block (the caller's own thread work runs inside it). `queue`: wait
        in line even when the wait is expected to be longer than allowed (work already started,
        such as the next batch of a stream, is not refused for the length of the line)."""
        await self._acquire(line, self.max_wait if max_wait is None else max_wait, queue)
        started = time.monotonic()
        try:
            yield
        finally:
            self._release()
            self.hold[line] += (time.monotonic() - started - self.hold[line]) * 0.1

    async def thread(self, fn: Callable[..., T], *args: Any) -> T:
        """`fn(*args)` in a worker thread, for a caller holding a slot."""
        return await anyio.to_thread.run_sync(fn, *args, limiter=self._threads)

    async def run(self, fn: Callable[..., T], *args: Any, max_wait: float | None = None, queue: bool = False) -> T:
        """`fn(*args)` in a worker thread once a slot is free (Overloaded if none comes in time)."""
        async with self.slot(max_wait, queue=queue):
            return await self.thread(fn, *args)


# ----------------------------------------------------------------------------- the health probe


class HealthProbe:
    """/healthz and /readyz: a connection of their own (outside the pool and the read gate, so
    never queued behind reads), used by one check at a time in a worker thread, each check
    bounded by `timeout`: a database that does not answer in time is reported unavailable
    (TimeoutError), and a check stuck in the driver holds no other check up."""

    def __init__(self, database: Database, timeout: float = 1.0) -> None:
        self.database = database
        self.timeout = timeout
        self._conn: Connection | None = None
        self._lock = threading.Lock()  # the connection: one check at a time
        self._threads = anyio.CapacityLimiter(4)

    def _run(self, check: Callable[[Connection], T], locked: bool = False) -> T:
        if not locked and not self._lock.acquire(timeout=self.timeout):
            raise TimeoutError("an earlier check still holds the connection")
        try:
            for attempt in (1, 2):  # a connection that broke since the last check: once more on a new one
                try:
                    if self._conn is None:
                        self._conn = self.database.direct.connect()
                    result = check(self._conn)
                    self._conn.rollback()  # no transaction left open between checks
                    return result
                except Exception:
                    self._close()
                    if attempt == 2:
                        raise
            raise AssertionError("unreachable")
        finally:
            self._lock.release()

    async def check(self, check: Callable[[Connection], T], *, inline: bool = False) -> T:
        """`check(connection)` in a thread, within `timeout` seconds. `inline`: on the loop
        instead, for a check that does no I/O (SQLite's SELECT 1: no page of the file is read)
        when no other check holds the connection."""
        if inline and self._lock.acquire(blocking=False):  # never waits on the loop
            return self._run(check, locked=True)
        with anyio.fail_after(self.timeout):
            return await anyio.to_thread.run_sync(self._run, check, abandon_on_cancel=True, limiter=self._threads)

    def _close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.invalidate()
            with contextlib.suppress(Exception):
                conn.close()

    def close(self) -> None:
        if self._lock.acquire(timeout=self.timeout):
            try:
                self._close()
            finally:
                self._lock.release()


def schema_object_filter(dialect: str):
    """An Alembic `include_object` hook for comparing the models with a database of `dialect`:
    what the models declare for another dialect alone (Index(...).ddl_if(dialect=...): e.g. the
    rollup's covering indexes, PostgreSQL only) is left out, as create_all leaves it out."""

    def include(obj, name, type_, reflected, compare_to) -> bool:
        only = getattr(obj, "_ddl_if", None)
        return only is None or only.dialect is None or only.dialect == dialect

    return include


def alembic_config(url: str) -> Config:
    """Alembic's config for `url`, from the alembic.ini of the source checkout (or of the
    working directory, where a non-editable install keeps it, as in the Docker image)."""
    for root in (PACKAGE_DIR.parent, Path.cwd()):
        ini = root / "alembic.ini"
        if ini.is_file():
            break
    else:
        raise RuntimeError("alembic.ini not found beside the app package nor in the working directory")
    cfg = Config(str(ini))
    cfg.set_main_option("script_location", str(root / "migrations"))
    # ConfigParser interpolation: a literal % in a password must be doubled.
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.attributes["configure_logging"] = False  # the caller's logging stays as it is
    return cfg


# pg_advisory_lock key of migrations: several processes starting at once migrate one by one
MIGRATION_LOCK_KEY = 0x64697363  # "disc"


def migrate(url: str, revision: str = "head") -> None:
    """Bring the database at `url` to `revision` (default: the newest). Safe to run from
    several processes at once (e.g. `disclosure serve` started on many machines): they take
    a lock — PostgreSQL's advisory lock, a file lock beside a SQLite file — and each finds the
    schema where the one before left it."""
    engine = make_engine(url)  # creates the SQLite folder if needed
    try:
        if engine.dialect.name == "postgresql":
            with engine.connect() as conn:
                conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
                try:
                    command.upgrade(alembic_config(url), revision)
                finally:
                    conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK_KEY})
                    conn.commit()
            return
        database = make_url(url).database or ""
        if engine.dialect.name == "sqlite" and database and database != ":memory:" and not database.startswith("file:"):
            with open(f"{database}.migrate-lock", "a") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                command.upgrade(alembic_config(url), revision)
            return
        command.upgrade(alembic_config(url), revision)
    finally:
        engine.dispose()
