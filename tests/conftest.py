"""Shared fixtures: a migrated database per test (a SQLite file in tmp_path, and the same
tests again on PostgreSQL when TEST_DATABASE_URL is set), the app over it, the corpus."""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
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


def _backends() -> list[str]:
    return ["sqlite", "postgresql"] if os.environ.get("TEST_DATABASE_URL") else ["sqlite"]


def reset_database(url: str) -> None:
    """Empty a shared (PostgreSQL) test database: our tables and Alembic's version table."""
    engine = make_engine(url)
    try:
        SQLModel.metadata.drop_all(engine)
        with engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    finally:
        engine.dispose()


@pytest.fixture(params=_backends())
def empty_database_url(request, tmp_path) -> str:
    """A database with no tables: a fresh SQLite file, or the emptied TEST_DATABASE_URL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'db' / 'test.db'}"
    url = Settings(database_url=os.environ["TEST_DATABASE_URL"]).db_url
    reset_database(url)
    return url


@pytest.fixture
def database_url(empty_database_url) -> str:
    migrate(empty_database_url)
    return empty_database_url


@pytest.fixture
def settings(database_url) -> Settings:
    return Settings(database_url=database_url, disclosure_api_keys=f"other-key,{API_KEY}")


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


def assert_problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    assert body["code"] == code
    assert body["title"] and body["detail"] and body["type"].endswith(code)
    return body


def figure_map(figures: list[dict]) -> dict:
    return {f["key"]: f["value"] for f in figures}
