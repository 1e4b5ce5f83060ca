"""Concurrency and crashes, over real `disclosure serve` processes on loopback:

- 50 concurrent posts of the same bytes: one document, one report (the UNIQUE constraint on
  document.sha256 decides; every loser answers 200 with the winner's report);
- two server processes on one database, 500 mixed concurrent ingests and reads: every
  report stored exactly once, none lost, no 5xx;
- a server killed with SIGKILL while ingesting: no half-written report (every stored report
  has its text, all its figures and findings), and everything can be sent again.

Bounded: a few hundred requests from 16-24 client threads; marked `stress`.
"""

from __future__ import annotations

import hashlib
import random
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from app.db import make_engine
from app.models import Document, DocumentParse, FigureRow, FindingRow, Report, ReportText
from conftest import AUTH, CORPUS, SEED
from servers import Server

pytestmark = pytest.mark.stress

SEED_TEXT = (CORPUS / SEED).read_text(encoding="utf-8")
TEXT = {"Content-Type": "text/plain; charset=utf-8", **AUTH}


# 90 departments of the seed's county the metadata reader tells apart: one report a body and
# year, so that distinct reports need distinct bodies
_ROOTS = ("教育 交通運輸 衛生健康 自然資源 生態環境 住房和城鄉建設 水利 農牧 商務 文化旅遊 民政 司法 財政 "
          "人力資源和社會保障 應急管理 市場監督管理 統計 醫療保障 林業和草原 審計 體育 退役軍人事務 科技 "
          "工業和信息化 公安 能源 氣象 地震 信訪 民族事務").split()
BODIES = tuple(f"鄂溫克旗{root}{kind}" for kind in ("局", "委員會", "辦公室") for root in _ROOTS)


def variant(n: int) -> bytes:
    """The seed as the report of body n (of BODIES, in turn) with a numbered note appended:
    distinct bytes, the same figures, another body's report for each n of a run of up to 90."""
    text = SEED_TEXT.replace("鄂溫克旗人民政府", BODIES[n % len(BODIES)])
    return (text + f"\n附注：本报告副本编号 {n}。\n").encode()


def integrity(database_url: str) -> dict:
    """Counts, and every report whole: its document, its text, as many figure and finding
    rows as it says it has. (Several statements: call it with no server writing.)"""
    engine = make_engine(database_url)
    try:
        with Session(engine) as s:
            reports = s.exec(select(Report)).all()
            figures = dict(s.exec(select(FigureRow.report_id, func.count()).group_by(FigureRow.report_id)).all())
            findings = dict(s.exec(select(FindingRow.report_id, func.count()).group_by(FindingRow.report_id)).all())
            texts = set(s.exec(select(ReportText.report_id)).all())
            documents = dict(s.exec(select(Document.id, Document.sha256)).all())
            parses = dict(s.exec(select(DocumentParse.document_id, DocumentParse.report_id)).all())
            counts = Counter(parses.values())
        for r in reports:
            assert r.document_id in documents, f"report {r.id} without its document"
            assert r.id in texts, f"report {r.id} without its text"
            assert figures.get(r.id, 0) == r.figure_count, f"report {r.id}: figures {figures.get(r.id, 0)} of {r.figure_count}"
            assert findings.get(r.id, 0) == r.finding_count, f"report {r.id}: findings missing"
            assert counts[r.id] == r.document_count, f"report {r.id}: {counts[r.id]} documents of {r.document_count}"
        assert set(parses) == set(documents), "a document without its parse and report"
        assert set(parses.values()) == {r.id for r in reports}
        assert len(set(documents.values())) == len(documents)
        return {"reports": len(reports), "shas": set(documents.values())}
    finally:
        engine.dispose()


def report_count(database_url: str) -> int:
    engine = make_engine(database_url)
    try:
        with Session(engine) as s:
            return s.exec(select(func.count()).select_from(Report)).one()
    finally:
        engine.dispose()


def test_50_concurrent_posts_of_the_same_bytes_store_one_report(database_url, tmp_path):
    data = variant(0)
    barrier = threading.Barrier(50)

    def post(_):
        with httpx.Client(base_url=server.base, timeout=60) as http:
            barrier.wait()
            return http.post("/reports", content=data, headers=TEXT)

    with Server(database_url, tmp_path / "server.log") as server:
        with ThreadPoolExecutor(50) as pool:
            answers = list(pool.map(post, range(50)))
    statuses = Counter(r.status_code for r in answers)
    assert statuses == {201: 1, 200: 49}, statuses
    assert len({r.json()["id"] for r in answers}) == 1
    assert {r.headers["location"] for r in answers} == {f"/reports/{answers[0].json()['id']}"}
    state = integrity(database_url)
    assert state["reports"] == 1 and state["shas"] == {hashlib.sha256(data).hexdigest()}


def test_two_servers_500_mixed_requests_store_every_report_once(database_url, tmp_path):
    rng = random.Random(5)
    distinct = len(BODIES)
    bodies = [variant(n) for n in range(1, distinct + 1)]
    # 500 operations: every body once, 100 of them again (on either server), the rest reads
    ops = [("post", n) for n in range(distinct)] + [("post", rng.randrange(distinct)) for _ in range(100)]
    ops += [("read", rng.randrange(4)) for _ in range(500 - len(ops))]
    rng.shuffle(ops)
    assert len(ops) == 500

    with Server(database_url, tmp_path / "a.log") as a, Server(database_url, tmp_path / "b.log") as b:
        clients = [httpx.Client(base_url=s.base, timeout=120) for s in (a, b)]
        ids: dict[int, set[int]] = {}
        lock = threading.Lock()

        def run(i_op):
            i, (kind, arg) = i_op
            http = clients[i % 2]
            if kind == "post":
                r = http.post("/reports", content=bodies[arg], headers=TEXT)
                assert r.status_code in (200, 201), r.text
                with lock:
                    ids.setdefault(arg, set()).add(r.json()["id"])
                return r.status_code
            if arg == 0:
                r = http.get("/reports", params={"limit": 20})
            elif arg == 1:
                r = http.get("/reports/1/figures")
            elif arg == 2:
                r = http.get("/reports/1/applications")
            else:
                r = http.get("/healthz")
            assert r.status_code in (200, 404), r.text  # 404: report 1 not stored yet
            return r.status_code

        started = time.monotonic()
        try:
            with ThreadPoolExecutor(24) as pool:
                statuses = Counter(pool.map(run, enumerate(ops)))
        finally:
            for c in clients:
                c.close()
        elapsed = time.monotonic() - started
    assert statuses[201] == distinct, statuses
    assert all(len(v) == 1 for v in ids.values()), "one body got two reports"
    assert len({next(iter(v)) for v in ids.values()}) == distinct
    state = integrity(database_url)
    assert state["reports"] == distinct
    assert state["shas"] == {hashlib.sha256(b).hexdigest() for b in bodies}
    print(f"500 mixed requests on two servers: {elapsed:.1f} s")


def test_two_servers_posting_copies_of_one_body_year_at_once_make_one_report(database_url, tmp_path):
    """24 different documents of the same body and year (the seed with numbered notes), posted
    at once to two server processes: one report of 24 documents (the body-year lock holds
    across processes), one 201 and 23 copies, counted once by /stats."""
    copies = [(SEED_TEXT + f"\n附注：本报告副本编号 {n}。\n").encode() for n in range(24)]
    barrier = threading.Barrier(len(copies))
    with Server(database_url, tmp_path / "a.log") as a, Server(database_url, tmp_path / "b.log") as b:
        def post(i):
            with httpx.Client(base_url=(a, b)[i % 2].base, timeout=120) as http:
                barrier.wait()
                return http.post("/reports", content=copies[i], headers=TEXT)

        with ThreadPoolExecutor(len(copies)) as pool:
            answers = list(pool.map(post, range(len(copies))))
        assert Counter(r.status_code for r in answers) == {201: 1, 200: len(copies) - 1}, [r.text for r in answers]
        assert Counter(r.json()["submission"] for r in answers) == {"new": 1, "copy": len(copies) - 1}
        (rid,) = {r.json()["id"] for r in answers}
        with httpx.Client(base_url=a.base, timeout=60) as http:
            report = http.get(f"/reports/{rid}").json()
            assert report["document_count"] == len(copies)
            assert len(http.get(f"/reports/{rid}/documents").json()["documents"]) == len(copies)
            stats = http.get("/stats", params={"key": "applications.new_received.total"}).json()["stats"]
            assert [row["count"] for row in stats] == [1]
    assert report_count(database_url) == 1


def test_sigkill_while_ingesting_leaves_no_half_written_report(database_url, tmp_path):
    bodies = [variant(1000 + n) for n in range(80)]
    stop = threading.Event()
    sent: list[int] = []

    server = Server(database_url, tmp_path / "killed.log")

    def stream(worker: int):
        with httpx.Client(base_url=server.base, timeout=30) as http:
            for n in range(worker, len(bodies), 8):
                if stop.is_set():
                    return
                sent.append(n)
                try:
                    http.post("/reports", content=bodies[n], headers=TEXT)
                except httpx.HTTPError:  # the server died under us
                    return

    threads = [threading.Thread(target=stream, args=(w,)) for w in range(8)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 30
    while report_count(database_url) < 10 and time.monotonic() < deadline:
        time.sleep(0.05)
    server.kill()  # SIGKILL mid-stream: transactions in flight die with it
    stop.set()
    for t in threads:
        t.join(30)
    server.stop()
    before = integrity(database_url)  # every stored report whole
    assert 10 <= before["reports"] < len(bodies), before["reports"]
    assert len(sent) > before["reports"]  # some posts were in flight or unsent when it died

    # a new server on the same database takes everything again: stored ones 200, the rest 201
    with Server(database_url, tmp_path / "after.log") as again:
        with httpx.Client(base_url=again.base, timeout=60) as http, ThreadPoolExecutor(8) as pool:
            statuses = Counter(pool.map(lambda b: http.post("/reports", content=b, headers=TEXT).status_code, bodies))
    assert statuses == {200: before["reports"], 201: len(bodies) - before["reports"]}, statuses
    after = integrity(database_url)
    assert after["reports"] == len(bodies)
    assert before["shas"] <= after["shas"]


def _snapshot(http: httpx.Client, rid: int) -> dict:
    """What a reader sees of the report: itself, its figures, findings, documents, its count in
    /stats, and the change feed."""
    report = http.get(f"/reports/{rid}").json()
    return {"report": {k: report[k] for k in ("document_count", "figure_count", "finding_count", "change_seq",
                                              "status")},
            "figures": http.get(f"/reports/{rid}/figures").json()["figures"],
            "findings": http.get(f"/reports/{rid}/findings").json()["findings"],
            "documents": [d["id"] for d in http.get(f"/reports/{rid}/documents").json()["documents"]],
            "stats": http.get("/stats", params={"key": "active.permit.decisions"}).json()["stats"],
            "changes": http.get("/changes").json()["data"]}


def _killed_at(point: str, database_url: str, tmp_path, request) -> None:
    """A server that pauses `request` (a function of an httpx client) at the pause point
    `point` inside its transaction, SIGKILLed there."""
    marker = tmp_path / f"{point}.reached"
    server = Server(database_url, tmp_path / f"{point}.log", env={"DISCLOSURE_TEST_PAUSE": f"{point}:{marker}"})
    try:
        def send():
            with httpx.Client(base_url=server.base, timeout=90) as http:
                try:
                    request(http)
                except httpx.HTTPError:  # killed under us
                    pass

        thread = threading.Thread(target=send)
        thread.start()
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert time.monotonic() < deadline, f"{point} never reached:\n" + server.log()
            time.sleep(0.05)
        server.kill()
        thread.join(30)
    finally:
        server.stop()


def test_sigkill_in_the_middle_of_a_reconciliation_leaves_the_previous_state(database_url, tmp_path):
    """Issue 13: a document of a stored body-year (a copy that disagrees on one figure, so that
    the report is reconciled again), and a deletion of the report's main document, each killed
    inside its transaction: the report as it was before, whole; both done again afterwards."""
    assert SEED_TEXT.count("41505") == 1  # 行政许可 本年处理决定数量, a figure no identity holds
    altered = SEED_TEXT.replace("41505", "45826").encode()
    with Server(database_url, tmp_path / "first.log") as first, httpx.Client(base_url=first.base, timeout=60) as http:
        seed = http.post("/reports", content=SEED_TEXT.encode(), headers=TEXT).json()
        copy = http.post("/reports", content=(CORPUS / "ewenki-2020.gb18030.txt").read_bytes(),
                         headers={"Content-Type": "text/plain", **AUTH}).json()
        assert copy["id"] == seed["id"] and copy["submission"] == "copy"
        rid = seed["id"]
        before = _snapshot(http, rid)
    assert before["report"]["document_count"] == 2

    _killed_at("reconcile", database_url, tmp_path, lambda h: h.post("/reports", content=altered, headers=TEXT))
    _killed_at("delete_document", database_url, tmp_path,
               lambda h: h.delete(f"/documents/{seed['document_id']}", headers=AUTH))
    integrity(database_url)

    with Server(database_url, tmp_path / "after.log") as again, httpx.Client(base_url=again.base, timeout=60) as http:
        assert _snapshot(http, rid) == before
        r = http.post("/reports", content=altered, headers=TEXT)
        assert r.status_code == 200 and r.json()["id"] == rid, r.text
        findings = http.get(f"/reports/{rid}/findings").json()["findings"]
        assert any(f["code"] == "documents_disagree" for f in findings)
        r = http.delete(f"/documents/{seed['document_id']}", headers=AUTH)
        assert r.status_code == 200 and r.json()["documents_left"] == 2, r.text
    integrity(database_url)
