"""bench/coverage.py on the corpus: it runs, and its numbers are consistent with each other
(every template cell counted once, as read, lacking or missed; every figure read counted in
one reading; shares in [0, 1]; the overall line the sum of the files)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import CORPUS, REPO

sys.path.insert(0, str(REPO / "bench"))

import reportset  # noqa: E402


def _coverage(*args: str) -> dict:
    out = subprocess.run([sys.executable, str(REPO / "bench" / "coverage.py"), *args, "--json"],
                         capture_output=True, text=True, timeout=120, check=True)
    return json.loads(out.stdout)


def test_coverage_on_the_corpus_counts_every_template_cell_once() -> None:
    result = _coverage(str(CORPUS))
    rows = [r for r in result["files"] if "input_error" not in r]
    names = {r["file"] for r in result["files"]}
    assert {"ewenki-2020.txt", "huaian-2024.txt", "pingtan-2024.txt"} <= names
    assert not any(n.endswith(".expected.json") for n in names)
    for r in rows:
        c = r["cells"]
        keys = reportset.template_keys(r["template"])
        assert c["template"] == len(keys)
        assert c["read"] + c["lacking"] + c["missed"] == c["template"], r["file"]
        assert not set(r["missed_keys"]) & set(r["lacking_keys"])
        assert set(r["missed_keys"]) | set(r["lacking_keys"]) <= set(keys)
        assert sum(r["readings"].values()) == c["read"], r["file"]
        assert 0 <= c["share"] <= 1
        assert 0 <= r["derived_group_totals"] <= r["readings"]["derived"]
        n_ids = len(reportset.identities(r["template"]))
        assert sum(sum(v.values()) for v in r["identities"].values()) == n_ids
        assert len(r["failing_identities"]) == sum(v["fails"] for v in r["identities"].values())
    total = result["overall"]
    assert total["files"] == len(result["files"])
    for field in ("template", "read", "lacking", "missed"):
        assert total["cells"][field] == sum(r["cells"][field] for r in rows)
    for reading in reportset.READINGS:
        assert total["readings"][reading] == sum(r["readings"][reading] for r in rows)
    assert 0 <= total["cells"]["share"] <= 1
    seed = next(r for r in rows if r["file"] == "ewenki-2020.txt")
    # the seed is read whole, from separate cells: every cell exact but the group totals
    assert seed["cells"]["share"] == 1.0 and seed["readings"]["exact"] == 198
    assert seed["derived_group_totals"] == seed["readings"]["derived"] == 21
    assert seed["meta_read"] == {"year": True, "agency": True, "region_code": True, "template": True}


def test_a_row_the_report_does_not_have_is_lacking_not_missed(tmp_path: Path) -> None:
    text = (CORPUS / "huaian-2024.txt").read_text(encoding="utf-8")
    lines = text.splitlines()
    row = next(i for i, line in enumerate(lines) if line.split()[:1] == ["规章"])
    (tmp_path / "no-rules-row.txt").write_text("\n".join(lines[:row] + lines[row + 1:]) + "\n", encoding="utf-8")
    r = _coverage(str(tmp_path / "no-rules-row.txt"))["files"][0]
    assert r["lacking"] == {"no 规章 row": 3}
    assert r["cells"]["missed"] == 0 and r["cells"]["share"] == 1.0


def test_an_identity_that_fails_is_counted_with_the_findings_that_name_it() -> None:
    values = {f"applications.{row}.{col}": 0 for row in ("new_received", "carried_over", "results_total",
                                                         "carried_forward") for col in reportset._APPLICANTS}
    values.update({"applications.new_received.total": 3, "applications.carried_over.total": 0,
                   "applications.results_total.total": 0, "applications.carried_forward.total": 0})
    got = {(i.family, i.name): v for i, v in reportset.evaluate("2021", values)}
    assert got[("intake", "total")] == "fails"
    assert got[("intake", "research")] == "holds"
    assert got[("results", "total")] == "unknown"  # the result rows are not given
    assert got[("row", "new_received")] == "fails"  # 0 + … + 0 ≠ 3
