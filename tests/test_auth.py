"""Writes are guarded; reads are public unless configured otherwise; keys may be stored
hashed, are compared in constant time and never appear in logs or error bodies."""

from __future__ import annotations

import hashlib
import logging

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from app.api import auth
from app.config import Settings
from app.main import create_app
from conftest import CORPUS, SEED, assert_problem

TEXT = {"Content-Type": "text/plain"}
WRITE_KEY = "w-Secret-7d1e9a"
READ_KEY = "r-Secret-44b0c2"
HASHED_KEY = "h-Secret-0f93aa"


def sha256_entry(key: str) -> str:
    return "sha256:" + hashlib.sha256(key.encode()).hexdigest()


def bearer(key: str) -> dict:
    return {"Authorization": f"Bearer {key}"}


def _post(c, headers):
    return c.post("/reports", content=(CORPUS / SEED).read_bytes(), headers={**TEXT, **headers})


@pytest.fixture
def guarded_settings(database_url) -> Settings:
    return Settings(database_url=database_url,
                    disclosure_api_keys=f"{WRITE_KEY}, {sha256_entry(HASHED_KEY)}",
                    disclosure_read_keys=sha256_entry(READ_KEY))


def test_a_key_configured_as_its_sha256_writes(guarded_settings):
    with TestClient(create_app(guarded_settings)) as c:
        assert _post(c, bearer(HASHED_KEY)).status_code == 201
        assert _post(c, bearer(WRITE_KEY)).status_code == 200
        # the digest is no key: knowing the configuration does not let one write
        assert_problem(_post(c, bearer(sha256_entry(HASHED_KEY))), 403, "forbidden")
        assert_problem(_post(c, bearer(sha256_entry(HASHED_KEY)[7:])), 403, "forbidden")
        # read keys cannot write
        assert_problem(_post(c, bearer(READ_KEY)), 403, "forbidden")
        assert_problem(_post(c, {}), 401, "unauthorized")


def test_keys_are_compared_with_every_digest_in_constant_time(monkeypatch):
    calls = []
    real = auth.hmac.compare_digest

    def counting(a, b):
        calls.append((len(a), len(b)))
        return real(a, b)

    monkeypatch.setattr(auth.hmac, "compare_digest", counting)
    digests = Settings(disclosure_api_keys=f"first,{WRITE_KEY},third").write_key_digests
    assert auth.key_matches("first", digests)  # matches the first, still compares all three
    assert len(calls) == 3
    calls.clear()
    assert not auth.key_matches("x" * 10_000, digests)  # any length: one digest against each
    assert calls == [(32, 32)] * 3


def test_a_malformed_hashed_entry_is_refused_at_start_without_echoing_it():
    with pytest.raises(ValidationError) as err:
        Settings(disclosure_api_keys="sha256:not-hex-Secret-123")
    assert "not-hex-Secret-123" not in str(err.value)
    assert "64 hex digits" in str(err.value)


def test_settings_repr_hides_keys_and_database_password():
    s = Settings(database_url="postgresql://u:pw-Secret-1@db/x", disclosure_api_keys=WRITE_KEY,
                 disclosure_read_keys=READ_KEY)
    shown = repr(s) + str(s)
    for secret in (WRITE_KEY, READ_KEY, "pw-Secret-1"):
        assert secret not in shown


def test_reads_public_by_default(client, seed):
    assert client.get(f"/reports/{seed['id']}").status_code == 200
    assert client.get("/reports").status_code == 200


def test_reads_can_require_a_key(guarded_settings):
    settings = guarded_settings.model_copy(update={"disclosure_reads_require_key": True})
    with TestClient(create_app(settings)) as c:
        assert _post(c, bearer(WRITE_KEY)).status_code == 201
        for path in ("/reports", "/reports/1", "/reports/1/figures", "/reports/1/text", "/nowhere"):
            r = c.get(path)
            assert_problem(r, 401, "unauthorized")
            assert r.headers["www-authenticate"] == "Bearer"
            assert_problem(c.get(path, headers=bearer("wrong-Secret-9")), 403, "forbidden")
        assert c.get("/reports/1", headers=bearer(READ_KEY)).status_code == 200
        assert c.get("/reports/1/figures", headers=bearer(WRITE_KEY)).status_code == 200
        # probes and the API description stay public
        assert c.get("/healthz").status_code == 200
        assert c.get("/openapi.json").status_code == 200


def test_no_secret_in_logs_or_error_bodies(guarded_settings, caplog):
    wrong = "wrong-Secret-5c77"
    secrets = (WRITE_KEY, READ_KEY, HASHED_KEY, wrong)
    bodies = []
    caplog.set_level(logging.DEBUG)
    settings = guarded_settings.model_copy(update={"disclosure_reads_require_key": True})
    with TestClient(create_app(settings), raise_server_exceptions=False) as c:
        for key in secrets:
            for r in (_post(c, bearer(key)), c.get("/reports/1", headers=bearer(key)),
                      c.get("/reports/abc", headers=bearer(key)),
                      c.post("/reports", content=b"{", headers={"Content-Type": "application/json", **bearer(key)})):
                bodies.append(r.text + str(r.headers))
        bodies.append(_post(c, {"Authorization": f"Basic {wrong}"}).text)
    text = "\n".join(bodies) + caplog.text
    for secret in secrets:
        assert secret not in text
