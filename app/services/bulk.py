"""Folder imports (`disclosure ingest FOLDER`): files parsed on every core, written in
batches.

The main process reads the files and looks their sha256 up, a batch at a time (bytes
stored already are not parsed again); new bytes are parsed in processes of their own
(app/services/parsepool.py: parsing is pure CPU, so threads would share one core; each parse
bounded by the budget and, past the hard timeout, its process killed and replaced: that file
fails with parse_timeout, the import goes on), a window of files ahead of the writer; the
main process writes the parses in batches of `batch` reports a transaction
(app.services.ingest.store_many); after each batch's commit, its reports and their
neighbour years that the batch's evidence may settle are parsed again
(app/services/evidence.py: files are parsed before the batch is written, without the
same body's other years). Results come back in the order of the files. With
`processes=0` (or fewer files than `pool_from`) files are parsed in the main process, where
only the budget bounds a parse.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from sqlalchemy import Engine

from app.parsing import InputError, ParsedReport
from app.parsing.budget import DEFAULT_SECONDS
from app.services.evidence import settle_neighbours
from app.services.ingest import IngestResult, sha256_hex, store_many, stored_digests, stored_result
from app.services.parsepool import DEFAULT_TIMEOUT, ParseWorkers
from app.services.parseworker import parse_or_error

Outcome = IngestResult | OSError | InputError


def ingest_paths(engine: Engine, paths: Iterable[Path], content_type_of: Callable[[Path], str | None], *,
                 batch: int = 32, processes: int | None = None, pool_from: int = 1,
                 budget: float | None = DEFAULT_SECONDS, timeout: float = DEFAULT_TIMEOUT,
                 ) -> Iterator[tuple[Path, Outcome]]:
    """(path, its stored report or why it failed) for every path, in order."""
    paths = list(paths)
    workers = min(processes if processes is not None else (os.cpu_count() or 1), len(paths))
    pool = ParseWorkers(workers, budget=budget, timeout=timeout) if workers > 0 and len(paths) >= pool_from else None
    # a thread for each process waits for its answer (the processes parse; the threads only wait)
    threads = ThreadPoolExecutor(workers, thread_name_prefix="parse-wait") if pool is not None else None
    run = _FolderImport(engine, content_type_of, batch, budget, pool, threads)
    try:
        for start in range(0, len(paths), batch):
            run.read(paths[start:start + batch])
            while len(run.window) > 2 * batch or (pool is None and run.window):
                yield from run.settle(*run.window.popleft())
        while run.window:
            yield from run.settle(*run.window.popleft())
        yield from run.write()
    finally:
        if threads is not None:
            threads.shutdown(wait=False, cancel_futures=True)
        if pool is not None:
            pool.close()  # (a parse still running ends here: its thread has its answer at once)
        if threads is not None:
            threads.shutdown()


class _FolderImport:
    """One import's state: the window of files read and being parsed, in order, and the parses
    waiting to be written as a batch."""

    def __init__(self, engine: Engine, content_type_of: Callable[[Path], str | None], batch: int,
                 budget: float | None, pool: ParseWorkers | None, threads: ThreadPoolExecutor | None) -> None:
        self.engine, self.content_type_of, self.batch, self.budget = engine, content_type_of, batch, budget
        self.pool, self.threads = pool, threads
        self.window: deque[tuple[Path, bytes | None, Future | ParsedReport | Outcome]] = deque()
        self.pending: list[tuple[Path, bytes, ParsedReport]] = []

    def read(self, paths: list[Path]) -> None:
        """Read a chunk of files, look their digests up at once, and queue each: a failure to
        read, the report stored already, or its parse (started in the pool, or done here)."""
        chunk: list[tuple[Path, bytes | OSError, str]] = []
        for path in paths:
            try:
                data = path.read_bytes()
                chunk.append((path, data, sha256_hex(data)))
            except OSError as exc:
                chunk.append((path, exc, ""))
        known = stored_digests(self.engine, [digest for _, _, digest in chunk if digest])
        for path, data, digest in chunk:
            if isinstance(data, OSError):
                self.window.append((path, None, data))
            elif digest in known and (existing := stored_result(self.engine, digest)) is not None:
                self.window.append((path, None, existing))
            elif self.pool is not None and self.threads is not None:
                self.window.append((path, data, self.threads.submit(self.pool.outcome, data, self.content_type_of(path))))
            else:
                self.window.append((path, data, self._parse_here(data, self.content_type_of(path))))

    def _parse_here(self, data: bytes, content_type: str | None) -> ParsedReport | InputError:
        job = parse_or_error(data, content_type, self.budget)
        return InputError(*job) if isinstance(job, tuple) else job

    def settle(self, path: Path, data: bytes | None, job) -> Iterator[tuple[Path, Outcome]]:
        """The next file in order: written with its batch, or passed on as it is."""
        if isinstance(job, Future):
            job = job.result()
        if isinstance(job, ParsedReport):
            assert data is not None
            self.pending.append((path, data, job))
            if len(self.pending) >= self.batch:
                yield from self.write()
        else:  # stored already, or failed: in order after what is waiting
            yield from self.write()
            yield path, job

    def write(self) -> Iterator[tuple[Path, Outcome]]:
        """Store the waiting parses in one batch, then settle the neighbour years it may change."""
        if self.pending:
            results = store_many(self.engine, [(data, parsed) for _, data, parsed in self.pending])
            settle_neighbours(self.engine, results, own=True, budget=self.budget)  # committed: once a batch
            yield from ((path, result) for (path, _, _), result in zip(self.pending, results))
            self.pending.clear()
