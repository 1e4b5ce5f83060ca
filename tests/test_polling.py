"""Cheap polling (ETag, 304, Last-Modified, /changes and the change sequence), CORS on
reads, offline API docs, and what the OpenAPI spec says of them."""

from __future__ import annotations

import threading

from sqlmodel import Session

from app.config import Settings
from app.db import make_engine
from app.main import create_app
from app.models import Report
from app.services.changes import touch_report
from conftest import AUTH, CORPUS, assert_problem


def _changes(client, since=None) -> dict:
    r = client.get("/changes", params={"since": since} if since else None)
    assert r.status_code == 200, r.text
    return r.json()


def test_etag_304_then_new_etag_after_a_reparse_and_changes_show_it(client, seed):
    rid = seed["id"]
    start = _changes(client)
    assert [(c["id"], c["change"]) for c in start["data"]] == [(rid, "created")]
    first = client.get(f"/reports/{rid}")
    etag = first.headers["etag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    assert first.headers["cache-control"] == "no-cache"
    assert first.headers["last-modified"].endswith(" GMT")
    again = client.get(f"/reports/{rid}", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag and "content-type" not in again.headers
    figures = client.get(f"/reports/{rid}/figures")
    assert client.get(f"/reports/{rid}/figures", headers={"If-None-Match": figures.headers["etag"]}).status_code == 304
    # nothing changed: /changes from its cursor is empty, and answers 304 to its own ETag
    quiet = client.get("/changes", params={"since": start["cursor"]})
    assert quiet.json()["data"] == [] and quiet.json()["cursor"] == start["cursor"]
    assert client.get("/changes", params={"since": start["cursor"]},
                      headers={"If-None-Match": quiet.headers["etag"]}).status_code == 304

    r = client.post(f"/reports/{rid}/reparse", headers=AUTH)
    assert r.status_code == 200, r.text
    after = client.get(f"/reports/{rid}", headers={"If-None-Match": etag})
    assert after.status_code == 200 and after.headers["etag"] != etag
    assert after.json()["change_seq"] > seed["change_seq"]
    changed = _changes(client, start["cursor"])
    assert [(c["id"], c["change"]) for c in changed["data"]] == [(rid, "updated")]
    assert changed["cursor"] != start["cursor"] and _changes(client, changed["cursor"])["data"] == []


def test_touch_report_bumps_sequence_etag_and_last_modified(client, seed, settings):
    second = client.post("/reports", content=(CORPUS / "shuyang-2025.txt").read_bytes(),
                         headers={"Content-Type": "text/plain", **AUTH}).json()
    cursor = _changes(client)["cursor"]
    etag = client.get(f"/reports/{seed['id']}").headers["etag"]
    engine = make_engine(settings.db_url)
    try:
        with Session(engine) as session:
            report = session.get(Report, seed["id"])
            seq = touch_report(session, report)
            session.commit()
    finally:
        engine.dispose()
    assert seq > second["change_seq"] > seed["change_seq"]
    body = _changes(client, cursor)
    assert [c["id"] for c in body["data"]] == [seed["id"]] and body["data"][0]["change_seq"] == seq
    assert client.get(f"/reports/{seed['id']}", headers={"If-None-Match": etag}).status_code == 200
    # the oldest change first, each report once at its newest place
    assert [c["id"] for c in _changes(client)["data"]] == [second["id"], seed["id"]]


def test_change_numbers_follow_commit_order_under_concurrent_writers(settings, seed):
    """Eight threads touching reports at once: every number is used once, without gaps."""
    engine = make_engine(settings.db_url)
    seqs: list[int] = []
    lock = threading.Lock()

    def work() -> None:
        for _ in range(5):
            with Session(engine) as session:
                seq = touch_report(session, session.get(Report, seed["id"]))
                session.commit()
            with lock:
                seqs.append(seq)

    threads = [threading.Thread(target=work) for _ in range(8)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        engine.dispose()
    assert sorted(seqs) == list(range(seed["change_seq"] + 1, seed["change_seq"] + 41))


def test_changes_pages_and_filters(client, seed):
    for name in ("huaian-2024.txt", "shuyang-2025.txt", "pingtan-2024.txt"):
        client.post("/reports", content=(CORPUS / name).read_bytes(), headers={"Content-Type": "text/plain", **AUTH})
    first = client.get("/changes", params={"limit": 3})
    body = first.json()
    assert len(body["data"]) == 3 and body["next"] and first.headers["link"] == f'<{body["next"]}>; rel="next"'
    rest = client.get(body["next"]).json()
    assert len(rest["data"]) == 1 and rest["next"] is None
    seqs = [c["change_seq"] for c in body["data"] + rest["data"]]
    assert seqs == sorted(seqs)
    assert [c["region_code"] for c in _changes_with(client, region="32")] == ["320800", "321322"]
    csv_body = client.get("/changes", params={"format": "csv"}).content.decode("utf-8-sig")
    assert csv_body.splitlines()[0].endswith(",change,reason,merged_into,removed_at") and len(csv_body.splitlines()) == 5


def _changes_with(client, **params) -> list[dict]:
    return client.get("/changes", params=params).json()["data"]


def test_errors_carry_no_etag(client):
    r = client.get("/reports/99")
    assert r.status_code == 404 and "etag" not in r.headers


def test_cors_on_reads(client, seed):
    r = client.get(f"/reports/{seed['id']}", headers={"Origin": "https://frontend.example"})
    assert r.headers["access-control-allow-origin"] == "*"
    exposed = {h.strip().lower() for h in r.headers["access-control-expose-headers"].split(",")}
    assert {"etag", "link", "last-modified"} <= exposed
    pre = client.options("/figures", headers={"Origin": "https://frontend.example", "Access-Control-Request-Method": "GET",
                                              "Access-Control-Request-Headers": "If-None-Match"})
    assert pre.status_code == 200 and "if-none-match" in pre.headers["access-control-allow-headers"].lower()
    denied = client.options("/reports", headers={"Origin": "https://frontend.example",
                                                 "Access-Control-Request-Method": "POST"})
    assert denied.status_code == 400


def test_cors_origins_configurable(database_url):
    settings = Settings(database_url=database_url, disclosure_cors_origins="https://a.example, https://b.example")
    from fastapi.testclient import TestClient

    with TestClient(create_app(settings)) as c:
        ok = c.get("/regions", headers={"Origin": "https://b.example"})
        assert ok.headers["access-control-allow-origin"] == "https://b.example"
        other = c.get("/regions", headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in other.headers


def test_docs_are_served_without_a_cdn(client):
    for page, assets in (("/docs", ("swagger-ui-bundle.js", "swagger-ui.css")), ("/redoc", ("redoc.standalone.js",))):
        r = client.get(page)
        assert r.status_code == 200
        assert "https://" not in r.text and "http://" not in r.text, page
        for asset in assets:
            a = client.get(f"/docs-assets/{asset}")
            assert a.status_code == 200 and len(a.content) > 100_000, asset
            assert a.headers["cache-control"] == "public, max-age=86400" and a.headers["etag"]


def test_spec_documents_caching_formats_and_problems(client):
    spec = client.get("/openapi.json").json()
    for path, ops in spec["paths"].items():
        get = ops.get("get")
        if get is None:
            continue
        assert "304" in get["responses"], path
        assert any(p["name"] == "If-None-Match" for p in get["parameters"]), path
        assert "ETag" in get["responses"]["200"]["headers"], path
        if any(p["in"] in ("query", "path") for p in get["parameters"]):
            assert "application/problem+json" in get["responses"]["422"]["content"], path
    figures = spec["paths"]["/figures"]["get"]
    assert {"text/csv", "application/x-ndjson", "application/json"} <= set(figures["responses"]["200"]["content"])
    names = {p["name"] for p in figures["parameters"]}
    assert {"key", "year", "region", "agency", "template", "status", "level", "on_time", "sort", "limit", "cursor",
            "count", "format"} <= names
    assert "Last-Modified" in spec["paths"]["/reports/{report_id}"]["get"]["responses"]["200"]["headers"]
    assert {"/regions", "/regions/{code}", "/figures", "/stats", "/changes", "/reports/{report_id}/compare"} <= set(spec["paths"])
    assert_problem(client.get("/regions/00"), 422, "validation_error")


def test_lists_and_queries_answer_304_until_the_data_changes(client, seed):
    urls = ("/stats?key=active.permit.decisions&by=city", "/figures?key=active.permit", "/reports",
            "/regions?parent=150700", "/changes", "/figures?key=active.permit&format=csv",
            "/stats?key=active.permit&format=csv")
    etags = {}
    for url in urls:
        r = client.get(url)
        assert r.status_code == 200, url
        etags[url] = r.headers["etag"]
        again = client.get(url, headers={"If-None-Match": etags[url]})
        assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etags[url], url
        assert again.headers["cache-control"] == "no-cache"
    assert client.get("/reports", headers={"If-None-Match": etags["/reports"], "Accept": "text/csv"}).status_code == 200
    client.post("/reports", content=(CORPUS / "shuyang-2025.txt").read_bytes(),
                headers={"Content-Type": "text/plain", **AUTH})
    for url in urls:
        r = client.get(url, headers={"If-None-Match": etags[url]})
        assert r.status_code == 200 and r.headers["etag"] != etags[url], url


def test_docs_assets_stay_public_when_reads_need_a_key(database_url):
    from fastapi.testclient import TestClient

    settings = Settings(database_url=database_url, disclosure_api_keys="k", disclosure_reads_require_key=True)
    with TestClient(create_app(settings)) as c:
        assert c.get("/docs").status_code == 200
        assert c.get("/docs-assets/swagger-ui.css").status_code == 200
        assert c.get("/reports").status_code == 401
        r = c.get("/reports", headers={"Authorization": "Bearer k"})
        assert r.status_code == 200 and r.headers["cache-control"] == "private, no-cache"
