"""Score the parser on every *.expected.json in ../shared/corpus (or a folder given).

    python bench/accuracy.py [CORPUS_DIR] [-v]

Per file and overall: figures right, wrong and missing counted apart, extra figures (only for
files whose expected figures are complete), metadata mismatches, and the findings raised."""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.parsing import parse_document  # noqa: E402

META = ("year", "agency", "region_code", "template")


def main(argv: list[str]) -> int:
    verbose = "-v" in argv
    args = [a for a in argv if not a.startswith("-")]
    corpus = Path(args[0]) if args else ROOT.parent / "shared" / "corpus"
    totals = Counter()
    finding_codes: Counter[str] = Counter()
    print(f"{'file':34} {'right':>6} {'wrong':>6} {'missing':>8} {'extra':>6} {'meta':>5}  status   findings")
    for path in sorted(corpus.glob("*.expected.json")):
        exp = json.loads(path.read_text(encoding="utf-8"))
        report = parse_document((corpus / exp["file"]).read_bytes())
        got = report.figure_map()
        want = exp["figures"]
        right = sum(1 for k, v in want.items() if got.get(k) == v)
        wrong = {k: (got[k], v) for k, v in want.items() if k in got and got[k] != v}
        missing = [k for k in want if k not in got]
        extra = [k for k in got if k not in want] if not exp.get("partial") else []
        meta_bad = {f: (getattr(report, f), exp[f]) for f in META if f in exp and getattr(report, f) != exp[f]}
        codes = Counter(f.code for f in report.findings)
        finding_codes.update(codes)
        totals.update(right=right, wrong=len(wrong), missing=len(missing), extra=len(extra), expected=len(want),
                      meta_bad=len(meta_bad), files=1)
        summary = ", ".join(f"{c}×{n}" for c, n in sorted(codes.items())) or "-"
        print(f"{exp['file']:34} {right:6} {len(wrong):6} {len(missing):8} {len(extra):6} {len(meta_bad):5}  "
              f"{report.status:8} {summary}")
        if verbose:
            for k, (g, w) in wrong.items():
                print(f"    WRONG   {k}: got {g}, expected {w}")
            for k in missing:
                print(f"    MISSING {k}")
            for k in extra:
                print(f"    EXTRA   {k}")
            for f, (g, w) in meta_bad.items():
                print(f"    META    {f}: got {g!r}, expected {w!r}")
            for f in report.findings:
                print(f"    finding {f.code} [{f.severity}] line {f.line}: {f.message}")
    n = totals["expected"] or 1
    print(f"\noverall: {totals['right']}/{totals['expected']} right ({100 * totals['right'] / n:.1f}%), "
          f"{totals['wrong']} wrong, {totals['missing']} missing, {totals['extra']} extra, "
          f"{totals['meta_bad']} metadata mismatches over {totals['files']} files")
    print("findings raised: " + (", ".join(f"{c}×{k}" for c, k in sorted(finding_codes.items())) or "none"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
