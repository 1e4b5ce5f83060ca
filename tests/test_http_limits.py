"""The HTTP layer of `disclosure serve` (app/server.py), over a real server on loopback with
short timeouts: slowloris connections are closed after the header timeout, a stalled body
after the body timeout; raw UTF-8 in the URL works as people type it (curl included);
over-long targets and headers, bytes that are not UTF-8 and unparsable requests are
problem+json; beyond the connection cap, requests are 503 with Retry-After while probes
still answer."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time

import httpx
import pytest

from app.db import migrate
from conftest import AUTH, CORPUS, SEED
from servers import Server

HEADER_TIMEOUT = 1.0


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """One server for the module over a SQLite file holding the seed report (the HTTP layer
    is the same whatever the database)."""
    folder = tmp_path_factory.mktemp("http-limits")
    url = f"sqlite:///{folder / 'db.sqlite'}"
    migrate(url)
    env = {"DISCLOSURE_HEADER_TIMEOUT": str(HEADER_TIMEOUT), "DISCLOSURE_BODY_TIMEOUT": "1"}
    with Server(url, folder / "server.log", env=env) as srv:
        r = httpx.post(f"{srv.base}/reports", content=(CORPUS / SEED).read_bytes(),
                       headers={"Content-Type": "text/plain", **AUTH}, timeout=60)
        assert r.status_code == 201, r.text
        yield srv
        log = srv.log()
    assert "unhandled error" not in log and "Traceback" not in log, log[-3000:]


def exchange(port: int, data: bytes, timeout: float = 15) -> tuple[bytes, float]:
    """Send `data` on a new connection, read until the server closes it: (what came, seconds)."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        out = b""
        while chunk := s.recv(65536):
            out += chunk
    return out, time.monotonic() - started


def problem_of(raw: bytes, status: int, code: str) -> dict:
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    assert lines[0].startswith(f"HTTP/1.1 {status} "), raw[:300]
    headers = dict(line.split(": ", 1) for line in lines[1:])
    assert headers["content-type"] == "application/problem+json"
    assert headers["connection"] == "close"
    problem = json.loads(body)
    assert problem["status"] == status and problem["code"] == code and problem["detail"]
    return problem


def test_raw_utf8_in_the_query_works_as_typed(server):
    """`curl 'localhost:8000/reports?agency=鄂温克'`: the raw UTF-8 bytes of the target are
    read as if percent-encoded (uvicorn alone: a plain-text 400)."""
    raw, _ = exchange(server.port, "GET /reports?agency=鄂温克 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                      .encode())
    head, _, body = raw.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200"), raw[:300]
    assert [r["agency"] for r in json.loads(body)["data"]] == ["鄂温克族自治旗人民政府"]
    if shutil.which("curl"):
        out = subprocess.run(["curl", "-s", f"{server.base}/reports?agency=鄂温克"], capture_output=True,
                             timeout=30, check=True).stdout
        assert [r["agency"] for r in json.loads(out)["data"]] == ["鄂温克族自治旗人民政府"]
    # in the path too (no such division: a 404 problem from the app, not a parser error)
    raw, _ = exchange(server.port, "GET /regions/鄂温克 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
    assert raw.startswith(b"HTTP/1.1 422") or raw.startswith(b"HTTP/1.1 404"), raw[:300]


def test_url_bytes_that_are_not_utf8_are_a_problem_saying_how_to_encode(server):
    raw, _ = exchange(server.port, "GET /reports?agency=鄂温克 HTTP/1.1\r\nHost: x\r\n\r\n".encode("gb18030"))
    problem = problem_of(raw, 400, "url_not_utf8")
    assert "--data-urlencode" in problem["detail"]


def test_unparsable_request_is_a_problem_not_plain_text(server):
    raw, _ = exchange(server.port, b"GET /reports?agency=a b HTTP/1.1\r\nHost: x\r\n\r\n")
    assert "percent-encode" in problem_of(raw, 400, "bad_request")["detail"]


def test_huge_query_string_is_414_and_huge_headers_431(server):
    raw, took = exchange(server.port, b"GET /reports?agency=" + b"a" * 100_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    problem_of(raw, 414, "uri_too_long")
    raw, _ = exchange(server.port, b"GET /reports HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 100_000 + b"\r\n\r\n")
    problem_of(raw, 431, "request_header_fields_too_large")
    # the limits leave ordinary requests alone: a 7 KB query is the app's to judge (422 here)
    with httpx.Client(base_url=server.base, timeout=30) as http:
        assert http.get("/reports", params={"agency": "a" * 7000}).status_code == 422


def test_slowloris_connections_are_closed_after_the_header_timeout(server):
    """40 connections that never finish their headers (a header line every 0.3 s), and 10 that
    send nothing: all closed soon after the header timeout, those that sent something with a
    408 problem; meanwhile and afterwards the server answers."""
    slow = [socket.create_connection(("127.0.0.1", server.port), timeout=10) for _ in range(40)]
    silent = [socket.create_connection(("127.0.0.1", server.port), timeout=10) for _ in range(10)]
    started = time.monotonic()
    for s in slow:
        s.sendall(b"GET /reports HTTP/1.1\r\nHost: x\r\n")
    closed_after: dict[int, float] = {}
    answers: dict[int, bytes] = {}
    while len(closed_after) < len(slow) and time.monotonic() - started < 8:
        for i, s in enumerate(slow):
            if i in closed_after:
                continue
            try:
                s.sendall(b"X-Drip: 1\r\n")
            except OSError:
                pass
            s.setblocking(False)
            try:
                chunk = s.recv(65536)
            except BlockingIOError:
                chunk = None
            except OSError:
                chunk = b""
            s.setblocking(True)
            if chunk is not None:
                answers[i] = answers.get(i, b"") + chunk
                if chunk == b"" or answers[i].endswith(b"}"):
                    closed_after[i] = time.monotonic() - started
        time.sleep(0.3)
    assert len(closed_after) == len(slow), f"{len(slow) - len(closed_after)} slowloris connections still open"
    assert max(closed_after.values()) < HEADER_TIMEOUT + 4
    assert all(a.startswith(b"HTTP/1.1 408") for a in answers.values() if a), answers
    for s in silent:
        assert s.recv(100) == b""  # closed, with nothing owed
    for s in slow + silent:
        s.close()
    assert httpx.get(f"{server.base}/healthz", timeout=5).status_code == 200


def test_a_kept_connection_that_stalls_in_its_next_request_is_closed(server):
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        first = b""
        while not first.endswith(b"}"):  # the whole first answer (its JSON body ends the exchange)
            first += s.recv(65536)
        assert first.startswith(b"HTTP/1.1 200")
        started = time.monotonic()
        s.sendall(b"GET /reports HTTP/1.1\r\nHost: x\r\n")
        rest = b""
        while chunk := s.recv(65536):
            rest += chunk
        assert time.monotonic() - started < HEADER_TIMEOUT + 4
    problem_of(rest, 408, "request_timeout")


def test_a_stalled_body_is_closed_after_the_body_timeout(server):
    raw, took = exchange(server.port, b"POST /reports HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
                         b"Authorization: " + AUTH["Authorization"].encode() + b"\r\nContent-Length: 1000\r\n\r\nabc")
    problem_of(raw, 408, "request_timeout")
    assert took < 5


def test_beyond_the_connection_cap_requests_are_503_and_probes_answer(tmp_path):
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    migrate(url)
    with Server(url, tmp_path / "server.log", env={"DISCLOSURE_MAX_CONNECTIONS": "5"}) as srv:
        held = [socket.create_connection(("127.0.0.1", srv.port), timeout=10) for _ in range(5)]
        try:
            time.sleep(0.2)
            raw, _ = exchange(srv.port, b"GET /reports HTTP/1.1\r\nHost: x\r\n\r\n")
            assert b"\r\nretry-after: " in raw.lower()
            problem_of(raw, 503, "too_many_connections")
            raw, _ = exchange(srv.port, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            assert raw.startswith(b"HTTP/1.1 200") and b'"status":"ok"' in raw, raw[:300]
        finally:
            for s in held:
                s.close()
        time.sleep(0.2)
        assert httpx.get(f"{srv.base}/reports", timeout=10).status_code == 200


def test_a_request_sent_before_its_retry_after_waits_for_it():
    """After a 503 with Retry-After on a connection, the next request on it starts when that
    time has passed (a probe does not wait); a fresh connection is not held."""
    import threading

    import uvicorn

    from servers import free_port

    handled: list[tuple[str, float]] = []

    async def app(scope, receive, send):
        if scope["type"] != "http":
            return
        handled.append((scope["path"], time.monotonic()))
        if scope["path"] == "/busy":
            status, headers = 503, [(b"retry-after", b"1")]
        else:
            status, headers = 200, []
        await send({"type": "http.response.start", "status": status,
                    "headers": [*headers, (b"content-length", b"2")]})
        await send({"type": "http.response.body", "body": b"ok"})

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, http="app.server:HttpProtocol",
                                           loop="asyncio", lifespan="off", log_level="warning"))
    thread = threading.Thread(target=server.run)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started:
            assert time.monotonic() < deadline
            time.sleep(0.05)

        def ask(s: socket.socket, path: str) -> bytes:
            s.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
            out = b""
            while not out.endswith(b"ok"):
                out += s.recv(65536)
            return out

        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            assert ask(s, "/busy").startswith(b"HTTP/1.1 503")
            refused_at = time.monotonic()
            assert ask(s, "/healthz").startswith(b"HTTP/1.1 200")  # probes are not held
            assert handled[-1][1] - refused_at < 0.5
            with socket.create_connection(("127.0.0.1", port), timeout=10) as other:
                assert ask(other, "/x").startswith(b"HTTP/1.1 200")  # another connection: not held
            assert handled[-1][1] - refused_at < 0.5
            assert ask(s, "/again").startswith(b"HTTP/1.1 200")
            assert handled[-1][0] == "/again" and handled[-1][1] - refused_at >= 0.9
    finally:
        server.should_exit = True
        thread.join(10)
