"""One body, one year, one report: copies of a report (layouts, encodings, scripts, a PDF)
make one report with several documents, counted once by every cross-report read."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import text
from sqlmodel import Session

from app.db import make_engine
from conftest import AUTH, CORPUS, SEED_VARIANTS, assert_problem, content_type_for, expected_for, figure_map

TOTAL = "applications.new_received.total"


def _post(client, name: str):
    ctype = "application/pdf" if name.endswith(".pdf") else content_type_for(name)
    r = client.post("/reports", content=(CORPUS / name).read_bytes(), headers={"Content-Type": ctype, **AUTH})
    assert r.status_code in (200, 201), r.text
    return r


def _stats(client, **params) -> dict:
    r = client.get("/stats", params={"key": TOTAL, **params})
    assert r.status_code == 200, r.text
    rows = r.json()["stats"]
    assert len(rows) == 1, rows
    return rows[0]


def test_six_layouts_in_any_order_make_one_report(client):
    names = list(SEED_VARIANTS)
    random.Random(13).shuffle(names)
    answers = [_post(client, n) for n in names]
    assert answers[0].status_code == 201 and answers[0].json()["submission"] == "new"
    assert [a.status_code for a in answers[1:]] == [200] * 5
    assert {a.json()["submission"] for a in answers[1:]} == {"copy"}
    ids = {a.json()["id"] for a in answers}
    assert len(ids) == 1
    rid = ids.pop()
    report = client.get(f"/reports/{rid}").json()
    assert report["document_count"] == 6
    figures = client.get(f"/reports/{rid}/figures").json()["figures"]
    assert figure_map(figures) == expected_for(SEED_VARIANTS[0])["figures"]
    assert all("document" in f["source"] for f in figures if f["source"])  # which document each came from
    docs = client.get(f"/reports/{rid}/documents").json()["documents"]
    assert sorted(d["id"] for d in docs) == sorted(a.json()["document_id"] for a in answers)
    assert sum(d["main"] for d in docs) == 1
    # /stats, /reports and /figures count the body-year once
    exp = expected_for(SEED_VARIANTS[0])["figures"][TOTAL]
    row = _stats(client, region="1507", year="2020")
    assert (row["count"], row["sum"], row["reports_in_scope"]) == (1, exp, 1)
    assert len(client.get("/reports").json()["data"]) == 1
    across = client.get("/figures", params={"key": TOTAL}).json()["data"]
    assert [(f["report_id"], f["value"]) for f in across] == [(rid, exp)]
    # again: duplicates, nothing changes
    again = _post(client, names[2])
    assert again.status_code == 200 and again.json()["submission"] == "duplicate"
    assert client.get(f"/reports/{rid}").json()["document_count"] == 6


def test_huaian_text_and_pdf_make_one_report_counted_once(client):
    txt = _post(client, "huaian-2024.txt").json()
    pdf = _post(client, "huaian-2024.pdf").json()
    assert pdf["id"] == txt["id"] and pdf["submission"] == "copy"
    exp = expected_for("huaian-2024.txt")["figures"]
    row = _stats(client, region="3208", year="2024")
    assert row["count"] == 1 and row["reports_in_scope"] == 1
    figures = figure_map(client.get(f"/reports/{txt['id']}/figures").json()["figures"])
    findings = client.get(f"/reports/{txt['id']}/findings").json()["findings"]
    disputed = {k for f in findings if f["code"] == "documents_disagree" for k in f["keys"]}
    assert row["sum"] == figures.get(TOTAL)
    for key, value in exp.items():  # the expected figure, or named in a disagreement: never another value silently
        assert figures.get(key) == value or key in disputed, key


def test_bodies_and_documents_endpoints(client):
    seed = _post(client, SEED_VARIANTS[0]).json()
    copy = _post(client, SEED_VARIANTS[4]).json()  # the GB18030 copy
    other = _post(client, "pingtan-2024.txt").json()
    bodies = client.get("/bodies").json()
    assert [b["name"] for b in bodies["data"]] == ["鄂温克族自治旗人民政府", "平潭综合实验区"]
    assert bodies["next"] is None
    assert [b["id"] for b in client.get("/bodies", params={"region": "15"}).json()["data"]] == [seed["body_id"]]
    assert [b["id"] for b in client.get("/bodies", params={"name": "平潭"}).json()["data"]] == [other["body_id"]]
    assert client.get("/bodies", params={"level": "province"}).json()["data"] == []
    first = client.get("/bodies", params={"limit": 1}).json()
    assert len(first["data"]) == 1 and first["next"]
    assert [b["id"] for b in client.get(first["next"]).json()["data"]] == [other["body_id"]]
    assert_problem(client.get("/bodies", params={"region": "abc"}), 422, "validation_error")  # as GET /reports answers it
    body = client.get(f"/bodies/{seed['body_id']}").json()
    assert body["region_code"] == "150724"
    assert [(r["year"], r["report_id"], r["document_count"]) for r in body["reports"]] == [(2020, seed["id"], 2)]
    assert_problem(client.get("/bodies/999"), 404, "not_found")
    # each document: its own parse and its bytes
    doc = client.get(f"/documents/{copy['document_id']}").json()
    assert doc["report_id"] == seed["id"] and not doc["main"] and doc["encoding"].lower().startswith("gb")
    assert figure_map(doc["parse"]["figures"]) == expected_for(SEED_VARIANTS[4])["figures"]
    line = next(f for f in doc["parse"]["figures"] if f["source"])["source"]
    raw = client.get(f"/documents/{copy['document_id']}/content")
    assert raw.content == (CORPUS / SEED_VARIANTS[4]).read_bytes()
    assert line["text"] in raw.content.decode("gb18030").split("\n")[line["line"] - 1]
    assert client.get(f"/reports/{seed['id']}/document").content == (CORPUS / SEED_VARIANTS[0]).read_bytes()
    assert_problem(client.get("/documents/999"), 404, "not_found")
    assert_problem(client.get("/documents/999/content"), 404, "not_found")


def test_an_old_report_id_redirects_to_the_kept_report(client, database_url):
    seed = _post(client, SEED_VARIANTS[0]).json()
    engine = make_engine(database_url)
    try:
        with Session(engine) as s:  # as migration 0011 writes it for a report merged into the seed
            s.exec(text("INSERT INTO report_alias (old_id, report_id) VALUES (77, :r)").bindparams(r=seed["id"]))
            s.commit()
    finally:
        engine.dispose()
    for path, target in (("/reports/77", f"/reports/{seed['id']}"),
                         ("/reports/77/figures?prefix=active.", f"/reports/{seed['id']}/figures?prefix=active.")):
        r = client.get(path, follow_redirects=False)
        assert r.status_code == 308 and r.headers["location"] == target, path
    assert client.get("/reports/77/figures").json()["report_id"] == seed["id"]
    assert_problem(client.get("/reports/78"), 404, "not_found")


def test_reparse_reconciles_every_document_again(client):
    first = _post(client, SEED_VARIANTS[0]).json()
    _post(client, SEED_VARIANTS[3])
    _post(client, SEED_VARIANTS[5])
    before = client.get(f"/reports/{first['id']}/figures").json()["figures"]
    r = client.post(f"/reports/{first['id']}/reparse", headers=AUTH)
    assert r.status_code == 200, r.text
    assert r.json()["document_count"] == 3 and r.json()["id"] == first["id"]
    after = client.get(f"/reports/{first['id']}/figures").json()["figures"]
    assert figure_map(after) == figure_map(before) == expected_for(SEED_VARIANTS[0])["figures"]
    assert len(client.get(f"/reports/{first['id']}/documents").json()["documents"]) == 3
    row = _stats(client, region="1507", year="2020")
    assert (row["count"], row["reports_in_scope"]) == (1, 1)
