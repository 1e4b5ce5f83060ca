"""Group commit: reports parsed by concurrent requests are written together.

Every commit costs the same whatever it holds (SQLite writes each index page it touched —
a report's ~230 figure keys touch ~230 pages of the key index — and PostgreSQL flushes its
WAL), and only one writer runs at a time anyway. So a request hands its parse to the
worker's one writer and waits: the writer stores everything waiting as one transaction
(app.services.ingest.store_many) in a worker thread, and meanwhile newer parses queue up for
the next. An idle server writes one report at once, as before; under load the commits are
shared. If a batch fails (a value the database refuses, a lost race), its items are stored
one by one, so that each request gets its own answer or error.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import anyio.to_thread

from app.db import Database
from app.parsing import ParsedReport
from app.services.ingest import IngestResult, store, store_many

MAX_BATCH = 32


@dataclass
class BatchWriter:
    database: Database  # its engine at each write (a disposed engine is made anew)
    max_batch: int = MAX_BATCH
    _waiting: list[tuple[tuple, asyncio.Future]] = field(default_factory=list)
    _task: asyncio.Task | None = None

    async def store(self, data: bytes, parsed: ParsedReport, source_url: str | None = None,
                    document_fields: dict | None = None) -> IngestResult:
        future = asyncio.get_running_loop().create_future()
        self._waiting.append(((data, parsed, source_url, document_fields), future))
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._drain())
        return await asyncio.shield(future)  # a client that goes away does not cancel the write

    async def _drain(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting[:self.max_batch], self._waiting[self.max_batch:]
            items = [item for item, _ in batch]
            try:
                results = await anyio.to_thread.run_sync(self._write, items)
            except BaseException as exc:  # noqa: BLE001 - handed to each waiting request
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                if not isinstance(exc, Exception):
                    raise
                continue
            for (_, future), result in zip(batch, results):
                if future.done():
                    continue
                if isinstance(result, BaseException):
                    future.set_exception(result)
                else:
                    future.set_result(result)

    def _write(self, items: list[tuple]) -> list[IngestResult | BaseException]:
        if len(items) > 1:
            try:
                return list(store_many(self.database.engine, items))
            except Exception:  # noqa: BLE001 - one item may be at fault: each on its own below
                pass
        out: list[IngestResult | BaseException] = []
        for data, parsed, source_url, fields in items:
            try:
                out.append(store(self.database.engine, data, parsed, source_url or parsed.source_url, document_fields=fields))
            except Exception as exc:  # noqa: BLE001 - that request's error
                out.append(exc)
        return out
