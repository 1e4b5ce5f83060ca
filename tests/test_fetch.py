"""Fetch by URL (POST /reports {"url"}, disclosure ingest --url) against a real HTTP server
on 127.0.0.1, allow-listed; and the guard: schemes, loopback/private/reserved addresses
(refused before any connect — proved by a socket that fails the test if asked), redirects
re-checked and capped, DNS rebinding, the size cap while streaming, timeouts."""

from __future__ import annotations

import contextlib
import ipaddress
import os
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.db import make_engine
from app.main import create_app
from app.models import Document
from app.services import fetch as fetch_module
from app.services.fetch import FetchError, fetch, is_public
from conftest import AUTH, CORPUS, SEED, assert_problem, expected_for, figure_map
from test_cli import run

SEED_BYTES = (CORPUS / SEED).read_bytes()
PAGE_BYTES = (CORPUS / "ewenki-2020.page.html").read_bytes()
PDF_BYTES = (CORPUS / "huaian-2024.pdf").read_bytes()
ETAG = '"seed-v1"'
# a government page announcing the report, its tables in the attached file only
NOTICE = ("<html><head><meta charset='utf-8'><title>淮安市2024年政府信息公开工作年度报告</title></head><body>"
          "<h1>淮安市2024年政府信息公开工作年度报告</h1><p>发布时间：2025-02-25</p>"
          "<p><a href='/files/guide.pdf'>办事指南.pdf</a> <a href='/about.html'>关于我们</a></p>"
          "<p>附件：<a href='/download.jsp?filename=%E6%B7%AE%E5%AE%892024%E5%B9%B4%E5%BA%A6%E6%8A%A5%E5%91%8A.pdf'>"
          "点击下载</a> <a href='ATTACHED_DOCX'>淮安市2024年年度报告（Word版）.docx</a></p></body></html>")
LAST_MODIFIED = "Tue, 01 Dec 2020 08:00:00 GMT"


class Handler(BaseHTTPRequestHandler):
    hits: list[str]  # set on the subclass per server

    def log_message(self, *args) -> None:  # quiet
        pass

    def _send(self, status: int, body: bytes = b"", content_type: str = "text/plain; charset=utf-8",
              headers: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def _redirect(self, location: str) -> None:
        self._send(302, headers={"Location": location})

    def do_GET(self) -> None:  # noqa: N802
        self.hits.append(self.path)
        path = self.path
        if path == "/seed.txt":
            self._send(200, SEED_BYTES, headers={"ETag": ETAG, "Last-Modified": LAST_MODIFIED})
        elif path == "/page.html":
            self._send(200, PAGE_BYTES, "text/html")
        elif path.startswith("/r/"):
            n = int(path[3:])
            self._redirect(f"/r/{n - 1}" if n > 1 else "/page.html")
        elif path == "/to-private":
            self._redirect("http://10.0.0.1/report.txt")
        elif path == "/to-metadata":
            self._redirect("http://169.254.169.254/latest/meta-data/")
        elif path == "/to-file":
            self._redirect("file:///etc/passwd")
        elif path == "/loop":
            self._redirect("/loop")
        elif path.startswith("/to-port/"):  # the same host, another port
            self._redirect(f"http://127.0.0.1:{int(path.rsplit('/', 1)[1])}/seed.txt")
        elif path == "/big":  # no Content-Length: streamed until the client hangs up (bounded)
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            chunk = b"x" * 65536
            try:
                for _ in range(800):  # 50 MB at most
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self.wfile.write(b"0\r\n\r\n")
            except OSError:
                pass
        elif path == "/big-declared":
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(50 * 1024 * 1024))
            self.end_headers()
            try:
                self.wfile.write(b"x" * 65536)
            except OSError:
                pass
        elif path == "/huaian.pdf":
            self._send(200, PDF_BYTES, "application/pdf")
        elif path.startswith("/download.jsp?filename="):  # attachments are often served untyped
            self._send(200, PDF_BYTES, "application/octet-stream")
        elif path == "/notice.html":
            self._send(200, NOTICE.replace("ATTACHED_DOCX", "/files/r.docx").encode(), "text/html; charset=utf-8")
        elif path == "/notice-private.html":
            self._send(200, NOTICE.replace("/download.jsp?filename=", "http://10.0.0.1/x?f=").encode(), "text/html")
        elif path == "/notice-tables.html":  # a page with the report's tables: read itself, link or not
            self._send(200, PAGE_BYTES.replace(b"</body>", b"<a href='/huaian.pdf'>2020\xc4\xea\xb6\xc8\xb1\xa8\xb8\xe6.pdf</a></body>"),
                       "text/html")
        elif path == "/pdf":
            self._send(200, b"%PDF-1.7 ...", "application/pdf")
        elif path == "/image":
            self._send(200, b"GIF89a...", "image/gif")
        elif path == "/slow":
            time.sleep(2)
            self._send(200, SEED_BYTES)
        else:
            self._send(404, b"not here")


@contextlib.contextmanager
def serving():
    """A real HTTP server (Handler) on a loopback port: its port and the paths it was asked for."""
    hits: list[str] = []
    handler = type("H", (Handler,), {"hits": hits})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], hits
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def origin():
    """A real HTTP server on a loopback port; yields its base URL and the paths it was asked for."""
    with serving() as (port, hits):
        yield f"http://127.0.0.1:{port}", hits


@pytest.fixture
def connects(monkeypatch):
    """Every TCP connect the process makes from here on, and a failure for any that is not to
    loopback: the guard must refuse other addresses before connecting."""
    seen: list[str] = []
    real = socket.create_connection

    def guarded(address, *args, **kwargs):
        host = address[0]
        seen.append(host)
        assert ipaddress.ip_address(host).is_loopback, f"the test tried to connect to {host}"
        return real(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", guarded)
    return seen


@pytest.fixture
def fetch_client(settings):
    allowed = settings.model_copy(update={"disclosure_fetch_allow": "127.0.0.1", "disclosure_fetch_timeout": 5.0})
    with TestClient(create_app(allowed)) as c:
        yield c


def numeric_only(host, port, **kwargs):
    """A resolver for IP literals (and localhost, from /etc/hosts): other host names fail as
    unknown, without asking DNS."""
    if host == "localhost":
        return socket.getaddrinfo(host, port, **kwargs)
    return socket.getaddrinfo(host, port, flags=socket.AI_NUMERICHOST, **kwargs)


@pytest.fixture(autouse=True)
def no_dns(monkeypatch):
    """Only loopback traffic may leave a test: no DNS query either (the resolver is remote)."""
    monkeypatch.setattr(fetch_module, "resolve", numeric_only)


def post_url(client, url: str):
    return client.post("/reports", json={"url": url}, headers=AUTH)


def documents(database_url) -> list[Document]:
    engine = make_engine(database_url)
    try:
        with Session(engine) as s:
            return list(s.exec(select(Document).order_by(Document.id)))
    finally:
        engine.dispose()


# ----------------------------------------------------------------------------- over the API


def test_fetch_by_url_stores_the_report_with_its_provenance(fetch_client, origin, database_url, connects):
    base, hits = origin
    r = post_url(fetch_client, f"{base}/seed.txt")
    assert r.status_code == 201, r.text
    report = r.json()
    assert report["source_url"] == f"{base}/seed.txt"
    figures = fetch_client.get(f"/reports/{report['id']}/figures").json()["figures"]
    assert figure_map(figures) == expected_for(SEED)["figures"]
    (doc,) = documents(database_url)
    assert doc.content == SEED_BYTES and doc.source_url == f"{base}/seed.txt"
    assert (doc.etag, doc.last_modified) == (ETAG, LAST_MODIFIED)
    assert doc.fetched_at is not None
    # the same bytes again, fetched or posted: the same report
    assert post_url(fetch_client, f"{base}/seed.txt").json()["id"] == report["id"]
    again = fetch_client.post("/reports", content=SEED_BYTES, headers={"Content-Type": "text/plain", **AUTH})
    assert again.status_code == 200 and again.json()["id"] == report["id"]
    assert hits == ["/seed.txt", "/seed.txt"]
    assert set(connects) == {"127.0.0.1"}


def test_redirects_are_followed_and_the_final_url_kept(fetch_client, origin, database_url):
    base, hits = origin
    r = post_url(fetch_client, f"{base}/r/3")
    assert r.status_code == 201, r.text
    assert r.json()["source_url"] == f"{base}/page.html"
    assert hits == ["/r/3", "/r/2", "/r/1", "/page.html"]
    assert documents(database_url)[0].source_url == f"{base}/page.html"


def test_redirects_are_capped(fetch_client, origin):
    base, hits = origin
    body = assert_problem(post_url(fetch_client, f"{base}/loop"), 502, "fetch_too_many_redirects")
    assert "5 redirects" in body["detail"]
    assert len(hits) == 6  # the first request and five redirects
    assert_problem(post_url(fetch_client, f"{base}/r/6"), 502, "fetch_too_many_redirects")


def test_loopback_is_refused_without_the_allow_list(client, origin, connects):
    base, hits = origin
    for url in (f"{base}/seed.txt", base.replace("127.0.0.1", "localhost") + "/seed.txt",
                base.replace("127.0.0.1", "[::1]") + "/seed.txt", base.replace("127.0.0.1", "127.1") + "/x",
                base.replace("127.0.0.1", "2130706433") + "/x", base.replace("127.0.0.1", "0.0.0.0") + "/x",
                base.replace("127.0.0.1", "[::ffff:127.0.0.1]") + "/x"):
        body = assert_problem(post_url(client, url), 422, "fetch_address_refused")
        assert "DISCLOSURE_FETCH_ALLOW" in body["detail"]
    assert hits == [] and connects == []
    assert client.get("/reports").json()["data"] == []


def test_a_redirect_to_a_private_address_is_refused_before_connecting(fetch_client, origin, connects):
    base, hits = origin
    assert_problem(post_url(fetch_client, f"{base}/to-private"), 422, "fetch_address_refused")
    assert_problem(post_url(fetch_client, f"{base}/to-metadata"), 422, "fetch_address_refused")
    assert hits == ["/to-private", "/to-metadata"]
    assert set(connects) == {"127.0.0.1"}  # never 10.0.0.1 nor 169.254.169.254


def test_a_redirect_to_another_scheme_is_refused(fetch_client, origin):
    base, _ = origin
    body = assert_problem(post_url(fetch_client, f"{base}/to-file"), 422, "url_scheme_not_allowed")
    assert "Redirected" in body["detail"]


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/report.txt", "file:///etc/passwd", "gopher://127.0.0.1/",
                                 "javascript:alert(1)", "data:text/plain,hello", "//127.0.0.1/x"])
def test_other_schemes_are_refused(fetch_client, url, connects):
    assert_problem(post_url(fetch_client, url), 422, "url_scheme_not_allowed")
    assert connects == []


@pytest.mark.parametrize("url", ["http://", "http://user:pw@127.0.0.1/x", "http://[::1/x", "http://a b/"])
def test_malformed_urls_are_refused(fetch_client, url, connects):
    r = post_url(fetch_client, url)
    assert r.status_code == 422 and r.json()["code"] in ("url_invalid", "url_scheme_not_allowed")
    assert connects == []


def test_an_oversize_document_is_cut_off_with_413(settings, origin):
    base, _ = origin
    small = settings.model_copy(update={"disclosure_fetch_allow": "127.0.0.0/8",
                                        "disclosure_max_body_bytes": 1_000_000})
    with TestClient(create_app(small)) as c:
        started = time.monotonic()
        assert_problem(post_url(c, f"{base}/big"), 413, "payload_too_large")  # streamed, no length
        assert time.monotonic() - started < 5
        assert_problem(post_url(c, f"{base}/big-declared"), 413, "payload_too_large")  # refused from the header
        assert c.get("/reports").json()["data"] == []


def test_upstream_errors_are_problems(fetch_client, origin, monkeypatch):
    base, _ = origin
    assert_problem(post_url(fetch_client, f"{base}/missing"), 502, "fetch_upstream_status")
    assert_problem(post_url(fetch_client, f"{base}/image"), 415, "unsupported_media_type")
    assert_problem(post_url(fetch_client, f"{base}/pdf"), 422, "pdf_corrupt")  # a PDF is read, a broken one refused
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    assert_problem(post_url(fetch_client, f"http://127.0.0.1:{port}/x"), 502, "fetch_failed")
    # a name that does not resolve (no_dns: no query leaves this machine)
    assert_problem(post_url(fetch_client, "http://no-such-host.invalid/x"), 502, "fetch_failed")


def test_json_needs_exactly_one_of_text_and_url(fetch_client):
    assert_problem(fetch_client.post("/reports", json={}, headers=AUTH), 422, "validation_error")
    assert_problem(fetch_client.post("/reports", json={"text": "x", "url": "http://127.0.0.1/"}, headers=AUTH),
                   422, "validation_error")
    assert_problem(fetch_client.post("/reports", json={"url": None}, headers=AUTH), 422, "validation_error")


def test_fetching_needs_a_write_key(fetch_client, origin):
    base, hits = origin
    assert_problem(fetch_client.post("/reports", json={"url": f"{base}/seed.txt"}), 401, "unauthorized")
    assert hits == []


# ----------------------------------------------------------------------------- the guard itself


@pytest.mark.parametrize("address", [
    "127.0.0.1", "10.0.0.1", "172.16.5.4", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0",
    "224.0.0.1", "240.0.0.1", "255.255.255.255", "198.18.0.1", "192.0.2.1", "::1", "::", "fe80::1",
    "fc00::1", "ff02::1", "::ffff:10.0.0.1", "::ffff:127.0.0.1", "2002:7f00:1::", "64:ff9b::a00:1",
    "2001:db8::1",
])
def test_non_public_addresses(address):
    assert not is_public(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700::1111", "::ffff:8.8.8.8"])
def test_public_addresses(address):
    assert is_public(ipaddress.ip_address(address))


@pytest.mark.parametrize("host", ["10.0.0.1", "169.254.169.254", "192.168.0.1", "[fd00::1]", "224.0.0.1"])
def test_private_hosts_are_refused_before_any_connect(host, connects):
    with pytest.raises(FetchError) as err:
        fetch(f"http://{host}/report.txt", max_bytes=1000)
    assert err.value.code == "fetch_address_refused"
    assert connects == []


def test_any_private_address_of_a_host_refuses_it(monkeypatch, connects):
    monkeypatch.setattr(fetch_module, "resolve", lambda host, port, **kw: [
        (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port)),
        (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.1.2.3", port)),
    ])
    with pytest.raises(FetchError) as err:
        fetch("http://mixed.example/report.txt", max_bytes=1000)
    assert err.value.code == "fetch_address_refused" and "mixed.example" in err.value.message
    assert "10.1.2.3" not in err.value.message  # what an internal name resolves to is not told
    assert connects == []


def test_dns_rebinding_cannot_slip_past_the_check(monkeypatch, origin, connects):
    """The first answer is public, the next (when httpx connects) loopback: the connection is
    checked on the answer it uses, so it is refused and the local server never asked."""
    base, hits = origin
    port = int(base.rsplit(":", 1)[1])
    answers = iter(["93.184.216.34", "127.0.0.1", "127.0.0.1"])

    def rebinding(host, p, **kw):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (next(answers), p))]

    monkeypatch.setattr(fetch_module, "resolve", rebinding)
    with pytest.raises(FetchError) as err:
        fetch(f"http://rebind.example:{port}/seed.txt", max_bytes=10**6)
    assert err.value.code == "fetch_address_refused"
    assert hits == [] and connects == []


def test_allow_list_by_host_name_and_network(origin):
    base, _ = origin
    by_name = fetch(base.replace("127.0.0.1", "localhost") + "/seed.txt", max_bytes=10**6, allow=["localhost"])
    assert by_name.content == SEED_BYTES and by_name.etag == ETAG
    by_net = fetch(f"{base}/seed.txt", max_bytes=10**6, allow=["127.0.0.0/8"])
    assert by_net.url == f"{base}/seed.txt" and by_net.content_type.startswith("text/plain")
    with pytest.raises(FetchError):
        fetch(f"{base}/seed.txt", max_bytes=10**6, allow=["10.0.0.0/8", "example.org"])


def test_a_slow_server_times_out(origin):
    base, _ = origin
    started = time.monotonic()
    with pytest.raises(FetchError) as err:
        fetch(f"{base}/slow", max_bytes=10**6, allow=["127.0.0.1"], timeout=0.3)
    assert err.value.code == "fetch_timeout"
    assert time.monotonic() - started < 1.5


# ----------------------------------------------------------------------------- published files


def test_a_pdf_url_is_read_as_the_published_pdf(fetch_client, origin, database_url):
    base, _ = origin
    r = post_url(fetch_client, f"{base}/huaian.pdf")
    assert r.status_code == 201, r.text
    assert r.json()["source_url"] == f"{base}/huaian.pdf" and r.json()["attachment_url"] is None
    assert figure_map(fetch_client.get(f"/reports/{r.json()['id']}/figures").json()["figures"]) == \
        expected_for("huaian-2024.txt")["figures"]
    assert documents(database_url)[0].media_type == "application/pdf"


def test_a_page_without_tables_is_followed_to_its_report_attachment_and_both_urls_are_kept(
        fetch_client, origin, database_url, connects):
    base, hits = origin
    r = post_url(fetch_client, f"{base}/notice.html")
    assert r.status_code == 201, r.text
    report = r.json()
    attachment = f"{base}/download.jsp?filename=%E6%B7%AE%E5%AE%892024%E5%B9%B4%E5%BA%A6%E6%8A%A5%E5%91%8A.pdf"
    assert report["source_url"] == f"{base}/notice.html" and report["attachment_url"] == attachment
    assert report["figure_count"] == len(expected_for("huaian-2024.txt")["figures"])
    (doc,) = documents(database_url)
    assert doc.source_url == attachment and doc.content == PDF_BYTES
    assert hits == ["/notice.html", attachment[len(base):]]  # the PDF chosen over the Word copy; nothing else
    assert set(connects) == {"127.0.0.1"}


def test_an_attachment_is_fetched_under_the_same_guard(fetch_client, origin, connects):
    base, hits = origin
    problem = assert_problem(post_url(fetch_client, f"{base}/notice-private.html"), 422, "fetch_address_refused")
    assert "links to the report at http://10.0.0.1/" in problem["detail"]
    assert hits == ["/notice-private.html"] and set(connects) == {"127.0.0.1"}


def test_a_page_with_the_report_tables_is_read_itself(fetch_client, origin):
    base, hits = origin
    r = post_url(fetch_client, f"{base}/notice-tables.html")
    assert r.status_code == 201, r.text
    assert r.json()["attachment_url"] is None and r.json()["year"] == 2020
    assert hits == ["/notice-tables.html"]


def test_attachment_links_prefer_the_pdf_and_need_a_report_name():
    from app.services.attachment import attachment_links

    page = ("<a href='a.doc'>2024年度报告.doc</a><a href='b.pdf'>通知.pdf</a><a href='c.docx'>年度报告</a>"
            "<a href='/d?file=e.pdf' title='政府信息公开工作年度报告'>下载</a><a href='mailto:x@y'>年度报告.pdf</a>"
            "<a href='ftp://h/年度报告.pdf'>年度报告</a>")
    assert attachment_links(page, "http://gov.example/x/notice.html") == [
        "http://gov.example/d?file=e.pdf", "http://gov.example/x/c.docx", "http://gov.example/x/a.doc"]


# ----------------------------------------------------------------------------- the command line


def test_ingest_url_command(origin, empty_database_url):
    base, _ = origin
    env = {"DATABASE_URL": empty_database_url, "DISCLOSURE_FETCH_ALLOW": "127.0.0.1"}
    ok = run("ingest", "--url", f"{base}/seed.txt", "--url", f"{base}/r/1", env=env)
    # the seed and its HTML page: one body, one year, one report
    assert ok.stdout.strip().splitlines()[-1] == "ingested 2 (new 1, copy 1, revision 0, duplicate 0, failed 0)"
    refused = run("ingest", "--url", f"{base}/seed.txt", "--url", "file:///etc/passwd",
                  env={**env, "DISCLOSURE_FETCH_ALLOW": ""}, check=False)
    assert refused.returncode == 1
    assert "fetch_address_refused" in refused.stderr and "url_scheme_not_allowed" in refused.stderr
    docs = documents(empty_database_url)
    assert [d.source_url for d in docs] == [f"{base}/seed.txt", f"{base}/page.html"]
    assert docs[0].etag == ETAG
    assert run("ingest", env=env, check=False).returncode == 2
    assert os.environ.get("DISCLOSURE_FETCH_ALLOW") is None  # the test leaves the environment alone


# ----------------------------------------------------------------------------- ports in the allow-list


@pytest.fixture
def other_origin():
    """A second server on another loopback port (as the service's own port would be)."""
    with serving() as (port, hits):
        yield port, hits


@pytest.mark.parametrize("entry, expected", [
    ("intranet.example.gov.cn", ("intranet.example.gov.cn", None, None)),
    ("Intranet.Example.:8080", ("intranet.example", None, 8080)),
    ("10.1.2.3", (None, "10.1.2.3/32", None)),
    ("10.1.2.3:80", (None, "10.1.2.3/32", 80)),
    ("10.1.0.0/16:443", (None, "10.1.0.0/16", 443)),
    ("fd00::1", (None, "fd00::1/128", None)),
    ("fd00::1:80", (None, "fd00::1:80/128", None)),  # bare IPv6: the 80 is part of the address
    ("[fd00::1]:8080", (None, "fd00::1/128", 8080)),
    ("[fd00::/8]", (None, "fd00::/8", None)),
    (" [::1]:65535 ", (None, "::1/128", 65535)),
])
def test_allow_list_grammar(entry, expected):
    parsed = fetch_module.parse_allow_entry(entry)
    assert (parsed.host, str(parsed.network) if parsed.network else None, parsed.port) == expected


@pytest.mark.parametrize("entry", ["127.0.0.1:19250x", "127.0.0.1:0", "127.0.0.1:65536", "host:", ":80", "a b",
                                   "10.0.0.0/33", "10.0.0.256", "[::1", "[::1]x", "[10.0.0.1]:80", "[fd00::1]:-1",
                                   "*", "http://10.0.0.1/", "127.0.0.1:+80"])
def test_malformed_allow_entries_are_refused_when_the_settings_are_read(entry):
    from pydantic import ValidationError

    from app.config import Settings

    with pytest.raises(ValidationError) as err:
        Settings(disclosure_fetch_allow=f"localhost, {entry}")
    assert "DISCLOSURE_FETCH_ALLOW" in str(err.value) and repr(entry.strip()) in str(err.value)


def test_a_server_with_a_malformed_allow_list_does_not_start(empty_database_url):
    proc = run("serve", "--port", "1", env={"DATABASE_URL": empty_database_url,
                                            "DISCLOSURE_FETCH_ALLOW": "127.0.0.1:19250,127.0.0.1:x"}, check=False)
    assert proc.returncode == 2
    assert "DISCLOSURE_FETCH_ALLOW" in proc.stderr and "'127.0.0.1:x'" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_an_allowed_port_is_fetched_and_no_other(origin):
    base, hits = origin
    port = int(base.rsplit(":", 1)[1])
    assert fetch(f"{base}/seed.txt", max_bytes=10**6, allow=[f"127.0.0.1:{port}"]).content == SEED_BYTES
    assert fetch(f"{base}/seed.txt", max_bytes=10**6, allow=[f"127.0.0.0/8:{port}"]).content == SEED_BYTES
    local = base.replace("127.0.0.1", "localhost")
    assert fetch(f"{local}/seed.txt", max_bytes=10**6, allow=[f"localhost:{port}"]).content == SEED_BYTES
    for allow in ([f"127.0.0.1:{port + 1 if port < 65535 else port - 1}"], ["localhost:80"], [f"[::1]:{port}"]):
        with pytest.raises(FetchError) as err:
            fetch(f"{base}/seed.txt", max_bytes=10**6, allow=allow)
        assert err.value.code == "fetch_address_refused"
    assert hits == ["/seed.txt"] * 3


def test_a_redirect_to_another_port_of_an_allowed_host_is_refused(origin, other_origin, connects):
    base, hits = origin
    port = int(base.rsplit(":", 1)[1])
    other_port, other_hits = other_origin
    with pytest.raises(FetchError) as err:
        fetch(f"{base}/to-port/{other_port}", max_bytes=10**6, allow=[f"127.0.0.1:{port}"])
    assert err.value.code == "fetch_address_refused"
    assert hits == [f"/to-port/{other_port}"] and other_hits == []  # never reached
    # with that port allowed too, the redirect is followed
    got = fetch(f"{base}/to-port/{other_port}", max_bytes=10**6, allow=[f"127.0.0.1:{port}", f"127.0.0.1:{other_port}"])
    assert got.content == SEED_BYTES and got.url == f"http://127.0.0.1:{other_port}/seed.txt"
    assert other_hits == ["/seed.txt"]


def test_ports_in_the_allow_list_over_the_api(settings, origin, other_origin):
    base, hits = origin
    port = int(base.rsplit(":", 1)[1])
    other_port, other_hits = other_origin
    allowed = settings.model_copy(update={"disclosure_fetch_allow": f"127.0.0.1:{port}"})
    with TestClient(create_app(allowed)) as c:
        assert post_url(c, f"{base}/seed.txt").status_code == 201
        assert_problem(post_url(c, f"{base}/to-port/{other_port}"), 422, "fetch_address_refused")
        assert_problem(post_url(c, f"http://127.0.0.1:{other_port}/seed.txt"), 422, "fetch_address_refused")
    assert other_hits == []


# ----------------------------------------------------------------------------- errors that say little


def _closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


@pytest.fixture
def not_http():
    """A TCP server on loopback that answers anything with bytes that are not HTTP."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    stop = threading.Event()

    def serve() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            with conn:
                try:
                    conn.recv(4096)
                    conn.sendall(b"-ERR unknown command\r\n")
                except OSError:
                    pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1]
    finally:
        stop.set()
        thread.join(2)
        server.close()


def test_fetch_failures_before_an_answer_are_one_answer_without_addresses(fetch_client, not_http, monkeypatch,
                                                                          caplog):
    """A name that does not resolve, a closed port and a port where something not HTTP
    listens answer the same (else fetching maps the service's networks), and no body or log
    line names an address a host resolved to."""
    names = {"nowhere.example": None, "closed.example": "127.0.0.1", "redis.example": "127.0.0.1"}

    def resolver(host, port, **kw):
        if names.get(host) is None:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (names[host], port))]

    monkeypatch.setattr(fetch_module, "resolve", resolver)
    allowed = {"closed.example", "redis.example", "nowhere.example"}
    monkeypatch.setattr(fetch_client.app.state.settings, "disclosure_fetch_allow", ",".join(allowed))
    caplog.set_level("INFO", logger="app.fetch")
    bodies = []
    for url in ("http://nowhere.example/x", f"http://closed.example:{_closed_port()}/x",
                f"http://redis.example:{not_http}/x"):
        body = assert_problem(post_url(fetch_client, url), 502, "fetch_failed")
        host = url.split("/")[2].split(":")[0]
        bodies.append(body["detail"].replace(host, "HOST").replace(url.split("/")[2], "HOST"))
        assert "127.0.0.1" not in body["detail"] and "Error" not in body["detail"]
    assert len(set(bodies)) == 1, bodies
    assert "127.0.0.1" not in caplog.text
    # a refused private address is not told either
    names["intranet.example"] = "10.20.30.40"
    body = assert_problem(post_url(fetch_client, "http://intranet.example/x"), 422, "fetch_address_refused")
    assert "10.20.30.40" not in body["detail"] and "10.20.30.40" not in caplog.text


def test_a_url_without_a_scheme_is_refused_with_the_https_form(fetch_client, connects):
    body = assert_problem(post_url(fetch_client, "www.example.gov.cn/2020/report.html"), 422, "url_scheme_not_allowed")
    assert "no scheme" in body["detail"] and "'https://www.example.gov.cn/2020/report.html'" in body["detail"]
    assert body["errors"][0]["loc"] == ["body", "url"]
    body = assert_problem(post_url(fetch_client, "example.gov.cn:8080/x"), 422, "url_scheme_not_allowed")
    assert "https://example.gov.cn:8080/x" in body["detail"]
    assert connects == []
