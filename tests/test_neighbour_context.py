"""The same body's other years as evidence for a run-together row, store side: ingest and
reparse hand the parser the stored figures of years t−1 and t+1 (app/services/neighbours.py),
on a real SQLite file and PostgreSQL. The synthetic pair split-cross-year-2021-a (year t−1,
read exactly) and -b (year t, its 行政规范性文件 row run together, 11022)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session, select

from app.db import make_engine
from app.models import FigureRow, Report
from app.services.ingest import ingest
from app.services.reparse import reparse
from app.services.neighbours import neighbour_context

UNSEEN = Path(__file__).resolve().parent / "data" / "unseen"
KEYS = tuple(f"active.normative_docs.{k}" for k in ("issued", "repealed", "in_force"))


def _docs(engine, report_id: int) -> dict[str, tuple[float, str]]:
    with Session(engine) as s:
        rows = s.exec(select(FigureRow).where(FigureRow.report_id == report_id, FigureRow.key.in_(KEYS)))
        return {r.key: (r.value, r.flags) for r in rows}


@pytest.fixture
def engine(database_url) -> Iterator:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def _ingest(engine, name: str):
    return ingest(engine, (UNSEEN / name).read_bytes(), "text/plain; charset=utf-8").report


def test_a_report_ingested_after_its_previous_year_is_read_with_it(engine):
    a = _ingest(engine, "split-cross-year-2021-a.txt")
    b = _ingest(engine, "split-cross-year-2021-b.txt")
    got = _docs(engine, b.id)
    assert [got[k][0] for k in KEYS] == [1, 10, 22]
    assert all("inferred" in got[k][1] for k in KEYS)
    with Session(engine) as s:
        context = neighbour_context(s, s.get(Report, b.id))
        assert context is not None and context.next is None
        assert context.previous["active.normative_docs.in_force"] == 31
        following = neighbour_context(s, s.get(Report, a.id)).next
        assert "active.permit.decisions" in following
        assert not set(KEYS) & set(following)  # b's inferred row is no evidence for a


def test_reparse_reads_an_earlier_report_again_with_the_year_stored_since(engine):
    b = _ingest(engine, "split-cross-year-2021-b.txt")
    assert _docs(engine, b.id) == {}  # alone: ambiguous, left out
    _ingest(engine, "split-cross-year-2021-a.txt")
    reparse(engine, b.id)
    assert [v for v, _ in (_docs(engine, b.id)[k] for k in KEYS)] == [1, 10, 22]


def test_inferred_figures_of_a_neighbour_are_no_evidence(engine):
    b = _ingest(engine, "split-cross-year-2021-b.txt")
    with Session(engine) as s:
        a = s.get(Report, _ingest(engine, "split-cross-year-2021-a.txt").id)
        for row in s.exec(select(FigureRow).where(FigureRow.report_id == a.id, FigureRow.key.in_(KEYS))):
            row.flags = "inferred"
            s.add(row)
        s.commit()
    reparse(engine, b.id)
    assert _docs(engine, b.id) == {}
