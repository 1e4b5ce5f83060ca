"""How long the cross-report queries take on a few thousand reports.

Stores N variants of the corpus reports (other agencies, counties of several cities, years
2019–2025, scaled figures) through the ingest service into a fresh database, then prints
the median wall time of whole requests through the ASGI app (query, rows → JSON, ETag):
/figures for one key over one year and one city, one key over everything (a JSON page and
the whole CSV), a key prefix; /stats by city, by year, and for a prefix of keys; /reports
pages; /changes. Prints figures, asserts nothing.

    .venv/bin/python bench/query_reads.py [--reports 3000] [--rounds 20] [--database-url URL]

Without --database-url: a SQLite file in a temp folder. With a PostgreSQL URL: that
database's tables are dropped and migrated first — point it at a scratch database.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient
from sqlmodel import SQLModel
from sqlalchemy import text

from app.config import Settings
from app.db import make_engine, migrate
from app.main import create_app
from app.parsing import parse_document
from app.parsing import regions
from app.services.ingest import store

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
CITIES = ("150700", "150800", "320800", "321300", "350100", "110000", "440300", "510100")


def populate(url: str, n: int) -> None:
    bases = [parse_document((CORPUS / name).read_bytes(), "text/plain")
             for name in ("ewenki-2020.txt", "huaian-2024.txt", "shuyang-2025.txt")]
    raw = {id(b): (CORPUS / name).read_bytes() for b, name in
           zip(bases, ("ewenki-2020.txt", "huaian-2024.txt", "shuyang-2025.txt"))}
    places = [c for city in CITIES for c in [regions.get(city), *regions.children(city)] if c is not None]
    engine = make_engine(url)
    start = time.perf_counter()
    try:
        for i in range(n):
            year = 2019 + i % 7
            base = bases[0] if year <= 2020 else bases[1 + i % 2]
            place = places[i % len(places)]
            factor = 1 + i % 9
            variant = dataclasses.replace(
                base, agency=f"{place.name}人民政府", region_code=place.code, level=place.level, year=year,
                figures=[dataclasses.replace(f, value=f.value * factor) for f in base.figures])
            store(engine, raw[id(base)] + f"\n<!-- bench {i} -->\n".encode(), variant)
    finally:
        engine.dispose()
    took = time.perf_counter() - start
    print(f"stored {n} reports in {took:.1f} s ({took / n * 1000:.1f} ms each)")


def median_ms(client: TestClient, url: str, rounds: int, **kw) -> tuple[float, int]:
    times, size = [], 0
    for _ in range(rounds):
        t = time.perf_counter()
        r = client.get(url, **kw)
        times.append(time.perf_counter() - t)
        assert r.status_code == 200, (url, r.status_code, r.text[:200])
        size = len(r.content)
    return statistics.median(times) * 1000, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        url = Settings(database_url=args.database_url or f"sqlite:///{tmp}/bench.db").db_url
        if args.database_url:
            engine = make_engine(url)
            SQLModel.metadata.drop_all(engine)
            with engine.begin() as conn:
                conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
            engine.dispose()
        migrate(url)
        populate(url, args.reports)
        with TestClient(create_app(Settings(database_url=url))) as client:
            cases = [
                ("/figures 1 key, 1 year, 1 city", "/figures?key=active.permit.decisions&year=2020&region=1507"),
                ("/figures 1 key, all reports, page 100", "/figures?key=active.permit.decisions"),
                ("/figures 1 key, all reports, page 1000", "/figures?key=active.permit.decisions&limit=1000"),
                ("/figures 1 key, all reports, CSV", "/figures?key=active.permit.decisions&format=csv"),
                ("/figures prefix (63 keys), 1 city, page 1000",
                 "/figures?key=applications.denied.&region=3208&limit=1000"),
                ("/figures 1 key, page 100 sorted -value", "/figures?key=active.permit.decisions&sort=-value"),
                ("/stats 1 key by city", "/stats?key=active.permit.decisions&by=city"),
                ("/stats 1 key by year, 1 province", "/stats?key=active.permit.decisions&by=year&region=32"),
                ("/stats 1 key by county", "/stats?key=active.permit.decisions&by=county"),
                ("/stats prefix (63 keys) by province", "/stats?key=applications.denied.&by=province"),
                ("/reports page 50, region + year", "/reports?region=1507&year=2021"),
                ("/reports page 50 sorted agency, count", "/reports?sort=agency&count=true"),
                ("/changes page 100", "/changes"),
            ]
            print(f"{'request':48} {'median ms':>10} {'bytes':>10}")
            for label, url_ in cases:
                ms, size = median_ms(client, url_, args.rounds)
                print(f"{label:48} {ms:10.1f} {size:10d}")
            etag = client.get(cases[6][1]).headers["etag"]
            ms, _ = median_ms_304(client, cases[6][1], etag, args.rounds)
            print(f"{'/stats 1 key by city, If-None-Match → 304':48} {ms:10.1f}")


def median_ms_304(client: TestClient, url: str, etag: str, rounds: int) -> tuple[float, int]:
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        r = client.get(url, headers={"If-None-Match": etag})
        times.append(time.perf_counter() - t)
        assert r.status_code == 304
    return statistics.median(times) * 1000, 0


if __name__ == "__main__":
    main()
