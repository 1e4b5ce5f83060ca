"""Neighbour evidence on every path (issue 14): POST /reports parses again with the same body's
other years, and a year arriving later settles its neighbours' run-together rows, over HTTP,
in folder imports and across the parse processes; on SQLite and PostgreSQL.

The synthetic pair tests/data/unseen/split-cross-year-2021-a (year t−1, read exactly) and -b
(year t, its 行政规范性文件 row run together: 11022, which the priors alone leave open);
the real series of the unlabelled corpus (平潭 金井片区管理局 2019, 2020: each a run-together
procurement count and amount that no cross-year identity covers)."""

from __future__ import annotations

import asyncio
import os
import subprocess
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, SQLModel, select

from app.db import make_engine
from app.main import create_app
from app.models import FigureRow, Report
from app.parsing import NeighbourYears, parse_document
from app.services.bulk import ingest_paths
from app.services.evidence import settle_neighbours, to_settle
from app.services.ingest import ingest
from app.services.neighbours import wants_neighbours
from app.services.parsepool import ParsePool
from conftest import AUTH, CORPUS, disclosure_command

UNSEEN = Path(__file__).resolve().parent / "data" / "unseen"
A, B = UNSEEN / "split-cross-year-2021-a.txt", UNSEEN / "split-cross-year-2021-b.txt"
KEYS = tuple(f"active.normative_docs.{k}" for k in ("issued", "repealed", "in_force"))
TEXT = {"Content-Type": "text/plain; charset=utf-8"}


def _post(client, path: Path) -> dict:
    r = client.post("/reports", content=path.read_bytes(), headers={**TEXT, **AUTH})
    assert r.status_code == 201, r.text
    return r.json()


def _docs(client, report_id: int) -> dict[str, tuple[float, list[str]]]:
    figures = client.get(f"/reports/{report_id}/figures", params={"prefix": "active.normative_docs."}).json()
    return {f["key"]: (f["value"], f["flags"]) for f in figures["figures"] if f["key"] in KEYS}


def _codes(client, report_id: int) -> set[str]:
    return {f["code"] for f in client.get(f"/reports/{report_id}/findings").json()["findings"]}


def _all_figures(client, report_id: int) -> dict:
    figures = client.get(f"/reports/{report_id}/figures").json()["figures"]
    return {f["key"]: (f["value"], tuple(f["flags"])) for f in figures}


def test_posting_t_then_its_previous_year_settles_t(client):
    b = _post(client, B)
    assert _docs(client, b["id"]) == {} and "ambiguous_split" in _codes(client, b["id"])
    cursor = client.get("/changes").json()["cursor"]
    a = _post(client, A)  # the background task has run when the client returns
    got = _docs(client, b["id"])
    assert [got[k][0] for k in KEYS] == [1, 10, 22]
    assert all("inferred" in got[k][1] for k in KEYS)
    assert "ambiguous_split" not in _codes(client, b["id"]) and "inferred_split" in _codes(client, b["id"])
    changed = {c["id"]: c["change"] for c in client.get("/changes", params={"since": cursor}).json()["data"]}
    assert changed.get(b["id"]) == "updated" and a["id"] in changed


def test_posting_the_previous_year_first_reads_t_with_it(client):
    _post(client, A)
    b = _post(client, B)  # parsed again with year t−1 before it is stored
    got = _docs(client, b["id"])
    assert [got[k][0] for k in KEYS] == [1, 10, 22] and all("inferred" in got[k][1] for k in KEYS)


def test_a_reparse_that_changes_figures_settles_its_neighbour(client, database_url):
    """A report parsed again (a newer parser reading it better) settles the run-together row of
    its next year: here year t−1 as an older parser had stored it, its 行政规范性文件 figures
    missing, so that year t's row stayed open; reparsing t−1 reads them, and year t is
    settled after the answer."""
    a, b = _post(client, A), _post(client, B)
    assert [_docs(client, b["id"])[k][0] for k in KEYS] == [1, 10, 22]
    engine = make_engine(database_url)
    try:
        with Session(engine) as s:  # year t−1 as a parser that missed its row had stored it
            for row in s.exec(select(FigureRow).where(FigureRow.report_id == a["id"], FigureRow.key.in_(KEYS))):
                s.delete(row)
            s.commit()
    finally:
        engine.dispose()
    r = client.post(f"/reports/{b['id']}/reparse", headers=AUTH)
    assert r.status_code == 200, r.text
    assert _docs(client, b["id"]) == {} and "ambiguous_split" in _codes(client, b["id"])
    r = client.post(f"/reports/{a['id']}/reparse", headers=AUTH)  # reads t−1's row again
    assert r.status_code == 200, r.text
    got = _docs(client, b["id"])
    assert [got[k][0] for k in KEYS] == [1, 10, 22] and all("inferred" in got[k][1] for k in KEYS)


def _empty(url: str) -> None:
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            for table in reversed(SQLModel.metadata.sorted_tables):
                conn.execute(table.delete())
    finally:
        engine.dispose()


def test_either_order_ends_with_the_same_figures(settings):
    ends = []
    for order in ((B, A), (A, B)):
        _empty(settings.db_url)
        with TestClient(create_app(settings)) as client:  # a fresh app: no view cached from the other order
            ids = {path: _post(client, path)["id"] for path in order}
            ends.append((_all_figures(client, ids[A]), _all_figures(client, ids[B]), _codes(client, ids[B])))
    assert ends[0] == ends[1]
    assert all("inferred" in ends[0][1][k][1] for k in KEYS)


@pytest.fixture
def engine(database_url):
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def _import(engine, *paths: Path, batch: int = 32):
    return [o for _, o in ingest_paths(engine, paths, lambda _: TEXT["Content-Type"], batch=batch, processes=0)]


def _stored_docs(engine, report_id: int) -> list[float]:
    with Session(engine) as s:
        rows = {r.key: r for r in s.exec(select(FigureRow).where(FigureRow.report_id == report_id,
                                                                 FigureRow.key.in_(KEYS)))}
    assert all("inferred" in rows[k].flags.split(",") for k in rows)
    return [rows[k].value for k in KEYS if k in rows]


@pytest.mark.parametrize("batches", [[[B], [A]], [[A], [B]], [[B, A]], [[A, B]]],
                         ids=["t-then-previous", "previous-then-t", "one-batch-t-first", "one-batch-previous-first"])
def test_folder_import_settles_once_a_batch_in_any_order(engine, batches):
    outcomes = [o for paths in batches for o in _import(engine, *paths)]
    b = next(o.report.id for o, p in zip(outcomes, [p for ps in batches for p in ps]) if p == B)
    assert _stored_docs(engine, b) == [1, 10, 22]
    assert to_settle(engine, outcomes, own=True) == [b]  # still wants evidence (an inferred row) …
    assert settle_neighbours(engine, outcomes, own=True) == []  # … but reading it again changes nothing


def test_a_neighbour_that_settles_nothing_rewrites_nothing(engine):
    """Real reports: 金井 2019 and 2020 each leave a run-together procurement count and amount
    out, which no cross-year identity covers: each wants the other's evidence, reading it
    again with it changes nothing, so nothing is rewritten (/changes stays quiet)."""
    first, second = (ingest(engine, (CORPUS / "unlabelled" / f"pingtan-jinjing-{y}.txt").read_bytes(),
                            TEXT["Content-Type"]) for y in (2019, 2020))
    assert to_settle(engine, [second], own=True) == sorted([first.report.id, second.report.id])
    with Session(engine) as s:
        seqs = {r.id: r.change_seq for r in s.exec(select(Report))}
    assert settle_neighbours(engine, [second], own=True) == []
    with Session(engine) as s:
        assert {r.id: r.change_seq for r in s.exec(select(Report))} == seqs


def test_ingest_then_settle_neighbours_after_the_commit(engine):
    b = ingest(engine, B.read_bytes(), TEXT["Content-Type"])
    assert to_settle(engine, [b]) == []  # no neighbour stored
    a = ingest(engine, A.read_bytes(), TEXT["Content-Type"])
    assert to_settle(engine, [a]) == [b.report.id]
    assert settle_neighbours(engine, [a]) == [b.report.id]
    assert _stored_docs(engine, b.report.id) == [1, 10, 22]
    dup = ingest(engine, A.read_bytes(), TEXT["Content-Type"])
    assert dup.submission == "duplicate" and to_settle(engine, [dup, ValueError("an error")]) == []


def test_the_context_crosses_into_a_parse_process():
    async def run():
        pool = ParsePool(1)
        try:
            data = B.read_bytes()
            alone = await pool.parse(data, TEXT["Content-Type"])
            assert wants_neighbours(f.code for f in alone.findings)
            assert not any(f.key in KEYS for f in alone.figures)
            previous = parse_document(A.read_bytes(), TEXT["Content-Type"]).figure_map()
            read = await pool.parse(data, TEXT["Content-Type"], context=NeighbourYears(previous=previous))
            assert pool.pids()  # read in the process, not in a thread
            got = {f.key: f for f in read.figures if f.key in KEYS}
            assert [got[k].value for k in KEYS] == [1, 10, 22] and all("inferred" in got[k].flags for k in KEYS)
        finally:
            pool.close()

    asyncio.run(run())


def test_the_rule_is_the_findings():
    assert wants_neighbours(["ambiguous_split"]) and wants_neighbours(["x", "inferred_split"])
    assert not wants_neighbours(["row_sum_mismatch"]) and not wants_neighbours([])


def test_disclosure_ingest_settles_an_earlier_year_in_a_later_run(tmp_path, engine, database_url):
    """The command as an operator runs it: year t one day, t−1 the next."""
    env = {**os.environ, "DATABASE_URL": database_url, "DISCLOSURE_API_KEYS": ""}
    for path in (B, A):
        proc = subprocess.run([*disclosure_command(), "ingest", str(path)], capture_output=True, text=True,
                              env=env, timeout=120)
        assert proc.returncode == 0, proc.stderr
    with Session(engine) as s:
        b = s.exec(select(Report).where(Report.year == parse_document(B.read_bytes(), TEXT["Content-Type"]).year)).one()
    assert _stored_docs(engine, b.id) == [1, 10, 22]


def test_disclosure_reparse_settles_the_neighbours_of_what_it_reparsed(engine, database_url):
    """`disclosure reparse` (a newer parser over the stored reports): year t−1 stored as a
    parser that missed its 行政规范性文件 row had, year t left open; reparsing t−1 settles t."""
    a, b = (o.report.id for o in _import(engine, A, B))
    with Session(engine) as s:
        for row in s.exec(select(FigureRow).where(FigureRow.report_id == a, FigureRow.key.in_(KEYS))):
            s.delete(row)
        s.commit()
    env = {**os.environ, "DATABASE_URL": database_url, "DISCLOSURE_API_KEYS": ""}
    for rid in (b, a):  # t read again without t−1's row: open; then t−1 read again
        proc = subprocess.run([*disclosure_command(), "reparse", str(rid)], capture_output=True, text=True,
                              env=env, timeout=120)
        assert proc.returncode == 0, proc.stderr
        if rid == b:
            assert _stored_docs(engine, b) == []
    assert _stored_docs(engine, b) == [1, 10, 22]
