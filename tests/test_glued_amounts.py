"""Procurement's count glued to its amount in one cell (政府集中采购3922533.2元): the digits before
the decimal point cut in two, the amount keeping its decimals and unit. Variations of the
synthetic report tests/data/unseen/procurement-prose-2019.txt (its count and amount changed)."""

from __future__ import annotations

import pytest

from conftest import REPO

from app.parsing import parse_text

BASE = (REPO / "tests" / "data" / "unseen" / "procurement-prose-2019.txt").read_text(encoding="utf-8")


def _procurement(cell: str, prose: str | None) -> tuple[dict, list]:
    text = BASE.replace("政府集中采购3922533.2元", f"政府集中采购{cell}")
    text = text.replace("全年完成政府集中采购项目3个", prose or "全年按规定公开采购意向和结果")
    r = parse_text(text)
    figs = {f.key: f for f in r.figures if f.key.startswith("active.procurement.")}
    return figs, [f for f in r.findings if any(k.startswith("active.procurement") for k in f.keys)]


@pytest.mark.parametrize("cell,prose,items,amount", [
    ("3922533.2元", "全年完成政府集中采购项目39个", 39, 2.25332),
    ("12450.5万元", "全年完成政府集中采购项目12个", 12, 450.5),
    ("786000元", "全年实施采购项目7项", 7, 8.6),
])
def test_the_texts_count_singles_out_the_cut_flagged_inferred(cell, prose, items, amount) -> None:
    figs, findings = _procurement(cell, prose)
    assert figs["active.procurement.items"].value == items
    assert figs["active.procurement.amount_wan"].value == pytest.approx(amount)
    assert all("inferred" in f.flags for f in figs.values())
    assert [f.code for f in findings] == ["inferred_split"]


def test_without_the_count_the_row_is_left_out() -> None:
    figs, findings = _procurement("3922533.2元", None)
    assert not figs and [f.code for f in findings] == ["ambiguous_split"]


def test_zeros_have_one_cut_only() -> None:
    figs, findings = _procurement("00万元", None)
    assert {k: (f.value, f.flags) for k, f in figs.items()} == {
        "active.procurement.items": (0, ("repaired",)), "active.procurement.amount_wan": (0, ("repaired",))}


def test_zeros_run_together_between_spaced_cells_are_split_and_nothing_else_is() -> None:
    glued = BASE.replace("政府集中采购3922533.2元", "政府集中采购0 0万元")
    # the row 规章 written with two of its three zeros run together: one split only
    i = glued.index("规章") + 2
    j = i
    while glued[j].isdigit():
        j += 1
    zeros = parse_text(glued[:i] + "00 0" + glued[j:]).figure_map()
    assert [zeros[f"active.rules.{c}"] for c in ("new_made", "new_published", "total")] == [0, 0, 0]
    # 12 3: three digits for three columns, but a lost cell is as likely: left out
    other = parse_text(glued[:i] + "12 3" + glued[j:]).figure_map()
    assert not any(k.startswith("active.rules.") for k in other)
