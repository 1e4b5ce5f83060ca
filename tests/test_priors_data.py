"""app/parsing/data/priors.json (written by bench/priors.py --write): it ships with the
package, says what it was measured on, and its counts are consistent (a count of holds never
above its observations, the tiers cumulative). bench/priors.py itself on a report we can read
by eye."""

from __future__ import annotations

import json
import sys
from importlib import resources

from conftest import CORPUS, REPO

sys.path.insert(0, str(REPO / "bench"))

import priors  # noqa: E402

TIERS = ("clean", "forced", "arithmetic")


def _data() -> dict:
    return json.loads(resources.files("app.parsing").joinpath("data/priors.json").read_text(encoding="utf-8"))


def test_the_priors_file_ships_with_the_parser_and_says_what_it_was_measured_on() -> None:
    data = _data()
    m = data["measured"]
    assert m["date"][:2] == "20" and len(m["date"]) == 10
    assert m["parser_version"] and m["commit"]
    assert m["reports"] == len(data["reports"]) <= m["documents"]
    assert sum(m["reports_by_template"].values()) == m["reports"]
    assert set(m["observations_by_tier"]) == set(TIERS)


def test_every_count_is_at_most_its_observations_and_the_tiers_add_up() -> None:
    data = _data()
    counted = data["row_priors"] + data["neighbour_digits"] + data["prose"] + data["cross_year"]
    assert {p["id"] for p in data["row_priors"]} >= {"docs_made_eq_published", "items_change_within_prev",
                                                     "docs_in_force_ge_issued", "docs_repealed_le_in_force"}
    for p in counted:
        c = p["counts"]
        for tier in TIERS:
            x = c[tier]
            assert 0 <= x["holds"] <= x["n"], p["id"]
            assert 0 <= x["informative_holds"] <= x["informative_n"] <= x["n"], p["id"]
            assert x["informative_reports"] <= x["reports"] <= data["measured"]["reports"], p["id"]
            if x["informative_n"]:
                assert 0 <= x["informative_wilson_low"] <= x["informative_rate"] <= 1
        for lower, upper in zip(TIERS, TIERS[1:]):
            assert c[lower]["n"] <= c[upper]["n"], p["id"]
        assert p["strength"] in {name for _, name in priors.STRENGTH}
    for z in data["zero_share"]:
        for tier in TIERS:
            assert 0 <= z["counts"][tier]["zeros"] <= z["counts"][tier]["n"]


def test_a_split_with_one_reading_is_forced_and_one_with_several_is_not() -> None:
    assert priors.count_splits("00126", 3) == 1  # 0 | 0 | 126: no number is written 01…
    assert priors.count_splits("0000000", 7) == 1
    assert priors.count_splits("7713", 3) > 1  # 7|7|13, 7|71|3, 77|1|3
    assert priors.count_splits("12", 3) == 0


def test_priors_on_one_cleanly_celled_report() -> None:
    # 经济发展局 2019: cells a space apart; 规章 0 0 0, 规范性文件 6 6 6, 行政许可 17 0 2, 行政处罚 12 0 0
    data = priors.build([CORPUS / "unlabelled" / "pingtan-jingfa-2019.txt"])
    assert data["measured"]["reports"] == 1
    row = {p["id"]: p["counts"]["clean"] for p in data["row_priors"]}
    assert row["docs_made_eq_published"]["n"] == 2 and row["docs_made_eq_published"]["holds"] == 2
    assert row["docs_made_eq_published"]["informative_n"] == 1  # the 规章 row is all zeros
    assert row["items_change_within_prev"]["informative_n"] == 2  # 行政许可 and 行政处罚
    assert row["items_change_within_prev"]["informative_holds"] == 2
    assert data["reports"][0]["observations"] == {"clean": 198}  # 219 cells less 21 group totals


def test_the_measured_priors_rank_a_real_run_together_row() -> None:
    # 国有资产管理局 2020's 规范性文件7713: 7|7|13 keeps 新制作 = 新公开 and 总数 ≥ 新公开, the others do not
    ranked = priors.score(_data(), "2019", "active.normative_docs", "7713")
    assert [c["split"] for c in ranked] == [(7, 7, 13), (77, 1, 3), (7, 71, 3)]
    assert ranked[0]["breaks"] == [] and "docs_made_eq_published" in ranked[1]["breaks"]
    assert len(priors.splits("2870153", 3)) == 11 and priors.count_splits("2870153", 3) > 1
    rows = _data()["leave_one_out"]
    assert rows and all(r["rank_of_truth"] >= 1 and (r["rank_of_truth"] == 1) == r["right"] for r in rows)
