"""What a running app holds besides its settings and database: built in the lifespan (on the
event loop that serves), closed at its end. One typed object instead of loose attributes on
app.state: the read gate, the health probe, the ingest and render limiters, the batch writer,
the parse processes, the rendered-page cache, and what is computed once from the app."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import anyio

from app.config import Settings
from app.db import Database, HealthProbe, ReadGate
from app.services.pagerender import PageCache
from app.services.parsepool import ParsePool, default_processes
from app.services.writer import BatchWriter

# At most this many parses + write transactions at once: parsing is CPU under the GIL, and
# the cap keeps writers from taking every pooled connection the inline reads need.
INGEST_CONCURRENCY = 4
RENDERS_AT_ONCE = 2  # PDF pages rendered at once (tens of ms of CPU each, in worker threads)


@dataclass
class Runtime:
    reads: ReadGate  # every database read of a request passes through it
    health: HealthProbe  # /healthz and /readyz, apart from the reads
    writer: BatchWriter  # POST /reports: the parses of many requests written in one commit
    parse_pool: ParsePool  # the parse processes (started on first use)
    pages: PageCache = field(default_factory=PageCache)  # PDF pages rendered as PNG
    migration_head: str | None = None  # the newest migration (GET /readyz), read once
    allowed_methods: list | None = None  # (path pattern, methods) of the spec, for 405 answers
    _ingest: anyio.CapacityLimiter | None = None
    _renders: anyio.CapacityLimiter | None = None

    @classmethod
    def build(cls, settings: Settings, database: Database) -> Runtime:
        slots = database.read_slots or settings.disclosure_read_concurrency
        processes = settings.disclosure_parse_processes
        pool = ParsePool(default_processes() if processes is None else processes,
                         budget=settings.disclosure_parse_budget, timeout=settings.disclosure_parse_timeout)
        return cls(reads=ReadGate(slots, settings.disclosure_queue_timeout), health=HealthProbe(database),
                   writer=BatchWriter(database), parse_pool=pool)

    @property
    def ingest(self) -> anyio.CapacityLimiter:
        """Parses and writes at once (made on first use: a limiter needs the running loop)."""
        if self._ingest is None:
            self._ingest = anyio.CapacityLimiter(INGEST_CONCURRENCY)
        return self._ingest

    @property
    def renders(self) -> anyio.CapacityLimiter:
        if self._renders is None:
            self._renders = anyio.CapacityLimiter(RENDERS_AT_ONCE)
        return self._renders

    def close(self) -> None:
        self.health.close()
        self.parse_pool.close()


def runtime(app: Any) -> Runtime:
    """The app's Runtime (made here, on the running loop, when no lifespan built one: an app
    driven without its lifespan)."""
    built = getattr(app.state, "runtime", None)
    if built is None:
        built = app.state.runtime = Runtime.build(app.state.settings, app.state.db)
    return built
