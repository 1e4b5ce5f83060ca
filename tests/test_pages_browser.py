"""The pages in a real browser (headless Debian chromium through Selenium, against a real
`disclosure serve`): the seed's report page and huaian-2024's (its text, and its PDF with the
page images), a section 三 cell clicked and its span marked and in view (and the reverse),
no request to another origin, no policy violation, screenshots at 1280 and 360 px in the
test's tmp dir (DISCLOSURE_SCREENSHOTS=dir keeps copies there). Marker `browser`: its own
step in .ci/run."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import httpx
import pytest

from conftest import AUTH, CORPUS, SEED
from test_security_headers import _browser

pytestmark = pytest.mark.browser

HUAIAN_TEXT, HUAIAN_PDF = "huaian-2024.txt", "huaian-2024.pdf"
TYPES = {".txt": "text/plain", ".pdf": "application/pdf", ".html": "text/html", ".md": "text/markdown"}


def _post(base: str, name: str) -> int:
    path = CORPUS / name
    r = httpx.post(f"{base}/reports", content=path.read_bytes(),
                   headers={"Content-Type": TYPES[path.suffix], **AUTH}, timeout=60)
    assert r.status_code in (200, 201), r.text
    return r.json()["id"]


def _viewport(driver, width: int, height: int) -> None:
    """The page's viewport, exactly (a headless window is never narrower than 500 px)."""
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600})


def _shot(driver, tmp_path: Path, name: str, width: int) -> Path:
    """The page from the top, as tall as it is (at most 4000 px), into tmp_path."""
    out = tmp_path / f"{name}.png"
    height = driver.execute_script("return Math.min(document.documentElement.scrollHeight, 4000)")
    _viewport(driver, width, max(height, 700))
    driver.execute_script("window.scrollTo(0, 0)")
    driver.save_screenshot(str(out))
    keep = os.environ.get("DISCLOSURE_SCREENSHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(out, Path(keep) / out.name)
    return out


def _until(condition, seconds: float = 10):
    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, "never happened"
        time.sleep(0.1)


IN_VIEW = """
const el = arguments[0];
const r = el.getBoundingClientRect();
let p = el.parentElement;
while (p) {  // inside every scrolling ancestor's visible box, and the window's
  const s = getComputedStyle(p);
  if (/(auto|scroll)/.test(s.overflowY)) {
    const q = p.getBoundingClientRect();
    if (r.bottom < q.top || r.top > q.bottom) return false;
  }
  p = p.parentElement;
}
return r.bottom > 0 && r.top < window.innerHeight && r.width > 0;
"""

FOREIGN_REQUESTS = """
const origin = location.origin;
return performance.getEntriesByType('resource').map(e => e.name)
  .filter(u => !u.startsWith(origin) && !u.startsWith('data:'));
"""


def _policy_errors(driver) -> list[str]:
    return [e["message"] for e in driver.get_log("browser")
            if "Content Security Policy" in e["message"] or e["level"] == "SEVERE"]


def _check_report_page(driver, base: str, rid: int, tmp_path: Path, name: str, *, pdf: bool = False) -> None:
    _viewport(driver, 1280, 900)
    driver.get(f"{base}/reports/{rid}")  # the browser's own Accept: the page, not the JSON
    assert driver.find_element("css selector", "h1").text.strip()
    assert "三、收到和处理政府信息公开申请情况" in driver.page_source
    # a section 三 cell: 本年新收 × 总计
    cell = driver.find_element("id", "c-applications.new_received.total")
    mark_id = cell.get_attribute("data-mark")
    assert mark_id, "the cell has a span in the text"
    cell.click()
    span = driver.find_element("id", mark_id)
    _until(lambda: "marked" in span.get_attribute("class"))
    assert "marked" in cell.get_attribute("class")
    assert span.text.strip() and span.text.strip().replace(",", "") in cell.text.replace(",", "")
    _until(lambda: driver.execute_script(IN_VIEW, span))
    # the reverse: a span in the text marks its cell and brings it into view
    other = driver.find_element("id", "c-applications.granted.natural_person")
    other_mark = other.get_attribute("data-mark")
    driver.execute_script("document.getElementById(arguments[0]).scrollIntoView({block: 'center'})", other_mark)
    driver.find_element("id", other_mark).click()
    assert "marked" in other.get_attribute("class")
    assert driver.execute_script(IN_VIEW, other)
    # keyboard: a cell is reachable and follows Enter
    driver.execute_script("arguments[0].focus()", cell)
    assert driver.execute_script("return document.activeElement.id") == cell.get_attribute("id")
    if pdf:
        tab = driver.find_element("css selector", ".tabs button[data-pane='pages-pane']")
        tab.click()
        box = driver.find_element("id", "b-applications.new_received.total")
        cell.click()
        assert "marked" in box.get_attribute("class")
        _until(lambda: driver.execute_script(IN_VIEW, box))
        page_image = box.find_element("xpath", "ancestor::*[contains(@class, 'page-frame')]/*[local-name()='img']")
        _until(lambda: driver.execute_script("return arguments[0].complete && arguments[0].naturalWidth > 0",
                                             page_image))
    assert driver.execute_script(FOREIGN_REQUESTS) == []
    assert _policy_errors(driver) == []
    _shot(driver, tmp_path, f"{name}-1280", 1280)
    _viewport(driver, 360, 800)
    driver.get(f"{base}/reports/{rid}/view")
    assert driver.execute_script("return window.innerWidth") == 360
    assert driver.execute_script("return document.documentElement.scrollWidth") <= 360, "no sideways scrolling"
    cell = driver.find_element("id", "c-applications.new_received.total")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", cell)
    cell.click()
    assert driver.execute_script(IN_VIEW, driver.find_element("id", mark_id))
    assert driver.execute_script(FOREIGN_REQUESTS) == []
    _shot(driver, tmp_path, f"{name}-360", 360)


@pytest.mark.parametrize("backend", ["sqlite"])
def test_report_pages_in_a_browser(database_url, tmp_path, backend):
    from servers import Server

    driver = _browser()
    try:
        with Server(database_url, tmp_path / "server.log") as server:
            seed = _post(server.base, SEED)
            # the PDF first, so that it is its report's main document (the text then joins it as a copy:
            # one report per body and year) and the page shows the PDF's pages
            pdf = _post(server.base, HUAIAN_PDF)
            assert _post(server.base, HUAIAN_TEXT) == pdf
            _check_report_page(driver, server.base, seed, tmp_path, "seed")
            _check_report_page(driver, server.base, pdf, tmp_path, "huaian-pdf", pdf=True)
    finally:
        driver.quit()


@pytest.mark.parametrize("backend", ["sqlite"])
def test_the_finder_and_its_upload_in_a_browser(database_url, tmp_path, backend):
    from conftest import API_KEY
    from servers import Server

    driver = _browser()
    try:
        with Server(database_url, tmp_path / "server.log") as server:
            seed = httpx.get(f"{server.base}/reports/{_post(server.base, SEED)}").json()
            _viewport(driver, 1280, 900)
            driver.get(f"{server.base}/")
            assert "1 report" in driver.find_element("css selector", "main").text
            # upload from the page: the file and the key, sent by the page's script
            form = driver.find_element("id", "upload-form")
            assert form.is_displayed()
            form.find_element("name", "file").send_keys(str(CORPUS / HUAIAN_PDF))
            form.find_element("name", "key").send_keys(API_KEY)
            form.find_element("css selector", "button[type=submit]").click()
            result = driver.find_element("id", "upload-result")
            _until(lambda: "Stored" in result.text, 60)
            link = result.find_element("tag name", "a")
            assert link.get_attribute("href").endswith("/view")
            # find: a province (with its count), then the report under it, then its page
            driver.get(f"{server.base}/")
            assert "2 reports" in driver.find_element("css selector", "main").text
            province = seed["region_code"][:2]
            driver.find_element("css selector", f"nav a[href='/?region={province}']").click()
            _until(lambda: "1 report" in driver.find_element("css selector", "main").text)
            driver.find_element("link text", seed["agency"]).click()
            _until(lambda: driver.current_url.endswith(f"/reports/{seed['id']}/view"))
            assert seed["agency"] in driver.find_element("css selector", "h1").text
            assert driver.execute_script(FOREIGN_REQUESTS) == []
            assert _policy_errors(driver) == []
            driver.get(f"{server.base}/")
            _shot(driver, tmp_path, "finder-1280", 1280)
            _viewport(driver, 360, 800)
            driver.get(f"{server.base}/")
            assert driver.execute_script("return document.documentElement.scrollWidth") <= 360
            _shot(driver, tmp_path, "finder-360", 360)
    finally:
        driver.quit()
