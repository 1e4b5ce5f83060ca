"""Cross-year checks and quality signals (app/checks.py, GET /reports/{id}/checks): the pure
core on figures made here, then the unlabelled series of real reports (经济发展局 2019–2023
across both templates, 君山 2023–2025, 金井 2019–2020) on SQLite and PostgreSQL: every verdict
recomputed here from the two reports' own figures, a neighbour arriving after, corrected and
deleted."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update
from sqlmodel import Session

from app import checks
from app.db import make_engine
from app.models import FigureRow, Report
from conftest import AUTH, CORPUS, assert_problem

UNLABELLED = CORPUS / "unlabelled"
JINGFA = [f"pingtan-jingfa-{y}.txt" for y in range(2019, 2024)]


def _side(rid, year, template, **figs):
    return checks.Side(rid, year, template, {k.replace("__", "."): (float(v), ()) for k, v in figs.items()})


def _by(rows, direction):
    return {r["check"]: r for r in rows if r["direction"] == direction}


def test_verdicts_of_the_pure_core():
    prev = _side(1, 2022, "2021", applications__carried_forward__total=2, active__rules__in_force=4)
    this = _side(2, 2023, "2021", applications__carried_over__total=2, active__rules__in_force=5,
                 active__rules__issued=2, active__rules__repealed=1, active__normative_docs__in_force=3)
    rows = _by(checks.cross_year(this, prev, None), "previous")
    assert rows["carry_over"]["verdict"] == "holds" and rows["carry_over"]["other_report_id"] == 1
    assert (rows["in_force.rules"]["verdict"], rows["in_force.rules"]["left"], rows["in_force.rules"]["right"]) == \
           ("holds", 5, 5)
    assert rows["in_force.normative_docs"]["verdict"] == "unknown"
    assert "normative_docs.in_force(t−1)" in rows["in_force.normative_docs"]["reason"]
    assert set(rows) == {"carry_over", "in_force.rules", "in_force.normative_docs"}  # no 2019 checks
    nxt = _by(checks.cross_year(this, prev, None), "next")
    assert all(r["verdict"] == "unknown" and r["other_report_id"] is None for r in nxt.values())
    assert "2024" in nxt["carry_over"]["reason"]
    # a failing carry-over, and an inferred figure makes it unknown
    bad = _side(2, 2023, "2021", applications__carried_over__total=3)
    assert _by(checks.cross_year(bad, prev, None), "previous")["carry_over"]["verdict"] == "fails"
    guessed = checks.Side(2, 2023, "2021", {"applications.carried_over.total": (2.0, ("inferred",))})
    row = _by(checks.cross_year(guessed, prev, None), "previous")["carry_over"]
    assert row["verdict"] == "unknown" and "inferred" in row["reason"]
    # across the template change: the carry-over only
    old = _side(3, 2020, "2019", applications__carried_forward__total=2, active__permit__prev_items=4)
    first = _side(4, 2021, "2021", applications__carried_over__total=2)
    assert set(_by(checks.cross_year(first, old, None), "previous")) == {"carry_over"}
    assert set(_by(checks.cross_year(old, None, first), "next")) == {"carry_over"}
    # 2019: prev_items(t) = prev_items(t−1) + change(t−1)
    a = _side(5, 2019, "2019", active__permit__prev_items=10, active__permit__change=-3)
    b = _side(6, 2020, "2019", active__permit__prev_items=7)
    assert _by(checks.cross_year(b, a, None), "previous")["prev_items.permit"]["verdict"] == "holds"
    assert _by(checks.cross_year(a, None, b), "next")["prev_items.permit"]["verdict"] == "holds"


def test_signals_of_the_pure_core():
    text = "本机关认真贯彻落实政府信息公开条例，全年主动公开信息2023条。加强政策解读工作，提升公开质量和实效。"
    a = _side(1, 2022, "2021", active__permit__decisions=3, applications__new_received__total=40)
    b = _side(2, 2023, "2021", active__permit__decisions=3, applications__new_received__total=40)
    copied = checks.copied_from_previous(b, a, text.replace("2023", "2024"), text)
    assert copied["value"] is True and copied["figures_equal"] and copied["prose_share"] == 1
    assert checks.copied_from_previous(b, a, "完全不同的一段文字，讲述了另外一件事情的经过。", text)["value"] is False
    c = _side(2, 2023, "2021", active__permit__decisions=4, applications__new_received__total=400)
    assert checks.copied_from_previous(c, a, text, text)["value"] is False
    assert checks.copied_from_previous(b, None, text, None)["value"] is None
    (jump,) = checks.jumps(c, a)
    assert (jump["key"], jump["factor"], jump["previous_value"]) == ("applications.new_received.total", 10, 40)
    assert checks.jumps(checks.Side(2, 2023, "2021", {"applications.new_received.total": (400.0, ("repaired",))}), a) == []
    done = checks.completeness("2021", c.figures)
    assert done["present"] == 2 and done["cells"] == len(checks.table_cells("2021")) > 100
    assert done["sections_missing"] == ["review_litigation"]


def _post(client, name: str) -> int:
    r = client.post("/reports", content=(UNLABELLED / name).read_bytes(), headers={"Content-Type": "text/plain", **AUTH})
    assert r.status_code == 201, r.text
    return r.json()["id"]


def _figures(client, rid) -> dict:
    return {f["key"]: f for f in client.get(f"/reports/{rid}/figures").json()["figures"]}


def _recompute(client, row) -> str:
    """The verdict of a check row from the two reports' own figures, read here."""
    values = []
    for t in row["terms"]:
        f = _figures(client, t["report_id"]).get(t["key"])
        if f is None or "inferred" in f["flags"]:
            return "unknown"
        assert f["value"] == t["value"]
        values.append(f["value"])
    return "holds" if values[0] == sum(t["sign"] * v for t, v in zip(row["terms"][1:], values[1:])) else "fails"


def test_series_checks_with_a_neighbour_arriving_corrected_and_deleted(client, database_url):
    ids = {n: _post(client, n) for n in JINGFA if n != "pingtan-jingfa-2021.txt"}
    # 2022 without its 2021: the checks against the year before are unknown
    body = client.get(f"/reports/{ids['pingtan-jingfa-2022.txt']}/checks").json()
    assert body["previous_report_id"] is None and body["next_report_id"] == ids["pingtan-jingfa-2023.txt"]
    before = _by(body["checks"], "previous")
    assert set(before) == {"carry_over", "in_force.rules", "in_force.normative_docs"}
    assert all(r["verdict"] == "unknown" and "2021" in r["reason"] for r in before.values())
    # … and 2021 arrives
    ids["pingtan-jingfa-2021.txt"] = late = _post(client, "pingtan-jingfa-2021.txt")
    body = client.get(f"/reports/{ids['pingtan-jingfa-2022.txt']}/checks").json()
    assert body["previous_report_id"] == late
    after = _by(body["checks"], "previous")
    assert all(r["other_report_id"] == late for r in after.values())
    for row in body["checks"]:
        assert row["verdict"] == _recompute(client, row), row
    assert body["summary"]["holds"] + body["summary"]["fails"] + body["summary"]["unknown"] == len(body["checks"])
    # every report of the series: its checks recomputed, the template change honoured
    for name in JINGFA:
        body = client.get(f"/reports/{ids[name]}/checks").json()
        for row in body["checks"]:
            if row["other_report_id"] is not None:
                assert row["verdict"] == _recompute(client, row), (name, row)
        year = int(name[-8:-4])
        if year == 2020:  # 2019 template, its next report on the 2021 one: the carry-over only
            assert set(_by(body["checks"], "next")) == {"carry_over"}
        if year == 2021:
            assert set(_by(body["checks"], "previous")) == {"carry_over"}
        if year == 2019:
            assert "prev_items.permit" in _by(body["checks"], "next")
    # the 2021 report corrected (its figure changed in place, as a re-parse or correction writes it):
    # the 2022 report's check follows at once
    engine = make_engine(database_url)
    try:
        row = _by(client.get(f"/reports/{ids['pingtan-jingfa-2022.txt']}/checks").json()["checks"],
                  "previous")["carry_over"]
        old = row["terms"][1]["value"]
        with Session(engine) as session:
            session.connection().execute(update(FigureRow).where(
                FigureRow.report_id == late, FigureRow.key == "applications.carried_forward.total").values(value=old + 7))
            session.commit()
        row = _by(client.get(f"/reports/{ids['pingtan-jingfa-2022.txt']}/checks").json()["checks"],
                  "previous")["carry_over"]
        assert row["verdict"] == "fails" and row["right"] == old + 7
    finally:
        engine.dispose()
    # deleted (DELETE /documents/{id}: its only document, the report with it): unknown again, in
    # the checks served and in the verdicts stored on both neighbours (the /reports filters), and
    # the neighbours move in the change feed
    following = ids["pingtan-jingfa-2022.txt"]
    stored = client.get(f"/reports/{following}").json()
    cursor = client.get("/changes").json()["cursor"]
    (doc,) = client.get(f"/reports/{late}/documents").json()["documents"]
    r = client.delete(f"/documents/{doc['id']}", headers=AUTH)
    assert r.status_code == 200 and r.json()["report_removed"] is True, r.text
    body = client.get(f"/reports/{following}/checks").json()
    assert body["previous_report_id"] is None
    assert all(r["verdict"] == "unknown" for r in _by(body["checks"], "previous").values())
    now = client.get(f"/reports/{following}").json()
    assert (now["checks_failing"], now["checks_holding"], now["checks_unknown"]) == (
        body["summary"]["fails"], body["summary"]["holds"], body["summary"]["unknown"])
    assert now["checks_unknown"] > stored["checks_unknown"]
    feed = client.get("/changes", params={"since": cursor}).json()["data"]
    assert {(c["id"], c["change"]) for c in feed} >= {(late, "removed"), (following, "updated"),
                                                      (ids["pingtan-jingfa-2020.txt"], "updated")}
    csv = client.get(f"/reports/{ids['pingtan-jingfa-2022.txt']}/checks", params={"format": "csv"})
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert csv.text.lstrip("\ufeff").splitlines()[0].startswith("report_id,check,direction,other_report_id,verdict")
    assert len(csv.text.strip().splitlines()) == 1 + len(body["checks"])


def test_signals_on_real_reports(client):
    ids = {n: _post(client, n) for n in ("pingtan-junshan-2023.txt", "pingtan-junshan-2024.txt",
                                          "pingtan-junshan-2025.txt", "pingtan-jinjing-2019.txt")}
    body = client.get(f"/reports/{ids['pingtan-junshan-2024.txt']}/checks").json()
    s = body["signals"]
    figs = _figures(client, ids["pingtan-junshan-2024.txt"])
    cells = checks.table_cells("2021")
    assert s["completeness"]["present"] == sum(1 for k in cells if k in figs)
    assert s["completeness"]["share"] == pytest.approx(s["completeness"]["present"] / len(cells), abs=1e-6)
    report = client.get(f"/reports/{ids['pingtan-junshan-2024.txt']}").json()
    assert s["timeliness"]["on_time"] == report["on_time"]
    assert s["copied_from_previous"]["value"] is False  # a real next year: other figures
    assert s["copied_from_previous"]["other_report_id"] == ids["pingtan-junshan-2023.txt"]
    for j in s["jumps"]:
        assert max(j["value"], j["previous_value"]) >= checks.JUMP_FLOOR
    first = client.get(f"/reports/{ids['pingtan-jinjing-2019.txt']}/checks").json()
    assert first["signals"]["copied_from_previous"]["value"] is None and first["signals"]["jumps"] == []
    # a copy of 君山 2025 published as 2026: every figure and the prose equal, the years changed
    data = (UNLABELLED / "pingtan-junshan-2025.txt").read_text(encoding="utf-8").replace("2025", "2026")
    r = client.post("/reports", content=data.encode(), headers={"Content-Type": "text/plain", **AUTH})
    assert r.status_code == 201 and r.json()["year"] == 2026, r.text
    copied = client.get(f"/reports/{r.json()['id']}/checks").json()["signals"]["copied_from_previous"]
    assert copied == {**copied, "value": True, "figures_equal": True, "other_report_id": ids["pingtan-junshan-2025.txt"]}
    assert_problem(client.get("/reports/999999/checks"), 404, "not_found")


def _stored(client, rid) -> tuple:
    r = client.get(f"/reports/{rid}").json()
    return r["checks_failing"], r["checks_holding"], r["checks_unknown"], r["copied_from_previous"]


def _computed(client, rid) -> tuple:
    """What GET /reports/{id}/checks computes at read time, as the stored columns hold it."""
    body = client.get(f"/reports/{rid}/checks").json()
    s = body["summary"]
    return s["fails"], s["holds"], s["unknown"], body["signals"]["copied_from_previous"]["value"]


def _listed(client, **params) -> set[int]:
    r = client.get("/reports", params={"limit": 500, **params})
    assert r.status_code == 200, r.text
    return {x["id"] for x in r.json()["data"]}


def test_stored_verdicts_follow_a_neighbour_and_filter_reports(client):
    """The verdict counts and copied_from_previous are stored with each report and with its
    neighbours when one arrives (the neighbour moves in /changes); /reports, /stats and the CSV
    filter on them; every stored value equals what /reports/{id}/checks computes."""
    ids = {n: _post(client, n) for n in JINGFA if n != "pingtan-jingfa-2021.txt"}
    for rid in ids.values():
        assert _stored(client, rid) == _computed(client, rid)
    lonely = ids["pingtan-jingfa-2022.txt"]
    seq = client.get(f"/reports/{lonely}").json()["change_seq"]
    unknown_before = _stored(client, lonely)[2]
    cursor = client.get("/changes", params={"limit": 500}).json()["cursor"]
    ids["pingtan-jingfa-2021.txt"] = late = _post(client, "pingtan-jingfa-2021.txt")
    # 2022 and 2020 now have a neighbour more: their verdicts are stored again and they show as changed
    assert client.get(f"/reports/{lonely}").json()["change_seq"] > seq
    changed = {r["id"] for r in client.get("/changes", params={"since": cursor, "limit": 500}).json()["data"]}
    assert {late, lonely, ids["pingtan-jingfa-2020.txt"]} <= changed
    truth = {rid: _computed(client, rid) for rid in ids.values()}
    for rid in ids.values():
        assert _stored(client, rid) == truth[rid], rid
    assert truth[lonely][2] < unknown_before  # its checks against 2021 decided now
    failing = {rid for rid, t in truth.items() if t[0]}
    assert failing, "the series fails some carry-overs (bench/cross_year.py)"
    assert _listed(client, checks="fails") == failing
    assert _listed(client, checks="holds") == {rid for rid, t in truth.items() if t[1]}
    assert _listed(client, checks="fails", year="2022") == {rid for rid in failing if rid == lonely}
    assert _listed(client, copied="false") == {rid for rid, t in truth.items() if t[3] is False}
    assert _listed(client, copied="true") == set()
    stats = client.get("/stats", params={"checks": "fails", "key": "applications.new_received.total"})
    assert stats.status_code == 200, stats.text
    (row,) = stats.json()["stats"]
    assert row["reports_in_scope"] == len(failing)
    csv = client.get("/reports", params={"checks": "fails", "format": "csv"}).text.lstrip("\ufeff").splitlines()
    assert csv[0].endswith("checks_failing,checks_holding,checks_unknown,copied_from_previous")
    assert len(csv) == 1 + len(failing)
    assert_problem(client.get("/reports", params={"checks": "maybe"}), 422, "validation_error")
    # a copy of 2023 published as 2024: copied, and listed so
    data = (UNLABELLED / "pingtan-jingfa-2023.txt").read_text(encoding="utf-8").replace("2023", "2024")
    r = client.post("/reports", content=data.encode(), headers={"Content-Type": "text/plain", **AUTH})
    assert r.status_code == 201 and r.json()["year"] == 2024, r.text
    assert _listed(client, copied="true") == {r.json()["id"]}


def test_stored_verdicts_filled_after_a_migration_from_before(client, database_url):
    """Migration 0012 adds the columns empty; `disclosure migrate` (migrate_and_fill) computes
    them for the reports stored before, equal to what ingest stores. (Read from the database:
    the server would be stopped for a migration, and its view cache knows nothing of one.)"""
    from alembic import command
    from alembic.script import ScriptDirectory

    from app.cli import migrate_and_fill
    from app.db import alembic_config

    ids = [_post(client, n) for n in JINGFA]
    columns = (Report.id, Report.checks_failing, Report.checks_holding, Report.checks_unknown,
               Report.copied_from_previous)

    def stored() -> dict:
        engine = make_engine(database_url)
        try:
            with engine.connect() as conn:
                return {r[0]: tuple(r[1:]) for r in conn.execute(select(*columns).order_by(Report.id))}
        finally:
            engine.dispose()

    want = stored()
    assert set(want) == set(ids) and want == {rid: _stored(client, rid) for rid in ids}
    assert all(v[0] is not None for v in want.values())
    config = alembic_config(database_url)
    command.downgrade(config, ScriptDirectory.from_config(config).get_revision("0012").down_revision)
    command.upgrade(config, "head")
    assert stored() == {rid: (None, None, None, None) for rid in ids}
    assert migrate_and_fill(database_url) == len(ids)
    assert stored() == want
    assert migrate_and_fill(database_url) == 0
