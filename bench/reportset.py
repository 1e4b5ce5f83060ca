"""What bench/coverage.py, bench/priors.py and bench/cross_year.py share: the report files of a
folder, each parsed once, the template's cells as the catalogue lists them, the template's own
identities as data with one evaluator, and which sections or section 二 rows a report lacks.

Only the parser's public face is used (parse_document, the ParsedReport it returns, the
catalogue and the templates' label data), so the measurements stay the same whatever the
parser's modules look like inside.

    docs = documents([Path("../shared/corpus/unlabelled")])   # [(name, path, media type)]
    report = parse(path)                                       # ParsedReport, or InputError
    template_keys("2021")                                      # 228 keys, section 二, 三, 四
    evaluate(identities("2021"), report.figure_map())          # [(identity, "holds"|"fails"|"unknown")]
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.parsing import InputError, ParsedReport, parse_document  # noqa: E402
from app.parsing import templates as t  # noqa: E402
from app.catalogue import catalogue  # noqa: E402

SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus"
UNLABELLED = CORPUS / "unlabelled"
CONTENT_TYPES = {".txt": "text/plain", ".md": "text/plain", ".html": "text/html", ".htm": "text/html",
                 ".pdf": "application/pdf",
                 ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}
NOT_REPORTS = frozenset({"README.md", "SOURCES.md", "NOTES.md"})  # a folder's notes, not reports
TABLE_SECTIONS = ("active.", "applications.", "review_litigation.")
# how a figure was read, from its flags: the first that applies (a figure counts in one class)
READINGS = ("inferred", "repaired", "derived", "exact")
_GROUPS = {g.key: tuple(n for n, tpl in t.TEMPLATES.items() if g in tpl.groups)
           for tpl in t.TEMPLATES.values() for g in tpl.groups}
_RESULT_PARTS = ("granted", "partially_granted", "denied", "unable", "not_processed", "other")
_COLUMNS = tuple(c.key for c in t.APPLICANT_COLUMNS)
_APPLICANTS = tuple(c for c in _COLUMNS if c != "total")
_OUTCOMES = tuple(o.key for o in t.REVIEW.outcomes if o.key != "total")


def documents(paths: list[Path]) -> list[tuple[str, Path, str]]:
    """(name, path, media type) of every report file among `paths` (folders are listed, one
    level; gold files and notes are left out), sorted by name within each folder."""
    out: list[tuple[str, Path, str]] = []
    for p in paths:
        files = sorted(p.iterdir()) if p.is_dir() else [p]
        for f in files:
            if f.suffix.lower() in CONTENT_TYPES and f.is_file() and f.name not in NOT_REPORTS:
                out.append((f.name if len(paths) == 1 else f"{f.parent.name}/{f.name}", f,
                            CONTENT_TYPES[f.suffix.lower()]))
    return out


def parse(path: Path) -> ParsedReport | InputError:
    try:
        return parse_document(path.read_bytes(), CONTENT_TYPES.get(path.suffix.lower()))
    except InputError as exc:
        return exc


def reading(flags: tuple[str, ...]) -> str:
    """'inferred' | 'repaired' | 'derived' | 'exact' for a figure's flags."""
    return next((r for r in READINGS[:-1] if r in flags), "exact")


@lru_cache(maxsize=4)
def template_keys(template: str) -> tuple[str, ...]:
    """The template's table cells (sections 二, 三, 四) in catalogue order; prose keys are not
    cells of the template."""
    return tuple(k for k, info in catalogue().items() if template in info.templates and k.startswith(TABLE_SECTIONS))


def prose_keys() -> tuple[str, ...]:
    return tuple(k for k in catalogue() if not k.startswith(TABLE_SECTIONS))


# ---------------------------------------------------------------- identities

@dataclass(frozen=True, slots=True)
class Identity:
    """sum(plus) = sum(equals), one of the template's own rules. `family` groups them for the
    tables: row (a section 三 row's applicant columns add up to its 总计), intake (一 + 二 =
    (七) + 四, per column), results ((七) = (一)+…+(六), per column), review (a section 四
    block's outcomes add up to its 总计)."""

    family: str
    name: str
    plus: tuple[str, ...]
    equals: tuple[str, ...]

    @property
    def keys(self) -> tuple[str, ...]:
        return self.plus + self.equals


@lru_cache(maxsize=4)
def identities(template: str) -> tuple[Identity, ...]:
    """Every identity of the template over its catalogue keys. Group totals (denied, unable,
    not_processed, the 2021 other) are left out as rows: the parser computes them from their
    sub-rows, so their sums hold by construction."""
    keys = set(template_keys(template))
    out: list[Identity] = []
    for row in t.TEMPLATES[template].rows:
        a = f"applications.{row.key}"
        out.append(Identity("row", row.key, tuple(f"{a}.{c}" for c in _APPLICANTS), (f"{a}.total",)))
    for col in _COLUMNS:
        a = lambda r: f"applications.{r}.{col}"  # noqa: E731
        out.append(Identity("intake", col, (a("new_received"), a("carried_over")),
                            (a("results_total"), a("carried_forward"))))
        out.append(Identity("results", col, tuple(a(p) for p in _RESULT_PARTS), (a("results_total"),)))
    for kind in (k.key for k in t.REVIEW.kinds):
        r = f"review_litigation.{kind}"
        out.append(Identity("review", kind, tuple(f"{r}.{o}" for o in _OUTCOMES), (f"{r}.total",)))
    assert all(k in keys for i in out for k in i.keys), "an identity names a key the catalogue lacks"
    return tuple(out)


def verdict(identity: Identity, values: dict[str, int | float]) -> str:
    if not all(k in values for k in identity.keys):
        return "unknown"
    lhs = sum(values[k] for k in identity.plus)
    rhs = sum(values[k] for k in identity.equals)
    return "holds" if abs(lhs - rhs) < 1e-6 else "fails"


def evaluate(template: str, values: dict[str, int | float]) -> list[tuple[Identity, str]]:
    return [(i, verdict(i, values)) for i in identities(template)]


# ---------------------------------------------------------------- what a report lacks

_PUNCT = re.compile(r"[\s\"'“”‘’「」『』《》()（）\[\]【】〔〕、，,。.．:：;；/·\-—_*#|]+")


def squash(text: str) -> str:
    return _PUNCT.sub("", text)


# Words that only a section's table carries: a report whose text has none of them has no such
# table (a heading alone, 四、行政复议…情况 with a sentence and no table, is not a table).
_SECTION_WORDS = {
    "active.": ("第二十条", "本年新制作数量", "本年新公开数量", "对外公开总数量", "上一年项目数量", "本年制发件数",
                "本年废止件数", "现行有效件数", "本年处理决定数量", "本年收费金额", "采购项目数量"),
    "applications.": ("本年新收政府信息公开申请", "上年结转政府信息公开申请", "结转下年度继续办理", "予以公开"),
    "review_litigation.": ("结果维持", "结果纠正", "尚未审结", "复议后起诉", "未经复议直接起诉"),
}


def _region(flat: str, starts: tuple[str, ...], ends: tuple[str, ...]) -> str:
    begin = min((i for i in (flat.find(s) for s in starts) if i >= 0), default=-1)
    if begin < 0:
        return ""
    end = min((i for i in (flat.find(s, begin) for s in ends) if i >= 0), default=len(flat))
    return flat[begin:end]


def _present(alias: str, hay: str) -> bool:
    """Whether a label, or a four-character piece of it, stands in `hay`: lenient on purpose,
    so that a row labelled in other words is counted as missed, not as lacking."""
    if len(alias) <= 4:
        return alias in hay
    return any(alias[i:i + 4] in hay for i in range(len(alias) - 3))


def lacking(report: ParsedReport) -> dict[str, str]:
    """The template cells the report itself does not have, each with why: its table is not in
    the text at all ('no section 二 table'), or a section 二 row's label is nowhere in that
    section ('no 规章 row'). Only cells the parse did not read are returned."""
    template = report.template
    if template is None:
        return {}
    got = {f.key for f in report.figures}
    flat = squash(report.normalized_text)
    out: dict[str, str] = {}
    keys = template_keys(template)
    for prefix, words in _SECTION_WORDS.items():
        if not any(w in flat for w in words):
            for k in keys:
                if k.startswith(prefix) and k not in got:
                    out[k] = f"no section {'二三四'[TABLE_SECTIONS.index(prefix)]} table"
    active = _region(flat, ("第二十条", "信息内容"), ("本年新收政府信息公开申请", "收到和处理政府信息公开申请"))
    if active:
        for row in t.TEMPLATES[template].active:
            if not any(_present(squash(a), active) for a in row.aliases):
                for suffix, _ in row.columns:
                    k = f"{row.key}.{suffix}"
                    if k not in got:
                        out.setdefault(k, f"no {row.aliases[0]} row")
    return out


def group_total(key: str, template: str) -> bool:
    """applications.denied.total and the like: computed from the group's sub-rows (the 2019
    template's applications.other.* is a row of its own, not a group)."""
    parts = key.split(".")
    return len(parts) == 3 and parts[0] == "applications" and template in _GROUPS.get(parts[1], ())
