"""Operations: /readyz, request ids, structured JSON logs, graceful shutdown, migrations
from several processes at once, the Docker image's user and healthcheck."""

from __future__ import annotations

import io
import json
import logging
import subprocess
import threading
import time

import httpx
import pytest
from alembic import command
from fastapi.testclient import TestClient

from app.config import Settings
from app.db import alembic_config, migrate
from app.main import create_app
from app.observability import JsonFormatter, RequestIdFilter
from conftest import API_KEY, AUTH, CORPUS, REPO, SEED, assert_problem, disclosure_command
from servers import Server


def head_revision(url: str) -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(url)).get_current_head()


# ----------------------------------------------------------------------------- /readyz


def test_readyz_at_head(client, database_url):
    r = client.get("/readyz")
    assert r.status_code == 200, r.text
    assert r.json() == {"status": "ready", "database": "ok", "migration": head_revision(database_url)}


def test_readyz_refuses_a_database_behind_the_code(empty_database_url):
    migrate(empty_database_url, "0001")
    with TestClient(create_app(Settings(database_url=empty_database_url))) as c:
        body = assert_problem(c.get("/readyz"), 503, "migrations_pending")
        assert "0001" in body["detail"] and "disclosure migrate" in body["detail"]
        assert c.get("/healthz").status_code == 200  # alive, not ready
    command.downgrade(alembic_config(empty_database_url), "base")
    with TestClient(create_app(Settings(database_url=empty_database_url))) as c:
        assert "no migration" in assert_problem(c.get("/readyz"), 503, "migrations_pending")["detail"]


def test_readyz_without_a_database():
    settings = Settings(database_url="postgresql://nobody@127.0.0.1:1/none")
    with TestClient(create_app(settings)) as c:
        r = c.get("/readyz")
        body = assert_problem(r, 503, "database_unavailable")
        assert "nobody" not in r.text and "127.0.0.1:1" not in body["detail"]


# ----------------------------------------------------------------------------- request ids and logs


@pytest.fixture
def json_log():
    """The app's log records as the JSON lines `disclosure serve` writes."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    logger = logging.getLogger("app")
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logger.removeHandler(handler)
    logger.setLevel(old_level)


def test_every_answer_has_a_request_id(client, json_log):
    generated = client.get("/reports")
    rid = generated.headers["x-request-id"]
    assert len(rid) == 32 and int(rid, 16) >= 0
    assert client.get("/reports", headers={"X-Request-ID": "lb-7f3a:42"}).headers["x-request-id"] == "lb-7f3a:42"
    for insane in ("a b", "x" * 200, "<script>", "é"):
        echoed = client.get("/healthz", headers={"X-Request-ID": insane.encode("utf-8")}).headers["x-request-id"]
        assert echoed != insane and len(echoed) == 32
    problem = client.get("/reports/999", headers={"X-Request-ID": "req-404"})
    assert problem.status_code == 404 and problem.headers["x-request-id"] == "req-404"
    posted = client.post("/reports", content=(CORPUS / SEED).read_bytes(),
                         headers={"Content-Type": "text/plain", "X-Request-ID": "req-post", **AUTH})
    assert posted.status_code == 201 and posted.headers["x-request-id"] == "req-post"
    access = [r for r in json_log() if r["logger"] == "app.access"]
    by_id = {r["request_id"]: r for r in access}
    assert by_id["lb-7f3a:42"]["status"] == 200 and by_id["lb-7f3a:42"]["path"] == "/reports"
    assert by_id["req-404"]["status"] == 404
    assert by_id["req-post"]["method"] == "POST" and by_id["req-post"]["duration_ms"] > 0
    assert {"ts", "level", "logger", "msg", "request_id", "client"} <= set(by_id["req-post"])
    assert API_KEY not in json.dumps(access)


def test_an_unhandled_error_is_logged_with_its_request_id(settings, json_log):
    app = create_app(settings)

    @app.get("/boom", include_in_schema=False)
    async def boom():
        raise RuntimeError("kaboom")

    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.get("/boom", headers={"X-Request-ID": "req-boom"})
    body = assert_problem(r, 500, "internal_error")
    assert body["request_id"] == "req-boom" and "req-boom" in body["detail"]
    assert r.headers["x-request-id"] == "req-boom"
    assert "kaboom" not in r.text and "Traceback" not in r.text
    errors = [rec for rec in json_log() if rec["level"] == "error"]
    assert errors and errors[0]["request_id"] == "req-boom" and "kaboom" in errors[0]["exc"]


def test_serve_writes_json_lines_with_request_ids(database_url, tmp_path):
    with Server(database_url, tmp_path / "server.log") as server:
        r = httpx.post(f"{server.base}/reports", content=(CORPUS / SEED).read_bytes(),
                       headers={"Content-Type": "text/plain", "X-Request-ID": "trace-1", **AUTH}, timeout=30)
        assert r.status_code == 201 and r.headers["x-request-id"] == "trace-1"
        httpx.post(f"{server.base}/reports", content=b"x", timeout=10,
                   headers={"Content-Type": "text/plain", "Authorization": "Bearer wrong-Secret-9"})
    lines = server.log().splitlines()
    records = [json.loads(line) for line in lines]  # every line is one JSON object
    assert any(r["logger"] == "uvicorn.error" for r in records)
    access = [r for r in records if r["logger"] == "app.access"]
    assert any(r["request_id"] == "trace-1" and r["status"] == 201 for r in access)
    assert any(r["status"] == 403 for r in access)
    text = "\n".join(lines)
    assert API_KEY not in text and "wrong-Secret-9" not in text


# ----------------------------------------------------------------------------- shutdown, migrations


def test_sigterm_lets_a_request_in_flight_finish(database_url, tmp_path):
    data = (CORPUS / SEED).read_bytes()
    server = Server(database_url, tmp_path / "server.log")
    result: dict = {}

    def slow_body():
        for i in range(0, len(data), len(data) // 8 + 1):
            yield data[i:i + len(data) // 8 + 1]
            time.sleep(0.2)

    def post():
        result["r"] = httpx.post(f"{server.base}/reports", content=slow_body(), timeout=30,
                                 headers={"Content-Type": "text/plain", **AUTH})

    thread = threading.Thread(target=post)
    thread.start()
    time.sleep(0.5)  # the upload is under way
    server.proc.terminate()  # SIGTERM
    thread.join(30)
    # uvicorn finishes, then re-raises the SIGTERM it caught: exit by that signal, not a kill
    assert server.stop() in (0, -15)
    assert result["r"].status_code == 201, result["r"].text
    log = server.log()
    assert "Shutting down" in log and "Finished server process" in log
    with TestClient(create_app(Settings(database_url=database_url))) as c:  # it was stored
        assert c.get(f"/reports/{result['r'].json()['id']}").status_code == 200


def test_several_processes_migrate_one_database_at_once(empty_database_url, tmp_path):
    env = {"DATABASE_URL": empty_database_url}
    import os

    procs = [subprocess.Popen([*disclosure_command(), "migrate"], env={**os.environ, **env},
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
             for _ in range(4)]
    outcomes = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], [err for _, err in outcomes]
    with TestClient(create_app(Settings(database_url=empty_database_url))) as c:
        assert c.get("/readyz").json()["migration"] == head_revision(empty_database_url)


def test_docker_image_runs_as_non_root_with_a_healthcheck():
    lines = [line.strip() for line in (REPO / "Dockerfile").read_text().splitlines()]
    users = [line.split()[1] for line in lines if line.startswith("USER ")]
    assert users and users[-1].split(":")[0] not in ("root", "0")
    assert any(line.startswith("HEALTHCHECK") for line in lines)
