"""The schema is Alembic's: the migrations and the SQLModel models agree."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlmodel import SQLModel

import app.models  # noqa: F401
from app.db import alembic_config, make_engine, migrate, schema_object_filter


def _diff(url: str) -> list:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True,
                                                         "include_object": schema_object_filter(conn.dialect.name)})
            return compare_metadata(ctx, SQLModel.metadata)
    finally:
        engine.dispose()


def test_upgrade_head_matches_the_models(empty_database_url):
    migrate(empty_database_url)
    assert _diff(empty_database_url) == []


def test_downgrade_to_base_and_up_again(empty_database_url):
    migrate(empty_database_url)
    command.downgrade(alembic_config(empty_database_url), "base")
    engine = make_engine(empty_database_url)
    try:
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    finally:
        engine.dispose()
    migrate(empty_database_url)
    assert _diff(empty_database_url) == []


def test_migrate_creates_the_sqlite_folder(tmp_path):
    url = f"sqlite:///{tmp_path / 'new' / 'deeper' / 'x.db'}"
    migrate(url)
    assert (tmp_path / "new" / "deeper" / "x.db").is_file()
    migrate(url)  # idempotent


def _insert_at_0010(conn) -> None:
    """Reports as 0010 stored them: two of one body-year (the .txt and its GB18030 copy), one of
    another year, one failed parse with no body or year."""
    from datetime import datetime, timezone

    now = datetime(2026, 12, 1, tzinfo=timezone.utc)
    docs = [(1, "a" * 64), (2, "b" * 64), (3, "c" * 64), (4, "d" * 64)]
    for doc_id, digest in docs:
        conn.execute(text("INSERT INTO document (id, sha256, media_type, encoding, content, size, received_at) "
                          "VALUES (:i, :d, 'text/plain', 'utf-8', :c, 3, :t)"),
                     {"i": doc_id, "d": digest, "c": b"abc", "t": now})
    reports = [(1, 1, 2020, "鄂温克族自治旗人民政府", "150724", "parsed"),
               (2, 2, 2020, "鄂温克族自治旗人民政府", "150724", "parsed"),
               (3, 3, 2021, "鄂温克族自治旗人民政府", "150724", "parsed"),
               (4, 4, None, None, None, "failed")]
    for rid, doc_id, year, agency, region, status in reports:
        conn.execute(text(
            "INSERT INTO report (id, document_id, parser_version, status, template, year, agency, region_code, level, "
            "figure_count, finding_count, created_at, updated_at, change_seq) VALUES (:i, :d, 'p1', :s, '2019', :y, "
            ":a, :r, 'county', 1, 0, :t, :t, :i)"),
            {"i": rid, "d": doc_id, "s": status, "y": year, "a": agency, "r": region, "t": now})
        conn.execute(text("INSERT INTO report_text (report_id, original, normalized) VALUES (:i, :o, :o)"),
                     {"i": rid, "o": f"第一行\n申请 {rid * 10} 件"})
        if status != "failed":
            conn.execute(text(
                "INSERT INTO figure (report_id, key, value, unit, section, line, span_start, span_end, flags) "
                "VALUES (:i, 'applications.new.total', :v, '件', 'applications', 2, 3, 5, '')"),
                {"i": rid, "v": rid * 10})
    conn.execute(text("DELETE FROM change_counter"))
    conn.execute(text("INSERT INTO change_counter (id, value) VALUES (1, 4)"))


def test_0011_groups_existing_reports_by_body_and_year(empty_database_url):
    import json

    url = empty_database_url
    command.upgrade(alembic_config(url), "0010")
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            _insert_at_0010(conn)
        if engine.dialect.name == "postgresql":
            with engine.begin() as conn:  # ids given explicitly: the sequences move past them
                for table in ("document", "report", "figure"):
                    conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), 10)"))
        migrate(url)
        assert _diff(url) == []
        with engine.connect() as conn:
            bodies = conn.execute(text("SELECT id, name, region_code, level FROM body")).all()
            assert [(b.name, b.region_code, b.level) for b in bodies] == [("鄂温克族自治旗人民政府", "150724", "county")]
            reports = conn.execute(text("SELECT id, body_id, year, document_count, document_id, finding_count, "
                                        "change_seq FROM report ORDER BY id")).all()
            assert [(r.id, r.body_id, r.year, r.document_count) for r in reports] == [
                (1, bodies[0].id, 2020, 2), (3, bodies[0].id, 2021, 1), (4, None, None, 1)]
            assert reports[0].change_seq > 4  # changed: pollers read it again
            assert conn.execute(text("SELECT old_id, report_id FROM report_alias")).all() == [(2, 1)]
            parses = conn.execute(text("SELECT document_id, report_id, figures, text FROM document_parse "
                                       "ORDER BY document_id")).all()
            assert [(p.document_id, p.report_id) for p in parses] == [(1, 1), (2, 1), (3, 3), (4, 4)]
            assert parses[0].text is None and parses[1].text == "第一行\n申请 20 件"  # the main one's is report_text's
            assert [f[1] for f in json.loads(parses[1].figures)] == [20]
            # the kept report keeps its own figures, marked not reconciled; the merged one's are gone
            assert conn.execute(text("SELECT report_id, value, document_id FROM figure ORDER BY report_id")).all() == [
                (1, 10.0, 1), (3, 30.0, 3)]
            codes = conn.execute(text("SELECT code FROM finding WHERE report_id = 1")).scalars().all()
            assert codes == ["documents_not_reconciled"] and reports[0].finding_count == 1
            # the rollup counts the body-year once
            assert conn.execute(text("SELECT SUM(reports) FROM rollup_cell WHERE grain = 1 AND year = 2020")
                                ).scalar() == 1
    finally:
        engine.dispose()


def test_0014_deletion_on_reports_stored_before_it(empty_database_url):
    """Reports stored before 0014 (grouped by body and year by 0011, then at 0013) can lose a
    document: the report with two is reconciled from the one left, the one with one goes and
    leaves its removed_report row, with the change-sequence number after every one in use."""
    from app.services import removal

    url = empty_database_url
    command.upgrade(alembic_config(url), "0010")
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            _insert_at_0010(conn)
            # the divisions the region rolls up to, as every write since 0005 stores them
            from app.divisions import group_of

            conn.execute(text("UPDATE report SET province_code = :p, city_code = :c, county_code = :k "
                              "WHERE region_code = '150724'"),
                         {"p": group_of("150724", "province")[0], "c": group_of("150724", "city")[0],
                          "k": group_of("150724", "county")[0]})
        if engine.dialect.name == "postgresql":
            with engine.begin() as conn:
                for table in ("document", "report", "figure"):
                    conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), 10)"))
        command.upgrade(alembic_config(url), "0013")
        with engine.connect() as conn:
            top = conn.execute(text("SELECT MAX(change_seq) FROM report")).scalar()
            assert "removed_report" not in inspect(engine).get_table_names()
        migrate(url)
        assert _diff(url) == []
        with engine.connect() as conn:
            assert conn.execute(text("SELECT COUNT(*) FROM removed_report")).scalar() == 0
            assert conn.execute(text("SELECT COUNT(*) FROM report")).scalar() == 3
        copy = removal.delete_document(engine, 2, "tester")  # report 1's copy (merged by 0011)
        assert (copy.report_id, copy.report_removed, copy.documents_left) == (1, False, 1)
        alone = removal.delete_document(engine, 3, "tester")  # report 3's only document
        assert (alone.report_id, alone.report_removed) == (3, True)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT id FROM report ORDER BY id")).scalars().all() == [1, 4]
            report = conn.execute(text("SELECT document_count, change_seq FROM report WHERE id = 1")).one()
            assert report.document_count == 1 and report.change_seq > top
            assert conn.execute(text("SELECT value FROM figure WHERE report_id = 1")).scalars().all() == [10.0]
            gone = conn.execute(text("SELECT id, reason, year, region_code, change_seq FROM removed_report")).one()
            assert (gone.id, gone.reason, gone.year, gone.region_code) == (3, "deleted", 2021, "150724")
            assert gone.change_seq > top and gone.change_seq != report.change_seq
            assert conn.execute(text("SELECT id, report_id FROM removed_document ORDER BY id")).all() == [(2, 1), (3, 3)]
            assert conn.execute(text("SELECT COUNT(*) FROM document")).scalar() == 2
            # the body keeps its 2020 report; the rollup counts one report of it
            assert conn.execute(text("SELECT SUM(reports) FROM rollup_cell WHERE grain = 1")).scalar() == 2
        assert removal.delete_document(engine, 99, "tester") is None
        with pytest.raises(removal.Gone):
            removal.delete_document(engine, 3, "tester")
    finally:
        engine.dispose()


def _rollup_answers(engine) -> list:
    """/stats answers read from the rollup: keys and indicators, a few groupings and filters."""
    from sqlmodel import Session

    from app import indicators
    from app.services import filters as report_filters, stats

    ids = [i.id for i in indicators.INDICATORS if i.rollup]
    out = []
    with Session(engine) as session:
        for params, by in (({}, ["city"]), ({"year": "2020"}, ["province"]), ({"region": "15"}, ["year"])):
            filters = report_filters.ReportFilter.from_params(**params)
            out.append(stats.stats(session, ["active.permit.decisions", "applications.denied.total"], filters, by,
                                   rollup=True))
            out.append(stats.indicator_stats(session, ids, filters, by, rollup=True))
    return out


def test_0015_rollup_read_indexes_on_postgresql_only(empty_database_url):
    """Reports stored and folded into the rollup at 0014; upgraded: PostgreSQL has the covering
    indexes (their columns, the included ones), SQLite none, and /stats answers as before;
    downgraded again: gone, the answers the same."""
    from app.services import rollup
    from app.services.ingest import store_many
    from test_queries import _variants

    url = empty_database_url
    command.upgrade(alembic_config(url), "0014")
    engine = make_engine(url)
    try:
        store_many(engine, [(v["data"], v["parsed"]) for v in _variants()])
        with engine.begin() as conn:
            rollup.fold(conn)
        before = _rollup_answers(engine)
        assert any(rows for rows in before)

        def indexes() -> dict[str, str]:
            if engine.dialect.name != "postgresql":
                return {ix["name"]: "" for t in ("figure_rollup", "indicator_rollup")
                        for ix in inspect(engine).get_indexes(t)}
            with engine.connect() as conn:
                return dict(conn.execute(text("SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN "
                                              "('figure_rollup', 'indicator_rollup')")).all())

        assert "ix_figure_rollup_read" not in indexes()
        migrate(url)
        assert _diff(url) == []
        found = indexes()
        if engine.dialect.name == "postgresql":
            assert "(grain, key, cell_id) INCLUDE (figures, total, low, high)" in found["ix_figure_rollup_read"]
            assert ("(grain, indicator, cell_id) INCLUDE (template, year, level, region, province_code, city_code, "
                    "reports, numerator, denominator)") in found["ix_indicator_rollup_read"]
        else:
            assert "ix_figure_rollup_read" not in found and "ix_indicator_rollup_read" not in found
        engine.dispose()  # a fresh pool: no plan cached from before the indexes
        assert _rollup_answers(engine) == before
        command.downgrade(alembic_config(url), "0014")
        assert not {"ix_figure_rollup_read", "ix_indicator_rollup_read"} & set(indexes())
        assert _rollup_answers(engine) == before
    finally:
        engine.dispose()
