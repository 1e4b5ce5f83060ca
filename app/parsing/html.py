"""HTML → lines of text, as a person would copy the page: one line per block element, one
line per table row with its cells joined by " | ", <br> inside a cell kept within the cell.
Scripts, styles and forms are dropped — but a table a script writes from string literals
(`var t = "<table><tr><td>2<\\/td>…" + "…"; document.write(t)`) is read at the script's place:
the literals unescaped and joined, never run. Iterative, so deeply nested markup cannot blow
the stack."""

from __future__ import annotations

import base64
import binascii
import html
import re

from selectolax.lexbor import LexborHTMLParser

from app.parsing.layout import row_line
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


# where a JavaScript string literal ('…', "…", `…`) or a comment may start; then the literal
# or comment itself, matched from there (a quote that opens no literal on its line, as in a
# regular expression, is passed over to the end of its line): one pass, linear
_JS_START = re.compile(r"[\"'`]|//|/\*")
_JS_BODY = {"\"": re.compile(r'"(?:[^"\\\n]|\\.)*+"', re.S), "'": re.compile(r"'(?:[^'\\\n]|\\.)*+'", re.S),
            "`": re.compile(r"`(?:[^`\\]|\\.)*+`", re.S)}
_JS_CONCAT = re.compile(r"[\s+]*+")  # what joins two literals of one string: + and spaces
_JS_ESCAPE = re.compile(r"\\(?:u\{([0-9a-fA-F]{1,6})\}|u([0-9a-fA-F]{4})|x([0-9a-fA-F]{2})|(\r\n|[\s\S]))")
_JS_CHARS = {"n": "\n", "t": "\t", "r": "\r", "b": "", "f": "", "v": "", "0": ""}
_MARKUP_TAG = re.compile(r"(?i)</?(?:table|tr|t[dh])\b")
# a + joining a literal to what is not one: an operand before it, one after it, s += other
_JS_OPERAND_BEFORE = re.compile(r"[\w$)\]]\s*+\+\s*+$")
_JS_OPERAND_AFTER = re.compile(r"\s*+\+(?!=)\s*+(?=[^\s\"'`])")
_JS_ADD_OTHER = re.compile(r"\+=\s*+(?=[^\s\"'`])")
MAX_SCRIPT_CHARS = 262_144  # a script longer than this is not looked into (a table a script writes: a few KB)


def _js_unescape(body: str) -> str:
    def one(m: re.Match) -> str:
        code = m.group(1) or m.group(2) or m.group(3)
        if code is not None:
            n = int(code, 16)
            return chr(n) if n <= 0x10FFFF and not 0xD800 <= n <= 0xDFFF else ""
        c = m.group(4)
        return "" if c in ("\n", "\r\n", "\r") else _JS_CHARS.get(c, c)  # a backslash-newline continues the line
    return _JS_ESCAPE.sub(one, body)


def _js_literals(script: str) -> tuple[str, list[tuple[int, int]]]:
    """The script with its comments blanked out, and the spans of its string literals."""
    parts: list[str] = []
    spans: list[tuple[int, int]] = []
    pos = done = 0
    while (m := _JS_START.search(script, pos)) is not None:
        at, opener = m.start(), m.group()
        if opener in ("//", "/*"):
            close = script.find("\n", at) if opener == "//" else script.find("*/", at + 2)
            end = len(script) if close < 0 else close + (0 if opener == "//" else 2)
            parts.append(script[done:at])
            parts.append(" " * (end - at))
            done = pos = end
            continue
        lit = _JS_BODY[opener].match(script, at)
        if lit is None:
            close = script.find("\n", at)
            pos = len(script) if close < 0 else close
            continue
        spans.append(lit.span())
        pos = lit.end()
    parts.append(script[done:])
    return "".join(parts), spans


def script_markup(script: str) -> str | None:
    """The table markup a script holds in its string literals: each string (literals joined by
    +, or added with +=) that has a table tag, unescaped, in order; None when no string has a
    <table and a cell, or when a string is computed (a literal joined by + to a variable or a
    call, a template with ${…}): the cells it builds are not in the literals, and a cell read
    empty would be taken for 0."""
    if len(script) > MAX_SCRIPT_CHARS or "<" not in script:
        return None
    code, literals = _js_literals(script)
    strings: list[str] = []
    for i, (start, end) in enumerate(literals):
        token = code[start:end]
        if token[0] == "`" and "${" in token:
            return None
        before = code[literals[i - 1][1] if i else 0:start]
        after = code[end:literals[i + 1][0] if i + 1 < len(literals) else len(code)]
        joined_before = bool(i) and _JS_CONCAT.fullmatch(before) is not None
        if not joined_before and (_JS_OPERAND_BEFORE.search(before) or _JS_OPERAND_AFTER.match(after)
                                  or _JS_ADD_OTHER.search(before)):
            return None  # something + "…", "…" + something, s += something
        if joined_before:
            strings[-1] += _js_unescape(token[1:-1])
        else:
            strings.append(_js_unescape(token[1:-1]))
    tables = [t for t in strings if _MARKUP_TAG.search(t)]
    joined = "".join(tables)
    if not re.search(r"(?i)<table\b", joined) or not re.search(r"(?i)<t[dh]\b", joined):
        return None
    return joined


def html_to_text(markup: str, *, scripts: bool = True) -> str:
    """The page's text. `scripts`: read the tables scripts write (not inside a script's own)."""
    return "\n".join(html_lines(markup, scripts=scripts))


def html_lines(markup: str, pictures: dict[str, str] | None = None, *, scripts: bool = True) -> list[str]:
    """The page's lines; with `pictures`, the images it embeds (data: URIs, the only ones a
    submitted page holds: nothing is fetched) stand among them as `Picture`s, each one's
    src in `pictures` by its key. `scripts`: read the tables scripts write."""
    found = shape(markup)  # what the tree builder would face (app/parsing/markup.py)
    if found.depth > MAX_DEPTH:
        return _flat_text(markup).split("\n")
    if found.rewrite:  # attributes left out: no image's src is read
        return _tree_text(without_attributes(markup), None, scripts)
    return _tree_text(markup, pictures, scripts)


def _script_lines(node) -> list[str]:
    """The lines of the table a <script> writes (script_markup), read as a page of its own."""
    held = script_markup(node.text(deep=True) or "")
    if held is None:
        return []
    return [line for line in html_lines(held, scripts=False) if line]


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


def _tree_text(markup: str, pictures: dict[str, str] | None = None, scripts: bool = True) -> list[str]:
    """The page's lines: its title when it names a report, then in order the text of its
    blocks, its table rows, its pictures (with `pictures`: as Picture lines, their data
    there) and the tables its scripts write (with `scripts`)."""
    tree = LexborHTMLParser(markup)
    lines = _title_lines(tree)
    root = tree.body or tree.root
    if root is None:
        return lines
    buf: list[str] = []  # the text of the block being read
    stack: list[object] = [root]
    while stack:
        item = stack.pop()
        if item is _EXIT:
            _flush(buf, lines)
            continue
        node = item
        if node.is_text_node:
            buf.append(node.text_content or "")
            continue
        tag = node.tag
        if tag in _SKIP:
            if tag == "script" and scripts:
                _flush(buf, lines)
                lines.extend(_script_lines(node))
            continue
        if tag == "img" and pictures is not None:
            _picture(node, pictures, buf, lines)
            continue
        # a row with a table inside is page layout; and so is one holding a picture, when pictures count
        if tag == "tr" and node.css_first("table") is None and (pictures is None or node.css_first("img") is None):
            _flush(buf, lines)
            _row(node, lines)
            continue
        if tag == "pre":
            _flush(buf, lines)
            _pre(node, lines)
            continue
        if tag in _BLOCK:
            _flush(buf, lines)
            stack.append(_EXIT)
        stack.extend(reversed(_children(node)))
    _flush(buf, lines)
    return lines


def _title_lines(tree: LexborHTMLParser) -> list[str]:
    """The page's title as its first line, when it names a report."""
    title = tree.css_first("title")
    if title is not None:
        t = _SPACES.sub(" ", title.text(deep=True) or "").strip()
        if t and re.search(r"\d{4}.*报告|報告", t):
            return [t]
    return []


def _flush(buf: list[str], lines: list[str]) -> None:
    """The block's text read so far (`buf`, emptied) as a line, unless it is blank."""
    text = _SPACES.sub(" ", "".join(buf)).strip()
    if text:
        lines.append(text)
    buf.clear()


def _picture(node, pictures: dict[str, str], buf: list[str], lines: list[str]) -> None:
    """An <img> with a data: URI: its data kept in `pictures`, a Picture line in its place."""
    src = (node.attributes.get("src") or "").strip()
    if src[:5].lower() == "data:":
        _flush(buf, lines)
        key = str(len(pictures))
        pictures[key] = src
        lines.append(Picture(key))


def _row(node, lines: list[str]) -> None:
    """A table row as one line of its cells, unless every cell is empty."""
    cells = []
    child = node.child
    while child is not None:
        if child.tag in ("td", "th"):
            cells.append(_cell_text(child))
        child = child.next
    if any(cells):
        lines.append(row_line(cells))


def _pre(node, lines: list[str]) -> None:
    """Preformatted text: its lines, and the runs of spaces that align its columns, stay."""
    for line in (node.text(deep=True) or "").split("\n"):
        if line.strip():
            lines.append(line.rstrip())
