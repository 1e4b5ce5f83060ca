"""Parse time of two (or more) checkouts of the parser, run alternately on the same inputs:
for a change that must not slow parsing (a restructuring), where two runs one after the other
on a shared machine differ more than the change does.

    python bench/parse_ab.py DIR_A DIR_B [--rounds 5] [--repeat 15]

Each DIR is a checkout (e.g. `git archive REV | tar -x -C DIR`); each round runs every
checkout once, in turn, in a fresh process with that checkout first on sys.path, timing
`parse_document` on every text report of ../shared/corpus and its unlabelled/ folder (CPU time,
the median of `--repeat` parses each, after one warm-up parse); printed: per round and
checkout, the median and mean over the reports, then each checkout's median of the rounds.
Uses only `app.parsing.parse_document(bytes, content_type)`, which every version has.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"

_ONE_RUN = r"""
import gc, statistics, sys, time
from pathlib import Path
from app.parsing import parse_document
corpus, repeat = Path(sys.argv[1]), int(sys.argv[2])
files = sorted(p for p in [*corpus.iterdir(), *(corpus / "unlabelled").iterdir()] if p.suffix in (".txt", ".md", ".html"))
inputs = [(p.read_bytes(), "text/html" if p.suffix == ".html" else "text/plain") for p in files]
per = []
for data, ct in inputs:
    parse_document(data, ct)
    times = []
    for _ in range(repeat):
        gc.collect()
        t0 = time.process_time()
        parse_document(data, ct)
        times.append(time.process_time() - t0)
    per.append(statistics.median(times))
print(len(per), statistics.median(per) * 1000, statistics.mean(per) * 1000)
"""


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dirs", nargs="+", type=Path)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--repeat", type=int, default=15)
    args = ap.parse_args(argv)
    medians: dict[Path, list[float]] = {d: [] for d in args.dirs}
    for r in range(1, args.rounds + 1):
        for d in args.dirs:
            out = subprocess.run([sys.executable, "-c", _ONE_RUN, str(CORPUS), str(args.repeat)], cwd="/",
                                 env={"PYTHONPATH": str(d.resolve()), "PATH": "/usr/bin:/bin"},
                                 capture_output=True, text=True, check=True).stdout.split()
            n, median, mean = int(out[0]), float(out[1]), float(out[2])
            medians[d].append(median)
            print(f"round {r}  {d}: {n} reports, median {median:.2f} ms, mean {mean:.2f} ms", flush=True)
    for d, ms in medians.items():
        print(f"{d}: median of {len(ms)} rounds {statistics.median(ms):.2f} ms a report")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
