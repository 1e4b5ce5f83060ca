"""Property tests: whatever text comes in, the parser answers, without an exception and in
bounded time (no catastrophic backtracking). CI runs a bounded number of examples; set
HYPOTHESIS_PROFILE=long for a longer run by hand."""

from __future__ import annotations

import os
import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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
        assert e.code and 400 <= e.status < 500


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
