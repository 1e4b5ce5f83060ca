"""A pause point for tests that kill the server in the middle of a write.

`DISCLOSURE_TEST_PAUSE=<point>:<file>` makes the write reaching `pause("<point>")` create
`<file>` and then sleep (up to a minute) inside its open transaction, so that a test can
SIGKILL the process there and check that nothing of the write remains. Unset (always, but in
those tests), `pause` is one dictionary look-up.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

ENV = "DISCLOSURE_TEST_PAUSE"
_LONGEST = 60.0  # seconds: the test kills the process long before


def pause(point: str) -> None:
    spec = os.environ.get(ENV)
    if not spec:
        return
    name, _, marker = spec.partition(":")
    if name != point or not marker:
        return
    Path(marker).write_text(point)
    time.sleep(_LONGEST)
