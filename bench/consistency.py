"""Does a report read the same in every layout? For reports without gold (default: the
corpus and its unlabelled/ folder): each input of bench/parse_dump.py's set — the report, the
layout variants ../shared/tools/variants.py writes of it and the transformations made there
(one cell a line, rows run together, wrapped at 40 columns) — is parsed, and each copy's
figures and metadata are compared with the report's own:

- same: the copy reads the figure with the report's value;
- missed: the copy leaves out a figure the report gives (absent: allowed, counted);
- differs: the copy gives another value (one of the two is wrong: the case to read);
- extra: the copy gives a figure the report leaves out (either the report missed it or the
  copy is wrong: the case to read).

Not a timing. Wrong figures show as `differs` (or `extra`) whichever layout a real copy has.

    python bench/consistency.py [FOLDER ...] [--show N]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from app.parsing import InputError, parse_document  # noqa: E402
from parse_dump import SHARED, inputs  # noqa: E402

META = ("year", "agency", "region_code", "template")
_FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def more_layouts(text: str) -> dict[str, str]:
    """Layouts real copies have beyond parse_dump's: cells a space apart (a PDF's text), a tab
    apart (a Word table pasted), Windows line ends, full-width digits, traditional script."""
    import opencc

    rows = text.splitlines()
    def joined(sep: str) -> str:
        return "\n".join(sep.join(c.strip() for c in line.split("|") if c.strip()) if line.count("|") >= 2 else line
                         for line in rows) + "\n"
    return {"spaces": joined(" "), "spaces2": joined("  "), "tabs": joined("\t"),
            "crlf": text.replace("\n", "\r\n"), "fullwidth": text.translate(_FULL_WIDTH),
            "traditional": opencc.OpenCC("s2t").convert(text)}


def _read(data: bytes, content_type: str | None):
    try:
        report = parse_document(data, content_type)
    except InputError as exc:
        return None, {}, exc.code
    return report, {f.key: f.value for f in report.figures}, None


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("folders", nargs="*", type=Path)
    ap.add_argument("--show", type=int, default=40, help="cases listed (default 40)")
    args = ap.parse_args(argv)
    folders = args.folders or [SHARED / "corpus", SHARED / "corpus" / "unlabelled"]
    totals: Counter[str] = Counter()
    by_kind: dict[str, Counter[str]] = {}
    cases: list[str] = []
    with tempfile.TemporaryDirectory() as scratch:
        items = inputs(folders, Path(scratch))
    for name, data, ct in list(items):
        if name.endswith(".txt") and ".txt." not in name:
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                continue
            items += [(f"{name}.{kind}", body.encode("utf-8"), "text/plain; charset=utf-8")
                      for kind, body in more_layouts(text).items()]
    bases = {name: (data, ct) for name, data, ct in items if ".txt." not in name}
    base_reads = {name: _read(data, ct) for name, (data, ct) in bases.items()}
    for name, data, ct in items:
        if ".txt." not in name:
            continue
        base_name, kind = name.split(".txt.", 1)
        base_report, base, _ = base_reads[base_name + ".txt"]
        kind = kind if not kind.startswith("variant.") else "v:" + kind.split(".", 2)[2]
        report, copy, error = _read(data, ct)
        counts = by_kind.setdefault(kind, Counter())
        counts["copies"] += 1
        if error:
            counts["input_error"] += 1
            cases.append(f"{name}: input error {error}")
            continue
        for key, value in base.items():
            if key not in copy:
                counts["missed"] += 1
            elif copy[key] == value:
                counts["same"] += 1
            else:
                counts["differs"] += 1
                cases.append(f"{name}: {key} {copy[key]:g} where the report reads {value:g}")
        for key in copy.keys() - base.keys():
            counts["extra"] += 1
            cases.append(f"{name}: {key} {copy[key]:g}, which the report leaves out")
        for field in META:
            if base_report is not None and getattr(report, field) != getattr(base_report, field):
                counts["meta_differs"] += 1
                cases.append(f"{name}: {field} {getattr(report, field)!r} where the report reads "
                             f"{getattr(base_report, field)!r}")
    cols = ("copies", "same", "missed", "differs", "extra", "meta_differs", "input_error")
    print(f"{'layout':<20}" + "".join(f"{c:>13}" for c in cols))
    for kind, counts in sorted(by_kind.items()):
        totals.update(counts)
        print(f"{kind:<20}" + "".join(f"{counts[c]:>13}" for c in cols))
    print(f"{'all':<20}" + "".join(f"{totals[c]:>13}" for c in cols))
    print(f"\n{len(cases)} cases to read" + (f" (first {args.show}):" if len(cases) > args.show else ":"))
    for line in cases[:args.show]:
        print("  " + line)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
