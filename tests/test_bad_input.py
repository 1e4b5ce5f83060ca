"""The bad-input catalogue: each item sent to the service, answered with a clear problem
(application/problem+json with a stable code; never a 500, never a traceback), and what was
stored before is intact afterwards.

Decided: a text that is readable but no disclosure report (or HTML without tables) is
*stored*, as status `failed` with findings (201), not refused. The design keeps every
document so that a better parser can read it later (`disclosure reparse`), and a report
in a layout the parser does not know yet looks exactly like "no report" to it; refusing
would lose those. Bytes that are no text at all (binary, wrong charset, empty) are refused
with 4xx, since no parser version could read them as sent.
"""

from __future__ import annotations

import json
import socket
import threading
import time

import pytest

from conftest import AUTH, CORPUS, REPO, SEED, assert_problem, expected_for, figure_map, as_read

TEXT = {"Content-Type": "text/plain", **AUTH}
HTML = {"Content-Type": "text/html", **AUTH}
SPEC = json.loads((REPO / "openapi" / "openapi.json").read_text(encoding="utf-8"))


def assert_clean_problem(response, status: int | None = None, code: str | None = None) -> dict:
    """A 4xx problem document without anything a traceback would leave."""
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:500])
    if status is not None:
        assert response.status_code == status, response.text[:500]
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["code"] and body["detail"] and body["status"] == response.status_code
    if code is not None:
        assert body["code"] == code, body
    for trace in ("Traceback", 'File "', "sqlalchemy", "psycopg", "Error(", "/app/"):
        assert trace not in response.text, response.text[:500]
    return body


@pytest.fixture
def stored(client, seed):
    """The seed report stored before the bad input; `check()` proves it is intact after."""
    figures = client.get(f"/reports/{seed['id']}/figures").json()["figures"]
    text = client.get(f"/reports/{seed['id']}/text").text
    expected = expected_for(SEED)["figures"]
    assert figure_map(figures) == expected

    def check(extra_reports: int = 0, copies: int = 0) -> None:
        now = client.get(f"/reports/{seed['id']}").json()
        if copies:  # copies of it attached as documents: the report is the same but for those
            volatile = ("updated_at", "change_seq", "document_count")
            assert now["document_count"] == 1 + copies
            assert {k: v for k, v in now.items() if k not in volatile} == \
                {k: v for k, v in as_read(seed).items() if k not in volatile}
        else:
            assert now == as_read(seed)
        got = client.get(f"/reports/{seed['id']}/figures").json()["figures"]
        for f in got if copies else ():  # with copies, each figure names the document it came from
            assert (f["source"] or {}).pop("document", seed["document_id"]) == seed["document_id"]
        assert got == figures
        assert client.get(f"/reports/{seed['id']}/text").text == text
        assert len(client.get("/reports", params={"limit": 500}).json()["data"]) == 1 + extra_reports
    return check


def test_empty_body(client, stored):
    assert_clean_problem(client.post("/reports", content=b"", headers=TEXT), 400, "empty_body")
    stored()


def test_whitespace_only(client, stored):
    for body in (b"   ", b"\n\n\t \r\n", "\u3000\u00a0 ".encode()):
        assert_clean_problem(client.post("/reports", content=body, headers=TEXT), 400, "empty_body")
    assert_clean_problem(client.post("/reports", json={"text": " \n "}, headers=AUTH), 400, "empty_body")
    stored()


PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x9a\xa0\xa1\x00\x00\x00\x00IEND\xaeB`\x82")


def test_a_png(client, stored):
    for headers in (TEXT, HTML, {"Content-Type": "text/plain; charset=utf-8", **AUTH}):
        assert_clean_problem(client.post("/reports", content=PNG, headers=headers), 415, "not_text")
    assert_clean_problem(client.post("/reports", content=PNG, headers={"Content-Type": "image/png", **AUTH}),
                         415, "unsupported_media_type")
    stored()


def test_invalid_utf8_declared_as_utf8(client, stored):
    body = "2020年政府信息公开工作年度报告\n".encode() + b"\xff\xfe\xc3\x28 abc"
    problem = assert_clean_problem(client.post("/reports", content=body,
                                               headers={"Content-Type": "text/plain; charset=utf-8", **AUTH}),
                                   422, "charset_mismatch")
    assert "utf-8" in problem["detail"]
    stored()


def test_gbk_declared_as_utf8(client, stored):
    body = (CORPUS / SEED).read_text(encoding="utf-8").encode("gbk", "replace")
    problem = assert_clean_problem(client.post("/reports", content=body,
                                               headers={"Content-Type": "text/plain; charset=utf-8", **AUTH}),
                                   422, "charset_mismatch")
    assert "gb18030" in problem["detail"]  # says what it would decode as
    # declared rightly, or not at all, it is read: a copy of the stored report (one body, one year)
    copy = client.post("/reports", content=body, headers={"Content-Type": "text/plain; charset=gbk", **AUTH})
    assert copy.status_code == 200 and copy.json()["submission"] == "copy"
    stored(copies=1)


def test_an_unknown_charset(client, stored):
    r = client.post("/reports", content=b"2020 report", headers={"Content-Type": "text/plain; charset=x-klingon", **AUTH})
    assert_clean_problem(r)
    stored()


def test_html_with_no_tables_is_stored_as_failed_with_findings(client, stored):
    r = client.post("/reports", content="<html><body><p>本站首页。</p><p>联系我们</p></body></html>".encode(),
                    headers=HTML)
    assert r.status_code == 201, r.text
    report = r.json()
    assert report["status"] == "failed" and report["figure_count"] == 0 and report["finding_count"] > 0
    codes = {f["code"] for f in client.get(f"/reports/{report['id']}/findings").json()["findings"]}
    assert "unknown_template" in codes
    stored(extra_reports=1)


def test_a_text_that_is_no_report_is_stored_as_failed_with_findings(client, stored):
    r = client.post("/reports", content=("今天天气很好，我们去公园散步。" * 40).encode(), headers=TEXT)
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "failed" and r.json()["finding_count"] > 0
    stored(extra_reports=1)


@pytest.mark.stress
def test_deeply_nested_html(client, stored):
    depth = 100_000
    body = ("<html><body>" + "<div>" * depth + "2020年政府信息公开工作年度报告" + "</div>" * depth + "</body></html>")
    r = client.post("/reports", content=body.encode(), headers=HTML)
    assert r.status_code in (201, 400, 413, 415, 422), r.text[:300]
    if r.status_code >= 400:
        assert_clean_problem(r)
    stored(extra_reports=1 if r.status_code == 201 else 0)


def test_a_500_digit_cell(client, stored):
    digits = "9" * 500
    text = (CORPUS / SEED).read_text(encoding="utf-8").replace("41505", digits)
    r = client.post("/reports", content=text.encode(), headers=TEXT)
    # the seed's body and year: a copy of it, whose own parse lacks the figure it cannot read
    assert r.status_code == 200 and r.json()["submission"] == "copy", r.text
    own = client.get(f"/documents/{r.json()['document_id']}").json()["parse"]["figures"]  # no inf, no NaN
    assert all(abs(f["value"]) < 1e15 for f in own)
    assert "active.permit.decisions" not in figure_map(own)
    html = f"<table><tr><td>行政许可</td><td>{digits}</td><td>{digits}.{digits}</td></tr></table>"
    r = client.post("/reports", content=html.encode(), headers=HTML)
    assert r.status_code == 201, r.text
    stored(extra_reports=1, copies=1)  # the report keeps the seed's reading of that figure


def test_an_unknown_content_type(client, stored):
    for ct in ("image/png", "multipart/form-data; boundary=x", "text/csv", "x" * 500, "text/plain\x7f"):
        assert_clean_problem(client.post("/reports", content=b"2020", headers={"Content-Type": ct, **AUTH}),
                             415, "unsupported_media_type")
    assert_clean_problem(client.post("/reports", content=b"2020", headers=AUTH), 415, "unsupported_media_type")
    stored()


def test_malformed_json_bodies(client, stored):
    headers = {"Content-Type": "application/json", **AUTH}
    for body in (b"{", b"nul", b'{"text": "\xff"}', b"[" * 10_000 + b"]" * 10_000, b'"just a string"', b"1e999",
                 b'{"text": "x", "text": 5}', json.dumps({"text": "x", "extra": 1}).encode(),
                 json.dumps({"text": "x" * 10, "source_url": "u" * 5000}).encode()):
        assert_clean_problem(client.post("/reports", content=body, headers=headers))
    stored()


# ----------------------------------------------------------------------------- query parameters

NASTY = [
    "' OR '1'='1", "1; DROP TABLE report; --", "1) UNION SELECT sha256 FROM document --", '"', "\\", "%", "_",
    "%25", "*", "\x00", "a\x00b", "\u202e", "😀", "-1", "0", "-9223372036854775809", "9" * 400, "1e309", "NaN",
    "inf", "true", "[]", "{}", "null", " ", "x" * 5000,
]


def _get_operations():
    for path, ops in SPEC["paths"].items():
        op = ops.get("get")
        if op is not None:
            yield path, op


def test_every_get_parameter_survives_sql_metacharacters_and_huge_values(client, stored, seed):
    checked = 0
    for path, op in _get_operations():
        params = [p for p in op.get("parameters", []) if p["in"] in ("query", "path")]
        base = path.replace("{report_id}", str(seed["id"])).replace("{code}", "150724")
        for param in params:
            for value in NASTY:
                if param["in"] == "path":
                    url, query = path.replace("{" + param["name"] + "}", _path_safe(value)), {}
                    url = url.replace("{report_id}", str(seed["id"])).replace("{code}", "150724")
                else:
                    url, query = base, {param["name"]: value}
                r = client.get(url, params=query)
                assert r.status_code < 500, (url, param["name"], value[:40], r.status_code, r.text[:300])
                if r.status_code >= 400:
                    assert_clean_problem(r)
                checked += 1
    assert checked > 500
    stored()


def _path_safe(value: str) -> str:
    from urllib.parse import quote

    return quote(value, safe="")


def test_repeated_and_unknown_parameters(client, stored, seed):
    assert client.get("/reports", params=[("year", "2020"), ("year", "x")]).status_code in (200, 422)
    assert client.get("/reports", params={"no_such_param": "1"}).status_code == 200
    assert client.get(f"/reports/{seed['id']}/figures", params={"prefix": "%"}).json()["figures"] == []
    assert client.get(f"/reports/{seed['id']}/figures", params={"prefix": "_"}).json()["figures"] == []
    stored()


def test_unknown_ids(client, stored):
    for rid in ("999999", "2147483647"):
        assert_clean_problem(client.get(f"/reports/{rid}"), 404, "not_found")
        assert_clean_problem(client.get(f"/reports/{rid}/figures"), 404, "not_found")
        assert_clean_problem(client.post(f"/reports/{rid}/reparse", headers=AUTH), 404, "not_found")
    for rid in ("0", "-1", "2147483648", "9" * 100, "1.5", "abc", "1%20OR%201=1", "%00"):
        assert_clean_problem(client.get(f"/reports/{rid}"), 422, "validation_error")
    assert_clean_problem(client.get("/regions/999999"))
    stored()


def test_negative_and_huge_limits(client, stored):
    for path in ("/reports", "/figures?key=active.permit.decisions", "/regions", "/changes"):
        sep = "&" if "?" in path else "?"
        for limit in ("-1", "0", "-9999999999", "100000", "9" * 50, "1.5", ""):
            assert_clean_problem(client.get(f"{path}{sep}limit={limit}"), 422, "validation_error")
    stored()


# ----------------------------------------------------------------------------- 50 MB over TCP


def _send_until_answered(port: int, head: bytes, total: int, chunked: bool) -> tuple[int, bytes]:
    """Send `head`, then up to `total` body bytes, stopping as soon as the server answers
    (a reader thread watches) or stops reading. Returns the body bytes sent and the response."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    response = bytearray()
    answered = threading.Event()

    def reader() -> None:
        try:
            while True:
                data = sock.recv(65536)
                if not data:
                    break
                response.extend(data)
                answered.set()
        except OSError:
            pass
        answered.set()

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    sent = 0
    chunk = b"x" * 65536
    piece = (b"%x\r\n%s\r\n" % (len(chunk), chunk)) if chunked else chunk
    try:
        sock.sendall(head)
        sock.settimeout(1)  # a server that stopped reading makes sendall time out
        while sent < total and not answered.is_set():
            sock.sendall(piece)
            sent += len(chunk)
    except OSError:  # timed out, reset or broken pipe: the server is done with us
        pass
    answered.wait(10)
    time.sleep(0.2)  # the rest of the response
    sock.close()
    thread.join(5)
    return sent, bytes(response)


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_50_mb_body_is_refused_before_it_is_read_whole(live_server, chunked):
    base, port = live_server
    total = 50 * 1024 * 1024
    framing = b"Transfer-Encoding: chunked\r\n" if chunked else b"Content-Length: %d\r\n" % total
    head = (b"POST /reports HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\n"
            b"Authorization: Bearer " + AUTH["Authorization"].split()[1].encode() + b"\r\n" + framing + b"\r\n")
    sent, response = _send_until_answered(port, head, total, chunked)
    assert response.startswith(b"HTTP/1.1 413"), response[:300]
    assert b"application/problem+json" in response and b"payload_too_large" in response
    limit = 10 * 1024 * 1024
    # what is sent beyond what the server read sits in the socket buffers (a few MB on loopback)
    if chunked:
        assert sent < limit + 16 * 1024 * 1024, sent  # refused while streaming, soon after the limit
    else:
        assert sent < 16 * 1024 * 1024, sent  # refused from the header: the body never read


@pytest.fixture
def live_server(database_url, tmp_path):
    from servers import Server

    with Server(database_url, tmp_path / "server.log") as server:
        yield server.base, server.port


def test_nul_characters(client, stored, database_url):
    """PostgreSQL text cannot hold NUL: in a URL it is refused, in a document replaced (U+FFFD)."""
    assert_clean_problem(client.get("/reports", params={"agency": "a\x00b"}), 422, "validation_error")
    assert_clean_problem(client.get("/reports/1%00"), 422, "validation_error")
    text = (CORPUS / SEED).read_text(encoding="utf-8")
    with_nul = text + "\n附\x00录\x00"  # late in the text: a NUL near the start makes it binary (415)
    r = client.post("/reports", json={"text": with_nul}, headers=AUTH)
    assert r.status_code == 200 and r.json()["submission"] == "copy", r.text  # of the seed: its document's text
    from sqlalchemy import text as sql
    from app.db import make_engine

    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            stored_text = conn.execute(sql("SELECT text FROM document_parse WHERE document_id = :d"),
                                       {"d": r.json()["document_id"]}).scalar_one()
    finally:
        engine.dispose()
    assert "\x00" not in stored_text and stored_text.count("\ufffd") == 2 and len(stored_text) == len(with_nul)
    r = client.post("/reports", content=with_nul.encode() + b"\x00", headers=TEXT)
    assert r.status_code in (200, 415), r.text
    stored(copies=1 if r.status_code == 415 else 2)


# ----------------------------------------------------------------------------- tampered cursors


def _token(sort: str, values) -> str:
    import base64

    return base64.urlsafe_b64encode(json.dumps({"s": sort, "v": values}).encode()).decode().rstrip("=")


# (path, sort, the values a cursor of that order holds, tampered)
TAMPERED = [
    ("/reports", "id", [2**63]), ("/reports", "id", [2**31]), ("/reports", "id", [-(2**63) - 1]),
    ("/reports", "id", [True]), ("/reports", "id", ["1"]), ("/reports", "id", [1.5]), ("/reports", "id", [None]),
    ("/reports", "year", [2020, 2**63]), ("/reports", "-year", [2**40, 1]),
    ("/reports", "agency", ["a\x00b", 1]), ("/reports", "agency", ["x" * 201, 1]), ("/reports", "agency", [5, 1]),
    ("/reports", "region", [["150724"], 1]),
    ("/reports", "published_at", ["2020-13-45", 1]), ("/reports", "published_at", [20200101, 1]),
    ("/reports", "published_at", ["2020-01-01", 2**63]), ("/reports", "published_at", ["20200101", 1]),
    ("/figures?key=active.permit", "report", [2**63, 1]), ("/figures?key=active.permit", "value", ["nan", 1, 1]),
    ("/figures?key=active.permit", "value", [10**400, 1, 1]),
    ("/figures?key=active.permit", "-value", [-(10**310), 1, 1]),
    ("/figures?key=active.permit", "key", ["k" * 121, 1, 1]), ("/figures?key=active.permit", "key", [None, 1, 1]),
    ("/changes", None, [2**63]), ("/changes", None, [-(2**64)]), ("/changes", None, ["1"]),
    ("/regions", None, [{"code": "1"}]), ("/regions", None, ["1" * 201]),
]


@pytest.mark.parametrize("path, sort, values", TAMPERED, ids=[f"{p} {s} {str(v)[:24]}" for p, s, v in TAMPERED])
def test_a_tampered_cursor_is_a_422_before_any_answer_starts(client, stored, path, sort, values):
    """A cursor is the client's to keep and so to alter: any value in it that the column
    cannot hold is a clean 422 naming the parameter, in every format — never a 500, never a
    CSV or NDJSON stream that starts and breaks off."""
    import json as _json

    param = "since" if path == "/changes" else "cursor"
    order = sort or ("change_seq" if path == "/changes" else "code")
    token = _token(order, values)
    path, _, key = path.partition("?key=")
    for fmt in ("json",) if path == "/regions" else ("json", "csv", "ndjson"):  # /regions CSV: every region
        params = {param: token, "format": fmt, **({"sort": sort} if sort else {}), **({"key": key} if key else {})}
        r = client.get(path, params=params)
        body = assert_clean_problem(r, 422, "validation_error")
        assert body["errors"][0]["loc"] == ["query", param], body
        _json.dumps(body)
    stored()


def test_a_cursor_the_service_issued_still_works_in_every_order(client, stored, seed):
    from app.services.query import FIGURE_SORTS, REPORT_SORTS

    for sort in REPORT_SORTS:
        page = client.get("/reports", params={"sort": sort, "limit": 1})
        assert page.status_code == 200
        token = client.get("/reports", params={"sort": sort, "limit": 1}).json()["next"]
        assert token is None  # one report: no next page; make one from the row as the service would
        cursor = REPORT_SORTS[sort].encode({k.name: _value(page.json()["data"][0], k.name) for k in REPORT_SORTS[sort].keys})
        for fmt in ("json", "csv"):
            r = client.get("/reports", params={"sort": sort, "cursor": cursor, "format": fmt})
            assert r.status_code == 200, (sort, r.text[:300])
    for sort in FIGURE_SORTS:
        first = client.get("/figures", params={"key": "active.permit", "sort": sort, "limit": 1})
        assert first.status_code == 200 and first.json()["next"]
        for fmt in ("json", "csv", "ndjson"):
            r = client.get("/figures", params={"key": "active.permit", "sort": sort, "limit": 2, "format": fmt,
                                               "cursor": first.json()["next"].split("cursor=")[1].split("&")[0]})
            assert r.status_code == 200, (sort, r.text[:300])
    stored()


def _value(report: dict, name: str):
    from datetime import date

    value = report["region_code" if name == "region_code" else name]
    return date.fromisoformat(value) if name == "published_at" and value else value


def test_cursor_fuzz(client, stored):
    """Hypothesis over cursor tokens: any JSON in a cursor — mostly of the right order and
    length, with values of every type and past every range — and tokens that are no JSON,
    for each list and format, is answered 200 with a whole body or a clean 422."""
    import base64
    from datetime import date

    from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

    from app.services.query import FIGURE_SORTS, REPORT_SORTS, changes_sort

    bounds = [2**31 - 1, 2**31, 2**63 - 1, 2**63, -(2**63) - 1, 2**64, -(2**31) - 1, 0, -1]
    ints = st.integers(min_value=-(2**70), max_value=2**70) | st.sampled_from(bounds)
    scalars = st.one_of(st.none(), st.booleans(), ints, st.floats(allow_nan=False, allow_infinity=False),
                        st.text(max_size=30), st.text(min_size=190, max_size=260), st.dates().map(str),
                        st.sampled_from(["2020-01-01", "", "\x00", "a\x00", "nan", "1e999", "2020-02-30"]))
    near = {int: ints, float: ints | st.floats() | st.sampled_from([1e308, -1e308, 1e300, 5e-324]),
            str: st.text(max_size=30) | st.text(min_size=100, max_size=260) | st.sampled_from(["\x00", "a\x00", ""]),
            date: st.dates().map(str) | st.sampled_from(["2020-02-30", "20200101", "2020-1-1"])}
    lists = [("/reports", "cursor", {k: v for k, v in REPORT_SORTS.items()}),
             ("/figures?key=active.permit", "cursor", dict(FIGURE_SORTS)),
             ("/changes", "since", {None: changes_sort()}), ("/regions", "cursor", {None: None})]

    def encode(doc) -> str:
        return base64.urlsafe_b64encode(json.dumps(doc).encode()).decode().rstrip("=")

    @st.composite
    def cases(draw):
        path, param, orders = draw(st.sampled_from(lists))
        sort = draw(st.sampled_from(sorted(orders, key=str)))
        order = orders[sort]
        name = order.name if order is not None else "code"
        size = len(order.keys) if order is not None else 1
        shape = draw(st.integers(0, 9))  # mostly a cursor of the right order and length, values of its types
        if shape < 7:
            kinds = [k.kind for k in order.keys] if order is not None else [str]
            values = [draw(near[kind] | scalars if shape < 5 else scalars) for kind in kinds]
            doc = {"s": name if shape < 6 else "x", "v": values}
        elif shape < 9:
            doc = draw(scalars | st.lists(scalars | st.lists(scalars, max_size=2), max_size=4)
                       | st.fixed_dictionaries({"s": st.just(name), "v": scalars}))
        else:
            return path, param, sort, draw(st.binary(max_size=40).map(
                lambda b: base64.urlsafe_b64encode(b).decode().rstrip("=")))
        token = encode(doc)
        return path, param, sort, token

    @hsettings(max_examples=200, deadline=None, derandomize=True, database=None,
               suppress_health_check=list(HealthCheck))
    @given(cases(), st.sampled_from(["json", "csv", "ndjson"]))
    def check(case, fmt):
        path, param, sort, token = case
        path, _, key = path.partition("?key=")
        params = {param: token[:500], "format": fmt, **({"sort": sort} if sort else {}), **({"key": key} if key else {})}
        r = client.get(path, params=params)
        assert r.status_code in (200, 422), (path, params, r.status_code, r.text[:300])
        if r.status_code == 422:
            assert_clean_problem(r, 422, "validation_error")
        elif fmt == "csv":
            assert r.content.startswith(b"\xef\xbb\xbf") and r.content.endswith(b"\r\n")
        elif fmt == "ndjson":
            for line in r.text.splitlines():
                json.loads(line)
        else:
            r.json()

    check()
    stored()


# ----------------------------------------------------------------------------- source_url


@pytest.mark.parametrize("url", ["javascript:alert(document.cookie)", "JaVaScRiPt:alert(1)", "data:text/html,<b>x",
                                 "vbscript:x", "file:///etc/passwd", "ftp://example.gov.cn/r.txt", "/relative/path",
                                 "http://", "https://user:pw@example.gov.cn/", "=HYPERLINK(1)", "  ", "http://a b/"])
def test_a_source_url_that_is_no_http_url_is_refused(client, stored, url):
    text = (CORPUS / SEED).read_text(encoding="utf-8") + "\n附：再次提交"
    body = assert_clean_problem(client.post("/reports", params={"source_url": url}, content=text.encode(),
                                            headers=TEXT), 422, "validation_error")
    assert body["errors"][0]["loc"] == ["query", "source_url"] and "source_url" in body["detail"]
    body = assert_clean_problem(client.post("/reports", json={"text": text, "source_url": url}, headers=AUTH),
                                422, "validation_error")
    assert body["errors"][0]["loc"] == ["body", "source_url"] and "source_url" in body["detail"]
    stored()


def test_a_source_url_without_a_scheme_is_refused_with_the_https_form(client, stored):
    text = (CORPUS / SEED).read_text(encoding="utf-8") + "\n附"
    body = assert_clean_problem(client.post("/reports", json={"text": text, "source_url": "www.example.gov.cn/a.html"},
                                            headers=AUTH), 422, "validation_error")
    assert "https://www.example.gov.cn/a.html" in body["detail"]
    stored()


def test_an_http_source_url_is_kept(client, stored):
    text = (CORPUS / SEED).read_text(encoding="utf-8")
    for i, url in enumerate(("https://www.example.gov.cn/2021/report.html", "HTTP://Example.gov.cn:8080/r?id=1")):
        r = client.post("/reports", json={"text": text + "\n" * (i + 1), "source_url": url}, headers=AUTH)
        # copies of the seed: the report keeps where it was first found, each document its own URL
        assert r.status_code == 200 and r.json()["submission"] == "copy", r.text
        assert client.get(f"/documents/{r.json()['document_id']}").json()["source_url"] == url
    stored(copies=2)  # the report as it was (its source_url too), but for its two new documents


# ----------------------------------------------------------------------------- an aborted upload


def test_an_aborted_upload_is_no_error(database_url, tmp_path):
    """A client that hangs up while sending the body: one info line, no traceback, no
    "unhandled error", no 500 in the access log; the server goes on serving."""
    from servers import Server

    with Server(database_url, tmp_path / "server.log") as server:
        for framing in (b"Content-Length: 200000\r\n", b"Transfer-Encoding: chunked\r\n"):
            sock = socket.create_connection(("127.0.0.1", server.port), timeout=5)
            sock.sendall(b"POST /reports HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\n"
                         b"Authorization: " + AUTH["Authorization"].encode() + b"\r\n" + framing + b"\r\n")
            sock.sendall(b"1000\r\n" + b"x" * 4096 if b"chunked" in framing else b"x" * 4096)
            time.sleep(0.3)
            sock.close()
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and server.log().count("client disconnected while sending the body") < 2:
            time.sleep(0.1)
        import httpx

        assert httpx.get(f"{server.base}/healthz", timeout=5).status_code == 200
        log = server.log()
    records = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    aborted = [r for r in records if "client disconnected while sending the body" in r["msg"]]
    assert len(aborted) == 2 and all(r["level"] == "info" and "exc" not in r for r in aborted), aborted
    assert "Traceback" not in log and "unhandled error" not in log
    posts = [r for r in records if r.get("logger") == "app.access" and r.get("method") == "POST"]
    assert len(posts) == 2 and all(r["status"] == 499 for r in posts), posts
# ----------------------------------------------------------------------------- published files gone wrong

PDF_TYPE = {"Content-Type": "application/pdf", **AUTH}
DOCX_TYPE = {"Content-Type": "application/vnd.openxmlformats-officedocument.wordprocessingml.document", **AUTH}


def _docx_bomb() -> bytes:
    """A .docx whose document.xml inflates to 80 MB of spaces (about 80 KB packed)."""
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        with z.open("word/document.xml", "w") as member:
            member.write(b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>')
            for _ in range(80):
                member.write(b" " * (1 << 20))
            member.write(b"</w:body></w:document>")
    return out.getvalue()


@pytest.mark.parametrize("name, status, code", [
    ("encrypted", 422, "pdf_encrypted"),
    ("truncated", 422, "pdf_corrupt"),
    ("2000 pages", 422, "too_many_pages"),
    ("streams inflating to gigabytes", 413, "pdf_too_large_inflated"),
    ("docx zip bomb", 413, "docx_too_large_inflated"),
    ("docx that is no zip", 422, "docx_corrupt"),
    ("declared pdf, is text", 415, "content_mismatch"),
    ("zip that is no docx", 415, "unsupported_archive"),
])
def test_published_files_that_cannot_be_read(client, stored, name, status, code):
    import io
    import zipfile

    from documents import encrypted_pdf, many_pages_pdf
    huaian = (CORPUS / "huaian-2024.pdf").read_bytes()
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("report.txt", "2024")
    body, headers = {
        "encrypted": (encrypted_pdf(), PDF_TYPE),
        "truncated": (huaian[: len(huaian) // 2], PDF_TYPE),
        "2000 pages": (many_pages_pdf(2000), PDF_TYPE),
        # 4 GB of spaces in one stream would take a minute to pack here; 300 MB is past the limit too
        "streams inflating to gigabytes": (_inflating(300), PDF_TYPE),
        "docx zip bomb": (_docx_bomb(), DOCX_TYPE),
        "docx that is no zip": (b"PK\x03\x04" + b"\x00" * 100 + b"word/document.xml", DOCX_TYPE),
        "declared pdf, is text": ((CORPUS / SEED).read_bytes() + "\n附\n".encode(), PDF_TYPE),
        "zip that is no docx": (archive.getvalue(), {"Content-Type": "application/octet-stream", **AUTH}),
    }[name]
    started = time.monotonic()
    assert_clean_problem(client.post("/reports", content=body, headers=headers), status, code)
    assert time.monotonic() - started < 10  # bounded: refused before anything is read at length
    stored()


def _inflating(megabytes: int) -> bytes:
    from documents import inflating_pdf

    return inflating_pdf(megabytes)


def test_a_pdf_sent_as_text_is_read_as_a_pdf_and_a_scan_is_stored_failed(client, stored):
    from documents import image_only_pdf

    r = client.post("/reports", content=(CORPUS / "huaian-2024.pdf").read_bytes(), headers=TEXT)
    assert r.status_code == 201, r.text
    assert r.json()["figure_count"] == len(expected_for("huaian-2024.txt")["figures"])
    scan = client.post("/reports", content=image_only_pdf(1), headers=PDF_TYPE)
    assert scan.status_code == 201 and scan.json()["status"] == "failed"
    codes = [f["code"] for f in client.get(f"/reports/{scan.json()['id']}/findings").json()["findings"]]
    assert codes[0] == "no_text_layer"
def test_a_parse_past_its_budget_is_stored_as_failed_with_a_finding_saying_so(database_url):
    # a thread's parse (DISCLOSURE_PARSE_PROCESSES=0): the budget is what bounds it
    from fastapi.testclient import TestClient

    from app.config import Settings
    from app.main import create_app
    from conftest import API_KEY

    settings = Settings(database_url=database_url, disclosure_api_keys=API_KEY, disclosure_parse_processes=0,
                        disclosure_parse_budget=1e-6, disclosure_parse_timeout=1)
    with TestClient(create_app(settings)) as client:
        r = client.post("/reports", content=(CORPUS / SEED).read_bytes(), headers=TEXT)
        assert r.status_code == 201, r.text
        assert (r.json()["status"], r.json()["figure_count"]) == ("failed", 0)
        findings = client.get(r.headers["Location"] + "/findings").json()["findings"]
        assert [(f["code"], f["severity"]) for f in findings] == [("parse_budget_exceeded", "error")]
        assert client.get(r.headers["Location"] + "/text").text == (CORPUS / SEED).read_text(encoding="utf-8")


@pytest.mark.stress
def test_the_parser_blow_ups_of_issue_10_are_stored_at_once(client, stored):
    # one tag of 100k attributes (1.5 MB: 69 s), 8 MB of 'a\n' (1.3-1.6 GB); each now well
    # inside the parse budget, stored as a failed report with findings
    attributes = "<html><body><div " + " ".join(f'a{i}="x"' for i in range(100_000)) + ">x</div></body></html>"
    for body, headers in ((attributes.encode(), HTML), (b"a\n" * 4_000_000, TEXT)):
        t0 = time.monotonic()
        r = client.post("/reports", content=body, headers=headers)
        assert time.monotonic() - t0 < 30
        assert r.status_code == 201, r.text[:300]
        assert r.json()["status"] == "failed"
        codes = [f["code"] for f in client.get(r.headers["Location"] + "/findings").json()["findings"]]
        assert "parse_budget_exceeded" not in codes
    stored(extra_reports=2)
