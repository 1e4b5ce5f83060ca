"""Scanned reports read by OCR (app/parsing/ocr.py): scanned copies of the corpus reports
(tests/scans.py: rendered, turned ≤ 1°, noise, JPEG, wrapped back into an image-only PDF)
give the base report's figures — at least 95 % of those the unscanned copy reads, none
different from it or from the expected file, the rest withheld with findings — each flagged `ocr` with the recogniser's confidence, stored
and served with it. Without the ocr extra a scan stays `failed` with a finding naming it;
OCR keeps to its limits, and runs in the parse processes under a budget of its own.

OCR is slow on two shared cores (a page takes ~7 s of CPU): the plain run reads one scanned
page of huaian-2024 (section 二's tables), once a session in this process and once in a parse
process; the whole scanned copies of huaian-2024, ewenki-2020, pingtan-2024 and shuyang-2025
(its Word copy printed by LibreOffice) are read in the stress group (`-m stress`, in CI)."""

from __future__ import annotations

import csv
import dataclasses
import io
import json

import pytest

import documents as D
from app.models import FigureRow
from app.parsing import parse_document
from app.parsing.findings import INCOMPLETE
from app.parsing.model import Finding
from app.parsing.ocr import LIMITS, OcrLimits
from app.parsing.ocr_withholding import MIN_CONFIDENCE, withhold_uncertain
from app.parsing.pdf import read_pdf
from conftest import AUTH, CORPUS
from scans import parsed_without_ocr, scanned_pdf

pytest.importorskip("rapidocr", reason="the ocr extra is not installed (pip install -e '.[ocr]')")

PDF_TYPE = "application/pdf"


@pytest.fixture(scope="session")
def base_pdf(tmp_path_factory):
    """A base report as a PDF: the published one, or LibreOffice's print of its Word copy."""
    made: dict[str, bytes] = {}

    def get(stem: str) -> bytes:
        if stem not in made:
            if (CORPUS / f"{stem}.pdf").is_file():
                made[stem] = (CORPUS / f"{stem}.pdf").read_bytes()
            else:
                folder = tmp_path_factory.mktemp(f"ocr-{stem}")
                source = folder / f"{stem}.docx"
                source.write_bytes(D.docx_bytes(D.blocks_of(D.page_html(stem))))
                made[stem] = D.to_pdf([source], folder / "pdf")[source.name].read_bytes()
        return made[stem]

    return get


@pytest.fixture(scope="session")
def scanned(base_pdf):
    """stem → (the base copy's parse, the scan's bytes, the scan's parse), each made once a session."""
    done: dict[str, tuple] = {}

    def get(stem: str):
        if stem not in done:
            pdf = base_pdf(stem)
            scan = scanned_pdf(pdf, seed=sum(map(ord, stem)))
            done[stem] = (parse_document(pdf, PDF_TYPE), scan, parse_document(scan, PDF_TYPE, budget=None))
        return done[stem]

    return get


@pytest.fixture(scope="session")
def one_page(one_page_scan):
    """The one-page scan's parse, made once a session: (its bytes, its report)."""
    return one_page_scan, parse_document(one_page_scan, PDF_TYPE, budget=None)


@pytest.fixture(scope="session")
def one_page_scan(base_pdf) -> bytes:
    """Page 3 of huaian-2024 scanned (section 二's tables): a scan that reads in seconds."""
    import pypdfium2 as pdfium

    source = pdfium.PdfDocument(base_pdf("huaian-2024"))
    single = pdfium.PdfDocument.new()
    single.import_pages(source, [2])
    out = io.BytesIO()
    single.save(out)
    single.close()
    source.close()
    return scanned_pdf(out.getvalue(), seed=3)


def _scores(stem: str, scanned) -> None:
    base, scan, report = scanned(stem)
    assert read_pdf(scan, ocr=None).text_pages == 0  # the copy is a scan: no text layer at all
    expected = json.loads((CORPUS / f"{stem}.expected.json").read_text(encoding="utf-8"))["figures"]
    base_values = {f.key: f.value for f in base.figures}  # what the unscanned copy reads
    assert len(base_values) > 200
    got = {f.key: f for f in report.figures}
    wrong = {k: (f.value, base_values.get(k)) for k, f in got.items() if base_values.get(k) != f.value}
    assert wrong == {}  # not one misread figure, nor one the unscanned copy does not have
    assert {k: got[k].value for k, v in expected.items() if k in got and base_values.get(k) == v} \
        == {k: v for k, v in expected.items() if k in got and base_values.get(k) == v}
    right = [k for k in base_values if k in got]
    assert len(right) >= 0.95 * len(base_values), (len(right), len(base_values), sorted(set(base_values) - set(got)))
    named = {k for f in report.findings for k in f.keys}
    rows_named = {k.rsplit(".", 1)[0] for k in named}
    for key in set(base_values) - set(got):  # each left out is named by a finding (it, or its row)
        assert key in named or key.rsplit(".", 1)[0] in rows_named or any(
            f.code in {c.value for c in INCOMPLETE} for f in report.findings), key
    assert report.findings[0].code == "no_text_layer" and report.findings[0].severity in ("info", "warning")
    assert "read by OCR" in report.findings[0].message
    assert report.status in ("parsed", "partial")
    vouched = {k for f in report.findings if f.code == "ocr_confirmed" for k in f.keys}
    for f in report.figures:
        assert "ocr" in f.flags, f.key
        assert f.source is None or f.source.page is not None
        if "derived" not in f.flags:  # a low score kept only where its row's sum vouches for it
            assert f.confidence is not None and 0 < f.confidence <= 1, (f.key, f.confidence)
            assert f.confidence >= MIN_CONFIDENCE or f.key in vouched, (f.key, f.confidence)


def test_a_scanned_page_reads_the_figures_of_the_unscanned_one(one_page, base_pdf):
    scan, report = one_page
    assert read_pdf(scan, ocr=None).text_pages == 0
    expected = json.loads((CORPUS / "huaian-2024.expected.json").read_text(encoding="utf-8"))["figures"]
    base = {f.key: f.value for f in parse_document(base_pdf("huaian-2024"), PDF_TYPE).figures}
    got = {f.key: f.value for f in report.figures}
    assert sum(1 for k in got if k.startswith("active.")) >= 6
    assert {k: v for k, v in got.items() if base.get(k) != v or expected.get(k, v) != v} == {}
    assert report.findings[0].code == "no_text_layer" and "read by OCR" in report.findings[0].message
    assert all("ocr" in f.flags for f in report.figures)


@pytest.mark.stress
@pytest.mark.parametrize("stem", ["huaian-2024", "ewenki-2020", "pingtan-2024", "shuyang-2025"])
def test_every_scanned_corpus_report(stem, scanned):
    _scores(stem, scanned)


def test_figures_below_the_threshold_or_disputed_by_the_arithmetic_are_withheld(one_page):
    _scan, report = one_page
    low = dataclasses.replace(report, figures=list(report.figures), findings=list(report.findings))
    withhold_uncertain(low, threshold=1.01)  # every score is below it
    assert low.figures == [] and low.status == "failed"
    # the figures' own finding (the totals made from them follow as ocr_withheld)
    [below] = [f for f in low.findings if f.code == "ocr_low_confidence"]
    assert "confidence below 1.01" in below.message
    assert {f.key for f in report.figures if "derived" not in f.flags} <= set(below.keys)
    sure = [f for f in report.figures if "derived" not in f.flags]
    disputed = dataclasses.replace(report, figures=list(report.figures), findings=[
        *report.findings, Finding("identity_mismatch", "warning", "(made up) does not add up", (sure[0].key,))])
    withhold_uncertain(disputed, threshold=0.0)
    assert sure[0].key not in {f.key for f in disputed.figures}
    assert disputed.findings[-1].code == "ocr_withheld" and sure[0].key in disputed.findings[-1].keys
    assert len(disputed.figures) == len(report.figures) - 1


def test_a_scanned_report_is_stored_and_served_with_its_confidence(client, database_url, one_page):
    from app.db import make_engine
    from app.services.ingest import store

    scan, report = one_page
    engine = make_engine(database_url)
    try:
        report_id = store(engine, scan, report).report.id
    finally:
        engine.dispose()
    figures = client.get(f"/reports/{report_id}/figures").json()["figures"]
    assert len(figures) == len(report.figures)
    by_key = {f.key: f for f in report.figures}
    for fig in figures:
        assert "ocr" in fig["flags"] and fig.get("confidence") == by_key[fig["key"]].confidence
    text = client.get(f"/reports/{report_id}/figures?format=csv").text
    head, first = (next(csv.reader([line])) for line in text.splitlines()[:2])
    # the confidence column by its name (the corrections' columns come after it)
    assert "confidence" in head and first[head.index("confidence")] == str(figures[0]["confidence"])
    rows = [json.loads(line) for line in client.get(f"/reports/{report_id}/figures?format=ndjson").text.splitlines()]
    assert [r.get("confidence") for r in rows] == [f.get("confidence") for f in figures]
    text_id = client.post("/reports", content=(CORPUS / "ewenki-2020.txt").read_bytes(),
                          headers={**AUTH, "Content-Type": "text/plain"}).json()["id"]
    assert all("confidence" not in f for f in client.get(f"/reports/{text_id}/figures").json()["figures"])


def test_the_confidence_migration_keeps_what_was_stored_before_it(client, database_url, settings):
    from alembic import command
    from fastapi.testclient import TestClient
    from sqlmodel import Session, select

    from app.db import alembic_config, make_engine
    from app.main import create_app

    r = client.post("/reports", content=(CORPUS / "ewenki-2020.txt").read_bytes(),
                    headers={**AUTH, "Content-Type": "text/plain"})
    assert r.status_code == 201, r.text
    before = client.get(f"/reports/{r.json()['id']}/figures").json()["figures"]
    config = alembic_config(database_url)
    command.downgrade(config, "0009")  # the schema before confidence: the stored figures stay
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM figure").scalar() == len(before)
        command.upgrade(config, "head")
        with Session(engine) as s:
            assert s.exec(select(FigureRow).where(FigureRow.confidence.is_not(None))).all() == []
        with TestClient(create_app(settings)) as fresh:
            assert fresh.get(f"/reports/{r.json()['id']}/figures").json()["figures"] == before
    finally:
        engine.dispose()


def test_without_the_ocr_extra_a_scan_stays_failed_with_a_finding_naming_it(tmp_path, one_page_scan):
    path = tmp_path / "scan.pdf"
    path.write_bytes(one_page_scan)
    out = parsed_without_ocr(path)
    assert [f["code"] for f in out["findings"]][:2] == ["no_text_layer", "ocr_unavailable"]


def test_ocr_keeps_to_its_pages_pixels_and_seconds(one_page_scan):
    for limits, says in ((dataclasses.replace(LIMITS, max_pages=0), "more than 0 pages"),
                         (dataclasses.replace(LIMITS, max_pixels=100_000), "too large to read")):
        read = read_pdf(one_page_scan, ocr=limits)
        assert read.text_pages == 0 and read.ocr_pages == 0
        skipped = [f for f in read.findings if f.code == "ocr_skipped"]
        assert len(skipped) == 1 and "Page 1 " in skipped[0].message and says in skipped[0].message
    # past the seconds (loading the recogniser counts): the pages from there on are left
    read = read_pdf(D.image_only_pdf(3), ocr=OcrLimits(seconds=0.0))
    [skipped] = [f.message for f in read.findings if f.code == "ocr_skipped"]  # one finding for them all
    assert skipped.startswith("Pages 1, 2, 3 are not read by OCR") and "longer than 0 s" in skipped


def test_ocr_runs_in_the_parse_process_past_the_text_timeout(one_page_scan):
    from app.services.parsepool import ParseWorkers

    workers = ParseWorkers(1, timeout=2.0)  # far less than loading the recogniser and reading a page take
    try:
        report = workers.parse(one_page_scan, PDF_TYPE)
        assert workers.killed == 0
        values = {f.key: f for f in report.figures}
        expected = json.loads((CORPUS / "huaian-2024.expected.json").read_text(encoding="utf-8"))["figures"]
        assert values["active.permit.decisions"].value == expected["active.permit.decisions"]
        assert all("ocr" in f.flags for f in report.figures)
    finally:
        workers.close()


def test_a_turned_page_is_straightened_and_its_ruling_found():
    import numpy as np
    from PIL import Image, ImageDraw

    from app.parsing.ruling import merge_rules, rules_to_grids
    from app.parsing.ocr import find_rules, straighten

    image = Image.new("L", (1200, 900), 255)
    draw = ImageDraw.Draw(image)
    for y in range(100, 801, 100):  # a table of 7 rows, 4 columns
        draw.line((100, y, 1100, y), fill=0, width=3)
    for x in (100, 400, 700, 1100):
        draw.line((x, 100, x, 800), fill=0, width=3)
    draw.text((450, 140), "12", fill=0)
    turned = image.rotate(0.7, resample=Image.BILINEAR, fillcolor=255)
    straight, angle = straighten(np.asarray(turned))
    assert abs(angle + 0.7) <= 0.06
    scale = 0.36  # points per pixel (200 dpi)
    [grid] = rules_to_grids(merge_rules(find_rules(straight, scale)))
    assert len(grid.ys) == 8 and len(grid.xs) == 4
    assert all(abs(a - b) < 2.0 for a, b in zip(grid.xs, (100 * scale, 400 * scale, 700 * scale, 1100 * scale)))
