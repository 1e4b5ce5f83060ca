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
