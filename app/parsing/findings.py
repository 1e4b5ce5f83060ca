"""Every finding code the parser raises, once, with its severity. A finding says what the
parser saw and what it did about it; its code is stable and machine-readable (clients
filter on it), its message is for people.

    finding(Code.ROW_SUM_MISMATCH, "applications.granted: … the row is left out.", keys, line=41)
    -> Finding(code="row_sum_mismatch", severity="warning", message=…, keys=keys, line=41)
"""

from __future__ import annotations

from enum import StrEnum

from app.parsing.model import Finding, Severity


class Code(StrEnum):
    # the document as a whole
    NO_TEXT_LAYER = "no_text_layer"  # PDF pages without text (a scan): error when no page has any
    TEXT_IN_PICTURES = "text_in_pictures"  # a Word or HTML document whose tables are pictures: read by OCR, or not
    OCR_UNAVAILABLE = "ocr_unavailable"  # pages without text left unread: the ocr extra is not installed
    OCR_SKIPPED = "ocr_skipped"  # a page without text not read by OCR: past the pages, pixels or seconds it may take
    OCR_LOW_CONFIDENCE = "ocr_low_confidence"  # figures read by OCR with a low score: withheld
    OCR_CONFIRMED = "ocr_confirmed"  # figures read by OCR with a low score, kept: their row's sum vouches for them
    OCR_WITHHELD = "ocr_withheld"  # figures read by OCR whose arithmetic does not hold: withheld
    PARSE_BUDGET_EXCEEDED = "parse_budget_exceeded"  # the parse ran out of time: nothing of it is given
    TEXT_TRUNCATED = "text_truncated"  # past the lines or cells a parse reads: the rest was not read
    UNKNOWN_TEMPLATE = "unknown_template"  # neither headers, citation nor year tell the template
    MISSING_YEAR = "missing_year"
    MISSING_AGENCY = "missing_agency"
    # a table, or part of one, not read: its figures are left out
    MISSING_SECTION = "missing_section"  # no table of section 二, 三 or 四
    MISSING_ROWS = "missing_rows"  # section 三 rows whose label was not found
    INCOMPLETE_ROW = "incomplete_row"  # a row with fewer values than columns
    INCOMPLETE_GROUP = "incomplete_group"  # a group with rows missing: no group total
    UNKNOWN_ROW = "unknown_row"  # numbers under no label we know
    AMBIGUOUS_ROW = "ambiguous_row"  # which numbers are the row's own cannot be told
    AMBIGUOUS_SPLIT = "ambiguous_split"  # run-together digits that several splits fit
    IMPLAUSIBLE_VALUE = "implausible_value"  # a number too large to be a real figure
    ROW_SUM_MISMATCH = "row_sum_mismatch"  # a row (or section 四 block) not adding up to its 总计
    DUPLICATE_ROW = "duplicate_row"  # a row twice with different values: the first is kept
    # what was read, and how it holds together
    REPAIRED = "repaired"  # run-together digits split by the template's arithmetic
    INFERRED_SPLIT = "inferred_split"  # run-together digits split by evidence: the figures flagged inferred
    NOTES_PLACED = "notes_placed"  # section 二 numbers moved out of their row, placed by their notes' words
    LOST_CELL = "lost_cell"  # a row one cell short, every place of the lost cell reading the same: the figures derived
    IDENTITY_MISMATCH = "identity_mismatch"  # an identity across rows that does not hold
    PROSE_MISMATCH = "prose_mismatch"  # the text states another number than the tables


SEVERITY: dict[Code, Severity] = {code: "warning" for code in Code} | {
    Code.UNKNOWN_TEMPLATE: "error",
    Code.PARSE_BUDGET_EXCEEDED: "error",
    Code.REPAIRED: "info",
    Code.INFERRED_SPLIT: "info",
    Code.LOST_CELL: "info",
    Code.NOTES_PLACED: "info",
    Code.OCR_CONFIRMED: "info",
}

# codes that make a report partial: some figure of its template is left out
INCOMPLETE = frozenset({
    Code.AMBIGUOUS_SPLIT, Code.INCOMPLETE_ROW, Code.UNKNOWN_ROW, Code.MISSING_SECTION, Code.MISSING_ROWS,
    Code.INCOMPLETE_GROUP, Code.AMBIGUOUS_ROW, Code.IMPLAUSIBLE_VALUE, Code.TEXT_TRUNCATED,
    Code.OCR_SKIPPED, Code.OCR_LOW_CONFIDENCE, Code.OCR_WITHHELD,
})


def finding(code: Code, message: str, keys: tuple[str, ...] = (), line: int | None = None) -> Finding:
    """A Finding of `code` at its severity (the code stored as a plain string)."""
    return Finding(code.value, SEVERITY[code], message, keys, line)
