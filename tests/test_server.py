"""A real uvicorn server on a loopback port: `disclosure serve` migrates a fresh database
(SQLite file, or PostgreSQL), then the seed report makes the round trip over TCP."""

from __future__ import annotations

import os
import socket
import subprocess
import time

import httpx
import pytest

from conftest import API_KEY, CORPUS, SEED, disclosure_command, expected_for, figure_map


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(tmp_path, empty_database_url):
    port = free_port()
    env = {**os.environ, "DATABASE_URL": empty_database_url,
           "DISCLOSURE_API_KEYS": API_KEY}
    log = (tmp_path / "server.log").open("w")
    proc = subprocess.Popen([*disclosure_command(), "serve", "--host", "127.0.0.1", "--port", str(port)],
                            env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert proc.poll() is None, (tmp_path / "server.log").read_text()
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "server did not come up: " + (tmp_path / "server.log").read_text()
            time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
    assert API_KEY not in (tmp_path / "server.log").read_text()


def test_seed_round_trip_over_tcp(server):
    exp = expected_for(SEED)
    data = (CORPUS / SEED).read_bytes()
    headers = {"Content-Type": "text/plain", "Authorization": f"Bearer {API_KEY}"}
    with httpx.Client(base_url=server, timeout=30) as http:
        created = http.post("/reports", content=data, headers=headers)
        assert created.status_code == 201, created.text
        report = created.json()
        assert created.headers["location"] == f"/reports/{report['id']}"
        assert {k: report[k] for k in ("year", "agency", "region_code", "template")} == \
            {k: exp[k] for k in ("year", "agency", "region_code", "template")}

        figures = http.get(f"/reports/{report['id']}/figures").json()["figures"]
        got = figure_map(figures)
        wrong = {k: (got.get(k), v) for k, v in exp["figures"].items() if got.get(k) != v}
        assert not wrong
        assert len(got) == len(exp["figures"])

        again = http.post("/reports", content=data, headers=headers)
        assert again.status_code == 200 and again.json()["id"] == report["id"]

        assert http.get(f"/reports/{report['id']}/permits").json()["permit"]["decisions"] == 41505
        unauthorized = http.post("/reports", content=data, headers={"Content-Type": "text/plain"})
        assert unauthorized.status_code == 401
        assert unauthorized.headers["content-type"] == "application/problem+json"
