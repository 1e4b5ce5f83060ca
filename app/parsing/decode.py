"""bytes → text. Charset from the declared content type, else a BOM, a <meta charset>,
strict UTF-8, strict GB18030, and finally charset detection. HTML becomes lines of text:
one line per block, one line per table row with its cells joined by " | ".

PDF and Word .docx are known by their magic bytes whatever the declared type (a PDF sent
as text/plain is read as a PDF) and read by app/parsing/pdf.py and app/parsing/docx.py into
the same lines; a legacy Word file (.doc/.wps, an OLE2 compound file) is refused here with
`legacy_word_document` (the service layer converts it where LibreOffice is installed)."""

from __future__ import annotations

from app import mediatypes

import codecs
import re
from dataclasses import dataclass

from app.parsing.errors import InputError
from app.parsing.provenance import Extracted

HTML_TYPES = ("text/html", "application/xhtml+xml")
PDF_TYPE = "application/pdf"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
LEGACY_WORD_TYPES = ("application/msword", "application/vnd.ms-works", "application/kswps", "application/wps-office.wps")
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)
_BINARY_MAGIC = (b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"%PDF", b"PK\x03\x04", b"\x1f\x8b", b"BM")
_CHINESE_ALIASES = {"gb2312": "gb18030", "gbk": "gb18030", "gb_2312-80": "gb18030", "x-gbk": "gb18030",
                    "big5": "big5hkscs", "utf8": "utf-8"}


@dataclass(frozen=True, slots=True)
class Decoded:
    text: str  # the document as text (for HTML: the extracted lines)
    encoding: str | None  # None for binary formats (PDF, Word)
    media_type: str  # "text/plain", "text/html", "application/pdf" or the .docx type
    extracted: Extracted | None = None  # PDF, Word: where each line came from, what the reader found


def parse_content_type(content_type: str | None) -> tuple[str | None, str | None]:
    """'text/plain; charset=GBK' → ('text/plain', 'gbk')."""
    if not content_type:
        return None, None
    return mediatypes.split(content_type)[0] or None, mediatypes.parameter(content_type, "charset")


def _codec(name: str) -> str | None:
    name = _CHINESE_ALIASES.get(name.lower(), name.lower())
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def looks_like_html(data: bytes) -> bool:
    head = data[:2048].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html", b"<?xml")) or (
        b"<table" in data[:65536].lower() and b"</td>" in data[:262144].lower()
    ) or b"<body" in head or b"<head" in head


def _check_binary(data: bytes) -> None:
    if data.startswith(_BINARY_MAGIC) or b"\x00" in data[:8192]:
        raise InputError(
            "not_text",
            "The body is binary data (an image, archive or PDF?), not a report's text. "
            "Send the report as text/plain or text/html.",
        )


def binary_kind(data: bytes) -> str | None:
    """'pdf', 'docx', 'legacy_word' or 'zip' by the magic bytes; None for anything else."""
    head = data[:1024]
    if head.startswith(b"%PDF") or (b"%PDF-" in head and not looks_like_html(data)):
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        from app.parsing.docx import is_docx

        return "docx" if is_docx(data) else "zip"
    if head.startswith(_OLE2):
        return "legacy_word"
    return None


def _read_binary(kind: str, data: bytes) -> Decoded:
    if kind == "pdf":
        from app.parsing.pdf import read_pdf

        extracted = read_pdf(data)
    elif kind == "docx":
        from app.parsing.docx import read_docx

        extracted = read_docx(data)
    elif kind == "legacy_word":
        raise InputError(
            "legacy_word_document",
            "This is a legacy Word/WPS file (.doc or .wps), which this server cannot read (LibreOffice is not "
            "installed here). Save it as .docx or PDF (Word or WPS: File › Save As), or convert it with "
            "`soffice --headless --convert-to docx FILE`, and send that.")
    else:
        raise InputError("unsupported_archive", "The body is a zip archive but no Word .docx document: send the "
                         "report itself (PDF, .docx, HTML or text), not an archive of it.")
    return Decoded(extracted.text, None, extracted.media_type, extracted)


def decode_bytes(data: bytes, content_type: str | None = None) -> Decoded:
    if not data or not data.strip():
        raise InputError("empty_body", "The body is empty: send the report's text.")
    media, declared = parse_content_type(content_type)
    kind = binary_kind(data)
    if kind is not None:  # the bytes say what they are, whatever the declared type
        return _read_binary(kind, data)
    if media in (PDF_TYPE, DOCX_TYPE, *LEGACY_WORD_TYPES):
        name = {PDF_TYPE: "a PDF (it does not start with %PDF)", DOCX_TYPE: "a Word .docx document (no zip)"}.get(
            media, "a legacy Word file")
        raise InputError("content_mismatch", f"The body is declared {media} but is not {name}. Send the file "
                         "itself, unchanged, or declare what it is.")
    _check_binary(data)
    is_html = media in HTML_TYPES or (media in (None, "text/plain", "application/octet-stream") and looks_like_html(data))
    text, encoding = _decode(data, declared, is_html)
    if not text.strip():
        raise InputError("empty_body", "The body holds only whitespace: send the report's text.")
    if is_html:
        from app.parsing.html import html_to_text, read_html

        if "data:image" in text:  # a page of pictures (of its tables) is read by OCR
            extracted = read_html(text)
            return Decoded(extracted.text, encoding, "text/html", extracted if extracted.origins else None)
        return Decoded(html_to_text(text), encoding, "text/html")
    return Decoded(text, encoding, "text/plain")


def _decode(data: bytes, declared: str | None, is_html: bool) -> tuple[str, str]:
    if declared:
        codec = _codec(declared)
        if codec is None:
            raise InputError("unknown_charset", f"The declared charset {declared!r} is not one we know.")
        try:
            return data.decode(codec), codec
        except UnicodeDecodeError as exc:
            guess = _guess(data)
            hint = f" It decodes as {guess[1]}: declare that, or omit the charset." if guess else ""
            raise InputError(
                "charset_mismatch",
                f"The body is not valid {declared} as declared (byte {exc.start}).{hint}",
            ) from None
    for bom, codec in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            try:
                return data.decode(codec), codec.replace("-sig", "")
            except UnicodeDecodeError:
                break
    if is_html:
        m = _META_CHARSET.search(data[:4096])
        if m:
            codec = _codec(m.group(1).decode("ascii", "replace"))
            if codec:
                try:
                    return data.decode(codec), codec
                except UnicodeDecodeError:
                    pass
    guess = _guess(data)
    if guess is None:
        raise InputError(
            "undecodable",
            "The body is neither UTF-8 nor GB18030/GBK text, and no charset could be detected. "
            "Declare the charset in the Content-Type header.",
        )
    return guess


def _guess(data: bytes) -> tuple[str, str] | None:
    for codec in ("utf-8", "gb18030"):
        try:
            return data.decode(codec), codec
        except UnicodeDecodeError:
            continue
    from charset_normalizer import from_bytes

    best = from_bytes(data[:200_000]).best()
    if best is None or best.encoding is None:
        return None
    try:
        return data.decode(best.encoding), best.encoding
    except (UnicodeDecodeError, LookupError):
        return None
