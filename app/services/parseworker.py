"""Inside a parse process (started by app/services/parsepool.py from its forkserver): parse what
comes through the pipe, one document at a time, and die with the server.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time
import traceback
from multiprocessing.connection import Connection

from app.parsing import InputError, NeighbourYears, ParsedReport
from app.parsing.budget import DEFAULT_SECONDS
from app.services.convert import parse_upload

WATCH_SECONDS = 1.0  # how often a parse process checks that its parent and the server live
OWNER_VARIABLE = "DISCLOSURE_PARSE_OWNER"  # the pid of the process the forkserver is started for
_PR_SET_PDEATHSIG = 1


def parse_or_error(data: bytes, content_type: str | None, budget: float | None = DEFAULT_SECONDS,
                   context: NeighbourYears | None = None) -> ParsedReport | tuple[str, str, int]:
    """The parse (with the same body's other years as `context`: a frozen dataclass of plain
    dicts, pickled across the pipe), or the InputError's fields (rebuilt by the caller: an
    InputError does not survive pickling with its code and status)."""
    try:
        return parse_upload(data, content_type, budget=budget, context=context)
    except InputError as exc:
        return exc.code, exc.message


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def ask_for_death_signal() -> None:
    """SIGKILL for this process when its parent ends (Linux; elsewhere nothing)."""
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):  # no libc to ask: the watch of die_with_parent is the bound
            pass


def die_with_parent(owner: int) -> None:
    """Make this process end when its parent or the process `owner` (the server) ends."""
    parent = os.getppid()
    ask_for_death_signal()

    def watch() -> None:
        while os.getppid() == parent and _alive(owner):
            time.sleep(WATCH_SECONDS)
        os._exit(0)  # a parse in progress has no one left to answer

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def serve(conn: Connection, owner: int) -> None:
    """A parse process: says it is ready, then parses what comes through `conn` until it closes.
    A document read by OCR tells the server when OCR begins (its own, larger time budget:
    app/parsing/ocr.py)."""
    die_with_parent(owner)
    from app.parsing import ocr

    ocr.on_start = lambda seconds: conn.send(Longer(seconds))
    try:
        conn.send(READY)
    except (EOFError, OSError):
        return
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        try:
            result: object = parse_or_error(*job)
        except Exception:  # a parser bug: told to the server as such
            result = Crash(traceback.format_exc())
        conn.send(result)


READY = "ready"  # a process's first message: the hard timeout counts from here, its start excluded


class Crash:
    def __init__(self, text: str) -> None:
        self.text = text


class Longer:
    """From a parse process: the parse reads pages by OCR, and may take `seconds` more."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
