"""The pages without a browser: content negotiation (the JSON answers unchanged), the report
page for every corpus report (each figure a cell tied to its span of the text), escaping of
report text, the pages' Content-Security-Policy, the PDF page images (bounds, 404s), section
三 as CSV, and the finder at GET /."""

from __future__ import annotations

import csv
import io
import re
import struct
from html.parser import HTMLParser

import pytest

from app.services.pagerender import MAX_PIXELS, MAX_WIDTH
from app.web import prefers_html
from conftest import AUTH, CORPUS, SEED, content_type_for, as_read

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
HUAIAN_PDF = "huaian-2024.pdf"


def _post(client, name: str) -> dict:
    path = CORPUS / name
    ctype = "application/pdf" if name.endswith(".pdf") else content_type_for(name)
    r = client.post("/reports", content=path.read_bytes(), headers={"Content-Type": ctype, **AUTH})
    assert r.status_code in (200, 201), r.text
    return r


# ----------------------------------------------------------------------------- negotiation

@pytest.mark.parametrize("accept, html", [
    (BROWSER, True),
    ("text/html", True),
    ("application/xhtml+xml", True),
    ("text/html;q=0.9, application/json", False),
    ("application/json, text/html;q=0.9", False),
    ("application/json;q=0.5, text/html", True),
    ("text/html, application/json", False),  # a tie: JSON, the API's default
    ("*/*", False),
    ("", False),
    (None, False),
    ("application/json", False),
    ("text/*", False),  # no preference for HTML over JSON
    ("text/html;q=0", False),
    ("text/html;q=abc", False),
    ("TEXT/HTML", True),
    ("text/plain, text/html;q=0.1, */*;q=0.05", True),
])
def test_html_only_when_preferred_over_json(accept, html):
    assert prefers_html(accept) is html


def test_a_report_as_json_is_unchanged_and_a_browser_gets_the_page(client, backend):
    created = _post(client, SEED)
    rid = created.json()["id"]
    for headers in ({}, {"Accept": "application/json"}, {"Accept": "*/*"},
                    {"Accept": "text/html;q=0.5, application/json"}):
        r = client.get(f"/reports/{rid}", headers=headers)
        assert r.status_code == 200
        assert r.headers["content-type"] == "application/json"
        # what POST answered (the same ReportPublic, less the submission's own fields): nothing moved
        assert r.json() == as_read(created.json()), headers
        assert "accept" in r.headers["vary"].lower()
    page = client.get(f"/reports/{rid}", headers={"Accept": BROWSER})
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert "accept" in page.headers["vary"].lower()
    assert "三、收到和处理政府信息公开申请情况" in page.text
    # the view cache keeps the JSON by path: the page is not served from it, nor the JSON as a page
    assert client.get(f"/reports/{rid}").json() == as_read(created.json())
    assert client.get(f"/reports/{rid}", headers={"Accept": BROWSER}).text == page.text
    assert client.get(f"/reports/{rid}/view").text == page.text
    etag = page.headers["etag"]
    assert client.get(f"/reports/{rid}/view", headers={"If-None-Match": etag}).status_code == 304


def test_the_pages_policy_allows_no_inline_script(client):
    rid = _post(client, SEED).json()["id"]
    for path in (f"/reports/{rid}/view", "/"):
        r = client.get(path, headers={"Accept": BROWSER})
        policy = dict(d.strip().split(" ", 1) for d in r.headers["content-security-policy"].split(";"))
        assert policy["script-src"] == "'self'"
        assert policy["default-src"] == "'none'" and policy["frame-ancestors"] == "'none'"
        assert "unsafe" not in r.headers["content-security-policy"]
        assert r.headers["x-content-type-options"] == "nosniff"
        # every script is a file of the service's; no inline script, handler or style attribute
        assert re.findall(r"<script[^>]*>", r.text) and all(
            re.fullmatch(r'<script src="/assets/[a-z]+\.js" defer>', s) for s in re.findall(r"<script[^>]*>", r.text))
        assert not re.search(r"\son[a-z]+=", r.text) and not re.search(r"\sstyle=", r.text)
        for url in re.findall(r'(?:src|href)="(/assets/[^"]+)"', r.text):
            assert client.get(url).status_code == 200, url


# ----------------------------------------------------------------------------- every corpus report

class _Page(HTMLParser):
    """Cells (id → data-mark, text) and marks (id → text) of a report page."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: dict[str, tuple[str | None, str]] = {}
        self.marks: dict[str, str] = {}
        self.ids: list[str] = []
        self._open: list[tuple[str, str, str | None]] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.append(a["id"])
        if tag == "a" and "cell" in (a.get("class") or "").split():
            self._open.append(("cell", a["id"], a.get("data-mark")))
        elif tag == "a" and "span" in (a.get("class") or "").split():
            self._open.append(("span", a["id"], None))
        elif tag == "a":
            self._open.append(("other", "", None))
        self._text = ""

    def handle_data(self, data):
        self._text = getattr(self, "_text", "") + data

    def handle_endtag(self, tag):
        if tag == "a" and self._open:
            kind, ident, mark = self._open.pop()
            if kind == "cell":
                self.cells[ident] = (mark, self._text)
            elif kind == "span":
                self.marks[ident] = self._text
            self._text = ""


REPORTS = sorted(p.name for p in CORPUS.iterdir()
                 if p.is_file() and not p.name.endswith(".json") and p.suffix in (".txt", ".md", ".html", ".pdf"))


@pytest.mark.parametrize("backend", ["sqlite"])
@pytest.mark.parametrize("name", REPORTS)
def test_every_figure_of_every_corpus_report_is_a_cell_tied_to_its_span(client, name, backend):
    rid = _post(client, name).json()["id"]
    page = client.get(f"/reports/{rid}/view")
    assert page.status_code == 200, page.text
    parsed = _Page()
    parsed.feed(page.text)
    assert len(parsed.ids) == len(set(parsed.ids)), "ids are unique"
    figures = client.get(f"/reports/{rid}/figures").json()["figures"]
    assert figures
    for fig in figures:
        cell = parsed.cells.get(f"c-{fig['key']}")
        assert cell is not None, fig["key"]
        mark, text = cell
        digits = re.sub(r"[^\d.-]", "", text)
        assert float(digits) == pytest.approx(fig["value"]), (fig["key"], text)
        src = fig["source"]
        if src and src["start"] is not None and src["end"] > src["start"]:
            assert mark in parsed.marks, fig["key"]
            # the span marked covers the figure's own characters of its line
            assert src["text"][src["start"]:src["end"]] in parsed.marks[mark] or \
                parsed.marks[mark] in src["text"], (fig["key"], parsed.marks[mark])
    if name.endswith(".pdf"):
        boxed = [f for f in figures if f["source"] and f["source"].get("box")]
        assert boxed and all(f"b-{f['key']}" in parsed.ids for f in boxed)
        assert f'src="/reports/{rid}/pages/1.png' in page.text


# ----------------------------------------------------------------------------- escaping

HOSTILE = ('<script>alert("x")</script>', '"><img src=x onerror=alert(1)>', "</textarea><svg onload=alert(2)>")


def test_every_text_from_a_report_is_escaped(client):
    text = (CORPUS / SEED).read_text(encoding="utf-8").split("\n")
    # hostile markup in the title line, in a line whose figures are read, and on a line of its own
    text[0] = HOSTILE[0] + text[0] + HOSTILE[1]
    text.insert(3, HOSTILE[2])
    figure_line = next(i for i, line in enumerate(text) if "8516" in line)
    text[figure_line] = text[figure_line].replace("8516", HOSTILE[1] + "8516" + HOSTILE[0], 1)
    body = "\n".join(text).encode("utf-8")
    r = client.post("/reports", content=body, headers={"Content-Type": "text/plain; charset=utf-8", **AUTH})
    assert r.status_code == 201, r.text
    rid = r.json()["id"]
    assert HOSTILE[0] in client.get(f"/reports/{rid}/text").text  # stored as sent
    for path, headers in ((f"/reports/{rid}/view", {}), (f"/reports/{rid}", {"Accept": BROWSER}),
                          ("/", {"Accept": BROWSER}), ("/?agency=%3Cscript%3E", {"Accept": BROWSER})):
        page = client.get(path, headers=headers).text
        for hostile in HOSTILE:
            assert hostile not in page
        assert "<img" not in page and "<svg onload" not in page and "<textarea" not in page
        assert len(re.findall(r"<script", page)) == 1  # the page's own script only
    page = client.get(f"/reports/{rid}/view").text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
    assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in page


# ----------------------------------------------------------------------------- page images

def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_pdf_pages_as_images(client):
    pdf = _post(client, HUAIAN_PDF).json()["id"]
    r = client.get(f"/reports/{pdf}/pages/1.png")
    assert r.status_code == 200 and r.headers["content-type"] == "image/png"
    width, height = _png_size(r.content)
    assert width == 1000 and height > width  # a portrait page, the default width
    small = client.get(f"/reports/{pdf}/pages/1.png", params={"width": 300})
    assert _png_size(small.content)[0] == 300
    assert client.get(f"/reports/{pdf}/pages/1.png").content == r.content  # from the cache, the same bytes
    big = client.get(f"/reports/{pdf}/pages/2.png", params={"width": MAX_WIDTH})
    w, h = _png_size(big.content)
    assert w <= MAX_WIDTH and w * h <= MAX_PIXELS
    for width in (MAX_WIDTH + 1, 10, "x"):
        assert client.get(f"/reports/{pdf}/pages/1.png", params={"width": width}).status_code == 422
    # the page figure boxes are drawn on: as many pages as the PDF has, the next one is none
    page = client.get(f"/reports/{pdf}/view").text
    pages = len(re.findall(r'<figure class="page"', page))
    assert pages >= 2
    gone = client.get(f"/reports/{pdf}/pages/{pages + 1}.png")
    assert gone.status_code == 404 and gone.json()["code"] == "page_not_found"
    assert client.get(f"/reports/{pdf}/pages/0.png").status_code == 422
    assert client.get(f"/reports/{pdf}/pages/abc.png").status_code == 422
    text = _post(client, SEED).json()["id"]
    r = client.get(f"/reports/{text}/pages/1.png")
    assert r.status_code == 404 and r.json()["code"] == "not_a_pdf"
    r = client.get("/reports/999999/pages/1.png")
    assert r.status_code == 404 and r.json()["code"] == "not_found"


# ----------------------------------------------------------------------------- section 三 as CSV

def test_section_three_as_a_spreadsheet(client):
    rid = _post(client, SEED).json()["id"]
    r = client.get(f"/reports/{rid}/sections/applications.csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    header, body = rows[0], rows[1:]
    view = client.get(f"/reports/{rid}/applications").json()
    assert header[:2] == ["row", "项目 label"]
    assert header[2:] == [f"{c['label']} {c['key']}" for c in view["columns"]]
    assert [row[0] for row in body] == [row["key"] for row in view["rows"]]
    assert [row[1] for row in body] == [row["label"] for row in view["rows"]]
    for line, row in zip(body, view["rows"]):
        assert line[2:] == ["" if row["values"][c["key"]] is None else str(row["values"][c["key"]])
                            for c in view["columns"]]
    assert client.get("/reports/999999/sections/applications.csv").status_code == 404


# ----------------------------------------------------------------------------- the finder at GET /

def test_the_finder_at_home(client):
    before = client.get("/")
    assert before.headers["content-type"] == "application/json" and before.json()["name"] == "disclosure-stats"
    seed = _post(client, SEED).json()
    pdf = _post(client, HUAIAN_PDF).json()
    assert client.get("/").content == before.content  # JSON at / unchanged by what is stored
    page = client.get("/", headers={"Accept": BROWSER})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "2 reports" in page.text
    assert f'/reports/{seed["id"]}/view' in page.text and f'/reports/{pdf["id"]}/view' in page.text
    # a province, with its count; then its cities under it
    province = seed["region_code"][:2]
    assert re.search(rf'href="/\?region={province}">[^<]+</a> \(1\)', page.text)
    narrowed = client.get("/", params={"region": province}, headers={"Accept": BROWSER})
    assert "1 report<" in narrowed.text and f'/reports/{seed["id"]}/view' in narrowed.text
    assert f'/reports/{pdf["id"]}/view' not in narrowed.text
    city = seed["region_code"][:4]
    assert re.search(rf'href="/\?region={city}">', narrowed.text)
    by_year = client.get("/", params={"year": str(pdf["year"])}, headers={"Accept": BROWSER})
    assert f'/reports/{pdf["id"]}/view' in by_year.text and f'/reports/{seed["id"]}/view' not in by_year.text
    by_body = client.get("/", params={"agency": seed["agency"][:4]}, headers={"Accept": BROWSER})
    assert "1 report<" in by_body.text
    # the year choices carry their counts under the other filters
    assert re.search(rf'<option value="{seed["year"]}">{seed["year"]} \(1\)</option>', page.text)
    bad = client.get("/", params={"year": "abc"}, headers={"Accept": BROWSER})
    assert bad.status_code == 422 and "year" in bad.text and "<html" in bad.text
    assert 'id="upload-form"' in page.text and 'type="password"' in page.text


def test_a_report_with_nothing_read_still_has_its_page(client):
    body = "这是一份通知，不是政府信息公开工作年度报告。\n<b>没有表格</b>\n".encode("utf-8")
    r = client.post("/reports", content=body, headers={"Content-Type": "text/plain; charset=utf-8", **AUTH})
    assert r.status_code == 201, r.text
    report = r.json()
    page = client.get(f"/reports/{report['id']}/view")
    assert page.status_code == 200
    assert report["status"] in page.text and "三、收到和处理政府信息公开申请情况" in page.text
    assert "&lt;b&gt;没有表格&lt;/b&gt;" in page.text  # the text, escaped, beside the empty tables
    assert 'class="cell empty' in page.text and 'class="cell flag-' not in page.text.split("</ul>", 1)[1]
    findings = client.get(f"/reports/{report['id']}/findings").json()["findings"]
    for f in findings:  # every finding listed, with its code
        assert f["code"] in page.text


def test_the_pages_follow_the_root_path(settings):
    from fastapi.testclient import TestClient

    from app.main import create_app

    with TestClient(create_app(settings), root_path="/api") as c:
        rid = _post(c, HUAIAN_PDF).json()["id"]
        page = c.get(f"/reports/{rid}/view").text
        home = c.get("/", headers={"Accept": BROWSER}).text
    for html in (page, home):
        for url in re.findall(r'(?:src|href|data-post)="(/[^"]*)"', html):
            assert url.startswith("/api/"), url
    assert f'src="/api/reports/{rid}/pages/1.png' in page
