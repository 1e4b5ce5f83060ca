"""app/parsing/infer.py: the choice among the splits of a run-together section 二 row by the
measured priors. Its regularities are bench/priors.py's (same ids, same verdicts), its
ranking is the one bench/priors.py --score prints, and its margins keep the rows the
measurements say are risky out (docs/unseen-reports.md, *The margin*). The rows here are
invented digit strings, not corpus files."""

from __future__ import annotations

import json
import math
import sys
from itertools import product

import pytest

from conftest import REPO

sys.path.insert(0, str(REPO / "bench"))

import priors  # noqa: E402

from app.parsing import infer  # noqa: E402
from app.parsing.templates import TEMPLATES  # noqa: E402

_DOCS = {"2019": ("new_made", "new_published", "total"), "2021": ("issued", "repealed", "in_force")}


def test_the_parsers_regularities_are_the_measured_ones() -> None:
    assert set(infer.TESTS) == {p.id for p in priors.ROW_PRIORS if p.template != "both"}
    for p in priors.ROW_PRIORS:
        if p.id not in infer.TESTS:
            continue
        for values in product((0, 1, 2, 7, 30), repeat=len(p.cols)):
            assert bool(infer.TESTS[p.id](*values)) == bool(p.test(*values)), (p.id, values)


@pytest.mark.parametrize("template,row,digits", [
    ("2021", "normative_docs", "4518302"), ("2021", "normative_docs", "11022"), ("2019", "normative_docs", "373752"),
    ("2019", "permit", "2870153"), ("2021", "rules", "2104"),
])
def test_the_ranking_is_the_one_bench_priors_prints(template: str, row: str, digits: str) -> None:
    data = json.loads(priors.DATA_FILE.read_text(encoding="utf-8"))
    bench = priors.score(data, template, f"active.{row}", digits)
    columns = next(tuple(s for s, _ in r.columns) for r in TEMPLATES[template].active if r.key == f"active.{row}")
    ours = [infer.score(template, f"active.{row}", columns, c["split"]) for c in bench]
    for b, o in zip(bench, ours):
        assert math.isclose(b["log_score"], o.log_score, abs_tol=0.01), (b, o)
        assert set(b["breaks"]) == set(o.breaks)


def _choose(template: str, digits: str, known: dict[int, int] | None = None) -> infer.Choice:
    splits = [list(s) for s in priors.splits(digits, 3) if not known or all(s[i] == v for i, v in known.items())]
    return infer.choose(template, "active.normative_docs", _DOCS[template], splits, prose=bool(known))


def test_a_clear_margin_on_the_priors_alone_is_inferred() -> None:
    choice = _choose("2021", "1027")  # 1|0|27: 10|2|7 breaks 现行有效 ≥ 本年制发
    assert choice.best == (1, 0, 27) and choice.ratio >= infer.MARGIN_PRIORS_ALONE


def test_a_margin_the_priors_alone_do_not_make_clear_is_left_out() -> None:
    # the priors prefer 11|0|22 by ×13; a body that repealed ten documents and issued one
    # (1|10|22) is the case docs/unseen-reports.md warns of
    choice = _choose("2021", "11022")
    assert choice.best is None and choice.ranked[0].split == (11, 0, 22)
    assert 5 < choice.ratio < infer.MARGIN_PRIORS_ALONE
    assert _choose("2019", "373752").best is None  # ×6 on the priors alone


def test_the_prose_fixing_part_of_the_row_lowers_the_margin_needed() -> None:
    assert _choose("2021", "4518302", {0: 45}).best == (45, 18, 302)
    assert _choose("2021", "4518302").best is None or _choose("2021", "4518302").needed == infer.MARGIN_PRIORS_ALONE


def test_one_split_is_no_choice() -> None:
    choice = infer.choose("2021", "active.normative_docs", _DOCS["2021"], [[1, 2, 3]], prose=False)
    assert choice.best is None and choice.ratio is None
