"""Where a /stats request's time goes, on a loaded database (e.g. one kept by
scale_bench --keep-pg): the service function (app.services.stats.stats / indicator_stats)
called directly with a real session, its statements captured as they run and each one
EXPLAIN (ANALYZE, BUFFERS)-ed on PostgreSQL (EXPLAIN QUERY PLAN on SQLite); then the
function's p50 over rounds, the share of it spent inside the statements (the driver's
execute) and the rest (Python: rows shaped, groups named, sorted), and optionally a
cProfile of the rounds. Prints figures, asserts nothing.

    .venv/bin/python bench/stats_plans.py DATABASE_URL [--indicator disclosure_rate | --key K]
                                          [--by city] [--year 2020] [--region 11] [--rounds 30]
                                          [--profile] [--no-plans]
    .venv/bin/python bench/stats_plans.py DATABASE_URL --path '/stats?indicator=disclosure_rate&by=city'
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import time

from sqlalchemy import event, text

import harness  # noqa: F401 - puts the repository on sys.path

from app.db import make_engine  # noqa: E402
from app.services import filters as report_filters, stats  # noqa: E402
from sqlmodel import Session  # noqa: E402


class Recorder:
    """The statements an engine runs (text and parameters) and the time spent in them."""

    def __init__(self, engine) -> None:
        self.statements: list[tuple[str, object]] = []
        self.in_sql = 0.0
        self._t0 = 0.0
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn, cursor, statement, parameters, context, executemany) -> None:
        self.statements.append((statement, parameters))
        self._t0 = time.perf_counter()

    def _after(self, conn, cursor, statement, parameters, context, executemany) -> None:
        self.in_sql += time.perf_counter() - self._t0

    def reset(self) -> None:
        self.statements.clear()
        self.in_sql = 0.0


def call(engine, args) -> list:
    filters = report_filters.ReportFilter.from_params(year=args.year, region=args.region)
    by = args.by.split(",") if args.by else []
    with Session(engine) as session:
        if args.indicator:
            return stats.indicator_stats(session, args.indicator.split(","), filters, by)
        return stats.stats(session, args.key.split(","), filters, by)


def explain(engine, statements: list[tuple[str, object]]) -> None:
    pg = engine.dialect.name == "postgresql"
    prefix = "EXPLAIN (ANALYZE, BUFFERS) " if pg else "EXPLAIN QUERY PLAN "
    with engine.connect() as conn:
        for i, (sql, params) in enumerate(statements):
            print(f"\n--- statement {i + 1}\n{sql}\n-- params: {params}")
            raw = conn.connection.dbapi_connection.cursor()
            raw.execute(prefix + sql, params)
            for row in raw.fetchall():
                print("   ", " | ".join(str(c) for c in row))
            raw.close()


def through_app(url: str, path: str, rounds: int) -> None:
    """GET `path` from the app in-process (its lifespan run, the answer and view stores off):
    the statements one request issues, the request's p50 and the time inside them."""
    from fastapi.testclient import TestClient

    from app.config import Settings
    from app.main import create_app

    settings = Settings(database_url=url, disclosure_view_cache_mb=0, disclosure_parse_processes=0)
    with TestClient(create_app(settings)) as client:
        assert client.get(path).status_code == 200  # warm
        rec = Recorder(client.app.state.db.engine)
        client.get(path)
        print(f"GET {path}: {len(rec.statements)} statements")
        for sql, _params in rec.statements:
            print("   ", " ".join(sql.split())[:150])
        took, sql = [], []
        for _ in range(rounds):
            rec.reset()
            t = time.perf_counter()
            client.get(path)
            took.append((time.perf_counter() - t) * 1000)
            sql.append(rec.in_sql * 1000)
        p50, sql50 = statistics.median(took), statistics.median(sql)
        print(f"request p50 {p50:.1f} ms in-process over {rounds} rounds: in the driver's execute {sql50:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--indicator")
    parser.add_argument("--key")
    parser.add_argument("--by", default="city")
    parser.add_argument("--year")
    parser.add_argument("--region")
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--profile", action="store_true", help="cProfile the rounds, top 25 by cumulative time")
    parser.add_argument("--no-plans", action="store_true")
    parser.add_argument("--path", help="instead: GET this path from the app in-process (e.g. '/stats?indicator="
                        "disclosure_rate&by=city'): its statements and p50")
    args = parser.parse_args()
    if args.path:
        through_app(args.url, args.path, args.rounds)
        return
    if not args.indicator and not args.key:
        args.indicator = "disclosure_rate"
    engine = make_engine(args.url)
    rec = Recorder(engine)
    rows = call(engine, args)  # warm: first connection, imports, catalogue
    rec.reset()
    rows = call(engine, args)
    statements = list(rec.statements)
    print(f"{len(rows)} rows, {len(statements)} statements")
    if not args.no_plans:
        explain(engine, statements)
    took, sql = [], []
    prof = cProfile.Profile() if args.profile else None
    for _ in range(args.rounds):
        rec.reset()
        t = time.perf_counter()
        if prof:
            prof.enable()
        call(engine, args)
        if prof:
            prof.disable()
        took.append((time.perf_counter() - t) * 1000)
        sql.append(rec.in_sql * 1000)
    p50, sql50 = statistics.median(took), statistics.median(sql)
    print(f"\nservice function p50 {p50:.1f} ms over {args.rounds} rounds: in the driver's execute {sql50:.1f} ms, "
          f"the rest (fetching rows, Python) {p50 - sql50:.1f} ms")
    if prof:
        pstats.Stats(prof).sort_stats("cumulative").print_stats(25)
    engine.dispose()


if __name__ == "__main__":
    main()
