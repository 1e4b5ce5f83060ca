"""Word .docx bytes → the text of the document, tables as rows of cells, as HTML gives them.

A .docx is a zip; its body is word/document.xml. Paragraphs become lines in order, with
each table where it stands; a table row becomes one line of its cells joined by " | ", the
way app/parsing/html.py gives an HTML table: a cell merged across columns (w:gridSpan) is
one cell, a cell merged down rows (w:vMerge) is given in its first row only, and a cell's
paragraphs join into one text (本年新 / 制作数量 → 本年新制作数量).

    <w:tr><w:tc><w:p>行政许可</w:p></w:tc><w:tc><w:p>447228</w:p></w:tc></w:tr>  →  行政许可 | 447228

Read with the standard library's zipfile and lxml (entities never resolved, nothing
fetched), only word/document.xml and at most `DocxLimits.max_xml` bytes of it, so a zip
bomb stops there; python-docx would load every part of the package (images included).
Tracked deletions, field codes and the fallback copies of drawings are left out. Raises
InputError for a zip that is no Word document, a damaged one, or one too large inflated.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from dataclasses import dataclass

from app.parsing.errors import InputError
from app.parsing.layout import row_line
from app.parsing.ocr import LIMITS as OCR_LIMITS
from app.parsing.ocr import OcrLimits
from app.parsing.pictures import MAX_BYTES as MAX_PICTURE_BYTES
from app.parsing.pictures import Picture, in_pictures
from app.parsing.provenance import Extracted

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_P, _TBL, _TR, _TC, _T, _SDT, _SDT_CONTENT = (f"{_W}p", f"{_W}tbl", f"{_W}tr", f"{_W}tc", f"{_W}t", f"{_W}sdt",
                                              f"{_W}sdtContent")
_TAB, _BR, _CR, _TCPR, _VMERGE, _VAL = f"{_W}tab", f"{_W}br", f"{_W}cr", f"{_W}tcPr", f"{_W}vMerge", f"{_W}val"
_SKIP = frozenset({f"{_W}delText", f"{_W}instrText", f"{_W}del", f"{_W}moveFrom", _MC_FALLBACK,
                   f"{_W}pPr", f"{_W}rPr", f"{_W}tblPr", f"{_W}trPr", _TCPR, f"{_W}sectPr"})
_R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_BLIP = "{http://schemas.openxmlformats.org/drawingml/2006/main}blip"  # a picture (w:drawing)
_IMAGEDATA = "{urn:schemas-microsoft-com:vml}imagedata"  # a picture the old way (w:pict)
_EMBED, _RID = f"{_R}embed", f"{_R}id"
_SPACES = re.compile(r"[ \t\r\n\u00a0\u3000]+")


@dataclass(frozen=True, slots=True)
class DocxLimits:
    max_xml: int = 64 * 1024 * 1024  # word/document.xml inflated (a long report's is ~1 MB)


LIMITS = DocxLimits()


def is_docx(data: bytes) -> bool:
    """A zip (magic bytes PK\x03\x04) holding word/document.xml, by its central directory; a
    damaged zip that names word/document.xml near its start counts (and is refused as a
    damaged .docx, not as some other archive)."""
    if not data.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "word/document.xml" in archive.namelist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        return b"word/document.xml" in data[:65536]


def read_docx(data: bytes, limits: DocxLimits = LIMITS, ocr: OcrLimits | None = OCR_LIMITS) -> Extracted:
    """The document's text; where it holds no table as text but pictures (a 图片版 report:
    its tables, or its pages, pasted in as pictures), the pictures read by OCR within `ocr`
    (None: not at all) stand where they are in it (app/parsing/pictures.py)."""
    xml = _document_xml(data, limits)
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                             remove_comments=True, remove_pis=True)
    try:
        root = etree.fromstring(xml, parser)
    except etree.XMLSyntaxError as exc:
        raise InputError("docx_corrupt", f"The Word document's text (word/document.xml) is damaged: {exc}.") from None
    body = root.find(f"{_W}body")
    lines: list[str | Picture] = []
    if body is not None:
        _blocks(body, lines)
    text = [line for line in lines if not isinstance(line, Picture)]
    pictures = [line for line in lines if isinstance(line, Picture)]
    if not pictures or any(" | " in line for line in text):
        return Extracted(text="\n".join(text), media_type=MEDIA_TYPE)
    return in_pictures(lines, _media(data, pictures), ocr, MEDIA_TYPE, "Word document")


_RELS = "word/_rels/document.xml.rels"
MAX_PICTURES = 240  # pictures of a body looked at (icons and seals among them; OCR reads at most 60)
MAX_MEDIA = 256 * 1024 * 1024  # their bytes in all
_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"


def _media(data: bytes, ids: list[str]) -> dict[str, bytes]:
    """The pictures the body names, by relationship id: the package's own parts (word/media/…)
    that may hold a table; a picture linked from outside (TargetMode="External") is never
    fetched. At most `pictures.MAX_BYTES` each, `MAX_PICTURES` of them and `MAX_MEDIA` bytes
    in all (a package of a thousand large pictures is not held in memory)."""
    from lxml import etree

    out: dict[str, bytes] = {}
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            rels_info = archive.getinfo(_RELS)
            if rels_info.file_size > 4 * 1024 * 1024:
                return out
            parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
            rels = etree.fromstring(archive.read(rels_info), parser)
            targets = {r.get("Id"): r.get("Target") for r in rels.iter(_REL) if r.get("TargetMode") != "External"}
            total = 0
            for rid in list(dict.fromkeys(ids))[:MAX_PICTURES]:
                if total > MAX_MEDIA:
                    break
                target = targets.get(rid)
                if not target:
                    continue
                name = posixpath.normpath(posixpath.join("word", target)) if not target.startswith("/") \
                    else target.lstrip("/")
                try:
                    info = archive.getinfo(name)
                except KeyError:
                    continue
                with archive.open(info) as member:  # past the bytes a picture may have: refused as too large
                    out[rid] = member.read(MAX_PICTURE_BYTES + 1)
                total += len(out[rid])
    except Exception:  # no relationships part, a damaged one: the pictures cannot be found
        return out
    return out


def _document_xml(data: bytes, limits: DocxLimits) -> bytes:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError):
        raise InputError("docx_corrupt", "The file is a damaged or truncated zip archive, not a readable "
                         "Word document. Send the complete .docx as saved.") from None
    with archive:
        try:
            info = archive.getinfo("word/document.xml")
        except KeyError:
            raise InputError("not_a_word_document", "The zip archive holds no Word document (no word/document.xml): "
                             "send the report as .docx, PDF, HTML or text.") from None
        too_large = InputError("docx_too_large_inflated", f"The Word document's text inflates to more than "
                               f"{limits.max_xml >> 20} MB: not read.")
        if info.file_size > limits.max_xml:
            raise too_large
        try:
            with archive.open(info) as member:
                xml = member.read(limits.max_xml + 1)  # the declared size may lie: read no more than the limit
        except (zipfile.BadZipFile, zipfile.LargeZipFile, RuntimeError, OSError, EOFError, NotImplementedError) \
                as exc:
            message = "encrypted" if "encrypted" in str(exc) or "password" in str(exc) else "damaged"
            raise InputError("docx_corrupt", f"The Word document inside the zip is {message}: it cannot be read.") from None
        except Exception as exc:  # zlib.error and the like, from a damaged member
            raise InputError("docx_corrupt", f"The Word document inside the zip is damaged ({type(exc).__name__}).") from None
        if len(xml) > limits.max_xml:
            raise too_large
        return xml


def _blocks(container, lines: list[str]) -> None:
    """Paragraphs and tables of a body, a cell or a content control, in order."""
    for child in container:
        tag = child.tag
        if tag == _P:
            for line in _paragraph_lines(child):
                if line:
                    lines.append(line)
        elif tag == _TBL:
            _table(child, lines)
        elif tag in (_SDT, _SDT_CONTENT) or tag == f"{_W}customXml":
            _blocks(child.find(_SDT_CONTENT) if tag == _SDT and child.find(_SDT_CONTENT) is not None else child, lines)


def _paragraph_lines(p) -> list[str]:
    """A paragraph's text; a line break inside it (w:br, w:cr) starts a new line; a picture
    in it stands on a line of its own (a Picture)."""
    parts: list[str] = []
    out: list[str] = []
    for node in _text_nodes(p):
        if node is None or isinstance(node, Picture):
            out.append("".join(parts).strip())
            parts = []
            if node is not None:
                out.append(node)
        else:
            parts.append(node)
    out.append("".join(parts).strip())
    return out


def _text_nodes(element):
    """The text of an element in document order: strings, and None for a line break."""
    stack = [iter(element)]
    while stack:
        node = next(stack[-1], None)
        if node is None:
            stack.pop()
            continue
        tag = node.tag
        if not isinstance(tag, str) or tag in _SKIP:
            continue
        if tag == _T:
            yield node.text or ""
        elif tag == _TAB:
            yield "\t"
        elif tag in (_BR, _CR):
            if node.get(f"{_W}type") != "page":
                yield None
        elif tag == f"{_W}noBreakHyphen":
            yield "-"
        elif tag == _BLIP or tag == _IMAGEDATA:
            rid = node.get(_EMBED) or node.get(_RID)
            if rid:
                yield Picture(rid)
        else:
            stack.append(iter(node))


def _cell_text(tc) -> str:
    parts = [text for text in _text_nodes(tc) if text is not None and not isinstance(text, Picture)]
    return _SPACES.sub(" ", "".join(parts)).strip()


def _continues_merge(tc) -> bool:
    """A cell that continues a vertical merge (w:vMerge without w:val="restart")."""
    props = tc.find(_TCPR)
    if props is None:
        return False
    merge = props.find(_VMERGE)
    return merge is not None and merge.get(_VAL, "continue") != "restart"


def _children(parent, tag: str):
    """The children of `parent` with `tag`, also those wrapped in a content control
    (w:sdt/w:sdtContent) or custom XML."""
    for child in parent:
        if child.tag == tag:
            yield child
        elif child.tag in (_SDT, f"{_W}customXml"):
            content = child.find(_SDT_CONTENT) if child.tag == _SDT else child
            if content is not None:
                yield from (c for c in content if c.tag == tag)


def _table(tbl, lines: list[str]) -> None:
    for row in _children(tbl, _TR):
        cells = list(_children(row, _TC))
        if any(tc.find(f".//{_TBL}") is not None for tc in cells):  # a row holding tables is page layout
            for tc in cells:
                _blocks(tc, lines)
            continue
        texts = [_cell_text(tc) for tc in cells if not _continues_merge(tc)]
        if any(texts):
            lines.append(row_line(texts))
