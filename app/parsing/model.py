"""Plain data the parsing core produces. No I/O, no database: the web and storage layers
translate these into rows and JSON."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Severity = Literal["error", "warning", "info"]
Status = Literal["parsed", "partial", "failed"]


@dataclass(frozen=True, slots=True)
class Source:
    """Where a figure came from: 1-based line number in the document text, the character
    span [start, end) inside that line, and the line's text as the document has it. From a
    paged original (PDF) also its 1-based page and its box there: (x0, top, x1, bottom) in
    PDF points from the page's top-left corner, y downwards."""

    line: int
    start: int
    end: int
    text: str
    page: int | None = None
    box: tuple[float, float, float, float] | None = None

    def __reduce__(self):  # pickled as its constructor's arguments: the parse pool sends ~230 a report
        return Source, (self.line, self.start, self.end, self.text, self.page, self.box)


@dataclass(slots=True)
class Figure:
    key: str  # public key from FIGURES.md, e.g. "active.permit.decisions"
    value: int | float
    unit: str  # "件", "项", "万元", "个", "条", …
    section: str  # "active", "applications", "review_litigation", "media", "publishing", …
    source: Source | None = None
    note: str | None = None  # text annotation kept from the cell, e.g. "放弃申请"
    flags: tuple[str, ...] = ()  # "derived", "approximate", "repaired", "inferred", "converted", "ocr"
    confidence: float | None = None  # read by OCR: the recogniser's lowest score over the figure's characters

    def __reduce__(self):
        return Figure, (self.key, self.value, self.unit, self.section, self.source, self.note, self.flags,
                        self.confidence)


@dataclass(slots=True)
class Finding:
    code: str  # stable machine code: identity_mismatch, row_sum_mismatch, ambiguous_split, …
    severity: Severity
    message: str
    keys: tuple[str, ...] = ()
    line: int | None = None

    def __reduce__(self):
        return Finding, (self.code, self.severity, self.message, self.keys, self.line)


@dataclass(slots=True)
class ParsedReport:
    parser_version: str
    status: Status
    template: str | None  # "2019" | "2021"
    year: int | None
    agency: str | None
    region_code: str | None
    level: str | None = None  # province | city | county | township | department
    title: str | None = None
    published_at: str | None = None  # ISO date
    source_url: str | None = None
    figures: list[Figure] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    # the document as decoded (what `source.line` numbers refer to) and its normalised form
    text: str = ""
    normalized_text: str = ""
    encoding: str | None = "utf-8"  # None for binary formats (PDF, Word)
    media_type: str = "text/plain"

    def figure_map(self) -> dict[str, int | float]:
        return {f.key: f.value for f in self.figures}
