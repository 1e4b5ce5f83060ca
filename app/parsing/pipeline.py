"""decode → normalise → lay out → read → check, as one pure function."""

from __future__ import annotations

from app.parsing.budget import DEFAULT_SECONDS, MAX_CELLS, Budget, BudgetExceeded
from app.parsing.check import check
from app.parsing.decode import decode_bytes
from app.parsing.layout import lay_out
from app.parsing.meta import read_meta
from app.parsing.model import Figure, Finding, ParsedReport, Source
from app.parsing.normalize import normalize
from app.parsing.prose import cross_check, find_hints, find_prose
from app.parsing.read import Reader

PARSER_VERSION = "0.3.3"

_SECTION_KEYS = ("active.", "applications.", "review_litigation.")
# findings that mean some template figure was left out
_INCOMPLETE = frozenset({"ambiguous_split", "incomplete_row", "unknown_row", "missing_section", "missing_rows", "incomplete_group", "ambiguous_row",
                         "implausible_value", "text_truncated"})


def parse_document(data: bytes, content_type: str | None = None, *,
                   budget: float | None = DEFAULT_SECONDS) -> ParsedReport:
    """Decode `data` (charset from `content_type`, else detected; HTML → text) and parse it,
    in at most `budget` seconds (app/parsing/budget.py; decoding counts).
    Raises InputError for bytes that are not a readable document (empty, binary, …)."""
    limits = Budget(budget)
    decoded = decode_bytes(data, content_type)
    report = parse_text(decoded.text, media_type=decoded.media_type, budget=limits)
    report.encoding = decoded.encoding
    return report


def parse_text(text: str, media_type: str = "text/plain", *,
               budget: float | Budget | None = DEFAULT_SECONDS) -> ParsedReport:
    """The report in `text`; past the time budget, a `failed` report saying so."""
    limits = budget if isinstance(budget, Budget) else Budget(budget)
    try:
        return _read_text(text, media_type, limits)
    except BudgetExceeded as exc:
        return _over_budget(text, media_type, exc)


def _read_text(text: str, media_type: str, budget: Budget) -> ParsedReport:
    norm = normalize(text, budget=budget)
    lines = norm.lines
    meta = read_meta(lines)
    cells, stopped_at = lay_out(lines, budget=budget)
    reader = Reader(norm, cells, budget=budget)
    normalized_text = norm.text
    template, why = reader.detect_template(normalized_text, meta.year)
    findings: list[Finding] = []
    if template is None:
        findings.append(Finding("unknown_template", "error",
                                "Could not tell which national template the tables follow (2019 or 2021).",
                                ("template",)))
    else:
        hints = find_hints(normalized_text, template)
        reader.read_active(template, hints)
        reader.read_applications(template)
        reader.read_review()
    figures = reader.figures
    budget.check("read")
    _add_prose(norm, normalized_text, figures)
    findings.extend(_truncated(norm, stopped_at))
    findings.extend(reader.findings)
    findings.extend(check(figures, template))
    values = {k: f.value for k, f in figures.items()}
    for d in cross_check(normalized_text, values):
        line = normalized_text.count("\n", 0, d.start) + 1
        findings.append(Finding("prose_mismatch", "warning",
                                f"The text states {d.stated} where the tables give {d.table} "
                                f"({' + '.join(d.keys)}); the tables are kept.", d.keys, line))
    if template is not None:
        for key, value in hints.items():
            if key in figures and figures[key].value != value:
                findings.append(Finding("prose_mismatch", "warning",
                                        f"{key}: the table says {figures[key].value}, the text says {value}; "
                                        "the table is kept.", (key,),
                                        figures[key].source.line if figures[key].source else None))

    region_code = meta.site_code[:6] if meta.site_code and meta.site_code.isdigit() else None
    agency = meta.agency
    level = None
    try:
        from app.parsing import regions
    except ImportError:  # pragma: no cover - the table ships with the package
        regions = None
    if regions is not None and agency:
        context = "\n".join(lines[:60]) + "\n" + "\n".join(lines[-20:])
        match = regions.resolve(agency, context)
        if match is not None:
            level = match.level
            if region_code is None:
                region_code = match.division.code
            agency = _full_name(agency, match)
    if meta.year is None:
        findings.append(Finding("missing_year", "warning", "The report year could not be read.", ("year",)))
    if agency is None:
        findings.append(Finding("missing_agency", "warning", "The reporting body could not be read.", ("agency",)))

    sections_found = sum(any(k.startswith(p) for k in figures) for p in _SECTION_KEYS)
    incomplete = any(f.code in _INCOMPLETE for f in findings)
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
        template=template,
        year=meta.year,
        agency=agency,
        region_code=region_code,
        level=level,
        title=meta.title,
        published_at=meta.published_at,
        source_url=meta.source_url,
        figures=ordered,
        findings=findings,
        text=text,
        normalized_text=normalized_text,
        media_type=media_type,
    )


def _truncated(norm, stopped_at: int | None) -> list[Finding]:
    """What was left unread of a text beyond the bounds of app/parsing/budget.py."""
    if stopped_at is not None:
        return [Finding("text_truncated", "warning",
                        f"The text has more than {MAX_CELLS:,} cells: reading stopped in line {stopped_at + 1:,} "
                        f"of {norm.lines_in_text:,}, the rest was not read.", (), stopped_at + 1)]
    if norm.lines_in_text > len(norm.lines):
        return [Finding("text_truncated", "warning",
                        f"The text has {norm.lines_in_text:,} lines; only the first {len(norm.lines):,} were read.")]
    return []


def _over_budget(text: str, media_type: str, exc: BudgetExceeded) -> ParsedReport:
    """A parse stopped at its deadline: nothing of it is kept (figures whose checks never ran
    could be wrong unnoticed), only the finding and the text."""
    finding = Finding("parse_budget_exceeded", "error",
                      f"Parsing stopped at its time budget of {exc.seconds:g} s (while it was in {exc.stage}): "
                      "the text is too large or too irregular to be read in time, and nothing of it is "
                      "given. A larger budget may read it.")
    return ParsedReport(parser_version=PARSER_VERSION, status="failed", template=None, year=None, agency=None,
                        region_code=None, findings=[finding], text=text, normalized_text="", media_type=media_type)


def _full_name(agency: str, match) -> str:
    """鄂温克旗人民政府 → 鄂温克族自治旗人民政府; 沐阳县人民政府 → 沭阳县人民政府 (an OCR slip).
    Only short forms and slips are rewritten; historical names and special bodies stay."""
    if match.reason in ("alias", "ocr") and match.matched and match.matched in agency:
        agency = agency.replace(match.matched, match.division.name, 1)
    if agency == match.division.name and match.level in ("province", "city", "county"):
        # a title that names only the place (鄂温克旗2020年…年度报告) is the government's report
        agency += "人民政府"
    return agency


def _add_prose(norm, text: str, figures: dict[str, Figure]) -> None:
    line_starts = [0]
    for line in norm.lines:
        line_starts.append(line_starts[-1] + len(line) + 1)
    import bisect

    for hit in find_prose(text):
        if hit.key in figures:
            continue
        li = bisect.bisect_right(line_starts, hit.start) - 1
        col = hit.start - line_starts[li]
        start, end = norm.original_span(li, col, col + (hit.end - hit.start))
        flags = ("approximate",) if hit.approximate else ()
        figures[hit.key] = Figure(key=hit.key, value=hit.value, unit=hit.unit, section=hit.key.split(".")[0],
                                  source=Source(li + 1, start, end, norm.original_lines[li]), flags=flags)
