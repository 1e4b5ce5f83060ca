"""The cost of neighbour evidence (issue 14), on a SQLite file in a temporary folder:

- the second parse of a report with a run-together row, with its neighbours' context (the
  synthetic pair tests/data/unseen/split-cross-year-2021-a/b; pingtan-2024 of the corpus);
- the context look-up (`neighbours.context_for`) before it;
- `evidence.to_settle` after every stored report (the look-up of its t−1/t+1 reports and
  their findings: what every POST pays, run-together row or not);
- settling a neighbour: the no-change check alone (金井 2019/2020, nothing to rewrite) and
  check + reparse (the pair, the t report rewritten).

Median of `--repeat` runs each, in ms. Prints figures, asserts nothing.

    .venv/bin/python bench/neighbour_bench.py [--repeat 30]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from app.db import make_engine, migrate
from app.parsing import NeighbourYears, parse_document
from app.services.evidence import parse_if_changed, settle_neighbours, to_settle
from app.services.ingest import ingest
from app.services.reparse import reparse
from app.services.neighbours import context_for

REPO = Path(__file__).resolve().parents[1]
UNSEEN = REPO / "tests" / "data" / "unseen"
CORPUS = REPO.parent / "shared" / "corpus"
TEXT = "text/plain; charset=utf-8"


def median_ms(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30)
    n = parser.parse_args().repeat
    a, b = (UNSEEN / "split-cross-year-2021-a.txt").read_bytes(), (UNSEEN / "split-cross-year-2021-b.txt").read_bytes()
    pingtan = (CORPUS / "pingtan-2024.txt").read_bytes()
    context = NeighbourYears(previous=parse_document(a, TEXT).figure_map())
    print(f"parse b alone                 {median_ms(lambda: parse_document(b, TEXT), n):8.2f} ms")
    print(f"parse b with context          {median_ms(lambda: parse_document(b, TEXT, context=context), n):8.2f} ms")
    print(f"parse pingtan-2024 alone      {median_ms(lambda: parse_document(pingtan, TEXT), n):8.2f} ms")
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        migrate(url)
        engine = make_engine(url)
        try:
            rb = ingest(engine, b, TEXT)
            ra = ingest(engine, a, TEXT)
            parsed_b = parse_document(b, TEXT)
            print(f"context_for (a stored)        {median_ms(lambda: context_for(engine, parsed_b), n):8.2f} ms")
            print(f"to_settle after a report      {median_ms(lambda: to_settle(engine, [ra]), n):8.2f} ms")
            print(f"parse_if_changed (b, settled) {median_ms(lambda: parse_if_changed(engine, rb.report.id), n):8.2f} ms")
            print(f"reparse b (a transaction)     {median_ms(lambda: reparse(engine, rb.report.id), n):8.2f} ms")
            years = [ingest(engine, (CORPUS / "unlabelled" / f"pingtan-jinjing-{y}.txt").read_bytes(), TEXT)
                     for y in (2019, 2020)]
            print(f"settle 金井 2020 (no change)   {median_ms(lambda: settle_neighbours(engine, years[1:]), n):8.2f} ms")
        finally:
            engine.dispose()


if __name__ == "__main__":
    main()
