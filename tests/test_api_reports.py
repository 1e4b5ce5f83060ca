"""POST /reports and reading reports back, over the app with a real database."""

from __future__ import annotations

import csv
import io
import json

import pytest

from app.parsing import PARSER_VERSION, parse_document
from app.services.present import figure_json, finding_json
from conftest import AUTH, CORPUS, META, SEED, SEED_VARIANTS, content_type_for, expected_for, figure_map


@pytest.mark.parametrize("name", SEED_VARIANTS)
def test_every_seed_layout_round_trips_over_http(client, name):
    exp = expected_for(name)
    r = client.post("/reports", content=(CORPUS / name).read_bytes(),
                    headers={"Content-Type": content_type_for(name), **AUTH})
    assert r.status_code == 201, r.text
    report = r.json()
    assert r.headers["location"] == f"/reports/{report['id']}"
    assert {k: report[k] for k in META} == {k: exp[k] for k in META}
    assert report["figure_count"] == len(exp["figures"])

    figures = client.get(f"/reports/{report['id']}/figures").json()
    assert figures["report_id"] == report["id"]
    assert figure_map(figures["figures"]) == exp["figures"]


def test_posted_report_shape(client, seed):
    assert seed["status"] in ("parsed", "partial")
    assert seed["parser_version"] == PARSER_VERSION
    assert seed["finding_count"] >= 0
    assert seed["created_at"].endswith("Z")
    own = f"/reports/{seed['id']}"
    assert seed["links"] == {
        "self": own, "figures": f"{own}/figures", "findings": f"{own}/findings", "text": f"{own}/text",
        "document": f"{own}/document", "active": f"{own}/active", "permits": f"{own}/permits", "fees": f"{own}/fees",
        "procurement": f"{own}/procurement", "applications": f"{own}/applications",
        "review_litigation": f"{own}/review-litigation", "media_accounts": f"{own}/media-accounts",
        "publishing": f"{own}/publishing", "indicators": f"{own}/indicators", "checks": f"{own}/checks",
        "documents": f"{own}/documents", "body": f"/bodies/{seed['body_id']}",
    }
    for link in seed["links"].values():
        assert client.get(link).status_code == 200, link
    assert seed["submission"] == "new" and seed["document_count"] == 1
    read = client.get(own).json()
    assert read == {k: v for k, v in seed.items() if k not in ("submission", "document_id")}


def test_same_bytes_again_answer_200_with_the_same_report(client, seed):
    data = (CORPUS / SEED).read_bytes()
    again = client.post("/reports", content=data, headers={"Content-Type": "text/plain; charset=utf-8", **AUTH})
    assert again.status_code == 200
    assert again.json()["id"] == seed["id"]
    assert again.headers["location"] == f"/reports/{seed['id']}"
    # the JSON form carries the same text: the same document, not a new one
    as_json = client.post("/reports", json={"text": data.decode("utf-8")}, headers=AUTH)
    assert as_json.status_code == 200
    assert as_json.json()["id"] == seed["id"]
    assert len(client.get("/reports").json()["data"]) == 1


def test_json_submission_with_source_url(client):
    name = "ewenki-2020.simplified.txt"
    exp = expected_for(name)
    url = "http://www.ewenke.gov.cn/xxgk/2020-report.html"
    r = client.post("/reports", json={"text": (CORPUS / name).read_text(encoding="utf-8"), "source_url": url},
                    headers=AUTH)
    assert r.status_code == 201, r.text
    assert r.json()["source_url"] == url
    figures = client.get(f"/reports/{r.json()['id']}/figures").json()["figures"]
    assert figure_map(figures) == exp["figures"]


def test_json_submission_of_html_is_read_as_html(client):
    name = "ewenki-2020.page.html"
    exp = expected_for(name)
    page = (CORPUS / name).read_bytes().decode("gb18030")
    r = client.post("/reports", json={"text": page}, headers=AUTH)
    assert r.status_code == 201, r.text
    assert {k: r.json()[k] for k in META} == {k: exp[k] for k in META}
    figures = client.get(f"/reports/{r.json()['id']}/figures").json()["figures"]
    assert figure_map(figures) == exp["figures"]


def test_charset_from_the_content_type(client):
    name = "ewenki-2020.gb18030.txt"
    r = client.post("/reports", content=(CORPUS / name).read_bytes(),
                    headers={"Content-Type": "text/plain; charset=gb18030", **AUTH})
    assert r.status_code == 201, r.text
    figures = client.get(f"/reports/{r.json()['id']}/figures").json()["figures"]
    assert figure_map(figures) == expected_for(name)["figures"]


def test_figures_carry_their_source_line(client, seed):
    figures = client.get(f"/reports/{seed['id']}/figures").json()["figures"]
    lines = client.get(f"/reports/{seed['id']}/text").text.split("\n")
    permit = next(f for f in figures if f["key"] == "active.permit.decisions")
    assert permit == {**permit, "value": 41505, "section": "active"}
    assert isinstance(permit["value"], int)
    assert set(permit) == {"key", "value", "unit", "section", "note", "flags", "source"}
    src = permit["source"]
    assert set(src) == {"line", "start", "end", "text"}
    assert lines[src["line"] - 1] == src["text"]
    assert src["text"][src["start"]:src["end"]] == "41505"
    amount = next(f for f in figures if f["key"] == "active.procurement.amount_wan")
    assert amount["value"] == 32681.29 and amount["unit"] == "万元"


def test_figures_prefix_narrows(client, seed):
    every = client.get(f"/reports/{seed['id']}/figures").json()["figures"]
    active = client.get(f"/reports/{seed['id']}/figures", params={"prefix": "active."}).json()["figures"]
    assert active and all(f["key"].startswith("active.") for f in active)
    assert len(active) == sum(f["key"].startswith("active.") for f in every)
    # the prefix is literal: "_" is no wildcard
    assert client.get(f"/reports/{seed['id']}/figures", params={"prefix": "review_"}).json()["figures"]
    assert not client.get(f"/reports/{seed['id']}/figures", params={"prefix": "review%"}).json()["figures"]
    assert not client.get(f"/reports/{seed['id']}/figures", params={"prefix": "active_"}).json()["figures"]


def test_figures_and_findings_as_csv_and_ndjson(client, seed):
    rid = seed["id"]
    figures = client.get(f"/reports/{rid}/figures").json()["figures"]
    r = client.get(f"/reports/{rid}/figures", params={"format": "csv"})
    assert r.status_code == 200 and r.headers["content-type"] == "text/csv; charset=utf-8"
    assert f'filename="report-{rid}-figures.csv"' in r.headers["content-disposition"]
    assert r.content.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert len(rows) == len(figures)
    permit = next(row for row in rows if row["key"] == "active.permit.decisions")
    want = next(f for f in figures if f["key"] == "active.permit.decisions")
    assert permit["report_id"] == str(rid) and permit["value"] == "41505"
    assert permit["source.line"] == str(want["source"]["line"]) and permit["source.text"] == want["source"]["text"]
    # ETag/304 as for the JSON, and the JSON view is not served for the CSV query (or back)
    again = client.get(f"/reports/{rid}/figures", params={"format": "csv"},
                       headers={"If-None-Match": r.headers["etag"]})
    assert again.status_code == 304
    assert client.get(f"/reports/{rid}/figures").headers["content-type"] == "application/json"

    lines = client.get(f"/reports/{rid}/figures", params={"format": "ndjson", "prefix": "active."}).text.splitlines()
    parsed = [json.loads(line) for line in lines]
    assert parsed and all(p["key"].startswith("active.") and p["report_id"] == rid for p in parsed)
    assert {p["key"]: p["value"] for p in parsed} == {f["key"]: f["value"] for f in figures
                                                       if f["key"].startswith("active.")}

    findings = client.get(f"/reports/{rid}/findings").json()["findings"]
    r = client.get(f"/reports/{rid}/findings", params={"format": "csv"})
    assert r.status_code == 200
    assert r.content.decode("utf-8-sig").splitlines()[0] == "report_id,code,severity,message,keys,line"
    assert len(list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))) == len(findings)
    assert client.get(f"/reports/{rid}/findings", params={"format": "xml"}).status_code == 422


def test_findings_and_text(client, seed):
    findings = client.get(f"/reports/{seed['id']}/findings").json()
    assert findings["report_id"] == seed["id"]
    assert len(findings["findings"]) == seed["finding_count"]
    for f in findings["findings"]:
        assert set(f) == {"code", "severity", "message", "keys", "line"}

    original = client.get(f"/reports/{seed['id']}/text")
    assert original.headers["content-type"] == "text/plain; charset=utf-8"
    assert original.text == (CORPUS / SEED).read_text(encoding="utf-8")
    assert "鄂溫克" in original.text  # as sent: traditional script

    normalized = client.get(f"/reports/{seed['id']}/text", params={"form": "normalized"})
    assert normalized.status_code == 200
    assert "鄂温克" in normalized.text and "(xiàn)" not in normalized.text


def _post(client, name):
    r = client.post("/reports", content=(CORPUS / name).read_bytes(),
                    headers={"Content-Type": content_type_for(name), **AUTH})
    assert r.status_code == 201, r.text
    return r.json()


def test_list_filters(client):
    seed = _post(client, SEED)
    huaian = _post(client, "huaian-2024.txt")
    ids = lambda **params: [r["id"] for r in client.get("/reports", params=params).json()["data"]]  # noqa: E731
    assert ids() == [seed["id"], huaian["id"]]
    assert ids(year=2020) == [seed["id"]]
    assert ids(year=2024) == [huaian["id"]]
    assert ids(year=2019) == []
    assert ids(region="15") == [seed["id"]]
    assert ids(region="150724") == [seed["id"]]
    assert seed["id"] not in ids(region="32")
    assert ids(agency="鄂温克") == [seed["id"]]
    assert ids(agency="淮安") == [huaian["id"]]
    assert ids(agency="%") == []
    assert ids(template="2019") == [seed["id"]]
    assert ids(template="2021") == [huaian["id"]]
    assert ids(template="2019", year=2024) == []
    for report in (seed, huaian):
        assert report["id"] in ids(status=report["status"])
        others = {"parsed", "partial", "failed"} - {report["status"]}
        assert all(report["id"] not in ids(status=s) for s in others)


DISTINCT_BODIES = ("ewenki-2020.txt", "huaian-2024.txt", "pingtan-2024.txt", "shuyang-2025.txt")


def test_list_pagination(client):
    posted = [_post(client, name)["id"] for name in DISTINCT_BODIES]
    seen: list[int] = []
    url = "/reports?limit=3&year=2019-2030"
    pages = 0
    while url:
        r = client.get(url)
        assert r.status_code == 200
        page = r.json()
        seen += [d["id"] for d in page["data"]]
        url = page["next"]
        if url:
            assert r.headers["link"] == f'<{url}>; rel="next"'
            assert "year=2019-2030" in url and "limit=3" in url
        else:
            assert "link" not in r.headers
        pages += 1
    assert seen == posted
    assert pages == 2


def test_list_limit_bounds(client):
    for bad in ("0", "501", "x"):
        r = client.get("/reports", params={"limit": bad})
        assert r.status_code == 422
        assert r.json()["code"] == "validation_error"
    assert client.get("/reports", params={"limit": 500}).status_code == 200


def test_findings_round_trip(client):
    """A messy real report: its findings come back as the parser made them."""
    data = (CORPUS / "pingtan-2024.txt").read_bytes()
    parsed = parse_document(data, "text/plain")
    assert parsed.findings, "pingtan-2024 is expected to raise findings"
    r = client.post("/reports", content=data, headers={"Content-Type": "text/plain", **AUTH})
    assert r.status_code == 201, r.text
    report = r.json()
    assert report["status"] == parsed.status
    assert report["finding_count"] == len(parsed.findings)
    findings = client.get(f"/reports/{report['id']}/findings").json()["findings"]
    assert findings == [finding_json(f) for f in parsed.findings]
    assert any(f["keys"] for f in findings)
    figures = client.get(f"/reports/{report['id']}/figures").json()["figures"]
    assert figures == [figure_json(f) for f in parsed.figures]
