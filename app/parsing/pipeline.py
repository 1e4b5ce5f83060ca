"""bytes → ParsedReport, as one pure function of named stages (docs/parsing.md tells each
stage's job). A `Trace` passed in keeps every stage's result and when it ended:

    trace = Trace()
    report = parse_document(Path("shuyang-2025.txt").read_bytes(), trace=trace)
    trace.results["template"].name      -> "2021"
    trace.durations()                   -> {"decode": 0.00004, "normalise": 0.0003, …, "report": 0.00006} (seconds)
"""

from __future__ import annotations

import time
from typing import Any, TypeVar

from app.parsing.budget import DEFAULT_SECONDS, MAX_CELLS, Budget, BudgetExceeded
from app.parsing.check import check
from app.parsing.decode import decode_bytes
from app.parsing.findings import INCOMPLETE, Code, finding
from app.parsing.grid import Grid
from app.parsing.infer import NeighbourYears
from app.parsing.layout import lay_out
from app.parsing.meta import Meta, read_meta
from app.parsing.model import Figure, Finding, ParsedReport
from app.parsing.normalize import Normalized, normalize
from app.parsing.ocr_withholding import withhold_uncertain
from app.parsing.place import Place, locate
from app.parsing.provenance import place as place_on_pages
from app.parsing.prose import find_hints, prose_disagreements, prose_figures
from app.parsing.sections import detect_template
from app.parsing.tables import read_tables
from app.parsing.templates import Template

PARSER_VERSION = "0.5.4"

_SECTION_KEYS = ("active.", "applications.", "review_litigation.")
T = TypeVar("T")


class Trace:
    """What a parse made on the way: `results[stage]` and `ended[stage]` (perf_counter
    seconds) for every stage, in order; `started` when the Trace was made."""

    def __init__(self) -> None:
        self.results: dict[str, Any] = {}
        self.ended: dict[str, float] = {}
        self.started = time.perf_counter()

    def keep(self, stage: str, result: T) -> T:
        self.results[stage] = result
        self.ended[stage] = time.perf_counter()
        return result

    def durations(self) -> dict[str, float]:
        """Seconds each stage took: from the end of the one before (or the start) to its own."""
        out, last = {}, self.started
        for stage, ended in self.ended.items():
            out[stage], last = ended - last, ended
        return out


def _untraced(stage: str, result: T) -> T:
    return result


def parse_document(data: bytes, content_type: str | None = None, *, budget: float | None = DEFAULT_SECONDS,
                   trace: Trace | None = None, context: NeighbourYears | None = None) -> ParsedReport:
    """Decode `data` (charset from `content_type`, else detected; HTML, PDF, Word → text) and
    parse it, in at most `budget` seconds (app/parsing/budget.py; decoding counts). Raises
    InputError for bytes that are not a readable document (empty, binary, …). Figures from a
    PDF carry their page and box; what the PDF/Word reader found comes first among the
    findings, and a PDF without any text layer is `failed`. `context`: the same body's figures
    of the years around (parse_text)."""
    limits = Budget(budget)
    decoded = decode_bytes(data, content_type)
    if trace is not None:
        trace.keep("decode", decoded)
    extracted = decoded.extracted
    if extracted is not None and extracted.ocr_pages:
        limits = Budget(budget)  # OCR has its own budget (app/parsing/ocr.py): the text's starts now
    report = parse_text(decoded.text, media_type=decoded.media_type, budget=limits, trace=trace, context=context)
    report.encoding = decoded.encoding
    if extracted is not None:
        if extracted.origins is not None:
            place_on_pages(report.figures, extracted.origins)
        report.findings[:0] = extracted.findings
        if extracted.ocr_pages:
            withhold_uncertain(report)
        if extracted.text_pages == 0:
            report.status = "failed"
    return report


def parse_text(text: str, media_type: str = "text/plain", *, budget: float | Budget | None = DEFAULT_SECONDS,
               trace: Trace | None = None, context: NeighbourYears | None = None) -> ParsedReport:
    """The report in `text` (the document as decoded: what figure sources point into); past
    the time budget, a `failed` report saying so. `context`: the same body's stored figures
    of years t−1 and t+1 (infer.NeighbourYears), evidence for the splits of run-together rows
    that the report alone leaves open; a pure input, never looked up here."""
    limits = budget if isinstance(budget, Budget) else Budget(budget)
    try:
        return _read_text(text, media_type, limits, trace.keep if trace is not None else _untraced, context)
    except BudgetExceeded as exc:
        return _over_budget(text, media_type, exc)


def _read_text(text: str, media_type: str, budget: Budget, stage, context: NeighbourYears | None = None) -> ParsedReport:
    norm = stage("normalise", normalize(text, budget=budget))
    flat = norm.text
    meta = stage("meta", read_meta(norm.lines, flat))
    layout = lay_out(norm.lines, budget=budget)
    grid = stage("lay out", Grid(norm, layout.cells, budget))
    template = stage("template", detect_template(grid, flat, meta.year))
    hints = find_hints(flat, template.name) if template is not None else {}
    tables = stage("tables", read_tables(grid, template, hints, context))
    budget.check("read")
    figures = {**tables.figures, **stage("prose", prose_figures(norm, flat, skip=tables.figures))}
    checks = stage("check", check(figures, template) + prose_disagreements(flat, figures, hints))
    place = stage("place", locate(meta, norm.lines))
    return stage("report", _report(text, flat, media_type, meta, place, template, figures,
                                   [*_truncated(norm, layout.stopped_at), *tables.findings, *checks]))


def _truncated(norm: Normalized, stopped_at: int | None) -> list[Finding]:
    """What was left unread of a text beyond the bounds of app/parsing/budget.py."""
    if stopped_at is not None:
        return [finding(Code.TEXT_TRUNCATED, f"The text has more than {MAX_CELLS:,} cells: reading stopped in line "
                                             f"{stopped_at + 1:,} of {norm.lines_in_text:,}, the rest was not read.",
                        (), stopped_at + 1)]
    if norm.lines_in_text > len(norm.lines):
        return [finding(Code.TEXT_TRUNCATED, f"The text has {norm.lines_in_text:,} lines; only the first "
                                             f"{len(norm.lines):,} were read.")]
    return []


def _over_budget(text: str, media_type: str, exc: BudgetExceeded) -> ParsedReport:
    """A parse stopped at its deadline: nothing of it is kept (figures whose checks never ran
    could be wrong unnoticed), only the finding and the text."""
    over = finding(Code.PARSE_BUDGET_EXCEEDED,
                   f"Parsing stopped at its time budget of {exc.seconds:g} s (while it was in {exc.stage}): the text "
                   "is too large or too irregular to be read in time, and nothing of it is given. A larger budget "
                   "may read it.")
    return ParsedReport(parser_version=PARSER_VERSION, status="failed", template=None, year=None, agency=None,
                        region_code=None, findings=[over], text=text, normalized_text="", media_type=media_type)


def _report(text: str, flat: str, media_type: str, meta: Meta, place: Place, template: Template | None,
            figures: dict[str, Figure], findings: list[Finding]) -> ParsedReport:
    """The ParsedReport: figures in the order they stand in the document, findings with the
    metadata missing added, and the status (parsed: every table read, nothing left out;
    partial: some figures; failed: none)."""
    if meta.year is None:
        findings.append(finding(Code.MISSING_YEAR, "The report year could not be read.", ("year",)))
    if place.agency is None:
        findings.append(finding(Code.MISSING_AGENCY, "The reporting body could not be read.", ("agency",)))
    sections_found = sum(any(k.startswith(p) for k in figures) for p in _SECTION_KEYS)
    incomplete = any(f.code in INCOMPLETE for f in findings)
    if sections_found == len(_SECTION_KEYS) and not incomplete and not any(f.severity == "error" for f in findings):
        status = "parsed"
    elif figures:
        status = "partial"
    else:
        status = "failed"
    ordered = sorted(figures.values(), key=lambda f: (f.source.line if f.source else 0, f.source.start if f.source else 0))
    return ParsedReport(
        parser_version=PARSER_VERSION,
        status=status,
        template=template.name if template is not None else None,
        year=meta.year,
        agency=place.agency,
        region_code=place.region_code,
        level=place.level,
        title=meta.title,
        published_at=meta.published_at,
        source_url=meta.source_url,
        figures=ordered,
        findings=findings,
        text=text,
        normalized_text=flat,
        media_type=media_type,
    )
