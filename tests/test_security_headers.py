"""Security headers on every answer (app/api/security_headers.py), and the /docs and /redoc
pages' own Content-Security-Policy, which lets them work: checked on the pages' HTML here,
and in a real browser (headless Chromium) at the end."""

from __future__ import annotations

import base64
import hashlib
import os
import re
import shutil
import time

import pytest
from fastapi.testclient import TestClient

from app.api.security_headers import JSON_POLICY
from app.main import create_app
from conftest import AUTH

EXPECTED = {
    "content-security-policy": JSON_POLICY,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
}


def assert_secured(response, policy: str | None = JSON_POLICY) -> None:
    for name, value in EXPECTED.items():
        if name == "content-security-policy" and policy is None:
            assert response.headers[name], response.request.url
            continue
        assert response.headers.get(name) == (policy if name == "content-security-policy" else value), \
            (response.request.method, response.request.url, response.status_code, name)


def test_every_kind_of_answer_has_the_security_headers(client, seed):
    rid = seed["id"]
    answers = [
        client.get("/"), client.get("/reports"), client.get("/reports", params={"format": "csv"}),
        client.get("/reports", params={"format": "ndjson"}), client.get(f"/reports/{rid}"),
        client.get(f"/reports/{rid}"),  # the view cache's answer
        client.get(f"/reports/{rid}/text"), client.get(f"/reports/{rid}/figures", params={"format": "csv"}),
        client.get("/stats", params={"key": "active.permit"}), client.get("/catalogue"), client.get("/healthz"),
        client.get("/openapi.json"), client.get("/docs-assets/swagger-ui.css"),
        client.get("/nowhere"), client.get("/reports/abc"), client.delete("/reports/1"),
        client.post("/reports", content=b"x", headers={"Content-Type": "text/plain"}),  # 401
        client.post("/reports", content=b"", headers={"Content-Type": "text/plain", **AUTH}),  # 400
        client.get("/reports", params={"agency": "a\x00"}),  # refused by the NUL guard
        client.options("/reports", headers={"Origin": "https://app.example", "Access-Control-Request-Method": "GET"}),
    ]
    etag = client.get(f"/reports/{rid}").headers["etag"]
    answers.append(client.get(f"/reports/{rid}", headers={"If-None-Match": etag}))
    assert answers[-1].status_code == 304
    statuses = set()
    for r in answers:
        assert_secured(r)
        statuses.add(r.status_code)
    assert {200, 304, 400, 401, 404, 405, 422} <= statuses


def test_a_500_has_them_too(settings):
    app = create_app(settings)

    async def boom() -> None:
        raise RuntimeError("boom")

    app.add_api_route("/boom", boom)
    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.get("/boom")
    assert r.status_code == 500
    assert_secured(r)


def _inline_script_hashes(html: str) -> set[str]:
    return {"'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"
            for body in re.findall(r"<script>(.*?)</script>", html, re.S)}


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_the_docs_pages_allow_exactly_their_own_assets(client, page):
    r = client.get(page)
    assert r.status_code == 200
    policy = r.headers["content-security-policy"]
    assert_secured(r, policy=None)
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["default-src"] == "'none'" and directives["frame-ancestors"] == "'none'"
    scripts = directives["script-src"].split()
    assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts
    assert set(scripts) == {"'self'", *_inline_script_hashes(r.text)}
    # every script, style and icon the page loads is the service's own (no CDN), and is there
    for url in re.findall(r'(?:src|href)="([^"]+)"', r.text):
        assert url.startswith("/") and not url.startswith("//"), url
        assert client.get(url).status_code == 200, url
    assert client.get(re.search(r"(?:url: '|spec-url=\")([^'\"]+)", r.text).group(1)).status_code == 200


def test_the_inline_script_hash_follows_the_root_path(settings):
    with TestClient(create_app(settings), root_path="/api") as c:
        r = c.get("/docs")
    assert "/api/openapi.json" in r.text
    assert _inline_script_hashes(r.text) == set(re.findall(r"'sha256-[^']+'", r.headers["content-security-policy"]))


# ----------------------------------------------------------------------------- a real browser

def _browser():
    """Headless Chromium through Selenium (Debian's chromium and chromium-driver, installed by
    .ci/run); skipped where they are missing, except in CI."""
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        webdriver = None
    driver = shutil.which("chromedriver")
    if webdriver is None or driver is None:
        if os.environ.get("CI"):
            pytest.fail("CI needs selenium and chromium-driver for the browser test")
        pytest.skip("no selenium or chromedriver here")
    options = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1400,1000"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(options=options, service=Service(driver))


def _wait_for(driver, selector: str, seconds: float = 20) -> list:
    deadline = time.monotonic() + seconds
    while True:
        found = driver.find_elements("css selector", selector)
        if found and found[0].text.strip():
            return found
        assert time.monotonic() < deadline, f"{selector} never appeared"
        time.sleep(0.2)


def _csp_violations(driver, base: str) -> list[str]:
    """Console errors about the policy, but for the one request ReDoc makes to another origin
    (its logo, from a CDN): blocking that is the policy working."""
    out = []
    for entry in driver.get_log("browser"):
        message = entry["message"]
        if "Content Security Policy" in message and not re.search(r"'https?://(?!127\.0\.0\.1)", message):
            out.append(message)
    return out


@pytest.mark.parametrize("backend", ["sqlite"])
def test_swagger_ui_and_redoc_work_in_a_browser_under_their_policy(database_url, tmp_path, backend):
    from servers import Server

    driver = _browser()
    try:
        with Server(database_url, tmp_path / "server.log") as server:
            driver.get(f"{server.base}/docs")
            assert "disclosure-stats" in _wait_for(driver, ".swagger-ui .info .title")[0].text
            assert len(_wait_for(driver, ".opblock")) > 20  # every operation, rendered from /openapi.json
            assert _csp_violations(driver, server.base) == []
            driver.get(f"{server.base}/redoc")
            assert "disclosure-stats" in _wait_for(driver, "h1")[0].text
            search = driver.find_element("css selector", "input[placeholder='Search...']")
            search.send_keys("statistics")  # the search index runs in a worker made from a blob
            results = _wait_for(driver, "[data-role='search:results'] li", 10)
            assert "Statistics of figures by region or year" in {r.get_attribute("aria-label") for r in results}
            assert _csp_violations(driver, server.base) == []
    finally:
        driver.quit()
