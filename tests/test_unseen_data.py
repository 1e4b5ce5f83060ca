"""tests/data/unseen: the synthetic reports of the layout and wording classes seen on real
reports nobody tuned for (docs/unseen-reports.md), written by tools/unseen_examples.py.

The data is what the generator writes, its expected figures keep the template's arithmetic
(except where a class prints a wrong 总计, and then its expected findings name the keys),
every class is documented, and the parser gives no wrong figure and no figure not expected on
any of them."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO

sys.path.insert(0, str(REPO / "bench"))

import reportset  # noqa: E402

from app.parsing import parse_document  # noqa: E402

DATA = REPO / "tests" / "data" / "unseen"
DOC = REPO / "docs" / "unseen-reports.md"
EXPECTED = sorted(DATA.glob("*.expected.json"))
CONTENT_TYPES = {".txt": "text/plain; charset=utf-8", ".html": "text/html; charset=utf-8"}


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def test_the_data_is_what_the_generator_writes(tmp_path: Path) -> None:
    subprocess.run([sys.executable, str(REPO / "tools" / "unseen_examples.py"), str(tmp_path)], check=True,
                   capture_output=True, timeout=60)
    made = sorted(p.name for p in tmp_path.iterdir())
    assert made == sorted(p.name for p in DATA.iterdir() if p.name != "README.md")
    for name in made:
        assert (tmp_path / name).read_bytes() == (DATA / name).read_bytes(), name


@pytest.mark.parametrize("path", EXPECTED, ids=lambda p: p.name)
def test_expected_figures_keep_the_templates_arithmetic(path: Path) -> None:
    exp = _load(path)
    assert (DATA / exp["file"]).is_file()
    assert exp["template"] in ("2019", "2021") and exp["partial"] is False
    keys = set(reportset.template_keys(exp["template"]))
    prose = set(reportset.prose_keys())
    assert set(exp["figures"]) <= keys | prose
    assert keys - set(exp["figures"]) <= {k for k in keys if k.startswith("active.rules.")}  # only a row absent
    named = {k for f in exp.get("expect", {}).get("findings", []) for k in f["keys"]}
    for identity, verdict in reportset.evaluate(exp["template"], exp["figures"]):
        if verdict == "fails":
            assert named & set(identity.keys), f"{identity.family}:{identity.name} fails, no finding expected"
        else:
            assert verdict == "holds", f"{identity.family}:{identity.name} {verdict}"
    for k in ("inferred", "derived", "absent"):
        assert set(exp.get("expect", {}).get(k, [])) <= set(exp["figures"]), k
    if "pair" in exp:
        partner = _load(DATA / (exp["pair"].rsplit(".", 1)[0] + ".expected.json"))
        assert partner["agency"] == exp["agency"] and abs(partner["year"] - exp["year"]) == 1


def test_every_class_is_documented_and_every_documented_class_has_an_input() -> None:
    doc = DOC.read_text(encoding="utf-8")
    documented = set(re.findall(r"^### .*\{#([a-z0-9-]+)\}", doc, re.M))
    used = {_load(p)["class"] for p in EXPECTED}
    assert used <= documented
    assert documented - used <= set(re.findall(r"<!-- no input: ([a-z0-9-]+)", doc))


@pytest.mark.parametrize("path", EXPECTED, ids=lambda p: p.name)
def test_no_figure_read_today_is_wrong(path: Path) -> None:
    exp = _load(path)
    data = (DATA / exp["file"]).read_bytes()
    got = parse_document(data, CONTENT_TYPES[Path(exp["file"]).suffix]).figure_map()
    wrong = {k: (got[k], v) for k, v in exp["figures"].items() if k in got and got[k] != v}
    extra = sorted(k for k in got if k not in exp["figures"])
    assert not wrong and not extra


@pytest.mark.parametrize("path", EXPECTED, ids=lambda p: p.name)
def test_what_is_read_carries_the_flags_and_findings_its_class_expects(path: Path) -> None:
    """`expect`: a derived or inferred figure, where it is read, says so, and keeps the note
    its cell printed; an absent one is not read; each finding expected is raised, its keys named by findings of its code (where the
    keys' figures are read)."""
    exp = _load(path)
    want = exp.get("expect", {})
    report = parse_document((DATA / exp["file"]).read_bytes(), CONTENT_TYPES[Path(exp["file"]).suffix])
    flags = {f.key: f.flags for f in report.figures}
    for flag in ("derived", "inferred"):
        assert [k for k in want.get(flag, []) if k in flags and flag not in flags[k]] == [], flag
    notes = {f.key: f.note for f in report.figures}
    assert {k: notes[k] for k in want.get("notes", {}) if k in notes} == {
        k: v for k, v in want.get("notes", {}).items() if k in notes}
    assert not set(want.get("absent", [])) & set(flags)
    for f in want.get("findings", []):
        if set(f["keys"]) <= set(flags):
            named = {k for g in report.findings if g.code == f["code"] for k in g.keys}
            assert set(f["keys"]) <= named, f
