"""GET /catalogue and GET /: the figure keys from the parser's own templates, held to
docs/FIGURES.md (every key documented there, and nothing documented that the service does
not read); the links of the service's home."""

from __future__ import annotations

import csv
import io
import json
import re

from app.parsing import prose, templates
from app.catalogue import catalogue
from conftest import AUTH, CORPUS, REPO, SEED, assert_problem

FIGURES_MD = REPO / "docs" / "FIGURES.md"


def _sections(text: str) -> dict[str, str]:
    """'## Section 二 …' → its text, by the heading's first words."""
    parts = re.split(r"^## ", text, flags=re.M)
    return {p.split("\n", 1)[0]: p for p in parts[1:]}


def _ticked(cell: str) -> list[str]:
    return re.findall(r"`([^`]+)`", cell)


def _table_keys(block: str) -> list[str]:
    """Keys of a table whose first column writes them `a.b.c` / `.d` (a sibling of the last)."""
    keys: list[str] = []
    for line in block.splitlines():
        if not line.startswith("| `"):
            continue
        last = None
        for token in _ticked(line.split("|")[1]):
            if token.startswith("."):
                assert last is not None, line
                token = last.rsplit(".", 1)[0] + token
            keys.append(token)
            last = token
    return keys


def documented_keys() -> dict[str, set[str]]:
    """Every key docs/FIGURES.md documents → the templates it says have it (section 二 says
    which; the other sections are in both, but for the rows it marks 2019 or 2021)."""
    text = FIGURES_MD.read_text(encoding="utf-8")
    sections = _sections(text)
    out: dict[str, set[str]] = {}
    active = next(v for k, v in sections.items() if k.startswith("Section 二"))
    for part, template in zip(active.split("template:")[1:], ("2019", "2021")):
        for key in _table_keys(part):
            out.setdefault(key, set()).add(template)
    apps = next(v for k, v in sections.items() if k.startswith("Section 三"))
    columns = _ticked(re.search(r"^Columns:(.*?)\n\n", apps, re.S | re.M).group(1))
    rows: dict[str, set[str]] = {}
    for line in apps.splitlines():
        if line.startswith("| `"):
            only = {"2019"} if "2019 template" in line else {"2021"} if "2021 template" in line else {"2019", "2021"}
            for row in _ticked(line.split("|")[1]):
                rows.setdefault(row, set()).update(only)
    groups = re.search(r"Group totals (.*?) are", apps, re.S).group(1)
    for group in _ticked(groups):
        rows.setdefault(group, set()).update({"2021"} if f"(2021) `{group}`" in groups else {"2019", "2021"})
    for row, tpls in rows.items():
        for col in columns:
            out.setdefault(f"applications.{row}.{col}", set()).update(tpls)
    review = next(v for k, v in sections.items() if k.startswith("Section 四"))
    kinds = _ticked(review.split("Kinds:")[1].split("Outcomes:")[0])
    outcomes = _ticked(review.split("Outcomes:")[1])
    for kind in kinds:
        for outcome in outcomes:
            out[f"review_litigation.{kind}.{outcome}"] = {"2019", "2021"}
    prose_section = next(v for k, v in sections.items() if k.startswith("Prose figures"))
    for key in _table_keys(prose_section):
        out[key] = {"2019", "2021"}
    return out


def test_every_catalogue_key_is_documented_in_figures_md_and_nothing_else_is():
    documented = documented_keys()
    served = catalogue()
    assert sorted(set(served) - set(documented)) == []  # keys the service reads but the doc does not name
    assert sorted(set(documented) - set(served)) == []  # keys the doc names but the service does not read
    for key, info in served.items():
        assert set(info.templates) == documented[key], key


def test_every_key_has_a_label_a_unit_and_its_section_from_the_templates():
    served = catalogue()
    for key, info in served.items():
        assert info.label and info.unit and info.section == key.split(".", 1)[0], info
        assert re.search(r"[\u4e00-\u9fff]", info.label), info  # a Chinese label
    # the labels are the template tables' own words
    assert served["active.rules.new_made"].label == "规章 / " + templates.TEMPLATES["2019"].active_headers["new_made"]
    assert served["applications.denied.state_secret.natural_person"].label == "不予公开 / 属于国家秘密 / 自然人"
    assert served["review_litigation.reconsideration.upheld"].label == "行政复议 / 结果维持"
    assert set(prose.LABELS) == {p.key for p in prose.PATTERNS}


def test_catalogue_over_http(client):
    r = client.get("/catalogue")
    assert r.status_code == 200 and "Accept" in r.headers["vary"]
    data = r.json()["data"]
    assert [e["key"] for e in data] == list(catalogue())
    permit = next(e for e in data if e["key"] == "active.permit.decisions")
    assert permit == {"key": "active.permit.decisions", "label": "行政许可 / 处理决定数量", "unit": "件",
                      "section": "active", "templates": ["2019", "2021"]}
    only_2021 = client.get("/catalogue", params={"template": "2021", "section": "active"}).json()["data"]
    assert {e["key"] for e in only_2021} == {k for k, i in catalogue().items()
                                             if "2021" in i.templates and i.section == "active"}
    assert "active.rules.in_force" in {e["key"] for e in only_2021}
    assert "active.rules.new_made" not in {e["key"] for e in only_2021}
    assert_problem(client.get("/catalogue", params={"template": "2020"}), 422, "validation_error")
    # a 304 for the ETag it gave
    assert client.get("/catalogue", headers={"If-None-Match": r.headers["etag"]}).status_code == 304


def test_catalogue_as_csv_and_ndjson(client):
    r = client.get("/catalogue", params={"format": "csv"})
    assert r.headers["content-type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert len(rows) == len(catalogue())
    assert rows[0] == {"key": "active.rules.new_made", "label": "规章 / 本年新制作数量", "unit": "件",
                       "section": "active", "templates": "2019"}
    r = client.get("/catalogue", headers={"Accept": "application/x-ndjson"})
    lines = [json.loads(line) for line in r.text.splitlines()]
    assert lines == client.get("/catalogue").json()["data"]


def test_the_catalogue_names_every_key_a_report_has(client):
    r = client.post("/reports", content=(CORPUS / SEED).read_bytes(), headers={"Content-Type": "text/plain", **AUTH})
    figures = client.get(f"/reports/{r.json()['id']}/figures").json()["figures"]
    served = {e["key"]: e for e in client.get("/catalogue").json()["data"]}
    for f in figures:
        assert f["key"] in served and served[f["key"]]["unit"] == f["unit"] and served[f["key"]]["section"] == f["section"]


def test_home_links_to_everything(client):
    r = client.get("/")
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    body = r.json()
    assert body["name"] == "disclosure-stats"
    links = body["links"]
    assert {"reports", "changes", "figures", "stats", "regions", "catalogue", "docs", "redoc", "openapi"} <= set(links)
    for name in ("reports", "changes", "regions", "catalogue", "indicators", "docs", "redoc", "openapi", "health", "ready", "self"):
        assert client.get(links[name]).status_code == 200, name
    assert_problem(client.get(links["figures"]), 422, "validation_error")  # needs key=: the catalogue's


def test_home_links_carry_the_root_path(settings):
    from fastapi.testclient import TestClient

    from app.main import create_app

    with TestClient(create_app(settings), root_path="/api") as c:
        links = c.get("/").json()["links"]
    assert links["reports"] == "/api/reports" and links["docs"] == "/api/docs"
    assert links["openapi"] == "/api/openapi.json"
