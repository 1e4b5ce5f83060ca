"""The parser against layout variants of every real report in ../shared/corpus, written at
test time by ../shared/tools/variants.py (simplified script, one cell per line, Markdown,
GB18030, an HTML page with merged cells, …): the figures stay the same, so each variant
must give its base report's figures and metadata.

Per variant: no figure that contradicts the base report's expected ones (nor, for a full
expected file, one it does not have), no metadata mismatch, and every expected figure except
those the base report itself misses (its KNOWN_GAPS in test_parsing_corpus)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from app.parsing import parse_document
from test_parsing_corpus import CORPUS, KNOWN_GAPS, META

VARIANTS_TOOL = CORPUS.parent / "tools" / "variants.py"
# what variants.py names its outputs: {stem}.{kind}.{ext}; corpus files so named are variants, not bases
VARIANT_KINDS = frozenset({"simplified", "cells", "markdown", "gb18030", "page"})


def _bases() -> list[Path]:
    """The expected files of the real reports: a .txt report that is not itself a variant."""
    out = []
    for path in sorted(CORPUS.glob("*.expected.json")):
        name = json.loads(path.read_text(encoding="utf-8"))["file"]
        stem = name.removesuffix(".txt")
        if name.endswith(".txt") and stem.rsplit(".", 1)[-1] not in VARIANT_KINDS:
            out.append(path)
    return out


BASES = _bases()


@pytest.fixture(scope="module")
def variant_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every base report's variants, written once for the module by variants.py (it needs
    opencc, so it runs under this interpreter, the venv's)."""
    out = tmp_path_factory.mktemp("variants")
    script = ("import runpy, sys\n"
              "tool = runpy.run_path(sys.argv[1])\n"
              "for src in sys.argv[3:]:\n"
              "    tool['main'](src, sys.argv[2])\n")
    sources = [str(CORPUS / json.loads(p.read_text(encoding="utf-8"))["file"]) for p in BASES]
    subprocess.run([sys.executable, "-c", script, str(VARIANTS_TOOL), str(out), *sources],
                   check=True, capture_output=True, timeout=120)
    return out


def test_the_real_reports_are_there() -> None:
    assert VARIANTS_TOOL.is_file(), f"expected the variants tool at {VARIANTS_TOOL}"
    names = {p.name.removesuffix(".expected.json") for p in BASES}
    assert {"ewenki-2020", "huaian-2024", "pingtan-2024", "shuyang-2025"} <= names, names


@pytest.mark.parametrize("path", BASES, ids=lambda p: p.name.removesuffix(".expected.json"))
def test_every_variant_reads_as_its_base_report(path: Path, variant_dir: Path) -> None:
    exp = json.loads(path.read_text(encoding="utf-8"))
    want = exp["figures"]
    stem = exp["file"].removesuffix(".txt")
    # what the base report itself leaves out (a known gap) a variant may leave out too; nothing more
    base_got = parse_document((CORPUS / exp["file"]).read_bytes()).figure_map()
    allowed_missing = set(want) - set(base_got) if path.name in KNOWN_GAPS else set()
    variants = sorted(p for p in variant_dir.iterdir()
                      if p.name.startswith(stem + ".") and p.name.split(".")[len(stem.split("."))] in VARIANT_KINDS)
    assert len(variants) >= len(VARIANT_KINDS), [p.name for p in variants]
    problems: dict[str, dict] = {}
    for variant in variants:
        issue = variant_problems(parse_document(variant.read_bytes()), exp, allowed_missing)
        if issue:
            problems[variant.name] = issue
    assert not problems, problems


def variant_problems(report, exp: dict, allowed_missing: set[str]) -> dict:
    """How a variant's parse departs from its base report's expected file: figures that
    contradict it, figures a full file does not have, metadata, and missing figures but the
    base report's own gaps. Empty when it reads as its base report."""
    want = exp["figures"]
    got = report.figure_map()
    issue = {
        "wrong": {k: (got[k], v) for k, v in want.items() if k in got and got[k] != v},
        "extra": [] if exp.get("partial") else sorted(set(got) - set(want)),
        "meta": {f: (getattr(report, f), exp[f]) for f in META if f in exp and getattr(report, f) != exp[f]},
        "missing": sorted(set(want) - set(got) - allowed_missing),
    }
    return {k: v for k, v in issue.items() if v}


def _letter_space_title(text: str, sep: str) -> str:
    """The first two short non-empty lines (a title, often over two lines) typeset with `sep`
    between every character, as Word/PDF/web copies often have them."""
    lines = text.split("\n")
    done = 0
    for i, line in enumerate(lines):
        s = line.strip()
        if not s or len(s) > 40 or ":" in s or "：" in s:
            continue
        lines[i] = line[:len(line) - len(line.lstrip())] + sep.join(s.replace(" ", ""))
        done += 1
        if done == 2:
            break
    return "\n".join(lines)


@pytest.mark.parametrize("sep", [" ", "\u3000", "\u00a0"], ids=["space", "ideographic", "nbsp"])
@pytest.mark.parametrize("path", BASES, ids=lambda p: p.name.removesuffix(".expected.json"))
def test_a_letter_spaced_title_reads_as_its_base_report(path: Path, sep: str) -> None:
    exp = json.loads(path.read_text(encoding="utf-8"))
    want = exp["figures"]
    base = (CORPUS / exp["file"]).read_bytes().decode("utf-8")
    base_got = parse_document(base.encode("utf-8")).figure_map()
    allowed_missing = set(want) - set(base_got) if path.name in KNOWN_GAPS else set()
    report = parse_document(_letter_space_title(base, sep).encode("utf-8"))
    got = report.figure_map()
    assert {k: (got[k], v) for k, v in want.items() if k in got and got[k] != v} == {}
    assert {f: (getattr(report, f), exp[f]) for f in META if f in exp and getattr(report, f) != exp[f]} == {}
    assert sorted(set(want) - set(got) - allowed_missing) == []
