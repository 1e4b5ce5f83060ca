"""Every error is application/problem+json with a stable code; bad input is never a 500."""

from __future__ import annotations

from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app
from conftest import API_KEY, AUTH, CORPUS, SEED, assert_problem

TEXT = {"Content-Type": "text/plain"}


def test_unknown_report_is_404(client):
    assert_problem(client.get("/reports/12345"), 404, "not_found")


def test_unknown_path_and_method(client):
    assert_problem(client.get("/nowhere"), 404, "not_found")
    r = client.delete("/reports/1")
    assert_problem(r, 405, "method_not_allowed")
    assert "GET" in r.headers["allow"]


def test_bad_parameters_are_422_with_the_errors(client, seed):
    body = assert_problem(client.get("/reports/abc"), 422, "validation_error")
    assert body["errors"][0]["loc"] == ["path", "report_id"]
    assert_problem(client.get("/reports/0"), 422, "validation_error")
    assert_problem(client.get("/reports/99999999999999999999"), 422, "validation_error")
    assert_problem(client.get("/reports", params={"region": "15a"}), 422, "validation_error")
    assert_problem(client.get("/reports", params={"template": "2020"}), 422, "validation_error")
    assert_problem(client.get("/reports", params={"cursor": "not-a-cursor"}), 422, "validation_error")
    assert_problem(client.get(f"/reports/{seed['id']}/text", params={"form": "pdf"}), 422, "validation_error")


def test_unsupported_media_type(client):
    assert_problem(client.post("/reports", content=b"GIF89a", headers={"Content-Type": "image/gif", **AUTH}),
                   415, "unsupported_media_type")
    assert_problem(client.post("/reports", content=b"a=b", headers={"Content-Type": "application/x-www-form-urlencoded", **AUTH}),
                   415, "unsupported_media_type")
    assert_problem(client.post("/reports", content=b"text", headers=AUTH), 415, "unsupported_media_type")


def test_empty_body(client):
    assert_problem(client.post("/reports", content=b"", headers={**TEXT, **AUTH}), 400, "empty_body")
    assert_problem(client.post("/reports", json={"text": ""}, headers=AUTH), 400, "empty_body")
    assert_problem(client.post("/reports", content=b"  \n ", headers={**TEXT, **AUTH}), 400, "empty_body")


def test_malformed_json(client):
    headers = {"Content-Type": "application/json", **AUTH}
    assert_problem(client.post("/reports", content=b'{"text": "abc', headers=headers), 400, "malformed_json")
    assert_problem(client.post("/reports", content=b"\xff\xfe{}", headers=headers), 400, "malformed_json")
    body = assert_problem(client.post("/reports", content=b'{"txt": "abc"}', headers=headers), 422, "validation_error")
    assert ["body", "text"] in [e["loc"] for e in body["errors"]]
    assert_problem(client.post("/reports", content=b'["abc"]', headers=headers), 422, "validation_error")
    assert_problem(client.post("/reports", content=b'{"text": 5}', headers=headers), 422, "validation_error")


def test_binary_bytes_are_an_input_error_not_a_500(client):
    r = client.post("/reports", content=bytes(range(256)) * 8, headers={**TEXT, **AUTH})
    assert 400 <= r.status_code < 500
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["code"]


def test_too_large(settings):
    small = settings.model_copy(update={"disclosure_max_body_bytes": 1000})
    with TestClient(create_app(small)) as c:
        data = (CORPUS / SEED).read_bytes()
        # declared too large: refused from Content-Length
        assert_problem(c.post("/reports", content=data, headers={**TEXT, **AUTH}), 413, "payload_too_large")
        # no Content-Length (chunked): refused while streaming
        chunks = (data[i:i + 300] for i in range(0, len(data), 300))
        assert_problem(c.post("/reports", content=chunks, headers={**TEXT, **AUTH}), 413, "payload_too_large")
        assert_problem(c.post("/reports", json={"text": data.decode()}, headers=AUTH), 413, "payload_too_large")
        assert c.get("/reports").json()["data"] == []
        # under the limit passes
        r = c.post("/reports", content="2020年政府信息公开工作年度报告".encode(), headers={**TEXT, **AUTH})
        assert r.status_code == 201


# ----------------------------------------------------------------------------- auth

def _post(c, headers):
    return c.post("/reports", content=(CORPUS / SEED).read_bytes(), headers={**TEXT, **headers})


def test_write_without_key_is_401(client):
    r = _post(client, {})
    body = assert_problem(r, 401, "unauthorized")
    assert r.headers["www-authenticate"] == "Bearer"
    assert API_KEY not in r.text and API_KEY not in body["detail"]
    assert_problem(_post(client, {"Authorization": f"Basic {API_KEY}"}), 401, "unauthorized")


def test_write_with_wrong_key_is_403(client):
    r = _post(client, {"Authorization": "Bearer not-the-key"})
    assert_problem(r, 403, "forbidden")
    assert "not-the-key" not in r.text
    assert_problem(_post(client, {"Authorization": "Bearer 钥匙".encode()}), 403, "forbidden")
    assert client.get("/reports").json()["data"] == []


def test_any_configured_key_writes(client):
    assert _post(client, {"Authorization": "Bearer other-key"}).status_code == 201
    assert _post(client, AUTH).status_code == 200


def test_writes_disabled_without_configured_keys(database_url):
    with TestClient(create_app(Settings(database_url=database_url, disclosure_api_keys=" , "))) as c:
        body = assert_problem(_post(c, AUTH), 403, "writes_disabled")
        assert "DISCLOSURE_API_KEYS" in body["detail"]
        assert_problem(_post(c, {}), 403, "writes_disabled")
        assert c.get("/healthz").status_code == 200  # reads stay open


def test_reads_need_no_key(client, seed):
    assert client.get(f"/reports/{seed['id']}").status_code == 200
    assert client.get("/healthz").json()["status"] == "ok"


NOT_IDS = ("1.0", "+1", "%2B1", "01", "001", "1e0", "%201", "1%20", "0x1", "１", "1_0", "-0", "1.")


def test_report_ids_are_canonical_on_every_report_path(client, seed):
    """`/reports/1.0`, `/reports/+1`, `/reports/01` are no ids (they were report 1): 422 on
    every {report_id} path, the view cache's included (warmed first on the canonical path)."""
    from conftest import REPO
    import json

    spec = json.loads((REPO / "openapi" / "openapi.json").read_text(encoding="utf-8"))
    assert seed["id"] == 1
    paths = [p for p, ops in spec["paths"].items() if "{report_id}" in p and "get" in ops]
    assert len(paths) >= 12
    for path in paths:
        path = path.replace("{page}", "1")  # /reports/{report_id}/pages/{page}.png
        ok = client.get(path.replace("{report_id}", "1"), params={"with": "1"} if path.endswith("compare") else None)
        # the seed is text: it has no page images (404 not_a_pdf; a PDF's: tests/test_pages.py)
        assert ok.status_code == (404 if path.endswith(".png") else 200), path  # and warms the view cache
        for bad in NOT_IDS:
            body = assert_problem(client.get(path.replace("{report_id}", bad)), 422, "validation_error")
            assert body["errors"][0]["loc"] == ["path", "report_id"], (path, bad)
    for bad in NOT_IDS:
        assert_problem(client.post(f"/reports/{bad}/reparse", headers=AUTH), 422, "validation_error")
