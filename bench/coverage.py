"""How much of the template the parser reads on reports without gold, per file and overall.

    python bench/coverage.py [FOLDER|FILE ...] [--json] [-v]

Default folder: ../shared/corpus/unlabelled. For every report file (.txt .md .html .pdf .docx):

- cells: the template's table cells as the catalogue lists them (2019: 219, 2021: 228; prose
  keys are counted apart), how many were read, how many the report itself lacks (no such
  table in its text, or no such section 二 row: counted apart, not as missed), how many were
  missed, and the share read of the cells the report has;
- how each figure read was read, from its flags: exact, repaired (a run-together cell split by
  the template's arithmetic), inferred, derived (a blank cell, or a group total computed from
  its rows; the group totals are also counted on their own);
- the template's identities (section 三 rows, 一+二 = (七)+四 and (七) = (一)+…+(六) per column,
  section 四 blocks) that hold, fail, or cannot be evaluated (a key missing), and how many that
  fail no finding explains (no finding names any of their keys);
- the findings by code, the status, and whether year, agency, region and template were read.

Nothing here knows a right answer: a figure read is not a figure right (bench/accuracy.py
scores against gold). --json prints the same as one JSON document; -v adds each file's missed
and lacking cells and failing identities.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from reportset import (  # noqa: E402
    READINGS,
    UNLABELLED,
    InputError,
    documents,
    evaluate,
    group_total,
    lacking,
    parse,
    prose_keys,
    reading,
    template_keys,
)

from app.parsing import PARSER_VERSION  # noqa: E402

META = ("year", "agency", "region_code", "template")
FAMILIES = ("row", "intake", "results", "review")
VERDICTS = ("holds", "fails", "unknown")


def measure(name: str, path: Path) -> dict:
    """One file's numbers (see the module docstring)."""
    report = parse(path)
    if isinstance(report, InputError):
        return {"file": name, "input_error": report.code, "message": report.message}
    tpl = report.template
    keys = template_keys(tpl) if tpl else ()
    keyset = set(keys)
    figures = {f.key: f for f in report.figures}
    read = [k for k in keys if k in figures]
    lack = lacking(report)
    missed = [k for k in keys if k not in figures and k not in lack]
    has = len(keys) - len(lack)
    readings = Counter({r: 0 for r in READINGS})
    readings.update(reading(figures[k].flags) for k in read)
    prose = set(prose_keys())
    other = sorted(k for k in figures if k not in keyset and k not in prose)
    named: dict[str, set[str]] = {}
    for f in report.findings:
        if f.severity != "info":
            for k in f.keys:
                named.setdefault(k, set()).add(f.code)
    families = {fam: Counter({v: 0 for v in VERDICTS}) for fam in FAMILIES}
    failing = []
    if tpl:
        values = {k: f.value for k, f in figures.items()}
        for identity, v in evaluate(tpl, values):
            families[identity.family][v] += 1
            if v == "fails":
                codes = sorted({c for k in identity.keys for c in named.get(k, ())})
                failing.append({"identity": f"{identity.family}:{identity.name}", "explained_by": codes})
    return {
        "file": name,
        "status": report.status,
        **{m: getattr(report, m) for m in META},
        "level": report.level,
        "meta_read": {m: getattr(report, m) is not None for m in META},
        "cells": {"template": len(keys), "read": len(read), "lacking": len(lack), "missed": len(missed),
                  "share": round(len(read) / has, 4) if has else None},
        "lacking": dict(Counter(lack.values())),
        "lacking_keys": sorted(lack),
        "missed_keys": missed,
        "readings": dict(readings),
        "derived_group_totals": sum(1 for k in read if group_total(k, tpl) and "derived" in figures[k].flags),
        "flags": dict(Counter(fl for k in read for fl in figures[k].flags)),
        "prose_figures": sorted(k for k in figures if k in prose),
        "other_keys": other,
        "identities": {fam: dict(c) for fam, c in families.items()},
        "failing_identities": failing,
        "findings": dict(sorted(Counter(f.code for f in report.findings).items())),
    }


def summarise(rows: list[dict]) -> dict:
    ok = [r for r in rows if "input_error" not in r]
    cells = Counter()
    readings = Counter({r: 0 for r in READINGS})
    fams = {fam: Counter({v: 0 for v in VERDICTS}) for fam in FAMILIES}
    findings: Counter[str] = Counter()
    for r in ok:
        cells.update({k: v for k, v in r["cells"].items() if k != "share"})
        readings.update(r["readings"])
        for fam, c in r["identities"].items():
            fams[fam].update(c)
        findings.update(r["findings"])
    has = cells["template"] - cells["lacking"]
    failing = [f for r in ok for f in r["failing_identities"]]
    return {
        "files": len(rows),
        "input_errors": len(rows) - len(ok),
        "status": dict(Counter(r["status"] for r in ok)),
        "cells": {**dict(cells), "share": round(cells["read"] / has, 4) if has else None},
        "readings": dict(readings),
        "derived_group_totals": sum(r["derived_group_totals"] for r in ok),
        "prose_figures": sum(len(r["prose_figures"]) for r in ok),
        "other_keys": sum(len(r["other_keys"]) for r in ok),
        "identities": {fam: dict(c) for fam, c in fams.items()},
        "identities_failing_unexplained": sum(1 for f in failing if not f["explained_by"]),
        "findings": dict(sorted(findings.items())),
        "meta_read": {m: sum(1 for r in ok if r["meta_read"][m]) for m in META},
    }


def _ids(c: dict) -> str:
    return f"{c['holds']}/{c['fails']}/{c['unknown']}"


def print_table(rows: list[dict], total: dict, verbose: bool) -> None:
    head = (f"{'file':32} {'tpl':4} {'year':4} {'status':7} {'read':>4}/{'of':<4} {'lack':>4} {'miss':>4} "
            f"{'share':>6}  {'exact':>5} {'rep':>4} {'inf':>3} {'der':>4}  {'row h/f/u':>9} {'col h/f/u':>9} "
            f"{'四 h/f/u':>7} {'unexpl':>6}  findings")
    print(head)
    for r in rows:
        if "input_error" in r:
            print(f"{r['file']:32} input error {r['input_error']}: {r['message']}")
            continue
        c, rd, ids = r["cells"], r["readings"], r["identities"]
        col = {v: ids["intake"][v] + ids["results"][v] for v in VERDICTS}
        unexpl = sum(1 for f in r["failing_identities"] if not f["explained_by"])
        share = f"{100 * c['share']:5.1f}%" if c["share"] is not None else "    -"
        codes = ", ".join(f"{k}×{n}" for k, n in r["findings"].items()) or "-"
        print(f"{r['file'][:32]:32} {r['template'] or '-':4} {r['year'] or '-':4} {r['status']:7} "
              f"{c['read']:4}/{c['template']:<4} {c['lacking']:4} {c['missed']:4} {share:>6}  "
              f"{rd['exact']:5} {rd['repaired']:4} {rd['inferred']:3} {rd['derived']:4}  {_ids(ids['row']):>9} "
              f"{_ids(col):>9} {_ids(ids['review']):>7} {unexpl:6}  {codes}")
        if verbose:
            for reason, n in r["lacking"].items():
                print(f"    LACKS   {reason} ({n} cells)")
            for k in r["missed_keys"]:
                print(f"    MISSED  {k}")
            for f in r["failing_identities"]:
                print(f"    FAILS   {f['identity']} (findings naming its keys: {', '.join(f['explained_by']) or 'none'})")
            for k in r["other_keys"]:
                print(f"    OTHER   {k} (not a key of template {r['template']})")
    c, rd, ids = total["cells"], total["readings"], total["identities"]
    share = f"{100 * c['share']:.1f}%" if c["share"] is not None else "-"
    print(f"\noverall ({total['files']} files, {total['input_errors']} input errors; parser {PARSER_VERSION}): "
          f"{c.get('read', 0)} of {c.get('template', 0)} template cells read, {c.get('lacking', 0)} lacking in the "
          f"reports, {c.get('missed', 0)} missed: {share} of the cells the reports have")
    print(f"how read: {rd['exact']} exact, {rd['repaired']} repaired, {rd['inferred']} inferred, {rd['derived']} "
          f"derived (of which {total['derived_group_totals']} group totals); {total['prose_figures']} prose figures; "
          f"{total['other_keys']} keys outside the template")
    print("identities holds/fails/unknown: " + ", ".join(f"{fam} {_ids(ids[fam])}" for fam in FAMILIES)
          + f"; failing with no finding naming their keys: {total['identities_failing_unexplained']}")
    print("status: " + ", ".join(f"{s}×{n}" for s, n in sorted(total["status"].items())))
    print("findings: " + (", ".join(f"{k}×{n}" for k, n in total["findings"].items()) or "none"))
    ok = total["files"] - total["input_errors"]
    print("metadata read: " + ", ".join(f"{m} {n}/{ok}" for m, n in total["meta_read"].items()))
    print(f"\n{'file':32} {'year':4} {'region':6} {'level':10} agency")
    for r in rows:
        if "input_error" not in r:
            print(f"{r['file'][:32]:32} {r['year'] or '-':4} {r['region_code'] or '-':6} {r['level'] or '-':10} "
                  f"{r['agency'] or '-'}")


def main(argv: list[str]) -> int:
    as_json = "--json" in argv
    verbose = "-v" in argv
    args = [Path(a) for a in argv if not a.startswith("-")]
    paths = args or [UNLABELLED]
    for p in paths:
        if not p.exists():
            print(f"no such file or folder: {p}", file=sys.stderr)
            return 2
    rows = [measure(name, path) for name, path, _ in documents(paths)]
    total = summarise(rows)
    if as_json:
        out = {"parser_version": PARSER_VERSION, "inputs": [str(p) for p in paths], "overall": total, "files": rows}
        print(json.dumps(out, ensure_ascii=False, indent=1))
    else:
        print_table(rows, total, verbose)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
