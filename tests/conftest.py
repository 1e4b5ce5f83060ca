"""Shared fixtures: a migrated database per test (a SQLite file in tmp_path, and the same
tests again on PostgreSQL when TEST_DATABASE_URL is set: a fresh database per session,
dropped at its end), the app over it, the corpus."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlmodel import SQLModel

import app.models  # noqa: F401  (tables on SQLModel.metadata)
from app.config import Settings
from app.db import make_engine, migrate
from app.main import create_app

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus"
API_KEY = "test-key-5f2c"
AUTH = {"Authorization": f"Bearer {API_KEY}"}
SEED = "ewenki-2020.txt"
META = ("year", "agency", "region_code", "template")

# the seed report in six layouts, each with its expected figures
SEED_VARIANTS = (
    "ewenki-2020.txt",
    "ewenki-2020.simplified.txt",
    "ewenki-2020.cells.txt",
    "ewenki-2020.markdown.md",
    "ewenki-2020.gb18030.txt",
    "ewenki-2020.page.html",
)


def pytest_configure(config) -> None:
    config.addinivalue_line("markers", "stress: concurrency, crash and very large inputs (bounded; `-m 'not stress'` skips them)")
    config.addinivalue_line("markers", "fuzz: schemathesis against openapi/openapi.json (`-m fuzz`; .ci/run runs it)")
    config.addinivalue_line("markers", "browser: the pages in headless chromium (`-m browser`; .ci/run runs it)")


def expected_for(name: str) -> dict:
    stem = name.rsplit(".", 1)[0]
    exp = json.loads((CORPUS / f"{stem}.expected.json").read_text(encoding="utf-8"))
    assert exp["file"] == name
    return exp


def content_type_for(name: str) -> str:
    """What a client would send: HTML as such, Markdown as such, text without a charset
    (the server detects it: the GB18030 file relies on that)."""
    if name.endswith(".html"):
        return "text/html"
    if name.endswith(".md"):
        return "text/markdown"
    return "text/plain"


def disclosure_command() -> list[str]:
    """The installed console script beside this interpreter, else the module."""
    script = Path(sys.executable).with_name("disclosure")
    if script.exists():
        return [str(script)]
    found = shutil.which("disclosure")
    return [found] if found else [sys.executable, "-m", "app.cli"]


REQUIRE_POSTGRES = os.environ.get("DISCLOSURE_TEST_REQUIRE_POSTGRES", "") not in ("", "0")


def _no_postgres(reason: str):
    """Skip the PostgreSQL half of the tests (a laptop without PostgreSQL), or fail in CI,
    which sets DISCLOSURE_TEST_REQUIRE_POSTGRES=1."""
    if REQUIRE_POSTGRES:
        pytest.fail(f"PostgreSQL required (DISCLOSURE_TEST_REQUIRE_POSTGRES=1): {reason}", pytrace=False)
    pytest.skip(f"PostgreSQL tests skipped: {reason}")


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, created on the server of
    TEST_DATABASE_URL (named after it plus a random suffix) and dropped at the end, so
    runs never see each other's tables and a rerun starts clean."""
    given = os.environ.get("TEST_DATABASE_URL", "").strip()
    if not given:
        _no_postgres("set TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test to run them")
    base = make_url(Settings(database_url=given).db_url)
    if base.get_backend_name() != "postgresql":
        _no_postgres(f"TEST_DATABASE_URL is no PostgreSQL URL ({base.get_backend_name()})")
    prefix = f"{base.database or 'test'}_run_"
    name = f"{prefix}{int(time.time())}_{secrets.token_hex(3)}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5})
    try:
        with admin.connect() as conn:
            _drop_abandoned(conn, prefix)
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as exc:
        admin.dispose()
        _no_postgres(f"cannot create a database on {base.render_as_string(hide_password=True)}: "
                     f"{str(exc.orig).strip().splitlines()[0] if exc.orig else exc}")
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _drop_abandoned(conn, prefix: str, older_than: float = 6 * 3600) -> None:
    """Databases of runs that were killed before they could drop theirs: named with their
    start time, older than `older_than` seconds, and nobody connected."""
    rows = conn.execute(text("SELECT datname FROM pg_database WHERE datname LIKE :p"), {"p": prefix + "%"}).scalars()
    for datname in list(rows):
        started = datname[len(prefix):].split("_", 1)[0]
        if not started.isdigit() or time.time() - int(started) < older_than:
            continue
        busy = conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE datname = :d"), {"d": datname}).scalar()
        if not busy:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{datname}"'))


def reset_database(url: str) -> None:
    """Empty a PostgreSQL test database: our tables and Alembic's version table."""
    engine = make_engine(url)
    try:
        SQLModel.metadata.drop_all(engine)
        with engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    finally:
        engine.dispose()


def _at_head(url: str) -> bool:
    """Whether the database is migrated to the newest revision (then emptying its tables
    is enough, and much faster than migrating again)."""
    from alembic.script import ScriptDirectory

    from app.db import alembic_config

    head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                return False
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all() == [head]
    finally:
        engine.dispose()


def truncate_all(url: str) -> None:
    tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request) -> str:
    """Every database test runs on SQLite and on PostgreSQL (skipped without one: see postgres_url)."""
    return request.param


@pytest.fixture
def empty_database_url(backend, request, tmp_path) -> str:
    """A database with no tables: a fresh SQLite file, or this session's emptied PostgreSQL database."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'db' / 'test.db'}"
    url = request.getfixturevalue("postgres_url")
    reset_database(url)
    return url


@pytest.fixture
def database_url(backend, request, tmp_path) -> str:
    """A database migrated to head with empty tables."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'db' / 'test.db'}"
        migrate(url)
        return url
    url = request.getfixturevalue("postgres_url")
    if _at_head(url):
        truncate_all(url)
    else:
        reset_database(url)
        migrate(url)
    return url


@pytest.fixture
def settings(database_url) -> Settings:
    # in-process apps parse in a thread (no process pool started per test); the real servers
    # of tests/servers.py run with the default pool, and tests/test_parsepool.py tests it
    return Settings(database_url=database_url, disclosure_api_keys=f"other-key,{API_KEY}",
                    disclosure_parse_processes=0)


@pytest.fixture
def client(settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as c:
        yield c


@pytest.fixture
def seed(client) -> dict:
    """The seed report, posted: its JSON as POST answered it."""
    r = client.post("/reports", content=(CORPUS / SEED).read_bytes(),
                    headers={"Content-Type": "text/plain", **AUTH})
    assert r.status_code == 201, r.text
    return r.json()


def as_read(submitted: dict) -> dict:
    """A POST /reports answer as GET /reports/{id} gives the report (without the submission's own fields)."""
    return {k: v for k, v in submitted.items() if k not in ("submission", "document_id")}


def assert_problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    assert body["code"] == code
    assert body["title"] and body["detail"] and body["type"].endswith(code)
    return body


def other_body(parsed, i: int):
    """The parse as another body's report (one report per body and year: tests that store
    many reports give each its own body)."""
    from dataclasses import replace

    return replace(parsed, agency=f"{parsed.agency}第{i}分局")


def figure_map(figures: list[dict]) -> dict:
    return {f["key"]: f["value"] for f in figures}


def fold_pending(database_url: str) -> None:
    """Fold the pending reports into the /stats rollup (a write of 128 reports would)."""
    from sqlmodel import Session

    from app.services import rollup

    engine = make_engine(database_url)
    try:
        with Session(engine) as s:
            rollup.fold(s)
            s.commit()
    finally:
        engine.dispose()
