"""Engine, sessions and migrations. The schema is Alembic's alone: nothing here creates tables."""

from __future__ import annotations

import fcntl
import threading
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
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


def make_engine(url: str) -> Engine:
    """An engine for `url`. For a SQLite file, its folder is created first."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        # timeout = SQLite's busy timeout: a second writer waits for the lock, then fails.
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


class Database:
    """The app's engine, made on first use (so building the app, e.g. to print its
    OpenAPI spec, touches no database and creates no folder)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._engine: Engine | None = None
        self._lock = threading.Lock()
        self._on_dispose: list = []

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            with self._lock:
                if self._engine is None:
                    self._engine = make_engine(self.url)
        return self._engine

    def session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

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
