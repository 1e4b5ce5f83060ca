"""Parsing in a pool of processes (app/services/parsepool.py): the same parses as in process,
bad input answered the same way, and a pool that dies does not fail a request."""

from __future__ import annotations

import asyncio
import os
import signal
import threading
import time
from pathlib import Path

import httpx
import pytest

from app.parsing import InputError, parse_document
from app.services.parsepool import ParsePool, ParseTimeout, ParseWorkers
from conftest import API_KEY, CORPUS, SEED, assert_problem, content_type_for, expected_for, figure_map, as_read
from servers import Server

AUTH = {"Authorization": f"Bearer {API_KEY}"}
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00" * 4
REAL = ("ewenki-2020.txt", "huaian-2024.txt", "pingtan-2024.traditional.txt", "ewenki-2020.page.html")


def _descendants(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        for task in Path(f"/proc/{p}/task").glob("*"):
            try:
                kids = [int(c) for c in (task / "children").read_text().split()]
            except OSError:
                continue
            out += kids
            todo += kids
    return out


def test_pool_parses_as_in_process_and_raises_input_errors():
    async def run():
        pool = ParsePool(1)
        try:
            for name in REAL:
                data = (CORPUS / name).read_bytes()
                got = await pool.parse(data, content_type_for(name))
                want = parse_document(data, content_type_for(name))
                assert got.figure_map() == want.figure_map()
                assert [f.code for f in got.findings] == [f.code for f in want.findings]
                assert (got.agency, got.year, got.region_code, got.status) == \
                       (want.agency, want.year, want.region_code, want.status)
                assert got.figures[0].source == want.figures[0].source
            with pytest.raises(InputError) as caught:
                await pool.parse(PNG, "text/plain")
            try:
                parse_document(PNG, "text/plain")
            except InputError as direct:
                assert (caught.value.code, caught.value.message) == (direct.code, direct.message)
        finally:
            pool.close()

    asyncio.run(run())


def test_a_blocking_parse_from_a_thread_runs_in_a_pool_process():
    """ParsePool.parse_blocking (background tasks: a neighbour's reparse) parses in a process of
    the pool, not in the calling thread, with the same answer."""
    pool = ParsePool(1)
    try:
        data = (CORPUS / SEED).read_bytes()
        got = pool.parse_blocking(data, "text/plain")  # (the process started)
        here = time.thread_time()
        for _ in range(5):
            parse_document(data, "text/plain")
        here = time.thread_time() - here
        there = time.thread_time()
        for _ in range(5):
            pool.parse_blocking(data, "text/plain")
        there = time.thread_time() - there
        assert there < here / 3, (there, here)  # this thread's CPU: only the answer's unpickling
        assert pool.pids() and os.getpid() not in pool.pids()
        assert got.figure_map() == parse_document(data, "text/plain").figure_map()
        with pytest.raises(InputError):
            pool.parse_blocking(PNG, "text/plain")
    finally:
        pool.close()
    in_thread = ParsePool(0)  # no processes: parsed in the calling thread
    assert in_thread.parse_blocking((CORPUS / SEED).read_bytes(), "text/plain").figure_map() == got.figure_map()


def test_server_parses_in_its_pool_and_survives_the_pool_dying(tmp_path, empty_database_url):
    with Server(empty_database_url, tmp_path / "server.log", env={"DISCLOSURE_PARSE_PROCESSES": "1"}) as srv:
        with httpx.Client(base_url=srv.base, headers=AUTH, timeout=60) as client:
            r = client.post("/reports", content=(CORPUS / SEED).read_bytes(),
                            headers={"Content-Type": "text/plain; charset=utf-8"})
            assert r.status_code == 201, r.text
            figures = client.get(r.headers["Location"] + "/figures").json()["figures"]
            assert figure_map(figures) == expected_for(SEED)["figures"]
            pool_pids = _descendants(srv.proc.pid)
            assert pool_pids, "no parse process was started"

            # bad bytes through the pool: the same problem answer as an in-process parse gives
            assert_problem(client.post("/reports", content=PNG, headers={"Content-Type": "text/plain"}), 415,
                           "not_text")

            for pid in pool_pids:  # the pool dies (OOM killer, an operator): requests go on
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.2)
            for name in ("huaian-2024.txt", "pingtan-2024.txt"):
                r = client.post("/reports", content=(CORPUS / name).read_bytes(),
                                headers={"Content-Type": content_type_for(name)})
                assert r.status_code == 201, r.text
                got = figure_map(client.get(r.headers["Location"] + "/figures").json()["figures"])
                want = expected_for(name)["figures"]
                assert {k: got.get(k) for k in want if k in got} == {k: v for k, v in want.items() if k in got}
                assert len(got) >= len(want) - 2
        assert "parse pool broke" in srv.log()


# ----------------------------------------------------------------------------- bounds (issue 10)
# a document whose parse runs ~1 s per MB, all of it before the parser's first look at its
# budget (the HTML stage): what a parse stuck in C code looks like from outside
def _runaway(megabytes: float) -> bytes:
    n = int(megabytes * 1_000_000 / 24)
    return ("<html><body>" + "".join(f"<p><b id={i}>x</p></i>" for i in range(n)) + "</body></html>").encode()


def _gone(pid: int) -> bool:
    """Exited (a zombie not yet reaped by whoever it was left to counts as exited)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except OSError:
        return True


def test_a_parse_past_the_hard_timeout_is_stopped_and_its_process_replaced_once():
    good = (CORPUS / "huaian-2024.txt").read_bytes()
    workers = ParseWorkers(1, budget=None, timeout=0.3)  # no budget: only the hard timeout stops it
    try:
        assert workers.parse(good, None).status == "parsed"
        [first] = workers.pids()
        with pytest.raises(ParseTimeout) as caught:
            workers.parse(_runaway(1.5), "text/html")
        assert caught.value.code == "parse_timeout"
        assert _gone(first) and workers.pids() == []
        assert workers.parse(good, None).status == "parsed"  # a new process
        [second] = workers.pids()
        assert second != first
        for _ in range(3):
            with pytest.raises(ParseTimeout):
                workers.parse(_runaway(1.5), "text/html")
        # one process started for each parse that needed one: no storm, none left running
        assert (workers.started, workers.killed, workers.pids()) == (4, 4, [])
    finally:
        workers.close()


@pytest.mark.stress
def test_the_server_answers_a_runaway_parse_with_a_problem_and_keeps_what_it_stored(tmp_path, empty_database_url):
    # 9 MB of markup keep the HTML parser (C code: no budget check inside) busy for ~0.8 s on a
    # quiet machine, well past the timeout however fast the machine
    env = {"DISCLOSURE_PARSE_PROCESSES": "1", "DISCLOSURE_PARSE_BUDGET": "0.2", "DISCLOSURE_PARSE_TIMEOUT": "0.3"}
    with Server(empty_database_url, tmp_path / "server.log", env=env) as srv:
        with httpx.Client(base_url=srv.base, headers=AUTH, timeout=60) as client:
            seed = client.post("/reports", content=(CORPUS / SEED).read_bytes(), headers={"Content-Type": "text/plain"})
            assert seed.status_code == 201, seed.text
            before = _descendants(srv.proc.pid)
            t0 = time.monotonic()
            r = client.post("/reports", content=_runaway(9), headers={"Content-Type": "text/html"})
            assert time.monotonic() - t0 < 20
            assert_problem(r, 422, "parse_timeout")
            assert client.get("/reports").json()["data"][0]["id"] == seed.json()["id"]  # nothing stored
            after = client.post("/reports", content=(CORPUS / "huaian-2024.txt").read_bytes(),
                                headers={"Content-Type": "text/plain"})
            assert after.status_code == 201 and after.json()["status"] == "parsed"
            assert client.get(f"/reports/{seed.json()['id']}").json() == as_read(seed.json())
            assert len(client.get("/reports").json()["data"]) == 2
            now = _descendants(srv.proc.pid)
            assert len(set(before) - set(now)) == 1 and len(now) == len(before)  # the one process, replaced
        assert "its process" in srv.log() and "was killed" in srv.log()


@pytest.mark.stress
def test_parse_processes_exit_when_their_server_is_killed_even_mid_parse(tmp_path, empty_database_url):
    # issue 10, defect 8: kill -9 of a server left its parse processes running, reparented to PID 1
    env = {"DISCLOSURE_PARSE_PROCESSES": "1", "DISCLOSURE_PARSE_BUDGET": "60", "DISCLOSURE_PARSE_TIMEOUT": "120"}
    with Server(empty_database_url, tmp_path / "server.log", env=env) as srv:
        r = httpx.post(f"{srv.base}/reports", content=(CORPUS / SEED).read_bytes(),
                       headers={"Content-Type": "text/plain", **AUTH}, timeout=60)
        assert r.status_code == 201, r.text
        left = _descendants(srv.proc.pid)  # the forkserver, the parse process, the resource tracker
        assert len(left) >= 2, left

        def post_runaway() -> None:  # a parse of many seconds, in C code much of the time
            try:
                httpx.post(f"{srv.base}/reports", content=_runaway(8), headers={"Content-Type": "text/html", **AUTH},
                           timeout=60)
            except httpx.TransportError:
                pass  # the server is gone

        poster = threading.Thread(target=post_runaway)
        poster.start()
        try:
            time.sleep(1.0)  # the parse is under way
            os.kill(srv.proc.pid, signal.SIGKILL)  # the server alone, not its process group
            srv.proc.wait(timeout=10)
            deadline = time.monotonic() + 3  # well before the parse would have ended
            while not all(_gone(pid) for pid in left) and time.monotonic() < deadline:
                time.sleep(0.1)
            assert [pid for pid in left if not _gone(pid)] == []
        finally:
            for pid in left:  # should it fail: leave nothing running
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            poster.join(timeout=60)
