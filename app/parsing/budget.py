"""Bounds on one parse: how long it may take, and how much of a text it reads.

Every stage is linear in its input, and what it keeps is capped — lines read (MAX_LINES),
cells laid out (MAX_CELLS), steps spent splitting run-together digits (REPAIR_STEPS) — so a
report parses in milliseconds and 10 MB of hostile text in seconds, in memory a small
multiple of its size. The time budget is for what no bound foresaw: stages call
`Budget.check(stage)` between steps of their work, and past the deadline it raises
BudgetExceeded; parse_text then answers the report as `failed` with the one finding
`parse_budget_exceeded` (nothing half read: figures whose checks never ran could be wrong
unnoticed). Decoding (HTML to text included: bounded itself, app/parsing/markup.py) is not
interrupted: its time counts, and the first check after it ends the parse. Code that does
not come back to Python until it is done (the HTML parser, OpenCC, one regex search) is
checked when it returns; only a process of its own can be stopped inside it
(app/services/parsepool.py).

    budget = Budget(5.0)  # seconds from now; None: no deadline (the caps still hold)
    budget.check("normalise")  # raises BudgetExceeded("normalise", 5.0) once 5 s have passed
"""

from __future__ import annotations

import math
import time

DEFAULT_SECONDS = 5.0  # a report takes ~3 ms; 10 MB of the worst text we know about a second
MAX_LINES = 50_000  # real reports have a few hundred lines, one cell a line a few thousand
MAX_CELLS = 100_000
MAX_SPLIT_CHARS = 20_000  # a cell longer than this is not cut into a row's cells (layout.py)
REPAIR_STEPS = 400_000  # for all the run-together rows of one report (repair.py; the corpus needs 417 at most)


class BudgetExceeded(Exception):
    """The parse ran out of time in `stage`."""

    def __init__(self, stage: str, seconds: float | None) -> None:
        super().__init__(f"parse budget of {seconds} s exceeded in {stage}")
        self.stage = stage
        self.seconds = seconds


class Budget:
    """The deadline of one parse, and the repair steps it has left."""

    __slots__ = ("seconds", "repair_steps", "_deadline")

    def __init__(self, seconds: float | None = DEFAULT_SECONDS) -> None:
        self.seconds = seconds
        self.repair_steps = REPAIR_STEPS
        self._deadline = time.monotonic() + seconds if seconds else math.inf

    def check(self, stage: str) -> None:
        if time.monotonic() > self._deadline:
            raise BudgetExceeded(stage, self.seconds)
