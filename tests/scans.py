"""Scanned copies of PDFs, made at test time: every page rendered to a picture (pypdfium2),
turned slightly (at most 1°, as a page lies on a scanner's glass), grey noise added, saved
through JPEG at a scanner's quality and wrapped back into a PDF of pictures only (Pillow):
a document with no text layer, as a body's 图片版 report is.

    scanned_pdf(Path("huaian-2024.pdf").read_bytes(), seed=1)  -> bytes of an image-only PDF

The same seed gives the same scan (the turn and the noise are drawn from it).
"""

from __future__ import annotations

import io
import random


def scanned_pdf(data: bytes, *, seed: int = 0, dpi: int = 200, max_turn: float = 1.0, noise: float = 12.0,
                quality: int = 70) -> bytes:
    import numpy as np
    import pypdfium2 as pdfium
    from PIL import Image

    rng = random.Random(seed)
    pixels = np.random.default_rng(seed)
    doc = pdfium.PdfDocument(data)
    pages: list[Image.Image] = []
    try:
        for index in range(len(doc)):
            page = doc[index]
            image = page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
            page.close()
            turn = rng.uniform(0.3, max_turn) * rng.choice((-1, 1))
            image = image.rotate(turn, resample=Image.BILINEAR, fillcolor=255)
            grey = np.asarray(image, dtype=np.float32)
            grey = grey + pixels.normal(0.0, noise, grey.shape)
            grey = np.clip(grey, 0, 255).astype(np.uint8)
            jpeg = io.BytesIO()
            Image.fromarray(grey, "L").save(jpeg, "JPEG", quality=quality)
            jpeg.seek(0)
            pages.append(Image.open(jpeg))
    finally:
        doc.close()
    out = io.BytesIO()
    pages[0].save(out, "PDF", save_all=True, append_images=pages[1:], resolution=float(dpi))
    return out.getvalue()
