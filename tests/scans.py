"""Scanned copies of PDFs, made at test time: every page rendered to a picture (pypdfium2),
turned slightly (at most 1°, as a page lies on a scanner's glass), grey noise added, saved
through JPEG at a scanner's quality and wrapped back into a PDF of pictures only (Pillow):
a document with no text layer, as a body's 图片版 report is.

    scanned_pdf(Path("huaian-2024.pdf").read_bytes(), seed=1)  -> bytes of an image-only PDF
    scanned_docx(pdf_bytes, seed=1)  -> a Word document of the pages as pictures (word/media/*.jpeg)
    scanned_html(pdf_bytes, seed=1)  -> an HTML page of the pages as <img> with data: URIs

The same seed gives the same scan (the turn and the noise are drawn from it).
"""

from __future__ import annotations

import io
import random


def scanned_pdf(data: bytes, *, seed: int = 0, dpi: int = 200, max_turn: float = 1.0, noise: float = 12.0,
                quality: int = 70) -> bytes:
    from PIL import Image

    pages = [Image.open(io.BytesIO(jpeg)) for jpeg in scanned_pages(data, seed=seed, dpi=dpi, max_turn=max_turn,
                                                                    noise=noise, quality=quality)]
    out = io.BytesIO()
    pages[0].save(out, "PDF", save_all=True, append_images=pages[1:], resolution=float(dpi))
    return out.getvalue()


def scanned_pages(data: bytes, *, seed: int = 0, dpi: int = 200, max_turn: float = 1.0, noise: float = 12.0,
                  quality: int = 70, pages: list[int] | None = None) -> list[bytes]:
    """The PDF's pages (or those of the 0-based `pages`) scanned: one JPEG each, its
    resolution in its header."""
    import numpy as np
    import pypdfium2 as pdfium
    from PIL import Image

    rng = random.Random(seed)
    pixels = np.random.default_rng(seed)
    doc = pdfium.PdfDocument(data)
    out: list[bytes] = []
    try:
        for index in (range(len(doc)) if pages is None else pages):
            page = doc[index]
            image = page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
            page.close()
            turn = rng.uniform(0.3, max_turn) * rng.choice((-1, 1))
            image = image.rotate(turn, resample=Image.BILINEAR, fillcolor=255)
            grey = np.asarray(image, dtype=np.float32)
            grey = grey + pixels.normal(0.0, noise, grey.shape)
            grey = np.clip(grey, 0, 255).astype(np.uint8)
            jpeg = io.BytesIO()
            Image.fromarray(grey, "L").save(jpeg, "JPEG", quality=quality, dpi=(dpi, dpi))
            out.append(jpeg.getvalue())
    finally:
        doc.close()
    return out


_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_PICTURE = """<w:p><w:r><w:drawing><wp:inline><wp:extent cx="{cx}" cy="{cy}"/><wp:docPr id="{n}" name="Picture {n}"/>
<a:graphic><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture"><pic:pic>
<pic:nvPicPr><pic:cNvPr id="{n}" name="image{n}.jpeg"/><pic:cNvPicPr/></pic:nvPicPr>
<pic:blipFill><a:blip r:embed="rId{n}"/><a:stretch><a:fillRect/></a:stretch></pic:blipFill>
<pic:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="{cx}" cy="{cy}"/></a:xfrm><a:prstGeom prst="rect"/></pic:spPr>
</pic:pic></a:graphicData></a:graphic></wp:inline></w:drawing></w:r></w:p>"""


def pictures_docx(pictures: list[bytes], title: str | None = None) -> bytes:
    """A Word document (written with zipfile, as Word lays one out) of a title paragraph and
    the JPEG pictures, one a paragraph, each in word/media and named by the body."""
    import zipfile

    body = f"<w:p><w:r><w:t>{title}</w:t></w:r></w:p>" if title else ""
    body += "".join(_PICTURE.format(n=n, cx=5_400_000, cy=7_600_000) for n in range(1, len(pictures) + 1))
    document = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document xmlns:w="{_W}" '
                'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
                'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
                'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
                'xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture">'
                f"<w:body>{body}<w:sectPr/></w:body></w:document>")
    rels = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
            'package/2006/relationships">' + "".join(
                f'<Relationship Id="rId{n}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                f'relationships/image" Target="media/image{n}.jpeg"/>' for n in range(1, len(pictures) + 1))
            + "</Relationships>")
    types = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
             'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
             'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Default Extension="jpeg" '
             'ContentType="image/jpeg"/><Override PartName="/word/document.xml" ContentType="application/vnd.'
             'openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>')
    package = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
               'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
               'officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>')
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", types)
        z.writestr("_rels/.rels", package)
        z.writestr("word/document.xml", document)
        z.writestr("word/_rels/document.xml.rels", rels)
        for n, picture in enumerate(pictures, 1):
            z.writestr(f"word/media/image{n}.jpeg", picture)
    return out.getvalue()


def pictures_html(pictures: list[bytes], title: str | None = None) -> bytes:
    """An HTML page of a title and the JPEG pictures as <img> with data: URIs."""
    import base64

    imgs = "".join(f'<p><img alt="" src="data:image/jpeg;base64,{base64.b64encode(p).decode()}"></p>\n'
                   for p in pictures)
    head = f"<h1>{title}</h1>" if title else ""
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title or ""}</title></head>'
            f"<body>{head}\n{imgs}</body></html>").encode()


def scanned_docx(data: bytes, *, seed: int = 0, title: str | None = None, pages: list[int] | None = None) -> bytes:
    return pictures_docx(scanned_pages(data, seed=seed, pages=pages), title)


def scanned_html(data: bytes, *, seed: int = 0, title: str | None = None, pages: list[int] | None = None) -> bytes:
    return pictures_html(scanned_pages(data, seed=seed, pages=pages), title)


def parsed_without_ocr(path) -> dict:
    """`disclosure parse PATH` in a process of its own where the recogniser's package cannot be
    imported, as where the ocr extra is not installed: the report as JSON, checked failed with
    its first two findings the reason and `ocr_unavailable` naming the extra."""
    import json
    import subprocess
    import sys
    from pathlib import Path

    code = ("import sys; sys.modules['rapidocr'] = None; from app.cli import main; "
            f"sys.exit(main(['parse', {str(path)!r}]))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          stdin=subprocess.DEVNULL, cwd=Path(__file__).resolve().parents[1])
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["status"] == "failed" and out["figures"] == []
    assert out["findings"][0]["severity"] == "error" and out["findings"][1]["code"] == "ocr_unavailable"
    assert 'pip install -e ".[ocr]"' in out["findings"][1]["message"]
    return out
