"""The cross-year identities of the same body's consecutive reports, on today's parse.

    python bench/cross_year.py [FOLDER|FILE ...] [--json]

Default folder: ../shared/corpus/unlabelled (经济发展局 2019–2023 across both templates, 君山
2023–2025, 金井 2019–2020, …). Reports are grouped by the agency the parser read (one report a
body and year: of several documents, the one with the most figures), and every pair of
consecutive years is checked:

- carry-over, both templates and across the template change:
  applications.carried_over.total(t) = applications.carried_forward.total(t−1)
- 2021 template on both sides, for 规章 and 行政规范性文件:
  active.X.in_force(t) = in_force(t−1) + issued(t) − repealed(t)
- 2019 template on both sides, for 行政许可, 其他对外管理服务事项, 行政处罚, 行政强制, 行政事业性收费:
  active.X.prev_items(t) = prev_items(t−1) + change(t−1)

The checks are the service's own (`app/checks.py`, served as GET /reports/{id}/checks); this
script runs them over parsed files instead of stored reports. Each is `holds`, `fails`, or
`unknown` (a figure missing on a side, or inferred). How each side's figures were read
(exact, repaired, …) is printed beside them: a check over split figures is only as good as the
split. Evidence for the cross-year checks and for the inferred-split evidence of the
unseen-reports work; nothing is changed.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from reportset import UNLABELLED, InputError, ParsedReport, documents, parse  # noqa: E402

from app.checks import CHECKS, Side, run  # noqa: E402
from app.parsing import PARSER_VERSION  # noqa: E402


def one_a_year(reports: list[tuple[str, ParsedReport]]) -> dict[str, dict[int, tuple[str, ParsedReport]]]:
    """agency → year → (file, report): one report a body and year, the document with the
    most figures (ties: the first by name)."""
    out: dict[str, dict[int, tuple[str, ParsedReport]]] = {}
    for name, r in reports:
        if r.agency is None or r.year is None:
            continue
        years = out.setdefault(r.agency, {})
        if r.year not in years or len(r.figures) > len(years[r.year][1].figures):
            years[r.year] = (name, r)
    return out


def side(number: int, r) -> Side:
    """A parsed file (anything with a template, figures and perhaps a year) as the checks see a
    stored report (`number`: its place in the run)."""
    return Side(report_id=number, year=getattr(r, "year", None), template=r.template,
                figures={f.key: (f.value, tuple(f.flags)) for f in r.figures})


def applies(check, prev, this) -> bool:
    return check.applies(prev.template, this.template)


def run_check(check, prev, this) -> dict:
    """The service's check over two parsed files (or Sides), with whether every term is 0 (it
    then holds and tells little: most bodies report 0)."""
    before = prev if isinstance(prev, Side) else side(0, prev)
    after = this if isinstance(this, Side) else side(1, this)
    out = run(check, before, after, (before.year, after.year), "previous")
    return {"check": check.id, "verdict": out["verdict"], "all_zero": all(t["value"] == 0 for t in out["terms"]),
            "terms": [{"side": s, **t} for t, (s, _, _) in zip(out["terms"], check.terms)]}


def pairs(reports: list[tuple[str, ParsedReport]]) -> list[dict]:
    """Every consecutive pair of one body's reports, with every check that applies to it."""
    out = []
    for agency, years in sorted(one_a_year(reports).items()):
        for year in sorted(years):
            if year - 1 not in years:
                continue
            (pname, prev), (tname, this) = years[year - 1], years[year]
            before, after = side(year - 1, prev), side(year, this)
            checks = [run_check(c, before, after) for c in CHECKS if applies(c, prev, this)]
            out.append({"agency": agency, "years": [year - 1, year], "files": [pname, tname],
                        "templates": [prev.template, this.template], "checks": checks})
    return out


def load(paths: list[Path]) -> list[tuple[str, ParsedReport]]:
    out = []
    for name, path, _ in documents(paths):
        r = parse(path)
        if not isinstance(r, InputError):
            out.append((name, r))
    return out


def _term(x: dict) -> str:
    side = "t−1" if x["side"] == "prev" else "t"
    v = "—" if x["value"] is None else f"{x['value']:g}"
    how = "" if x["reading"] in (None, "exact") else f" ({x['reading']})"
    return f"{x['key'].split('.', 1)[1]}({side}) {v}{how}"


def main(argv: list[str]) -> int:
    as_json = "--json" in argv
    paths = [Path(a) for a in argv if not a.startswith("-")] or [UNLABELLED]
    reports = load(paths)
    found = pairs(reports)
    totals: dict[str, Counter[str]] = {}
    for p in found:
        for c in p["checks"]:
            totals.setdefault(c["check"], Counter())[c["verdict"]] += 1
            if c["all_zero"]:
                totals[c["check"]]["all_zero"] += 1
    series = {a: sorted(y) for a, y in one_a_year(reports).items()}
    if as_json:
        print(json.dumps({"parser_version": PARSER_VERSION, "inputs": [str(p) for p in paths], "series": series,
                          "pairs": found, "totals": {k: dict(v) for k, v in totals.items()}},
                         ensure_ascii=False, indent=1))
        return 0
    print("series (body: years read):")
    for agency, years in sorted(series.items()):
        print(f"  {agency}: {', '.join(map(str, years))}")
    print(f"\n{'years':9} {'tpl':9} {'check':26} {'verdict':8} terms (left = right)")
    agency = None
    for p in found:
        if p["agency"] != agency:
            agency = p["agency"]
            print(f"{agency}:")
        years = f"{p['years'][0]}→{p['years'][1]}"
        tpl = f"{p['templates'][0]}→{p['templates'][1]}"
        for c in p["checks"]:
            t = c["terms"]
            rhs = " ".join(("+ " if x["sign"] > 0 else "− ") + _term(x) for x in t[1:]).removeprefix("+ ")
            verdict = c["verdict"] + ("⁰" if c["all_zero"] else "")
            print(f"{years:9} {tpl:9} {c['check']:26} {verdict:8} {_term(t[0])} = {rhs}")
    print(f"\n{len(found)} consecutive pairs (parser {PARSER_VERSION}); ⁰: every term 0")
    print(f"{'check':26} {'holds':>5} {'of which ⁰':>10} {'fails':>5} {'unknown':>7}")
    every = Counter()
    for name, c in list(totals.items()) + [("all", every)]:
        if name != "all":
            every.update(c)
        print(f"{name:26} {c['holds']:5} {c['all_zero']:10} {c['fails']:5} {c['unknown']:7}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
