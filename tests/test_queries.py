"""Cross-report queries on a database of many reports generated from the corpus: the four
corpus documents parsed once, then stored through the ingest service as variants with other
agencies, regions, levels, years, publication dates and scaled figures. Every answer is
checked against the same figure computed here, in Python, from the variants themselves.

The database is built once per backend for the module (read-only tests)."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import math
import random
from collections import defaultdict
from datetime import date

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.db import make_engine, migrate
from app.main import create_app
from app.parsing import parse_document
from app.services.ingest import store
from conftest import CORPUS, _at_head, truncate_all

# (code, name, city group, province group) — groups written out here, not derived by the app
REGIONS = [
    ("150724", "鄂温克族自治旗", "150700", "150000"),
    ("150702", "海拉尔区", "150700", "150000"),
    ("150781", "满洲里市", "150700", "150000"),
    ("150700", "呼伦贝尔市", "150700", "150000"),
    ("150802", "临河区", "150800", "150000"),
    ("150000", "内蒙古自治区", "150000", "150000"),
    ("320803", "淮安区", "320800", "320000"),
    ("320800", "淮安市", "320800", "320000"),
    ("321322", "沭阳县", "321300", "320000"),
    ("110105", "朝阳区", "110000", "110000"),  # a municipality's district: no city level
    ("110108", "海淀区", "110000", "110000"),
]
BASES = {  # corpus file → template
    "ewenki-2020.txt": "2019",
    "huaian-2024.txt": "2021",
    "shuyang-2025.txt": "2021",
    "pingtan-2024.txt": "2021",
}
N = 132


def _variants():
    parsed = {name: parse_document((CORPUS / name).read_bytes(), "text/plain") for name in BASES}
    rnd = random.Random(4)
    out = []
    for i in range(N):
        code, name, city, province = REGIONS[i % len(REGIONS)]
        department = i % 5 == 0
        year = 2019 + (i // len(REGIONS)) % 6
        base_name = "ewenki-2020.txt" if year <= 2020 else ["huaian-2024.txt", "shuyang-2025.txt",
                                                             "pingtan-2024.txt"][i % 3]
        base = parsed[base_name]
        factor = 1 + i % 7
        figures = []
        for f in base.figures:
            value = f.value * factor + (i % 3 if not f.key.endswith("_wan") and f.key != "active.permit.change" else 0)
            figures.append(dataclasses.replace(f, value=value))
        # publication: unknown, on the deadline's eve, or late
        level = "department" if department else ("county" if len(code.rstrip("0")) > 4 else
                                                  "city" if code.endswith("00") and not code.endswith("0000")
                                                  else "province" if code.endswith("0000") else "county")
        published = [None, date(year + 1, 1, 20), date(year + 1, 3, 1), date(year + 1, 4, 15)][rnd.randrange(4)]
        agency = f"{name}{'交通运输局' if department else '人民政府'}"
        if i >= 6 * len(REGIONS):  # one report per body and year: a later round of years is another body
            agency += f"第{i // (6 * len(REGIONS))}分局"
        variant = dataclasses.replace(base, agency=agency, region_code=code, year=year, level=level,
                                      published_at=published.isoformat() if published else None, figures=figures)
        data = (CORPUS / base_name).read_bytes() + f"\n<!-- variant {i} -->\n".encode()
        out.append({"data": data, "parsed": variant, "code": code, "city": city, "province": province,
                    "year": year, "level": level, "agency": agency, "template": BASES[base_name],
                    "published": published, "values": {f.key: f.value for f in figures},
                    "flags": {f.key: f.flags for f in figures}})
    return out


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def many(request, tmp_path_factory):
    """(client, variants with their report ids) on a database of N generated reports."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('many') / 'many.db'}"
        migrate(url)
    else:
        url = request.getfixturevalue("postgres_url")
        if _at_head(url):
            truncate_all(url)
        else:
            migrate(url)
    engine = make_engine(url)
    variants = _variants()
    try:
        for v in variants:
            v["id"] = store(engine, v["data"], v["parsed"]).report.id
    finally:
        engine.dispose()
    with TestClient(create_app(Settings(database_url=url))) as client:
        yield client, variants


def deadline(v) -> date:
    return date(v["year"] + 1, 1, 31) if v["level"] == "department" else date(v["year"] + 1, 3, 31)


def all_pages(client, url, params=None) -> list[dict]:
    r = client.get(url, params=params)
    assert r.status_code == 200, r.text
    body = r.json()
    rows = list(body["data"])
    while body["next"]:
        assert r.headers["link"] == f'<{body["next"]}>; rel="next"'
        r = client.get(body["next"])
        assert r.status_code == 200, r.text
        body = r.json()
        rows += body["data"]
    assert "link" not in r.headers
    return rows


def test_figures_across_reports_by_year_and_region(many):
    client, variants = many
    expected = {(v["id"], v["values"]["active.permit.decisions"]) for v in variants
                if v["year"] == 2020 and v["code"].startswith("1507")}
    assert len(expected) >= 3
    for region in ("1507", "150700"):
        rows = all_pages(client, "/figures", {"key": "active.permit.decisions", "year": "2020", "region": region,
                                              "limit": 2})
        assert {(r["report_id"], r["value"]) for r in rows} == expected
        assert all(r["unit"] == "件" and r["year"] == 2020 and r["region_code"].startswith("1507") for r in rows)
    one = next(r for r in rows if r["region_code"] == "150724")
    assert one["region_name"] == "鄂温克族自治旗" and one["agency"].startswith("鄂温克族自治旗")


def test_figures_prefix_keys_year_range_agency_and_count(many):
    client, variants = many
    scope = [v for v in variants if 2021 <= v["year"] <= 2023 and "交通运输局" in v["agency"]]
    expected = {(v["id"], k, val) for v in scope for k, val in v["values"].items()
                if k.startswith("applications.denied.") or k == "active.fees.amount_wan"}
    params = {"key": ["applications.denied.", "active.fees.amount_wan"], "year": "2021-2023",
              "agency": "交通运输局", "limit": 500, "count": "true"}
    r = client.get("/figures", params=params)
    assert r.json()["total"] == len(expected)
    rows = all_pages(client, "/figures", params)
    assert len(rows) == len(expected)
    assert {(x["report_id"], x["key"], x["value"]) for x in rows} == expected
    # a key names itself and everything under it
    rows = all_pages(client, "/figures", {"key": "active.permit", "year": "2019,2024", "limit": 1000})
    assert {x["key"] for x in rows} == {"active.permit.prev_items", "active.permit.change", "active.permit.decisions"}
    assert len(rows) == sum(len([k for k in v["values"] if k.startswith("active.permit.")])
                            for v in variants if v["year"] in (2019, 2024))


def test_figures_sorted_by_value_pages_in_order(many):
    client, variants = many
    rows = all_pages(client, "/figures", {"key": "active.penalty.decisions", "sort": "-value", "limit": 7})
    values = [r["value"] for r in rows]
    assert values == sorted((v["values"]["active.penalty.decisions"] for v in variants), reverse=True)
    assert len({r["report_id"] for r in rows}) == len(variants)


def test_figures_csv_and_ndjson_stream_everything(many):
    client, variants = many
    r = client.get("/figures", params={"key": "active.permit.decisions", "format": "csv"})
    assert r.status_code == 200 and r.headers["content-type"] == "text/csv; charset=utf-8"
    assert r.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert len(rows) == len(variants) > 100  # more than a JSON page's default
    assert {(int(x["report_id"]), x["agency"], float(x["value"])) for x in rows} == \
        {(v["id"], v["agency"], v["values"]["active.permit.decisions"]) for v in variants}
    assert any(x["region_name"] == "朝阳区" for x in rows)  # Chinese intact
    r = client.get("/figures", params={"key": "active.permit.decisions"}, headers={"Accept": "application/x-ndjson"})
    assert r.headers["content-type"] == "application/x-ndjson"
    lines = [json.loads(line) for line in r.text.splitlines()]
    assert len(lines) == len(variants) and lines[0]["key"] == "active.permit.decisions"
    # and polling them: 304 on the same data
    again = client.get("/figures", params={"key": "active.permit.decisions", "format": "csv"},
                       headers={"If-None-Match": client.get("/figures", params={"key": "active.permit.decisions",
                                                                                "format": "csv"}).headers["etag"]})
    assert again.status_code == 304 and again.content == b""


def _stats(client, **params) -> list[dict]:
    r = client.get("/stats", params=params)
    assert r.status_code == 200, r.text
    return r.json()["stats"]


@pytest.mark.parametrize("by", ["city", "province", "year", "county"])
def test_stats_by_group_match_python(many, by):
    client, variants = many
    key = "active.permit.decisions"
    scope = [v for v in variants if v["year"] >= 2020]
    groups = defaultdict(list)
    for v in scope:
        group = {"city": v["city"], "province": v["province"], "year": v["year"], "county": v["code"]}[by]
        groups[group].append(v["values"][key])
    got = {row["group"][by]: row for row in _stats(client, key=key, year="2020-2030", by=by)}
    assert set(got) == set(groups)
    for group, values in groups.items():
        row = got[group]
        assert row["count"] == len(values) == row["reports_in_scope"]
        assert row["sum"] == sum(values)
        assert (row["min"], row["max"]) == (min(values), max(values))
        assert row["mean"] == pytest.approx(sum(values) / len(values))
        assert row["coverage"] == 1.0
    if by == "city":
        assert got["110000"]["group"]["city_name"] == "北京市" and got["110000"]["group"]["city_level"] == "province"
        assert got["150700"]["group"]["city_name"] == "呼伦贝尔市"


def test_stats_never_mix_templates_and_coverage(many):
    client, variants = many
    # 2019-template key: only 2019-template reports are in scope, whatever the filter lets in
    rows = _stats(client, key="active.normative_docs.total", region="15")
    (row,) = rows
    in_scope = [v for v in variants if v["province"] == "150000" and v["template"] == "2019"]
    assert row["templates"] == ["2019"]
    assert row["reports_in_scope"] == len(in_scope) < len([v for v in variants if v["province"] == "150000"])
    assert row["sum"] == sum(v["values"]["active.normative_docs.total"] for v in in_scope)
    # a figure some reports lack: coverage below 1 (pingtan's normative_docs.repealed is inferred,
    # left out with exact=true)
    key = "active.normative_docs.repealed"
    scope = [v for v in variants if v["template"] == "2021"]
    having = [v for v in scope if key in v["values"] and "inferred" not in v["flags"][key]]
    (row,) = _stats(client, key=key, exact="true")
    assert row["templates"] == ["2021"]
    assert (row["count"], row["reports_in_scope"]) == (len(having), len(scope))
    assert row["coverage"] == pytest.approx(len(having) / len(scope)) and row["coverage"] < 1
    assert row["sum"] == sum(v["values"][key] for v in having)


def test_stats_amounts_and_two_dimensions(many):
    client, variants = many
    key = "active.fees.amount_wan"
    groups = defaultdict(list)
    for v in variants:
        if key in v["values"]:
            groups[(v["province"], v["year"])].append(v["values"][key])
    rows = _stats(client, key=key, by="province,year")
    got = {(r["group"]["province"], r["group"]["year"]): r for r in rows if r["count"]}
    assert set(got) == set(groups)
    for g, values in groups.items():
        assert got[g]["sum"] == pytest.approx(math.fsum(values), abs=1e-6)
        assert isinstance(got[g]["sum"], float)


def test_stats_csv(many):
    client, variants = many
    r = client.get("/stats", params={"key": "active.permit.decisions", "by": "city", "format": "csv"})
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert {x["group.city"] for x in rows} == {v["city"] for v in variants}
    assert any(x["group.city_name"] == "呼伦贝尔市" for x in rows)


def test_exact_leaves_inferred_figures_out_of_every_figure_endpoint_and_stats(many):
    """pingtan-2024's run-together row is read by evidence (flagged inferred): exact=true
    leaves those figures out of /figures, /stats (computed from the figure rows, not the
    rollup), a report's figures and its section view; CSV and NDJSON carry the flags."""
    client, variants = many
    key = "active.normative_docs.in_force"
    inferred = {v["id"] for v in variants if "inferred" in v["flags"].get(key, ())}
    having = {v["id"]: v["values"][key] for v in variants if key in v["values"]}
    assert inferred and set(having) - inferred  # both kinds are there
    rows = all_pages(client, "/figures", {"key": key, "limit": 1000})
    assert {r["report_id"] for r in rows} == set(having)
    assert {r["report_id"] for r in rows if r["flags"] == ["inferred"]} == inferred
    rows = all_pages(client, "/figures", {"key": key, "limit": 1000, "exact": "true"})
    assert {r["report_id"]: r["value"] for r in rows} == {i: x for i, x in having.items() if i not in inferred}
    assert all("inferred" not in r["flags"] for r in rows)
    # CSV and NDJSON: the flags as a column
    r = client.get("/figures", params={"key": key, "format": "csv"})
    got = {int(x["report_id"]): x["flags"] for x in csv.DictReader(io.StringIO(r.content.decode("utf-8-sig")))}
    assert {i for i, f in got.items() if f == "inferred"} == inferred
    r = client.get("/figures", params={"key": key, "format": "ndjson", "exact": "true"})
    assert {json.loads(line)["report_id"] for line in r.text.splitlines()} == set(having) - inferred
    # /stats: the rollup's answer, and with exact=true the figure rows' own
    for exact, ids in (("false", set(having)), ("true", set(having) - inferred)):
        [row] = _stats(client, key=key, exact=exact)
        assert row["count"] == len(ids)
        assert row["sum"] == pytest.approx(math.fsum(having[i] for i in ids))
        assert row["max"] == max(having[i] for i in ids)
    by_year = {r["group"]["year"]: r["count"] for r in _stats(client, key=key, by="year", exact="true")}
    want = defaultdict(int)
    for v in variants:
        if v["id"] in having and v["id"] not in inferred:
            want[v["year"]] += 1
    assert {y: c for y, c in by_year.items() if c} == dict(want)
    # one report: its figures and its section view
    one = min(inferred)
    figs = {f["key"]: f for f in client.get(f"/reports/{one}/figures").json()["figures"]}
    assert figs[key]["flags"] == ["inferred"]
    exact_figs = {f["key"] for f in client.get(f"/reports/{one}/figures", params={"exact": "true"}).json()["figures"]}
    assert key not in exact_figs and "active.permit.decisions" in exact_figs
    assert len(exact_figs) == len(figs) - sum(1 for f in figs.values() if "inferred" in f["flags"])
    r = client.get(f"/reports/{one}/figures", params={"format": "csv"})
    csv_flags = {x["key"]: x["flags"] for x in csv.DictReader(io.StringIO(r.content.decode("utf-8-sig")))}
    assert csv_flags[key] == "inferred"
    docs = client.get(f"/reports/{one}/active").json()["normative_docs"]
    assert docs["in_force"] == having[one]
    docs = client.get(f"/reports/{one}/active", params={"exact": "true"}).json()["normative_docs"]
    assert docs["in_force"] is None and docs["repealed"] is None
    assert client.get(f"/reports/{one}/active", params={"exact": "true"}).json()["permit"]["decisions"] is not None


def test_reports_filters_sorts_pages_and_count(many):
    client, variants = many
    scope = [v for v in variants if v["code"].startswith("32")]
    r = client.get("/reports", params={"region": "320000", "count": "true", "limit": 3})
    assert r.json()["total"] == len(scope)
    for sort, keyfn, reverse in (("id", lambda v: v["id"], False), ("-id", lambda v: v["id"], True),
                                 ("year", lambda v: (v["year"], v["id"]), False)):
        rows = all_pages(client, "/reports", {"region": "32", "sort": sort, "limit": 4})
        assert [x["id"] for x in rows] == [v["id"] for v in sorted(scope, key=keyfn, reverse=reverse)]
    rows = all_pages(client, "/reports", {"region": "32", "sort": "-year", "limit": 4})
    assert [x["year"] for x in rows] == sorted((v["year"] for v in scope), reverse=True)
    for sort in ("agency", "-published_at", "region"):  # keyset over NULLs and strings: each report once
        rows = all_pages(client, "/reports", {"sort": sort, "limit": 9})
        assert sorted(x["id"] for x in rows) == sorted(v["id"] for v in variants)
    rows = all_pages(client, "/reports", {"sort": "-published_at", "limit": 9})
    dates = [x["published_at"] for x in rows]
    known = [d for d in dates if d is not None]
    assert known == sorted(known, reverse=True) and dates[len(known):] == [None] * (len(dates) - len(known))
    # a cursor of another sort order is refused
    first = client.get("/reports", params={"sort": "year", "limit": 2}).json()["next"]
    cursor = first.split("cursor=")[1]
    r = client.get("/reports", params={"sort": "agency", "cursor": cursor})
    assert r.status_code == 422 and r.json()["code"] == "validation_error"


def test_timeliness_fields_and_filter(many):
    client, variants = many
    for on_time in (True, False):
        expected = {v["id"] for v in variants if v["published"] is not None
                    and (v["published"] <= deadline(v)) is on_time}
        rows = all_pages(client, "/reports", {"on_time": str(on_time).lower(), "limit": 500})
        assert {x["id"] for x in rows} == expected
        for x in rows:
            assert x["on_time"] is on_time
    v = next(v for v in variants if v["level"] == "department" and v["published"] == date(v["year"] + 1, 3, 1))
    body = client.get(f"/reports/{v['id']}").json()
    assert body["deadline"] == f"{v['year'] + 1}-01-31" and body["on_time"] is False
    nothing = next(v for v in variants if v["published"] is None)
    assert client.get(f"/reports/{nothing['id']}").json()["on_time"] is None


def test_reports_csv_streams_all(many):
    client, variants = many
    r = client.get("/reports", headers={"Accept": "text/csv"})
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert [int(x["id"]) for x in rows] == sorted(v["id"] for v in variants)
    assert {x["agency"] for x in rows} == {v["agency"] for v in variants}


def test_compare_with_previous_year(many):
    client, variants = many
    by_body = {(v["agency"], v["code"], v["year"]): v for v in variants}
    pairs = [(v, by_body[(v["agency"], v["code"], v["year"] - 1)]) for v in variants
             if (v["agency"], v["code"], v["year"] - 1) in by_body]
    assert pairs
    for now, before in pairs[:4]:
        body = client.get(f"/reports/{now['id']}/compare").json()
        assert body["other"]["id"] == before["id"] and body["basis"] == "previous"
        rows = {r["key"]: r for r in body["figures"]}
        for key, value in now["values"].items():
            if key in before["values"]:
                assert rows[key]["change"] == pytest.approx(value - before["values"][key])
                assert rows[key]["other_value"] == pytest.approx(before["values"][key])
            else:
                assert rows[key]["change"] is None and rows[key]["other_value"] is None
    lonely = next(v for v in variants if (v["agency"], v["code"], v["year"] - 1) not in by_body)
    r = client.get(f"/reports/{lonely['id']}/compare")
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    a, b = variants[0], variants[1]
    body = client.get(f"/reports/{a['id']}/compare", params={"with": b["id"], "prefix": "active.permit."}).json()
    assert body["basis"] == "id" and {r["key"] for r in body["figures"]} <= set(a["values"]) | set(b["values"])


def test_regions_and_report_counts(many):
    client, variants = many
    body = client.get("/regions/150700").json()
    assert (body["name"], body["level"], body["parent_code"]) == ("呼伦贝尔市", "city", "150000")
    assert body["report_count"] == sum(v["code"].startswith("1507") for v in variants)
    assert [a["code"] for a in body["ancestors"]] == ["150000"]
    kids = {c["code"]: c for c in body["children"]}
    assert kids["150724"]["name"] == "鄂温克族自治旗"
    assert kids["150724"]["report_count"] == sum(v["code"] == "150724" for v in variants)
    provinces = all_pages(client, "/regions", {"limit": 10})
    assert len(provinces) == 34 and {p["level"] for p in provinces} == {"province"}
    beijing = next(p for p in provinces if p["code"] == "110000")
    assert beijing["report_count"] == sum(v["province"] == "110000" for v in variants)
    districts = all_pages(client, "/regions", {"parent": "110000"})
    assert "110105" in {d["code"] for d in districts}
    assert client.get("/regions", params={"q": "呼伦贝尔"}).json()["data"][0]["code"] == "150700"
    assert client.get("/regions/990000").json()["code"] == "not_found"


def test_bad_query_parameters_are_problems(many):
    client, _ = many
    for url, params in (("/figures", {"key": "active.permit.decision"}),
                        ("/figures", {"key": "x", "year": "2021-2019"}),
                        ("/figures", {"key": "active.permit", "region": "1507x"}),
                        ("/figures", {"key": "active.permit", "cursor": "bm9wZQ"}),
                        ("/stats", {"key": "active.permit", "by": "street"}),
                        ("/changes", {"since": "garbage"}),
                        ("/reports/1/compare", {"with": "0"})):
        r = client.get(url, params=params)
        assert r.status_code == 422, (url, params, r.text)
        assert r.headers["content-type"] == "application/problem+json"
    r = client.get("/figures", params={"key": "active.permit.decision"})
    assert "active.permit.decisions" in r.json()["detail"]
