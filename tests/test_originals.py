"""The published files themselves as input, end to end on SQLite and PostgreSQL: PDF and
Word through POST /reports, `disclosure ingest` and `disclosure parse`; the original served
back from /document; page and box on every figure of a PDF; the migration that added them,
on data stored before it."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil

import pytest
from alembic import command
from fastapi.testclient import TestClient
from sqlmodel import Session, select

import documents as D
from app.db import alembic_config, make_engine
from app.main import create_app
from app.models import DocumentParse, Document, FigureRow, Report
from app.services.reparse import reparse
from conftest import AUTH, CORPUS, META, assert_problem, figure_map
from test_cli import run

PDF = (CORPUS / "huaian-2024.pdf").read_bytes()
EXPECTED = json.loads((CORPUS / "huaian-2024.expected.json").read_text(encoding="utf-8"))
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def post(client, data: bytes, content_type: str | None):
    headers = {**AUTH, **({"Content-Type": content_type} if content_type else {})}
    return client.post("/reports", content=data, headers=headers)


@pytest.fixture(scope="module")
def huaian_docx() -> bytes:
    return D.docx_bytes(D.blocks_of(D.page_html("huaian-2024")))


def test_the_published_pdf_through_post_gives_every_figure_with_the_metadata_of_its_text(client):
    r = post(client, PDF, "application/pdf")
    assert r.status_code == 201, r.text
    report = r.json()
    assert report["links"]["document"] == f"/reports/{report['id']}/document"
    figures = client.get(f"/reports/{report['id']}/figures").json()["figures"]
    assert figure_map(figures) == EXPECTED["figures"]  # all 232, none wrong
    permit = next(f for f in figures if f["key"] == "active.permit.decisions")
    assert permit["source"]["page"] == 3 and len(permit["source"]["box"]) == 4
    assert permit["source"]["text"][permit["source"]["start"]:permit["source"]["end"]] == "447228"
    assert all(f["source"]["page"] in range(1, 7) for f in figures)
    # the text of the same report: a copy of it, with the same metadata; its own figures have no page, no box
    text_copy = post(client, (CORPUS / "huaian-2024.txt").read_bytes(), "text/plain").json()
    assert text_copy["id"] == report["id"] and text_copy["submission"] == "copy"
    own = client.get(f"/documents/{text_copy['document_id']}").json()["parse"]
    for field in (*META, "level", "status", "published_at"):
        assert own[field] == report[field], field
    assert all(f["source"]["page"] is None and f["source"]["box"] is None for f in own["figures"])
    # the CSV form has them as columns
    rows = list(csv.DictReader(io.StringIO(
        client.get(f"/reports/{report['id']}/figures", params={"format": "csv"}).text.lstrip("\ufeff"))))
    row = next(r for r in rows if r["key"] == "active.permit.decisions")
    assert row["source.page"] == "3" and len(row["source.box"].split(",")) == 4


def test_the_original_is_served_as_received_and_the_text_as_extracted(client):
    report = post(client, PDF, "application/pdf").json()
    own = f"/reports/{report['id']}"
    document = client.get(f"{own}/document")
    assert document.status_code == 200 and document.content == PDF
    assert document.headers["content-type"] == "application/pdf"
    etag = document.headers["etag"]
    assert etag == f'"{hashlib.sha256(PDF).hexdigest()}"'
    assert 'filename="report-' in document.headers["content-disposition"]
    unchanged = client.get(f"{own}/document", headers={"If-None-Match": etag})
    assert unchanged.status_code == 304 and unchanged.content == b""
    text = client.get(f"{own}/text").text
    assert "行政许可 | 447228" in text.split("\n")
    figures = client.get(f"{own}/figures").json()["figures"]
    assert all(text.split("\n")[f["source"]["line"] - 1] == f["source"]["text"] for f in figures)
    seed = post(client, (CORPUS / "ewenki-2020.page.html").read_bytes(), "text/html").json()
    page = client.get(f"/reports/{seed['id']}/document")
    assert page.headers["content-type"] == "text/html; charset=gb18030"
    assert page.content == (CORPUS / "ewenki-2020.page.html").read_bytes()
    assert_problem(client.get("/reports/999/document"), 404, "not_found")


@pytest.mark.parametrize("content_type", ["text/plain", "application/octet-stream", None])
def test_a_pdf_under_another_type_is_read_as_a_pdf(client, content_type):
    r = post(client, PDF, content_type)
    if content_type is None:  # no type at all: refused, as before, saying what to send
        assert_problem(r, 415, "unsupported_media_type")
        return
    assert r.status_code == 201, r.text
    assert r.json()["figure_count"] == len(EXPECTED["figures"])
    assert client.get(f"/reports/{r.json()['id']}/document").headers["content-type"] == "application/pdf"


def test_a_docx_through_post(client, huaian_docx):
    r = post(client, huaian_docx, DOCX_TYPE)
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "parsed" and r.json()["agency"] == "淮安市人民政府"
    figures = client.get(f"/reports/{r.json()['id']}/figures").json()["figures"]
    assert figure_map(figures) == EXPECTED["figures"]
    assert "page" not in figures[0]["source"]
    assert client.get(f"/reports/{r.json()['id']}/document").headers["content-type"] == DOCX_TYPE


def test_a_scan_is_stored_failed_with_the_pages_it_could_not_read(client):
    r = post(client, D.image_only_pdf(3), "application/pdf")
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "failed" and r.json()["figure_count"] == 0
    findings = client.get(f"/reports/{r.json()['id']}/findings").json()["findings"]
    assert findings[0]["code"] == "no_text_layer" and "pages 1, 2, 3" in findings[0]["message"]


def test_a_pdf_report_reparses_to_the_same_figures_with_their_boxes(client, database_url):
    report = post(client, PDF, "application/pdf").json()
    before = client.get(f"/reports/{report['id']}/figures").json()["figures"]
    r = client.post(f"/reports/{report['id']}/reparse", headers=AUTH)
    assert r.status_code == 200, r.text
    assert client.get(f"/reports/{report['id']}/figures").json()["figures"] == before


def test_legacy_word_without_libreoffice_is_a_415_that_says_how_to_convert(client, monkeypatch):
    monkeypatch.setenv("DISCLOSURE_SOFFICE", "/nonexistent/soffice")
    monkeypatch.setattr(shutil, "which", lambda *_a, **_k: None)
    body = assert_problem(post(client, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 2000, "application/msword"),
                          415, "legacy_word_document")
    assert "--convert-to docx" in body["detail"]


def test_legacy_word_is_converted_where_libreoffice_is_installed(client, huaian_docx, tmp_path):
    binary = D.soffice()
    (tmp_path / "report.docx").write_bytes(huaian_docx)
    import subprocess

    subprocess.run([binary, "--headless", f"-env:UserInstallation={(tmp_path / 'p').as_uri()}", "--convert-to",
                    "doc", "--outdir", str(tmp_path), str(tmp_path / "report.docx")], check=True, capture_output=True,
                   timeout=180, env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"})
    legacy = (tmp_path / "report.doc").read_bytes()
    assert legacy.startswith(b"\xd0\xcf\x11\xe0")
    r = post(client, legacy, "application/msword")
    assert r.status_code == 201, r.text
    figures = client.get(f"/reports/{r.json()['id']}/figures").json()["figures"]
    assert figure_map(figures) == EXPECTED["figures"]
    document = client.get(f"/reports/{r.json()['id']}/document")
    assert document.content == legacy and document.headers["content-type"] == "application/msword"


# ----------------------------------------------------------------------------- the command line


def test_ingest_a_folder_of_published_files_and_say_what_is_skipped(tmp_path, empty_database_url, huaian_docx):
    folder = tmp_path / "reports"
    folder.mkdir()
    (folder / "huaian-2024.pdf").write_bytes(PDF)
    (folder / "huaian-2024.docx").write_bytes(huaian_docx)
    (folder / "scan.pdf").write_bytes(D.image_only_pdf(1))
    (folder / "cover.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (folder / "broken.pdf").write_bytes(PDF[:2000])
    env = {"DATABASE_URL": empty_database_url, "DISCLOSURE_API_KEYS": ""}
    out = run("ingest", str(folder), env=env, check=False)
    assert out.returncode == 1  # the broken PDF
    # the PDF and its Word copy make one report; the scan's parse fails (kept, counted as failed)
    assert out.stdout.strip().splitlines()[-1] == \
        "ingested 2 (new 1, copy 1, revision 0, duplicate 0, failed 2, skipped 1)"
    assert f"skipped: {folder / 'cover.png'}: not a report file (.png" in out.stderr
    assert "broken.pdf: pdf_corrupt:" in out.stderr
    engine = make_engine(empty_database_url)
    try:
        with Session(engine) as s:
            reports = list(s.exec(select(Report)))
            docs = list(s.exec(select(Document)))
            pdf_id = next(d.id for d in docs if d.content == PDF)
            pdf_parse = s.get(DocumentParse, pdf_id)
    finally:
        engine.dispose()
    assert sorted(d.media_type for d in docs) == ["application/pdf", "application/pdf", DOCX_TYPE]
    assert sorted(r.status for r in reports) == ["failed", "parsed"]
    assert sorted(r.document_count for r in reports) == [1, 2]
    boxed = [f for f in json.loads(pdf_parse.figures) if len(f) > 11 and f[11] is not None]
    assert len(boxed) == len(EXPECTED["figures"])  # every figure of the PDF has its page…
    assert sum(f[12] is not None and f[12][2] > f[12][0] for f in boxed) > 200  # …and but derived ones a box


def test_parse_a_pdf_prints_its_figures_with_page_and_box(tmp_path):
    (tmp_path / "report").write_bytes(PDF)  # no suffix: known by its bytes
    out = json.loads(run("parse", str(tmp_path / "report")).stdout)
    assert figure_map(out["figures"]) == EXPECTED["figures"]
    assert {k: out[k] for k in META} == {k: EXPECTED[k] for k in META}
    assert out["media_type"] == "application/pdf"
    assert all(f["source"]["page"] for f in out["figures"])
    assert sum(f["source"]["box"] is not None and len(f["source"]["box"]) == 4 for f in out["figures"]) > 200
    bad = run("parse", str(CORPUS / "huaian-2024.pdf") + ".missing", check=False)
    assert bad.returncode == 2


# ----------------------------------------------------------------------------- the migration


def test_the_page_migration_keeps_what_was_stored_before_it(client, database_url, settings):
    text_id = post(client, (CORPUS / "ewenki-2020.txt").read_bytes(), "text/plain").json()["id"]
    pdf_id = post(client, PDF, "application/pdf").json()["id"]
    before = {i: client.get(f"/reports/{i}/figures").json()["figures"] for i in (text_id, pdf_id)}
    config = alembic_config(database_url)
    command.downgrade(config, "0007")  # the schema before page and box: the stored reports stay
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM figure").scalar() == \
                len(before[text_id]) + len(before[pdf_id])
        command.upgrade(config, "head")
        with Session(engine) as s:
            assert s.exec(select(FigureRow).where(FigureRow.page.is_not(None))).all() == []  # nothing invented
            assert {r.attachment_url for r in s.exec(select(Report))} == {None}
        strip = [{**f, "source": {k: v for k, v in f["source"].items() if k not in ("page", "box")}}
                 for f in before[pdf_id]]
        with TestClient(create_app(settings)) as fresh:  # a new server: no view held from before
            assert fresh.get(f"/reports/{pdf_id}/figures").json()["figures"] == strip
            assert fresh.get(f"/reports/{text_id}/figures").json()["figures"] == before[text_id]
            reparse(engine, pdf_id)  # a reparse gives the boxes back
            assert fresh.get(f"/reports/{pdf_id}/figures").json()["figures"] == before[pdf_id]
    finally:
        engine.dispose()
