"""Holding under load, over real `disclosure serve` processes on loopback (and the read gate
in process):

- no query runs on the event loop: every read of a request runs in a worker thread;
- clients that read a large answer slowly (or not at all) hold no pooled connection: other
  requests and /healthz are answered meanwhile (the freeze of issue 10: 500s with `QueuePool
  limit … reached` after 30 s, the loop itself blocked waiting for a connection);
- overload is a quick 503 `overloaded`, problem+json with Retry-After, never a 500 or a hang;
  /healthz and /readyz answer meanwhile;
- the read gate: reads of one report go first, waits are bounded, refusals spread their
  Retry-After, a waiter that goes away leaves no slot taken.

The server's timings are bounds (an answer, not a hang), never measurements: those are
bench/load_bench.py's. The slow ones are marked `stress`.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import event

from app.db import Overloaded, ReadGate, make_engine
from app.parsing import parse_document
from app.services.ingest import store_many
from conftest import CORPUS, SEED, other_body
from servers import Server

SEED_BYTES = (CORPUS / SEED).read_bytes()
BIG_CSV = "/figures?key=applications.&format=csv"  # every reports' 182 application figures


def store_copies(database_url: str, n: int) -> None:
    """n reports: the seed's parse stored under n distinct byte strings (no parsing n times),
    each as another body's (one report per body and year)."""
    parsed = parse_document(SEED_BYTES, "text/plain")
    engine = make_engine(database_url)
    try:
        store_many(engine, [(SEED_BYTES + f"\n副本 {i}\n".encode(), other_body(parsed, i)) for i in range(n)])
    finally:
        engine.dispose()


# ----------------------------------------------------------------------------- in process


def test_the_pool_has_a_connection_for_every_slot_and_writer():
    from app.runtime import INGEST_CONCURRENCY
    from app.db import WRITE_CONNECTIONS, Database

    assert WRITE_CONNECTIONS >= INGEST_CONCURRENCY + 1  # the ingest threads and the group-commit writer
    database = Database("postgresql+psycopg://nobody@127.0.0.1:1/none", read_slots=3)
    assert database.engine.pool.size() == 3 + WRITE_CONNECTIONS  # (made without connecting)
    database.dispose()


def test_no_query_runs_on_the_event_loop(client, seed):
    """Every statement of a request's reads executes off the loop's thread (the view store's
    version look-up and the health check use connections of their own, outside this engine)."""
    app = client.app
    engine = app.state.db.engine
    threads: list[int] = []
    loop_thread = client.portal.call(lambda: threading.get_ident())  # the loop the app runs on

    def record(*_args) -> None:
        threads.append(threading.get_ident())

    event.listen(engine, "before_cursor_execute", record)
    try:
        rid = seed["id"]
        for path in (f"/reports/{rid}", f"/reports/{rid}/figures", f"/reports/{rid}/applications",
                     f"/reports/{rid}/findings", f"/reports/{rid}/text", "/reports?limit=5",
                     "/figures?key=active.permit.decisions", "/stats?key=active.permit.decisions&by=year",
                     "/changes", "/regions/150700", "/reports?format=csv", f"/reports/{rid}/compare"):
            r = client.get(path)
            assert r.status_code in (200, 404), (path, r.text)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert threads, "no statement ran"
    assert loop_thread not in threads


def test_a_stream_of_several_batches_has_every_row_once(client, database_url):
    """Exports read batch by batch, each in a thread with a slot of its own: 12 reports × 182
    application figures are three batches of the stream, every row in it once, in order."""
    store_copies(database_url, 12)
    r = client.get(BIG_CSV)
    assert r.status_code == 200
    rows = r.text.lstrip("\ufeff").splitlines()[1:]
    keys = [tuple(row.split(",")[:1] + row.split(",")[6:7]) for row in rows]
    assert len(rows) == 12 * 182 and len(set(keys)) == len(keys)
    assert [int(k[0]) for k in keys] == sorted(int(k[0]) for k in keys)
    ndjson = client.get(BIG_CSV.replace("csv", "ndjson")).text.splitlines()
    assert len(ndjson) == len(rows)


def test_overload_is_a_503_problem_with_retry_after(settings):
    """With every read slot taken and the line too long, a read is refused at once: 503
    `overloaded`, problem+json, Retry-After in whole seconds; /healthz still 200."""
    from fastapi.testclient import TestClient

    from app.main import create_app

    app = create_app(settings.model_copy(update={"disclosure_read_concurrency": 1, "disclosure_queue_timeout": 0.05}))
    with TestClient(app) as client:
        gate: ReadGate = app.state.runtime.reads

        async def take_every_slot() -> None:
            while gate.free:
                await gate._acquire(gate.QUERY, 1.0, False)
            gate.hold = [1.0, 1.0]  # a slot is held a second: the line's wait is that much

        client.portal.call(take_every_slot)
        started = time.monotonic()
        r = client.get("/reports")
        assert time.monotonic() - started < 5  # refused, not waited out
        assert r.status_code == 503, r.text
        assert r.headers["content-type"] == "application/problem+json"
        assert r.json()["code"] == "overloaded"
        assert int(r.headers["retry-after"]) >= 1
        assert client.get("/reports/1/figures").status_code == 503  # the first line too: no slot comes
        assert client.get("/healthz").status_code == 200
        assert client.get("/readyz").status_code == 200
        client.portal.call(lambda: [gate._release() for _ in range(gate.slots)])
        assert client.get("/reports").status_code == 200


def test_read_gate_serves_reads_of_one_report_first_and_bounds_waits():
    async def scenario() -> None:
        gate = ReadGate(slots=1, max_wait=0.5)
        order: list[str] = []
        await gate._acquire(gate.QUERY, 1.0, False)  # the one slot, taken

        async def read(name: str, line: int) -> None:
            async with gate.slot(line=line):
                order.append(name)
                await asyncio.sleep(0.01)

        waiting = [asyncio.ensure_future(read("query-1", gate.QUERY)), asyncio.ensure_future(read("query-2", gate.QUERY))]
        await asyncio.sleep(0.01)
        waiting.append(asyncio.ensure_future(read("point", gate.POINT)))
        await asyncio.sleep(0.01)
        gate._release()
        await asyncio.gather(*waiting)
        assert order == ["point", "query-1", "query-2"]
        assert gate.free == 1 and gate.waiting == 0

        # a wait longer than max_wait ends in Overloaded, and the slot stays with its holder
        await gate._acquire(gate.QUERY, 1.0, False)
        started = time.monotonic()
        with pytest.raises(Overloaded) as refused:
            async with gate.slot():
                pass
        assert 0.4 < time.monotonic() - started < 2
        assert refused.value.retry_after >= 1
        assert gate.free == 0 and gate.waiting == 0

        # a line expected to take longer than max_wait: refused at once; later refusals are told
        # to come back later (spread), never beyond MAX_RETRY_AFTER
        gate.hold = [0.2, 0.2]
        blocked = [asyncio.ensure_future(gate._acquire(gate.QUERY, 5.0, True)) for _ in range(10)]
        await asyncio.sleep(0.01)
        afters = []
        for _ in range(40):
            started = time.monotonic()
            with pytest.raises(Overloaded) as refused:
                await gate._acquire(gate.QUERY, 0.5, False)
            assert time.monotonic() - started < 0.1
            afters.append(refused.value.retry_after)
        assert afters == sorted(afters) and afters[-1] > afters[0]
        assert max(afters) <= ReadGate.MAX_RETRY_AFTER

        # a waiter that goes away (its client disconnected) takes no slot with it
        for task in blocked:
            task.cancel()
        await asyncio.gather(*blocked, return_exceptions=True)
        assert gate.waiting == 0
        gate._release()
        assert gate.free == 1
        async with gate.slot():
            assert gate.free == 0
        assert gate.free == 1

    asyncio.run(scenario())


def test_read_gate_never_leaves_a_slot_free_while_requests_wait():
    """Two slots released before the waiter handed the first one runs: the second is free, and
    the next request takes it at once (it once queued behind the free slot, and under load
    every slot ended up free and unused while everybody waited out their time: all 503s)."""
    async def scenario() -> None:
        gate = ReadGate(slots=2, max_wait=0.5)
        await gate._acquire(gate.QUERY, 1.0, False)
        await gate._acquire(gate.QUERY, 1.0, False)
        waiter = asyncio.ensure_future(gate._acquire(gate.POINT, 1.0, False))
        await asyncio.sleep(0)
        assert gate.waiting == 1
        gate._release()  # to the waiter, which has not run yet
        gate._release()  # nobody else waits: free
        assert gate.free == 1 and gate.waiting == 0
        started = time.monotonic()
        await gate._acquire(gate.QUERY, 0.5, False)  # takes the free slot, no wait
        assert time.monotonic() - started < 0.1
        await waiter
        assert gate.free == 0 and gate.waiting == 0
        gate._release()
        gate._release()
        assert gate.free == 2

    asyncio.run(scenario())


# ----------------------------------------------------------------------------- real servers


def slow_readers(port: int, paths: list[str]) -> list[socket.socket]:
    """Clients that ask for `paths` (all at once) and read (almost) nothing of the answers."""
    readers = []
    for path in paths:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.connect(("127.0.0.1", port))
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
        s.settimeout(60)
        readers.append(s)
    for s in readers:
        assert s.recv(512).startswith(b"HTTP/1.1 200")
    return readers


@pytest.mark.stress
def test_slow_readers_of_large_answers_hold_no_connection(database_url, tmp_path):
    """20 clients that stop reading a ~600 KB CSV export (more than the pool's 15 connections of
    old): other reads, across reports and of one report, are answered meanwhile, as is
    /healthz, without a 500."""
    store_copies(database_url, 25)
    with Server(database_url, tmp_path / "server.log") as server:
        with httpx.Client(base_url=server.base, timeout=60) as http:
            assert http.get("/reports/1/figures").status_code == 200
        readers = slow_readers(server.port, [f"{BIG_CSV}&n={i}" for i in range(20)])
        try:
            with httpx.Client(base_url=server.base, timeout=60) as http:
                for path in ("/reports?limit=5", "/reports/2/findings", "/reports/3/figures",
                             "/stats?key=active.permit.decisions&by=year", "/changes?limit=3", BIG_CSV + "&limit=10"):
                    started = time.monotonic()
                    r = http.get(path)
                    assert r.status_code == 200, (path, r.status_code, r.text[:300])
                    assert time.monotonic() - started < 10, path  # answered, not stuck behind the readers
                for _ in range(5):
                    started = time.monotonic()
                    assert http.get("/healthz").status_code == 200
                    assert time.monotonic() - started < 1.0
        finally:
            for s in readers:
                s.close()
        log = server.log()
    assert "QueuePool limit" not in log
    assert '"status": 500' not in log


@pytest.mark.stress
def test_overload_over_http_answers_503_quickly_and_probes_still_answer(database_url, tmp_path):
    """One read slot, a short allowed wait, 40 clients at once asking for heavy answers: each
    gets its answer or a 503 `overloaded` with Retry-After — no 500, no hang — and /healthz,
    /readyz answer within a second meanwhile."""
    store_copies(database_url, 10)
    env = {"DISCLOSURE_READ_CONCURRENCY": "1", "DISCLOSURE_QUEUE_TIMEOUT": "0.2"}
    with Server(database_url, tmp_path / "server.log", env=env) as server:
        stop = threading.Event()
        probes: list[tuple[int, float]] = []

        def probe() -> None:
            with httpx.Client(base_url=server.base, timeout=30) as http:
                while not stop.is_set():
                    for path in ("/healthz", "/readyz"):
                        started = time.monotonic()
                        probes.append((http.get(path).status_code, time.monotonic() - started))
                    time.sleep(0.1)

        def heavy(i: int) -> httpx.Response:
            with httpx.Client(base_url=server.base, timeout=60) as http:
                barrier.wait()
                started = time.monotonic()
                r = http.get(f"/figures?key=applications.&limit=1000&n={i}")
                r.elapsed_total = time.monotonic() - started  # type: ignore[attr-defined]
                return r

        barrier = threading.Barrier(40)
        prober = threading.Thread(target=probe)
        prober.start()
        try:
            with ThreadPoolExecutor(40) as pool:
                answers = list(pool.map(heavy, range(40)))
        finally:
            stop.set()
            prober.join()
        log = server.log()
    statuses = Counter(r.status_code for r in answers)
    assert set(statuses) <= {200, 503}, statuses
    assert statuses[503] >= 1 and statuses[200] >= 1, statuses
    for r in answers:
        if r.status_code == 503:
            assert r.headers["content-type"] == "application/problem+json"
            assert r.json()["code"] == "overloaded"
            assert int(r.headers["retry-after"]) >= 1
            assert r.elapsed_total < 10  # type: ignore[attr-defined]
    assert probes and all(status == 200 for status, _ in probes), probes
    assert max(took for _, took in probes) < 1.0, sorted(took for _, took in probes)[-5:]
    assert '"status": 500' not in log
