"""Corrections: what apply_corrections adds to every store, and how long a PUT / DELETE of a
correction takes (the figure rows, the rollup's cells and the change sequence rewritten).

In-process, over a fresh SQLite file (and PostgreSQL with --postgres URL): N distinct
report texts (bench/harness.py variant_bodies) parsed once, then stored in batches of 32
with store_many (as the group-commit writer does); beside it, apply_corrections alone over
the same batches inside a rolled-back transaction. Then PUT and DELETE over the app (the
Starlette test client, no network), folded rollup, p50 / p99. Prints numbers, asserts nothing.

    .venv/bin/python bench/corrections_bench.py [--quick] [--reports 256] [--puts 200] [--postgres URL]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import warnings

from sqlalchemy import text
from sqlmodel import Session

import harness as h

warnings.filterwarnings("ignore", message=".*httpx2.*")

from fastapi.testclient import TestClient  # noqa: E402

from app.config import Settings  # noqa: E402
from app.db import make_engine, migrate  # noqa: E402
from app.main import create_app  # noqa: E402
from app.services import rollup  # noqa: E402
from app.services.convert import parse_upload  # noqa: E402
from app.services.corrections import apply_corrections  # noqa: E402
from app.services.ingest import store_many  # noqa: E402

KEY = "applications.new_received.total"
BATCH = 32


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] * 1000


def run(url: str, reports: int, puts: int) -> None:
    migrate(url)
    engine = make_engine(url)
    bodies = h.variant_bodies(reports)
    parsed = [(data, parse_upload(data, ctype)) for data, ctype in bodies]
    store_s, ids = 0.0, []
    for i in range(0, len(parsed), BATCH):
        t0 = time.perf_counter()
        results = store_many(engine, parsed[i:i + BATCH])
        store_s += time.perf_counter() - t0
        ids += [r.report.id for r in results]
    apply_s = 0.0
    with Session(engine) as s:
        for i in range(0, len(ids), BATCH):
            t0 = time.perf_counter()
            apply_corrections(s, ids[i:i + BATCH])
            apply_s += time.perf_counter() - t0
        s.rollback()
    print(f"  store_many: {reports} reports in batches of {BATCH}: {store_s:.2f} s "
          f"({reports / store_s:.0f} reports/s); apply_corrections on the same batches (none to apply): "
          f"{apply_s * 1000:.1f} ms = {100 * apply_s / store_s:.1f}% of the store")
    with Session(engine) as s:
        rollup.fold(s)
        s.commit()
    settings = Settings(database_url=url, disclosure_api_keys=f"bench={h.API_KEY}", disclosure_parse_processes=0)
    auth = {"Authorization": f"Bearer {h.API_KEY}"}
    with TestClient(create_app(settings)) as client:
        put_t, del_t = [], []
        for n in range(puts):
            rid = ids[n % len(ids)]
            t0 = time.perf_counter()
            r = client.put(f"/reports/{rid}/figures/{KEY}", json={"value": n, "reason": "bench"}, headers=auth)
            put_t.append(time.perf_counter() - t0)
            assert r.status_code in (200, 201), r.text
        for n in range(min(puts, len(ids))):
            t0 = time.perf_counter()
            r = client.delete(f"/reports/{ids[n]}/figures/{KEY}", headers=auth)
            del_t.append(time.perf_counter() - t0)
            assert r.status_code == 200, r.text
    print(f"  PUT  ({len(put_t)}, {len(ids)} reports in the rollup): p50 {pct(put_t, .5):.1f} ms, "
          f"p99 {pct(put_t, .99):.1f} ms, mean {statistics.mean(put_t) * 1000:.1f} ms")
    print(f"  DELETE ({len(del_t)}): p50 {pct(del_t, .5):.1f} ms, p99 {pct(del_t, .99):.1f} ms")
    engine.dispose()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reports", type=int, default=256)
    ap.add_argument("--puts", type=int, default=200)
    ap.add_argument("--postgres", default="")
    ap.add_argument("--quick", action="store_true", help="32 reports, 20 PUTs")
    args = ap.parse_args()
    if args.quick:
        args.reports, args.puts = 32, 20
    with tempfile.TemporaryDirectory() as tmp:
        print("SQLite file:")
        run(f"sqlite:///{tmp}/bench.db", args.reports, args.puts)
    if args.postgres:
        engine = make_engine(args.postgres)
        with engine.begin() as conn:  # a schema of its own: the shared database's other tables untouched
            conn.execute(text("DROP SCHEMA IF EXISTS corrections_bench CASCADE"))
            conn.execute(text("CREATE SCHEMA corrections_bench"))
        engine.dispose()
        print("PostgreSQL:")
        sep = "&" if "?" in args.postgres else "?"
        try:
            run(f"{args.postgres}{sep}options=-csearch_path%3Dcorrections_bench", args.reports, args.puts)
        finally:
            engine = make_engine(args.postgres)
            with engine.begin() as conn:
                conn.execute(text("DROP SCHEMA IF EXISTS corrections_bench CASCADE"))
            engine.dispose()


if __name__ == "__main__":
    main()
