"""Ingest: bytes in, a stored report out — deduplicated by the document's sha256.

The UNIQUE constraint on document.sha256 decides: the lookup before parsing only saves
the parse, and two requests with the same bytes racing past it both parse, one insert
wins and the other catches the IntegrityError and returns the winner's report. The
document bytes, report, text, figures and findings are written in one transaction.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy import Engine, insert, text as sql_text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, delete, select

from app.models import Document, FigureRow, FindingRow, Report, ReportText, utcnow
from app.parsing import ParsedReport
from app.parsing.budget import DEFAULT_SECONDS
from app.parsing.decode import DOCX_TYPE, PDF_TYPE
from app.services import rollup
from app.services.convert import LEGACY_MEDIA_TYPE, parse_upload
from app.services.neighbours import neighbour_context


@dataclass(slots=True)
class IngestResult:
    report: Report
    created: bool


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def find_report_by_sha256(session: Session, digest: str) -> Report | None:
    stmt = select(Report).join(Document, Report.document_id == Document.id).where(Document.sha256 == digest)
    return session.exec(stmt).first()


def _iso_date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _rows(parsed: ParsedReport, data: bytes, digest: str, source_url: str | None,
          document_fields: dict | None = None):
    now = utcnow()
    fields = dict(document_fields or {})
    # a file a fetched page linked to: the document's URL is the file's, the report's the page's
    attachment_url = fields.pop("attachment_url", None)
    document = Document(
        sha256=digest, media_type=parsed.media_type, encoding=parsed.encoding, content=data,
        size=len(data), source_url=attachment_url or source_url, received_at=now, **fields,
    )
    report = Report(
        document_id=0, parser_version=parsed.parser_version, status=parsed.status,
        template=parsed.template, year=parsed.year, agency=parsed.agency,
        region_code=parsed.region_code, level=parsed.level, title=parsed.title,
        published_at=_iso_date(parsed.published_at), source_url=source_url, attachment_url=attachment_url,
        figure_count=len(parsed.figures), finding_count=len(parsed.findings),
        created_at=now, updated_at=now,
    )
    return document, report


def ingest(engine: Engine, data: bytes, content_type: str | None = None, source_url: str | None = None,
           *, lookup_first: bool = True, document_fields: dict | None = None,
           budget: float | None = DEFAULT_SECONDS) -> IngestResult:
    """Store `data` and its parse, or return the report already stored for these bytes.
    Raises app.parsing.InputError for bytes that are no document. Blocking (parses and
    writes): call it from a worker thread in async code. `lookup_first=False` skips the
    pre-parse lookup, leaving the decision to the UNIQUE constraint alone. `document_fields`:
    more Document columns (a fetch's fetched_at, etag, last_modified; `attachment_url`: the
    file's URL when `source_url` is the page that linked to it). `budget`: seconds the parse
    may take (app/parsing/budget.py)."""
    digest = sha256_hex(data)
    if lookup_first and (existing := stored_result(engine, digest)) is not None:
        return existing
    parsed = parse_upload(data, content_type, budget=budget)
    if any(f.code == "ambiguous_split" for f in parsed.findings):  # the body's other years may settle it
        with Session(engine) as session:
            context = neighbour_context(session, Report(agency=parsed.agency, year=parsed.year,
                                                        region_code=parsed.region_code))
        if context is not None:
            parsed = parse_upload(data, content_type, budget=budget, context=context)
    return store(engine, data, parsed, source_url or parsed.source_url, digest=digest,
                 document_fields=document_fields)


_DIGEST_STORED = sql_text("SELECT 1 FROM document WHERE sha256 = :digest")


def stored_result(engine: Engine, digest: str) -> IngestResult | None:
    """The report already stored for bytes with this sha256, if any (a plain look-up of the
    unique sha256 first: most bytes are new)."""
    with engine.connect() as conn:  # a plain connection: no session for the usual miss
        if conn.execute(_DIGEST_STORED, {"digest": digest}).first() is None:
            return None
    with Session(engine, expire_on_commit=False) as session:
        existing = find_report_by_sha256(session, digest)
    return None if existing is None else IngestResult(existing, created=False)


def stored_digests(engine: Engine, digests: list[str]) -> set[str]:
    """Which of these sha256 digests are stored already (one query)."""
    if not digests:
        return set()
    with Session(engine) as session:
        return set(session.exec(select(Document.sha256).where(Document.sha256.in_(set(digests)))))


_TEXT_COLUMNS = ("report_id", "original", "normalized")
_FIGURE_COLUMNS = ("report_id", "key", "value", "unit", "section", "line", "span_start", "span_end", "source_text",
                   "note", "flags", "page", "box_x0", "box_top", "box_x1", "box_bottom", "confidence")
_NO_BOX = (None, None, None, None)
_FINDING_COLUMNS = ("report_id", "code", "severity", "message", "keys", "line")


def _children(report_id: int, parsed: ParsedReport) -> tuple[tuple, list[tuple], list[tuple]]:
    """The report's text, figure and finding rows, as tuples in the order of _TEXT_COLUMNS,
    _FIGURE_COLUMNS and _FINDING_COLUMNS (Core INSERTs; a report has ~230 figures, and
    tuples cost a third of dicts to make and hand to the driver).

    A figure's source text is its line of the report's text, which report_text keeps: it is
    stored with the figure only when it is not that line (never, with today's parser), and
    read back from report_text otherwise (app.services.present.fill_source_lines). A table
    laid out as one long line would otherwise be stored again with each of its ~230 figures
    (pingtan-2024: 1.8 MB a report)."""
    text = (report_id, parsed.text, parsed.normalized_text)
    lines = parsed.text.split("\n")
    n_lines = len(lines)

    figures = []
    for f in parsed.figures:
        src = f.source
        if src is None:
            figures.append((report_id, f.key, float(f.value), f.unit, f.section, None, None, None, None, f.note,
                            ",".join(f.flags), None, *_NO_BOX, f.confidence))
            continue
        own = src.text
        if own is not None and src.line is not None and 0 < src.line <= n_lines and lines[src.line - 1] == own:
            own = None
        figures.append((report_id, f.key, float(f.value), f.unit, f.section, src.line, src.start, src.end, own,
                        f.note, ",".join(f.flags), src.page, *(src.box or _NO_BOX), f.confidence))
    findings = [(report_id, f.code, f.severity, f.message, ",".join(f.keys), f.line) for f in parsed.findings]
    return text, figures, findings


def _write_children(session: Session, reports: list[tuple[int, ParsedReport]]) -> None:
    """The texts, figures and findings of these reports: one INSERT … executemany per table
    (Core rows, not ORM objects: a report's ~230 figures as ORM objects cost ~30 ms to make
    and flush, as plain rows a tenth of that). Figures keep their order (ids ascend)."""
    texts, figures, findings = [], [], []
    for report_id, parsed in reports:
        t, fig, fin = _children(report_id, parsed)
        texts.append(t)
        figures += fig
        findings += fin
    for table, columns, rows in ((ReportText, _TEXT_COLUMNS, texts), (FigureRow, _FIGURE_COLUMNS, figures),
                                 (FindingRow, _FINDING_COLUMNS, findings)):
        if rows:
            _insert_rows(session, table.__table__, columns, rows)  # type: ignore[attr-defined]


_SQLITE_INSERTS: dict[tuple[str, tuple[str, ...]], str] = {}


def _insert_rows(session: Session, table, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """INSERT … executemany of tuples in the order of `columns`. On SQLite straight to the
    driver (SQLAlchemy's per-row parameter processing cost as much as SQLite's own inserts);
    elsewhere through SQLAlchemy, whose insertmanyvalues sends multi-row VALUES (PostgreSQL)."""
    conn = session.connection()
    if conn.dialect.name != "sqlite":
        conn.execute(insert(table), [dict(zip(columns, row)) for row in rows])
        return
    sql = _SQLITE_INSERTS.get((table.name, columns))
    if sql is None:
        names = ", ".join(f'"{c}"' for c in columns)
        sql = _SQLITE_INSERTS[(table.name, columns)] = \
            f'INSERT INTO "{table.name}" ({names}) VALUES ({", ".join("?" * len(columns))})'
    conn.exec_driver_sql(sql, rows)


def _scrub(value: str | None) -> str | None:
    return value.replace("\x00", "\ufffd") if value else value


def storable(parsed: ParsedReport) -> ParsedReport:
    """The parse with NUL characters replaced by U+FFFD (one for one: line and column
    positions hold): PostgreSQL text cannot hold NUL, and a stray one in a document must not
    make it unstorable."""
    if "\x00" not in parsed.text and "\x00" not in parsed.normalized_text:
        return parsed
    figures = [
        replace(f, note=_scrub(f.note), source=replace(f.source, text=_scrub(f.source.text)) if f.source else None)
        for f in parsed.figures
    ]
    findings = [replace(f, message=_scrub(f.message)) for f in parsed.findings]
    return replace(parsed, figures=figures, findings=findings, text=_scrub(parsed.text),
                   normalized_text=_scrub(parsed.normalized_text), agency=_scrub(parsed.agency),
                   title=_scrub(parsed.title), source_url=_scrub(parsed.source_url))


def store(engine: Engine, data: bytes, parsed: ParsedReport, source_url: str | None = None,
          *, digest: str | None = None, document_fields: dict | None = None) -> IngestResult:
    """Write the document and its parse in one transaction; if these bytes are stored
    already (the UNIQUE constraint says so), roll back and return the stored report."""
    digest = digest or sha256_hex(data)
    parsed = storable(parsed)
    document, report = _rows(parsed, data, digest, source_url, document_fields)
    with Session(engine, expire_on_commit=False) as session:
        try:
            session.add(document)
            session.flush()
            report.document_id = document.id
            session.add(report)
            session.flush()
            _write_children(session, [(report.id, parsed)])
            rollup.add_reports(session, [report.id])  # /stats's rollup, in this transaction
            session.commit()
        except IntegrityError:
            session.rollback()
            existing = find_report_by_sha256(session, digest)
            if existing is None:
                raise
            return IngestResult(existing, created=False)
    return IngestResult(report, created=True)


def store_many(engine: Engine, items: list[tuple]) -> list[IngestResult]:
    """Write several documents and their parses in one transaction (bulk loads, grouped
    commits): the documents, the reports and then every figure of the batch as one
    executemany each. An item is (bytes, parse) or (bytes, parse, source_url,
    document_fields). Bytes stored already (or twice in `items`) answer the stored report,
    as `store` does. If a concurrent writer stores one of them meanwhile, the batch is rolled
    back and each item stored on its own. Results in the order of `items`."""
    items = [(i[0], i[1], i[2] if len(i) > 2 else None, i[3] if len(i) > 3 else None) for i in items]
    digests = [sha256_hex(data) for data, *_ in items]
    with Session(engine, expire_on_commit=False) as session:
        stored = set(session.exec(select(Document.sha256).where(Document.sha256.in_(set(digests)))))
        fresh: dict[str, tuple[Document, Report, ParsedReport]] = {}
        for (data, parsed, source_url, fields), digest in zip(items, digests):
            if digest not in stored and digest not in fresh:
                parsed = storable(parsed)
                fresh[digest] = (*_rows(parsed, data, digest, source_url or parsed.source_url, fields), parsed)
        try:
            session.add_all(doc for doc, _, _ in fresh.values())
            session.flush()
            for doc, report, _ in fresh.values():
                report.document_id = doc.id
            session.add_all(report for _, report, _ in fresh.values())
            session.flush()
            _write_children(session, [(report.id, parsed) for _, report, parsed in fresh.values()])
            rollup.add_reports(session, [report.id for _, report, _ in fresh.values()])
            session.commit()
        except IntegrityError:
            session.rollback()
            return [store(engine, data, parsed, source_url or parsed.source_url, digest=digest, document_fields=fields)
                    for (data, parsed, source_url, fields), digest in zip(items, digests)]
        out, given = [], set()
        for digest in digests:
            if digest in fresh and digest not in given:
                given.add(digest)
                out.append(IngestResult(fresh[digest][1], created=True))
            else:
                existing = fresh[digest][1] if digest in fresh else find_report_by_sha256(session, digest)
                assert existing is not None
                out.append(IngestResult(existing, created=False))
        return out


def document_content_type(document: Document) -> str:
    """The content type to read stored bytes with again: what they were decoded as."""
    if document.media_type in (PDF_TYPE, DOCX_TYPE, LEGACY_MEDIA_TYPE):
        return document.media_type
    media = "text/html" if document.media_type == "text/html" else "text/plain"
    return f"{media}; charset={document.encoding}" if document.encoding else media


def reparse(engine: Engine, report_id: int, *, budget: float | None = DEFAULT_SECONDS) -> Report | None:
    """Run the current parser again on the stored bytes of report `report_id` and replace its
    figures, findings and text in one transaction; the document itself is never touched.
    None when there is no such report."""
    with Session(engine, expire_on_commit=False) as session:
        report = session.get(Report, report_id)
        if report is None:
            return None
        document = session.get(Document, report.document_id)
        assert document is not None
        parsed = storable(parse_upload(document.content, document_content_type(document), budget=budget,
                                       context=neighbour_context(session, report)))
        before = rollup.cells_of(session, [report.id])  # the rollup cells it leaves (refreshed below)
        for table in (FigureRow, FindingRow):
            session.exec(delete(table).where(table.report_id == report.id))  # type: ignore[call-overload]
        session.exec(delete(ReportText).where(ReportText.report_id == report.id))  # type: ignore[call-overload]
        report.parser_version = parsed.parser_version
        report.status = parsed.status
        report.template = parsed.template
        report.year = parsed.year
        report.agency = parsed.agency
        report.region_code = parsed.region_code
        report.level = parsed.level
        report.title = parsed.title
        report.published_at = _iso_date(parsed.published_at)
        report.source_url = report.source_url or parsed.source_url
        report.figure_count = len(parsed.figures)
        report.finding_count = len(parsed.findings)
        report.updated_at = utcnow()
        session.add(report)
        _write_children(session, [(report.id, parsed)])
        rollup.refresh(session, before, [report.id])
        session.commit()
        return report


def report_ids(engine: Engine, *, outdated_only: bool = False) -> list[int]:
    """Every report id, or those a parser other than the current one produced."""
    from app.parsing import PARSER_VERSION

    stmt = select(Report.id).order_by(Report.id)
    if outdated_only:
        stmt = stmt.where(Report.parser_version != PARSER_VERSION)
    with Session(engine) as session:
        return list(session.exec(stmt))


def ingest_fetched(engine: Engine, fetched, *, budget: float | None = DEFAULT_SECONDS) -> IngestResult:
    """Store a document fetched by URL (app.services.fetch.Fetched): the final URL as its
    source, with when it was fetched and the server's ETag and Last-Modified; a file followed
    from a page that linked to it keeps the page as the report's source and its own URL as
    the attachment's."""
    source_url = fetched.page_url or fetched.url
    fields = {"fetched_at": fetched.fetched_at, "etag": fetched.etag, "last_modified": fetched.last_modified}
    if fetched.page_url:
        fields["attachment_url"] = fetched.url
    return ingest(engine, fetched.content, fetched.content_type, source_url, budget=budget, document_fields=fields)
