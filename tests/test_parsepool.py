"""Parsing in a pool of processes (app/services/parsepool.py): the same parses as in process,
bad input answered the same way, and a pool that dies does not fail a request."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from pathlib import Path

import httpx
import pytest

from app.parsing import InputError, parse_document
from app.services.parsepool import ParsePool
from conftest import API_KEY, CORPUS, SEED, assert_problem, content_type_for, expected_for, figure_map
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
                assert (caught.value.code, caught.value.status) == (direct.code, direct.status)
        finally:
            pool.close()

    asyncio.run(run())


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
