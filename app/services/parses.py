"""A document's own parse as stored in document_parse: metadata, figures and findings as
JSON, and back to a ParsedReport (app/parsing/reconcile.py reads those).

A figure is a JSON array (a report has ~230 of them): [key, value, unit, section, note,
flags, confidence, line, start, end, text, page, box], `text` null when it is the line of the
document's text that `line` names (the usual case: the text is stored once, not with each
figure; a table laid out as one long line would otherwise be stored ~230 times).
"""

from __future__ import annotations

import json

from app.parsing import ParsedReport
from app.parsing.model import Figure, Finding, Source

META_FIELDS = ("template", "year", "agency", "region_code", "level", "title", "published_at", "source_url",
               "encoding", "media_type")


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def figure_array(f: Figure, lines: list[str]) -> list:
    src = f.source
    if src is None:
        return [f.key, f.value, f.unit, f.section, f.note, list(f.flags), f.confidence]
    own = src.text
    if own is not None and src.line is not None and 0 < src.line <= len(lines) and lines[src.line - 1] == own:
        own = None
    return [f.key, f.value, f.unit, f.section, f.note, list(f.flags), f.confidence, src.line, src.start, src.end,
            own, src.page, list(src.box) if src.box else None]


def dump(parsed: ParsedReport) -> dict:
    """The document_parse columns (but document_id, report_id and text) for this parse."""
    lines = parsed.text.split("\n")
    return {
        "parser_version": parsed.parser_version,
        "status": parsed.status,
        "meta": _dumps({name: getattr(parsed, name) for name in META_FIELDS}),
        "figures": _dumps([figure_array(f, lines) for f in parsed.figures]),
        "findings": _dumps([[f.code, f.severity, f.message, list(f.keys), f.line] for f in parsed.findings]),
    }


def _figure(row: list, lines: list[str]) -> Figure:
    key, value, unit, section, note, flags, confidence = row[:7]
    source = None
    if len(row) > 7:
        line, start, end, text, page, box = row[7:13]
        if text is None:
            text = lines[line - 1] if line is not None and 0 < line <= len(lines) else ""
        source = Source(line, start, end, text, page, tuple(box) if box else None)
    return Figure(key, value, unit, section, source, note, tuple(flags), confidence)


def load(row, text: str) -> ParsedReport:
    """The ParsedReport of a document_parse row; `text`: the document's text (the row's own,
    or the report's for its main document). normalized_text is left empty."""
    meta = json.loads(row.meta)
    lines = text.split("\n")
    return ParsedReport(
        parser_version=row.parser_version, status=row.status,
        figures=[_figure(f, lines) for f in json.loads(row.figures)],
        findings=[Finding(c, s, m, tuple(k), ln) for c, s, m, k, ln in json.loads(row.findings)],
        text=text, **{name: meta.get(name) for name in META_FIELDS},
    )


def public(row, text: str | None = None) -> dict:
    """The JSON of GET /documents/{id}'s `parse`: metadata, figures, findings as stored."""
    meta = json.loads(row.meta)
    lines = (text or "").split("\n")
    figures = []
    for f in json.loads(row.figures):
        fig = _figure(f, lines)
        src = fig.source
        figures.append({
            "key": fig.key, "value": fig.value, "unit": fig.unit, "section": fig.section, "note": fig.note,
            "flags": list(fig.flags), "confidence": fig.confidence,
            "source": None if src is None else {"line": src.line, "start": src.start, "end": src.end,
                                                "text": src.text, "page": src.page,
                                                "box": list(src.box) if src.box else None},
        })
    findings = [{"code": c, "severity": s, "message": m, "keys": list(k), "line": ln}
                for c, s, m, k, ln in json.loads(row.findings)]
    return {"parser_version": row.parser_version, "status": row.status, **meta,
            "figures": figures, "findings": findings}
