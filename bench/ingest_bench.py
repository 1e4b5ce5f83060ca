"""Ingest speed: POST /reports over HTTP into SQLite and PostgreSQL with one worker and two,
and `disclosure ingest` of a folder.

HTTP: `disclosure serve --workers N` on loopback over a fresh database, and a concurrent
async httpx client posting distinct report texts (the corpus documents in turn, each made
unique: bench/harness.py variant_bodies), so that every request parses and stores a new
report. Prints reports/s, the p50 and p99 of a request, and each worker's peak memory.
CLI: the same kind of documents written to a folder, `disclosure ingest FOLDER` timed as a
whole (start-up and migration included). Beside them: parsing the same documents alone in
this process (one core), the ceiling for one worker. Prints figures, asserts nothing.

    .venv/bin/python bench/ingest_bench.py [--quick] [--reports 600] [--concurrency 8]
                                           [--database sqlite,postgres] [--workers 1,2]
                                           [--parse-processes auto|0|1,…]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import tempfile
import time
from pathlib import Path

import httpx

import harness as h


async def post_all(base: str, bodies: list[tuple[bytes, str | None]], concurrency: int) -> tuple[float, list[float], dict]:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    queue = list(reversed(bodies))
    headers = {"Authorization": f"Bearer {h.API_KEY}"}
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=120, headers=headers) as client:
        async def worker() -> None:
            while queue:
                data, ctype = queue.pop()
                t = time.perf_counter()
                r = await client.post("/reports", content=data, headers={"Content-Type": ctype or "text/plain"})
                latencies.append((time.perf_counter() - t) * 1000)
                statuses[r.status_code] = statuses.get(r.status_code, 0) + 1

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        took = time.perf_counter() - start
    return took, sorted(latencies), statuses


def http_ingest(kind: str, workers: int, processes: str, args) -> str:
    warm = h.variant_bodies(10, start=1_000_000)
    bodies = h.variant_bodies(args.reports)
    env = {} if processes == "auto" else {"DISCLOSURE_PARSE_PROCESSES": processes}
    with h.database(kind) as url, h.Server("app", workers=workers, database_url=url, env=env) as srv:
        asyncio.run(post_all(srv.base, warm, 2))  # first requests: imports, converter, caches
        cpu0, pool0 = h.server_cpu_seconds(srv), h.helper_cpu_seconds(srv)
        with h.RssSampler(srv) as rss:
            took, lat, statuses = asyncio.run(post_all(srv.base, bodies, args.concurrency))
        cpu_ms = (h.server_cpu_seconds(srv) - cpu0) / len(bodies) * 1000
        pool_ms = (h.helper_cpu_seconds(srv) - pool0) / len(bodies) * 1000
        mem = " / ".join(f"{mb:.0f}" for mb in rss.peak.values())
        if any(rss.helpers_peak.values()):
            mem += " (+ parse processes " + " / ".join(f"{mb:.0f}" for mb in rss.helpers_peak.values()) + ")"
    codes = ",".join(f"{k}×{v}" for k, v in sorted(statuses.items()))
    label = "HTTP POST /reports" + ("" if processes == "auto" else f" ({processes} pp)")
    return (f"{label:24} {kind:9} {workers:>7} {len(bodies) / took:10.1f} "
            f"{h.percentile(lat, 50):8.1f} {h.percentile(lat, 99):8.1f} {cpu_ms:8.1f} {pool_ms:7.1f}  {codes:10} {mem} MB")


def cli_ingest(kind: str, args) -> str:
    bodies = h.variant_bodies(args.reports)
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as folder, h.database(kind) as url:
        for i, (data, ctype) in enumerate(bodies):
            Path(folder, f"r{i:06d}{'.html' if ctype == 'text/html' else '.txt'}").write_bytes(data)
        env = {**os.environ, "DATABASE_URL": url}
        t = time.perf_counter()
        out = subprocess.run([str(h.VENV_BIN / "disclosure"), "ingest", folder], env=env, capture_output=True,
                             text=True)
        took = time.perf_counter() - t
    last = (out.stdout.strip().splitlines() or ["(no output)"])[-1]
    return f"{'disclosure ingest FOLDER':24} {kind:9} {'-':>7} {len(bodies) / took:10.1f} {'':8} {'':8} {'':8}  {last}"


def parse_only(args) -> str:
    from app.parsing import parse_document

    bodies = h.variant_bodies(min(args.reports, 200))
    for data, ctype in bodies[:10]:
        parse_document(data, ctype)
    t = time.perf_counter()
    for data, ctype in bodies:
        parse_document(data, ctype)
    took = time.perf_counter() - t
    return (f"{'parse only (in process)':24} {'-':9} {'-':>7} {len(bodies) / took:10.1f} {'':8} {'':8} "
            f"{took / len(bodies) * 1000:8.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="150 reports, SQLite only")
    parser.add_argument("--reports", type=int, default=600)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--database", default="sqlite,postgres")
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--parse-processes", default="auto",
                        help="DISCLOSURE_PARSE_PROCESSES of the server, comma-separated runs (auto: its default)")
    args = parser.parse_args()
    if args.quick:
        args.reports, args.database = 150, "sqlite"
    print(f"# ingest_bench on {h.machine()}")
    print(f"# {args.reports} distinct documents per run, {args.concurrency} concurrent requests")
    print(f"{'what':24} {'database':9} {'workers':>7} {'reports/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'CPU ms':>8} {'parse':>7}  "
          f"{'statuses':10} peak RSS per worker")
    print("# CPU ms: server CPU time per report (all workers and their parse processes), what the machine's other"
          " load does not inflate; parse: the part spent in parse processes (app/services/parsepool.py)")
    print(parse_only(args), flush=True)
    for kind in h.database_kinds(args.database.split(",")):
        for workers in (int(w) for w in args.workers.split(",")):
            for processes in args.parse_processes.split(","):
                print(http_ingest(kind, workers, processes, args), flush=True)
        print(cli_ingest(kind, args), flush=True)


if __name__ == "__main__":
    main()
