"""Ingest CPU per document, by the path it takes (issue 13): a document of a new body-year
(a new report) and a copy of a body-year stored before (attached, the report reconciled from
all of its documents' parses). Stores parses made once (the parse itself is not measured:
bench/parse_bench.py), into a fresh SQLite file, and prints CPU milliseconds per store
(process time: this process's parse-free share of an ingest), median and p90. Runs against
whatever `app` is importable, so that the code before the change can be measured the same way
(`PYTHONPATH=/path/to/older/checkout python bench/bodies_bench.py`). Asserts nothing.

    .venv/bin/python bench/bodies_bench.py [--n 40]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from dataclasses import replace
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
NAMES = ("ewenki-2020.txt", "huaian-2024.txt", "pingtan-2024.txt", "shuyang-2025.txt")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=40, help="documents per path")
    args = ap.parse_args()

    from app.db import make_engine, migrate
    from app.parsing import parse_document
    from app.services.ingest import store

    bases = [((CORPUS / n).read_bytes(), parse_document((CORPUS / n).read_bytes(), "text/plain")) for n in NAMES]
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        migrate(url)
        engine = make_engine(url)
        try:
            runs = {"new body-year": [], "copy of a stored one": []}
            for i in range(args.n):  # each under another body's name: a new report every time
                data, parsed = bases[i % len(bases)]
                other = replace(parsed, agency=f"{parsed.agency}第{i}分局")
                t = time.process_time()
                store(engine, data + f"\nnew {i}\n".encode(), other)
                runs["new body-year"].append(time.process_time() - t)
            data, parsed = bases[0]
            for i in range(args.n):  # the same body-year's copies: attached to one report
                t = time.process_time()
                store(engine, data + f"\ncopy {i}\n".encode(), parsed)
                runs["copy of a stored one"].append(time.process_time() - t)
        finally:
            engine.dispose()
    for path, times in runs.items():
        ms = sorted(1000 * t for t in times)
        print(f"{path:22s} n={len(ms):3d}  median {statistics.median(ms):6.1f} ms  "
              f"p90 {ms[int(0.9 * (len(ms) - 1))]:6.1f} ms  last {1000 * times[-1]:6.1f} ms")


if __name__ == "__main__":
    main()
