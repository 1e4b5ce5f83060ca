"""Priors for choosing among the splits of a run-together cell, measured, not assumed.

    python bench/priors.py [FOLDER ...] [--write] [--json]
    python bench/priors.py --score TEMPLATE ROW DIGITS [INDEX=VALUE ...]   # e.g. --score 2021 normative_docs 1027
    python bench/priors.py --leave-one-out [FOLDER ...]   # real rows run together, ranked by the others' priors

Default folders: ../shared/corpus and ../shared/corpus/unlabelled. Every report document is
parsed; documents of one report (same agency and year: the corpus's layout copies) count
once, each figure taken from the document that read it best. A figure is observed at one of
three tiers, and each prior is counted at each tier, cumulatively:

- clean: read from a cell of its own (no `repaired` or `inferred` flag; a blank cell read as 0
  counts), in a section 三 row or section 四 block whose sum holds;
- forced: also cells cut from a run-together digit string that has one split only, whatever
  the arithmetic (0000000 into seven cells, 00126 into 0 | 0 | 126: numbers are written
  without leading zeros);
- arithmetic: also the splits that only the template's arithmetic singled out (sections 三
  and 四; section 二 has no arithmetic, so a section 二 split that was not forced was chosen by
  the report's prose and is never used here: it would measure the hint with itself).

Group totals (computed by the parser from their rows) are never observations. A prior over
a row is observed when the cells it tests are at the tier; `informative` observations are
those in a row with a figure other than 0 (an all-zero row fits nearly every regularity and
tells little; most bodies report zeros). The figures of a corpus document's gold file
(*.expected.json, hand-checked against the published page's own cells) are observed at the
clean tier with their gold value. Counts, not only rates; a Wilson 95% lower bound; the number of
distinct reports behind each count; and a strength from that number (see STRENGTH).

--write stores the table in app/parsing/data/priors.json (what the parser may load) and its
rendering in docs/priors.md; --json prints the JSON; otherwise the Markdown is printed.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cross_year import CHECKS, applies, run_check  # noqa: E402
from reportset import (  # noqa: E402
    CORPUS,
    ROOT,
    UNLABELLED,
    InputError,
    ParsedReport,
    documents,
    evaluate,
    group_total,
    parse,
)

from app.parsing import PARSER_VERSION  # noqa: E402
from app.parsing import templates as t  # noqa: E402

TIERS = ("clean", "forced", "arithmetic")
DATA_FILE = ROOT / "app" / "parsing" / "data" / "priors.json"
DOC_FILE = ROOT / "docs" / "priors.md"
# strength from the number of distinct reports with an informative observation
STRENGTH = ((30, "fair"), (10, "weak"), (3, "very weak"), (0, "anecdotal"))
_APPLICANT_ORDER = tuple(c.key for c in t.APPLICANT_COLUMNS)
_OUTCOME_ORDER = tuple(o.key for o in t.REVIEW.outcomes)
_REVIEW_KINDS = tuple(k.key for k in t.REVIEW.kinds)
MAX_PART_DIGITS = 9  # as the parser's splitter


# ---------------------------------------------------------------- observations

@lru_cache(maxsize=4096)
def count_splits(digits: str, parts: int) -> int:
    """Ways to cut `digits` into `parts` numbers written without leading zeros (a part of
    at most MAX_PART_DIGITS digits). count_splits('00126', 3) == 1."""
    if parts == 0:
        return 1 if not digits else 0
    if len(digits) < parts:
        return 0
    total = 0
    for end in range(1, min(len(digits), MAX_PART_DIGITS) + 1):
        head = digits[:end]
        if len(head) > 1 and head[0] == "0":
            break
        total += count_splits(digits[end:], parts - 1)
        if total > 1:
            return total  # more than one: that is all we need to know
    return total


def _run_of(text: str, start: int, end: int) -> tuple[int, int]:
    while start > 0 and text[start - 1].isdigit():
        start -= 1
    while end < len(text) and text[end].isdigit():
        end += 1
    return start, end


def forced_keys(report: ParsedReport) -> set[str]:
    """Keys of repaired figures cut from a digit string that has one split only. The figures
    must cover the whole string (digits of the next row's numbering, 2. in …00000002.没有…,
    aside): a string some of whose parts were left out is not counted as forced."""
    runs: dict[tuple[int, int, int], list] = {}
    for f in report.figures:
        if "repaired" not in f.flags or f.source is None:
            continue
        s = f.source
        run = _run_of(s.text, s.start, s.end)
        runs.setdefault((s.line, *run), []).append(f)
    out: set[str] = set()
    for (_, run_start, run_end), figs in runs.items():
        text = figs[0].source.text
        start = min(f.source.start for f in figs)
        end = max(f.source.end for f in figs)
        tail = text[end:run_end]
        numbering = tail.isdigit() and len(tail) <= 2 and text[run_end:run_end + 1] in (".", "、", "．")
        if start != run_start or (end != run_end and not numbering):
            continue
        if sum(f.source.end - f.source.start for f in figs) != end - start:
            continue
        digits = text[start:end]
        if digits.isdigit() and count_splits(digits, len(figs)) == 1:
            out.update(f.key for f in figs)
    return out


def tiers_of(report: ParsedReport) -> dict[str, tuple[float, int]]:
    """key → (value, tier index) for every figure that may be observed."""
    tpl = report.template
    forced = forced_keys(report)
    values = {f.key: f.value for f in report.figures}
    bad_rows: set[str] = set()
    for identity, verdict in evaluate(tpl, values):
        if identity.family in ("row", "review") and verdict == "fails":
            bad_rows.update(identity.keys)
    out: dict[str, tuple[float, int]] = {}
    for f in report.figures:
        if not f.key.startswith(("active.", "applications.", "review_litigation.")):
            continue
        if group_total(f.key, tpl) or f.key in bad_rows or "inferred" in f.flags or "approximate" in f.flags:
            continue
        if "repaired" not in f.flags:
            tier = 0
        elif f.key in forced:
            tier = 1
        elif not f.key.startswith("active."):
            tier = 2
        else:
            continue  # a section 二 split chosen by the prose
        out[f.key] = (f.value, tier)
    return out


def gold_for(path: Path) -> dict[str, float]:
    """The hand-checked figures of a corpus document (its *.expected.json), if any."""
    for stem in (path.name.rsplit(".", 1)[0],):
        exp = path.with_name(f"{stem}.expected.json")
        if exp.is_file():
            data = json.loads(exp.read_text(encoding="utf-8"))
            if data.get("file") == path.name:
                return data.get("figures", {})
    return {}


@dataclass(slots=True)
class Report:
    """One body's report for one year, from all its documents."""

    label: str
    template: str
    files: list[str]
    values: dict[str, tuple[float, int]]  # key → (value, tier)
    text: str  # the normalised text of its first document
    figures: list  # the first document's figures, for the cross-year checks
    conflicts: int = 0  # keys its documents read differently (left out)
    gold: int = 0  # observations taken from a gold file


def gather(paths: list[Path]) -> list[Report]:
    """One Report a body and year. A figure listed in a corpus document's gold file
    (hand-checked against the published page's own cells) is observed at the clean tier
    with the gold value, whatever the parse made of it."""
    by_report: dict[tuple, Report] = {}
    for name, path, _ in documents(paths):
        r = parse(path)
        if isinstance(r, InputError) or not r.template:
            continue
        vals = tiers_of(r)
        gold = {k: v for k, v in gold_for(path).items() if k.startswith(("active.", "applications.", "review_"))
                and not group_total(k, r.template)}
        vals.update({k: (v, 0) for k, v in gold.items()})
        ident = (r.agency, r.year, r.template) if r.agency and r.year else (name,)
        rep = by_report.get(ident)
        if rep is None:
            label = f"{r.agency} {r.year}" if len(ident) == 3 else name
            by_report[ident] = Report(label, r.template, [name], vals, r.normalized_text, r.figures, gold=len(gold))
            continue
        rep.files.append(name)
        rep.gold = max(rep.gold, len(gold))
        for k, (v, tier) in vals.items():
            if k in rep.values and rep.values[k][0] != v:
                rep.conflicts += 1
                del rep.values[k]
            elif k not in rep.values or tier < rep.values[k][1]:
                rep.values[k] = (v, tier)
    return list(by_report.values())


# ---------------------------------------------------------------- priors as data

@dataclass(frozen=True, slots=True)
class RowPrior:
    """A regularity over some cells of a row: `test(values)` on the row's `cols`, for every
    row of `rows` (key prefixes) in a report of `template`."""

    id: str
    template: str
    statement: str
    rows: tuple[str, ...]
    cols: tuple[str, ...]
    test: Callable[..., bool]
    use: str  # what it can decide


_DOC_ROWS = ("active.rules", "active.normative_docs")
_ITEM_ROWS = ("active.permit", "active.other_services", "active.penalty", "active.enforcement", "active.fees")
ROW_PRIORS: tuple[RowPrior, ...] = (
    RowPrior("docs_made_eq_published", "2019", "本年新制作数量 = 本年新公开数量", _DOC_ROWS,
             ("new_made", "new_published"), lambda a, b: a == b,
             "2019 规章/规范性文件 run together: 7713 → 7|7|13, not 77|1|3"),
    RowPrior("docs_total_ge_published", "2019", "对外公开总数量 ≥ 本年新公开数量", _DOC_ROWS,
             ("new_published", "total"), lambda a, b: b >= a, "rules out 7|71|3"),
    RowPrior("docs_total_ge_made", "2019", "对外公开总数量 ≥ 本年新制作数量", _DOC_ROWS,
             ("new_made", "total"), lambda a, b: b >= a, "as above"),
    RowPrior("items_change_within_prev", "2019", "|本年增/减| ≤ 上一年项目数量", _ITEM_ROWS,
             ("prev_items", "change"), lambda a, b: abs(b) <= a,
             "行政许可3960181 → 396|0|181, not 39|60|181 or 3|960|181"),
    RowPrior("items_change_zero", "2019", "本年增/减 = 0 (informative: in a row with a figure other than 0)",
             _ITEM_ROWS, ("change",), lambda a: a == 0, "how likely a 0 in the 增/减 column is"),
    RowPrior("items_decisions_zero_without_items", "2019",
             "处理决定数量 = 0 when 上一年项目数量 + 本年增/减 = 0",
             ("active.permit", "active.other_services", "active.penalty", "active.enforcement"),
             ("prev_items", "change", "decisions"), lambda a, b, c: a + b != 0 or c == 0,
             "(a candidate that fails: decisions are counted where no item is listed)"),
    RowPrior("procurement_amount_ge_items", "2019", "采购总金额（万元）≥ 采购项目数量 × 1 万元 when items > 0",
             ("active.procurement",), ("items", "amount_wan"), lambda a, b: a == 0 or b >= a,
             "items glued to their amount: 3147230元"),
    RowPrior("docs_in_force_ge_issued", "2021", "现行有效件数 ≥ 本年制发件数", _DOC_ROWS,
             ("issued", "in_force"), lambda a, b: b >= a, "行政规范性文件1027 → 1|0|27, not 10|2|7"),
    RowPrior("docs_repealed_le_in_force", "2021", "本年废止件数 ≤ 现行有效件数", _DOC_ROWS,
             ("repealed", "in_force"), lambda a, b: a <= b, "6233440 → 62|33|440, not 62|334|40"),
    RowPrior("docs_repealed_le_issued", "2021", "本年废止件数 ≤ 本年制发件数", _DOC_ROWS,
             ("issued", "repealed"), lambda a, b: b <= a, "(candidate)"),
    RowPrior("docs_in_force_eq_issued", "2021", "现行有效件数 = 本年制发件数", _DOC_ROWS,
             ("issued", "in_force"), lambda a, b: a == b,
             "(candidate: bodies that count only this year's documents as in force)"),
    RowPrior("docs_repealed_zero", "2021", "本年废止件数 = 0 (informative: in a row with a figure other than 0)",
             _DOC_ROWS, ("repealed",), lambda a: a == 0, "how likely a 0 in the 废止 column is"),
    RowPrior("apps_new_ge_carried_over", "both", "本年新收 ≥ 上年结转 (总计)", ("applications",),
             ("new_received.total", "carried_over.total"), lambda a, b: a >= b, "(candidate)"),
)


def _digits(v: float) -> int:
    return len(str(abs(int(v))))


def _row_values(rep: Report, row: str, cols: tuple[str, ...], tier: int) -> tuple[float, ...] | None:
    vals = []
    for c in cols:
        got = rep.values.get(f"{row}.{c}")
        if got is None or got[1] > tier:
            return None
        vals.append(got[0])
    return tuple(vals)


def _wilson_low(k: int, n: int, z: float = 1.96) -> float | None:
    if n == 0:
        return None
    p = k / n
    d = 1 + z * z / n
    c = p + z * z / (2 * n)
    r = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, round((c - r) / d, 3))


def _strength(reports: int) -> str:
    return next(name for floor, name in STRENGTH if reports >= floor)


def _tally(obs: list[tuple[str, bool, bool]]) -> dict:
    """obs: (report, holds, informative) → counts."""
    inf = [o for o in obs if o[2]]
    return {"n": len(obs), "holds": sum(o[1] for o in obs), "reports": len({o[0] for o in obs}),
            "informative_n": len(inf), "informative_holds": sum(o[1] for o in inf),
            "informative_reports": len({o[0] for o in inf}),
            "informative_rate": round(sum(o[1] for o in inf) / len(inf), 3) if inf else None,
            "informative_wilson_low": _wilson_low(sum(o[1] for o in inf), len(inf))}


def measure_row_prior(p: RowPrior, reports: list[Report]) -> dict:
    per_tier = {}
    for ti, tier in enumerate(TIERS):
        obs = []
        for rep in reports:
            if p.template not in ("both", rep.template):
                continue
            for row in p.rows:
                vals = _row_values(rep, row, p.cols, ti)
                if vals is not None:
                    whole = [v for k, (v, _) in rep.values.items() if k.startswith(row + ".")]
                    obs.append((rep.label, bool(p.test(*vals)), any(v != 0 for v in (*vals, *whole))))
        per_tier[tier] = _tally(obs)
    return {"id": p.id, "template": p.template, "statement": p.statement, "rows": list(p.rows),
            "columns": list(p.cols), "decides": p.use, "counts": per_tier,
            "strength": _strength(per_tier["forced"]["informative_reports"])}


def _neighbour_rows(template: str) -> list[tuple[str, tuple[str, ...]]]:
    """(section, keys in the order the table prints them) for every row of the template."""
    out = []
    for row in t.TEMPLATES[template].active:
        if len(row.columns) > 1:
            out.append(("二", tuple(f"{row.key}.{s}" for s, _ in row.columns)))
    for row in t.TEMPLATES[template].rows:
        out.append(("三", tuple(f"applications.{row.key}.{c}" for c in _APPLICANT_ORDER)))
    for kind in _REVIEW_KINDS:
        out.append(("四", tuple(f"review_litigation.{kind}.{o}" for o in _OUTCOME_ORDER)))
    return out


def measure_digits(reports: list[Report]) -> list[dict]:
    """For neighbouring cells of a row, both other than 0: how far apart their digit counts
    are (0, 1, 2, 3+), per section and template."""
    out = []
    for section in ("二", "三", "四"):
        for tpl in t.TEMPLATES:
            per_tier = {}
            for ti, tier in enumerate(TIERS):
                gaps: Counter[str] = Counter()
                obs = []
                for rep in reports:
                    if rep.template != tpl:
                        continue
                    for sec, keys in _neighbour_rows(tpl):
                        if sec != section:
                            continue
                        for a, b in zip(keys, keys[1:]):
                            va, vb = rep.values.get(a), rep.values.get(b)
                            if va is None or vb is None or va[1] > ti or vb[1] > ti or va[0] == 0 or vb[0] == 0:
                                continue
                            gap = abs(_digits(va[0]) - _digits(vb[0]))
                            gaps[str(min(gap, 3)) + ("+" if gap >= 3 else "")] += 1
                            obs.append((rep.label, gap <= 1, True))
                per_tier[tier] = {**_tally(obs), "gaps": dict(sorted(gaps.items()))}
            out.append({"id": f"neighbour_digits_within_1_{section}", "template": tpl, "section": section,
                        "statement": f"section {section}: neighbouring cells, both ≠ 0, differ by ≤ 1 digit",
                        "counts": per_tier, "strength": _strength(per_tier["forced"]["informative_reports"])})
    return out


def _column_groups(template: str) -> list[tuple[str, list[str]]]:
    """(column name, its keys): section 二 by row and column, section 三 by applicant column
    over every row (group totals apart), section 四 by outcome over the three kinds."""
    out = []
    for row in t.TEMPLATES[template].active:
        for s, _ in row.columns:
            out.append((f"{row.key}.{s}", [f"{row.key}.{s}"]))
    rows = [r.key for r in t.TEMPLATES[template].rows]
    for c in _APPLICANT_ORDER:
        out.append((f"applications.*.{c}", [f"applications.{r}.{c}" for r in rows]))
    for o in _OUTCOME_ORDER:
        out.append((f"review_litigation.*.{o}", [f"review_litigation.{k}.{o}" for k in _REVIEW_KINDS]))
    return out


def measure_zeros(reports: list[Report]) -> list[dict]:
    out = []
    for tpl in t.TEMPLATES:
        for name, keys in _column_groups(tpl):
            per_tier = {}
            for ti, tier in enumerate(TIERS):
                n = zeros = 0
                reps: set[str] = set()
                for rep in reports:
                    if rep.template != tpl:
                        continue
                    for k in keys:
                        got = rep.values.get(k)
                        if got is not None and got[1] <= ti:
                            n += 1
                            zeros += got[0] == 0
                            reps.add(rep.label)
                per_tier[tier] = {"n": n, "zeros": zeros, "reports": len(reps),
                                  "share": round(zeros / n, 3) if n else None}
            out.append({"template": tpl, "column": name, "counts": per_tier})
    return out


# prose wordings that restate a section 二 figure (evidence (a) of the split decision)
PROSE = (
    ("prose_docs_made", re.compile(r"(?:制发|制定|出台|印发)(?:行政)?规范性文件\s*(\d+)\s*件"),
     {"2019": "active.normative_docs.new_made", "2021": "active.normative_docs.issued"},
     "the prose's 制发/制定/出台/印发(行政)规范性文件N件 = the table's 本年新制作 (2019) / 本年制发 (2021)"),
    ("prose_docs_category", re.compile(r"规范性文件(?:类)?(?:信息)?\s*(\d+)\s*条"),
     {"2019": "active.normative_docs.new_published", "2021": "active.normative_docs.issued"},
     "the prose's …规范性文件类N条 (posts in that category) = the table's 本年新公开 (2019) / 本年制发 (2021)"),
)


def measure_prose(reports: list[Report]) -> list[dict]:
    out = []
    for pid, rx, keys, statement in PROSE:
        per_tier = {}
        for ti, tier in enumerate(TIERS):
            obs = []
            for rep in reports:
                m = rx.search(rep.text)
                got = rep.values.get(keys[rep.template])
                if m and got is not None and got[1] <= ti:
                    stated = int(m.group(1))
                    obs.append((rep.label, stated == got[0], stated != 0 or got[0] != 0))
            per_tier[tier] = _tally(obs)
        out.append({"id": pid, "template": "both", "statement": statement, "keys": keys, "counts": per_tier,
                    "strength": _strength(per_tier["forced"]["informative_reports"])})
    return out


def measure_leading_zeros(paths: list[Path]) -> dict:
    """Cells read exactly (no flag) whose printed digits start with a 0 (05, 007)."""
    n = lead = 0
    for _, path, _ in documents(paths):
        r = parse(path)
        if isinstance(r, InputError):
            continue
        for f in r.figures:
            if f.flags or f.source is None or not f.key.startswith(("active.", "applications.", "review_")):
                continue
            s = f.source.text[f.source.start:f.source.end]
            digits = re.match(r"\d+", s)
            if digits:
                n += 1
                lead += len(digits.group()) > 1 and digits.group()[0] == "0"
    return {"id": "no_leading_zero", "statement": "a number in a cell is written without leading zeros",
            "documents_cells": n, "leading_zero_cells": lead,
            "note": "counted over documents, not reports (the corpus's copies repeat cells)"}


def measure_cross_year(reports: list[Report]) -> list[dict]:
    """The issue-15 identities on consecutive reports, counted by tier: a pair is observed at
    the worst tier of its terms."""
    by_body: dict[str, dict[int, Report]] = {}
    for rep in reports:
        agency, _, year = rep.label.rpartition(" ")
        if year.isdigit():
            by_body.setdefault(agency, {})[int(year)] = rep
    out = []
    for check in CHECKS:
        per_tier = {}
        for ti, tier in enumerate(TIERS):
            obs = []
            for agency, years in by_body.items():
                for y in years:
                    if y - 1 not in years:
                        continue
                    prev, this = years[y - 1], years[y]
                    pr, tr = _Stub(prev), _Stub(this)
                    if not applies(check, pr, tr):
                        continue
                    c = run_check(check, pr, tr)
                    if c["verdict"] == "unknown":
                        continue
                    sides = {"prev": prev, "this": this}
                    if any(sides[x["side"]].values.get(x["key"], (0, 9))[1] > ti for x in c["terms"]):
                        continue
                    obs.append((f"{agency} {y - 1}→{y}", c["verdict"] == "holds", not c["all_zero"]))
            per_tier[tier] = _tally(obs)
        out.append({"id": f"cross_year {check.id}", "statement": _statement(check), "counts": per_tier,
                    "strength": _strength(per_tier["forced"]["informative_reports"])})
    return out


class _Stub:
    """What cross_year's checks read of a report."""

    def __init__(self, rep: Report) -> None:
        self.template = rep.template
        self.figures = rep.figures


def _statement(check) -> str:
    side = {"prev": "(t−1)", "this": "(t)"}
    first, *rest = check.terms
    rhs = " ".join(("+ " if s > 0 else "− ") + k.split(".", 1)[1] + side[sd] for sd, k, s in rest).removeprefix("+ ")
    return f"{first[1].split('.', 1)[1]}{side[first[0]]} = {rhs}"


# ---------------------------------------------------------------- output

def _commit() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              timeout=10).stdout.strip()
    except OSError:
        return "unknown"
    return head or "unknown"


def _shown(p: Path) -> str:
    """A folder as the README names it (../shared/corpus), else as given."""
    base = ROOT.parent
    p = p if p.is_absolute() else Path.cwd() / p
    for folder in (p, p.resolve()):
        for root in (base, base.resolve()):
            if folder.is_relative_to(root):
                return f"../{folder.relative_to(root)}"
    return str(p)


def build(paths: list[Path]) -> dict:
    reports = gather(paths)
    tiers = Counter(tier for rep in reports for _, tier in rep.values.values())
    return {
        "about": "How often candidate regularities hold on cleanly read reports: priors to score the splits of "
                 "run-together cells (issue 14 (c)). Counts at three cumulative tiers (clean, forced, "
                 "arithmetic; see docs/priors.md); 'informative' observations have a figure other than 0. "
                 "Regenerate with: python bench/priors.py --write",
        "measured": {
            "date": dt.date.today().isoformat(),
            "parser_version": PARSER_VERSION,
            "commit": _commit(),
            "inputs": [_shown(p) for p in paths],
            "documents": sum(len(r.files) for r in reports),
            "reports": len(reports),
            "reports_by_template": dict(sorted(Counter(r.template for r in reports).items())),
            "observations_by_tier": {TIERS[i]: tiers[i] for i in range(len(TIERS))},
        },
        "strength_scale": {name: f"≥ {floor} distinct reports with an informative observation (forced tier)"
                           for floor, name in STRENGTH},
        "row_priors": [measure_row_prior(p, reports) for p in ROW_PRIORS],
        "neighbour_digits": measure_digits(reports),
        "prose": measure_prose(reports),
        "cross_year": measure_cross_year(reports),
        "zero_share": measure_zeros(reports),
        "leading_zeros": measure_leading_zeros(paths),
        "leave_one_out": leave_one_out(reports),
        "reports": [{"report": r.label, "template": r.template, "documents": r.files,
                     "observations": dict(sorted(Counter(TIERS[tier] for _, tier in r.values.values()).items())),
                     "conflicts": r.conflicts} for r in sorted(reports, key=lambda r: r.label)],
    }


def _md(text: str) -> str:
    """Text for a Markdown table cell."""
    return text.replace("|", "\\|")


def _c(c: dict) -> str:
    return f"{c['holds']}/{c['n']}"


def _ci(c: dict) -> str:
    if not c["informative_n"]:
        return "0"
    return (f"{c['informative_holds']}/{c['informative_n']} ({c['informative_reports']} rep., "
            f"≥{c['informative_wilson_low']:.2f})")


def render(data: dict) -> str:
    m = data["measured"]
    out = [
        "# Priors for inferred splits, as measured",
        "",
        "Generated by `python bench/priors.py --write` (do not edit by hand); the same numbers are in "
        "`app/parsing/data/priors.json`, for the parser to load.",
        "",
        f"Measured {m['date']} at commit {m['commit']} (parser {m['parser_version']}) on "
        f"{', '.join(m['inputs'])}: {m['documents']} documents, {m['reports']} distinct reports "
        f"({', '.join(f'{n} of the {k} template' for k, n in m['reports_by_template'].items())}). "
        "Copies of one report (layouts, encodings, scripts) count once.",
        "",
        "**Tiers** (cumulative): *clean* — read from a cell of its own, in a row whose sum holds; *forced* — "
        "also cells cut from a run-together digit string that has one split only (numbers have no leading "
        "zeros: `00126` into three cells is 0|0|126); *arithmetic* — also splits that only the template's "
        "arithmetic singled out (sections 三 and 四 only: a section 二 split that was not forced was chosen by "
        "the report's prose, and measuring the prose with it would be circular). Group totals are never "
        "observations.",
        "",
        "**Informative** observations are those in a row with a figure other than 0 (for neighbouring "
        "digits: pairs of cells both other than 0; across years: pairs of reports with a term other than 0). "
        "Most of these bodies report zeros, and an all-zero row fits nearly every regularity: the informative "
        "count is the one that says anything. "
        "Cells: *holds/observed*; informative: *holds/observed (distinct reports, Wilson 95% lower bound of "
        "the rate)*. **Strength** is from the number of distinct reports with an informative observation at "
        "the forced tier: " + "; ".join(f"{name} {v.split(' distinct')[0]}" for name, v in
                                        data["strength_scale"].items()) + ".",
        "",
        f"**Sample size.** {m['reports']} reports, most of them from one city's departments, most of their "
        "tables all zeros: every prior below is weak evidence at best. Use them to rank splits that the "
        "arithmetic and the prose leave open, with a margin, never alone against a stated figure.",
        "",
        "**Using them.** A split of a run-together cell that the arithmetic leaves open may be scored, for "
        "every prior that applies to it, by the smoothed rate at the forced tier, (holds + 1) / (n + 2) over "
        "the informative observations, when it holds and one minus it when it fails; the best split is "
        "inferred only when it beats the next by a clear margin (see docs/unseen-reports.md for the proposal "
        "and the risk). A prior that has never failed here may still fail on the next report.",
        "",
        "## Regularities within a row",
        "",
        "| prior | template | statement | clean | clean, informative | forced | forced, informative | strength | decides |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for p in data["row_priors"]:
        c = p["counts"]
        out.append(f"| `{p['id']}` | {p['template']} | {_md(p['statement'])} | {_c(c['clean'])} | {_ci(c['clean'])} | "
                   f"{_c(c['forced'])} | {_ci(c['forced'])} | {p['strength']} | {_md(p['decides'])} |")
    out += ["", "## Digit counts of neighbouring cells", "",
            "Neighbouring cells of a row in the order the table prints them (section 四: within a block), both "
            "other than 0 (a 0 has one digit whatever its neighbours). Gaps: how many pairs differ by 0, 1, 2, 3+ "
            "digits.", "",
            "| section | template | clean | forced | arithmetic | gaps (arithmetic tier) | strength |",
            "|---|---|---|---|---|---|---|"]
    for p in data["neighbour_digits"]:
        c = p["counts"]
        gaps = ", ".join(f"{g}: {n}" for g, n in c["arithmetic"]["gaps"].items()) or "-"
        out.append(f"| {p['section']} | {p['template']} | {_ci(c['clean'])} | {_ci(c['forced'])} | "
                   f"{_ci(c['arithmetic'])} | {gaps} | {p['strength']} |")
    out += ["", "## The report's prose restating a section 二 figure", "",
            "| evidence | statement | clean | forced | strength |", "|---|---|---|---|---|"]
    for p in data["prose"]:
        c = p["counts"]
        out.append(f"| `{p['id']}` | {p['statement']} | {_c(c['clean'])}; informative {_ci(c['clean'])} | "
                   f"{_c(c['forced'])}; informative {_ci(c['forced'])} | {p['strength']} |")
    out += ["", "## Across years (the same body's consecutive reports)", "",
            "Counted per pair of reports; informative: a pair where some term is not 0. "
            "`bench/cross_year.py` lists every pair.", "",
            "| identity | clean | forced | arithmetic | strength |", "|---|---|---|---|---|"]
    for p in data["cross_year"]:
        c = p["counts"]
        out.append(f"| {p['statement']} | {_c(c['clean'])}; informative {_ci(c['clean'])} | "
                   f"{_c(c['forced'])}; informative {_ci(c['forced'])} | "
                   f"{_c(c['arithmetic'])}; informative {_ci(c['arithmetic'])} | {p['strength']} |")
    out += ["", "## Leave one out: real rows run together, ranked by the other reports' priors", "",
            "Every real section 二 row of two or more cells, not all zeros, whose digits run together have more "
            "than one split (a row with a signed 增/减 is left out), ranked by the priors measured without its own "
            "report (`python bench/priors.py --leave-one-out`). Margin: how many times likelier the best split is "
            "than the next, under the smoothed rates.", "",
            "| report | row | digits | its cells | best split | right? | margin |", "|---|---|---|---|---|---|---|"]
    for x in data["leave_one_out"]:
        out.append(f"| {x['report']} | `{x['row']}` | {x['digits']} | {_md('|'.join(map(str, x['truth'])))} | "
                   f"{_md('|'.join(map(str, x['best'])))} | {'yes' if x['right'] else '**no**'} | "
                   f"×{math.exp(x['margin']):.1f} |")
    lz = data["leading_zeros"]
    verdict = ("the splitter's rule that parts have none holds on everything we have" if not lz["leading_zero_cells"]
               else "the splitter's rule that parts have none does not always hold: look at them")
    out += ["", "## Leading zeros", "",
            f"{lz['leading_zero_cells']} of {lz['documents_cells']} cells read exactly (counted over documents) "
            f"are written with a leading zero: {verdict}.",
            "", "## Share of zeros per column", "",
            "Section 三 columns pooled over the template's rows (group totals apart), section 四 outcomes over "
            "the three kinds. zeros/cells (distinct reports).", "",
            "| template | column | clean | forced | arithmetic |", "|---|---|---|---|---|"]
    for z in data["zero_share"]:
        c = z["counts"]
        cells = [f"{c[tier]['zeros']}/{c[tier]['n']} ({c[tier]['reports']})" for tier in TIERS]
        out.append(f"| {z['template']} | `{z['column']}` | {' | '.join(cells)} |")
    out += ["", "## Reports measured", "", "| report | template | documents | observations by tier | conflicts |",
            "|---|---|---|---|---|"]
    for r in data["reports"]:
        obs = ", ".join(f"{k} {v}" for k, v in r["observations"].items())
        out.append(f"| {r['report']} | {r['template']} | {len(r['documents'])} | {obs} | {r['conflicts']} |")
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------- what the table says of a split

def splits(digits: str, parts: int) -> list[tuple[int, ...]]:
    """Every way to cut `digits` into `parts` numbers without leading zeros."""
    if parts == 1:
        ok = len(digits) <= MAX_PART_DIGITS and (digits == "0" or not digits.startswith("0")) and digits
        return [(int(digits),)] if ok else []
    out = []
    for end in range(1, min(len(digits) - parts + 1, MAX_PART_DIGITS) + 1):
        head = digits[:end]
        if len(head) > 1 and head[0] == "0":
            break
        out += [(int(head), *rest) for rest in splits(digits[end:], parts - 1)]
    return out


def score(data: dict, template: str, row: str, digits: str, known: dict[int, int] | None = None) -> list[dict]:
    """The splits of a run-together section 二 row, best first, each with its log score under
    the measured priors (forced tier, informative observations, rates smoothed as
    (holds + 1) / (n + 2)) and the priors it breaks. A sketch of evidence (c), for the
    numbers in docs/unseen-reports.md, not the parser's scorer."""
    suffixes = next(tuple(s for s, _ in r.columns) for r in t.TEMPLATES[template].active if r.key == row)
    digit_prior = next(p for p in data["neighbour_digits"] if p["section"] == "二" and p["template"] == template)
    out = []
    for cand in splits(digits, len(suffixes)):
        if known and any(cand[i] != v for i, v in known.items()):
            continue
        values = dict(zip(suffixes, cand))
        total, broken = 0.0, []
        checks = [(p, p["counts"]["forced"], [values[c] for c in p["columns"]]) for p in data["row_priors"]
                  if p["template"] == template and row in p["rows"] and all(c in values for c in p["columns"])]
        for p, c, vals in checks:
            rp = next(x for x in ROW_PRIORS if x.id == p["id"])
            rate = (c["informative_holds"] + 1) / (c["informative_n"] + 2)
            holds = bool(rp.test(*vals))
            total += math.log(rate if holds else 1 - rate)
            if not holds:
                broken.append(p["id"])
        c = digit_prior["counts"]["forced"]
        rate = (c["informative_holds"] + 1) / (c["informative_n"] + 2)
        for a, b in zip(cand, cand[1:]):
            if a and b:
                holds = abs(_digits(a) - _digits(b)) <= 1
                total += math.log(rate if holds else 1 - rate)
                if not holds:
                    broken.append(f"digits {a}|{b}")
        out.append({"split": cand, "log_score": round(total, 2), "breaks": broken})
    return sorted(out, key=lambda x: -x["log_score"])


def leave_one_out(reports: list[Report]) -> list[dict]:
    """Every real section 二 row of two or more cells that is not all zeros, read at the forced
    tier, run together as a crawler would (its digits one after the other; rows with a signed
    增/减 left out) and ranked by the priors measured on the other reports: whether the best
    split is the row's own and by what margin (log score of the best minus the next)."""
    out = []
    for i, rep in enumerate(reports):
        rest = reports[:i] + reports[i + 1:]
        data = {"row_priors": [measure_row_prior(p, rest) for p in ROW_PRIORS], "neighbour_digits": measure_digits(rest)}
        for row in t.TEMPLATES[rep.template].active:
            cols = tuple(s for s, _ in row.columns)
            vals = _row_values(rep, row.key, cols, 1)
            if len(cols) < 2 or vals is None or not any(vals) or not all(float(v).is_integer() for v in vals):
                continue
            if any(v for c, v in zip(cols, vals) if c == "change"):
                continue  # printed 增2 / 减30: the sign stays between the digits
            digits = "".join(str(int(v)) for v in vals)
            if count_splits(digits, len(cols)) < 2:
                continue
            ranked = score(data, rep.template, row.key, digits)
            truth = tuple(int(v) for v in vals)
            best = ranked[0]
            margin = round(best["log_score"] - ranked[1]["log_score"], 2) if len(ranked) > 1 else None
            out.append({"report": rep.label, "row": row.key, "digits": digits, "truth": truth,
                        "best": best["split"], "right": best["split"] == truth, "margin": margin,
                        "rank_of_truth": next(j for j, c in enumerate(ranked) if c["split"] == truth) + 1})
    return out


def main(argv: list[str]) -> int:
    if argv[:1] == ["--leave-one-out"]:
        paths = [Path(a) for a in argv[1:]] or [CORPUS, UNLABELLED]
        for x in leave_one_out(gather(paths)):
            print(f"{x['report']:28} {x['row']:22} {x['digits']:>10} truth {'|'.join(map(str, x['truth'])):>12} "
                  f"best {'|'.join(map(str, x['best'])):>12} {'right' if x['right'] else 'WRONG':5} "
                  f"margin {x['margin']} (×{math.exp(x['margin']):.1f}) truth ranked {x['rank_of_truth']}")
        return 0
    if argv[:1] == ["--score"]:
        # --score TEMPLATE ROW DIGITS [INDEX=VALUE ...]: rank the splits of one row with priors.json
        template, row, digits, *rest = argv[1:]
        known = {int(k): int(v) for k, v in (x.split("=") for x in rest)}
        data = json.loads(DATA_FILE.read_text(encoding="utf-8"))
        for c in score(data, template, f"active.{row}", digits, known):
            print(f"{'|'.join(map(str, c['split'])):>16}  {c['log_score']:7.2f}  {', '.join(c['breaks']) or '-'}")
        return 0
    paths = [Path(a) for a in argv if not a.startswith("-")] or [CORPUS, UNLABELLED]
    data = build(paths)
    if "--write" in argv:
        DATA_FILE.parent.mkdir(parents=True, exist_ok=True)
        DATA_FILE.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        DOC_FILE.parent.mkdir(parents=True, exist_ok=True)
        DOC_FILE.write_text(render(data), encoding="utf-8")
        print(f"wrote {DATA_FILE.relative_to(ROOT)} and {DOC_FILE.relative_to(ROOT)}")
    elif "--json" in argv:
        print(json.dumps(data, ensure_ascii=False, indent=1))
    else:
        print(render(data))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
