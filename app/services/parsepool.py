"""Parsing in processes of its own, beside the server's event loop, each parse bounded: the
server's side (the pool, its processes, the hard timeout, the fall back to a thread). What runs
inside a parse process is app/services/parseworker.py; why it is built this way (processes
from a forkserver, the two time bounds, dying with the server, a broken pool) is
docs/parse-processes.md.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import multiprocessing
import multiprocessing.forkserver
import os
import queue
import threading
import time

import anyio.to_thread

from app.parsing import InputError, NeighbourYears, ParsedReport
from app.parsing.budget import DEFAULT_SECONDS
from app.services.convert import parse_upload
from app.services.parseworker import OWNER_VARIABLE, READY, Crash, Longer, serve

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 30.0  # seconds: a parse process past this is killed (DISCLOSURE_PARSE_TIMEOUT)


class ParseTimeout(InputError):
    """A parse ran past the hard timeout: its process was killed; nothing was read."""

    def __init__(self, seconds: float) -> None:
        super().__init__("parse_timeout",
                         f"The document could not be parsed within {seconds:g} s: parsing it was stopped and "
                         "nothing was stored. It may be too large or too irregular to read.")


class PoolBroken(Exception):
    """A parse process died on its own (not on a timeout)."""


def default_processes() -> int:
    """One parse process when the machine has a second core, else none (parse in a thread)."""
    return 1 if (os.cpu_count() or 1) >= 2 else 0


# ----------------------------------------------------------------------------- the processes

# how long a new process may take to say it is ready (forked from the forkserver it takes
# milliseconds; the forkserver's own start imports the parser, about a second on a quiet machine)
START_TIMEOUT = 60.0


class _Starter(threading.Thread):
    """Starts the forkserver (one per server process, shared by every pool in it), so that
    its parent thread is this one, which lives as long as the process."""

    def __init__(self) -> None:
        super().__init__(name="parse-forkserver", daemon=True)
        self._asks: queue.SimpleQueue[tuple[threading.Event, list[BaseException]]] = queue.SimpleQueue()

    def run(self) -> None:
        while True:
            done, errors = self._asks.get()
            try:
                os.environ[OWNER_VARIABLE] = str(os.getpid())
                multiprocessing.forkserver.ensure_running()
            except BaseException as exc:  # told to the one who asked
                errors.append(exc)
            done.set()

    def ensure_running(self) -> None:
        done, errors = threading.Event(), []
        self._asks.put((done, errors))
        done.wait()
        if errors:
            raise errors[0]


_starter: _Starter | None = None
_starter_lock = threading.Lock()


def _ensure_forkserver() -> None:
    global _starter
    with _starter_lock:
        if _starter is None:
            _starter = _Starter()
            _starter.start()
    _starter.ensure_running()


class _Process:
    """One parse process and the pipe to it."""

    def __init__(self, context, owner: int) -> None:
        ours, theirs = context.Pipe()
        self.process = context.Process(target=serve, args=(theirs, owner), name="disclosure-parse", daemon=True)
        self.process.start()
        theirs.close()
        self.conn = ours
        self.ready = False

    def _wait_ready(self) -> None:
        """Its start is not the document's time: wait (bounded) for its first message before the
        parse's timeout starts, so that a busy machine or a forkserver still importing the parser
        never counts against a document."""
        if self.ready:
            return
        if not self.conn.poll(START_TIMEOUT) or self.conn.recv() != READY:
            raise EOFError("the parse process did not start")
        self.ready = True

    def run(self, job: tuple, timeout: float):
        """The answer to `job`. Raises ParseTimeout (the process killed) or PoolBroken. A
        parse that reads pages by OCR is given the OCR budget it announces on top of
        `timeout`, once."""
        try:
            self._wait_ready()
            self.conn.send(job)
            allowed = timeout
            deadline = time.monotonic() + timeout
            longer = False
            while True:
                if not self.conn.poll(max(deadline - time.monotonic(), 0.0)):
                    self.kill()
                    raise ParseTimeout(allowed)
                answer = self.conn.recv()
                if not isinstance(answer, Longer):
                    return answer
                if not longer:
                    longer = True
                    allowed += float(answer.seconds)
                    deadline += float(answer.seconds)
        except (EOFError, OSError) as exc:  # it died (BrokenPipeError is an OSError)
            self.kill()
            raise PoolBroken(f"parse process {self.process.pid} died") from exc

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)
        self.conn.close()

    def stop(self) -> None:
        """Let it end on its own (the pipe closed), killed if it does not at once."""
        self.conn.close()
        self.process.join(2)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(5)


class ParseWorkers:
    """`processes` parse processes (started as parses need them), one parse at a time each;
    blocking calls, for threads. `parse` raises InputError, ParseTimeout or PoolBroken."""

    def __init__(self, processes: int, *, budget: float | None = DEFAULT_SECONDS,
                 timeout: float = DEFAULT_TIMEOUT) -> None:
        self.processes = processes
        self.budget = budget
        self.timeout = timeout
        self.started = 0  # processes started, replacements included
        self.killed = 0  # processes killed at the timeout
        self._context = multiprocessing.get_context("forkserver")
        # the forkserver (started with the first process, one per server process) imports the
        # parser once: a process forked from it is ready at once, a replacement too
        self._context.set_forkserver_preload(["app.services.parsefork"])
        self._slots = threading.BoundedSemaphore(processes)
        self._idle: list[_Process] = []
        self._busy: set[_Process] = set()
        self._lock = threading.Lock()
        self._owner = os.getpid()
        self._closed = False

    def _take(self) -> _Process:
        with self._lock:
            if self._closed:
                raise PoolBroken("the parse processes were stopped")
            if self._idle:
                proc = self._idle.pop()
                self._busy.add(proc)
                return proc
        try:
            _ensure_forkserver()  # (started, or started again, from the long-lived thread)
            proc = _Process(self._context, self._owner)
        except (OSError, EOFError, RuntimeError) as exc:
            raise PoolBroken(f"a parse process could not start: {exc}") from exc
        with self._lock:
            self.started += 1
            self._busy.add(proc)
        return proc

    def parse(self, data: bytes, content_type: str | None, context: NeighbourYears | None = None) -> ParsedReport:
        with self._slots:
            proc = self._take()
            try:
                result = proc.run((data, content_type, self.budget, context), self.timeout)
            except ParseTimeout:
                self.killed += 1
                log.warning("parse past %g s: its process %s was killed", self.timeout, proc.process.pid)
                raise
            finally:
                with self._lock:
                    self._busy.discard(proc)
                    if proc.process.is_alive() and not self._closed:
                        self._idle.append(proc)
        if isinstance(result, tuple):
            raise InputError(*result)
        if isinstance(result, Crash):
            raise RuntimeError("the parser failed in its process:\n" + result.text)
        return result

    def outcome(self, data: bytes, content_type: str | None) -> ParsedReport | InputError:
        """parse(), with an InputError (ParseTimeout included) as the answer, not raised; a
        process that died on the document is a `parse_failed` answer too (for folder imports:
        one file's outcome, the next file gets a new process)."""
        try:
            return self.parse(data, content_type)
        except InputError as exc:
            return exc
        except PoolBroken as exc:
            return InputError("parse_failed", f"The parse process ended while parsing this document ({exc}); "
                                              "nothing was stored.")

    def pids(self) -> list[int]:
        with self._lock:
            return [p.process.pid for p in (*self._idle, *self._busy) if p.process.pid is not None]

    def close(self) -> None:
        with self._lock:
            self._closed = True
            idle, busy = self._idle[:], list(self._busy)
            self._idle.clear()
        for proc in idle:
            proc.stop()
        for proc in busy:  # a parse still running at shutdown: no one will read its answer
            proc.kill()


# ----------------------------------------------------------------------------- for the server


class ParsePool:
    """The server worker's parse processes, awaited from the event loop."""

    RETRY_AFTER = 30.0  # seconds in threads after the pool broke

    def __init__(self, processes: int, *, budget: float | None = DEFAULT_SECONDS,
                 timeout: float = DEFAULT_TIMEOUT) -> None:
        self.processes = processes
        self.budget = budget
        self.timeout = timeout
        self._workers: ParseWorkers | None = None
        self._free: asyncio.Semaphore | None = None  # made on first use: it belongs to the running loop
        self._threads_until = 0.0
        self.breaks = 0

    def _pool(self) -> ParseWorkers:
        if self._workers is None:
            self._workers = ParseWorkers(self.processes, budget=self.budget, timeout=self.timeout)
        return self._workers

    async def parse(self, data: bytes, content_type: str | None, limiter: anyio.CapacityLimiter | None = None,
                    context: NeighbourYears | None = None) -> ParsedReport:
        """The parse of `data`, with the same body's other years as `context` (raises
        InputError as parse_upload does, ParseTimeout past the hard timeout)."""
        in_thread = functools.partial(parse_upload, data, content_type, budget=self.budget, context=context)
        if self.processes <= 0 or time.monotonic() < self._threads_until:
            return await anyio.to_thread.run_sync(in_thread, limiter=limiter)
        if self._free is None:
            self._free = asyncio.Semaphore(self.processes)
        async with self._free:  # a process free: waited for here, not in a thread
            workers = self._pool()
            try:
                return await anyio.to_thread.run_sync(workers.parse, data, content_type, context, limiter=limiter)
            except PoolBroken as exc:
                if self._workers is workers:  # the first request to see it: threads for a while
                    self._workers = None
                    self.breaks += 1
                    self._threads_until = time.monotonic() + self.RETRY_AFTER
                    log.warning("parse pool broke (%s); parsing in threads, processes again in %.0f s",
                                exc, self.RETRY_AFTER)
                    workers.close()
        return await anyio.to_thread.run_sync(in_thread, limiter=limiter)

    def parse_blocking(self, data: bytes, content_type: str | None,
                       context: NeighbourYears | None = None) -> ParsedReport:
        """For a worker thread (a background task): the parse in one of the pool's processes,
        waiting there for a free one, so that its CPU is not the server process's (whose GIL
        the event loop needs); in this thread when the pool has no processes or is broken."""
        if self.processes > 0 and time.monotonic() >= self._threads_until:
            try:
                return self._pool().parse(data, content_type, context)
            except PoolBroken:
                pass  # the next async parse notices and falls back for a while
        return parse_upload(data, content_type, budget=self.budget, context=context)

    def pids(self) -> list[int]:
        return self._workers.pids() if self._workers is not None else []

    def close(self) -> None:
        workers, self._workers = self._workers, None
        if workers is not None:
            workers.close()
