"""What storing the cross-year check verdicts costs at ingest: the CPU time of writing a report
(app/services/ingest.py store) with the verdicts computed for it and its neighbours
(quality.refresh_checks) and without, against the CPU time of the whole ingest (parse + store).

The reports: the unlabelled folder (18 real reports, several bodies over consecutive years, so
that most have a neighbour whose verdicts are computed again too), stored in year order into a
fresh SQLite file each round. Rounds alternate with and without; medians per report. Without
is measured by replacing refresh_checks with a no-op in this process only. Asserts nothing.

    .venv/bin/python bench/checks_bench.py [--rounds 7]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from reportset import UNLABELLED  # noqa: E402

from app.db import make_engine, migrate  # noqa: E402
from app.parsing import parse_document  # noqa: E402
from app.services import ingest, quality  # noqa: E402


def _documents() -> list[tuple[bytes, object, float]]:
    """(bytes, parse, parse CPU seconds) of every unlabelled report, oldest year first."""
    out = []
    for path in sorted(UNLABELLED.glob("*.txt"), key=lambda p: (p.stem[-4:], p.name)):
        data = path.read_bytes()
        start = time.process_time()
        parsed = parse_document(data, "text/plain")
        out.append((data, parsed, time.process_time() - start))
    return out


def _round(docs, with_checks: bool) -> float:
    """CPU seconds per report of storing every document into a fresh database."""
    real = quality.refresh_checks
    if not with_checks:
        quality.refresh_checks = lambda *a, **k: None  # type: ignore[assignment]
    try:
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{tmp}/bench.db"
            migrate(url)
            engine = make_engine(url)
            start = time.process_time()
            for data, parsed, _ in docs:
                ingest.store(engine, data, parsed)
            spent = time.process_time() - start
            engine.dispose()
    finally:
        quality.refresh_checks = real  # type: ignore[assignment]
    return spent / len(docs)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args(argv)
    docs = _documents()
    parse_ms = statistics.median(p for _, _, p in docs) * 1000
    with_, without = [], []
    _round(docs, True)  # warm: imports, statement caches
    for _ in range(args.rounds):
        with_.append(_round(docs, True) * 1000)
        without.append(_round(docs, False) * 1000)
    w, wo = statistics.median(with_), statistics.median(without)
    print(f"{len(docs)} reports, {args.rounds} rounds each way (CPU ms per report, medians)")
    print(f"parse                    {parse_ms:7.2f}")
    print(f"store without verdicts   {wo:7.2f}")
    print(f"store with verdicts      {w:7.2f}")
    extra = w - wo
    print(f"verdicts                 {extra:7.2f}  = {extra / (parse_ms + wo) * 100:.1f}% of the ingest "
          f"(parse + store) without them")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
