"""A PDF original's pages as PNG images, for the report page (app/api/pages.py): rendered by
PDFium (pypdfium2, under the parser's lock: PDFium is not thread-safe), at a width bounded in
pixels and a pixel count bounded per image, kept in memory (bounded in bytes, least recently
used first out) under the document's digest, the page and the width.

    png, size = render_page(pdf_bytes, digest, page=3, width=1200)
    size -> (595.3, 841.9): the page as displayed, in PDF points (the frame of figure boxes)

Callers run it in a worker thread: a page takes tens of milliseconds of CPU.
"""

from __future__ import annotations

import struct
import threading
import zlib
from collections import OrderedDict
from dataclasses import dataclass

from app.parsing.errors import InputError
from app.parsing.pdf import PDFIUM_LOCK, check_inflation

DEFAULT_WIDTH = 1000  # pixels
MIN_WIDTH, MAX_WIDTH = 200, 2000
MAX_PIXELS = 4_000_000  # one image (a 2000 px wide A4 page is 2.8 million)
MAX_SCALE = 4.0  # pixels per PDF point, whatever the width asked
CACHE_BYTES = 48 * 1024 * 1024


class PageNotFound(LookupError):
    def __init__(self, page: int, pages: int) -> None:
        super().__init__(f"page {page} of {pages}")
        self.page, self.pages = page, pages


@dataclass(frozen=True, slots=True)
class Rendered:
    png: bytes
    width: int  # pixels
    height: int
    points: tuple[float, float]  # the page as displayed, in PDF points
    pages: int


def png_bytes(width: int, height: int, rgb: bytes, stride: int) -> bytes:
    """An 8-bit RGB PNG of `rgb` rows (`stride` bytes apart): filter 0 on every row."""
    row = width * 3
    raw = b"".join(b"\x00" + rgb[y * stride:y * stride + row] for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b"")


def _render(data: bytes, page: int, width: int) -> Rendered:
    import pypdfium2 as pdfium
    import pypdfium2.raw as c

    check_inflation(data)  # the bytes were parsed once, but are read here on their own
    with PDFIUM_LOCK:
        try:
            doc = pdfium.PdfDocument(data)
        except pdfium.PdfiumError:
            raise InputError("pdf_corrupt", "The PDF cannot be opened.") from None
        try:
            pages = len(doc)
            if not 1 <= page <= pages:
                raise PageNotFound(page, pages)
            pdf_page = doc[page - 1]
            try:
                w_pt, h_pt = pdf_page.get_size()
                if pdf_page.get_rotation() % 180:
                    w_pt, h_pt = h_pt, w_pt
                scale = min(width / max(w_pt, 1.0), MAX_SCALE)
                if (w_pt * scale + 1) * (h_pt * scale + 1) > MAX_PIXELS:  # +1: PDFium rounds the sides up
                    scale = (MAX_PIXELS / max((w_pt + 1) * (h_pt + 1), 1.0)) ** 0.5
                bitmap = pdf_page.render(scale=scale, force_bitmap_format=c.FPDFBitmap_BGR, rev_byteorder=True)
                try:
                    buffer = bytes(bitmap.buffer)
                    out_w, out_h, stride = bitmap.width, bitmap.height, bitmap.stride
                finally:
                    bitmap.close()
            finally:
                pdf_page.close()
        finally:
            doc.close()
    return Rendered(png_bytes(out_w, out_h, buffer, stride), out_w, out_h, (out_w / scale, out_h / scale), pages)


def page_sizes(data: bytes, limit: int) -> list[tuple[float, float]]:
    """The first `limit` pages' sizes as displayed, in PDF points."""
    import pypdfium2 as pdfium

    with PDFIUM_LOCK:
        try:
            doc = pdfium.PdfDocument(data)
        except pdfium.PdfiumError:
            return []
        try:
            out = []
            for index in range(min(len(doc), limit)):
                p = doc[index]
                try:
                    w, h = p.get_size()
                    out.append((h, w) if p.get_rotation() % 180 else (w, h))
                finally:
                    p.close()
            return out
        finally:
            doc.close()


class PageCache:
    """Rendered pages by (digest, page, width), bounded in bytes."""

    def __init__(self, max_bytes: int = CACHE_BYTES) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self.items: OrderedDict[tuple[str, int, int], Rendered] = OrderedDict()
        self.sizes: OrderedDict[str, list[tuple[float, float]]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, digest: str, page: int, width: int) -> Rendered | None:
        key = (digest, page, max(MIN_WIDTH, min(MAX_WIDTH, width)))
        with self._lock:
            held = self.items.get(key)
            if held is not None:
                self.items.move_to_end(key)
            return held

    def render(self, data: bytes, digest: str, page: int, width: int) -> Rendered:
        """The page of `data` (whose SHA-256 is `digest`), rendered and kept, or as kept."""
        width = max(MIN_WIDTH, min(MAX_WIDTH, width))
        held = self.get(digest, page, width)
        if held is not None:
            return held
        rendered = _render(data, page, width)
        key = (digest, page, width)
        with self._lock:
            if len(rendered.png) <= self.max_bytes // 4 and key not in self.items:
                self.items[key] = rendered
                self.size += len(rendered.png)
                while self.size > self.max_bytes and self.items:
                    _, dropped = self.items.popitem(last=False)
                    self.size -= len(dropped.png)
        return rendered

    def page_sizes(self, data_of, digest: str, limit: int) -> list[tuple[float, float]]:
        with self._lock:
            held = self.sizes.get(digest)
            if held is not None:
                self.sizes.move_to_end(digest)
                return held
        sizes = page_sizes(data_of(), limit)
        with self._lock:
            self.sizes[digest] = sizes
            while len(self.sizes) > 1024:
                self.sizes.popitem(last=False)
        return sizes
