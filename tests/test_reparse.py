"""Re-parsing stored reports with the current parser: the service, the CLI and HTTP."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from sqlmodel import Session, select

from app.db import make_engine
from app.models import Document, FigureRow, FindingRow, Report
from app.parsing import PARSER_VERSION
from conftest import AUTH, CORPUS, assert_problem, disclosure_command, expected_for, figure_map


def _age(database_url: str, report_id: int) -> tuple[bytes, int]:
    """Make the stored report look like an older, worse parser produced it."""
    engine = make_engine(database_url)
    try:
        with Session(engine) as s:
            report = s.get(Report, report_id)
            report.parser_version = "0.0.1"
            report.agency = "wrong"
            for row in s.exec(select(FigureRow).where(FigureRow.report_id == report_id)):
                if row.key.startswith("applications."):
                    s.delete(row)
            s.add(report)
            s.commit()
            document = s.get(Document, report.document_id)
            return document.content, len(list(s.exec(select(FigureRow).where(FigureRow.report_id == report_id))))
    finally:
        engine.dispose()


def test_reparse_over_http_restores_every_figure_and_keeps_the_document(client, seed, database_url):
    content, remaining = _age(database_url, seed["id"])
    exp = expected_for("ewenki-2020.txt")
    assert remaining < len(exp["figures"])
    before = client.get(f"/reports/{seed['id']}").json()
    assert before["parser_version"] == "0.0.1"

    assert_problem(client.post(f"/reports/{seed['id']}/reparse"), 401, "unauthorized")
    assert_problem(client.post("/reports/999999/reparse", headers=AUTH), 404, "not_found")
    r = client.post(f"/reports/{seed['id']}/reparse", headers=AUTH)
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["id"] == seed["id"]
    assert report["parser_version"] == PARSER_VERSION
    assert report["agency"] == exp["agency"]
    assert report["figure_count"] == len(exp["figures"])
    assert report["updated_at"] > before["updated_at"]
    figures = client.get(f"/reports/{seed['id']}/figures").json()["figures"]
    assert figure_map(figures) == exp["figures"]

    engine = make_engine(database_url)
    try:
        with Session(engine) as s:
            doc = s.exec(select(Document)).one()
            assert doc.content == content  # the bytes as received, untouched
            assert len(list(s.exec(select(FindingRow).where(FindingRow.report_id == seed["id"])))) == \
                report["finding_count"]
    finally:
        engine.dispose()


def test_reparse_command_outdated_and_all(client, seed, database_url):
    # a second, partly parsed report beside the seed
    # (a synthetic crawler copy whose procurement row no evidence splits: partial)
    partial = Path(__file__).parent / "data" / "unseen" / "split-ambiguous-procurement-2019.txt"
    r = client.post("/reports", content=partial.read_bytes(),
                    headers={"Content-Type": "text/plain", **AUTH})
    assert r.status_code == 201
    _age(database_url, seed["id"])
    env = {**os.environ, "DATABASE_URL": database_url}

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([*disclosure_command(), "reparse", *args], capture_output=True, text=True,
                              env=env, timeout=120, stdin=subprocess.DEVNULL)

    proc = run("--outdated")
    assert proc.returncode == 0, proc.stderr
    assert f"reparsed 1 with parser {PARSER_VERSION} (parsed 1;" in proc.stdout
    assert figure_map(client.get(f"/reports/{seed['id']}/figures").json()["figures"]) == \
        expected_for("ewenki-2020.txt")["figures"]

    proc = run("--all")
    assert proc.returncode == 0 and "reparsed 2 " in proc.stdout and "partial 1" in proc.stdout

    proc = run("424242")
    assert proc.returncode == 1 and "no such report" in proc.stderr
    assert run().returncode == 2
