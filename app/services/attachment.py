"""Fetch a report by URL, following the page to its attachment.

Government sites often publish the report as a page that says little and links to the file:
`<a href="/module/download/downfile.jsp?filename=2024年度报告.pdf">淮安市2024年政府信息公开工作年度报告</a>`.
When a fetched HTML page holds no report tables (fewer than `MIN_TABLE_FIGURES` figures of
sections 二–四 read from it) but links to a .pdf, .docx, .doc or .wps file whose name or link
text says 年度报告, that file is fetched instead, under the same guard as any fetch
(app/services/fetch.py: addresses, redirects, size cap, timeouts), and the result keeps
both URLs: the page (`page_url`) and the file (`url`). A PDF is preferred to a Word file, the
first link to each.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace
from urllib.parse import unquote

import httpx

from app.parsing import InputError
from app.parsing.decode import decode_bytes, looks_like_html
from app.parsing.pipeline import parse_text
from app.services.fetch import FetchError, Fetched, fetch

MIN_TABLE_FIGURES = 10  # prose alone gives at most a handful of these
_EXTENSIONS = (".pdf", ".docx", ".doc", ".wps")
_SAYS_REPORT = re.compile(r"年度报告|年度報告")
_TABLE_SECTIONS = ("active.", "applications.", "review_litigation.")


def attachment_links(markup: str, base_url: str) -> list[str]:
    """The page's links to report files, best first: PDF, then .docx, then .doc/.wps."""
    from selectolax.lexbor import LexborHTMLParser

    found: list[tuple[int, int, str]] = []
    base = httpx.URL(base_url)
    for n, a in enumerate(LexborHTMLParser(markup).css("a[href]")):
        href = (a.attributes.get("href") or "").strip()
        if not href or href.startswith(("#", "javascript:", "mailto:")):
            continue
        text = " ".join(filter(None, (a.text(deep=True), a.attributes.get("title"), a.attributes.get("download"))))
        try:
            url = base.join(href)
        except (httpx.InvalidURL, ValueError):
            continue
        if url.scheme not in ("http", "https"):
            continue
        name = unquote(url.path + ("?" + url.query.decode("ascii", "replace") if url.query else ""))
        ext = _extension(name) or _extension(text)
        if ext is None or not (_SAYS_REPORT.search(text) or _SAYS_REPORT.search(name)):
            continue
        found.append((_EXTENSIONS.index(ext) if ext != ".wps" else 2, n, str(url)))
    return [url for _, _, url in sorted(found)]


def _extension(name: str) -> str | None:
    lowered = name.lower()
    for ext in _EXTENSIONS:
        if re.search(re.escape(ext) + r"(?![a-z0-9])", lowered):
            return ext
    return None


def has_report_tables(text: str) -> bool:
    figures = parse_text(text).figures
    return sum(f.key.startswith(_TABLE_SECTIONS) for f in figures) >= MIN_TABLE_FIGURES


def fetch_report(url: str, *, max_bytes: int, allow: Iterable[str] = (), timeout: float = 20.0,
                 max_redirects: int = 5) -> Fetched:
    """GET `url` under the fetch guard; a page without report tables that links to the
    report's file: that file, with the page as `page_url`. Raises FetchError."""
    allow = tuple(allow)
    page = fetch(url, max_bytes=max_bytes, allow=allow, timeout=timeout, max_redirects=max_redirects)
    media = (page.content_type or "").split(";", 1)[0]
    if media != "text/html" and not (page.content_type is None and looks_like_html(page.content)):
        return page
    try:
        decoded = decode_bytes(page.content, page.content_type or "text/html")
    except InputError:
        return page
    if decoded.media_type != "text/html" or has_report_tables(decoded.text):
        return page
    # the links are in the markup: the page's bytes in the charset they were read with
    links = attachment_links(page.content.decode(decoded.encoding or "utf-8", errors="replace"), page.url)
    if not links:
        return page
    try:
        attached = fetch(links[0], max_bytes=max_bytes, allow=allow, timeout=timeout, max_redirects=max_redirects)
    except FetchError as exc:
        raise FetchError(exc.code, f"The page links to the report at {links[0]}: {exc.message}") \
            from None
    return replace(attached, page_url=page.url)
