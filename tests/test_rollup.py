"""The /stats rollup (app/services/rollup.py): after every kind of write — ingest one by one,
bulk store, re-parse, delete, concurrent writers — /stats read from the rollup answers what
the live query over the figure table answers, for many keys, groupings and filters; and the
rollup tables hold exactly what computing them again from scratch gives."""

from __future__ import annotations

import math
import threading

import pytest
from alembic import command
from sqlalchemy import delete, select
from sqlmodel import Session

from app.db import alembic_config, make_engine
from app.models import Document, FigureRollup, IndicatorRollup, Report, RollupCell, RollupPending
from app.parsing import parse_document
from app import catalogue
from app.services import rollup
from app.services.filters import ReportFilter
from app.services.ingest import store, store_many
from app.services.reparse import reparse
from app.services.stats import rollup_grain, stats
from conftest import CORPUS, other_body
from test_queries import _variants

KEYS = [
    ["active.permit.decisions"],
    ["active.normative_docs.total"],  # 2019 template only
    ["active.normative_docs.repealed"],  # 2021, not every report has it
    ["active.fees.amount_wan"],  # amounts in 万元, fractional
    ["active.permit.decisions", "active.normative_docs.in_force", "applications.denied.total"],
]
BYS = [[], ["city"], ["province"], ["year"], ["template"], ["level"], ["province", "year"], ["city", "level"],
       ["year", "city", "template"]]
FILTERS = [
    {}, {"year": "2020"}, {"year": "2019-2021,2024"}, {"region": "15"}, {"region": "1507"}, {"region": "150700"},
    {"region": "32,110000"}, {"region": "1507,1508,11"}, {"template": "2021"}, {"template": "2019"},
    {"level": "department"}, {"level": "county", "year": "2021-2023", "region": "15"}, {"region": "65"},  # none there
]
# what the rollup cannot answer: the live query's
LIVE_ONLY = [({"agency": "交通运输局"}, ["city"]), ({"status": "parsed"}, []), ({"on_time": True}, ["year"]),
             ({"on_time": False}, ["province"]), ({"region": "150724"}, ["year"]), ({"region": "150700,150724"}, []),
             ({}, ["county"]), ({"year": "2020"}, ["county", "year"])]


def _answers(engine, keys, params, by, use_rollup):
    filters = ReportFilter.from_params(**params)
    with Session(engine) as session:
        return stats(session, keys, filters, by, rollup=use_rollup)


def _same(live: list[dict], rolled: list[dict], where: str) -> None:
    assert len(rolled) == len(live), where
    for a, b in zip(live, rolled, strict=True):
        for field in a:
            if field in ("sum", "mean") and a[field] is not None and b[field] is not None:
                # the same figures summed in another grouping: equal to the last bits of a double
                assert b[field] == pytest.approx(a[field], rel=1e-12, abs=1e-9), (where, field, a, b)
            else:
                assert b[field] == a[field], (where, field, a, b)


def assert_rollup_answers_like_live(engine, *, every=False) -> int:
    """Every key set × grouping × filter (or a spread of them): the rollup's answer equals the
    live query's. Returns how many combinations used the rollup."""
    used = 0
    combos = [(k, b, f) for k in KEYS for b in BYS for f in FILTERS]
    if not every:
        combos = combos[::7]
    for keys, by, params in combos:
        where = f"keys={keys} by={by} filters={params}"
        assert rollup_grain(ReportFilter.from_params(**params), by) == rollup.CITY, where
        used += 1
        live = _answers(engine, keys, params, by, False)
        rolled = _answers(engine, keys, params, by, True)
        _same(live, rolled, where)
        assert _answers(engine, keys, params, by, None) == rolled  # what /stats uses
    return used


def _table(engine, fold: bool = True) -> dict:
    """The rollup tables as {(cell, key): (count, sum, min, max)}, the pseudo-key '' for the
    cell's reports; the pending reports folded in first (`fold`), else listed as ("pending", id)."""
    with Session(engine) as session:
        if fold:
            rollup.fold(session)
            session.commit()
        conn = session.connection()
        pending = {("pending", i): (1,) for i in conn.execute(select(RollupPending.report_id)).scalars()}
        assert not fold or not pending
        out = {(c, ""): (n, None, None, None) for c, n in conn.execute(select(RollupCell.cell, RollupCell.reports))}
        rows = conn.execute(select(RollupCell.cell, FigureRollup.key, FigureRollup.figures, FigureRollup.total,
                                   FigureRollup.low, FigureRollup.high)
                            .join(RollupCell, RollupCell.id == FigureRollup.cell_id))
        for cell, key, *agg in rows:
            out[(cell, key)] = tuple(agg)
        # the indicators' rows (indicator_rollup): reports, Σ numerator, Σ denominator, and the
        # cell's attributes copied, which must be the cell's own
        cells = {c.id: c for c in session.scalars(select(RollupCell))}
        for r in session.scalars(select(IndicatorRollup)):
            cell = cells[r.cell_id]
            assert all(getattr(r, a) == getattr(cell, a) for a in rollup.ATTRS) and r.grain == cell.grain
            out[(cell.cell, f"indicator:{r.indicator}")] = (r.reports, r.numerator, r.denominator, None)
    assert all(v[0] > 0 for v in out.values())  # no empty cell nor key left behind
    return {**out, **pending}


def assert_rollup_is_exact(engine) -> None:
    """What the writes left equals a rebuild from the figure table (sums to the last bits)."""
    kept = _table(engine)
    with Session(engine) as session:
        rollup.rebuild(session)
        session.commit()
    again = _table(engine)
    assert kept.keys() == again.keys()
    for k, (n, total, low, high) in again.items():
        n0, total0, low0, high0 = kept[k]
        assert (n0, low0, high0) == (n, low, high), k
        assert total0 == (None if total is None else pytest.approx(total, rel=1e-12, abs=1e-9)), k


@pytest.fixture(scope="module")
def variants():
    return _variants()


@pytest.fixture(params=[1, 50])
def fold_at(request, monkeypatch):
    """Fold the pending reports into the rollup at every write, or every 50 reports (so that
    answers mix folded and pending ones)."""
    monkeypatch.setattr(rollup, "FOLD_AT", request.param)
    return request.param


@pytest.fixture
def loaded(database_url, variants, fold_at):
    """N generated reports: a third stored one by one, the rest in bulk batches of 20."""
    engine = make_engine(database_url)
    ids = []
    split = len(variants) // 3
    for v in variants[:split]:
        ids.append(store(engine, v["data"], v["parsed"]).report.id)
    rest = variants[split:]
    for i in range(0, len(rest), 20):
        ids += [r.report.id for r in store_many(engine, [(v["data"], v["parsed"]) for v in rest[i:i + 20]])]
    try:
        yield engine, ids
    finally:
        engine.dispose()


def test_rollup_answers_equal_live_after_ingest_and_bulk(loaded):
    engine, ids = loaded
    assert assert_rollup_answers_like_live(engine, every=True) == len(KEYS) * len(BYS) * len(FILTERS)
    assert_rollup_is_exact(engine)
    # and the figures are there: not two empty answers agreeing
    (row,) = _answers(engine, ["active.permit.decisions"], {}, [], True)
    assert row["count"] == row["reports_in_scope"] == len(ids)


def test_stored_again_counts_once(loaded, variants):
    engine, ids = loaded
    before = _table(engine, fold=False)
    assert not store(engine, variants[0]["data"], variants[0]["parsed"]).created
    assert not any(r.created for r in store_many(engine, [(v["data"], v["parsed"]) for v in variants[:5]]))
    assert _table(engine, fold=False) == before


def test_rollup_follows_reparse_and_delete(loaded):
    engine, ids = loaded
    # re-parse: the stored bytes parsed again give the corpus report's own year, region and
    # figures, so reports move to other cells and their old cells lose them
    # (those whose corpus report another reparsed one became first join it: one body, one year)
    for report_id in ids[::9]:
        assert reparse(engine, report_id) is not None
    assert_rollup_answers_like_live(engine)
    assert_rollup_is_exact(engine)
    with Session(engine) as session:
        ids = list(session.exec(select(Report.id).order_by(Report.id)).scalars())
    # delete (no endpoint does yet: the documents, their reports cascading)
    gone = ids[1::4]
    with Session(engine) as session:
        before = rollup.cells_of(session, gone)
        conn = session.connection()
        docs = list(conn.execute(select(Report.document_id).where(Report.id.in_(gone))).scalars())
        conn.execute(delete(Document).where(Document.id.in_(docs)))
        rollup.refresh(session, before, gone)
        session.commit()
    (row,) = _answers(engine, ["active.permit.decisions"], {}, [], True)
    assert row["reports_in_scope"] == len(ids) - len(gone)
    assert_rollup_answers_like_live(engine, every=True)
    assert_rollup_is_exact(engine)


@pytest.mark.parametrize("folded", [True, False])
def test_reparse_of_a_failed_report_keeps_the_cell(database_url, monkeypatch, folded):
    """A report without figures still counts in scope, and re-parsing it keeps it counted once,
    folded into the rollup or pending."""
    monkeypatch.setattr(rollup, "FOLD_AT", 1 if folded else 1000)
    engine = make_engine(database_url)
    try:
        data = "这不是一份年度报告。".encode()
        report = store(engine, data, parse_document(data, "text/plain")).report
        assert reparse(engine, report.id) is not None
        assert _table(engine, fold=False) == ({("pending", report.id): (1,)} if not folded else _table(engine))
        cells = _table(engine)
        assert [v[0] for v in cells.values()] == [1]  # the report counted once, no figures
        assert_rollup_is_exact(engine)
    finally:
        engine.dispose()


def test_which_queries_read_the_rollup():
    f = ReportFilter.from_params
    assert rollup_grain(f(), ["city"]) == rollup.CITY
    assert rollup_grain(f(region="1507,32", year="2020", level="county", template="2021"),
                              ["province", "level"]) == rollup.CITY
    for params, by in LIVE_ONLY:
        assert rollup_grain(f(**params), by) is None, (params, by)


def test_the_rest_answers_from_the_live_query(loaded):
    engine, _ = loaded
    for params, by in LIVE_ONLY:
        rows = _answers(engine, ["active.permit.decisions"], params, by, None)
        assert rows == _answers(engine, ["active.permit.decisions"], params, by, False)
        assert all(0 <= r["count"] <= r["reports_in_scope"] for r in rows)
        with pytest.raises(ValueError):
            _answers(engine, ["active.permit.decisions"], params, by, True)
    assert _answers(engine, ["active.permit.decisions"], {"agency": "交通运输局"}, [], None)[0]["count"] > 0


def test_migration_fills_the_rollup_from_stored_reports(loaded, database_url):
    engine, ids = loaded
    expected = _table(engine)
    engine.dispose()
    command.downgrade(alembic_config(database_url), "0005")
    command.upgrade(alembic_config(database_url), "head")
    filled = _table(engine)
    assert filled.keys() == expected.keys()
    assert all(filled[k][:1] + filled[k][2:] == v[:1] + v[2:] for k, v in expected.items())
    # later writes land in the same cells (the keys agree), not in duplicates
    data = (CORPUS / "huaian-2024.txt").read_bytes() + b"\none more\n"
    store(engine, data, parse_document(data, "text/plain"))
    assert_rollup_answers_like_live(engine)
    assert_rollup_is_exact(engine)


def test_concurrent_writers_into_one_cell_lose_nothing(database_url, monkeypatch):
    """Threads storing reports of the same cells at once, one of them re-parsing reports of
    those cells meanwhile (a refresh racing the additions and folds): every report counted once."""
    monkeypatch.setattr(rollup, "FOLD_AT", 3)
    engine = make_engine(database_url)
    base = (CORPUS / "huaian-2024.txt").read_bytes()
    parsed = parse_document(base, "text/plain")
    try:
        # each report its own body (one report per body and year); re-parsed, the four first ones read as
        # the Huai'an report they are and become one report of four documents
        first = [store(engine, base + f"\nseed {i}\n".encode(), other_body(parsed, i)).report.id for i in range(4)]
        errors: list[BaseException] = []
        start = threading.Barrier(5)

        def writer(n: int) -> None:
            try:
                start.wait()
                for i in range(6):
                    data = base + f"\nwriter {n} report {i}\n".encode()
                    k = 1000 + 100 * n + 2 * i
                    if i % 2:
                        store(engine, data, other_body(parsed, k))
                    else:
                        store_many(engine, [(data, other_body(parsed, k)), (data + b" twin", other_body(parsed, k + 1))])
            except BaseException as exc:  # noqa: BLE001
                errors.append(exc)

        def reparser() -> None:
            try:
                start.wait()
                for report_id in first * 2:
                    reparse(engine, report_id)
            except BaseException as exc:  # noqa: BLE001
                errors.append(exc)

        threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)] + [threading.Thread(target=reparser)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors, errors
        total = 1 + 4 * 9
        (row,) = _answers(engine, ["active.permit.decisions"], {}, [], True)
        assert row["reports_in_scope"] == row["count"] == total
        assert len([k for k in _table(engine, fold=False) if k[0] == "pending"]) < total  # some folded
        value = next(f.value for f in parsed.figures if f.key == "active.permit.decisions")
        assert row["sum"] == pytest.approx(value * total)
        assert_rollup_is_exact(engine)
    finally:
        engine.dispose()


def test_every_catalogue_key_over_everything(loaded):
    """All keys at once, by city: the benchmark's question for every key."""
    engine, _ = loaded
    keys = sorted(catalogue.catalogue())
    live = _answers(engine, keys, {}, ["city"], False)
    rolled = _answers(engine, keys, {}, ["city"], True)
    _same(live, rolled, "all keys by city")
    assert any(r["count"] for r in rolled) and not any(math.isnan(r["sum"] or 0) for r in rolled)
