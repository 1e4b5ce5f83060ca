"""What a running app holds besides its settings and database: built in the lifespan (on the
event loop that serves), closed at its end. One typed object instead of loose attributes on
app.state: the read gate, the health probe, the ingest and render limiters, the batch writer,
the parse processes, the rendered-page and answer caches, and what is computed once from the app."""

from __future__ import annotations

import threading
from collections import OrderedDict
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


class AnswerCache:
    """Answers of queries kept under their stamped ETag (app.api.listing.stamp_etag: the
    service version, the path, the query, the format and the data version): while nothing
    changes, the same query from any client is answered from memory. Bounded in bytes,
    least recently used first out."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self.answers: OrderedDict[str, tuple[bytes, str, dict[str, str]]] = OrderedDict()
        self._lock = threading.Lock()  # used from the endpoints' worker threads

    def get(self, etag: str) -> tuple[bytes, str, dict[str, str]] | None:
        with self._lock:
            answer = self.answers.get(etag)
            if answer is not None:
                self.answers.move_to_end(etag)
            return answer

    def put(self, etag: str, body: bytes, media_type: str, headers: dict[str, str]) -> None:
        cost = len(body) + 200
        with self._lock:
            if cost > self.max_bytes // 8 or etag in self.answers:
                return
            self.answers[etag] = (body, media_type, headers)
            self.size += cost
            while self.size > self.max_bytes and self.answers:
                _, (dropped, _, _) = self.answers.popitem(last=False)
                self.size -= len(dropped) + 200


@dataclass
class Runtime:
    reads: ReadGate  # every database read of a request passes through it
    health: HealthProbe  # /healthz and /readyz, apart from the reads
    writer: BatchWriter  # POST /reports: the parses of many requests written in one commit
    parse_pool: ParsePool  # the parse processes (started on first use)
    pages: PageCache = field(default_factory=PageCache)  # PDF pages rendered as PNG
    answers: AnswerCache | None = None  # query answers by ETag (app/api/query.py); None: off
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
        mb = settings.disclosure_view_cache_mb  # answers get a quarter as much again as the views
        return cls(reads=ReadGate(slots, settings.disclosure_queue_timeout), health=HealthProbe(database),
                   writer=BatchWriter(database), parse_pool=pool,
                   answers=AnswerCache(mb * 1024 * 1024 // 4) if mb else None)

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
