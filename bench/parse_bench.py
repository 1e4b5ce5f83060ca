"""Parse speed over the corpus, per stage, against OpenCC converting the same text alone.

    python bench/parse_bench.py [CORPUS_DIR] [--repeat N] [--quick]

Prints, per file and overall, the median milliseconds per report of each stage of the parse
as the pipeline's Trace records them (decode, normalise, meta, lay out, template, tables,
prose, check, place, report), of the whole parse (untraced, timed apart), and the ratio of
the whole parse to OpenCC's t2s conversion of the same decoded text (the floor). Never
asserts."""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.parsing.normalize import to_simplified  # noqa: E402
from app.parsing.pipeline import Trace, parse_document  # noqa: E402

STAGES = ("decode", "normalise", "meta", "lay out", "template", "tables", "prose", "check", "place", "report")
COLUMNS = (*STAGES, "pipeline", "opencc")


def run_once(data: bytes) -> dict[str, float]:
    """One report's stage times (a traced parse), its whole parse (a plain parse_document, as
    callers run it), and OpenCC alone on its text; in milliseconds."""
    trace = Trace()
    parse_document(data, trace=trace)
    t = {stage: seconds * 1000 for stage, seconds in trace.durations().items()}
    text = trace.results["decode"].text
    del trace  # the traced parse freed before the plain one is timed
    t0 = time.perf_counter()
    parse_document(data)
    t1 = time.perf_counter()
    to_simplified(text)
    t2 = time.perf_counter()
    t["pipeline"], t["opencc"] = (t1 - t0) * 1000, (t2 - t1) * 1000
    return t


def main(argv: list[str]) -> int:
    repeat = 5 if "--quick" in argv else 30
    if "--repeat" in argv:
        repeat = int(argv[argv.index("--repeat") + 1])
    args = [a for a in argv if not a.startswith("-") and not a.isdigit()]
    corpus = Path(args[0]) if args else ROOT.parent / "shared" / "corpus"
    files = sorted(p for p in corpus.iterdir() if p.suffix in (".txt", ".md", ".html", ".htm"))
    parse_document(files[0].read_bytes())  # one converter and one divisions index per process: build them first
    print(f"{'file':30} " + " ".join(f"{s:>8}" for s in COLUMNS) + "  ratio")
    medians: dict[str, list[float]] = {s: [] for s in COLUMNS}
    for path in files:
        data = path.read_bytes()
        runs = [run_once(data) for _ in range(repeat)]
        med = {s: statistics.median(r[s] for r in runs) for s in COLUMNS}
        for s in COLUMNS:
            medians[s].append(med[s])
        print(f"{path.name:30} " + " ".join(f"{med[s]:8.3f}" for s in COLUMNS)
              + f"  {med['pipeline'] / med['opencc']:5.2f}")
    overall = {s: statistics.median(v) for s, v in medians.items()}
    print(f"{'median over files (ms)':30} " + " ".join(f"{overall[s]:8.3f}" for s in COLUMNS))
    print(f"\nmedian parse time per report: {overall['pipeline']:.2f} ms "
          f"({1000 / overall['pipeline']:.0f} reports/s on one core)")
    print(f"whole pipeline / OpenCC alone over the corpus: {sum(medians['pipeline']) / sum(medians['opencc']):.2f}x "
          f"(target ≤ 3x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
