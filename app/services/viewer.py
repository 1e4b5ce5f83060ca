"""What the report page shows (app/api/pages.py renders it): the template's tables filled
with the report's figures, each cell tied to the marked span of the original text it was
read from (and, for a PDF, to its box on the page), and the findings tied to the cells and
lines they name. Plain data in, plain data out: the page's template does the HTML (and the
escaping of every text that came from the report).

    view = report_view(report, figures, findings, original_text, region_names)
    view["applications"]["rows"][2]["cells"][0] -> {"key": "applications.granted.natural_person",
        "value": "3", "flags": [], "mark": "m-41", ...}
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from app.parsing.templates import REVIEW, TEMPLATES, ActiveRow, Template
from app import catalogue
from app.services import views

# How a value was read, by flag: the legend's words; a figure without flags was read as printed.
FLAG_TEXT: dict[str, str] = {
    "derived": "derived: not printed, computed from the report's other figures (e.g. a blank total)",
    "repaired": "repaired: run-together digits split by the template's arithmetic",
    "approximate": "approximate: the report gives it as about so many (余, 约, 多)",
    "converted": "converted: given in another unit and converted (e.g. 元 to 万元)",
    "inferred": "inferred: placed by the layout, not by a label",
    "corrected": "corrected: a person's value, with a reason (GET …/corrections), in place of the parser's",
    "ocr": "ocr: read from a scanned page by text recognition",
}
EXACT_TEXT = "exact: read as printed"
PARSER_FLAGS = ("derived", "repaired", "approximate", "converted")  # the flags the parser sets today

# Section 二's column headers by figure suffix, for a suffix a template's table does not name
_ACTIVE_HEADERS = {k: v for tpl in TEMPLATES.values() for k, v in tpl.active_headers.items()}

MAX_TEXT_LINES = 20_000  # lines of the original shown (the rest is linked to /text)
MAX_LINE_CHARS = 20_000  # characters of one line shown


@dataclass(slots=True)
class Mark:
    id: str
    start: int
    end: int
    keys: list[str] = field(default_factory=list)


def format_value(key: str, value: int | float) -> str:
    if key.endswith("_wan") or isinstance(value, float) and not value.is_integer():
        text = f"{float(value):,.4f}".rstrip("0")
        return text + "0" if text.endswith(".") else text
    return f"{int(value):,}"


def _marks(figures: Iterable[dict[str, Any]]) -> tuple[dict[int, list[Mark]], dict[str, str]]:
    """Per line, the marked spans (in order, never overlapping: a figure whose span overlaps
    a mark already made shares that mark), and the mark of each figure key."""
    by_line: dict[int, list[tuple[int, int, str]]] = {}
    for fig in figures:
        src = fig.get("source")
        if not src or src.get("line") is None or src.get("start") is None or src.get("end") is None:
            continue
        if src["end"] <= src["start"]:
            continue
        by_line.setdefault(src["line"], []).append((src["start"], src["end"], fig["key"]))
    marks: dict[int, list[Mark]] = {}
    mark_of: dict[str, str] = {}
    n = 0
    for line in sorted(by_line):
        placed: list[Mark] = []
        for start, end, key in sorted(by_line[line], key=lambda s: (s[0], -s[1])):
            if placed and start < placed[-1].end:  # overlaps the last mark: share it
                placed[-1].keys.append(key)
                mark_of[key] = placed[-1].id
                continue
            n += 1
            mark = Mark(f"m-{n}", start, end, [key])
            placed.append(mark)
            mark_of[key] = mark.id
        marks[line] = placed
    return marks, mark_of


def text_lines(original: str, marks: Mapping[int, list[Mark]]) -> tuple[list[dict[str, Any]], bool]:
    """The original's lines as segments: plain text, or a mark with its id and keys."""
    lines = original.split("\n")
    cut = len(lines) > MAX_TEXT_LINES
    out = []
    for number, text in enumerate(lines[:MAX_TEXT_LINES], start=1):
        text = text.rstrip("\r")[:MAX_LINE_CHARS]
        segments: list[dict[str, Any]] = []
        at = 0
        for mark in marks.get(number, ()):
            if mark.start >= len(text):
                break
            if mark.start > at:
                segments.append({"text": text[at:mark.start]})
            segments.append({"text": text[mark.start:mark.end], "mark": mark.id, "figure_keys": mark.keys})
            at = mark.end
        if at < len(text):
            segments.append({"text": text[at:]})
        out.append({"number": number, "segments": segments})
    return out, cut


class _Cells:
    """A figure key → the cell the page shows for it (None: no figure)."""

    def __init__(self, figures: Iterable[dict[str, Any]], mark_of: Mapping[str, str],
                 finding_keys: Mapping[str, list[int]]) -> None:
        self.figures = {f["key"]: f for f in figures}
        self.mark_of = mark_of
        self.finding_keys = finding_keys
        self.used: set[str] = set()

    def __call__(self, key: str) -> dict[str, Any] | None:
        fig = self.figures.get(key)
        if fig is None:
            return {"key": key, "value": None, "findings": self.finding_keys.get(key, [])}
        self.used.add(key)
        src = fig.get("source") or {}
        box = src.get("box")
        return {
            "key": key,
            "value": format_value(key, fig["value"]),
            "unit": fig["unit"],
            "flags": list(fig["flags"]),
            "note": fig.get("note"),
            "mark": self.mark_of.get(key),
            "line": src.get("line"),
            "page": src.get("page") if box else None,
            "findings": self.finding_keys.get(key, []),
        }


def _active_tables(template: Template, cell: _Cells) -> list[dict[str, Any]]:
    """Section 二 as the template prints it: consecutive rows with the same columns make one table."""
    tables: list[dict[str, Any]] = []
    for row in template.active:
        columns = [suffix for suffix, _ in row.columns]
        if not tables or tables[-1]["suffixes"] != columns:
            headers = [template.active_headers.get(s) or _ACTIVE_HEADERS.get(s, s) for s in columns]
            tables.append({"suffixes": columns, "headers": headers, "rows": []})
        tables[-1]["rows"].append({"label": _label(row), "cells": [cell(f"{row.key}.{s}") for s in columns]})
    return tables


def _label(row: ActiveRow) -> str:
    return row.aliases[0]


def _applications(template: str | None, tpl: Template, values: Mapping[str, Any], cell: _Cells) -> dict[str, Any]:
    rows = []
    for key, label, group in views.application_rows(template, values):
        rows.append({"key": key, "label": label, "group": group, "is_group": group == key,
                     "cells": [cell(f"applications.{key}.{c.key}") for c in tpl.columns]})
    channels = [{"label": info.label, "cell": cell(key)} for key, info in catalogue.catalogue().items()
                if info.section == "applications_channel"]
    results = sum(1 for r in rows if r["key"] not in _OUTSIDE_RESULTS)
    return {"columns": [c.label for c in tpl.columns], "rows": rows, "channels": channels, "results_rows": results}


# section 三's rows outside 三、本年度办理结果 (the rows the template numbers 一, 二 and 四)
_OUTSIDE_RESULTS = ("new_received", "carried_over", "carried_forward")


def _review(cell: _Cells) -> dict[str, Any]:
    return {
        "kinds": [k.label for k in REVIEW.kinds],
        "outcomes": [o.label for o in REVIEW.outcomes],
        "cells": [cell(f"review_litigation.{k.key}.{o.key}") for k in REVIEW.kinds for o in REVIEW.outcomes],
    }


def _listed(section: str, cell: _Cells) -> list[dict[str, Any]]:
    return [{"label": info.label, "cell": cell(key)} for key, info in catalogue.catalogue().items()
            if info.section == section]


def report_view(report: Any, figures: list[dict[str, Any]], findings: list[dict[str, Any]], original: str,
                ) -> dict[str, Any]:
    """Everything the report page shows but the header fields of `report` itself."""
    marks, mark_of = _marks(figures)
    finding_keys: dict[str, list[int]] = {}
    finding_view = []
    for number, f in enumerate(findings, start=1):
        for key in f["keys"]:
            finding_keys.setdefault(key, []).append(number)
        finding_view.append({**f, "number": number})
    cell = _Cells(figures, mark_of, finding_keys)
    values = {f["key"]: f["value"] for f in figures}
    tpl = views._template(report.template, values)  # the template whose tables the page lays out
    view = {
        "layout": tpl.name,
        "active": _active_tables(tpl, cell),
        "applications": _applications(report.template, tpl, values, cell),
        "review": _review(cell),
        "media": _listed("media", cell),
        "publishing": _listed("publishing", cell),
    }
    # any figure no table above has (a key of another template, a new key): listed, never dropped
    view["other"] = [{"label": catalogue.catalogue()[k].label if k in catalogue.catalogue() else k, "cell": cell(k)}
                     for k in cell.figures if k not in cell.used]
    for f in finding_view:
        f["cells"] = [k for k in f["keys"] if k in cell.figures]
    view["findings"] = finding_view
    flags_seen = sorted({fl for f in figures for fl in f["flags"]})
    view["legend"] = [{"flag": "exact", "text": EXACT_TEXT}] + [
        {"flag": fl, "text": FLAG_TEXT.get(fl, fl)}
        for fl in [*PARSER_FLAGS, *(x for x in flags_seen if x not in PARSER_FLAGS)]]
    view["lines"], view["lines_cut"] = text_lines(original, marks)
    # for a PDF: per page, the boxes of the figures read on it (PDF points from the top-left)
    boxes: dict[int, list[dict[str, Any]]] = {}
    for fig in figures:
        src = fig.get("source") or {}
        if src.get("page") and src.get("box"):
            x0, top, x1, bottom = src["box"]
            boxes.setdefault(src["page"], []).append(
                {"key": fig["key"], "x": x0, "y": top, "w": max(x1 - x0, 1.0), "h": max(bottom - top, 1.0),
                 "flags": list(fig["flags"])})
    view["boxes"] = boxes
    return view
