"""Corrections by people (issue 13, item 4): PUT / DELETE /reports/{id}/figures/{key} and
GET /reports/{id}/corrections, on a real corpus report, a SQLite file and PostgreSQL.

The parser's values are read from the stored report itself (its figures as served before
any correction) or the corpus gold, never written down here."""

from __future__ import annotations

import csv
import hashlib
import io

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlmodel import Session

from app.config import Settings, key_label
from app.db import make_engine
from app.main import create_app
from conftest import API_KEY, AUTH, CORPUS, assert_problem, expected_for, figure_map, fold_pending

KEY = "applications.new_received.total"
LABEL = "key-" + hashlib.sha256(API_KEY.encode()).hexdigest()[:8]  # the fixture's key has no label


def _figure(client, rid: int, key: str = KEY) -> dict | None:
    figures = client.get(f"/reports/{rid}/figures", params={"prefix": key}).json()["figures"]
    return next((f for f in figures if f["key"] == key), None)


def _stats(client, key: str = KEY, **params) -> dict:
    r = client.get("/stats", params={"key": key, **params})
    assert r.status_code == 200, r.text
    return r.json()["stats"][0]


def _changes(client, since: str | None = None) -> dict:
    r = client.get("/changes", params={"since": since} if since else None)
    assert r.status_code == 200, r.text
    return r.json()


def test_a_correction_is_served_everywhere_survives_reparse_and_goes_with_delete(client, seed, database_url):
    rid = seed["id"]
    parsed = expected_for("ewenki-2020.txt")["figures"][KEY]
    assert _figure(client, rid)["value"] == parsed
    fold_pending(database_url)  # the report in the rollup: a correction must refresh its cells
    assert _stats(client)["sum"] == parsed
    cursor = _changes(client)["cursor"]
    etag = client.get(f"/reports/{rid}/figures").headers["etag"]
    new = parsed + 1000

    r = client.put(f"/reports/{rid}/figures/{KEY}", json={"value": new, "reason": "table 三, page 4: 1012"},
                   headers=AUTH)
    assert r.status_code == 201, r.text
    fig = r.json()
    assert fig["value"] == new and fig["flags"] == ["corrected"] and fig["parsed_value"] == parsed
    assert fig["parsed_flags"] == [] and fig["source"]["line"] is not None  # the parser's source kept
    assert fig["correction"]["by"] == LABEL and fig["correction"]["reason"] == "table 三, page 4: 1012"
    assert API_KEY not in r.text
    assert _figure(client, rid) == fig

    # every read: figures (JSON, CSV, NDJSON), the section view, /figures, /stats (rollup and figure table)
    rows = list(csv.DictReader(io.StringIO(client.get(f"/reports/{rid}/figures",
                                                      params={"format": "csv"}).text.lstrip("\ufeff"))))
    row = next(r for r in rows if r["key"] == KEY)
    assert (row["value"], row["flags"], row["parsed_value"], row["correction.by"]) == \
        (str(new), "corrected", str(parsed), LABEL)
    others = [r for r in rows if r["key"] != KEY]
    assert others and all(r["parsed_value"] == "" and r["correction.by"] == "" for r in others)
    nd = [line for line in client.get(f"/reports/{rid}/figures", params={"format": "ndjson"}).text.splitlines()
          if f'"{KEY}"' in line]
    assert len(nd) == 1 and f'"parsed_value":{parsed}' in nd[0]
    apps = client.get(f"/reports/{rid}/applications").json()
    assert next(x for x in apps["rows"] if x["key"] == "new_received")["values"]["total"] == new
    across = client.get("/figures", params={"key": KEY}).json()["data"]
    assert [(x["value"], x["flags"], x["parsed_value"]) for x in across] == [(new, ["corrected"], parsed)]
    assert _stats(client)["sum"] == new  # the rollup's cells refreshed
    assert _stats(client, exact="true")["sum"] == new  # the figure table; a person's value counts as exact
    assert client.get(f"/reports/{rid}/figures", params={"exact": "true", "prefix": KEY}).json()["figures"][0][
        "value"] == new
    # indicators over it (the report's own, and /stats's from the rollup) and the cross-year checks' terms
    own = client.get(f"/reports/{rid}/indicators").json()["indicators"]
    assert next(i for i in own if i["indicator"] == "review_litigation_rate")["denominator"] == new
    rolled = client.get("/stats", params={"indicator": "review_litigation_rate"}).json()["indicator_stats"][0]
    assert rolled["denominator"] == new and rolled["count"] == 1
    carried = "applications.carried_over.total"  # the carry-over check's term of this report
    assert client.put(f"/reports/{rid}/figures/{carried}", json={"value": 77, "reason": "check"},
                      headers=AUTH).status_code == 201
    terms = [t for c in client.get(f"/reports/{rid}/checks").json()["checks"] for t in c["terms"]
             if t["report_id"] == rid and t["key"] == carried]
    assert terms and all((t["value"], t["reading"]) == (77, "corrected") for t in terms)
    assert client.delete(f"/reports/{rid}/figures/{carried}", headers=AUTH).status_code == 200

    # pollers: the report is in /changes, the ETag moved
    changed = _changes(client, cursor)
    assert [(c["id"], c["change"]) for c in changed["data"]] == [(rid, "updated")]
    assert client.get(f"/reports/{rid}/figures", headers={"If-None-Match": etag}).status_code == 200

    # a reparse rewrites every figure: the correction is applied again
    assert client.post(f"/reports/{rid}/reparse", headers=AUTH).status_code == 200
    assert _figure(client, rid) == fig
    assert _stats(client)["sum"] == new

    # DELETE: the parser's value back everywhere, the correction kept as history, a change for pollers
    cursor = _changes(client)["cursor"]
    r = client.delete(f"/reports/{rid}/figures/{KEY}", headers=AUTH)
    assert r.status_code == 200, r.text
    assert r.json()["active"] is False and r.json()["retired_by"] == LABEL and r.json()["value"] == new
    back = _figure(client, rid)
    assert back["value"] == parsed and "corrected" not in back["flags"]
    assert "parsed_value" not in back and "correction" not in back
    assert _stats(client)["sum"] == parsed and _stats(client, exact="true")["sum"] == parsed
    assert [c["id"] for c in _changes(client, cursor)["data"]] == [rid]
    assert figure_map(client.get(f"/reports/{rid}/figures").json()["figures"]) == \
        expected_for("ewenki-2020.txt")["figures"]
    assert_problem(client.delete(f"/reports/{rid}/figures/{KEY}", headers=AUTH), 404, "not_found")


def test_history_keeps_every_correction_with_who_and_when(client, seed, settings):
    rid = seed["id"]
    labelled = Settings(**{**settings.model_dump(), "disclosure_api_keys": f"ops-team={API_KEY},other"})
    with TestClient(create_app(labelled)) as ops:
        assert ops.put(f"/reports/{rid}/figures/{KEY}", json={"value": 1, "reason": "first"},
                       headers=AUTH).status_code == 201
        r = ops.put(f"/reports/{rid}/figures/{KEY}", json={"value": 2, "reason": "second"}, headers=AUTH)
        assert r.status_code == 200, r.text  # replaces the active one
        assert r.json()["value"] == 2 and r.json()["correction"]["by"] == "ops-team"
        assert ops.delete(f"/reports/{rid}/figures/{KEY}", headers=AUTH).status_code == 200
    history = client.get(f"/reports/{rid}/corrections").json()
    assert history["report_id"] == rid
    got = [(c["value"], c["reason"], c["by"], c["active"], c["retired_by"] is not None)
           for c in history["corrections"]]
    assert got == [(2, "second", "ops-team", False, True), (1, "first", "ops-team", False, True)]
    first, second = history["corrections"][1], history["corrections"][0]
    assert first["retired_at"] <= second["created_at"] <= second["retired_at"]
    assert API_KEY not in client.get(f"/reports/{rid}/corrections").text
    # a report with none: an empty history; no report: 404
    assert_problem(client.get("/reports/999999/corrections"), 404, "not_found")


def test_a_figure_the_parser_did_not_read_can_be_supplied_and_withdrawn(client):
    name, key = "huaian-2024.txt", "media.accounts.wechat"
    assert key not in expected_for(name)["figures"]
    report = client.post("/reports", content=(CORPUS / name).read_bytes(),
                         headers={"Content-Type": "text/plain", **AUTH}).json()
    rid, count = report["id"], report["figure_count"]
    assert _figure(client, rid, key) is None
    r = client.put(f"/reports/{rid}/figures/{key}", json={"value": 7, "reason": "stated on the website"},
                   headers=AUTH)
    assert r.status_code == 201, r.text
    assert r.json()["parsed_value"] is None and r.json()["source"] is None and r.json()["unit"] == "个"
    assert client.get(f"/reports/{rid}").json()["figure_count"] == count + 1
    assert client.get(f"/reports/{rid}/media-accounts").json()["wechat"] == 7
    assert client.post(f"/reports/{rid}/reparse", headers=AUTH).status_code == 200
    assert _figure(client, rid, key)["value"] == 7
    assert client.delete(f"/reports/{rid}/figures/{key}", headers=AUTH).status_code == 200
    assert _figure(client, rid, key) is None
    assert client.get(f"/reports/{rid}").json()["figure_count"] == count
    assert figure_map(client.get(f"/reports/{rid}/figures").json()["figures"]) == expected_for(name)["figures"]


def test_bad_corrections_are_problems_and_store_nothing(client, seed):
    rid = seed["id"]
    url = f"/reports/{rid}/figures/{KEY}"
    good = {"value": 5, "reason": "why"}
    assert_problem(client.put(url, json=good), 401, "unauthorized")
    assert_problem(client.put(url, json=good, headers={"Authorization": "Bearer nope"}), 403, "forbidden")
    assert_problem(client.delete(url), 401, "unauthorized")
    assert_problem(client.put(f"/reports/999999/figures/{KEY}", json=good, headers=AUTH), 404, "not_found")
    body = assert_problem(client.put(f"/reports/{rid}/figures/applications.new_recieved.total", json=good,
                                     headers=AUTH), 422, "validation_error")
    assert body["errors"][0]["loc"] == ["path", "key"] and "applications.new_received.total" in body["detail"]
    # a key of the 2021 template on a 2019 report
    assert_problem(client.put(f"/reports/{rid}/figures/active.rules.issued", json=good, headers=AUTH), 422,
                   "validation_error")
    for bad in ({"value": 5}, {"reason": "why"}, {"value": 5, "reason": ""}, {"value": 5, "reason": "   "},
                {"value": "5", "reason": "why"}, {"value": True, "reason": "why"}, {"value": None, "reason": "why"},
                {"value": 5.5, "reason": "why"}, {"value": 10**13, "reason": "why"},
                {"value": 5, "reason": "x" * 2001}, {"value": 5, "reason": 5},
                {"value": 5, "reason": "why", "by": "someone else"}, [5, "why"]):
        assert_problem(client.put(url, json=bad, headers=AUTH), 422, "validation_error")
    assert client.put(url, content=b"{not json", headers={**AUTH, "Content-Type": "application/json"}) \
        .status_code == 422
    assert_problem(client.delete(f"/reports/{rid}/figures/nope", headers=AUTH), 422, "validation_error")
    assert client.get(f"/reports/{rid}/corrections").json()["corrections"] == []
    assert _figure(client, rid)["flags"] == []
    # an amount in 万元 may have decimals
    r = client.put(f"/reports/{rid}/figures/active.procurement.amount_wan", json={"value": 12.5, "reason": "p.2"},
                   headers=AUTH)
    assert r.status_code == 201, r.text
    assert r.json()["value"] == 12.5


def test_key_labels():
    digest = hashlib.sha256(b"s3cret").hexdigest()
    assert key_label("s3cret") == key_label(f"sha256:{digest}") == f"key-{digest[:8]}"
    assert key_label("alice=s3cret") == key_label(f"alice=sha256:{digest}") == "alice"
    assert key_label("YWJjZA==") == "key-" + hashlib.sha256(b"YWJjZA==").hexdigest()[:8]  # base64 padding: a key
    s = Settings(disclosure_api_keys=f"alice=s3cret, bob=sha256:{digest}, plain")
    assert s.api_keys == ("s3cret", f"sha256:{digest}", "plain")
    assert s.write_key_labels == ("alice", "bob", key_label("plain"))


def test_the_corrections_migration_keeps_what_was_stored_before_it(client, seed, database_url, settings):
    from alembic import command

    from app.db import alembic_config

    rid = seed["id"]
    before = client.get(f"/reports/{rid}/figures").json()["figures"]
    config = alembic_config(database_url)
    from alembic.script import ScriptDirectory

    # the schema before corrections: the stored figures stay
    command.downgrade(config, ScriptDirectory.from_config(config).get_revision("0013").down_revision)
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM figure").scalar() == len(before)
        command.upgrade(config, "head")
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM figure WHERE parsed_value IS NOT NULL "
                                     "OR parsed_flags IS NOT NULL")).scalar() == 0
            assert conn.execute(text("SELECT count(*) FROM correction")).scalar() == 0
        with TestClient(create_app(settings)) as fresh:
            assert fresh.get(f"/reports/{rid}/figures").json()["figures"] == before
            r = fresh.put(f"/reports/{rid}/figures/{KEY}", json={"value": 3, "reason": "after the migration"},
                          headers=AUTH)
            assert r.status_code == 201, r.text
            assert _stats(fresh)["sum"] == 3
    finally:
        engine.dispose()


@pytest.mark.stress
def test_concurrent_corrections_of_one_figure_on_two_servers_leave_one_active(database_url, tmp_path):
    """Two server processes, 12 PUTs of the same figure at once: every one answered (201 or
    200, never an error), one correction active — the last committed — the others retired."""
    import concurrent.futures

    import httpx

    from servers import Server

    with Server(database_url, tmp_path / "a.log") as a, Server(database_url, tmp_path / "b.log") as b:
        r = httpx.post(f"{a.base}/reports", content=(CORPUS / "ewenki-2020.txt").read_bytes(),
                       headers={"Content-Type": "text/plain", **AUTH}, timeout=60)
        assert r.status_code == 201, r.text
        rid = r.json()["id"]

        def put(i: int) -> int:
            base = (a, b)[i % 2].base
            return httpx.put(f"{base}/reports/{rid}/figures/{KEY}", json={"value": i, "reason": f"run {i}"},
                             headers=AUTH, timeout=60).status_code

        with concurrent.futures.ThreadPoolExecutor(12) as pool:
            statuses = list(pool.map(put, range(12)))
        assert sorted(statuses) == [200] * 11 + [201], (statuses, a.log(), b.log())
        history = httpx.get(f"{a.base}/reports/{rid}/corrections", timeout=30).json()["corrections"]
        assert len(history) == 12 and [c["active"] for c in history].count(True) == 1
        active = next(c for c in history if c["active"])
        assert history[0] == active  # the newest
        served = httpx.get(f"{b.base}/reports/{rid}/figures", params={"prefix": KEY}, timeout=30).json()
        assert served["figures"][0]["value"] == active["value"]
        stats = httpx.get(f"{a.base}/stats", params={"key": KEY}, timeout=30).json()["stats"][0]
        assert stats["sum"] == active["value"] and stats["count"] == 1


def test_corrections_of_a_report_merged_away_by_reparse_go_to_the_report_it_joins(client, seed, database_url):
    """Issue 13: reparse merges a one-document report into the report of its body-year; its
    corrections move with it, except a key the target has corrected already (the target's
    stays, the moved one is retired)."""
    target = seed["id"]
    other_key = "applications.new_received.natural_person"
    r = client.post("/reports", content=(CORPUS / "pingtan-2024.txt").read_bytes(),
                    headers={"Content-Type": "text/plain", **AUTH})
    assert r.status_code == 201, r.text
    gone = r.json()["id"]
    assert gone != target
    parsed = {k: _figure(client, target, k)["value"] for k in (KEY, other_key)}
    mine, theirs, moved = parsed[KEY] + 7, parsed[KEY] + 9, parsed[other_key] + 5
    for rid, key, value, reason in ((target, KEY, mine, "target: table 三"), (gone, KEY, theirs, "merged: table 三"),
                                    (gone, other_key, moved, "merged: table 三, 自然人")):
        r = client.put(f"/reports/{rid}/figures/{key}", json={"value": value, "reason": reason}, headers=AUTH)
        assert r.status_code == 201, r.text
    # the parser now reads the document of `gone` as one of the seed's body-year (its bytes
    # become another copy of the seed's report): the reparse merges it into the seed's report
    engine = make_engine(database_url)
    try:
        with Session(engine) as s:
            s.exec(text("UPDATE document SET content = :c WHERE id = (SELECT document_id FROM report WHERE id = :r)")
                   .bindparams(c=(CORPUS / "ewenki-2020.simplified.txt").read_bytes(), r=gone))
            s.commit()
    finally:
        engine.dispose()
    r = client.post(f"/reports/{gone}/reparse", headers=AUTH)
    assert r.status_code == 200, r.text
    assert r.json()["id"] == target
    assert client.get(f"/reports/{gone}", follow_redirects=False).status_code == 308

    kept, joined = _figure(client, target, KEY), _figure(client, target, other_key)
    assert (kept["value"], kept["flags"], kept["parsed_value"]) == (mine, ["corrected"], parsed[KEY])
    assert kept["correction"]["reason"] == "target: table 三"
    assert (joined["value"], joined["flags"], joined["parsed_value"]) == (moved, ["corrected"], parsed[other_key])
    assert joined["correction"]["reason"] == "merged: table 三, 自然人"

    r = client.get(f"/reports/{target}/corrections")
    assert r.status_code == 200, r.text
    history = {c["reason"]: c for c in r.json()["corrections"]}
    assert set(history) == {"target: table 三", "merged: table 三", "merged: table 三, 自然人"}
    assert all(c["report_id"] == target for c in history.values())
    assert history["target: table 三"]["active"] and history["merged: table 三, 自然人"]["active"]
    superseded = history["merged: table 三"]
    assert not superseded["active"] and superseded["value"] == theirs and superseded["retired_at"] is not None
    # retired by the correction that stays: its author's label
    assert superseded["retired_by"] == history["target: table 三"]["by"] == LABEL
    assert superseded["by"] == LABEL  # who made it is kept
