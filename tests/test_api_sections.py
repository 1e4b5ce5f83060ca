"""Per-section views: typed objects over the seed's figures."""

from __future__ import annotations

from conftest import AUTH, CORPUS, SEED, expected_for


def view(client, seed, name):
    r = client.get(f"/reports/{seed['id']}/{name}")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["report_id"] == seed["id"]
    assert body["template"] == "2019"
    return body


def test_permits(client, seed):
    body = view(client, seed, "permits")
    assert body["permit"] == {"prev_items": 194, "change": 2, "decisions": 41505}
    assert body["other_services"] == {"prev_items": 761, "change": -30, "decisions": 791}
    assert body["penalty"] == {"prev_items": 5238, "change": -24, "decisions": 743}
    assert body["enforcement"] == {"prev_items": 206, "change": -21, "decisions": 1}


def test_fees_and_procurement(client, seed):
    fees = view(client, seed, "fees")
    assert fees == {"report_id": seed["id"], "template": "2019", "prev_items": 59, "change": -37, "amount_wan": None}
    procurement = view(client, seed, "procurement")
    assert procurement == {"report_id": seed["id"], "template": "2019", "items": 724, "amount_wan": 32681.29}


def test_active(client, seed):
    body = view(client, seed, "active")
    assert body["rules"] == {"new_made": 0, "new_published": 0, "total": 0,
                             "issued": None, "repealed": None, "in_force": None}
    assert body["normative_docs"]["total"] == 21
    assert body["permit"]["decisions"] == 41505
    assert body["fees"]["change"] == -37
    assert body["procurement"]["amount_wan"] == 32681.29


def test_media_accounts_and_publishing(client, seed):
    media = view(client, seed, "media-accounts")
    assert media == {"report_id": seed["id"], "template": "2019", "total": 60, "wechat": 51, "weibo": 3, "other": 6}
    publishing = view(client, seed, "publishing")
    assert publishing == {
        "report_id": seed["id"], "template": "2019", "website_posts": 8516, "weibo_posts": 3865,
        "wechat_posts": 1883, "gazette_items": 89, "policy_interpretations": 33, "press_conferences": 5,
        "online_interviews": 6, "consultations": 7, "letters_answered": 62,
    }


def test_review_litigation(client, seed):
    body = view(client, seed, "review-litigation")
    zero = {"upheld": 0, "corrected": 0, "other": 0, "pending": 0, "total": 0}
    assert body["reconsideration"] == body["litigation_direct"] == body["litigation_after_reconsideration"] == zero


def test_applications_matrix_holds_every_section_three_figure(client, seed):
    body = view(client, seed, "applications")
    columns = [c["key"] for c in body["columns"]]
    assert columns == ["natural_person", "commercial", "research", "social_welfare", "legal_service", "other_org", "total"]
    rows = {row["key"]: row for row in body["rows"]}
    assert rows["new_received"]["values"]["natural_person"] == 12
    assert rows["new_received"]["values"]["total"] == 12
    assert rows["unable"]["group"] == "unable" and rows["unable"]["values"]["total"] == 2
    assert rows["unable.needs_creation"]["values"]["natural_person"] == 2
    assert rows["other"]["group"] is None  # 2019: (六) is one row
    assert "other.no_fee" not in rows
    assert body["channels"] == {"online": 7, "in_person": 5}
    # every applications.* figure of the seed is in the matrix, and nothing else
    expected = {k: v for k, v in expected_for(SEED)["figures"].items() if k.startswith("applications.")}
    matrix = {f"applications.{row['key']}.{col}": value
              for row in body["rows"] for col, value in row["values"].items() if value is not None}
    assert matrix == expected


def test_applications_2021_groups_other(client):
    r = client.post("/reports", content=(CORPUS / "huaian-2024.txt").read_bytes(),
                    headers={"Content-Type": "text/plain", **AUTH})
    assert r.status_code == 201, r.text
    body = client.get(f"/reports/{r.json()['id']}/applications").json()
    assert body["template"] == "2021"
    keys = [row["key"] for row in body["rows"]]
    assert keys[keys.index("other"):keys.index("results_total")] == [
        "other", "other.no_correction", "other.no_fee", "other.other"]
    assert all(row["group"] == "other" for row in body["rows"] if row["key"].startswith("other"))


def test_views_are_null_where_the_report_lacks_the_figure(client):
    text = "2020年鄂温克族自治旗人民政府政府信息公开工作年度报告\n今年没有统计表。\n"
    r = client.post("/reports", content=text.encode("utf-8"), headers={"Content-Type": "text/plain", **AUTH})
    assert r.status_code == 201, r.text
    rid = r.json()["id"]
    fees = client.get(f"/reports/{rid}/fees").json()
    assert fees["prev_items"] is None and fees["change"] is None and fees["amount_wan"] is None
    permits = client.get(f"/reports/{rid}/permits").json()
    assert permits["permit"] == {"prev_items": None, "change": None, "decisions": None}
    apps = client.get(f"/reports/{rid}/applications").json()
    assert all(v is None for row in apps["rows"] for v in row["values"].values())


def test_views_of_an_unknown_report_are_404(client):
    for name in ("active", "permits", "fees", "procurement", "applications", "review-litigation",
                 "media-accounts", "publishing", "figures", "findings", "text"):
        r = client.get(f"/reports/999/{name}")
        assert r.status_code == 404, name
        assert r.json()["code"] == "not_found"
