"""Imported by the parse processes' forkserver (app/services/parsepool.py) as it starts, and
by nothing else: it ties the forkserver's life to the server's, and readies the parser once
for every process forked from it.

The server names itself in DISCLOSURE_PARSE_OWNER before it starts the forkserver (from a
thread that lives as long as it does: the kernel's parent-death signal goes with the thread
that forked). Where that is the forkserver's parent, the forkserver asks for SIGKILL when the
server dies — and each parse process for SIGKILL when the forkserver dies — so that a
`kill -9` of the server ends them all at once, a parse stuck in C code too. The parser's
tables built on first use (the division index, the OpenCC converter, the priors of inferred
splits) are built here, once.
"""

import os

from app.parsing import infer, parse_text
from app.services.parseworker import OWNER_VARIABLE, ask_for_death_signal

if os.environ.get(OWNER_VARIABLE) == str(os.getppid()):
    ask_for_death_signal()

parse_text("淮安市人民政府2024年政府信息公开工作年度报告\n行政许可 | 1\n", budget=None)
infer.load()
