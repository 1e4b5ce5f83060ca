"""Cost against size: 1,000 / 5,000 / 20,000 reports, on SQLite and PostgreSQL.

Reports are generated from the corpus (bench/harness.py ReportGenerator: the parsed corpus
reports with their figures scaled per report, a real county or city code of the division
table, years 2019–2025) and bulk-loaded through the ingest service's store (parsed results
written without parsing each again; parse speed is parse_bench's and ingest_bench's
subject). The database grows from one size to the next. At each size: the load rate of that
step, the database's size on disk, and the p50 of cross-report /figures and /stats queries
through a real uvicorn (`disclosure serve`, one worker) with a sync client, one request at a
time, with the service's answer and view stores off (DISCLOSURE_VIEW_CACHE_MB=0) so that
every request pays for its query; the requests of a case differ in their parameters
(another city, year or key) besides. The planner's statistics are refreshed (ANALYZE) after each load,
as autovacuum would. Then how each query's cost grew from the first size to the last, as
the exponent k of p50 ∝ size^k (1 = linear). Prints figures, asserts nothing.

    .venv/bin/python bench/scale_bench.py [--quick] [--sizes 1000,5000,20000] [--rounds 30]
                                          [--database sqlite,postgres]
                                          [--keep-pg DBNAME] [--keep-sqlite PATH] [--cases 4,8]

--keep-pg / --keep-sqlite load into a named database and keep it: a second run with the same
name measures it again without loading (the generator is deterministic, so report i is the
same report each time; a larger size loads only the reports it lacks). --cases measures
only these cases (their numbers in the printed list), e.g. to measure a kept database again
and again.
"""

from __future__ import annotations

import argparse
import math
import time

import httpx

import harness as h

STATS_KEYS = [
    "active.permit.decisions", "active.penalty.decisions", "active.other_services.decisions",
    "active.enforcement.decisions", "applications.new_received.total", "applications.granted.total",
    "applications.new_received.natural_person", "applications.partially_granted.total",
    "applications.results_total.total", "applications.carried_forward.total",
    "review_litigation.reconsideration.total", "review_litigation.litigation_direct.total",
    "applications.denied.total", "applications.unable.total", "applications.not_processed.total",
    "applications.new_received.commercial", "applications.granted.natural_person",
    "applications.carried_over.total", "review_litigation.reconsideration.upheld",
    "active.permit.prev_items",
]

INDICATORS = ["disclosure_rate", "denial_rate", "reconsideration_correction_rate", "review_litigation_rate",
              "carry_forward_rate"]  # app/indicators.py (GET /indicators)


def places() -> tuple[list[str], list[str]]:
    """City codes (4 significant digits) and province codes (2) that reports are spread over."""
    from app.divisions import all_divisions

    divs = all_divisions()
    cities = [d.code[:4] for d in divs if d.level == "city"]
    provinces = sorted({d.code[:2] for d in divs if d.level == "province"})
    step = max(1, len(cities) // 60)
    return cities[::step], provinces


def cases(rounds: int) -> list[tuple[str, list[str]]]:
    cities, provinces = places()
    years = list(range(2019, 2026))

    def cycle(seq, i):
        return seq[i % len(seq)]

    return [
        ("/figures 1 key, 1 city", [f"/figures?key=active.permit.decisions&region={cycle(cities, i)}"
                                    for i in range(rounds)]),
        ("/figures 1 key, 1 year, page 100", [f"/figures?key={cycle(STATS_KEYS, i)}&year={cycle(years, i)}"
                                              for i in range(rounds)]),
        ("/figures 1 key, 1 province, -value", [f"/figures?key={cycle(STATS_KEYS, i)}&region="
                                                f"{cycle(provinces, i)}&sort=-value" for i in range(rounds)]),
        ("/stats 1 key by city", [f"/stats?key={cycle(STATS_KEYS, i)}&by=city" for i in range(rounds)]),
        ("/stats 1 key by year, 1 province", [f"/stats?key={cycle(STATS_KEYS, i)}&by=year&region="
                                              f"{cycle(provinces, i)}" for i in range(rounds)]),
        ("/stats 1 key by province, 1 year", [f"/stats?key={cycle(STATS_KEYS, i)}&by=province&year="
                                              f"{cycle(years, i)}" for i in range(rounds)]),
        ("/stats 63 keys (prefix) by province", [f"/stats?key=applications.denied.&by=province&year="
                                                f"{cycle(years, i)}" for i in range(rounds)]),
        ("/stats 1 indicator by city", [f"/stats?indicator={cycle(INDICATORS, i)}&by=city" for i in range(rounds)]),
        ("/stats 1 indicator by year, 1 province", [f"/stats?indicator={cycle(INDICATORS, i)}&by=year&region="
                                                   f"{cycle(provinces, i)}" for i in range(rounds)]),
        ("/reports page 50, 1 city", [f"/reports?region={cycle(cities, i)}&limit=50" for i in range(rounds)]),
    ]


def run(kind: str, sizes: list[int], rounds: int, keep: str | None = None, only: list[int] | None = None) -> None:
    print(f"\n## {kind}")
    gen = h.ReportGenerator()
    table = cases(rounds)
    if only:
        table = [table[i - 1] for i in only]
    numbers = only or list(range(1, len(table) + 1))
    header = f"{'reports':>8} {'load r/s':>9} {'DB MB':>8}  " + "  ".join(f"{i:>6}" for i in numbers)
    print("p50 ms per case:")
    for i, (label, urls) in zip(numbers, table):
        print(f"  {i}: {label}   e.g. {urls[0]}")
    print(header)
    p50s: dict[int, list[float]] = {}
    with h.database(kind, keep) as url:
        loaded = h.loaded_count(url)
        if loaded:
            print(f"(kept database: {loaded} generated reports there already; smaller sizes skipped)")
            gen.skip(loaded)
        for size in sizes:
            if size < loaded:
                continue
            rate = float("nan")
            if size > loaded:
                took = h.bulk_load(url, gen, loaded, size - loaded)
                rate = (size - loaded) / took
                loaded = size
                h.analyze(url)
            mb = h.database_bytes(url) / 1e6
            # the answer and view stores off: every request pays for its query
            with h.Server("app", database_url=url, env={"DISCLOSURE_VIEW_CACHE_MB": "0"}) as srv, \
                    httpx.Client(base_url=srv.base, timeout=120) as client:
                row = []
                for _label, urls in table:
                    h.timed_gets(client, urls[:2])  # warm: imports, first connections
                    row.append(h.median(h.timed_gets(client, urls)))
            p50s[size] = row
            print(f"{size:8d} {rate:9.0f} {mb:8.0f}  " + "  ".join(f"{v:6.1f}" for v in row), flush=True)
    if not p50s:
        return
    first, last = min(p50s), max(p50s)
    if last > first:
        print(f"growth {first} → {last} reports ({last / first:.0f}×): p50 ratio (exponent k, 1 = linear)")
        for i, (n, (label, _)) in enumerate(zip(numbers, table)):
            ratio = p50s[last][i] / p50s[first][i]
            k = math.log(ratio) / math.log(last / first) if ratio > 0 else float("nan")
            print(f"  {n}: {label:38} {ratio:6.2f}×  k = {k:5.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="200 and 1,000 reports, 10 rounds, SQLite only")
    parser.add_argument("--sizes", default="1000,5000,20000")
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--database", default="sqlite,postgres")
    parser.add_argument("--keep-pg", metavar="DBNAME", help="PostgreSQL: load into (or reuse) this database and "
                        "keep it; reports already there are not loaded again")
    parser.add_argument("--keep-sqlite", metavar="PATH", help="SQLite: the same with this file")
    parser.add_argument("--cases", help="only these cases, by their numbers (e.g. 4,8)")
    args = parser.parse_args()
    if args.quick:
        args.sizes, args.rounds, args.database = "200,1000", 10, "sqlite"
    sizes = sorted(int(s) for s in args.sizes.split(","))
    only = [int(c) for c in args.cases.split(",")] if args.cases else None
    print(f"# scale_bench on {h.machine()}")
    start = time.perf_counter()
    for kind in h.database_kinds(args.database.split(",")):
        run(kind, sizes, args.rounds, args.keep_pg if kind == "postgres" else args.keep_sqlite, only)
    print(f"\n(took {time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main()
