"""Indicators (app/indicators.py): the dictionary, one report's indicators, and /stats with
an indicator — a ratio of sums over the reports that have both sides, from the rollup as
from the live query, equal to the same ratio computed here from the reports' own figures."""

from __future__ import annotations

import math
import warnings
from collections import defaultdict

import pytest
from alembic import command
from sqlmodel import Session

from app import indicators as ind
from app.db import alembic_config
from app.services.filters import ReportFilter
from app.services.stats import indicator_stats
from conftest import AUTH, CORPUS, assert_problem
from test_rollup import _table, assert_rollup_is_exact, fold_at, loaded, variants  # noqa: F401  (fixtures)

UNLABELLED = CORPUS / "unlabelled"
AGG = [i for i in ind.INDICATORS if i.rollup]


def test_dictionary_names_catalogue_keys_of_both_templates():
    from app.catalogue import catalogue
    cat = catalogue()
    assert len({i.id for i in ind.INDICATORS}) == len(ind.INDICATORS)
    for i in ind.INDICATORS:
        assert i.name_zh and i.name_en and i.caveats and i.unit == "ratio"
        for key in i.keys:
            assert key in cat, (i.id, key)
            assert set(i.templates) <= set(cat[key].templates), (i.id, key)


def test_evaluate_one_report():
    d = ind.BY_ID["disclosure_rate"]
    figs = {"applications.granted.total": (3.0, ()), "applications.partially_granted.total": (1.0, ("derived",)),
            "applications.results_total.total": (8.0, ())}
    out = ind.evaluate(d, figs)
    assert (out["value"], out["numerator"], out["denominator"], out["exact"]) == (0.5, 4, 8, True)
    out = ind.evaluate(d, {**figs, "applications.granted.total": (3.0, ("repaired",))})
    assert out["value"] == 0.5 and out["exact"] is False
    out = ind.evaluate(d, {k: v for k, v in figs.items() if "partially" not in k})
    assert out["value"] is None and out["missing"] == ["applications.partially_granted.total"]
    out = ind.evaluate(d, {**figs, "applications.results_total.total": (0.0, ())})
    assert out["value"] is None and out["reason"] == "the denominator is 0" and out["numerator"] == 4
    yoy = ind.BY_ID["new_applications_change"]
    assert ind.evaluate(yoy, {"applications.new_received.total": (6.0, ())})["reason"].startswith("no report")
    out = ind.evaluate(yoy, {"applications.new_received.total": (6.0, ())},
                       {"applications.new_received.total": (4.0, ())}, previous_id=7)
    assert (out["value"], out["numerator"], out["denominator"], out["previous_report_id"]) == (0.5, 2, 4, 7)


def _expected(variants, indicator, group_of, keep=lambda v: True):
    """group → (reports with both sides, Σ numerator, Σ denominator), from the variants' figures."""
    out: dict = defaultdict(lambda: [0, 0.0, 0.0])
    for v in variants:
        if not keep(v):
            continue
        vals = v["values"]
        if all(k in vals for k in indicator.keys):
            acc = out[group_of(v)]
            acc[0] += 1
            acc[1] += sum(vals[k] for k in indicator.numerator)
            acc[2] += sum(vals[k] for k in indicator.denominator)
    return out


BYS = [([], lambda v: ()), (["year"], lambda v: (v["year"],)), (["city"], lambda v: (v["city"],)),
       (["template", "year"], lambda v: (v["template"], v["year"]))]


@pytest.mark.parametrize("params", [{}, {"region": "1507"}, {"template": "2021"}, {"year": "2020-2022"}])
def test_indicator_stats_are_ratios_of_sums_from_rollup_and_live(loaded, variants, params):
    engine, ids = loaded
    filters = ReportFilter.from_params(**params)
    keep = {"region": lambda v: v["code"].startswith("1507"), "template": lambda v: v["template"] == "2021",
            "year": lambda v: 2020 <= v["year"] <= 2022}
    chosen = [keep[k] for k in params] or [lambda v: True]
    ids_ = [i.id for i in AGG]
    for by, group_of in BYS:
        with Session(engine) as session:
            rolled = indicator_stats(session, ids_, filters, by, rollup=True)
            live = indicator_stats(session, ids_, filters, by, rollup=False)
        assert len(rolled) == len(live)
        for a, b in zip(live, rolled):
            assert (a["indicator"], a["group"], a["count"], a["reports_in_scope"]) == \
                   (b["indicator"], b["group"], b["count"], b["reports_in_scope"])
            for f in ("numerator", "denominator", "value"):
                assert b[f] == (None if a[f] is None else pytest.approx(a[f], rel=1e-9, abs=1e-9)), (by, a, b)
        for indicator in AGG:
            want = _expected(variants, indicator, group_of, lambda v: all(c(v) for c in chosen))
            got = {}
            for r in rolled:
                if r["indicator"] != indicator.id:
                    continue
                g = tuple(r["group"][d] for d in by)
                got[g] = r
            for g, (n, num, den) in want.items():
                g2 = tuple(str(x) if d == "template" else x for x, d in zip(g, by))
                r = got[g2]
                assert r["count"] == n, (indicator.id, by, g)
                assert r["numerator"] == pytest.approx(num) and r["denominator"] == pytest.approx(den)
                assert r["value"] == (pytest.approx(num / den, abs=1e-6) if den else None)
            assert sum(r["count"] for r in got.values()) == sum(n for n, _, _ in want.values())
    assert any(r["value"] for r in rolled)  # not every answer empty


def test_indicator_rows_follow_a_migration_from_before(loaded, database_url):
    """0009 computes the indicators' rollup rows of the reports stored before it (and the
    migrations before it, which fill the rollup of figures, leave the indicators alone)."""
    engine, _ = loaded
    expected = _table(engine)
    assert any(k[1].startswith("indicator:") for k in expected)
    engine.dispose()
    command.downgrade(alembic_config(database_url), "0008")
    command.upgrade(alembic_config(database_url), "head")
    assert _table(engine) == expected
    command.downgrade(alembic_config(database_url), "0005")
    command.upgrade(alembic_config(database_url), "head")
    filled = _table(engine)
    assert filled.keys() == expected.keys()
    for k, v in expected.items():
        assert filled[k][0] == v[0] and (v[1] is None or filled[k][1] == pytest.approx(v[1])), k
    assert_rollup_is_exact(engine)


@pytest.fixture
def series(client) -> dict[str, int]:
    """The unlabelled corpus, posted: file name → report id."""
    ids = {}
    for f in sorted(UNLABELLED.glob("*.txt")):
        r = client.post("/reports", content=f.read_bytes(), headers={"Content-Type": "text/plain", **AUTH})
        assert r.status_code == 201, r.text
        ids[f.name] = r.json()["id"]
    return ids


def _figures(client, report_id) -> dict:
    return {f["key"]: f["value"] for f in client.get(f"/reports/{report_id}/figures").json()["figures"]}


def test_report_indicators_and_stats_on_the_unlabelled_series(client, series):
    listed = client.get("/indicators").json()["indicators"]
    assert [i["id"] for i in listed] == [i.id for i in ind.INDICATORS]
    assert all(i["formula"] and i["caveats"] for i in listed)
    by_year: dict = defaultdict(lambda: [0, 0.0, 0.0])
    d = ind.BY_ID["disclosure_rate"]
    for name, rid in series.items():
        body = client.get(f"/reports/{rid}/indicators").json()
        figs = _figures(client, rid)
        rows = {r["indicator"]: r for r in body["indicators"]}
        assert rows.keys() == {i.id for i in ind.INDICATORS}
        for i in AGG:
            r = rows[i.id]
            if all(k in figs for k in i.keys):
                num, den = sum(figs[k] for k in i.numerator), sum(figs[k] for k in i.denominator)
                assert (r["numerator"], r["denominator"]) == (num, den), (name, i.id)
                assert r["value"] == (pytest.approx(num / den, abs=1e-6) if den else None)
                assert r["reason"] == (None if den else "the denominator is 0")
            else:
                assert r["value"] is None and r["missing"], (name, i.id)
        if all(k in figs for k in d.keys):
            acc = by_year[body["year"]]
            acc[0] += 1
            acc[1] += sum(figs[k] for k in d.numerator)
            acc[2] += sum(figs[k] for k in d.denominator)
    # 君山 2024 against 2023: the change of new applications, from both reports' own figures
    this, prev = series["pingtan-junshan-2024.txt"], series["pingtan-junshan-2023.txt"]
    r = {x["indicator"]: x for x in client.get(f"/reports/{this}/indicators").json()["indicators"]}
    change = r["new_applications_change"]
    a, b = _figures(client, this)["applications.new_received.total"], _figures(client, prev)["applications.new_received.total"]
    assert change["previous_report_id"] == prev
    assert change["numerator"] == a - b and change["denominator"] == b
    assert change["value"] == (pytest.approx((a - b) / b, abs=1e-6) if b else None)
    first = {x["indicator"]: x for x in client.get(f"/reports/{prev}/indicators").json()["indicators"]}
    assert first["new_applications_change"]["value"] is None
    assert first["new_applications_change"]["previous_report_id"] is None  # no 君山 2022 in the corpus

    stats = client.get("/stats", params={"indicator": "disclosure_rate", "by": "year"}).json()
    assert stats["indicators"] == ["disclosure_rate"] and stats["stats"] == []
    got = {r["group"]["year"]: r for r in stats["indicator_stats"]}
    assert by_year and got.keys() >= by_year.keys()
    for year, (n, num, den) in by_year.items():
        assert (got[year]["count"], got[year]["numerator"], got[year]["denominator"]) == (n, num, den)
        assert got[year]["value"] == (pytest.approx(num / den, abs=1e-6) if den else None)
    both = client.get("/stats", params={"indicator": "carry_forward_rate", "key": "applications.new_received.total"})
    assert both.status_code == 200 and both.json()["stats"] and both.json()["indicator_stats"]
    csv = client.get("/stats", params={"indicator": "disclosure_rate", "by": "template", "format": "csv"})
    assert csv.status_code == 200 and csv.text.lstrip("\ufeff").startswith("indicator,group.template,unit,count,")


def test_bad_indicator_requests(client, series):
    assert_problem(client.get("/stats", params={"indicator": "no_such"}), 422, "validation_error")
    body = assert_problem(client.get("/stats", params={"indicator": "new_applications_change"}), 422,
                          "validation_error")
    assert "per report" in body["detail"]
    assert_problem(client.get("/stats"), 422, "validation_error")
    assert_problem(client.get("/stats", params={"indicator": "disclosure_rate", "key": "active.permit.decisions",
                                                "format": "csv"}), 422, "validation_error")
    assert_problem(client.get("/reports/999999/indicators"), 404, "not_found")


def test_figures_with_an_indicator(client, series):
    """/figures?indicator=: a row per report that has both sides, as /reports/{id}/indicators
    says, in every sort order, page by page and in CSV."""
    want = {}
    for rid in series.values():
        r = {x["indicator"]: x for x in client.get(f"/reports/{rid}/indicators").json()["indicators"]}
        if not r["denial_rate"]["missing"]:
            want[rid] = r["denial_rate"]
    assert want
    for sort in ("report", "-value", "value", "year", "-agency"):
        rows, url = [], f"/figures?indicator=denial_rate&limit=4&sort={sort}"
        while url:
            body = client.get(url).json()
            rows += body["data"]
            url = body["next"]
        assert sorted(r["report_id"] for r in rows) == sorted(want), sort
        for row in rows:
            w = want[row["report_id"]]
            assert (row["value"], row["numerator"], row["denominator"], row["key"]) == \
                   (w["value"], w["numerator"], w["denominator"], "denial_rate")
        if sort == "-value":
            values = [r["value"] for r in rows]
            present = [v for v in values if v is not None]
            assert present == sorted(present, reverse=True) and values[:len(present)] == present  # nulls last
    csv = client.get("/figures", params={"indicator": "denial_rate", "format": "csv"})
    assert csv.status_code == 200 and len(csv.text.strip().splitlines()) == 1 + len(want)
    assert csv.text.lstrip("\ufeff").splitlines()[0].endswith(",numerator,denominator")
    assert_problem(client.get("/figures", params={"indicator": "denial_rate", "key": "active.permit.decisions"}),
                   422, "validation_error")
    assert_problem(client.get("/figures", params={"indicator": "new_applications_change"}), 422, "validation_error")
    assert_problem(client.get("/figures"), 422, "validation_error")
