"""Word and PDF copies of the corpus reports, made at test time.

A report's copies are made from its HTML page (../shared/tools/variants.py: prose in <p>,
each template table a <table> with the template's merged cells), so every copy holds the
report's own figures in a real table layout:

- .docx: python-docx writes the page's paragraphs and tables, merged cells as Word merges
  them (w:gridSpan across, w:vMerge down), with options for the page geometry real
  published files have: running headers and page numbers, header cells set vertically or
  one character a line, tables without ruling, a table cut by a page break mid-group;
- .pdf: LibreOffice (`soffice --headless --convert-to pdf`) prints those .docx files, and the
  HTML page itself, as PDF (Debian: libreoffice-writer-nogui, fonts-noto-cjk for the glyphs).

For a report whose text has no table structure (a text tool's copy of the published PDF),
the page is made from our own reading of the published PDF when the corpus has it.

Tests that need LibreOffice skip without it, and fail in CI (DISCLOSURE_TEST_REQUIRE_TOOLS=1).
"""

from __future__ import annotations

import copy
import html
import io
import os
import runpy
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
VARIANTS = runpy.run_path(str(CORPUS.parent / "tools" / "variants.py"))
REQUIRE_TOOLS = os.environ.get("DISCLOSURE_TEST_REQUIRE_TOOLS", "") not in ("", "0")
BASES = ("ewenki-2020", "huaian-2024", "pingtan-2024", "shuyang-2025")


def soffice() -> str:
    """The LibreOffice binary, or a skip (a failure in CI) saying what to install."""
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found:
        return found
    reason = "LibreOffice is not installed (Debian: apt-get install libreoffice-writer-nogui fonts-noto-cjk)"
    if REQUIRE_TOOLS:
        pytest.fail(f"{reason}; required in CI (DISCLOSURE_TEST_REQUIRE_TOOLS=1)", pytrace=False)
    pytest.skip(reason)


# ----------------------------------------------------------------------------- the page


@dataclass
class Cell:
    text: str
    rowspan: int = 1
    colspan: int = 1


@dataclass
class Block:
    """A paragraph (rows None) or a table (rows of cells, as <tr>/<td> give them)."""

    text: str = ""
    rows: list[list[Cell]] | None = None
    options: dict = field(default_factory=dict)


def report_text(stem: str) -> str:
    """The report as text with its tables as rows of cells: the corpus text, or for a text
    tool's copy without cells, our reading of the published PDF."""
    exp_file = CORPUS / f"{stem}.txt"
    text = exp_file.read_text(encoding="utf-8")
    if text.count("|") < 20 and (CORPUS / f"{stem}.pdf").is_file():
        from app.parsing.pdf import read_pdf

        text = read_pdf((CORPUS / f"{stem}.pdf").read_bytes()).text
    return text


def page_html(stem: str) -> str:
    """The report's HTML page (variants.py, which knows the template's merged cells), with its
    title also as a visible heading; for our reading of a published PDF (its merged cells
    given once, as HTML gives them), a table of its rows as they are."""
    text = report_text(stem)
    if text == (CORPUS / f"{stem}.txt").read_text(encoding="utf-8"):
        markup = VARIANTS["html_page"](VARIANTS["simplified"](text))
    else:
        markup = _plain_page(text)
    title = title_of(stem)
    return markup.replace('<div class="content">', f'<div class="content"><h2>{html.escape(title)}</h2>', 1)


def _plain_page(text: str) -> str:
    body: list[str] = []
    table: list[list[str]] = []

    def flush() -> None:
        if table:
            width = max(len(r) for r in table)
            trs = []
            for row in table:
                tds = [f"<td>{html.escape(c)}</td>" for c in row[:-1]]
                tds.append(f'<td colspan="{width - len(row) + 1}">{html.escape(row[-1])}</td>')
                trs.append("<tr>" + "".join(tds) + "</tr>")
            body.append('<table border="1" cellspacing="0">' + "".join(trs) + "</table>")
            table.clear()

    for line in text.split("\n"):
        if " | " in line:
            table.append([c.strip() for c in line.split(" | ")])
        else:
            flush()
            body.append(f"<p>{html.escape(line)}</p>")
    flush()
    return ('<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">'
            '<title>年度报告</title></head><body><div class="content">' + "\n".join(body) + "</div></body></html>\n")


def title_of(stem: str) -> str:
    from app.parsing import parse_document

    report = parse_document((CORPUS / f"{stem}.txt").read_bytes())
    return report.title or f"{report.year}年政府信息公开工作年度报告"


def blocks_of(markup: str) -> list[Block]:
    from selectolax.lexbor import LexborHTMLParser

    tree = LexborHTMLParser(markup)
    out: list[Block] = []
    root = tree.css_first("div.content") or tree.body
    for node in root.iter():
        if node.tag in ("p", "h1", "h2", "h3"):
            out.append(Block(text=node.text(deep=True).strip()))
        elif node.tag == "table":
            rows = []
            for tr in node.css("tr"):
                rows.append([Cell(td.text(deep=True).strip(), int(td.attributes.get("rowspan") or 1),
                                  int(td.attributes.get("colspan") or 1)) for td in tr.css("td, th")])
            out.append(Block(rows=rows))
    return out


def grid(rows: list[list[Cell]]) -> list[list[tuple[int, int, Cell] | None]]:
    """Rows of cells with spans → the full grid: each slot holds (row, col) of its cell's
    top-left slot and the cell."""
    slots: dict[tuple[int, int], tuple[int, int, Cell]] = {}
    width = 0
    for r, row in enumerate(rows):
        c = 0
        for cell in row:
            while (r, c) in slots:
                c += 1
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    slots[(r + dr, c + dc)] = (r, c, cell)
            c += cell.colspan
            width = max(width, c)
    height = max((r for r, _ in slots), default=-1) + 1
    return [[slots.get((r, c)) for c in range(width)] for r in range(height)]


def split_table(rows: list[list[Cell]], at: int) -> tuple[list[list[Cell]], list[list[Cell]]]:
    """A table cut before row `at`, as a page break cuts it: a cell spanning the cut keeps
    the first part of its text above it and the rest below (（三）不 / 予公开)."""
    full = grid(rows)
    top: list[list[tuple[int, Cell]]] = [[] for _ in range(at)]
    bottom: list[list[tuple[int, Cell]]] = [[] for _ in range(len(full) - at)]
    seen: set[tuple[int, int]] = set()
    for line in full:
        for slot in line:
            if slot is None or (slot[0], slot[1]) in seen:
                continue
            r0, c0, cell = slot
            seen.add((r0, c0))
            r1 = r0 + cell.rowspan
            if r1 <= at:
                top[r0].append((c0, copy.copy(cell)))
            elif r0 >= at:
                bottom[r0 - at].append((c0, copy.copy(cell)))
            else:
                cut = max(1, len(cell.text) // 2)
                top[r0].append((c0, Cell(cell.text[:cut], at - r0, cell.colspan)))
                bottom[0].append((c0, Cell(cell.text[cut:], r1 - at, cell.colspan)))
    return ([[cell for _, cell in sorted(row, key=lambda x: x[0])] for row in top],
            [[cell for _, cell in sorted(row, key=lambda x: x[0])] for row in bottom])


# ----------------------------------------------------------------------------- .docx


def docx_bytes(blocks: list[Block], *, ruled: bool = True, running_header: str | None = None,
               page_numbers: bool = False, vertical: tuple[str, ...] = (), stacked: tuple[str, ...] = ()) -> bytes:
    """A .docx of the blocks. `vertical`/`stacked`: texts of cells to set rotated
    (w:textDirection) or one character a line; `ruled=False`: tables without borders."""
    import docx
    from docx.enum.text import WD_BREAK
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    document = docx.Document()
    normal = document.styles["Normal"]
    normal.font.size = Pt(10.5)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "Noto Sans CJK SC")
    section = document.sections[0]
    if running_header:
        section.header.paragraphs[0].text = running_header
    if page_numbers:
        paragraph = section.footer.paragraphs[0]
        paragraph.alignment = 1
        run = paragraph.add_run("— ")
        field = OxmlElement("w:fldSimple")
        field.set(qn("w:instr"), "PAGE")
        inner = OxmlElement("w:r")
        text = OxmlElement("w:t")
        text.text = "1"
        inner.append(text)
        field.append(inner)
        run._r.addnext(field)
        paragraph.add_run(" —")
    for block in blocks:
        if block.rows is None:
            if block.options.get("page_break"):
                document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
            elif block.text:
                document.add_paragraph(block.text)
            continue
        full = grid(block.rows)
        table = document.add_table(rows=len(full), cols=len(full[0]))
        table.style = document.styles["Table Grid" if ruled else "Normal Table"]
        # fixed column widths, as in the published files: a table cut by a page break keeps them,
        # and label columns wide enough for their labels (a table without ruling is read by them)
        table.autofit = False
        for c, width in enumerate(_widths(full)):
            table.columns[c].width = width  # w:gridCol, which LibreOffice lays out by
            for r in range(len(full)):
                table.cell(r, c).width = width
        for r, line in enumerate(full):
            for c, slot in enumerate(line):
                if slot is None or (slot[0], slot[1]) != (r, c):
                    continue
                _, _, cell = slot
                target = table.cell(r, c)
                if cell.rowspan > 1 or cell.colspan > 1:
                    target = target.merge(table.cell(r + cell.rowspan - 1, c + cell.colspan - 1))
                if cell.text in stacked:
                    target.paragraphs[0].text = cell.text[0]
                    for ch in cell.text[1:]:
                        target.add_paragraph(ch)
                else:
                    target.paragraphs[0].text = cell.text
                if cell.text in vertical:
                    direction = OxmlElement("w:textDirection")
                    direction.set(qn("w:val"), "tbRl")
                    target._tc.get_or_add_tcPr().append(direction)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _widths(full: list[list[tuple[int, int, Cell] | None]], total_pt: float = 440.0) -> list:
    """Column widths: each column as wide as its longest one-column cell (labels wide, numbers
    narrow), scaled to the page's text width."""
    from docx.shared import Pt

    need = [5.0] * len(full[0])  # a number column: room for five digits
    for line in full:
        for c, slot in enumerate(line):
            if slot is not None and slot[2].colspan == 1 and (slot[0], slot[1]) != (-1, -1):
                need[c] = max(need[c], min(len(slot[2].text), 16) + 1.0)
    scale = total_pt / sum(need)
    return [Pt(n * scale) for n in need]


def split_before(blocks: list[Block], label: str) -> list[Block]:
    """The blocks with the table holding a row labelled `label` cut before that row by a page
    break (the way a long table runs over two pages)."""
    out: list[Block] = []
    for block in blocks:
        if block.rows is not None:
            at = next((r for r, row in enumerate(block.rows) if any(c.text == label for c in row)), None)
            if at:
                top, bottom = split_table(block.rows, at)
                out += [Block(rows=top), Block(options={"page_break": True}), Block(rows=bottom)]
                continue
        out.append(block)
    return out


def to_pdf(sources: list[Path], outdir: Path) -> dict[str, Path]:
    """PDFs of .docx/.html files by LibreOffice, one run for each kind (a cold start costs
    seconds). HTML pages are printed by Writer's own HTML import: LibreOffice's default for
    them (Writer/Web) sets the page's first paragraph on a first page of its own and prints
    that page blank, so a page's title would be missing from its PDF."""
    binary = soffice()
    outdir.mkdir(parents=True, exist_ok=True)
    profile = outdir / ".profile"
    pages = [s for s in sources if s.suffix.lower() in (".html", ".htm")]
    for batch, options in (([s for s in sources if s not in pages], []),
                           (pages, ["--infilter=HTML (StarWriter)"])):
        if not batch:
            continue
        subprocess.run([binary, "--headless", "--norestore", "--nolockcheck",
                        f"-env:UserInstallation={profile.as_uri()}", *options, "--convert-to", "pdf:writer_pdf_Export",
                        "--outdir", str(outdir), *map(str, batch)], check=True, capture_output=True, timeout=300,
                       env={**os.environ, "HOME": str(outdir)})
    made = {s.name: outdir / (s.stem + ".pdf") for s in sources}
    missing = [name for name, path in made.items() if not path.is_file()]
    assert not missing, f"LibreOffice made no PDF of {missing}"
    return made


# ----------------------------------------------------------------------------- bad PDFs


def pdf_bytes(objects: list[bytes], trailer: bytes = b"") -> bytes:
    """A PDF of these objects (1 0 obj … in order; object 1 the catalog), with its xref."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R %s >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, trailer, xref)
    return bytes(out)


def _page_with(content: bytes, extra: bytes = b"") -> list[bytes]:
    return [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R " + extra + b">>",
            b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(content) + content + b"\nendstream"]


def encrypted_pdf() -> bytes:
    """A PDF under the standard security handler with a user password (not the empty one)."""
    import hashlib

    objects = _page_with(__import__("zlib").compress(b"BT /F1 12 Tf 72 720 Td (secret) Tj ET"))
    objects.append(b"<< /Filter /Standard /V 1 /R 2 /P -44 /O <%s> /U <%s> >>"
                   % (hashlib.sha256(b"owner").hexdigest().encode(), hashlib.sha256(b"user").hexdigest().encode()))
    return pdf_bytes(objects, b"/Encrypt 5 0 R /ID [<%s> <%s>]" % (b"ab" * 16, b"ab" * 16))


def inflating_pdf(megabytes: int) -> bytes:
    """A one-page PDF whose content stream inflates to `megabytes` MB of spaces."""
    import zlib

    packer = zlib.compressobj(9)
    chunk = b" " * (1 << 20)
    packed = b"".join(packer.compress(chunk) for _ in range(megabytes)) + packer.flush()
    return pdf_bytes(_page_with(packed))


def many_pages_pdf(pages: int) -> bytes:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument.new()
    for _ in range(pages):
        pdf.new_page(595, 842)
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def rotated_copy(data: bytes) -> bytes:
    """The PDF with every page drawn a quarter turn counter-clockwise on a landscape page that
    /Rotate 90 turns back upright (as some tools publish landscape or scanned pages): it looks
    the same, its content runs sideways."""
    import pypdfium2 as pdfium

    source = pdfium.PdfDocument(data)
    out_doc = pdfium.PdfDocument.new()
    try:
        for index in range(len(source)):
            width, height = source[index].get_size()
            page = out_doc.new_page(height, width)
            drawn = source.page_as_xobject(index, out_doc).as_pageobject()
            drawn.transform(pdfium.PdfMatrix().rotate(90, ccw=True).translate(height, 0))
            page.insert_obj(drawn)
            page.gen_content()
            page.set_rotation(90)
        out = io.BytesIO()
        out_doc.save(out)
        return out.getvalue()
    finally:
        out_doc.close()
        source.close()


def image_only_pdf(pages: int = 2) -> bytes:
    """A scan: each page one picture of text, no text layer (Pillow writes it)."""
    from PIL import Image, ImageDraw

    images = []
    for n in range(pages):
        image = Image.new("RGB", (620, 877), "white")
        draw = ImageDraw.Draw(image)
        for y in range(80, 800, 40):
            draw.line((60, y, 560, y), fill="black", width=2)
        draw.text((80, 40), f"page {n + 1}", fill="black")
        images.append(image)
    out = io.BytesIO()
    images[0].save(out, "PDF", save_all=True, append_images=images[1:], resolution=72)
    return out.getvalue()


if __name__ == "__main__":  # python tests/documents.py STEM > STEM.docx: a report's Word copy, for trying things out
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    sys.stdout.buffer.write(docx_bytes(blocks_of(page_html(sys.argv[1]))))
