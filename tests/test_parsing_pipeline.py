"""parse_text as named stages: a Trace keeps each stage's result and when it ended, and a
traced parse is the parse."""

from __future__ import annotations

from app.parsing import parse_document
from app.parsing.pipeline import Trace
from test_parsing_units import CORPUS


def test_a_trace_keeps_every_stage_in_order_and_changes_nothing() -> None:
    data = (CORPUS / "ewenki-2020.txt").read_bytes()
    trace = Trace()
    report = parse_document(data, trace=trace)
    assert list(trace.results) == ["decode", "normalise", "meta", "lay out", "template", "tables", "prose", "check",
                                   "place", "report"]
    assert trace.results["report"] is report
    assert trace.results["template"].name == report.template == "2019"
    assert trace.results["tables"].figures["active.permit.decisions"] in report.figures
    durations = trace.durations()
    assert all(d >= 0 for d in durations.values())
    assert abs(sum(durations.values()) - (trace.ended["report"] - trace.started)) < 1e-9
    untraced = parse_document(data)
    assert [(f.key, f.value, f.source) for f in untraced.figures] == [(f.key, f.value, f.source) for f in report.figures]
    assert untraced.findings == report.findings


def test_a_document_without_a_template_is_traced_to_its_end() -> None:
    trace = Trace()
    report = parse_document("没有表格的一段文字。".encode(), trace=trace)
    assert trace.results["template"] is None and report.template is None
    assert [f.code for f in trace.results["tables"].findings] == ["unknown_template"]
    assert list(trace.results)[-1] == "report"
