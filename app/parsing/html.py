"""HTML → lines of text, as a person would copy the page: one line per block element, one
line per table row with its cells joined by " | ", <br> inside a cell kept within the cell.
Scripts, styles and forms are dropped. Iterative, so deeply nested markup cannot blow the
stack."""

from __future__ import annotations

import base64
import binascii
import html
import re

from selectolax.lexbor import LexborHTMLParser

from app.parsing.markup import MAX_DEPTH, shape, without_attributes
from app.parsing.ocr import LIMITS as OCR_LIMITS
from app.parsing.ocr import OcrLimits
from app.parsing.pictures import MAX_BYTES as MAX_PICTURE_BYTES
from app.parsing.pictures import Picture, in_pictures
from app.parsing.provenance import Extracted

_SKIP = frozenset({"script", "style", "noscript", "template", "head", "iframe", "svg", "select", "button",
                   "object", "canvas", "-comment"})
_BLOCK = frozenset({"tr", "td", "th", "p", "div", "br", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "section", "article",
                    "header", "footer", "nav", "aside", "main", "table", "blockquote", "pre", "hr", "dd", "dt",
                    "dl", "form", "center", "caption", "tbody", "thead", "tfoot", "body", "html", "figure"})
_SPACES = re.compile(r"[ \t\r\n\u00a0\u3000]+")
_SPACES_INLINE = re.compile(r"[ \t\r\u00a0\u3000]+")
_EXIT = object()


def _children(node) -> list:
    out = []
    child = node.child
    while child is not None:
        out.append(child)
        child = child.next
    return out


def _cell_text(cell) -> str:
    """All text inside a table cell; <br> and block children join without a separator
    (labels like 本年新<br>制作数量 are one label)."""
    parts: list[str] = []
    stack = [cell]
    while stack:
        node = stack.pop()
        if node.is_text_node:
            parts.append(node.text_content or "")
            continue
        if node.tag in _SKIP:
            continue
        stack.extend(reversed(_children(node)))
    return _SPACES.sub(" ", "".join(parts)).strip()


_FLAT_TAG = re.compile(r"<[a-zA-Z/][^>]*+>?")


def _flat_text(markup: str) -> str:
    """Markup too deeply nested for a tree: tags out, rows and blocks as lines, cells as ' | '.
    Every pattern ends where it starts to fail or at the end of the markup: linear."""
    markup = re.sub(r"(?is)<(script|style|noscript|template)\b.*?(?:</\1\s*>|\Z)", " ", markup)
    markup = re.sub(r"(?i)</t[dh]\s*+>", " | ", markup)
    markup = re.sub(r"(?i)<(?:/?(?:p|div|tr|table|li|h[1-6]|section|article)\b[^>]*+(?:>|\Z)|br\s*+/?>)", "\n", markup)
    text = html.unescape(_FLAT_TAG.sub("", markup))
    lines = (_SPACES_INLINE.sub(" ", line).strip(" |") for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def html_to_text(markup: str) -> str:
    return "\n".join(html_lines(markup))


def html_lines(markup: str, pictures: dict[str, str] | None = None) -> list[str]:
    """The page's lines; with `pictures`, the images it embeds (data: URIs, the only ones a
    submitted page holds: nothing is fetched) stand among them as `Picture`s, each one's
    src in `pictures` by its key."""
    found = shape(markup)  # what the tree builder would face (app/parsing/markup.py)
    if found.depth > MAX_DEPTH:
        return _flat_text(markup).split("\n")
    if found.rewrite:  # attributes left out: no image's src is read
        return _tree_text(without_attributes(markup))
    return _tree_text(markup, pictures)


def read_html(markup: str, ocr: OcrLimits | None = OCR_LIMITS) -> Extracted:
    """The page's text (as html_to_text gives it); where the page holds no table as text but
    embedded images that may hold one (a 图片版 report: its tables pasted as pictures), with
    those pictures read by OCR where they stand (app/parsing/pictures.py)."""
    text = html_lines(markup)
    if any(" | " in line for line in text):  # its tables are text (a picture in them is no table)
        return Extracted(text="\n".join(text), media_type="text/html")
    pictures: dict[str, str] = {}
    lines = html_lines(markup, pictures)
    if not pictures:
        return Extracted(text="\n".join(text), media_type="text/html")
    media = {key: _data_uri(src) for key, src in pictures.items()}
    return in_pictures(lines, media, ocr, "text/html", "HTML page")


_DATA_URI = re.compile(r"data:image/[a-z0-9.+-]+(?:;[a-z0-9=._-]+)*;base64,", re.I)


def _data_uri(src: str) -> bytes:
    """The bytes of a base64 data: URI (at most what a picture may have, and one byte more:
    one larger is refused as such); b"" for anything else."""
    m = _DATA_URI.match(src)
    if m is None:
        return b""
    body = re.sub(r"\s+", "", src[m.end():m.end() + (MAX_PICTURE_BYTES * 4) // 3 + 8])
    try:
        return base64.b64decode(body[:len(body) - len(body) % 4], validate=False)
    except (ValueError, binascii.Error):
        return b""


def _tree_text(markup: str, pictures: dict[str, str] | None = None) -> list[str]:
    tree = LexborHTMLParser(markup)
    lines: list[str] = []
    title = tree.css_first("title")
    if title is not None:
        t = _SPACES.sub(" ", title.text(deep=True) or "").strip()
        if t and re.search(r"\d{4}.*报告|報告", t):
            lines.append(t)
    root = tree.body or tree.root
    if root is None:
        return lines
    buf: list[str] = []

    def flush() -> None:
        text = _SPACES.sub(" ", "".join(buf)).strip()
        if text:
            lines.append(text)
        buf.clear()

    stack: list[object] = [root]
    while stack:
        item = stack.pop()
        if item is _EXIT:
            flush()
            continue
        node = item
        if node.is_text_node:
            buf.append(node.text_content or "")
            continue
        tag = node.tag
        if tag in _SKIP:
            continue
        if tag == "img" and pictures is not None:
            src = (node.attributes.get("src") or "").strip()
            if src[:5].lower() == "data:":
                flush()
                key = str(len(pictures))
                pictures[key] = src
                lines.append(Picture(key))
            continue
        # a row with a table inside is page layout; and so is one holding a picture, when pictures count
        if tag == "tr" and node.css_first("table") is None and (pictures is None or node.css_first("img") is None):
            flush()
            cells = []
            child = node.child
            while child is not None:
                if child.tag in ("td", "th"):
                    cells.append(_cell_text(child))
                child = child.next
            if any(cells):
                lines.append(" | ".join(cells))
            continue
        if tag == "pre":  # preformatted: its lines and the runs of spaces that align its columns stay
            flush()
            for line in (node.text(deep=True) or "").split("\n"):
                if line.strip():
                    lines.append(line.rstrip())
            continue
        if tag in _BLOCK:
            flush()
            stack.append(_EXIT)
        stack.extend(reversed(_children(node)))
    flush()
    return lines
