"""CSV formula injection: every CSV the service writes neutralises text cells a spreadsheet
would run (OWASP: a leading `=`, `+`, `-`, `@`, tab or CR, also after leading whitespace,
gets a `'` in front and quotes), and leaves numbers numbers — decided by type, so a
negative change `-30` stays `-30` while a title `-30` is text."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlmodel import Session

from app.db import make_engine
from app.services import export
from conftest import AUTH, CORPUS, SEED, other_body

HOSTILE = ["=HYPERLINK(\"http://evil.example\",\"x\")", "+1+2", "-2+3", "@SUM(A1)", "\t=1+2", "\r=1+2",
           " =1+2", "\u3000@x", "\n\t-1"]


@pytest.mark.parametrize("value", HOSTILE)
def test_a_formula_cell_is_quoted_with_a_leading_quote(value):
    cell = export.csv_cell(value)
    assert cell == "\"'" + value.replace('"', '""') + '"'
    # a spreadsheet (or any CSV reader) reads it back as the text with a ' in front
    assert next(csv.reader(io.StringIO(cell + "\r\n"))) == ["'" + value]


@pytest.mark.parametrize("value, cell", [
    (-30, "-30"), (-2.5, "-2.5"), (Decimal("-30.50"), "-30.50"), (41505, "41505"), (0, "0"), (True, "true"),
    (None, ""), ("鄂温克族自治旗", "鄂温克族自治旗"), ("a,b", '"a,b"'), ('say "x"', '"say ""x"""'), ("", ""),
    ("2020-03-31", "2020-03-31"), ("x=1", "x=1"), ("1-2", "1-2"), (["a", "b"], '"a,b"'), (["-a"], "\"'-a\""),
    ("-30", "\"'-30\""),  # a text that looks like a number is text: neutralised
])
def test_numbers_stay_numbers_and_plain_text_stays_as_it_was(value, cell):
    assert export.csv_cell(value) == cell


def _csv(response) -> list[dict]:
    assert response.status_code == 200, response.text[:300]
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))


def _raw_cells(response) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline="")) for cell in row]


def _no_live_formula(response) -> None:
    for cell in _raw_cells(response):
        assert cell[:1] not in "=+@\t\r" or cell == "", cell
        assert not (cell.lstrip()[:1] in ("=", "+", "@") and not cell.startswith("'")), cell


def test_every_csv_answer_neutralises_what_came_from_a_report(client, seed, database_url):
    rid = seed["id"]
    engine = make_engine(database_url)
    try:  # as a report of another parser version, or typed by its author, could have them
        with Session(engine) as s:
            s.execute(text("UPDATE report SET title = :t, agency = :a, source_url = :u WHERE id = :id"),
                      {"t": HOSTILE[0], "a": "@SUM(1+1)*cmd|' /C calc'!A0", "u": "-2+3", "id": rid})
            s.execute(text("UPDATE figure SET source_text = :t, note = :n WHERE report_id = :id"),
                      {"t": "=1+2 行政许可", "n": "+note", "id": rid})
            s.execute(text("INSERT INTO finding (report_id, code, severity, message, keys, line) "
                           "VALUES (:id, 'x', 'info', 'x', '', NULL)"), {"id": rid})
            s.execute(text("UPDATE finding SET message = :m WHERE report_id = :id"), {"m": "\t=1+2", "id": rid})
            s.commit()
    finally:
        engine.dispose()

    reports = _csv(client.get("/reports", params={"format": "csv"}))
    assert reports[0]["title"] == "'" + HOSTILE[0] and reports[0]["agency"].startswith("'@SUM")
    assert reports[0]["source_url"] == "'-2+3"
    assert reports[0]["id"] == str(rid) and reports[0]["figure_count"] == str(seed["figure_count"])
    changes = _csv(client.get("/changes", params={"format": "csv"}))
    assert changes[0]["title"] == "'" + HOSTILE[0]
    across = _csv(client.get("/figures", params={"key": "active.permit", "format": "csv"}))
    assert {r["agency"] for r in across} == {"'@SUM(1+1)*cmd|' /C calc'!A0"}
    figures = _csv(client.get(f"/reports/{rid}/figures", params={"format": "csv"}))
    assert {r["source.text"] for r in figures} == {"'=1+2 行政许可"} and {r["note"] for r in figures} == {"'+note"}
    findings = _csv(client.get(f"/reports/{rid}/findings", params={"format": "csv"}))
    assert findings and {r["message"] for r in findings} == {"'\t=1+2"}
    for response in (client.get("/reports", params={"format": "csv"}), client.get("/changes", params={"format": "csv"}),
                     client.get("/figures", params={"key": "active", "format": "csv"}),
                     client.get(f"/reports/{rid}/figures", params={"format": "csv"}),
                     client.get(f"/reports/{rid}/findings", params={"format": "csv"}),
                     client.get("/stats", params={"key": "active.permit", "by": "city", "format": "csv"}),
                     client.get("/regions", params={"format": "csv"}), client.get("/catalogue", params={"format": "csv"})):
        _no_live_formula(response)
    # NDJSON is JSON: the values as stored
    ndjson = client.get("/reports", params={"format": "ndjson"}).json()
    assert ndjson["title"] == HOSTILE[0]


def test_a_negative_change_stays_a_number(client, seed, database_url):
    from app.db import make_engine
    from app.parsing import parse_document
    from app.services.ingest import store

    fewer = (CORPUS / SEED).read_text(encoding="utf-8").replace("| 41505 |", "| 41475 |").encode()
    engine = make_engine(database_url)  # stored as another body's report (the seed's body-year is one report)
    try:
        other = store(engine, fewer, other_body(parse_document(fewer, "text/plain"), 1)).report
    finally:
        engine.dispose()
    response = client.get(f"/reports/{other.id}/compare", params={"with": seed["id"], "format": "csv"})
    rows = {row["key"]: row for row in _csv(response)}
    assert rows["active.permit.decisions"]["change"] == "-30"
    assert "\r\nactive.permit.decisions,件,41475,41505,-30," in response.content.decode("utf-8-sig")
    figures = _csv(client.get("/figures", params={"key": "active.permit.decisions", "format": "csv"}))
    assert sorted(r["value"] for r in figures) == ["41475", "41505"]
