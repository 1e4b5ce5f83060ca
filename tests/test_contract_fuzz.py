"""Contract fuzzing: schemathesis generates requests from the committed openapi/openapi.json
and sends them to the app (over a migrated database holding the seed report); no answer
may be a 5xx, and every answer must match the spec (status documented, content type,
headers, body schema). Bounded: DISCLOSURE_FUZZ_EXAMPLES examples per operation (default
25). Run with `pytest -m fuzz`; .ci/run does.

Fetching by URL is part of the spec; the resolver is stood in for so that no generated
host name is ever looked up (only loopback traffic may leave this machine), and the
address guard refuses every IP literal that is not public before connecting.
"""

from __future__ import annotations

import ipaddress
import json
import os
import shutil
import socket
import tempfile
from pathlib import Path

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, settings as hsettings  # noqa: E402
from schemathesis.core.parameters import ParameterLocation  # noqa: E402
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance  # noqa: E402

from fastapi.testclient import TestClient  # noqa: E402

from app.config import Settings  # noqa: E402
from app.db import Database, migrate  # noqa: E402
from app.main import create_app  # noqa: E402
from app.services import fetch as fetch_module  # noqa: E402
from conftest import API_KEY, CORPUS, REPO, SEED, reset_database  # noqa: E402

pytestmark = pytest.mark.fuzz

EXAMPLES = int(os.environ.get("DISCLOSURE_FUZZ_EXAMPLES", "25"))



@schemathesis.serializer("application/pdf", "application/msword",
                         "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
def _file_body(_ctx, value) -> dict:
    """Published files go as the bytes generated for them (any bytes: the service must refuse
    what is no such file with a documented problem)."""
    return {"data": value if isinstance(value, bytes) else str(value).encode("utf-8")}


def _no_dns(host, port, **kwargs):
    # IP literals only; and public ones must never be connected to from a test either
    infos = socket.getaddrinfo(host, port, flags=socket.AI_NUMERICHOST, **kwargs)
    for *_, sockaddr in infos:
        if not fetch_module.is_public(ipaddress.ip_address(sockaddr[0].split("%")[0])):
            continue
        raise socket.gaierror(socket.EAI_NONAME, "public address: not reached from tests")
    return infos


# The app is built here (building touches no database); the module fixture below migrates
# its SQLite file and stores the seed report before the first example runs.
_FUZZ_DIR = Path(tempfile.mkdtemp(prefix="disclosure-fuzz-"))
_FUZZ_URL = f"sqlite:///{_FUZZ_DIR / 'fuzz.db'}"
APP = create_app(Settings(database_url=_FUZZ_URL, disclosure_api_keys=API_KEY,
                          disclosure_max_body_bytes=256 * 1024, disclosure_fetch_timeout=2.0))

SPEC = json.loads((REPO / "openapi" / "openapi.json").read_text(encoding="utf-8"))
schema = schemathesis.openapi.from_path(REPO / "openapi" / "openapi.json")
schema.app = APP


@pytest.fixture(scope="module", autouse=True, params=["sqlite", "postgresql"])
def _seeded(request):
    """The app's database: the SQLite file, or this session's PostgreSQL database (emptied),
    migrated, with the seed report stored (id 1)."""
    url = _FUZZ_URL
    if request.param == "postgresql":
        url = request.getfixturevalue("postgres_url")
        reset_database(url)
    migrate(url)
    APP.state.db = Database(url)
    # what the app builds on first use over its database goes with the database it replaces
    if hasattr(APP.state, "runtime"):  # (its writer, its migration head, …)
        APP.state.runtime.close()
        del APP.state.runtime
    with TestClient(APP) as client:
        r = client.post("/reports", content=(CORPUS / SEED).read_bytes(),
                        headers={"Content-Type": "text/plain", "Authorization": f"Bearer {API_KEY}"})
        assert r.status_code == 201
    yield
    APP.state.db.dispose()
    if request.param == "sqlite":
        shutil.rmtree(_FUZZ_DIR, ignore_errors=True)


@pytest.fixture(autouse=True)
def _guard_network(monkeypatch):
    monkeypatch.setattr(fetch_module, "resolve", _no_dns)


@schema.parametrize()
@hsettings(max_examples=EXAMPLES, deadline=None, derandomize=True,
           suppress_health_check=list(HealthCheck))
def test_the_api_keeps_its_contract(case, _guard_network):
    meta = case.meta
    # writes need the key, except where schemathesis leaves the header out on purpose
    needs_key = case.method.upper() == "POST" and not (meta and meta.is_negative_at(ParameterLocation.HEADER))
    headers = {"Authorization": f"Bearer {API_KEY}"} if needs_key else {}
    # every check but positive_data_acceptance: a schema-valid request may still be refused with
    # the documented 422 where the spec cannot say what is valid — opaque cursors (`cursor`,
    # `since`) the service did not issue, figure keys that match no key
    excluded = [positive_data_acceptance]
    if _no_wrong_type(case):
        excluded.append(negative_data_rejection)
    case.call_and_validate(headers=headers, excluded_checks=excluded)


def _no_wrong_type(case) -> bool:
    """Negative cases that cannot be told from valid ones on the wire: any bytes are a text/*
    body, and any query value is a string to a string parameter."""
    if (case.media_type or "").startswith("text/"):
        return True
    meta = case.meta
    if meta is None or not meta.is_negative_at(ParameterLocation.QUERY):
        return False
    name = getattr(meta.phase.data, "parameter", None)
    for param in SPEC["paths"][case.path][case.method.lower()].get("parameters", []):
        if param["in"] == "query" and param["name"] == name:
            sch = param.get("schema", {})
            return "string" in {sch.get("type"), *(a.get("type") for a in sch.get("anyOf", []))}
    return False
