"""One report from several documents of the same body and year (copies in other encodings,
scripts, formats, extractions; revised editions). Pure: parses in, figures and findings out.

Key by key: documents that agree give the figure (the best-read copy of it); a key one
document lacks comes from the others; documents that disagree are ranked, in this order:

1. how the figure was read: an exact cell beats a `derived` one, which beats a `repaired`,
   `approximate`, `inferred` or `ocr` one;
2. a revision (修订版 / 更正 / 更新 in the title or the first lines) beats an earlier edition;
3. a later published date beats an earlier one (an unknown date is the earliest).

If the best of each value still rank the same, nobody can tell which is right: the figure is
withheld and the report is partial. Every disagreement gets a `documents_disagree` finding
naming each value and the documents that read it.

The figures so merged come from several documents, so the template's identities are checked
again over them (app/parsing/check.py): a sum that held in each document may not hold across
a figure one document gave and another figure another gave; each that fails is an
`identity_mismatch` finding of the report (unless its primary document's parse has it already).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app.parsing.check import check
from app.parsing.model import Figure, Finding, ParsedReport
from app.parsing.templates import TEMPLATES

# how a figure was read, worst last: the lowest rank over its flags
_FLAG_RANK = {"derived": 1, "repaired": 2, "approximate": 2, "inferred": 2, "ocr": 2}
_STATUS_RANK = {"parsed": 0, "partial": 1, "failed": 2}
REVISION_MARKS = ("修订版", "修訂版", "更正", "更新")
_HEAD_LINES = 5


@dataclass(frozen=True, slots=True)
class Copy:
    """One document's parse, with the id of the document it was read from."""

    document_id: int
    parsed: ParsedReport


@dataclass(slots=True)
class Reconciled:
    primary: int  # the document whose metadata, text and findings the report keeps
    status: str
    figures: list[tuple[int, Figure]] = field(default_factory=list)  # (document id, figure)
    findings: list[Finding] = field(default_factory=list)
    withheld: list[str] = field(default_factory=list)


def read_rank(figure: Figure) -> int:
    return max((_FLAG_RANK.get(flag, 0) for flag in figure.flags), default=0)


def is_revision(parsed: ParsedReport) -> bool:
    """Whether the document says it is a revised or corrected edition."""
    head = "\n".join([parsed.title or "", *parsed.text.split("\n", _HEAD_LINES)[:_HEAD_LINES]])
    return any(mark in head for mark in REVISION_MARKS)


def _edition(copy: Copy, revisions: set[int]) -> tuple[int, str]:
    """Larger is newer: (is a revision, published date)."""
    return (copy.document_id in revisions, copy.parsed.published_at or "")


def _primary(copies: list[Copy], revisions: set[int]) -> Copy:
    def rank(c: Copy):
        revision, published = _edition(c, revisions)
        return (_STATUS_RANK.get(c.parsed.status, 2), not revision, _neg(published), -len(c.parsed.figures))
    return min(copies, key=rank)  # min keeps the first of equals: the earliest document


def _neg(published: str) -> tuple:
    return tuple(-ord(ch) for ch in published) + (0,) if published else (1,)


def _fmt(value) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def reconcile(copies: list[Copy]) -> Reconciled:
    """The report's figures and findings from these documents' parses (in submission order)."""
    if not copies:
        raise ValueError("nothing to reconcile")
    revisions = {c.document_id for c in copies if is_revision(c.parsed)}
    primary = _primary(copies, revisions)
    if len(copies) == 1:
        return Reconciled(primary.document_id, primary.parsed.status,
                          [(primary.document_id, f) for f in primary.parsed.figures], list(primary.parsed.findings))

    order = [primary] + [c for c in copies if c is not primary]
    by_key: dict[str, list[tuple[Copy, Figure]]] = {}
    for c in order:
        seen = set()
        for f in c.parsed.figures:
            if f.key not in seen:  # a key twice in one parse: its first reading
                seen.add(f.key)
                by_key.setdefault(f.key, []).append((c, f))

    out = Reconciled(primary.document_id, primary.parsed.status, findings=list(primary.parsed.findings))
    for key, readings in by_key.items():
        # each reading ranked: how it was read, then the edition (best first)
        def rank(item: tuple[Copy, Figure]):
            c, f = item
            revision, published = _edition(c, revisions)
            return (read_rank(f), not revision, _neg(published))
        ranked = sorted(readings, key=rank)  # stable: the primary first among equals
        values = {float(f.value) for _, f in readings}
        if len(values) == 1:
            c, f = ranked[0]
            out.figures.append((c.document_id, f))
            continue
        best = ranked[0]
        rival = next(item for item in ranked if float(item[1].value) != float(best[1].value))
        tie = rank(best) == rank(rival)
        by_value: dict[float, list[int]] = {}
        for c, f in readings:
            by_value.setdefault(float(f.value), []).append(c.document_id)
        named = "; ".join(f"{_fmt(best_value(readings, v))} in document{'s' if len(ids) > 1 else ''} "
                          f"{', '.join(str(i) for i in ids)}" for v, ids in by_value.items())
        if tie:
            out.withheld.append(key)
            verdict = "withheld: the documents rank the same (how read, edition, publication date)"
        else:
            out.figures.append((best[0].document_id, best[1]))
            verdict = f"kept {_fmt(best[1].value)} from document {best[0].document_id} ({_why(best, rival, revisions)})"
        out.findings.append(Finding("documents_disagree", "warning" if not tie else "error",
                                    f"{key}: the documents disagree: {named}; {verdict}", (key,)))
    out.findings.extend(_merged_identities(out, primary))
    if out.withheld and out.status == "parsed":
        out.status = "partial"
    return out


def _merged_identities(out: Reconciled, primary: Copy) -> list[Finding]:
    """identity_mismatch findings of the merged figures that the primary document's own parse
    does not have (the same code and keys)."""
    template = TEMPLATES.get(primary.parsed.template or "")
    merged = {}
    for _, f in out.figures:
        merged.setdefault(f.key, f)
    known = {(f.code, f.keys) for f in out.findings}
    return [f for f in check(merged, template) if (f.code, f.keys) not in known]


def best_value(readings: list[tuple[Copy, Figure]], value: float):
    return next(f.value for _, f in readings if float(f.value) == value)


def _why(best: tuple[Copy, Figure], rival: tuple[Copy, Figure], revisions: set[int]) -> str:
    if read_rank(best[1]) != read_rank(rival[1]):
        flags = ", ".join(rival[1].flags)
        return f"read exactly there, the other {flags}" if read_rank(best[1]) == 0 else \
            f"read better there ({', '.join(best[1].flags)} over {flags})"
    if (best[0].document_id in revisions) != (rival[0].document_id in revisions):
        return "a revised edition"
    return f"published later ({best[0].parsed.published_at})"
