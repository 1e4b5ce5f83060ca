"""The ingest service on a real database: dedupe by sha256, one transaction."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from app.db import make_engine
from app.models import Body, Document, DocumentParse, FigureRow, FindingRow, Report, ReportText
from app.parsing import Figure, ParsedReport, Source, parse_document
from app.services.ingest import ingest, store
from conftest import CORPUS, SEED, expected_for, other_body


@pytest.fixture
def engine(database_url):
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def counts(engine) -> dict[str, int]:
    with Session(engine) as s:
        return {t.__tablename__: s.exec(select(func.count()).select_from(t)).one()
                for t in (Document, Report, ReportText, FigureRow, FindingRow, DocumentParse, Body)}


def test_ingest_stores_document_report_and_figures(engine):
    data = (CORPUS / SEED).read_bytes()
    result = ingest(engine, data, "text/plain", "http://example.gov.cn/r.html")
    assert result.created
    exp = expected_for(SEED)
    with Session(engine) as s:
        doc = s.get(Document, result.report.document_id)
        assert doc.content == data and doc.size == len(data) and len(doc.sha256) == 64
        assert doc.source_url == "http://example.gov.cn/r.html"
        rows = s.exec(select(FigureRow).where(FigureRow.report_id == result.report.id)).all()
        assert {r.key: r.value for r in rows} == exp["figures"]
        assert s.get(ReportText, result.report.id).original == data.decode("utf-8")
    assert result.report.figure_count == len(exp["figures"])


def test_same_bytes_return_the_stored_report(engine):
    data = (CORPUS / SEED).read_bytes()
    first = ingest(engine, data, "text/plain")
    again = ingest(engine, data, None)
    assert not again.created and again.report.id == first.report.id
    # with the lookup skipped, the UNIQUE constraint decides: IntegrityError caught, the stored report returned
    raced = ingest(engine, data, "text/plain", lookup_first=False)
    assert not raced.created and raced.report.id == first.report.id
    assert counts(engine)["document"] == 1 and counts(engine)["report"] == 1


def test_concurrent_same_bytes_store_one_report(engine):
    data = (CORPUS / "ewenki-2020.simplified.txt").read_bytes()
    barrier = threading.Barrier(4)
    results, errors = [], []

    def worker():
        barrier.wait()
        try:
            results.append(ingest(engine, data, "text/plain", lookup_first=False))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sum(r.created for r in results) == 1
    assert len({r.report.id for r in results}) == 1
    assert counts(engine)["report"] == 1


def test_a_failing_write_leaves_nothing_behind(engine):
    """Document, report, text and figures go in one transaction: a figure that cannot be
    stored (no unit) rolls the whole report back."""
    parsed = parse_document("2020年政府信息公开工作年度报告\n".encode(), "text/plain")
    parsed.figures = [Figure(key="media.accounts.total", value=3, unit="个", section="media"),
                      Figure(key="media.accounts.wechat", value=2, unit=None, section="media",  # type: ignore[arg-type]
                             source=Source(line=1, start=0, end=1, text="x"))]
    with pytest.raises(IntegrityError):
        store(engine, b"some bytes", parsed)
    assert set(counts(engine).values()) == {0}


def test_store_keeps_values_and_sources(engine):
    parsed = ParsedReport(parser_version="test", status="partial", template="2021", year=2024,
                          agency="某某县人民政府", region_code="320000", published_at="2025-01-20",
                          text="line one\n采购金额12.5万元", normalized_text="x",
                          figures=[Figure(key="active.fees.amount_wan", value=12.5, unit="万元", section="active",
                                          source=Source(line=2, start=4, end=8, text="采购金额12.5万元"),
                                          note="约", flags=("approximate", "converted"))])
    result = store(engine, b"bytes", parsed)
    with Session(engine) as s:
        row = s.exec(select(FigureRow)).one()
        assert (row.value, row.line, row.span_start, row.span_end, row.note, row.flags) == \
            (12.5, 2, 4, 8, "约", "approximate,converted")
        assert str(s.get(Report, result.report.id).published_at) == "2025-01-20"


def test_store_many_writes_a_batch_in_order_and_dedupes(engine):
    from app.services.ingest import store_many

    data = (CORPUS / SEED).read_bytes()
    parsed = parse_document(data, "text/plain")
    first = ingest(engine, data, "text/plain")  # stored before the batch
    # two other bodies' reports (the same parse under other names: one report per body and year)
    a, b = other_body(parsed, 1), other_body(parsed, 2)
    items = [(data + b"\nA\n", a), (data, parsed), (data + b"\nB\n", b), (data + b"\nA\n", a)]
    results = store_many(engine, items)
    assert [r.created for r in results] == [True, False, True, False]
    assert [r.submission for r in results] == ["new", "duplicate", "new", "duplicate"]
    assert results[1].report.id == first.report.id and results[3].report.id == results[0].report.id
    assert results[0].report.id < results[2].report.id
    assert results[0].report.change_seq < results[2].report.change_seq
    assert counts(engine)["report"] == 3
    with Session(engine) as s:
        for r in (results[0], results[2]):
            keys = s.exec(select(FigureRow.key).where(FigureRow.report_id == r.report.id).order_by(FigureRow.id)).all()
            assert keys == [f.key for f in parsed.figures]  # in the parse's order
            assert s.get(ReportText, r.report.id).original == parsed.text
            assert s.get(Report, r.report.id).deadline is not None


def test_copies_of_one_body_year_make_one_report(engine):
    """Stored one by one and in one batch, the same report's copies attach to one report."""
    from app.services.ingest import store_many

    data = (CORPUS / SEED).read_bytes()
    parsed = parse_document(data, "text/plain")
    first = ingest(engine, data, "text/plain")
    single = store(engine, data + b"\n\n", parsed)
    batch = store_many(engine, [(data + b"\nA\n", parsed), (data + b"\nB\n", parsed), (data + b"\nA\n", parsed)])
    assert first.submission == "new" and single.submission == "copy"
    assert [r.submission for r in batch] == ["copy", "copy", "duplicate"]
    assert {r.report.id for r in [single, *batch]} == {first.report.id}
    assert len({r.document_id for r in [first, single, *batch]}) == 4
    c = counts(engine)
    assert c["report"] == 1 and c["document"] == 4 and c["document_parse"] == 4 and c["body"] == 1
    with Session(engine) as s:
        report = s.get(Report, first.report.id)
        assert report.document_count == 4 and report.figure_count == len(parsed.figures)
        values = dict(s.exec(select(FigureRow.key, FigureRow.value).where(FigureRow.report_id == report.id)).all())
        assert values == {f.key: float(f.value) for f in parsed.figures}


def test_two_batches_of_one_new_body_year_race_to_one_report(engine):
    """Two writers with copies of a body-year nobody stored yet: one report with both."""
    data = (CORPUS / SEED).read_bytes()
    parsed = parse_document(data, "text/plain")
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda i: store(engine, data + f"\n{i}\n".encode(), parsed), range(4)))
    assert sorted(r.submission for r in results) == ["copy", "copy", "copy", "new"]
    assert len({r.report.id for r in results}) == 1
    c = counts(engine)
    assert c["report"] == 1 and c["document"] == 4 and c["document_parse"] == 4
