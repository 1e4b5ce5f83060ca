"""How figures, findings and parsed reports look as JSON: one shape for the HTTP API and
for `disclosure parse`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Row

from app.models import FigureRow, FindingRow
from app.parsing import Figure, Finding, ParsedReport


def emit_value(key: str, value: int | float) -> int | float:
    """Counts come out as ints (the store keeps every value as a float); amounts in 万元
    (`*_wan`) always as floats, so a client sees one type per key."""
    if key.endswith("_wan"):
        return float(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def rounded(key: str, value: float | None, digits: int = 6) -> int | float | None:
    """A computed figure (a sum, a change) rounded to `digits`, in its key's type (emit_value)."""
    if value is None:
        return None
    return emit_value(key, round(value, digits))


def plain(x: float | None) -> int | float | None:
    """A computed quantity with no key (an indicator's sides): rounded to 6 digits, an int when whole."""
    if x is None:
        return None
    x = round(x, 6)
    return int(x) if x.is_integer() else x


def split_list(joined: str) -> list[str]:
    return [part for part in joined.split(",") if part] if joined else []


def _figure(key, value, unit, section, note, flags, line, start, end, text, page=None, box=None,
            confidence=None) -> dict[str, Any]:
    has_source = line is not None or text is not None
    source: dict[str, Any] | None = None
    if has_source:
        source = {"line": line, "start": start, "end": end, "text": text}
        if page is not None:  # from a PDF: where on which page (absent for other formats)
            source["page"] = page
            source["box"] = list(box) if box is not None else None
    out = {
        "key": key,
        "value": emit_value(key, value),
        "unit": unit,
        "section": section,
        "note": note,
        "flags": list(flags),
        "source": source,
    }
    if confidence is not None:  # read by OCR (absent for figures read from text)
        out["confidence"] = confidence
    return out


def _stored_box(x0, top, x1, bottom) -> tuple[float, float, float, float] | None:
    return None if x0 is None else (x0, top, x1, bottom)


def figure_row_json(row: FigureRow | Row) -> dict[str, Any]:
    """A stored figure: the ORM object, or a Row of the same columns (its source text may
    need fill_source_lines)."""
    return _figure(row.key, row.value, row.unit, row.section, row.note, split_list(row.flags),
                   row.line, row.span_start, row.span_end, row.source_text, row.page,
                   _stored_box(row.box_x0, row.box_top, row.box_x1, row.box_bottom), row.confidence)


def figure_columns_json(key, value, unit, section, note, flags, line, start, end, text,
                        page=None, x0=None, top=None, x1=None, bottom=None, confidence=None,
                        parsed_value=None, parsed_flags=None) -> dict[str, Any]:
    """A stored figure from its columns in the order of app.api.figures.FIGURE_COLUMNS (a
    result row unpacked: much faster than reading a Row's attributes by name). A corrected
    one (app/services/corrections.py) gets the parser's value and flags beside its own, no
    confidence (the parser's reading's), and `correction`, filled by corrections.annotate."""
    out = _figure(key, value, unit, section, note, split_list(flags), line, start, end, text, page,
                  _stored_box(x0, top, x1, bottom), confidence)
    if flags == "corrected":
        out.pop("confidence", None)
        out["parsed_value"] = None if parsed_value is None else emit_value(key, parsed_value)
        out["parsed_flags"] = split_list(parsed_flags or "")
        out["correction"] = None
    return out


def fill_source_lines(figures: list[dict[str, Any]], original_text: Callable[[], str | None]) -> None:
    """Figures stored without their source text (it is their line of the report's text,
    app.services.ingest): the line from the text, read only when some figure needs it."""
    lines: list[str] | None = None
    for fig in figures:
        src = fig["source"]
        if src is not None and src["text"] is None and src["line"] is not None:
            if lines is None:
                lines = (original_text() or "").split("\n")
            if 0 < src["line"] <= len(lines):
                src["text"] = lines[src["line"] - 1]


def figure_json(fig: Figure) -> dict[str, Any]:
    src = fig.source
    return _figure(fig.key, fig.value, fig.unit, fig.section, fig.note, fig.flags,
                   src.line if src else None, src.start if src else None,
                   src.end if src else None, src.text if src else None,
                   src.page if src else None, src.box if src else None, fig.confidence)


def finding_row_json(row: FindingRow) -> dict[str, Any]:
    return {"code": row.code, "severity": row.severity, "message": row.message,
            "keys": split_list(row.keys), "line": row.line}


def finding_json(finding: Finding) -> dict[str, Any]:
    return {"code": finding.code, "severity": finding.severity, "message": finding.message,
            "keys": list(finding.keys), "line": finding.line}


def parsed_report_json(report: ParsedReport, *, with_text: bool = False) -> dict[str, Any]:
    """The ParsedReport as `disclosure parse` prints it."""
    out: dict[str, Any] = {
        "parser_version": report.parser_version,
        "status": report.status,
        "template": report.template,
        "year": report.year,
        "agency": report.agency,
        "region_code": report.region_code,
        "level": report.level,
        "title": report.title,
        "published_at": report.published_at,
        "source_url": report.source_url,
        "encoding": report.encoding,
        "media_type": report.media_type,
        "figure_count": len(report.figures),
        "finding_count": len(report.findings),
        "figures": [figure_json(f) for f in report.figures],
        "findings": [finding_json(f) for f in report.findings],
    }
    if with_text:
        out["text"] = report.text
        out["normalized_text"] = report.normalized_text
    return out
