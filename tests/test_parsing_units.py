"""The parsing core piece by piece, on small texts built for each layout rule."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.api.problems import input_status
from app.parsing import InputError, parse_document, parse_text
from app.parsing.decode import decode_bytes
from app.parsing.labels import split_numbering, within_one_edit
from app.parsing.normalize import normalize
from app.parsing.repair import solve
from app.parsing.values import parse_value

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"

# the 2021 template's section 三 rows in order, with one applicant-column layout each
ROWS_2021 = [
    ("一、本年新收政府信息公开申请数量", [52, 1, 0, 0, 0, 5, 58]),
    ("二、上年结转政府信息公开申请数量", [3, 0, 0, 0, 0, 0, 3]),
    ("（一）予以公开", [29, 1, 0, 0, 0, 2, 32]),
    ("（二）部分公开（区分处理的，只计这一情形，不计其他情形）", [5, 0, 0, 0, 0, 0, 5]),
    ("（三）不予公开 | 1.属于国家秘密", [0, 0, 0, 0, 0, 0, 0]),
    ("2.其他法律行政法规禁止公开", [0, 0, 0, 0, 0, 0, 0]),
    ("3.危及“三安全一稳定”", [0, 0, 0, 0, 0, 0, 0]),
    ("4.保护第三方合法权益", [1, 0, 0, 0, 0, 0, 1]),
    ("5.属于三类内部事务信息", [0, 0, 0, 0, 0, 0, 0]),
    ("6.属于四类过程性信息", [0, 0, 0, 0, 0, 0, 0]),
    ("7.属于行政执法案卷", [0, 0, 0, 0, 0, 0, 0]),
    ("8.属于行政查询事项", [0, 0, 0, 0, 0, 0, 0]),
    ("（四）无法提供 | 1.本机关不掌握相关政府信息", [10, 0, 0, 0, 0, 1, 11]),
    ("2.没有现成信息需要另行制作", [0, 0, 0, 0, 0, 0, 0]),
    ("3.补正后申请内容仍不明确", [0, 0, 0, 0, 0, 0, 0]),
    ("（五）不予处理 | 1.信访举报投诉类申请", [2, 0, 0, 0, 0, 0, 2]),
    ("2.重复申请", [1, 0, 0, 0, 0, 0, 1]),
    ("3.要求提供公开出版物", [0, 0, 0, 0, 0, 0, 0]),
    ("4.无正当理由大量反复申请", [0, 0, 0, 0, 0, 0, 0]),
    ("5.要求行政机关确认或重新出具已获取信息", [0, 0, 0, 0, 0, 0, 0]),
    ("（六）其他处理 | 1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请", [1, 0, 0, 0, 0, 0, 1]),
    ("2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", [0, 0, 0, 0, 0, 0, 0]),
    ("3.其他", [2, 0, 0, 0, 0, 1, 3]),
    ("（七）总计", [51, 1, 0, 0, 0, 4, 56]),
    ("四、结转下年度继续办理", [4, 0, 0, 0, 0, 1, 5]),
]

HEAD_2021 = """测试县人民政府2021年政府信息公开工作年度报告
本报告所列数据统计期限自2021年1月1日至2021年12月31日。
二、主动公开政府信息情况
第二十条第（一）项
信息内容 | 本年制发件数 | 本年废止件数 | 现行有效件数
规章 | 0 | 0 | 0
行政规范性文件 | 12 | 0 | 74
第二十条第（五）项
信息内容 | 本年处理决定数量
行政许可 | 1520
第二十条第（六）项
信息内容 | 本年处理决定数量
行政处罚 | 300
行政强制 | 7
第二十条第（八）项
信息内容 | 本年收费金额（单位：万元）
行政事业性收费 | 2051.384207
三、收到和处理政府信息公开申请情况
"""

REVIEW_2021 = """四、政府信息公开行政复议、行政诉讼情况
行政复议 | 行政诉讼
结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计 | 未经复议直接起诉 | 复议后起诉
{values}
五、存在的主要问题及改进情况
"""


def report_2021(rows=ROWS_2021, review="2 | 1 | 3 | 1 | 7 | 0 | 0 | 0 | 0 | 0 | 13 | 2 | 4 | 0 | 19") -> str:
    body = "\n".join(f"{label} | " + " | ".join(str(v) for v in vals) for label, vals in rows)
    return HEAD_2021 + body + "\n" + REVIEW_2021.format(values=review)


# ------------------------------------------------------------------ normalise / values / labels

def test_pinyin_annotations_and_traditional_script_are_normalised() -> None:
    n = normalize("現(xiàn)公布鄂溫克旗數據統(tǒng)計（聯系電話0470-8819707）")
    assert n.lines[0] == "现公布鄂温克旗数据统计（联系电话0470-8819707）"
    # positions map back onto the original line
    i = n.lines[0].index("数据")
    s, e = n.original_span(0, i, i + 2)
    assert n.original_lines[0][s:e] == "數據"


def test_full_width_digits() -> None:
    assert normalize("行政许可｜１２３").lines[0] == "行政许可|123"


@pytest.mark.parametrize("text,value,flags", [
    ("增2", 2, {}), ("减30", -30, {}), ("+22", 22, {}), ("-7", -7, {}), ("--25", -25, {}),
    ("2（放弃申请）", 2, {"note": "放弃申请"}), ("15（其中修订9件）", 15, {"note": "其中修订9件"}),
    ("3500余", 3500, {"approximate": True}), ("1,234", 1234, {}), ("32681.29万元", 32681.29, {}),
])
def test_cell_values(text: str, value: float, flags: dict) -> None:
    v = parse_value(text)
    assert v is not None and v.value == value
    for k, want in flags.items():
        assert getattr(v, k) == want


def test_money_in_yuan_and_yi_is_converted_to_wan() -> None:
    assert parse_value("25000元", money=True).value == 2.5
    assert parse_value("1.5亿元", money=True).value == 15000
    assert parse_value("行政许可") is None


def test_labels_read_numbering_apart_and_forgive_one_slip() -> None:
    assert split_numbering("（三）不予公开") == ("三", "不予公开")
    assert split_numbering("2. 重复申请") == ("2", "重复申请")
    assert split_numbering("四、结转下年度继续办理") == ("四", "结转下年度继续办理")
    assert within_one_edit("本机关不掌握相关政府信息", "本机关不掌提相关政府信息")
    assert not within_one_edit("属于国家秘密", "属于国家机密文件")


# ------------------------------------------------------------------ decode

def test_decode_errors_are_input_errors_with_codes() -> None:
    with pytest.raises(InputError) as e:
        decode_bytes(b"   \n ")
    assert e.value.code == "empty_body" and input_status(e.value.code) == 400
    with pytest.raises(InputError) as e:
        decode_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    assert e.value.code == "not_text"
    with pytest.raises(InputError) as e:
        decode_bytes("行政许可".encode("gbk"), "text/plain; charset=utf-8")
    assert e.value.code == "charset_mismatch" and "gb18030" in e.value.message


def test_gbk_bytes_are_detected() -> None:
    text = report_2021()
    assert parse_document(text.encode("gb18030")).figure_map() == parse_text(text).figure_map()


def test_html_cells_br_in_labels_nbsp_and_scripts() -> None:
    html = ("<html><head><meta charset=gb2312><script>var a='行政许可 | 99';</script></head><body>"
            "<div class=menu>首页 | 政务公开</div>"
            "<table><tr><td>信息内容</td><td>本年新<br>制作数量</td><td>本年新公开数量</td><td>对外公开总数量</td></tr>"
            "<tr><td>规章</td><td>&nbsp;</td><td>1</td><td>5</td></tr>"
            "<tr><td>规范性<br/>文件</td><td>2</td><td>2</td><td>30</td></tr></table></body></html>")
    report = parse_document(html.encode("gb18030"), "text/html")
    figs = report.figure_map()
    assert figs["active.normative_docs.new_made"] == 2
    assert figs["active.rules.new_made"] == 0  # a blank cell inside a filled row reads as 0 …
    rules = next(f for f in report.figures if f.key == "active.rules.new_made")
    assert "derived" in rules.flags  # … and says so
    assert "99" not in report.text


# ------------------------------------------------------------------ a whole 2021 report

def test_clean_2021_report_reads_every_table_and_checks_out() -> None:
    report = parse_text(report_2021())
    figs = report.figure_map()
    assert report.template == "2021" and report.year == 2021
    assert figs["active.fees.amount_wan"] == 2051.384207
    assert figs["applications.new_received.total"] == 58
    assert figs["applications.other.total"] == 4
    assert figs["applications.denied.total"] == 1
    assert figs["review_litigation.litigation_after_reconsideration.total"] == 19
    assert len([k for k in figs if k.startswith("applications.")]) == 25 * 7 + 4 * 7
    assert report.status == "parsed"
    assert not [f for f in report.findings if f.severity != "info"], report.findings


def test_a_printed_row_that_does_not_add_up_is_kept_as_printed_with_a_finding() -> None:
    rows = list(ROWS_2021)
    rows[-2] = ("（七）总计", [51, 1, 0, 0, 0, 4, 57])  # the row's columns no longer add up
    report = parse_text(report_2021(rows))
    mismatch = next(f for f in report.findings if f.code == "identity_mismatch" and "kept as printed" in f.message)
    assert "applications.results_total.total" in mismatch.keys
    assert report.figure_map()["applications.results_total.total"] == 57
    assert report.figure_map()["applications.results_total.natural_person"] == 51
    assert not [f for f in report.findings if f.code == "row_sum_mismatch"]
    assert report.figure_map()["applications.granted.total"] == 32


def test_a_row_that_does_not_add_up_is_left_out_when_its_numbers_are_not_its_own_cells() -> None:
    rows = list(ROWS_2021)
    rows[-2] = ("（七）总计", [51, 1, 0, 0, 0, 4, 57])
    text = report_2021(rows).replace("（七）总计 | 51 | 1 | 0 | 0 | 0 | 4 | 57", "（七）总计\n51\n1\n0\n0\n0\n4\n57")
    assert text != report_2021(rows)
    report = parse_text(text)
    mismatch = next(f for f in report.findings if f.code == "row_sum_mismatch")
    assert "applications.results_total.total" in mismatch.keys and "left out" in mismatch.message
    assert not any(k.startswith("applications.results_total.") for k in report.figure_map())


def test_identity_across_rows_that_does_not_hold_is_a_finding() -> None:
    rows = list(ROWS_2021)
    rows[-1] = ("四、结转下年度继续办理", [4, 0, 0, 0, 0, 2, 6])  # adds up, but 一+二 ≠ (七)+四 now
    report = parse_text(report_2021(rows))
    mismatch = [f for f in report.findings if f.code == "identity_mismatch"]
    assert {f.keys[0] for f in mismatch} == {"applications.new_received.other_org", "applications.new_received.total"}
    assert report.figure_map()["applications.carried_forward.total"] == 6  # printed figures stay


def test_review_block_that_does_not_add_up_is_kept_as_printed_from_its_own_cells() -> None:
    report = parse_text(report_2021(review="2 | 1 | 3 | 1 | 8 | 0 | 0 | 0 | 0 | 0 | 13 | 2 | 4 | 0 | 19"))
    figs = report.figure_map()
    assert figs["review_litigation.reconsideration.total"] == 8
    assert figs["review_litigation.litigation_after_reconsideration.total"] == 19
    assert any(f.code == "identity_mismatch" and "review_litigation.reconsideration.total" in f.keys
               for f in report.findings)


def test_review_block_that_does_not_add_up_is_left_out_when_one_a_line() -> None:
    numbers = [2, 1, 3, 1, 8, 0, 0, 0, 0, 0, 13, 2, 4, 0, 19]
    report = parse_text(report_2021(review="\n".join(map(str, numbers))))
    figs = report.figure_map()
    assert not any(k.startswith("review_litigation.") for k in figs)
    assert any(f.code == "row_sum_mismatch" for f in report.findings)


def test_run_together_row_is_split_by_its_sum() -> None:
    rows = list(ROWS_2021)
    text = report_2021(rows).replace("一、本年新收政府信息公开申请数量 | 52 | 1 | 0 | 0 | 0 | 5 | 58",
                                     "一、本年新收政府信息公开申请数量 521000558")
    report = parse_text(text)
    figs = report.figure_map()
    assert [figs[f"applications.new_received.{c}"] for c in
            ("natural_person", "commercial", "research", "social_welfare", "legal_service", "other_org", "total")] \
        == [52, 1, 0, 0, 0, 5, 58]
    assert any(f.code == "repaired" and "applications.new_received.total" in f.keys for f in report.findings)
    fig = next(f for f in report.figures if f.key == "applications.new_received.total")
    assert "repaired" in fig.flags


def test_flattened_table_with_numbering_glued_to_digits() -> None:
    body = "".join(label.split(" | ")[-1] + "".join(str(v) for v in vals) for label, vals in ROWS_2021[4:12])
    text = report_2021().replace("\n".join(f"{label} | " + " | ".join(str(v) for v in vals)
                                           for label, vals in ROWS_2021[4:12]),
                                 "申请人情况自然人商业企业（三）不予公开" + body)
    report = parse_text(text)
    figs = report.figure_map()
    assert figs["applications.denied.third_party.natural_person"] == 1
    assert figs["applications.denied.state_secret.total"] == 0
    assert figs["applications.denied.total"] == 1


def test_section_four_as_one_digit_string() -> None:
    report = parse_text(report_2021(review="21317000001324019"))
    figs = report.figure_map()
    assert [figs[f"review_litigation.reconsideration.{o}"] for o in ("upheld", "corrected", "other", "pending", "total")] \
        == [2, 1, 3, 1, 7]
    assert figs["review_litigation.litigation_after_reconsideration.upheld"] == 13


def test_ambiguous_split_is_left_out_with_a_finding() -> None:
    # 12 / 0 / 74 glued: 12|0|74, 1|20|74, 120|7|4 … — no identity decides for this row
    text = report_2021().replace("行政规范性文件 | 12 | 0 | 74", "行政规范性文件 12074")
    report = parse_text(text)
    figs = report.figure_map()
    assert "active.normative_docs.in_force" not in figs
    assert any(f.code == "ambiguous_split" for f in report.findings)
    assert report.status == "partial"
    # the prose can decide part of it: 制发 12 件 fixes the first column
    report = parse_text(text + "\n全年制发行政规范性文件12件。")
    assert report.figure_map()["active.normative_docs.issued"] == 12


def test_signed_change_glued_between_neighbours() -> None:
    solutions, complete = solve([("", "1210"), ("-", "7402")], (("free", 3),), signed_cols=frozenset({1}))
    assert complete and sorted(solutions) == [[1210, -740, 2], [1210, -7, 402]]  # 02 is no number


SEED_2019_HEAD = """某某县人民政府2020年政府信息公开工作年度报告
第二十条第（五）项
信息内容 | 上一年项目数量 | 本年增/减 | 处理决定数量
{permit}
"""


def test_glued_2019_row_with_a_signed_change() -> None:
    report = parse_text(SEED_2019_HEAD.format(permit="行政许可1210-7402"))
    figs = report.figure_map()
    assert figs["active.permit.prev_items"] == 1210  # every split that fits agrees on it
    assert "active.permit.change" not in figs and "active.permit.decisions" not in figs
    assert any(f.code == "ambiguous_split" for f in report.findings)
    report = parse_text(SEED_2019_HEAD.format(permit="行政许可194增241505"))
    figs = report.figure_map()
    assert "active.permit.decisions" not in figs or figs["active.permit.decisions"] == 41505
    report = parse_text(SEED_2019_HEAD.format(permit="行政许可 | 194 | 增2 | 41505"))
    assert report.figure_map()["active.permit.change"] == 2


def test_missing_sections_degrade_to_findings() -> None:
    report = parse_text("某某局2021年政府信息公开工作年度报告\n全年主动公开政府信息120条。")
    assert report.status in ("partial", "failed")
    assert {f.code for f in report.findings} >= {"missing_section"}


def test_identities_across_rows_choose_among_splits() -> None:
    # '110000011' fits 11,0,0,0,0,0,11 and 1,10,0,0,0,0,11; only the first keeps 一+二 = (七)+四
    rows = [(label, vals) for label, vals in ROWS_2021]
    swap = {
        "一、本年新收政府信息公开申请数量": [58, 1, 0, 0, 0, 5, 64],
        "（二）部分公开（区分处理的，只计这一情形，不计其他情形）": [11, 0, 0, 0, 0, 0, 11],
        "（七）总计": [57, 1, 0, 0, 0, 4, 62],
    }
    rows = [(label, swap.get(label, vals)) for label, vals in rows]
    text = report_2021(rows).replace(
        "（二）部分公开（区分处理的，只计这一情形，不计其他情形） | 11 | 0 | 0 | 0 | 0 | 0 | 11",
        "（二）部分公开（区分处理的，只计这一情形，不计其他情形） 110000011")
    report = parse_text(text)
    figs = report.figure_map()
    assert figs["applications.partially_granted.natural_person"] == 11
    assert figs["applications.partially_granted.commercial"] == 0
    assert not any(f.code == "ambiguous_split" for f in report.findings)
    assert not [f for f in report.findings if f.code in ("identity_mismatch", "row_sum_mismatch")]


def test_amount_column_in_yuan_is_converted_to_wan() -> None:
    text = report_2021().replace("本年收费金额（单位：万元）", "本年收费金额（单位：元）").replace(
        "行政事业性收费 | 2051.384207", "行政事业性收费 | 20513842.07")
    report = parse_text(text)
    fee = next(f for f in report.figures if f.key == "active.fees.amount_wan")
    assert abs(fee.value - 2051.384207) < 1e-6 and "converted" in fee.flags and fee.unit == "万元"


def test_numbers_whose_label_follows_them() -> None:
    text = report_2021().replace("2.重复申请 | 1 | 0 | 0 | 0 | 0 | 0 | 1",
                                 "| 1 | 0 | 0 | 0 | 0 | 0 | 1 |\n| 2.重复申请 |")
    figs = parse_text(text).figure_map()
    assert figs["applications.not_processed.duplicate.total"] == 1
    assert figs["applications.not_processed.total"] == 3


def test_values_under_an_unknown_label_are_a_finding_not_a_figure() -> None:
    text = report_2021().replace("2.重复申请 | 1 | 0 | 0 | 0 | 0 | 0 | 1", "2.某种新情形 | 1 | 0 | 0 | 0 | 0 | 0 | 1")
    report = parse_text(text)
    assert "applications.not_processed.duplicate.total" not in report.figure_map()
    assert any(f.code == "unknown_row" for f in report.findings)
    assert report.status == "partial"


def test_page_furniture_between_rows_is_not_a_value() -> None:
    text = report_2021().replace("2.重复申请 | 1", "— 3 —\n第 3 页 共 9 页\n2.重复申请 | 1")
    text = text.replace("2.重复申请 | 1 | 0 | 0 | 0 | 0 | 0 | 1", "2.重复申请\n-4-\n1 | 0 | 0 | 0 | 0 | 0 | 1")
    figs = parse_text(text).figure_map()
    assert figs["applications.not_processed.duplicate.total"] == 1
    assert figs["applications.not_processed.duplicate.natural_person"] == 1


def test_prose_that_disagrees_with_the_table_is_a_finding_and_the_table_wins() -> None:
    agree = parse_text("全年共收到政府信息公开申请58件。\n" + report_2021())
    assert not any(f.code == "prose_mismatch" for f in agree.findings)
    also = parse_text("全年共受理政府信息公开申请61件（含上年结转3件）。\n" + report_2021())  # new + carried
    assert not any(f.code == "prose_mismatch" for f in also.findings)
    report = parse_text("全年共收到政府信息公开申请99件，行政复议7件。\n" + report_2021())
    found = [f for f in report.findings if f.code == "prose_mismatch"]
    assert len(found) == 1 and "99" in found[0].message
    assert found[0].keys == ("applications.new_received.total",)
    assert report.figure_map()["applications.new_received.total"] == 58


@pytest.mark.parametrize("title,agency,year,region,level", [
    ("2021年度沭阳县人民政府政府信息公开工作年度报告", "沭阳县人民政府", 2021, "321322", "county"),
    ("鄂温克旗2020年政府信息公开工作年度报告", "鄂温克族自治旗人民政府", 2020, "150724", "county"),
    ("淮安市交通运输局2024年政府信息公开工作年度报告", "淮安市交通运输局", 2024, "320800", "department"),
    ("关于印发淮安市2023年政府信息公开工作年度报告的通知", "淮安市人民政府", 2023, "320800", "city"),
    ("沐阳县人民政府2025年政府信息公开工作年度报告", "沭阳县人民政府", 2025, "321322", "county"),
])
def test_metadata_from_titles(title: str, agency: str, year: int, region: str, level: str) -> None:
    report = parse_text(title + "\n宿迁市 江苏省\n正文")
    assert (report.agency, report.year, report.region_code, report.level) == (agency, year, region, level)


def test_crawler_header_and_site_footer_metadata() -> None:
    text = ("标题: 某某县2022年政府信息公开工作年度报告\n发布时间: 2023-03-28 09:12\n"
            "原文链接: https://www.example.gov.cn/art/2023/3/28/art_1.html\n" + report_2021() +
            "\n主办单位：某某县人民政府办公室\n网站标识码：1507240004 蒙ICP备00000000号\n")
    report = parse_text(text)
    assert report.published_at == "2023-03-28"
    assert report.source_url == "https://www.example.gov.cn/art/2023/3/28/art_1.html"
    assert report.region_code == "150724"  # 网站标识码 wins over a name we cannot place
    assert report.year == 2021  # the statistics period, not the title's or the publication's year


def test_report_inside_a_layout_table_of_a_government_page() -> None:
    seed = (CORPUS / "ewenki-2020.page.html").read_bytes().decode("gb18030")
    body = seed.split("<body>", 1)[1].rsplit("</body>", 1)[0]
    page = ("<html><head><meta charset=utf-8><title>首页</title><script>" + "var x=1;" * 2000 + "</script></head><body>"
            "<table class=layout><tr><td><ul><li><a href=/>首页</a></li><li>政务公开</li><li>行政许可 12</li></ul></td>"
            "<td>" + body + "</td></tr></table><div>主办单位：鄂温克族自治旗人民政府办公室 网站标识码：1507240004</div>"
            "</body></html>")
    report = parse_document(page.encode("utf-8"), "text/html")
    exp = json.loads((CORPUS / "ewenki-2020.page.expected.json").read_text(encoding="utf-8"))
    assert report.figure_map() == exp["figures"]


@pytest.mark.parametrize("name", ["ewenki-2020.txt", "huaian-2024.txt"])
def test_a_fully_run_together_copy_gives_no_wrong_figure(name: str) -> None:
    """Every table separator and line break removed, as the worst crawlers do: what the
    arithmetic settles comes back, the rest is left out with findings, nothing is wrong."""
    exp = json.loads((CORPUS / name.replace(".txt", ".expected.json")).read_text(encoding="utf-8"))["figures"]
    text = (CORPUS / name).read_text(encoding="utf-8")
    flat = "".join(line.replace("|", "").replace(" ", "") for line in text.split("\n"))
    report = parse_text(flat)
    got = report.figure_map()
    assert {k: (got[k], v) for k, v in exp.items() if k in got and got[k] != v} == {}
    assert sum(1 for k in exp if k in got) >= 0.8 * len(exp)
    assert report.status == "partial"
    assert any(f.code == "repaired" for f in report.findings)


def test_deeply_nested_html_is_read_flat_in_linear_time() -> None:
    import time

    seed = (CORPUS / "ewenki-2020.page.html").read_bytes().decode("gb18030")
    body = seed.split("<body>", 1)[1].rsplit("</body>", 1)[0]
    deep = "<div>" * 50_000 + body + "</div>" * 50_000
    t0 = time.perf_counter()
    report = parse_document(deep.encode("utf-8"), "text/html")
    assert time.perf_counter() - t0 < 10  # the tree parser would take minutes
    exp = json.loads((CORPUS / "ewenki-2020.page.expected.json").read_text(encoding="utf-8"))
    assert report.figure_map() == exp["figures"]


def test_cells_one_space_apart_as_a_copied_page_gives_them() -> None:
    """A table whose cells stand one space apart (a layout page with its runs of spaces
    collapsed): label and numbers come apart, and the numbers are not read as one run."""
    clean = parse_text(report_2021()).figure_map()
    collapsed = "\n".join(" ".join(c.strip() for c in line.split("|")) for line in report_2021().split("\n"))
    report = parse_text(collapsed)
    assert report.figure_map() == clean
    assert not any(f.code in ("repaired", "ambiguous_split") for f in report.findings)


def test_spaced_numbers_that_are_one_short_are_not_split_but_their_lost_cell_placed() -> None:
    collapsed = "\n".join(" ".join(c.strip() for c in line.split("|")) for line in report_2021().split("\n"))
    # 4.保护第三方合法权益 loses a cell: six numbers written apart are not a run to split; the
    # lost cell is placed where the table's identities leave it one place (applications.py)
    text = collapsed.replace("4.保护第三方合法权益 1 0 0 0 0 0 1", "4.保护第三方合法权益 1 0 0 0 0 1")
    report = parse_text(text)
    figs = {f.key: f for f in report.figures if f.key.startswith("applications.denied.third_party.")}
    assert [f.value for f in figs.values()] == [1, 0, 0, 0, 0, 0, 1]
    assert all(f.flags == ("derived",) for f in figs.values())
    assert not any(f.code in ("repaired", "ambiguous_split") for f in report.findings)
    # the 总计 row gone too: the identity that places the cell cannot be checked, left out
    text = text.replace("（七）总计 51 1 0 0 0 4 56", "")
    report = parse_text(text)
    figs = report.figure_map()
    assert not any(k.startswith("applications.denied.third_party.") for k in figs)
    assert "applications.denied.total" not in figs
    assert any(f.code == "incomplete_row" for f in report.findings)


def test_merged_cell_text_before_a_numbered_label_on_one_line() -> None:
    collapsed = "\n".join(" ".join(c.strip() for c in line.split("|")) for line in report_2021().split("\n"))
    text = collapsed.replace("2.其他法律行政法规禁止公开", "本 2.其他法律行政法规禁止公开") \
                    .replace("（五）不予处理 1.信访举报投诉类申请 2 0 0 0 0 0 2", "（五）不 1.信访举报投诉类申请 2 0 0 0 0 0 2\n予处理")
    assert parse_text(text).figure_map() == parse_text(report_2021()).figure_map()


def test_one_cell_per_line_with_the_markdown_separator_row() -> None:
    review = "### 行政复议\n结果维持\n结果纠正\n其他结果\n尚未审结\n总计\n---\n---\n---\n---\n---\n2\n1\n3\n1\n7\n" \
             "### 行政诉讼（未经复议直接起诉）\n结果维持\n总计\n----------\n======\n0\n0\n0\n0\n0\n" \
             "### 行政诉讼（复议后起诉）\n—————\n13\n2\n4\n0\n19\n五、存在的主要问题及改进情况\n"
    text = report_2021().split("四、政府信息公开行政复议")[0] + "四、政府信息公开行政复议、行政诉讼情况\n" + review
    figs = parse_text(text).figure_map()
    assert figs["review_litigation.reconsideration.total"] == 7
    assert figs["review_litigation.litigation_after_reconsideration.upheld"] == 13


def test_preformatted_html_keeps_its_lines_and_column_gaps() -> None:
    text = (CORPUS / "huaian-2024.txt").read_text(encoding="utf-8")
    page = "<html><body><p>首页</p><pre>" + text.replace("&", "&amp;").replace("<", "&lt;") + "</pre></body></html>"
    exp = json.loads((CORPUS / "huaian-2024.expected.json").read_text(encoding="utf-8"))["figures"]
    assert parse_document(page.encode("utf-8"), "text/html").figure_map() == exp


def test_a_number_cut_by_a_hard_wrap_is_no_prose_figure() -> None:
    head = "测试县人民政府2021年政府信息公开工作年度报告\n"
    whole = parse_text(head + "全年通过政府网站发布信息4511条，开展意见征集9期。\n").figure_map()
    assert whole["publishing.website_posts"] == 4511
    cut = parse_text(head + "全年通过政府网站发布信息4\n511条，开展意见征集9期。\n").figure_map()
    assert "publishing.website_posts" not in cut  # 4511 or 511: which, cannot be told


def test_a_sentence_that_names_the_report_is_not_its_title() -> None:
    text = ("2020年，鄂温克旗人民政府深入贯彻落实《条例》，按照\n"
            "《呼伦贝尔市2020年政府信息公开工作要点》要求，现公布鄂温克旗2020年政府信息公开工作年度报告，\n"
            "年度报告中所列数据统计期限从2020年1月1日到12月31日止。\n")
    report = parse_text(text)
    assert report.agency == "鄂温克族自治旗人民政府" and report.year == 2020


def test_split_search_prunes_but_keeps_every_split():
    # a long row: the search must finish (complete=True) and find the one split, where an
    # unpruned search gave up after its step budget
    splits, complete = solve([("", "796040251912083276211410642")], (("free", 1), ("sum", 6)))
    assert complete
    assert splits == [[796, 0, 4025, 19, 1208, 3276, 2114, 10642]]
    # pruning never drops a fitting split: the two of this row are both still found
    splits, complete = solve([("", "42356731822349341011708")], (("free", 1), ("sum", 6)))
    assert complete and sorted(splits) == [[4235, 6731, 8, 2, 23, 4934, 10, 11708],
                                           [4235, 6731, 8, 22, 3, 4934, 10, 11708]]
    # a negative change (signed run) turns the sum pruning off and still splits right
    splits, complete = solve([("", "1210"), ("-", "7402")], (("free", 3),), signed_cols=frozenset({1}))
    assert complete and [1210, -7, 402] in splits and [1210, -74, 2] not in splits


def _numbers_above_labels(text: str) -> str:
    """Each table row's numbers on the line above its label."""
    out = []
    for line in text.split("\n"):
        cells = [c.strip() for c in line.split("|")]
        if len(cells) > 2 and not any(ch.isdigit() for ch in cells[0]) and all(c.isdigit() for c in cells[1:]):
            out += [" | ".join(cells[1:]), cells[0]]
        else:
            out.append(line)
    return "\n".join(out)


def test_a_table_whose_numbers_stand_above_their_labels() -> None:
    clean = parse_text(report_2021()).figure_map()
    rows = [(label, vals) for label, vals in ROWS_2021]
    text = _numbers_above_labels(report_2021(rows))
    report = parse_text(text)
    got = report.figure_map()
    assert {k: (v, clean[k]) for k, v in got.items() if k in clean and v != clean[k]} == {}
    # section 三 starts with a row of numbers above its first label: every label takes the row above
    assert {k: v for k, v in got.items() if k.startswith("applications.")} == \
        {k: v for k, v in clean.items() if k.startswith("applications.")}
    # section 二's 规章 has a row above (its own) and one below (the next row's): left out
    assert "active.rules.issued" not in got
    assert any(f.code == "ambiguous_row" and "active.rules.issued" in f.keys for f in report.findings)
    assert report.status == "partial"


def test_a_row_between_two_rows_of_numbers_is_left_out() -> None:
    # (七)总计 with a row above it and one after it, and 四、结转… with none: whose is which?
    text = report_2021().replace("（七）总计 | 51 | 1 | 0 | 0 | 0 | 4 | 56\n四、结转下年度继续办理 | 4 | 0 | 0 | 0 | 0 | 1 | 5",
                                 "51 | 1 | 0 | 0 | 0 | 4 | 56\n（七）总计\n4 | 0 | 0 | 0 | 0 | 1 | 5\n四、结转下年度继续办理")
    report = parse_text(text)
    got = report.figure_map()
    assert not any(k.startswith("applications.results_total.") for k in got)
    assert any(f.code == "ambiguous_row" and "applications.results_total.total" in f.keys for f in report.findings)


def test_letter_spaced_labels_in_a_layout_copy() -> None:
    """pdftotext -layout spreads a short label over its cell (行  政  许  可): one label."""
    gaps = "\n".join("    ".join(c.strip() for c in line.split("|")) for line in report_2021().split("\n"))
    spaced = "\n".join(("  ".join(line[:4]) + line[4:]) if line[:4] in ("行政许可", "行政处罚", "行政强制", "行政复议")
                       else ("  ".join(line[:2]) + line[2:]) if line[:2] == "规章" else line
                       for line in gaps.split("\n"))
    assert "行  政  许  可    1520" in spaced and "规  章    0" in spaced
    assert parse_text(spaced).figure_map() == parse_text(report_2021()).figure_map()


def test_an_active_row_with_more_numbers_than_columns_is_left_out() -> None:
    report = parse_text(report_2021().replace("行政规范性文件 | 12 | 0 | 74", "行政规范性文件 | 12 | 0 | 0 | 74"))
    got = report.figure_map()
    assert not any(k.startswith("active.normative_docs.") for k in got)
    assert any(f.code == "ambiguous_row" and "active.normative_docs.in_force" in f.keys for f in report.findings)
    assert got["active.rules.issued"] == 0


def test_digit_runs_a_space_apart_are_not_split_without_arithmetic() -> None:
    # a flattened table (…规章000行政规范性文件…) where a row's digits stand a space apart:
    # 5 74 with one cell lost: 5|?|74, 5|74|? — not the one split that fits, 5|7|4
    flat = "信息内容本年制发件数本年废止件数现行有效件数规章000行政规范性文件5 74第二十条第（五）项信息内容本年处理决定数量行政许可1520"
    text = report_2021().split("二、主动公开政府信息情况")[0] + "二、主动公开政府信息情况\n" + flat + "\n" + \
        "三、收到和处理政府信息公开申请情况" + report_2021().split("三、收到和处理政府信息公开申请情况")[1]
    got = parse_text(text).figure_map()
    assert got["active.rules.issued"] == 0 and got["active.permit.decisions"] == 1520
    assert not any(k.startswith("active.normative_docs.") for k in got)


def test_a_row_cell_that_lost_its_neighbour_is_not_split() -> None:
    # 194 with cells after it on its line (its sign's number lost) is one cell, not 1|9|4
    report = parse_text(SEED_2019_HEAD.format(permit="行政许可 | 194 | 增 | 41505"))
    assert not any(k.startswith("active.permit.") for k in report.figure_map())
    # one cell a line, the same: a bare sign after it is the row's next cell
    report = parse_text(SEED_2019_HEAD.format(permit="行政许可\n194\n增\n41505"))
    assert not any(k.startswith("active.permit.") for k in report.figure_map())
    # a run-together string alone at the end of its line is still split
    report = parse_text(SEED_2019_HEAD.format(permit="行政许可 | 000"))
    assert report.figure_map()["active.permit.decisions"] == 0


def test_a_signed_number_outside_the_change_column_is_a_misaligned_row() -> None:
    report = parse_text(SEED_2019_HEAD.format(permit="行政许可\n194\n194\n增2\n41505"))
    assert not any(k.startswith("active.permit.") for k in report.figure_map())
    assert any(f.code == "ambiguous_row" for f in report.findings)


def test_a_blank_review_total_is_the_sum_of_its_outcomes() -> None:
    report = parse_text(report_2021(review="2 | 1 | 3 | 1 | — | 0 | 0 | 0 | 0 | 0 | 13 | 2 | 4 | 0 | 19"))
    fig = next(f for f in report.figures if f.key == "review_litigation.reconsideration.total")
    assert fig.value == 7 and "derived" in fig.flags


def test_a_number_too_large_in_a_grouped_row_is_left_out_and_so_is_its_group_column() -> None:
    rows = [(label, list(vals)) for label, vals in ROWS_2021]
    rows[5] = ("2.其他法律行政法规禁止公开", [10**12, 0, 0, 0, 0, 0, 10**12])  # adds up, but no real figure
    report = parse_text(report_2021(rows))
    got = report.figure_map()
    assert {f.keys[0] for f in report.findings if f.code == "implausible_value"} == {
        "applications.denied.prohibited_by_law.natural_person", "applications.denied.prohibited_by_law.total"}
    assert "applications.denied.prohibited_by_law.natural_person" not in got
    assert got["applications.denied.prohibited_by_law.commercial"] == 0
    # the group's total is the sum of its rows: without one row's figure, that column has none
    assert "applications.denied.natural_person" not in got and "applications.denied.total" not in got
    assert got["applications.denied.commercial"] == 0
    assert report.status == "partial"


def test_a_parse_survives_pickling():
    # the server's parse pool sends parses between processes: nothing may change on the way
    import pickle

    for name in ("ewenki-2020.txt", "pingtan-2024.txt"):
        report = parse_document((CORPUS / name).read_bytes())
        again = pickle.loads(pickle.dumps(report, protocol=pickle.HIGHEST_PROTOCOL))
        assert again == report
        assert again.figures[0].source == report.figures[0].source and again.findings == report.findings


def _box_by_box(rows=ROWS_2021, *, by_column: bool = True, page_mark: str = "- 4 -") -> str:
    """Section 三 as PDF text tools that read a table box by box give it (pdfminer's pdf2txt):
    on each page the row labels one a line, then the column headers, then the numbers one a
    line, applicant column after applicant column (or row after row); a page number between."""
    pages = []
    for part in (rows[:13], rows[13:]):
        labels = [piece.strip() for label, _ in part for piece in label.split("|")]
        if by_column:
            numbers = [vals[c] for c in range(7) for _, vals in part]
        else:
            numbers = [v for _, vals in part for v in vals]
        pages.append("\n".join(labels + ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]
                               + [str(n) for n in numbers]))
    return HEAD_2021 + f"\n{page_mark}\n".join(pages) + "\n" + REVIEW_2021.format(
        values="2 | 1 | 3 | 1 | 7 | 0 | 0 | 0 | 0 | 0 | 13 | 2 | 4 | 0 | 19")


@pytest.mark.parametrize("by_column", [True, False])
def test_labels_first_then_numbers_one_a_line_as_pdf2txt_gives_them(by_column: bool) -> None:
    clean = {k: v for k, v in parse_text(report_2021()).figure_map().items() if k.startswith("applications.")}
    report = parse_text(_box_by_box(by_column=by_column))
    got = {k: v for k, v in report.figure_map().items() if k.startswith("applications.")}
    assert got == clean
    assert not [f for f in report.findings if f.severity != "info"], report.findings
    # a page number broken over three lines (pdf2txt -M 0.5) between the pages is no column's
    report = parse_text(_box_by_box(by_column=by_column, page_mark="-\n4\n-"))
    assert {k: v for k, v in report.figure_map().items() if k.startswith("applications.")} == clean


def test_labels_first_numbers_that_add_up_read_both_ways_are_left_out() -> None:
    # 14 numbers after 一 and 二: by column and by row alike every row adds up, to different rows
    numbers = [0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 1, 1, 2]
    text = report_2021().replace(
        "一、本年新收政府信息公开申请数量 | 52 | 1 | 0 | 0 | 0 | 5 | 58\n二、上年结转政府信息公开申请数量 | 3 | 0 | 0 | 0 | 0 | 0 | 3",
        "一、本年新收政府信息公开申请数量\n二、上年结转政府信息公开申请数量\n" + "\n".join(map(str, numbers)))
    report = parse_text(text)
    got = report.figure_map()
    assert not any(k.startswith(("applications.new_received.", "applications.carried_over.")) for k in got)
    assert any(f.code == "ambiguous_row" and "applications.new_received" in f.keys for f in report.findings)
    assert got["applications.granted.total"] == 32
    # numbers that add up neither way: left out too, and 二 does not take the first seven
    report = parse_text(text.replace("\n1\n1\n2\n", "\n1\n1\n3\n"))
    got = report.figure_map()
    assert not any(k.startswith(("applications.new_received.", "applications.carried_over.")) for k in got)
    assert any(f.code == "row_sum_mismatch" and "applications.new_received" in f.keys for f in report.findings)


def test_one_column_rows_whose_numbers_follow_all_their_labels() -> None:
    text = report_2021().replace("行政处罚 | 300\n行政强制 | 7\n第二十条第（八）项\n",
                                 "信息内容\n行政处罚\n行政强制\n第二十条第（八）项\n本年处理决定数量\n300\n7\n")
    report = parse_text(text)
    got = report.figure_map()
    assert got["active.penalty.decisions"] == 300 and got["active.enforcement.decisions"] == 7
    # a two-by-three block read box by box: by row or by column cannot be told, no arithmetic
    text = report_2021().replace("信息内容 | 本年制发件数 | 本年废止件数 | 现行有效件数\n规章 | 0 | 0 | 0\n行政规范性文件 | 12 | 0 | 74",
                                 "信息内容\n规章\n行政规范性文件\n本年制发件数\n本年废止件数\n现行有效件数\n0\n12\n0\n0\n0\n74")
    report = parse_text(text)
    got = report.figure_map()
    assert not any(k.startswith(("active.rules.", "active.normative_docs.")) for k in got)
    assert any(f.code == "incomplete_row" and "active.rules.issued" in f.keys for f in report.findings)
    assert report.status == "partial"


def test_title_of_a_text_run_together_on_one_line() -> None:
    # pdf2txt -n keeps no line breaks: the whole report is one line, its first page number first
    text = "-1-" + report_2021().replace("\n", "")
    report = parse_text(text)
    assert report.agency == "测试县人民政府" and report.year == 2021
    # a first line of prose that only names the report is still no title
    text = ("2020年，鄂温克旗人民政府深入贯彻落实《条例》，按照《呼伦贝尔市2020年政府信息公开工作要点》要求，"
            "现公布鄂温克旗2020年政府信息公开工作年度报告，年度报告中所列数据统计期限从2020年1月1日到12月31日止。\n")
    assert parse_text(text).agency == "鄂温克族自治旗人民政府"


@pytest.mark.parametrize("sep", [" ", "\u3000", "\u00a0"])
def test_letter_spaced_title_gives_agency_year_and_region(sep: str) -> None:
    spaced = lambda s: sep.join(s)  # noqa: E731
    text = (f"{spaced('鄂温克族自治旗人民政府')}\n{spaced('2020年政府信息公开工作年度报告')}\n\n"
            f"{spaced('本报告由鄂温克族自治旗人民政府办公室编制。')}\n"
            f"{spaced('政府网站发布信息')} 8516 {spaced('条，发布政策解读')}{sep}33{sep}篇。\n")
    r = parse_text(text)
    assert (r.agency, r.year, r.region_code) == ("鄂温克族自治旗人民政府", 2020, "150724")
    assert r.figure_map() == {"publishing.website_posts": 8516, "publishing.policy_interpretations": 33}
    # the figure's source still points at the number in the text as received
    fig = next(f for f in r.figures if f.key == "publishing.website_posts")
    assert fig.source.text[fig.source.start:fig.source.end] == "8516"


def test_letter_spacing_squeezes_only_cjk_and_spelled_years() -> None:
    lines = normalize("行 政 许 可 1 2 3 4 5\n2 0 2 0 年 度 报 告\n行政 许可 证明 1 2\n").lines
    assert lines[0] == "行政许可 1 2 3 4 5"  # the numbers, separate cells, stay apart
    assert lines[1] == "2020年度报告"
    assert lines[2] == "行政 许可 证明 1 2"  # words, not letters: left alone


def test_letter_spaced_numbers_in_prose_are_left_out() -> None:
    # 8 5 1 6 条: one number letter-spaced, or four cells; never 6
    r = parse_text("政 府 网 站 发 布 信 息 8 5 1 6 条 ， 发 布 政 策 解 读 3 3 篇 。\n")
    assert "publishing.website_posts" not in r.figure_map()
    assert "publishing.policy_interpretations" not in r.figure_map()
