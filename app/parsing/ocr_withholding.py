"""The figures OCR read (app/parsing/ocr.py) that may be misread, left out of the report: those
the recogniser scored below `MIN_CONFIDENCE` (unless their row's sum vouches for them), those
the report's arithmetic or text disputes, blank cells of a scanned table no 总计 vouches for,
and totals made from figures withheld.
"""

from __future__ import annotations

from app.parsing.findings import Code, finding
from app.parsing.model import ParsedReport

MIN_CONFIDENCE = 0.90  # a figure read with a lower score is withheld (bench/ocr_bench.py measures it)
# findings whose keys name figures that cannot all be right: an identity across rows, the text
# stating another number than the table
_DISAGREEMENTS = (Code.IDENTITY_MISMATCH.value, Code.PROSE_MISMATCH.value)


def withhold_uncertain(report: ParsedReport, threshold: float | None = None) -> None:
    """Leave out (in place) the figures OCR read that may be misread, with a finding each
    kind: those whose confidence is below `threshold`, and those named by a finding that
    says the report's arithmetic or its text disagree with them (the identities are the
    guard against a misread 8 for a 3). A figure made from others (`derived`, no source of
    its own) in a report OCR read is flagged `ocr` too. The report becomes `partial` when
    a figure is left out."""
    if threshold is None:
        threshold = MIN_CONFIDENCE
    named = {k for f in report.findings if f.code in _DISAGREEMENTS for k in f.keys}
    read = [f for f in report.figures if "derived" not in f.flags]
    confirmed = _confirmed_by_row_sums(read, threshold)
    low, disputed = _uncertain_read(read, named, confirmed, threshold)
    out = {f.key for f in low} | {f.key for f in disputed}
    derived = [f for f in report.figures if "derived" in f.flags]
    blank = _unvouched_blanks(report.figures, read, derived)
    out |= {f.key for f in blank}
    _judge_derived(report.figures, derived, out, blank, disputed)
    vouched = [f for f in read if f.key in confirmed and "ocr" in f.flags]
    _report_withheld(report, low, disputed, blank, vouched, threshold)
    withheld = {id(f) for f in (*low, *disputed, *blank)}
    kept = [f for f in report.figures if id(f) not in withheld]
    if low or disputed or blank:
        report.figures = kept
        if not kept:  # nothing left of it (a partial report too)
            report.status = "failed"
        elif report.status == "parsed":
            report.status = "partial"


def _uncertain_read(read: list, named: set[str], confirmed: set[str], threshold: float) -> tuple[list, list]:
    """Of the figures read (a figure without a source flagged `ocr` on the way), those OCR
    scored below `threshold` that no row sum vouches for, and those a finding disputes."""
    low, disputed = [], []
    for f in read:
        if "ocr" not in f.flags and f.source is None:
            f.flags = (*f.flags, "ocr")
        if "ocr" in f.flags and f.confidence is not None and f.confidence < threshold and f.key not in confirmed:
            low.append(f)
        elif "ocr" in f.flags and f.key in named:
            disputed.append(f)
    return low, disputed


def _unvouched_blanks(figures: list, read: list, derived: list) -> list:
    """The blank cells of a scanned table that nothing vouches for. A blank cell reads 0, but
    it may hold a digit the recogniser missed: it stands only where its row's 总计 was read
    and the row adds up with it."""
    values = {f.key: f for f in figures}
    blank = []
    for f in derived:
        stem = f.key.rsplit(".", 1)[0]
        if f.value != 0 or f.key == stem + ".total" or not any(g.key.rsplit(".", 1)[0] == stem for g in read):
            continue  # not a cell of a row read from the scan (a group's total is made from its rows)
        total = values.get(stem + ".total")
        parts = [g for g in figures if g.key.rsplit(".", 1)[0] == stem and g is not total]
        if total is None or "derived" in total.flags or sum(g.value for g in parts) != total.value:
            blank.append(f)
    return blank


def _judge_derived(figures: list, derived: list, out: set[str], blank: list, disputed: list) -> None:
    """Each derived figure not yet withheld is made from the figures of its row or group (a
    blank 总计, a group's total): as sure as they are, flagged `ocr` with their lowest score;
    disputed (appended to `disputed`) when one of them is withheld (`out`), and withheld as
    blank (appended to `blank`) when none of them was read."""
    for f in derived:
        if f in blank:
            continue
        stem = f.key.rsplit(".", 1)[0] + "."
        terms = [g for g in figures if g.key.startswith(stem) and g is not f
                 and ("ocr" in g.flags or "derived" in g.flags)]
        if not terms:  # nothing it was made from was read: it cannot be vouched for
            blank.append(f)
            continue
        f.flags = (*f.flags, "ocr") if "ocr" not in f.flags else f.flags
        scores = [g.confidence for g in terms if g.confidence is not None]
        f.confidence = min(scores) if scores else None
        if any(g.key in out for g in terms):
            disputed.append(f)


def _report_withheld(report: ParsedReport, low: list, disputed: list, blank: list, vouched: list,
                     threshold: float) -> None:
    """A finding for each kind of figure withheld, and one for those a row sum vouched for."""
    if blank:
        report.findings.append(finding(
            Code.OCR_WITHHELD,
            f"{len(blank)} figure{'s' if len(blank) > 1 else ''} of blank cells in the scan withheld: a blank may be "
            "a digit the recogniser missed, and no 总计 read vouches for it: "
            + ", ".join(f.key for f in blank) + ".", tuple(f.key for f in blank),
            blank[0].source.line if blank[0].source else None))
    if vouched:
        report.findings.append(finding(
            Code.OCR_CONFIRMED,
            f"{len(vouched)} figure{'s' if len(vouched) > 1 else ''} read by OCR with a confidence below {threshold:g} "
            "kept: each is the one uncertain figure of a row that adds up to its 总计, the only value the sum allows: "
            + ", ".join(f"{f.key} (read {_value(f)}, confidence {f.confidence:.2f})" for f in vouched) + ".",
            tuple(f.key for f in vouched), vouched[0].source.line if vouched[0].source else None))
    if low:
        report.findings.append(finding(
            Code.OCR_LOW_CONFIDENCE,
            f"{len(low)} figure{'s' if len(low) > 1 else ''} read by OCR with a confidence below {threshold:g} "
            "withheld: " + ", ".join(f"{f.key} (read {_value(f)}, confidence {f.confidence:.2f})" for f in low) + ".",
            tuple(f.key for f in low), low[0].source.line if low[0].source else None))
    if disputed:
        report.findings.append(finding(
            Code.OCR_WITHHELD,
            f"{len(disputed)} figure{'s' if len(disputed) > 1 else ''} read by OCR withheld: the report's arithmetic "
            "or its text disagrees with them (see the findings naming them), and a misread digit cannot be told "
            "from a wrong figure; or they are totals made from figures withheld: "
            + ", ".join(f"{f.key} (read {_value(f)})" for f in disputed) + ".",
            tuple(f.key for f in disputed), disputed[0].source.line if disputed[0].source else None))


# sections whose rows add up to their 总计: applications.<row>.<applicant> … .total, and
# review_litigation.<kind>.<outcome> … .total
_SUMMED = ("applications.", "review_litigation.")


def _confirmed_by_row_sums(read: list, threshold: float) -> set[str]:
    """Figures with a low score that their row's sum vouches for: in a row of a summed section
    whose figures were all read (none derived) and add up to its 总计, one figure alone with a
    low score is the only value the sum allows (the reader leaves out rows that do not add up)."""
    rows: dict[str, list] = {}
    for f in read:
        if f.key.startswith(_SUMMED):
            rows.setdefault(f.key.rsplit(".", 1)[0], []).append(f)
    out: set[str] = set()
    for stem, figures in rows.items():
        total = next((f for f in figures if f.key == stem + ".total"), None)
        parts = [f for f in figures if f is not total]
        if total is None or len(parts) < 2 or sum(f.value for f in parts) != total.value:
            continue
        unsure = [f for f in figures if f.confidence is not None and f.confidence < threshold]
        if len(unsure) == 1:
            out.add(unsure[0].key)
    return out


def _value(f) -> str:
    return str(int(f.value)) if float(f.value).is_integer() else f"{f.value:g}"
