"""Parsing in processes of its own, beside the server's event loop.

Parsing is pure Python CPU (~3 ms a report): in a thread it holds the GIL and shares one core
with the event loop, the writer and every other request of the worker. A server worker
therefore hands parses to a small pool of processes (DISCLOSURE_PARSE_PROCESSES; by default
one when the machine has a second core), so that the worker's own core serves HTTP and
writes while another parses. The pool is started on the first parse (a read-only server
never starts it) from a forkserver — a clean process, never a fork of one holding database
connections and threads — and shut down with the app.

A pool that breaks (a process killed, or processes that cannot start) is dropped and the
parse that was in it done in a thread instead: a request never fails because of the pool.
Parses then stay in threads for RETRY_AFTER seconds before a new pool is tried, so a pool
that cannot start costs one attempt a while, not one per request. `processes=0` parses in a
thread, as before.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

import anyio.to_thread

from app.parsing import InputError, ParsedReport
from app.services.convert import parse_upload

log = logging.getLogger(__name__)


def default_processes() -> int:
    """One parse process when the machine has a second core, else none (parse in a thread)."""
    return 1 if (os.cpu_count() or 1) >= 2 else 0


def parse_or_error(data: bytes, content_type: str | None) -> ParsedReport | tuple[str, str, int]:
    """In a pool process: the parse, or the InputError's fields (rebuilt by the caller: an
    InputError does not survive pickling with its code and status)."""
    try:
        return parse_upload(data, content_type)
    except InputError as exc:
        return exc.code, exc.message, exc.status


class ParsePool:
    RETRY_AFTER = 30.0  # seconds in threads after the pool broke

    def __init__(self, processes: int) -> None:
        self.processes = processes
        self._pool: ProcessPoolExecutor | None = None
        self._threads_until = 0.0
        self.breaks = 0

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(self.processes, mp_context=multiprocessing.get_context("forkserver"))
        return self._pool

    async def parse(self, data: bytes, content_type: str | None,
                    limiter: anyio.CapacityLimiter | None = None) -> ParsedReport:
        """The parse of `data` (raises InputError as parse_upload does)."""
        if self.processes <= 0 or time.monotonic() < self._threads_until:
            return await anyio.to_thread.run_sync(parse_upload, data, content_type, limiter=limiter)
        pool = self._executor()
        try:
            result = await asyncio.get_running_loop().run_in_executor(pool, parse_or_error, data, content_type)
        except BrokenProcessPool:
            if self._pool is pool:  # the first request to see it: drop the pool, threads for a while
                self._pool = None
                self.breaks += 1
                self._threads_until = time.monotonic() + self.RETRY_AFTER
                log.warning("parse pool broke; parsing in threads, a new pool in %.0f s", self.RETRY_AFTER)
                pool.shutdown(wait=False, cancel_futures=True)
            return await anyio.to_thread.run_sync(parse_upload, data, content_type, limiter=limiter)
        if isinstance(result, tuple):
            raise InputError(*result)
        return result

    def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
