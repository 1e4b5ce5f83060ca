from __future__ import annotations

import pytest
from pydantic import ValidationError

from app.config import Settings, project_root


def test_defaults(monkeypatch):
    for name in ("DATABASE_URL", "DISCLOSURE_API_KEYS", "DISCLOSURE_MAX_BODY_BYTES"):
        monkeypatch.delenv(name, raising=False)
    s = Settings()
    assert s.db_url == f"sqlite:///{project_root() / 'data' / 'disclosure.db'}"
    assert s.api_keys == ()
    assert s.disclosure_max_body_bytes == 10 * 1024 * 1024


def test_from_environment(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
    monkeypatch.setenv("DISCLOSURE_API_KEYS", " a1, b2 ,,")
    monkeypatch.setenv("DISCLOSURE_MAX_BODY_BYTES", "2048")
    s = Settings()
    assert s.db_url == "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    assert s.api_keys == ("a1", "b2")
    assert s.disclosure_max_body_bytes == 2048


def test_explicit_driver_is_kept():
    assert Settings(database_url="postgresql+psycopg://u@h/db").db_url == "postgresql+psycopg://u@h/db"
    assert Settings(database_url="sqlite:////tmp/x.db").db_url == "sqlite:////tmp/x.db"


def test_the_parse_budget_and_the_hard_timeout(monkeypatch):
    for name in ("DISCLOSURE_PARSE_BUDGET", "DISCLOSURE_PARSE_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    s = Settings()
    assert (s.disclosure_parse_budget, s.disclosure_parse_timeout) == (5.0, 30.0)
    monkeypatch.setenv("DISCLOSURE_PARSE_BUDGET", "20")
    monkeypatch.setenv("DISCLOSURE_PARSE_TIMEOUT", "60")
    assert (Settings().disclosure_parse_budget, Settings().disclosure_parse_timeout) == (20.0, 60.0)
    monkeypatch.setenv("DISCLOSURE_PARSE_TIMEOUT", "20")  # the kill must come after the budget's end
    with pytest.raises(ValidationError, match="DISCLOSURE_PARSE_TIMEOUT must be more than DISCLOSURE_PARSE_BUDGET"):
        Settings()
    for bad in ("0", "-1", "nan"):
        monkeypatch.setenv("DISCLOSURE_PARSE_BUDGET", bad)
        with pytest.raises(ValidationError):
            Settings()
