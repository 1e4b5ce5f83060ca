"""Property tests: whatever text comes in, the parser answers, without an exception and in
bounded time (no catastrophic backtracking). CI runs a bounded number of examples; set
HYPOTHESIS_PROFILE=long for a longer run by hand."""

from __future__ import annotations

import os
import time

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from app.api.problems import INPUT_STATUS, input_status
from app.parsing import InputError, parse_document, parse_text

settings.register_profile("ci", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("long", max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# pieces real reports are made of, so the fuzzer reaches deep into the readers
PIECES = st.sampled_from([
    "行政许可", "规章", "行政规范性文件", "信息内容", "本年制发件数", "第二十条第（一）项", "|", " | ", "  ",
    "一、本年新收政府信息公开申请数量", "（三）不予公开", "1.属于国家秘密", "（七）总计", "四、结转下年度继续办理",
    "行政复议", "结果维持", "总计", "增", "减", "--", "万元", "（", "）", "(xiàn)", "\n", "0", "7", "12",
    "99999999999999999999", "3500余", "网站标识码：1507240004", "政务新媒体共计", "个", "条", "。", "年",
    "2021", "<td>", "</td>", "<tr>", "<table>", "&nbsp;", "#", "---",
])
TEXTS = st.one_of(
    st.text(max_size=3000),
    st.lists(st.one_of(PIECES, st.text(max_size=20), st.integers(0, 10**9).map(str)), max_size=400).map("".join),
)


@given(TEXTS)
# found by this test: a label glued to a long digit run on a line not ending in numbers made the
# label-and-number pattern backtrack exponentially (35 s, past the parse budget)
@example("行政许可9999999999999999999973074947行政许可0")
def test_any_text_parses_without_exception(text: str) -> None:
    t0 = time.perf_counter()
    report = parse_text(text)
    assert report.status in ("parsed", "partial", "failed")
    for f in report.figures:
        assert abs(f.value) < 10**12
    assert time.perf_counter() - t0 < 5, "parsing one small text took over 5 s"


@given(st.binary(max_size=4000))
def test_any_bytes_either_parse_or_raise_input_error(data: bytes) -> None:
    try:
        parse_document(data)
    except InputError as e:
        assert e.code in INPUT_STATUS and 400 <= input_status(e.code) < 500


def test_large_adversarial_text_stays_bounded() -> None:
    """200 KB of the worst shapes we know: long digit runs, long labels, deep brackets."""
    chunks = [
        "1" * 5000, "（" * 3000 + "）" * 3000, "行政许可" * 2000, "一、本年新收政府信息公开申请数量" + "0" * 20000,
        ("| 1 " * 5000) + "\n", "政务新媒体" + "共" * 10000, "行政复议结果维持总计" + "9" * 30000,
        "(xiàn)" * 3000, "  ".join(["12"] * 10000),
    ]
    text = "\n".join(chunks)
    text = (text * (200_000 // len(text) + 1))[:200_000]
    t0 = time.perf_counter()
    parse_text(text)
    assert time.perf_counter() - t0 < 20


# ----------------------------------------------------------------------------- bounds (issue 10)
# Each stage is linear in its input and keeps a bounded amount (app/parsing/budget.py). The
# time bounds below are hang guards, tens of times what a parse takes (bench/hostile_bench.py
# measures it); before these bounds the same inputs took minutes or gigabytes.

import gc  # noqa: E402
import tracemalloc  # noqa: E402
from pathlib import Path  # noqa: E402

from selectolax.lexbor import LexborHTMLParser  # noqa: E402

from app.parsing import budget as parse_budget  # noqa: E402
from app.parsing.html import _tree_text, html_to_text  # noqa: E402
from app.parsing.markup import MAX_DEPTH, shape, without_attributes  # noqa: E402

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
HANG = 10.0  # seconds: a hang guard, not a measurement


def _timed(fn, *args, **kwargs):
    t0 = time.perf_counter()
    out = fn(*args, **kwargs)
    seconds = time.perf_counter() - t0
    assert seconds < HANG, f"{seconds:.1f} s"
    return out


def _peak(fn, *args, **kwargs) -> int:
    """Peak bytes the Python heap grew by while fn ran."""
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        fn(*args, **kwargs)
        return tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()


def _tree_depth(markup: str) -> int:
    """How deep lexbor's tree for `markup` nests below <body> (html=1, body=2)."""
    best, todo = 0, [(LexborHTMLParser(markup).root, 1)]
    while todo:
        node, depth = todo.pop()
        if node.tag != "-text":
            best = max(best, depth)
        child = node.child
        while child is not None:
            todo.append((child, depth + 1))
            child = child.next
    return best


_TAGS = ["div", "span", "p", "b", "i", "a", "font", "table", "tr", "td", "th", "tbody", "caption", "li", "ul",
         "dd", "select", "option", "optgroup", "svg", "math", "g", "foreignObject", "title", "script", "style",
         "textarea", "xmp", "plaintext", "noscript", "template", "object", "button", "form", "nobr", "h1", "pre",
         "br", "img", "input", "hr", "body", "html", "head", "frameset", "center", "em", "TITLE", "Svg"]
_PIECE = st.one_of(
    st.builds(lambda t, a, sc: f"<{t}{a}{'/' if sc else ''}>", st.sampled_from(_TAGS),
              st.sampled_from(["", " id=1", " id=2", ' class="x>y"', " a b c", " color=red", " href=x/"]),
              st.booleans()),
    st.builds(lambda t: f"</{t}>", st.sampled_from(_TAGS)),
    st.sampled_from(["x", "行政", " ", "<!--c-->", "<!-->", "&amp;", "<", ">", '"', "'", "<!DOCTYPE html>", "</",
                     "<?x?>", "<![CDATA[x]]>", "</SCRIPT>"]),
)
_MARKUP = st.lists(_PIECE, max_size=120).map("".join)


@settings(max_examples=250)
@given(_MARKUP)
def test_the_markup_estimate_never_falls_short_of_the_tree_lexbor_builds(markup: str) -> None:
    # the estimate counts open elements: html and body stand above them, a void element
    # (<br>, never open) may stand below
    assert shape(markup).depth + 3 >= _tree_depth(markup)


@settings(max_examples=250)
@given(_MARKUP)
def test_markup_without_attributes_reads_as_the_same_text(markup: str) -> None:
    assert _tree_text(without_attributes(markup)) == _tree_text(markup)


def _page(body: str) -> str:
    return "<html><head><title>t</title></head><body>" + body + "</body></html>"


def test_one_tag_with_100k_attributes_parses_at_once():
    # issue 10: 1.5 MB, 69 s in the HTML parser
    markup = _page("<div " + " ".join(f'a{i}="x"' for i in range(100_000)) + ">行政许可 12</div>")
    assert shape(markup).rewrite
    assert _timed(html_to_text, markup).endswith("行政许可 12")
    quoted = _page("<div " + " ".join(f'a{i}="<>"' for i in range(50_000)) + ">x</div>")  # '<' '>' in values
    assert shape(quoted).rewrite
    assert _timed(html_to_text, quoted).endswith("x")


def test_formatting_elements_with_attributes_of_their_own_do_not_pile_up():
    # each <b id=…> is reopened for every text after it: 12 s and 3 GB for 100 KB before
    markup = _page("".join(f"<p><b id={i}>行政许可</p></i>" for i in range(5_000)))
    assert shape(markup).rewrite
    assert _timed(html_to_text, markup).count("行政许可") == 5_000


def test_markup_nested_past_the_bound_is_read_without_a_tree_whatever_its_end_tags_say():
    # stray end tags close nothing: the old count of tags took them for closing and let
    # 100k open divs through to the tree builder (quadratic in depth: 20k took 0.5 s)
    for markup in (_page("<div>x</span>" * 100_000), _page("<span><div></span>" * 100_000),
                   _page("<svg>" + "<div/>" * 100_000)):
        assert shape(markup).depth > MAX_DEPTH
        assert "x" in _timed(html_to_text, markup) or "<" not in _timed(html_to_text, markup)


def test_a_select_of_many_options_is_parsed_at_once():
    markup = _page("<p>行政许可 12</p><select>" + "<option>x</option>" * 40_000 + "</select>")
    assert shape(markup).rewrite
    assert _timed(html_to_text, markup) == "行政许可 12"


def test_an_open_tag_after_an_open_tag_is_no_quadratic_search():
    assert _timed(html_to_text, "<html><body>" + "<a" * 50_000) == ""  # 40 KB of these took 20 s


def test_a_page_of_more_tags_than_a_tree_is_built_for_is_read_without_one():
    markup = _page("<table><tr>" + "<td>1</td>" * 120_000 + "</tr></table>")
    assert shape(markup).depth > MAX_DEPTH
    assert _timed(html_to_text, markup).count("1") == 120_000


@pytest.mark.stress
def test_8_mb_of_short_lines_parse_in_memory_a_small_multiple_of_their_size():
    # issue 10: 8 MB of 'a\n' took 1.3–1.6 GB (two lists and ~150 bytes of objects a line)
    data = b"a\n" * 4_000_000
    assert _peak(parse_document, data, budget=None) < 10 * len(data)
    report = _timed(parse_document, data)
    assert [f.code for f in report.findings if f.code == "text_truncated"] == ["text_truncated"]
    assert report.status == "failed" and report.text.count("\n") == 4_000_000  # all of it is kept


@pytest.mark.stress
def test_a_line_of_very_many_cells_is_read_up_to_the_bound():
    data = ("行政许可 | " + "1 | " * 500_000).encode()
    assert _peak(parse_document, data, budget=None) < 25 * len(data)
    truncated = [f for f in _timed(parse_document, data).findings if f.code == "text_truncated"]
    assert len(truncated) == 1 and truncated[0].line == 1


def _report_with(lines: str, after: str, name: str = "ewenki-2020.simplified.txt") -> str:
    """A real report with `lines` inserted after its first line that holds `after`."""
    text = (CORPUS / name).read_text(encoding="utf-8").split("\n")
    at = next(i for i, line in enumerate(text) if after in line)
    return "\n".join(text[:at + 1] + [lines] + text[at + 1:])


def test_a_row_label_before_a_long_line_of_blank_cells_is_read_once():
    # each blank cell looked for a number after it on its line: quadratic in the line
    text = _report_with("行政许可 | " + "- | " * 40_000, "信息内容")
    assert _timed(parse_text, text).figure_map()["active.rules.total"] == 0


def test_many_section_four_headers_are_read_once():
    # each header read the values after it, past all the headers after it: 100 s for 8,000
    text = _report_with("行政复议 | 结果维持\n" * 8_000, "本年新收")
    assert _timed(parse_text, text).status in ("parsed", "partial")


def test_many_one_column_labels_are_no_quadratic_search_for_their_run():
    # 2021 template: each label of a run one a line looked back over the whole run (34 s for 2,000)
    text = _report_with("行政处罚\n本年处理决定数量\n" * 8_000, "信息内容", "huaian-2024.txt")
    assert _timed(parse_text, text).status in ("parsed", "partial")


def test_run_together_rows_share_one_budget_of_repair_steps():
    # each run-together row could search 200,000 splits: 50 s for 8,000 such rows
    text = _report_with("1.属于国家秘密 | 123456789012345678\n" * 8_000, "本年新收")
    report = _timed(parse_text, text)
    assert report.figure_map()["active.permit.decisions"] == 41505  # the rest of the report is read


def test_a_parse_past_its_time_budget_is_failed_with_a_finding_and_keeps_the_text():
    data = (CORPUS / "huaian-2024.txt").read_bytes()
    assert parse_document(data).status == "parsed"
    report = parse_document(data, budget=1e-9)
    assert (report.status, report.figures, report.year) == ("failed", [], None)
    assert [(f.code, f.severity) for f in report.findings] == [("parse_budget_exceeded", "error")]
    assert report.text == data.decode("utf-8") and report.encoding == "utf-8"
    assert parse_text(data.decode("utf-8"), budget=parse_budget.Budget(1e-9)).status == "failed"


def test_a_text_of_more_lines_than_are_read_says_so():
    lines = parse_budget.MAX_LINES
    text = (CORPUS / "huaian-2024.txt").read_text(encoding="utf-8") + "\n" * (lines + 5)
    report = parse_text(text)
    truncated = [f for f in report.findings if f.code == "text_truncated"]
    assert len(truncated) == 1 and f"{lines:,}" in truncated[0].message
    assert report.status == "partial" and len(report.figures) > 200  # what was read is kept


def test_long_texts_are_not_kept_in_the_parsers_caches():
    parse_text("行政许可 " * 1000)  # everything imported and warmed
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        parse_text("\n".join(f"行政许可{i} " * 20_000 for i in range(5)))  # five 1.4 MB lines
        gc.collect()
        kept = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert kept < 1_000_000, kept
