"""A neighbour arriving later: when a body's report of year t is stored (new, or reconciled
from a new document), its reports of years t−1 and t+1 whose run-together rows were left out
(`ambiguous_split`) or inferred (`inferred_split`) are parsed again from their stored
documents with the evidence that year t brings (app.services.reparse.reparse looks the
neighbour context up itself).

Called after the storing transaction committed, never inside it: by the folder import once a
batch (app/services/bulk.py), by `disclosure ingest --url`, and by POST /reports as a
background task (a worker thread, after the answer); and for reports parsed again
(`disclosure reparse`, POST /reports/{id}/reparse: settle_around), whose new figures may
settle their neighbours. A neighbour parsed to see whether it changes is stored from that
parse (reparse's `given`), not parsed a second time. The rule for which reports want the
evidence is app.services.neighbours.wants_neighbours, the same as for a parse in hand.

No cascade: a report parsed again gains inferred figures at most, and inferred figures are no
evidence for any other year (neighbour_context leaves them out), so t−1's new figures cannot
settle t−2; nor does the order of arrival matter: t−1 read with t, or t read with t−1, use the
same figures, read from the text.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from sqlalchemy import Engine
from sqlmodel import Session, select

from app.models import Document, DocumentParse, FigureRow, FindingRow, Report
from app.parsing import InputError, ParsedReport
from app.parsing.budget import DEFAULT_SECONDS
from app.services.convert import parse_upload
from app.services.ingest import IngestResult, Parse, document_content_type
from app.services.reparse import reparse
from app.services.neighbours import EVIDENCE_CODES, neighbour, neighbour_context, wants_neighbours

log = logging.getLogger(__name__)


def _codes(session: Session, report_id: int) -> list[str]:
    return list(session.exec(select(FindingRow.code).where(FindingRow.report_id == report_id,
                                                           FindingRow.code.in_(EVIDENCE_CODES))))


def to_settle(engine: Engine, results: Iterable[object], *, own: bool = False) -> list[int]:
    """The ids of the reports to parse again after `results` (IngestResults; errors and
    duplicates skipped) were stored: the stored reports' neighbours of the years before and
    after that want the evidence, and with `own` the stored reports themselves when they want
    it and have a neighbour (a folder import parses without the neighbours: its batch is
    parsed before it is written). Ascending, each once."""
    stored = [r.report.id for r in results if isinstance(r, IngestResult) and r.submission != "duplicate"]
    return around(engine, stored, own=own)


def around(engine: Engine, report_ids: Iterable[int], *, own: bool = False) -> list[int]:
    """The neighbours of the years before and after the reports `report_ids` that want the
    evidence (and with `own` those reports themselves, when they want it and have a
    neighbour); ascending, each once."""
    out: set[int] = set()
    with Session(engine) as session:
        for report_id in dict.fromkeys(report_ids):
            report = session.get(Report, report_id)  # as committed (a concurrent reparse may have merged it)
            if report is None or report.status == "failed":
                continue
            near = [n for n in (neighbour(session, report, d) for d in (-1, 1)) if n is not None]
            candidates = [n.id for n in near]
            if own and near:
                candidates.append(report.id)
            for candidate in candidates:
                if candidate not in out and wants_neighbours(_codes(session, candidate)):
                    out.add(candidate)
    return sorted(out)


def parse_if_changed(engine: Engine, report_id: int, budget: float | None = DEFAULT_SECONDS,
                     parse: Parse | None = None) -> tuple[bool, ParsedReport | None]:
    """Whether parsing the report again with its neighbours' evidence gives other figures or
    findings than it has, and that parse (for app.services.reparse.reparse to store rather
    than parse again). A report of one document is parsed with them first (a few ms for a
    text), so that a neighbour that settles nothing (a row no cross-year identity covers: a
    run-together count and amount) rewrites nothing and /changes lists nothing; a report of
    several documents is reconciled, and is parsed again without this check: (True, None)."""
    with Session(engine) as session:
        report = session.get(Report, report_id)
        if report is None:
            return False, None
        documents = session.exec(select(DocumentParse.document_id).where(DocumentParse.report_id == report_id)).all()
        document = session.get(Document, report.document_id)
        if len(documents) > 1 or document is None:
            return True, None
        try:
            content_type, context = document_content_type(document), neighbour_context(session, report)
            parsed = (parse_upload(document.content, content_type, budget=budget, context=context)
                      if parse is None else parse(document.content, content_type, context))
        except InputError:
            return True, None  # reparse says what becomes of it
        stored = session.exec(select(FigureRow.key, FigureRow.value, FigureRow.flags)
                              .where(FigureRow.report_id == report_id)).all()
        findings = session.exec(select(FindingRow.code, FindingRow.keys).where(FindingRow.report_id == report_id)).all()
    fresh = {(f.key, float(f.value), ",".join(f.flags)) for f in parsed.figures}
    changed = (parsed.status != report.status or fresh != {tuple(r) for r in stored}
               or sorted((f.code, ",".join(f.keys)) for f in parsed.findings) != sorted(tuple(r) for r in findings))
    return changed, parsed if changed else None


def settle_neighbours(engine: Engine, results: Iterable[object], *, own: bool = False,
                      budget: float | None = DEFAULT_SECONDS, parse: Parse | None = None) -> list[int]:
    """Parse again (app.services.reparse.reparse, a transaction each) the reports `to_settle`
    names; the ids parsed again. Blocking: from a worker thread in async code, with `parse`
    the server's parse processes (ParsePool.parse_blocking) so that the parsing is not done in
    the server process. A report that cannot be parsed again now is logged and left as it
    is: what was stored stays stored."""
    return _settle(engine, to_settle(engine, results, own=own), budget, parse)


def settle_around(engine: Engine, report_ids: Iterable[int], *, budget: float | None = DEFAULT_SECONDS,
                  parse: Parse | None = None) -> list[int]:
    """settle_neighbours for reports parsed again (`disclosure reparse`, POST
    /reports/{id}/reparse): figures a new parse reads differently may settle a neighbour's
    run-together row, or unsettle it."""
    return _settle(engine, around(engine, report_ids), budget, parse)


def _settle(engine: Engine, report_ids: list[int], budget: float | None, parse: Parse | None) -> list[int]:
    done = []
    for report_id in report_ids:
        try:
            changed, parsed = parse_if_changed(engine, report_id, budget, parse)
            if changed and reparse(engine, report_id, budget=budget, parse=parse, given=parsed) is not None:
                done.append(report_id)
        except Exception:  # noqa: BLE001 - the stored report stays as it was
            log.exception("report %s could not be parsed again with its neighbours' evidence", report_id)
    return done
