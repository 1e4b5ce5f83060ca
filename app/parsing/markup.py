"""What HTML markup will cost the tree builder, told before it is parsed.

The HTML parser (lexbor) is C code we cannot interrupt, and some markup makes it slow
beyond any budget: unique attribute names are compared with each other (one tag with 100k
attributes: a minute), formatting elements with attributes of their own are all reopened for
every text (<p><b id=1>x</p>… : 12 s and 3 GB for 100 KB), a <select> goes over its options
for each one added, and every start tag looks through the open elements (a page nested 100k
deep). One pass over the tags as the HTML tokenizer reads them (quoted attribute values may
hold < and >; comments and raw text such as scripts are passed over, except inside svg/math)
keeps a stack of open elements as the tree builder would — closing what a start tag implies,
ignoring what it ignores, and where unsure keeping an element open, so that the estimate
errs high (tests/test_parsing_fuzz.py holds it to the tree lexbor builds):

    shape("<div>x</span>" * 3).depth == 3  # a stray end tag closes nothing
    shape("<p><b id=1>x</p>" * 100).rewrite is True  # 100 formatting elements to reopen

`rewrite` means: parse `without_attributes(markup)` instead — every tag's attributes left out,
a select's options as end tags. Nothing reads an attribute, and a select is skipped, so it is
the same text (the fuzz tests hold that too); formatting elements then are alike, of which the
parser reopens at most three, and no option list is kept. Too deep or too many tags: read
without a tree (app/parsing/html.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_DEPTH = 1000  # real pages nest a few dozen deep; the HTML parser slows with the square of depth
MAX_TAGS = 100_000  # real pages have a few thousand; a tree costs ~300 bytes an element
MAX_ATTRIBUTES = 64  # in one tag
MAX_FORMATTING = 64  # formatting elements to reopen (at most 3 alike count)
MAX_OPTIONS = 256  # in selects
_LOOKBACK = 64  # open elements an end tag is matched against (deeper ones: ignored, an overestimate)

_WS = "\t\n\f\r "
# an attribute as the tokenizer reads it: a name, then maybe '=' and a quoted or bare value
_ATTR_NAME = rf"[^{_WS}/>][^{_WS}/>=]*+"
_ATTR_VALUE = rf"(?:[{_WS}]*+=[{_WS}]*+(?:\"[^\"]*+\"?|'[^']*+'?|[^{_WS}>]*+))?+"
_ATTRS = rf"(?:[{_WS}/]++|{_ATTR_NAME}{_ATTR_VALUE})*+"
_ONE_ATTR = re.compile(f"({_ATTR_NAME}){_ATTR_VALUE}")
_RAW_TEXT = ("script", "style", "xmp", "iframe", "noembed", "noframes", "textarea", "title", "plaintext")
# One token from a '<': a comment, a bogus comment (doctype, <?…>, </ not before a letter), an
# element of raw text (groups 1-2: name and attributes; its text up to its end tag comes with
# it) or a tag (groups 3-6: '/', name, attributes, '>'). A token left open runs to the end of
# the markup (the tokenizer drops it there). Every alternative ends where the tokenizer's
# token does: one pass, linear.
_TOKEN = re.compile(
    r"<(?:!--(?:-?>|.*?(?:--!?>|\Z))|[!?][^>]*+>?|/(?![a-z])[^>]*+>?"
    rf"|({'|'.join(_RAW_TEXT)})(?=[{_WS}/>])({_ATTRS})>.*?(?=</\1[{_WS}/>]|\Z)"
    rf"|(/?)([a-z][^{_WS}/>]*+)({_ATTRS})(>?))", re.S | re.I)

_VOID = frozenset({"area", "base", "basefont", "bgsound", "br", "col", "embed", "frame", "hr", "image", "img",
                   "input", "keygen", "link", "meta", "param", "source", "track", "wbr"})
_IGNORED = frozenset({"html", "head", "body"})  # merged into the ones there are
_FORMATTING = frozenset({"a", "b", "big", "code", "em", "font", "i", "nobr", "s", "small", "strike", "strong",
                         "tt", "u"})
_SPECIAL = frozenset({"address", "applet", "area", "article", "aside", "base", "basefont", "bgsound", "blockquote",
                      "body", "br", "button", "caption", "center", "col", "colgroup", "dd", "details", "dir", "div",
                      "dl", "dt", "embed", "fieldset", "figcaption", "figure", "footer", "form", "frame", "frameset",
                      "h1", "h2", "h3", "h4", "h5", "h6", "head", "header", "hgroup", "hr", "html", "iframe", "img",
                      "input", "keygen", "li", "link", "listing", "main", "marquee", "menu", "meta", "nav",
                      "noembed", "noframes", "noscript", "object", "ol", "p", "param", "plaintext", "pre", "script",
                      "search", "section", "select", "source", "style", "summary", "table", "tbody", "td",
                      "template", "textarea", "tfoot", "th", "thead", "title", "tr", "track", "ul", "wbr", "xmp"})
# svg/math elements whose children are HTML again (on the stack as ':name'); they bound a
# scope as a table cell does
_INTEGRATION = frozenset({":foreignobject", ":desc", ":title", ":annotation-xml", ":mi", ":mo", ":mn", ":ms",
                          ":mtext"})
_SCOPE = frozenset({"applet", "caption", "html", "table", "td", "th", "marquee", "object", "template"}) | _INTEGRATION
_BUTTON_SCOPE = _SCOPE | {"button"}
_LIST_STOP = _SPECIAL - {"address", "div", "p"}
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_CLOSES_P = frozenset({"address", "article", "aside", "blockquote", "center", "details", "dialog", "dir", "div",
                       "dl", "fieldset", "figcaption", "figure", "footer", "header", "hgroup", "main", "menu",
                       "nav", "ol", "p", "search", "section", "summary", "ul", "pre", "listing", "form",
                       "plaintext", "xmp", "hr", "li", "dd", "dt"}) | _HEADINGS
# end tags that close their element through others in scope; any other end tag stops at the
# first special element
_SCOPED_END = frozenset({"address", "article", "aside", "blockquote", "button", "center", "details", "dialog", "dir",
                         "div", "dl", "fieldset", "figcaption", "figure", "footer", "header", "hgroup", "listing",
                         "main", "menu", "nav", "ol", "pre", "search", "section", "summary", "ul", "form", "p", "li",
                         "dd", "dt", "applet", "marquee", "object", "select", "template", "table", "caption",
                         "colgroup", "tbody", "thead", "tfoot", "tr", "td", "th"}) | _HEADINGS
_TABLE_PARTS = ("td", "th", "tr", "tbody", "thead", "tfoot", "caption", "colgroup", "table")
_TABLE_ONLY = frozenset(_TABLE_PARTS) - {"table"}  # ignored outside a table
_TABLE_LEVEL = {"table": 0, "caption": 1, "colgroup": 1, "tbody": 1, "thead": 1, "tfoot": 1, "tr": 2, "td": 3, "th": 3}
_NOTHING: frozenset[str] = frozenset()
# start tags that need more than a push, and where they usually stand needing nothing closed
_IMPLYING = _CLOSES_P | {"li", "dd", "dt", "option", "optgroup", "a", "nobr", "button"} | _TABLE_ONLY
_PARENT = {"td": "tr", "th": "tr", "tr": "tbody", "li": "ul", "p": "td"}
# start tags that leave svg/math (and a font with color, face or size)
_BREAKOUT = frozenset({"b", "big", "blockquote", "body", "br", "center", "code", "dd", "div", "dl", "dt", "em",
                       "embed", "h1", "h2", "h3", "h4", "h5", "h6", "head", "hr", "i", "img", "li", "listing",
                       "menu", "meta", "nobr", "ol", "p", "pre", "ruby", "s", "small", "span", "strong", "strike",
                       "sub", "sup", "table", "tt", "u", "ul", "var"})


@dataclass(frozen=True, slots=True)
class Shape:
    depth: int  # of the open elements, at most (past MAX_DEPTH or MAX_TAGS: MAX_DEPTH + 1)
    rewrite: bool  # parse without_attributes(markup) instead


def shape(markup: str) -> Shape:
    return _Walk(markup, None).run()


def without_attributes(markup: str) -> str:
    """The markup with every tag's attributes left out (a font that leaves svg/math keeps one
    that says so) and a select's options as end tags (their text stays in the select; no
    option element is made). Text, comments and raw text stay as they are."""
    out: list[str] = []
    _Walk(markup, out).run()
    return "".join(out)


class _Walk:
    """One pass over the tags of `markup` in order, on a stack of open elements; with `out`,
    the markup without attributes appended to it as well."""

    __slots__ = ("markup", "out", "stack", "deepest", "attrs_max", "options", "tags", "active", "active_by_name",
                 "active_total", "active_max", "names", "copied", "in_select")

    def __init__(self, markup: str, out: list[str] | None) -> None:
        self.markup, self.out = markup, out
        self.stack: list[str] = []  # open elements; svg/math ones as ':name'
        self.deepest = self.attrs_max = self.options = self.tags = 0
        self.active: dict[tuple[str, str], int] = {}  # formatting elements to reopen, at most 3 alike
        self.active_by_name: dict[str, list[tuple[str, str]]] = {}
        self.active_total = self.active_max = 0
        self.names: dict[str, str] = {}  # each name lower-cased once
        self.copied = 0  # markup before this is in `out`
        self.in_select = False

    def run(self) -> Shape:
        start: int | None = 0
        while start is not None:
            start = self._tokens(start)
        if self.out is not None:
            self.out.append(self.markup[self.copied:])
        return self._shape()

    def _tokens(self, start: int) -> int | None:
        """The tokens from `start` on; where to read on inside an element of svg/math read as
        raw text (its title, style or script: an element as any other there), else None."""
        markup, out, stack, names = self.markup, self.out, self.stack, self.names
        resume = None
        for m in _TOKEN.finditer(markup, start):
            if out is None and (self.deepest > MAX_DEPTH or self.tags > MAX_TAGS):
                break  # too deep or too large for a tree: all we need to know
            raw, raw_attrs, closing, name, attrs, end = m.groups()
            if len(attrs or raw_attrs or "") > 2 * MAX_ATTRIBUTES:
                self.attrs_max = max(self.attrs_max, sum(1 for _ in _ONE_ATTR.finditer(attrs or raw_attrs)))
            foreign = bool(stack) and stack[-1][0] == ":" and stack[-1] not in _INTEGRATION
            if raw:
                if not foreign:  # an element of raw text: in and out again (or open to the end)
                    if self._raw_text(m, raw):
                        break  # the rest is its text
                    continue
                # in svg/math a title, style or script is an element as any other: read on in it
                name, attrs, end, closing, resume = raw, raw_attrs, ">", "", m.end(2) + 1
            elif not name:
                continue  # a comment
            lower = names.get(name) or names.setdefault(name, name.lower())
            if out is not None:
                self._copy_bare(m, closing, name, lower, attrs, end, resume)
            if closing:
                self._end_tag(lower, foreign)
                continue
            self.tags += 1
            if foreign:
                if lower not in _BREAKOUT and not (lower == "font" and _font_breaks_out(attrs)):
                    if not (end and _self_closing(attrs)):
                        stack.append(":" + lower)
                        self.deepest = max(self.deepest, len(stack))
                    if resume is not None:
                        break  # read on in it
                    continue
                while stack and stack[-1][0] == ":":
                    stack.pop()
            if lower not in _VOID and lower not in _IGNORED:
                self._start_tag(lower, attrs, end)
        return resume

    def _raw_text(self, m: re.Match, raw: str) -> bool:
        """An element of raw text, in and out again; whether it is a plaintext (open to the end)."""
        self.deepest = max(self.deepest, len(self.stack) + 1)
        if self.out is not None:
            self.out.append(self.markup[self.copied:m.start()])
            self.out.append(f"<{raw}>" + self.markup[m.end(2) + 1:m.end()])
            self.copied = m.end()
        return raw.lower() == "plaintext"

    def _copy_bare(self, m: re.Match, closing: str, name: str, lower: str, attrs: str, end: str,
                   resume: int | None) -> None:
        """The markup up to the tag, and the tag without its attributes, onto `out`."""
        assert self.out is not None
        self.out.append(self.markup[self.copied:m.start()])
        self.out.append(_bare_tag(closing, name, lower, attrs, end, self.in_select))
        self.copied = m.end() if resume is None else resume
        if lower == "select":
            self.in_select = not closing

    def _end_tag(self, lower: str, foreign: bool) -> None:
        stack = self.stack
        if lower in ("p", "br") and foreign:
            while stack and stack[-1][0] == ":":  # out of svg/math, as a breakout tag leaves
                stack.pop()
        if stack and stack[-1] == lower:
            stack.pop()  # the usual case: the element just opened
        elif lower not in _IGNORED:
            _close(stack, lower)
        if lower in _FORMATTING and self.active_by_name.get(lower):
            key = self.active_by_name[lower].pop()
            self.active[key] -= 1
            self.active_total -= 1

    def _start_tag(self, lower: str, attrs: str, end: str) -> None:
        """An HTML start tag (not void, not one merged into the ones there are)."""
        stack = self.stack
        if lower in ("svg", "math"):
            if not (end and _self_closing(attrs)):
                stack.append(":" + lower)
        elif lower in _IMPLYING and not (stack and stack[-1] == _PARENT.get(lower)):
            _open(stack, lower)
        else:
            stack.append(lower)
        if len(stack) > self.deepest:
            self.deepest = len(stack)
        if lower in ("option", "optgroup"):
            self.options += len(stack) > 1 and stack[-2] in ("select", "optgroup")
        elif lower in _FORMATTING:
            key = (lower, attrs)
            alike = self.active.get(key, 0)
            if alike < 3:
                self.active[key] = alike + 1
                self.active_total += 1
                self.active_max = max(self.active_max, self.active_total)
                self.active_by_name.setdefault(lower, []).append(key)

    def _shape(self) -> Shape:
        rewrite = self.attrs_max > MAX_ATTRIBUTES or self.active_max > MAX_FORMATTING or self.options > MAX_OPTIONS
        # formatting elements closed with their paragraph are reopened for the next text: as deep
        # again, and once attributes are left out at most 3 of each of the 14 kinds
        depth = self.deepest + (min(self.active_max, 3 * len(_FORMATTING)) if rewrite else self.active_max)
        if self.tags > MAX_TAGS:
            depth = max(depth, MAX_DEPTH + 1)
        return Shape(depth, rewrite)


def _bare_tag(closing: str, name: str, lower: str, attrs: str, end: str, in_select: bool) -> str:
    """A tag without its attributes (the name written as it was: where we cannot tell, it may
    be text); in a select an option's start tag is an end tag."""
    if lower in ("option", "optgroup") and in_select:
        return f"</{name}>"  # an end tag either way: nothing runs together
    slash = "/" if end and _self_closing(attrs) else ""
    font = " color" if lower == "font" and not closing and _font_breaks_out(attrs) else ""
    return f"<{closing}{name}{font}{slash}{end}"


def _self_closing(attrs: str) -> bool:
    """Whether a tag with these attributes ends with '/>': a '/' of its own, not the end of a
    bare value (<a href=x/>)."""
    if not attrs.endswith("/"):
        return False
    last = None
    for last in _ONE_ATTR.finditer(attrs):
        pass
    return last is None or last.end() < len(attrs)


def _font_breaks_out(attrs: str) -> bool:
    return any(m.group(1).lower() in ("color", "face", "size") for m in _ONE_ATTR.finditer(attrs))


def _find(stack: list[str], names: frozenset[str] | tuple[str, ...], stop: frozenset[str]) -> int | None:
    """Index of the nearest open element named in `names`, unless one in `stop` comes first."""
    for i in range(len(stack) - 1, max(-1, len(stack) - 1 - _LOOKBACK), -1):
        e = stack[i]
        if e in names:
            return i
        if e in stop or e == "select":  # a select closes nothing around it
            return None
    return None


def _open(stack: list[str], name: str) -> None:
    """Push `name` as the tree builder would, after the end tags its start implies."""
    if name in _CLOSES_P:
        i = _find(stack, ("p",), _BUTTON_SCOPE)
        if i is not None:
            del stack[i:]
    if name in _HEADINGS and stack and stack[-1] in _HEADINGS:
        stack.pop()
    if name == "li":
        i = _find(stack, ("li",), _LIST_STOP)
        if i is not None:
            del stack[i:]
    elif name in ("dd", "dt"):
        i = _find(stack, ("dd", "dt"), _LIST_STOP)
        if i is not None:
            del stack[i:]
    elif name in ("option", "optgroup"):
        if stack and stack[-1] == "option":
            stack.pop()
    elif name in _TABLE_ONLY:
        i = _find(stack, _TABLE_PARTS, _NOTHING)
        if i is None:
            return  # outside a table: ignored
        del stack[i + 1:]  # back to the table's own elements (what stood in the table: fostered out)
        level = _TABLE_LEVEL[name]
        while stack and _TABLE_LEVEL.get(stack[-1], -1) >= level:
            stack.pop()  # the cell, row or section this one ends
        if stack and stack[-1] == "table" and level >= 2:
            stack.append("tbody")  # implied
        if stack and _TABLE_LEVEL.get(stack[-1]) == 1 and level == 3:
            stack.append("tr")  # implied
    elif name in ("a", "nobr", "button"):
        _close(stack, name)  # a second one closes the first
    stack.append(name)


def _close(stack: list[str], name: str) -> None:
    """Pop for the end tag `</name>` as the tree builder would, or leave the stack as it is
    where it would ignore the tag (or where we cannot tell: the estimate errs high)."""
    if name in _TABLE_ONLY and _find(stack, ("table", "template"), _NOTHING) is None:
        return  # outside a table: ignored
    for i in range(len(stack) - 1, max(-1, len(stack) - 1 - _LOOKBACK), -1):
        e = stack[i]
        own = e[1:] if e[0] == ":" else e
        if own == name:
            if name != "form":  # (a form's end takes the form off the stack, not out of the tree)
                del stack[i:]
            return
        if e[0] == ":":
            continue
        if name in _SCOPED_END:
            if e in _SCOPE or (name == "li" and e in ("ol", "ul")) or (name == "p" and e == "button") \
                    or (e == "select" and name not in _TABLE_PARTS):
                return  # out of scope (a select ignores what does not close it)
        elif e in _SPECIAL:
            return
