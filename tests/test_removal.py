"""DELETE /documents/{id} (issue 13, item 5): a mistaken submission goes, its report is
reconciled from the documents left or removed with the last one, and every cross-report
read — /reports, /figures, /stats, /bodies, /changes, CSV — shows it; on a real corpus
report, a SQLite file and PostgreSQL.

The figures compared are those the service itself served before (or the corpus gold),
never numbers written down here."""

from __future__ import annotations

import csv
import io

from sqlmodel import Session

from app.db import make_engine
from conftest import AUTH, CORPUS, assert_problem, expected_for, figure_map, fold_pending

KEY = "applications.new_received.total"
LONE = "active.permit.decisions"  # a figure in no identity of the template: a copy may disagree on it alone


def _post(client, name: str, data: bytes | None = None, content_type: str = "text/plain") -> dict:
    r = client.post("/reports", content=data if data is not None else (CORPUS / name).read_bytes(),
                    headers={"Content-Type": content_type, **AUTH})
    assert r.status_code in (200, 201), r.text
    return r.json()


def _figures(client, rid: int) -> dict:
    r = client.get(f"/reports/{rid}/figures")
    assert r.status_code == 200, r.text
    return {f["key"]: f for f in r.json()["figures"]}


def _stats(client, key: str = KEY, **params) -> dict:
    r = client.get("/stats", params={"key": key, "region": "1507", "year": "2020", **params})
    assert r.status_code == 200, r.text
    stats = r.json()["stats"]
    return stats[0] if stats else {"reports_in_scope": 0, "count": 0, "sum": None}


def _changes(client, since: str | None = None, **params) -> dict:
    r = client.get("/changes", params={**({"since": since} if since else {}), **params})
    assert r.status_code == 200, r.text
    return r.json()


def _altered(client, rid: int, key: str = KEY) -> bytes:
    """The seed's text with the digits of `key`'s cell changed (as a mistaken second edition
    would have them): a copy of the same body-year that disagrees on that figure."""
    fig = _figures(client, rid)[key]
    src = fig["source"]
    lines = client.get(f"/reports/{rid}/text").text.split("\n")
    line = lines[src["line"] - 1]
    digits = line[src["start"]:src["end"]]
    assert digits == str(int(fig["value"])), (digits, fig)
    lines[src["line"] - 1] = line[:src["start"]] + str(int(fig["value"]) + 4321) + line[src["end"]:]
    return "\n".join(lines).encode("utf-8")


def test_deleting_documents_one_by_one_reconciles_then_removes_the_report(client, seed, database_url):
    rid = seed["id"]
    gold = expected_for("ewenki-2020.txt")["figures"]
    copies = [_post(client, n) for n in ("ewenki-2020.gb18030.txt", "ewenki-2020.page.html")]
    assert {c["id"] for c in copies} == {rid}
    docs = [seed["document_id"], *(c["document_id"] for c in copies)]
    fold_pending(database_url)
    assert _stats(client)["reports_in_scope"] == 1
    cursor = _changes(client)["cursor"]

    # a write key is needed; an unknown id is a 404
    assert_problem(client.delete(f"/documents/{docs[1]}"), 401, "unauthorized")
    assert_problem(client.delete("/documents/999999", headers=AUTH), 404, "not_found")

    # a copy goes: the report stays, reconciled from the two left
    r = client.delete(f"/documents/{docs[1]}", headers=AUTH)
    assert r.status_code == 200, r.text
    assert r.json() == {"document_id": docs[1], "report_id": rid, "report_removed": False, "documents_left": 2,
                        "report": f"/reports/{rid}"}
    assert_problem(client.get(f"/documents/{docs[1]}"), 410, "gone")
    assert_problem(client.get(f"/documents/{docs[1]}/content"), 410, "gone")
    assert_problem(client.delete(f"/documents/{docs[1]}", headers=AUTH), 410, "gone")
    listed = client.get(f"/reports/{rid}/documents").json()["documents"]
    assert [d["id"] for d in listed] == [docs[0], docs[2]]
    assert client.get(f"/reports/{rid}").json()["document_count"] == 2
    assert {k: f["value"] for k, f in _figures(client, rid).items()} == gold

    # the main document goes: the report is read from the HTML copy now, its figures unchanged
    r = client.delete(f"/documents/{docs[0]}", headers=AUTH)
    assert r.status_code == 200 and r.json()["documents_left"] == 1, r.text
    report = client.get(f"/reports/{rid}").json()
    assert report["document_count"] == 1
    figures = _figures(client, rid)
    assert {k: f["value"] for k, f in figures.items()} == gold
    text = client.get(f"/reports/{rid}/text").text.split("\n")
    fig = figures[KEY]
    assert str(int(fig["value"])) in text[fig["source"]["line"] - 1]  # line numbers of the text kept now
    assert client.get(f"/reports/{rid}/document").status_code == 200
    changed = _changes(client, cursor)["data"]
    assert [(c["id"], c["change"]) for c in changed] == [(rid, "updated")]

    # the last one goes: the report with it
    body_id = report["body_id"]
    r = client.delete(f"/documents/{docs[2]}", headers=AUTH)
    assert r.status_code == 200, r.text
    assert r.json()["report_removed"] is True and r.json()["documents_left"] == 0
    gone = assert_problem(client.get(f"/reports/{rid}"), 410, "gone")
    assert "deleted" in gone["detail"]
    assert_problem(client.get(f"/reports/{rid}/figures"), 410, "gone")
    assert client.get("/reports").json()["data"] == []
    assert client.get("/figures", params={"key": KEY}).json()["data"] == []
    assert _stats(client)["reports_in_scope"] == 0
    assert client.get("/bodies").json()["data"] == []
    assert_problem(client.get(f"/bodies/{body_id}"), 404, "not_found")

    # the change feed tells pollers, filtered by the region and year the report had
    feed = _changes(client, cursor)
    removed = [c for c in feed["data"] if c["change"] == "removed"]
    assert len(removed) == 1 and feed["data"][-1] == removed[0]
    entry = removed[0]
    assert (entry["id"], entry["reason"], entry["merged_into"], entry["year"], entry["region_code"],
            entry["body_id"]) == (rid, "deleted", None, 2020, "150724", body_id)
    assert entry["links"]["self"] == f"/reports/{rid}"
    assert [c["id"] for c in _changes(client, cursor, region="1507", year="2020")["data"]] == [rid]
    assert _changes(client, cursor, region="11")["data"] == []
    assert _changes(client, feed["cursor"])["data"] == []  # nothing after it
    rows = list(csv.DictReader(io.StringIO(client.get("/changes", params={"since": cursor, "format": "csv"})
                                           .content.decode("utf-8-sig"))))
    assert [(r["id"], r["change"], r["reason"], r["region_code"]) for r in rows][-1] == (
        str(rid), "removed", "deleted", "150724")
    ndjson = client.get("/changes", params={"since": cursor, "format": "ndjson"}).text.strip().split("\n")
    assert '"removed"' in ndjson[-1]

    # the same bytes may come again: a new report, never the removed id
    again = _post(client, "ewenki-2020.txt")
    assert again["submission"] == "new" and again["id"] > rid and again["document_id"] not in docs
    assert client.get("/reports").json()["data"][0]["id"] == again["id"]
    assert_problem(client.get(f"/reports/{rid}"), 410, "gone")


def test_a_deleted_disagreeing_copy_leaves_no_trace(client, seed, database_url):
    rid = seed["id"]
    parsed = _figures(client, rid)[LONE]["value"]
    wrong = _post(client, "", _altered(client, rid, LONE))
    assert wrong["id"] == rid and wrong["submission"] in ("copy", "revision")
    findings = client.get(f"/reports/{rid}/findings").json()["findings"]
    assert any(f["code"] == "documents_disagree" and LONE in f["keys"] for f in findings), findings
    fold_pending(database_url)
    served = _figures(client, rid).get(LONE)  # withheld while the documents disagree, or the better reading
    assert _stats(client, LONE)["sum"] == (None if served is None else served["value"])

    r = client.delete(f"/documents/{wrong['document_id']}", headers=AUTH)
    assert r.status_code == 200, r.text
    assert _figures(client, rid)[LONE]["value"] == parsed
    assert figure_map(list(_figures(client, rid).values())) == expected_for("ewenki-2020.txt")["figures"]
    findings = client.get(f"/reports/{rid}/findings").json()["findings"]
    assert not any(f["code"] == "documents_disagree" for f in findings)
    assert _stats(client, LONE)["sum"] == parsed and _stats(client, LONE)["reports_in_scope"] == 1
    rows = client.get("/figures", params={"key": LONE}).json()["data"]
    assert [(row["report_id"], row["value"]) for row in rows] == [(rid, parsed)]


def test_a_correction_stays_with_the_report_while_it_has_a_document(client, seed):
    rid = seed["id"]
    copy = _post(client, "ewenki-2020.gb18030.txt")
    value = _figures(client, rid)[KEY]["value"] + 11
    r = client.put(f"/reports/{rid}/figures/{KEY}", json={"value": value, "reason": "page 3"}, headers=AUTH)
    assert r.status_code == 201, r.text
    assert client.delete(f"/documents/{seed['document_id']}", headers=AUTH).status_code == 200
    fig = _figures(client, rid)[KEY]
    assert fig["value"] == value and fig["flags"] == ["corrected"]
    assert client.delete(f"/documents/{copy['document_id']}", headers=AUTH).status_code == 200
    assert_problem(client.get(f"/reports/{rid}/corrections"), 410, "gone")


def test_a_report_merged_away_by_reparse_is_listed_as_removed_with_where_it_went(client, seed, database_url):
    from sqlalchemy import text

    target = seed["id"]
    other = _post(client, "pingtan-2024.txt")
    cursor = _changes(client)["cursor"]
    engine = make_engine(database_url)
    try:
        with Session(engine) as s:  # the parser now reads its document as a copy of the seed's report
            s.exec(text("UPDATE document SET content = :c WHERE id = :d")
                   .bindparams(c=(CORPUS / "ewenki-2020.simplified.txt").read_bytes(), d=other["document_id"]))
            s.commit()
    finally:
        engine.dispose()
    r = client.post(f"/reports/{other['id']}/reparse", headers=AUTH)
    assert r.status_code == 200 and r.json()["id"] == target, r.text
    feed = _changes(client, cursor)["data"]
    removed = [c for c in feed if c["change"] == "removed"]
    assert [(c["id"], c["reason"], c["merged_into"], c["year"]) for c in removed] == [
        (other["id"], "merged", target, 2024)]
    assert removed[0]["links"]["merged_into"] == f"/reports/{target}"
    assert any(c["id"] == target and c["change"] == "updated" for c in feed)
    assert client.get(f"/reports/{other['id']}", follow_redirects=False).status_code == 308  # the alias answers
    # and when the merged document is deleted, the report it joined is reconciled without it
    r = client.delete(f"/documents/{other['document_id']}", headers=AUTH)
    assert r.status_code == 200 and r.json()["report_id"] == target and r.json()["documents_left"] == 1, r.text



def test_a_document_that_now_reads_as_another_body_leaves_its_report_on_reparse(client, seed, database_url):
    """Issue 13: a report of two documents, one of which the parser now reads as another
    body's report (its stored bytes rewritten here, as a parser change would read them): the
    reparse splits it off into a report of its own body-year; each is counted once."""
    from sqlalchemy import text

    rid = seed["id"]
    copy = _post(client, "ewenki-2020.gb18030.txt")
    assert copy["id"] == rid
    cursor = _changes(client)["cursor"]
    engine = make_engine(database_url)
    try:
        with Session(engine) as s:
            s.exec(text("UPDATE document SET content = :c, encoding = 'utf-8' WHERE id = :d")
                   .bindparams(c=(CORPUS / "pingtan-2024.txt").read_bytes(), d=copy["document_id"]))
            s.commit()
    finally:
        engine.dispose()
    r = client.post(f"/reports/{rid}/reparse", headers=AUTH)
    assert r.status_code == 200 and r.json()["id"] == rid and r.json()["document_count"] == 1, r.text
    assert {k: f["value"] for k, f in _figures(client, rid).items()} == expected_for("ewenki-2020.txt")["figures"]
    reports = client.get("/reports").json()["data"]
    assert len(reports) == 2
    (other,) = [x for x in reports if x["id"] != rid]
    assert (other["year"], other["document_count"]) == (2024, 1) and other["agency"] != seed["agency"]
    assert [d["id"] for d in client.get(f"/reports/{other['id']}/documents").json()["documents"]] == [
        copy["document_id"]]
    pingtan = expected_for("pingtan-2024.txt")["figures"]
    got = {k: f["value"] for k, f in _figures(client, other["id"]).items()}
    assert all(got[k] == v for k, v in pingtan.items() if k in got) and len(got) >= 0.9 * len(pingtan)
    assert {(c["id"], c["change"]) for c in _changes(client, cursor)["data"]} >= {(rid, "updated"),
                                                                                  (other["id"], "created")}
    assert _stats(client)["reports_in_scope"] == 1


def test_numbers_restart_above_a_removal_when_the_counter_row_is_gone(client, seed, database_url):
    """The change counter's row emptied (an operator's cleanup): the next number is above
    every number in use, a removal's included, so that a poller past the removal sees what
    comes after it."""
    r = client.delete(f"/documents/{seed['document_id']}", headers=AUTH)
    assert r.status_code == 200 and r.json()["report_removed"], r.text
    cursor = _changes(client)["cursor"]
    removal_seq = max(c["change_seq"] for c in _changes(client)["data"])
    engine = make_engine(database_url)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("DELETE FROM change_counter")
    finally:
        engine.dispose()
    again = _post(client, "ewenki-2020.txt")
    assert again["change_seq"] > removal_seq
    assert [c["id"] for c in _changes(client, cursor)["data"]] == [again["id"]]
