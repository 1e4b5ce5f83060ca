"""Parse speed over the corpus, per stage, against OpenCC converting the same text alone.

    python bench/parse_bench.py [CORPUS_DIR] [--repeat N] [--quick]

Prints, per file and overall: median milliseconds per report for each stage (decode,
normalise, lay out, read, check) and for the whole pipeline, and the ratio of the whole
pipeline to OpenCC's t2s conversion of the same decoded text (the floor). Never asserts."""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.parsing.check import check  # noqa: E402
from app.parsing.decode import decode_bytes  # noqa: E402
from app.parsing.layout import cells_of  # noqa: E402
from app.parsing.meta import read_meta  # noqa: E402
from app.parsing.normalize import normalize, to_simplified  # noqa: E402
from app.parsing.pipeline import parse_document  # noqa: E402
from app.parsing.prose import find_prose  # noqa: E402
from app.parsing.grid import Grid  # noqa: E402
from app.parsing.sections import detect_template  # noqa: E402
from app.parsing.tables import read_tables  # noqa: E402

STAGES = ("decode", "normalise", "lay out", "read", "check", "pipeline", "opencc")


def run_once(data: bytes) -> dict[str, float]:
    t = {}
    t0 = time.perf_counter()
    decoded = decode_bytes(data)
    t1 = time.perf_counter()
    norm = normalize(decoded.text)
    t2 = time.perf_counter()
    cells = cells_of(norm.lines)
    t3 = time.perf_counter()
    meta = read_meta(norm.lines)
    grid = Grid(norm, cells)
    template = detect_template(grid, norm.text, meta.year)
    tables = read_tables(grid, template, {})
    find_prose(norm.text)
    t4 = time.perf_counter()
    check(tables.figures, template)
    t5 = time.perf_counter()
    parse_document(data)
    t6 = time.perf_counter()
    to_simplified(decoded.text)
    t7 = time.perf_counter()
    for name, a, b in zip(STAGES, (t0, t1, t2, t3, t4, t5, t6), (t1, t2, t3, t4, t5, t6, t7)):
        t[name] = (b - a) * 1000
    return t


def main(argv: list[str]) -> int:
    repeat = 5 if "--quick" in argv else 30
    if "--repeat" in argv:
        repeat = int(argv[argv.index("--repeat") + 1])
    args = [a for a in argv if not a.startswith("-") and not a.isdigit()]
    corpus = Path(args[0]) if args else ROOT.parent / "shared" / "corpus"
    files = sorted(p for p in corpus.iterdir() if p.suffix in (".txt", ".md", ".html", ".htm"))
    to_simplified("预热")  # one converter per process: build it before timing
    print(f"{'file':32} " + " ".join(f"{s:>9}" for s in STAGES) + "   ratio")
    medians: dict[str, list[float]] = {s: [] for s in STAGES}
    for path in files:
        data = path.read_bytes()
        runs = [run_once(data) for _ in range(repeat)]
        med = {s: statistics.median(r[s] for r in runs) for s in STAGES}
        for s in STAGES:
            medians[s].append(med[s])
        print(f"{path.name:32} " + " ".join(f"{med[s]:9.3f}" for s in STAGES)
              + f"   {med['pipeline'] / med['opencc']:5.2f}")
    overall = {s: statistics.median(v) for s, v in medians.items()}
    total_pipeline = sum(medians["pipeline"])
    total_opencc = sum(medians["opencc"])
    print(f"{'median over files (ms)':32} " + " ".join(f"{overall[s]:9.3f}" for s in STAGES))
    print(f"\nmedian parse time per report: {overall['pipeline']:.2f} ms "
          f"({1000 / overall['pipeline']:.0f} reports/s on one core)")
    print(f"whole pipeline / OpenCC alone over the corpus: {total_pipeline / total_opencc:.2f}x "
          f"(target ≤ 3x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
