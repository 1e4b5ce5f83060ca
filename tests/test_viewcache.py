"""Report views served from memory (app/api/viewcache.py): the same bytes and headers as the
endpoints give, 304s from the store, and a view made again once its report changes."""

from __future__ import annotations

from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app
from conftest import AUTH, CORPUS

PATHS = ["", "/figures", "/figures?prefix=active.", "/findings", "/text", "/text?form=normalized", "/active",
         "/permits", "/fees", "/procurement", "/applications", "/review-litigation", "/media-accounts",
         "/publishing"]
SAME_HEADERS = ("content-type", "content-length", "etag", "last-modified", "cache-control")


def test_views_from_the_store_are_what_the_endpoints_answer(settings, seed):
    uncached = Settings(database_url=settings.database_url, disclosure_view_cache_mb=0)
    with TestClient(create_app(settings)) as cached, TestClient(create_app(uncached)) as plain:
        for path in PATHS:
            url = f"/reports/{seed['id']}{path}"
            want = plain.get(url)
            assert want.status_code == 200, url
            for _ in range(2):  # made, then from the store
                got = cached.get(url)
                assert got.status_code == 200 and got.content == want.content, url
                assert {h: got.headers.get(h) for h in SAME_HEADERS} == \
                       {h: want.headers.get(h) for h in SAME_HEADERS}, url
            not_modified = cached.get(url, headers={"If-None-Match": want.headers["etag"]})
            assert not_modified.status_code == 304 and not_modified.content == b"", url
            assert not_modified.headers["etag"] == want.headers["etag"]
            assert not_modified.headers["last-modified"] == want.headers["last-modified"]


def test_a_changed_report_is_served_anew(client, seed):
    url = f"/reports/{seed['id']}"
    before = client.get(url)
    assert client.get(url, headers={"If-None-Match": before.headers["etag"]}).status_code == 304
    assert client.post(f"/reports/{seed['id']}/reparse", headers=AUTH).status_code == 200
    after = client.get(url, headers={"If-None-Match": before.headers["etag"]})
    assert after.status_code == 200 and after.headers["etag"] != before.headers["etag"]
    assert after.json()["change_seq"] > seed["change_seq"]


def test_errors_pass_through(client, seed):
    assert client.get("/reports/999999/figures").status_code == 404
    assert client.get(f"/reports/{seed['id']}/text?form=bogus").status_code == 422
    assert client.get(f"/reports/{seed['id']}/figures?prefix=" + "x" * 200).status_code == 422
    assert client.get(f"/reports/{seed['id']}/text?form=bogus").status_code == 422  # not kept


def test_stats_answers_kept_per_data_version(client, seed):
    url = "/stats?key=active.permit.decisions&by=province"
    first = client.get(url)
    again = client.get(url)
    assert again.status_code == 200 and again.content == first.content
    assert again.headers["etag"] == first.headers["etag"] and again.headers["content-type"] == "application/json"
    csv = client.get(url + "&format=csv")
    assert client.get(url + "&format=csv").content == csv.content and csv.headers["content-type"].startswith("text/csv")
    other = (CORPUS / "shuyang-2025.txt").read_bytes()
    assert client.post("/reports", content=other, headers={"Content-Type": "text/plain", **AUTH}).status_code == 201
    after = client.get(url)
    assert after.headers["etag"] != first.headers["etag"]
    assert after.json()["stats"] != first.json()["stats"]
