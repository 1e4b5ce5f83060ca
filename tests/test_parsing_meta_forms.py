"""Metadata in the wordings reports use beyond the corpus: agency short forms written out
(data/short_forms.csv and the divisions table), the year in Chinese numerals and in the
statistics period's other wordings. Invented reports of one paragraph each, parsed whole."""

from __future__ import annotations

import pytest

from app.parsing import parse_text
from app.parsing.meta import cn_dates
from app.parsing.place import expand_short_form, short_forms

_BODY = ("本报告根据《中华人民共和国政府信息公开条例》要求编制。{period}\n一、总体情况\n"
         "本单位坚持以公开为常态、不公开为例外，各项工作有序开展。\n{tail}")


def _parse(title: str, period: str = "", tail: str = "") -> tuple:
    r = parse_text(f"{title}\n\n" + _BODY.format(period=period, tail=tail))
    return r.year, r.agency, r.region_code


@pytest.mark.parametrize("short,full", [
    ("杭州市发改委", "杭州市发展和改革委员会"), ("上城区人社局", "上城区人力资源和社会保障局"),
    ("宁波市住建局", "宁波市住房和城乡建设局"), ("温州市卫健委", "温州市卫生健康委员会"),
    ("绍兴市市场监管局", "绍兴市市场监督管理局"), ("鄞州区医保局", "鄞州区医疗保障局"),
])
def test_a_short_body_type_after_a_place_is_written_in_full(short: str, full: str) -> None:
    assert expand_short_form(short) == (full, False)


def test_short_forms_only_after_a_place_and_never_the_ambiguous_ones() -> None:
    assert expand_short_form("平潭综合实验区经济发展局") == ("平潭综合实验区经济发展局", False)
    assert expand_short_form("中国科委") == ("中国科委", False)  # not after a division's name or level
    assert expand_short_form("德清县政务服务办") == ("德清县政务服务办", True)  # 政务服务管理办公室 or …中心
    assert short_forms()["政务服务办"] is None


def test_a_bare_level_takes_the_place_of_the_site_code() -> None:
    year, agency, code = _parse("市卫健委2022年政府信息公开工作年度报告", tail="网站标识码：3302000001\n")
    assert (year, agency, code) == (2022, "宁波市卫生健康委员会", "330200")


def test_the_reports_own_full_name_wins_over_an_ambiguous_short_form() -> None:
    year, agency, code = _parse("县政务服务办2021年政府信息公开工作年度报告",
                                tail="安吉县政务服务管理办公室\n2022年1月15日\n")
    assert (year, agency, code) == (2021, "安吉县政务服务管理办公室", "330523")


@pytest.mark.parametrize("text,digits", [
    ("二〇二一年度", "2021年度"), ("二零一九年一月一日至十二月三十一日", "2019年1月1日至12月31日"),
    ("2020年12月31日", "2020年12月31日"), ("第三十一条", "第三十一条"),
])
def test_chinese_numeral_dates(text: str, digits: str) -> None:
    assert cn_dates(text) == digits


@pytest.mark.parametrize("period,year", [
    ("本报告中所列数据统计截止时间为2021年12月31日。", 2021),
    ("本报告数据统计截至2019年12月31日。", 2019),
    ("本年度报告统计数据的时间范围为二〇二二年一月一日至十二月三十一日。", 2022),
    ("本报告所列数据的统计时段为2023年1月1日至2023年12月31日。", 2023),
])
def test_the_year_from_the_statistics_period_in_its_wordings(period: str, year: int) -> None:
    got, _, _ = _parse("湖州市统计局政府信息公开工作年度报告", period=period, tail="湖州市统计局\n2024年1月10日\n")
    assert got == year


def test_the_signatures_date_is_never_the_year() -> None:
    got, agency, _ = _parse("湖州市统计局政府信息公开工作年度报告", tail="湖州市统计局\n2024年1月10日\n")
    assert got is None and agency == "湖州市统计局"


def test_a_title_in_chinese_numerals_keeps_its_form() -> None:
    r = parse_text("湖州市统计局二〇二〇年政府信息公开工作年度报告\n\n" + _BODY.format(period="", tail=""))
    assert r.year == 2020 and r.title == "湖州市统计局二〇二〇年政府信息公开工作年度报告"


@pytest.mark.parametrize("body", ["鄂温克族自治旗政务服务中心", "鄂温克族自治旗公共资源交易中心", "鄂温克族自治旗教育事务中心"])
def test_a_body_named_a_centre_in_the_first_sentence(body: str) -> None:
    """No title naming the body: the first sentence does, and a 中心 is a body as a 局 is."""
    r = parse_text(f"2021年，{body}深入贯彻落实《中华人民共和国政府信息公开条例》，现公布本年度报告。\n一、总体情况\n"
                   "压缩企业办事时间，提升政务服务效能，各项工作有序开展。\n")
    assert (r.agency, r.region_code) == (body, "150724")


def test_a_sentence_on_doing_business_names_no_body() -> None:
    """压缩企业办事时间 starts like 压缩企业办 (a bare 办): no body is read from it, the agency
    stays unknown rather than wrong."""
    r = parse_text("2021年政府信息公开工作年度报告\n一、总体情况\n压缩企业办事时间，提升政务服务效能，各项工作有序开展。\n")
    assert r.agency is None


@pytest.mark.parametrize("cut", [0, 1, 2])
def test_prose_wrapped_onto_lines_never_names_a_piece_of_a_name(cut: int) -> None:
    """A first paragraph wrapped at a fixed width (a PDF's lines): the line that holds
    `…年度报告，年度报告中…` starts in the middle of a name (`克县2021年…`); that line is
    a sentence going on, not a title, and the agency is read from the paragraph's first
    sentence instead."""
    sentence = ("2021年，安吉县人民政府认真贯彻落实《中华人民共和国政府信息公开条例》，按照要求，现公布安吉县"
                "2021年政府信息公开工作年度报告，年度报告中所列数据统计期限自2021年1月1日起至2021年12月31日止。")
    start = sentence.index("现公布") + 3 + cut  # the break falls before or inside the name 安吉县
    wrapped = sentence[:start] + "\n" + sentence[start:]
    r = parse_text(wrapped + "\n一、总体情况\n本单位坚持以公开为常态、不公开为例外。\n")
    assert r.year == 2021
    assert r.agency == "安吉县人民政府", (r.agency, r.title)
    assert r.title is None


def test_a_page_without_its_title_never_names_the_navigation_or_a_cited_notice() -> None:
    """A report's text without its title (a published file whose title did not come through):
    its first line runs the page's navigation into the title, and a report may open by citing
    a notice whose name holds a report's name. Neither is the agency: of the navigation only
    the name after its last 年报 is; a notice (…办公室关于编制公布…) names no agency at all."""
    navigation = ("当前位置： 首页政务公开政府信息公开安吉县统计局政府信息公开年报 安吉县统计局2019年政府信息公开工作年度报告 "
                  "根据《中华人民共和国政府信息公开条例》要求，现编制完成2019年政府信息公开工作年度报告。")
    r = parse_text(navigation + "\n一、总体情况\n本单位坚持以公开为常态、不公开为例外。\n")
    assert (r.year, r.agency) == (2019, "安吉县统计局"), (r.agency, r.title)
    cited = ("根据《中华人民共和国政府信息公开条例》《安吉县人民政府办公室关于编制公布2021年政府信息公开工作年度报告有关事项的"
             "通知》要求，结合我局工作实际，现编制完成2022年度政府信息公开工作年度报告。")
    r = parse_text(cited + "\n一、总体情况\n本单位坚持以公开为常态、不公开为例外。\n")
    assert r.agency is None, r.agency


@pytest.mark.parametrize("title", [
    "安吉县人民政府办公室关于印发安吉县2021年政府信息公开工作年度报告的通知",
    "关于公布安吉县2021年政府信息公开工作年度报告的公告",
])
def test_a_notice_that_publishes_the_report_names_the_body_after_its_verb(title: str) -> None:
    year, agency, code = _parse(title)
    assert (year, agency, code) == (2021, "安吉县人民政府", "330523")
