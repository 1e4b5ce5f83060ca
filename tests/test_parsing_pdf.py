"""PDFs read from the page: the published huaian-2024.pdf through the whole parse, the page
geometry rules (app/parsing/ruling.py, page_text.py) on pages built for each, and PDFs that are no report."""

from __future__ import annotations

import json
import re

import pytest

from app.api.problems import input_status
from app.parsing import InputError, parse_document
from app.parsing.geometry import Char, Page, Rule
from app.parsing.page_text import cell_text, page_lines
from app.parsing.pages import join_pages
from app.parsing.pdf import PdfLimits, check_inflation, read_pdf
from documents import CORPUS, encrypted_pdf, image_only_pdf, inflating_pdf, many_pages_pdf, rotated_copy
from test_parsing_corpus import META

HUAIAN_PDF = (CORPUS / "huaian-2024.pdf").read_bytes()
HUAIAN = json.loads((CORPUS / "huaian-2024.expected.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("content_type", ["application/pdf", "text/plain", None, "application/octet-stream"])
def test_the_published_pdf_gives_every_expected_figure_and_the_metadata_of_its_text(content_type):
    report = parse_document(HUAIAN_PDF, content_type)
    assert report.figure_map() == HUAIAN["figures"]  # all 232, none wrong, none more
    text_copy = parse_document((CORPUS / "huaian-2024.txt").read_bytes())
    for field in (*META, "level", "status"):
        assert getattr(report, field) == getattr(text_copy, field), field
    assert report.media_type == "application/pdf" and report.encoding is None
    assert report.findings == []


def test_every_figure_of_the_pdf_carries_its_page_and_box_and_the_box_holds_it():
    import pypdfium2 as pdfium

    report = parse_document(HUAIAN_PDF)
    lines = report.text.split("\n")
    doc = pdfium.PdfDocument(HUAIAN_PDF)
    try:
        checked = 0
        for f in report.figures:
            src = f.source
            assert src.page is not None and 1 <= src.page <= 6, f.key
            assert lines[src.line - 1] == src.text
            if "derived" in f.flags or src.box is None:
                continue
            x0, top, x1, bottom = src.box
            assert 0 <= x0 < x1 <= 595 and 0 <= top < bottom <= 842, (f.key, src.box)
            page = doc[src.page - 1]
            height = page.get_height()
            # the page's own text inside the box (PDFium's bottom-left origin) is the figure's text
            inside = page.get_textpage().get_text_bounded(x0, height - bottom, x1, height - top)
            assert src.text[src.start:src.end].replace(" ", "") in inside.replace(" ", "").replace("\r\n", ""), \
                (f.key, src.text[src.start:src.end], inside)
            checked += 1
        assert checked > 200
    finally:
        doc.close()
    permit = next(f for f in report.figures if f.key == "active.permit.decisions")
    assert permit.source.page == 3 and permit.source.text[permit.source.start:permit.source.end] == "447228"


def test_pages_turned_by_their_rotate_are_read_as_displayed():
    turned = rotated_copy(HUAIAN_PDF)
    assert read_pdf(turned).text == read_pdf(HUAIAN_PDF).text
    report = parse_document(turned)
    assert report.figure_map() == HUAIAN["figures"]
    straight = {f.key: f.source.box for f in parse_document(HUAIAN_PDF).figures}
    for f in report.figures:  # the same boxes: on the page as displayed, top-left origin
        if f.source.box is not None:
            assert all(abs(a - b) < 0.6 for a, b in zip(f.source.box, straight[f.key])), f.key


def test_tables_are_rows_of_cells_and_the_furniture_is_gone():
    text = read_pdf(HUAIAN_PDF).text
    lines = text.split("\n")
    assert "信息内容 | 本年制发件数 | 本年废止件数 | 现行有效件数" in lines
    # the vertical 三、本年度办理结果 read as one label, in its first row
    assert "三、本年度办理结果 | （一）予以公开 | 1288 | 21 | 0 | 0 | 50 | 3 | 1362" in lines
    # a two-line cell is one cell
    assert "（二）部分公开（区分处理的，只计这一情形，不计其他情形） | 447 | 7 | 0 | 0 | 0 | 0 | 454" in lines
    # the group label the page break cut (（四）无 on page 4, 法提供 on page 5) is whole again
    assert "（四）无法提供 | 1.本机关不掌握相关政府信息 | 746 | 12 | 0 | 0 | 10 | 1 | 769" in lines
    assert "2.没有现成信息需要另行制作 | 11 | 0 | 0 | 0 | 0 | 0 | 11" in lines
    # section 四: three header rows over one row of 15 values
    assert "72 | 64 | 178 | 37 | 351 | 13 | 4 | 8 | 1 | 26 | 12 | 1 | 1 | 6 | 20" in lines
    assert not any(line.strip() in {f"-{n}-" for n in range(1, 7)} for line in lines)  # page numbers
    # a paragraph's wrapped lines are one line again, also across a page break
    assert any("网上" not in line and "全市共受理政府信息公开申请3119件，答复3050件" in line for line in lines)
    assert any(line.endswith("将栏目不更新、政策解读不通俗易懂、互动咨询不回应等问题列入重点检查范围。深入开展防治政务新媒体"
                             "“指尖上的形式主义”工作，聚焦解决政务新媒体开而少用、更新不及时、不互动不回应、表述不规范等新老问题。"
                             "截至目前，全市在运维政务新媒体共计95个，在省办2024年四个季度政务新媒体检查抽查中，合格率均为100%。")
               or "将栏目不更新、政策解读" in line for line in lines)


# ----------------------------------------------------------------------------- page geometry


def _chars(text: str, x: float, top: float, size: float = 10.0, **kw) -> list[Char]:
    """Glyphs of `text` set left to right from (x, top), one em apart."""
    return [Char(ch, x + i * size, top, x + (i + 1) * size, top + size, size, **kw) for i, ch in enumerate(text)]


def _grid_rules(xs: list[float], ys: list[float], skip: set[tuple[str, int, int]] = frozenset()) -> list[Rule]:
    """Every cell side of the grid as a rule, except those in `skip`: ("v", k, row) leaves out
    the vertical rule at xs[k] beside row `row`, ("h", k, col) the horizontal at ys[k] over col."""
    rules = []
    for k, x in enumerate(xs):
        for r in range(len(ys) - 1):
            if ("v", k, r) not in skip:
                rules.append(Rule(False, x, ys[r], ys[r + 1]))
    for k, y in enumerate(ys):
        for c in range(len(xs) - 1):
            if ("h", k, c) not in skip:
                rules.append(Rule(True, y, xs[c], xs[c + 1]))
    return rules


def test_merged_cells_are_given_once_in_their_first_row_as_html_gives_them():
    xs, ys = [50, 150, 250, 350], [100, 120, 140, 160]
    # row 0: one cell across all columns; column 0 spans rows 1-2
    rules = _grid_rules(xs, ys, {("v", 1, 0), ("v", 2, 0), ("h", 2, 0)})
    chars = (_chars("第二十条第（一）项", 55, 105) + _chars("规范性文件", 55, 125) + _chars("8", 155, 125)
             + _chars("26", 255, 125) + _chars("9", 155, 145) + _chars("7", 255, 145))
    lines = page_lines(Page(1, 595, 842, chars, rules))
    assert [line.text for line in lines] == ["第二十条第（一）项", "规范性文件 | 8 | 26", "9 | 7"]
    assert lines[1].kind == "row" and lines[1].boxes[lines[1].text.index("26")] == (255.0, 125.0, 265.0, 135.0)


def test_a_header_set_one_character_a_line_or_rotated_reads_as_its_label():
    stacked = [Char(ch, 60, 100 + 12 * i, 70, 110 + 12 * i, 10.0) for i, ch in enumerate("三、本年度办理结果")]
    assert cell_text(stacked)[0] == "三、本年度办理结果"
    # set rotated 90° (reading bottom-up) and 270° (top-down)
    up = [Char(ch, 60, 300 - 12 * i, 70, 310 - 12 * i, 10.0, angle=90) for i, ch in enumerate("法律服务机构")]
    down = [Char(ch, 60, 100 + 12 * i, 70, 110 + 12 * i, 10.0, angle=270) for i, ch in enumerate("法律服务机构")]
    assert cell_text(up)[0] == cell_text(down)[0] == "法律服务机构"


def test_a_cell_with_two_lines_is_one_cell_and_a_number_the_cell_wrapped_is_one_number():
    two_lines = _chars("本年新", 60, 100) + _chars("制作数量", 60, 112)
    assert cell_text(two_lines)[0] == "本年新制作数量"
    wrapped = _chars("17", 60, 100) + _chars("8", 60, 112)  # the first line fills the cell to its right rule
    assert cell_text(wrapped, right=84.0)[0] == "178"
    apart = _chars("17", 60, 100) + _chars("8", 60, 112)  # room to spare: two numbers, kept apart
    assert cell_text(apart, right=140.0)[0] == "17 8"
    words = _chars("Times", 60, 100) + _chars("Roman", 60, 112)
    assert cell_text(words)[0] == "Times Roman"


def _page(number: int, rows: list[list[str]], top: float, cuts: tuple = ()) -> Page:
    """A page with one ruled table: columns at 50/150/250/350, a row every 20 pt from `top`."""
    xs = [50, 150, 250, 350]
    ys = [top + 20 * r for r in range(len(rows) + 1)]
    chars = []
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            chars += _chars(text, xs[c] + 3, ys[r] + 5)
    chars += _chars(f"-{number}-", 280, 800)  # the page number
    chars += _chars("某某县人民政府2024年年度报告", 150, 30)  # a running header
    return Page(number, 595, 842, chars, _grid_rules(xs, ys, set(cuts)))


def test_a_table_continued_on_the_next_page_keeps_going_and_its_cut_label_is_joined():
    first = _page(1, [["信息内容", "数量", "总计"], ["（四）无", "1.本机关", "7"]], 600)
    second = _page(2, [["法提供", "2.没有", "1"], ["", "3.补正", "0"]], 60, cuts=(("h", 1, 0),))
    lines = join_pages([(p, page_lines(p)) for p in (first, second)])
    assert [line.text for line in lines] == ["信息内容 | 数量 | 总计", "（四）无法提供 | 1.本机关 | 7", "2.没有 | 1",
                                             "3.补正 | 0"]
    # the glyphs joined from the next page have no box on the first page
    row = lines[1]
    assert row.page == 1 and row.boxes[row.text.index("法")] is None and row.boxes[0] is not None


def test_a_row_cut_by_the_page_break_is_one_row():
    first = _page(1, [["信息内容", "数量", "总计"], ["3.危及“三", "5", "5"]], 600)
    second = _page(2, [["安全一稳定”", "", ""], ["4.保护", "6", "6"]], 60)
    lines = join_pages([(p, page_lines(p)) for p in (first, second)])
    assert [line.text for line in lines] == ["信息内容 | 数量 | 总计", "3.危及“三安全一稳定” | 5 | 5", "4.保护 | 6 | 6"]


def test_a_value_cut_by_the_page_break_inside_its_unit_is_one_value():
    # LibreOffice printing a page whose 政府集中采购 row ends a page: 32681.29万 / 元 (the probe)
    first = _page(1, [["信息内容", "采购项目数量", "采购总金额"], ["政府集中采购", "724", "32681.29万"]], 600)
    second = _page(2, [["", "", "元"], ["自然人", "5", "6"]], 60)
    lines = join_pages([(p, page_lines(p)) for p in (first, second)])
    assert [line.text for line in lines] == ["信息内容 | 采购项目数量 | 采购总金额", "政府集中采购 | 724 | 32681.29万元",
                                             "自然人 | 5 | 6"]
    # a word under a number is no unit's rest: kept as its own row
    first = _page(1, [["信息内容", "数量", "总计"], ["行政许可", "7", "7件"]], 600)
    second = _page(2, [["", "", "其他"], ["行政处罚", "5", "5"]], 60)
    lines = join_pages([(p, page_lines(p)) for p in (first, second)])
    assert [line.text for line in lines][1:3] == ["行政许可 | 7 | 7件", " |  | 其他"]


def test_page_numbers_and_running_headers_are_left_out():
    pages = [_page(n, [["信息内容", "数量", "总计"], ["行政许可", str(n), str(n)]], 300) for n in (1, 2, 3)]
    lines = join_pages([(p, page_lines(p)) for p in pages])
    assert all("人民政府" not in line.text and not line.text.startswith("-") for line in lines)
    assert len(lines) == 6


def test_a_table_without_ruling_gives_runs_of_spaces_and_its_wrapped_cells_are_joined():
    chars = (_chars("（六）其他处理", 50, 100) + _chars("2（放", 200, 100) + _chars("0", 260, 100)
             + _chars("2", 300, 100) + _chars("弃申", 200, 112) + _chars("请）", 200, 124))
    lines = page_lines(Page(1, 595, 842, chars, []))
    assert len(lines) == 1 and re.split(r"\s{2,}", lines[0].text) == ["（六）其他处理", "2（放弃申请）", "0", "2"]


def test_a_wrapped_paragraph_is_one_line_and_an_indented_one_starts_a_new_line():
    body = _chars("（二）依申请公开情况。全年共收到申请12件，网上申请7件，当面申", 70, 100)
    body += _chars("请5件，均按时办结。这一段到此为止，下一段缩进两个字。", 50, 114)
    body += _chars("（三）政府信息管理情况。", 70, 128)
    body += _chars("另一行到右边为止的文字，用来定出页面右边缘的位置。", 50, 142)
    lines = join_pages([(p := Page(1, 595, 842, body, []), page_lines(p))])
    assert lines[0].text.startswith("（二）依申请公开情况。") and "当面申请5件" in lines[0].text
    assert lines[1].text == "（三）政府信息管理情况。"


# ----------------------------------------------------------------------------- no report


def test_a_scan_has_no_text_layer_and_is_failed_with_a_finding_naming_its_pages():
    report = parse_document(image_only_pdf(2), "application/pdf")
    assert report.status == "failed" and report.figures == []
    finding = report.findings[0]
    assert finding.code == "no_text_layer" and finding.severity == "error" and "pages 1, 2" in finding.message


@pytest.mark.parametrize("make, code, status", [
    (encrypted_pdf, "pdf_encrypted", 422),
    (lambda: HUAIAN_PDF[: len(HUAIAN_PDF) // 3], "pdf_corrupt", 422),
    (lambda: b"%PDF-1.7\n" + b"\x00garbage" * 100, "pdf_corrupt", 422),
    (lambda: many_pages_pdf(2000), "too_many_pages", 422),
    (lambda: inflating_pdf(70), "pdf_too_large_inflated", 413),
], ids=["encrypted", "truncated", "corrupt", "2000-pages", "inflates-past-64MB"])
def test_pdfs_that_cannot_be_read_are_refused_with_a_code(make, code, status):
    with pytest.raises(InputError) as caught:
        parse_document(make(), "application/pdf")
    assert (caught.value.code, input_status(caught.value.code)) == (code, status)


def test_the_inflation_check_stops_at_its_limit_without_holding_the_inflated_bytes():
    small = PdfLimits(max_stream_inflated=2 << 20, max_inflated=3 << 20)
    check_inflation(inflating_pdf(1), small)
    with pytest.raises(InputError, match="inflate"):
        check_inflation(inflating_pdf(5), small)
    with pytest.raises(InputError):  # two streams under the per-stream limit, over the total
        check_inflation(inflating_pdf(2) + inflating_pdf(2)[9:], small)


def test_a_body_declared_pdf_that_is_no_pdf_is_refused():
    with pytest.raises(InputError) as caught:
        parse_document("2024年政府信息公开工作年度报告".encode(), "application/pdf")
    assert (caught.value.code, input_status(caught.value.code)) == ("content_mismatch", 415)



def test_text_drawn_as_outlines_counts_as_no_text_layer():
    import io

    import pypdfium2 as pdfium
    import pypdfium2.raw as c

    pdf = pdfium.PdfDocument.new()
    page = pdf.new_page(595, 842)
    for k in range(300):  # glyph outlines: many small shapes, no text object
        shape = c.FPDFPageObj_CreateNewRect(60 + (k % 30) * 16, 700 - (k // 30) * 20, 10, 12)
        c.FPDFPath_SetDrawMode(shape, c.FPDF_FILLMODE_WINDING, False)
        c.FPDFPage_InsertObject(page.raw, shape)
    page.gen_content()
    out = io.BytesIO()
    pdf.save(out)
    report = parse_document(out.getvalue())
    assert report.status == "failed" and report.findings[0].code == "no_text_layer"
