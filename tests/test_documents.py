"""Word and PDF copies of every corpus report (tests/documents.py makes them once a session:
python-docx writes the .docx, LibreOffice prints it and the report's HTML page as PDF) read
as their base report: no figure that contradicts the base report's expected ones (nor, for a
full expected file, one it does not have), no metadata mismatch, and every expected figure
but those the base report itself misses. And the page geometry published files have, one
copy each: running headers and page numbers, a header cell set vertically or one character
a line, a table cut by a page break mid-group, tables without ruling."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import documents as D
from app.parsing import parse_document
from test_parsing_corpus import CORPUS, KNOWN_GAPS
from test_parsing_variants import variant_problems

CASES = {  # name: (bases, docx options)
    "furniture": (D.BASES, {"running_header": True, "page_numbers": True}),
    "vertical": (("ewenki-2020", "huaian-2024"), {"vertical": ("三、本年度办理结果",)}),
    "stacked": (("ewenki-2020", "huaian-2024"), {"stacked": ("三、本年度办理结果", "法律服务机构")}),
    "split": (("ewenki-2020", "huaian-2024"), {"split": "5.属于三类内部事务信息", "running_header": True,
                                                "page_numbers": True}),
    "unruled": (("ewenki-2020", "shuyang-2025"), {"ruled": False}),
}


def _docx(stem: str, options: dict) -> bytes:
    blocks = D.blocks_of(D.page_html(stem))
    options = dict(options)
    if "split" in options:
        blocks = D.split_before(blocks, options.pop("split"))
    if options.get("running_header"):
        options["running_header"] = D.title_of(stem)
    return D.docx_bytes(blocks, **options)


@pytest.fixture(scope="session")
def copies(tmp_path_factory) -> Path:
    """Every copy's .docx (and the HTML pages) in one folder, written once a session."""
    out = tmp_path_factory.mktemp("copies")
    for stem in D.BASES:
        (out / f"{stem}.docx").write_bytes(_docx(stem, {}))
        (out / f"{stem}.page.html").write_bytes(D.page_html(stem).encode("gb18030"))
        for case, (bases, options) in CASES.items():
            if stem in bases:
                (out / f"{stem}.{case}.docx").write_bytes(_docx(stem, options))
    return out


@pytest.fixture(scope="session")
def pdf_copies(copies: Path) -> Path:
    """LibreOffice's PDFs of every .docx and HTML page, printed in one run."""
    out = copies / "pdf"
    D.to_pdf(sorted(p for p in copies.iterdir() if p.suffix in (".docx", ".html")), out)
    return out


def _problems(path: Path, stem: str) -> dict:
    exp = json.loads((CORPUS / f"{stem}.expected.json").read_text(encoding="utf-8"))
    base = parse_document((CORPUS / exp["file"]).read_bytes()).figure_map()
    allowed_missing = set(exp["figures"]) - set(base) if f"{stem}.expected.json" in KNOWN_GAPS else set()
    return variant_problems(parse_document(path.read_bytes()), exp, allowed_missing)


@pytest.mark.parametrize("stem", D.BASES)
def test_the_docx_copy_reads_as_its_base_report(copies, stem):
    assert _problems(copies / f"{stem}.docx", stem) == {}


@pytest.mark.parametrize("stem", D.BASES)
@pytest.mark.parametrize("made_from", ["docx", "page.html"])
def test_the_pdf_copies_read_as_their_base_report(pdf_copies, stem, made_from):
    name = f"{stem}.pdf" if made_from == "docx" else f"{stem}.page.pdf"
    assert _problems(pdf_copies / name, stem) == {}


@pytest.mark.parametrize("case, stem", [(case, stem) for case, (bases, _) in CASES.items() for stem in bases])
def test_page_geometry_of_published_files(pdf_copies, copies, case, stem):
    assert _problems(copies / f"{stem}.{case}.docx", stem) == {}
    assert _problems(pdf_copies / f"{stem}.{case}.pdf", stem) == {}


def test_the_geometry_copies_have_what_they_are_made_for(pdf_copies):
    """Each case holds what it is there to test (else its test would prove nothing)."""
    import pypdfium2 as pdfium

    from app.parsing.pdf import read_pdf

    def page_texts(name: str) -> list[str]:
        doc = pdfium.PdfDocument((pdf_copies / name).read_bytes())
        try:
            return [page.get_textpage().get_text_range() for page in doc]
        finally:
            doc.close()

    furniture = page_texts("ewenki-2020.furniture.pdf")
    assert len(furniture) > 3 and all("年度报告" in t.split("\n")[0] for t in furniture)  # a header on every page
    assert "— 2 —" in furniture[1]
    split = page_texts("ewenki-2020.split.pdf")
    cut = next(i for i, t in enumerate(split) if "保护第三方" in t)  # group （三） cut after its 4th row
    assert "属于三类" in split[cut + 1] and "属于三类" not in split[cut]
    text = read_pdf((pdf_copies / "ewenki-2020.furniture.pdf").read_bytes()).text
    assert "— 2 —" not in text and text.count("2020年政府信息公开工作年度报告") <= 2
    stacked = read_pdf((pdf_copies / "huaian-2024.stacked.pdf").read_bytes()).text
    assert "三、本年度办理结果 | （一）予以公开" in stacked
