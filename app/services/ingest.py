"""Ingest: bytes in, a stored report out — deduplicated by the document's sha256, and one
report per body and year.

The UNIQUE constraint on document.sha256 decides duplicates: the lookup before parsing only
saves the parse, and two requests with the same bytes racing past it both parse, one insert
wins and the other catches the IntegrityError and returns the winner's report (`duplicate`).

A document whose parse names its body (agency and region code) and year joins that body's
report of that year: the first makes it (`new`), the others attach to it as documents
(`copy`, or `revision` when the text says it revises an earlier edition) and the report's
figures are reconciled from all of its documents' parses (app/parsing/reconcile.py). A
document without body or year stands alone as its own report. Two writers of the same body
serialise on a lock (PostgreSQL: a transaction advisory lock on the body; SQLite: its one
writer), and the unique indexes on body and (body, year) catch the rest: the loser retries.
The document, its parse, the report, its text, figures and findings are written in one
transaction.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from sqlalchemy import Engine, text as sql_text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from app.models import Body, Document, DocumentParse, FigureRow, Report, utcnow
from app.parsing import NeighbourYears, ParsedReport
from app.parsing.reconcile import is_revision
from app.parsing.budget import DEFAULT_SECONDS
from app.parsing.decode import DOCX_TYPE, PDF_TYPE
from app.services import faults, quality, rollup
from app.services.corrections import apply_corrections
from app.services.convert import LEGACY_MEDIA_TYPE, parse_upload
from app.services.neighbours import context_for, wants_neighbours
from app.services.reconciling import clear_children, copies_of, iso_date, parse_row, reconcile_into
from app.services.report_rows import Children, new_children, write_children


Submission = str  # new | copy | revision | duplicate
Parse = Callable[[bytes, str | None, NeighbourYears | None], ParsedReport]  # ParsePool.parse_blocking's shape


@dataclass(slots=True)
class IngestResult:
    report: Report
    created: bool  # a new report (submission "new")
    submission: Submission = "new"
    document_id: int | None = None
    parse_status: str | None = None  # the document's own parse (None: a duplicate, not parsed again)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def find_report_by_sha256(session: Session, digest: str) -> Report | None:
    """The report the document with these bytes belongs to (its main document or another)."""
    stmt = (select(Report).join(DocumentParse, DocumentParse.report_id == Report.id)
            .join(Document, DocumentParse.document_id == Document.id).where(Document.sha256 == digest))
    return session.exec(stmt).first()


def new_rows(parsed: ParsedReport, data: bytes, digest: str, source_url: str | None,
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
        published_at=iso_date(parsed.published_at), source_url=source_url, attachment_url=attachment_url,
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
    if wants_neighbours(f.code for f in parsed.findings):  # the body's other years may settle it
        context = context_for(engine, parsed)
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
        document_id = _document_id(session, digest)
    return None if existing is None else IngestResult(existing, created=False, submission="duplicate",
                                                      document_id=document_id)


def stored_digests(engine: Engine, digests: list[str]) -> set[str]:
    """Which of these sha256 digests are stored already (one query)."""
    if not digests:
        return set()
    with Session(engine) as session:
        return set(session.exec(select(Document.sha256).where(Document.sha256.in_(set(digests)))))


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


# ----- bodies: which report a document joins


def body_key(parsed: ParsedReport) -> tuple[str, str, int] | None:
    """(name, region code, year) of the body-year a parse belongs to; None when it names no
    body or year (a failed parse, an unknown region): the document then stands alone."""
    if parsed.agency and parsed.region_code and parsed.year is not None:
        return parsed.agency, parsed.region_code, parsed.year
    return None


_BODY_LOCK_CLASS = 1302  # pg_advisory_xact_lock(class, hash): the class of body locks


def lock_bodies(session: Session, keys) -> None:
    """PostgreSQL: this transaction's advisory lock on each body, in one sorted order (two
    writers of the same body wait for each other; SQLite has one writer anyway)."""
    conn = session.connection()
    if conn.dialect.name != "postgresql":
        return
    for name, region in sorted({(k[0], k[1]) for k in keys}):
        conn.execute(sql_text("SELECT pg_advisory_xact_lock(:c, hashtext(:k))"),
                     {"c": _BODY_LOCK_CLASS, "k": f"{region}|{name}"})


def body_of(session: Session, name: str, region_code: str, level: str | None) -> Body:
    body = session.exec(select(Body).where(Body.name == name, Body.region_code == region_code)).first()
    if body is None:
        body = Body(name=name, region_code=region_code, level=level)
        session.add(body)
        session.flush()
    elif body.level is None and level:
        body.level = level
        session.add(body)
    return body


@dataclass(slots=True)
class Written:
    children: list[Children]
    new_reports: list[int]
    before: dict = field(default_factory=dict)  # rollup cells of changed reports, before the change
    changed: set = field(default_factory=set)  # reports stored before whose figures were rewritten


def attach(session: Session, document: Document, report: Report, parsed: ParsedReport,
            written: Written) -> IngestResult:
    """Store one new document (flushed: it has its id) and its parse: a report of its own,
    or a document of its body-year's report, reconciled again."""
    key = body_key(parsed)
    existing = None
    if key is not None:
        body = body_of(session, key[0], key[1], parsed.level)
        report.body_id = body.id
        existing = session.exec(select(Report).where(Report.body_id == body.id, Report.year == key[2])).first()
    if existing is None:
        report.document_id = document.id
        session.add(report)
        session.flush()
        session.add(parse_row(document.id, report.id, parsed, main=True))
        written.children.append(new_children(report.id, document.id, parsed))
        written.new_reports.append(report.id)
        return IngestResult(report, created=True, submission="new", document_id=document.id,
                            parse_status=parsed.status)
    # a document of a report stored before (or earlier in this batch)
    session.flush()
    _flush_children(session, written)  # the children of this batch so far: read below
    submission = "revision" if is_revision(parsed) else "copy"
    if submission == "copy" and _agrees(session, existing, parsed):
        # the usual copy (another encoding, script, layout): the same figures as the report's
        # already; reconciling again would give them back, so only the document is added
        session.add(parse_row(document.id, existing.id, parsed, main=False))
        existing.document_count += 1
        session.add(existing)
        session.flush()
        return IngestResult(existing, created=False, submission=submission, document_id=document.id,
                            parse_status=parsed.status)
    if existing.id not in written.new_reports and existing.id not in written.changed:
        written.before.update(rollup.cells_of(session, [existing.id]))
        written.changed.add(existing.id)
    session.add(parse_row(document.id, existing.id, parsed, main=False))
    session.flush()
    copies = copies_of(session, existing, {document.id: parsed})
    clear_children(session, existing.id)
    children = reconcile_into(session, existing, copies, {document.id: parsed})
    session.add(existing)
    session.flush()
    written.children.append(children)
    return IngestResult(existing, created=False, submission=submission, document_id=document.id,
                        parse_status=parsed.status)


def _agrees(session: Session, report: Report, parsed: ParsedReport) -> bool:
    """Whether the parse has the report's status and exactly its figures (keys and values), so
    that reconciling it in would change nothing but which copy a figure is said to come from."""
    if parsed.status != report.status or len(parsed.figures) != report.figure_count:
        return False
    stored = dict(session.exec(select(FigureRow.key, FigureRow.value).where(FigureRow.report_id == report.id)).all())
    return stored == {f.key: float(f.value) for f in parsed.figures}


def _flush_children(session: Session, written: Written) -> None:
    write_children(session, written.children)
    written.children.clear()


def finish(session: Session, written: Written) -> None:
    _flush_children(session, written)
    apply_corrections(session, [*written.new_reports, *sorted(written.changed)])  # before the rollup reads them
    rollup.add_reports(session, written.new_reports)  # /stats's rollup, in this transaction
    if written.changed:
        rollup.refresh(session, written.before, written.changed)
    # the check verdicts of the reports written and of their neighbours (app/services/quality.py)
    quality.refresh_checks(session, [session.get(Report, i) for i in written.new_reports], inserted=True)
    if written.changed:
        quality.refresh_checks(session, [session.get(Report, i) for i in sorted(written.changed)])
        faults.pause("reconcile")  # tests kill the process here (app/services/faults.py)


_RETRIES = 3


def store(engine: Engine, data: bytes, parsed: ParsedReport, source_url: str | None = None,
          *, digest: str | None = None, document_fields: dict | None = None) -> IngestResult:
    """Write the document and its parse in one transaction: a new report, or a document of
    its body-year's report (reconciled again). If these bytes are stored already (the UNIQUE
    constraint says so), roll back and return the stored report (`duplicate`); a lost race
    on a body or body-year is tried again."""
    digest = digest or sha256_hex(data)
    parsed = storable(parsed)
    for attempt in range(_RETRIES):
        document, report = new_rows(parsed, data, digest, source_url, document_fields)
        with Session(engine, expire_on_commit=False) as session:
            try:
                session.add(document)
                session.flush()
                key = body_key(parsed)
                if key is not None:
                    lock_bodies(session, [key])
                written = Written([], [])
                result = attach(session, document, report, parsed, written)
                finish(session, written)
                session.commit()
                return result
            except IntegrityError:
                session.rollback()
                existing = find_report_by_sha256(session, digest)
                if existing is not None:
                    return IngestResult(existing, created=False, submission="duplicate",
                                        document_id=_document_id(session, digest))
                if attempt == _RETRIES - 1:
                    raise
    raise AssertionError("unreachable")


def _document_id(session: Session, digest: str) -> int | None:
    return session.exec(select(Document.id).where(Document.sha256 == digest)).first()


def store_many(engine: Engine, items: list[tuple]) -> list[IngestResult]:
    """Write several documents and their parses in one transaction (bulk loads, grouped
    commits). An item is (bytes, parse) or (bytes, parse, source_url, document_fields).
    Bytes stored already (or twice in `items`) answer the stored report (`duplicate`), as
    `store` does; documents of the same body-year, in the batch or stored before, make one
    report. If a concurrent writer stores one of them meanwhile, the batch is rolled back and
    each item stored on its own. Results in the order of `items`."""
    items = [(i[0], i[1], i[2] if len(i) > 2 else None, i[3] if len(i) > 3 else None) for i in items]
    digests = [sha256_hex(data) for data, *_ in items]
    with Session(engine, expire_on_commit=False) as session:
        stored = set(session.exec(select(Document.sha256).where(Document.sha256.in_(set(digests)))))
        fresh: dict[str, tuple[Document, Report, ParsedReport]] = {}
        for (data, parsed, source_url, fields), digest in zip(items, digests):
            if digest not in stored and digest not in fresh:
                parsed = storable(parsed)
                fresh[digest] = (*new_rows(parsed, data, digest, source_url or parsed.source_url, fields), parsed)
        results: dict[str, IngestResult] = {}
        try:
            session.add_all(doc for doc, _, _ in fresh.values())
            session.flush()
            lock_bodies(session, [k for _, _, p in fresh.values() if (k := body_key(p)) is not None])
            written = Written([], [])
            for digest, (doc, report, parsed) in fresh.items():
                results[digest] = attach(session, doc, report, parsed, written)
            finish(session, written)
            session.commit()
        except IntegrityError:
            session.rollback()
            return [store(engine, data, parsed, source_url or parsed.source_url, digest=digest, document_fields=fields)
                    for (data, parsed, source_url, fields), digest in zip(items, digests)]
        out, given = [], set()
        for digest in digests:
            if digest in results and digest not in given:
                given.add(digest)
                out.append(results[digest])
            else:
                existing = results[digest].report if digest in results else find_report_by_sha256(session, digest)
                assert existing is not None
                out.append(IngestResult(existing, created=False, submission="duplicate",
                                        document_id=_document_id(session, digest)))
        return out


def document_content_type(document: Document) -> str:
    """The content type to read stored bytes with again: what they were decoded as."""
    if document.media_type in (PDF_TYPE, DOCX_TYPE, LEGACY_MEDIA_TYPE):
        return document.media_type
    media = "text/html" if document.media_type == "text/html" else "text/plain"
    return f"{media}; charset={document.encoding}" if document.encoding else media


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
