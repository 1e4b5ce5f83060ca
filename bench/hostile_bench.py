"""Time and peak memory of `parse_document` on generated hostile inputs of growing size: how
each stage scales with what an attacker (or a broken export) can send.

    python bench/hostile_bench.py [--sizes 0.25,0.5,1] [--case NAME ...] [--timeout 60] [--quick]

Each case is a generator of a document of about S MB (the sizes in MB, default 0.25, 0.5
and 1; --quick: 0.1 and 0.2). Every (case, size) runs in a fresh process, killed after
--timeout seconds: the time of one parse_document call, the peak resident memory it added
(VmHWM after minus VmRSS before, from /proc) and that as a multiple of the input's size, the
report's status and the finding that ended it if any. Per case, the growth exponent of time
and of memory from the smallest to the largest size (1 linear, 2 quadratic; noise below
~10 ms and ~5 MB makes small exponents meaningless). Never asserts.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CORPUS = ROOT.parent / "shared" / "corpus"

MB = 1_000_000


def _repeat(unit: str, size: int) -> str:
    """`unit` repeated to about `size` bytes of UTF-8."""
    return unit * max(1, size // max(1, len(unit.encode())))


def _html(body: str) -> bytes:
    return ("<html><head><title>t</title></head><body>" + body + "</body></html>").encode()


def _attrs(size: int) -> bytes:  # one tag with very many attributes (issue 10: 100k, 1.5 MB, 69 s)
    n = size // 9
    return _html("<div " + " ".join(f"a{i}=\"x\"" for i in range(n)) + ">text</div>")


def _attrs_lt(size: int) -> bytes:  # the same with a '<' and '>' in each quoted value
    n = size // 12
    return _html("<div " + " ".join(f"a{i}=\"<>\"" for i in range(n)) + ">text</div>")


def _formatting_attrs(size: int) -> bytes:  # a formatting element per paragraph, each with its own attributes
    n = size // 24
    return _html("".join(f"<p><b id={i}>x</p></i>" for i in range(n)))


def _in_report(chunk: str, after: str, name: str = "ewenki-2020.simplified.txt") -> bytes:
    """A real report with `chunk` inserted after its first line holding `after` (so that the
    readers of the tables, which only run once a template is found, see it)."""
    lines = (CORPUS / name).read_text(encoding="utf-8").split("\n")
    at = next(i for i, line in enumerate(lines) if after in line)
    return "\n".join(lines[:at + 1] + [chunk] + lines[at + 1:]).encode()


def _generators():
    return {
        # HTML
        "html_attrs": (_attrs, "text/html"),
        "html_attrs_lt": (_attrs_lt, "text/html"),
        "html_fmt_attrs": (_formatting_attrs, "text/html"),
        "html_deep": (lambda s: _html(_repeat("<div>", s // 2) + "x"), "text/html"),
        "html_deep_stray_close": (lambda s: _html(_repeat("<div>x</span>", s)), "text/html"),
        "html_span_div": (lambda s: _html(_repeat("<span><div></span>", s)), "text/html"),
        "html_options": (lambda s: _html("<select>" + _repeat("<option>x</option>", s) + "</select>"), "text/html"),
        "html_unclosed_lt": (lambda s: b"<html><body>" + _repeat("<a", s).encode(), "text/html"),  # no '>' after
        "html_wide": (lambda s: _html(_repeat("<p>行政许可 12</p>", s)), "text/html"),
        "html_tables": (lambda s: _html(_repeat("<table><tr><td>行政许可</td><td>1</td></tr></table>", s)), "text/html"),
        "html_many_cells": (lambda s: _html("<table><tr>" + _repeat("<td>1</td>", s) + "</tr></table>"), "text/html"),
        "html_huge_cell": (lambda s: _html("<table><tr><td>" + _repeat("行政许可", s) + "</td></tr></table>"), "text/html"),
        "html_script": (lambda s: _html("<script>" + _repeat("if(a<b){c='d'}", s) + "</script>x"), "text/html"),
        "html_comments": (lambda s: _html(_repeat("<!--<div a b>-->", s)), "text/html"),
        "html_entities": (lambda s: _html(_repeat("&amp;&#x4e00;&nbsp;", s)), "text/html"),
        # plain text
        "text_short_lines": (lambda s: _repeat("a\n", s).encode(), "text/plain"),
        "text_short_cjk_lines": (lambda s: _repeat("行\n", s).encode(), "text/plain"),
        "text_blank_lines": (lambda s: _repeat(" \n", s).encode(), "text/plain"),
        "text_long_line": (lambda s: _repeat("行政许可本年新收", s).encode(), "text/plain"),
        "text_long_ascii_line": (lambda s: _repeat("abcdefgh", s).encode(), "text/plain"),
        "text_pipe_cells": (lambda s: ("| " + _repeat("1 | ", s)).encode(), "text/plain"),
        "text_blank_pipe_cells": (lambda s: ("行政许可 | " + _repeat("- | ", s)).encode(), "text/plain"),
        "text_gap_cells": (lambda s: ("行政许可  " + _repeat("1  ", s)).encode(), "text/plain"),
        "text_spaced_numbers": (lambda s: ("行政许可 " + _repeat("1 ", s)).encode(), "text/plain"),
        "text_digits": (lambda s: ("行政许可" + "7" * s).encode(), "text/plain"),
        "text_digit_lines": (lambda s: _repeat("1234567\n", s).encode(), "text/plain"),
        "text_headings": (lambda s: _repeat("一、本年新收政府信息公开申请数量\n行政复议\n第二十条第（一）项\n信息内容\n", s).encode(), "text/plain"),
        "text_labels": (lambda s: _repeat("（三）不予公开 1 2 3 4 5 6 21\n1.属于国家秘密 0 0 0 0 0 0 0\n", s).encode(), "text/plain"),
        "text_glued_labels": (lambda s: ("信息内容" + _repeat("1.属于国家秘密00000002.其他法律", s)).encode(), "text/plain"),
        "text_letter_spaced": (lambda s: _repeat("行 政 许 可 ", s).encode(), "text/plain"),
        "text_pinyin": (lambda s: _repeat("現(xiàn)", s).encode(), "text/plain"),
        "text_brackets": (lambda s: _repeat("（", s // 2).encode() + _repeat("）", s // 2).encode(), "text/plain"),
        "text_prose": (lambda s: _repeat("政务新媒体共有微信公众号，" + "发布" * 20 + "新闻发布会", s).encode(), "text/plain"),
        "text_review_headers": (lambda s: _repeat("行政复议 结果维持 结果纠正 其他结果 尚未审结 总计\n", s).encode(), "text/plain"),
        "text_report_repeated": (lambda s: _repeat((CORPUS / "ewenki-2020.txt").read_text(), s).encode(), "text/plain"),
        # inside a real report: the table readers
        "report_blank_cells": (lambda s: _in_report("行政许可 | " + _repeat("- | ", s), "信息内容"), "text/plain"),
        "report_review_headers": (lambda s: _in_report(_repeat("行政复议 | 结果维持\n", s), "本年新收"), "text/plain"),
        "report_one_column_labels": (lambda s: _in_report(_repeat("行政处罚\n本年处理决定数量\n", s), "信息内容",
                                                          "huaian-2024.txt"), "text/plain"),
        "report_run_together_rows": (lambda s: _in_report(_repeat("1.属于国家秘密 | 123456789012345678\n", s),
                                                          "本年新收"), "text/plain"),
    }


def _status() -> dict[str, int]:
    out = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(value.split()[0]) * 1024
    return out


def child(case: str, size_mb: float) -> None:
    from app.parsing import InputError, parse_document
    from app.parsing.normalize import to_simplified

    to_simplified("预热")  # the converter is built once a process: not part of a parse
    make, content_type = _generators()[case]
    data = make(int(size_mb * MB))
    before = _status()["VmRSS"]
    t0 = time.perf_counter()
    try:
        report = parse_document(data, content_type)
        status = report.status
        ended = next((f.code for f in report.findings if f.code == "parse_budget_exceeded"), "")
    except InputError as exc:
        status, ended = "input_error", exc.code
    seconds = time.perf_counter() - t0
    peak = _status()["VmHWM"] - before
    print(json.dumps({"bytes": len(data), "seconds": seconds, "peak": max(peak, 0), "status": status, "ended": ended}))


def run(case: str, size_mb: float, timeout: float) -> dict | None:
    command = [sys.executable, __file__, "--child", case, str(size_mb)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    except subprocess.TimeoutExpired:
        return None
    if done.returncode != 0:
        return {"error": (done.stderr.strip().splitlines() or ["?"])[-1]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str]) -> int:
    if argv[:1] == ["--child"]:
        child(argv[1], float(argv[2]))
        return 0
    sizes = [0.25, 0.5, 1.0]
    if "--quick" in argv:
        sizes = [0.1, 0.2]
    if "--sizes" in argv:
        sizes = [float(s) for s in argv[argv.index("--sizes") + 1].split(",")]
    timeout = float(argv[argv.index("--timeout") + 1]) if "--timeout" in argv else 60.0
    cases = [argv[i + 1] for i, a in enumerate(argv) if a == "--case"] or list(_generators())
    print(f"parse_document on generated inputs; sizes {sizes} MB; a process each, killed after {timeout:.0f} s; "
          f"pid {os.getpid()}")
    print(f"{'case':24} {'MB':>5} {'seconds':>8} {'peak MB':>8} {'x input':>8}  status")
    for case in cases:
        points = []
        for size in sizes:
            r = run(case, size, timeout)
            if r is None:
                print(f"{case:24} {size:5.2f} {'>' + format(timeout, '.0f'):>8} {'':>8} {'':>8}  killed at the timeout")
                break
            if "error" in r:
                print(f"{case:24} {size:5.2f} error: {r['error']}")
                break
            points.append((r["bytes"], r["seconds"], r["peak"]))
            print(f"{case:24} {r['bytes'] / MB:5.2f} {r['seconds']:8.3f} {r['peak'] / MB:8.1f} "
                  f"{r['peak'] / r['bytes']:8.1f}  {r['status']} {r['ended']}")
        if len(points) >= 2:
            (b0, t0, m0), (b1, t1, m1) = points[0], points[-1]
            scale = math.log(b1 / b0)
            et = math.log(max(t1, 1e-3) / max(t0, 1e-3)) / scale
            em = math.log(max(m1, 1) / max(m0, 1)) / scale
            print(f"{'':24} growth exponent: time {et:.2f}, memory {em:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
