"""Reads under load, beside the stack's own limit, in one run.

A real uvicorn (one worker, `disclosure serve`) over a database of generated reports
(bench/harness.py ReportGenerator, 1,000 by default) and a load generator on loopback (wrk
with one thread where installed, else async httpx), server and generator pinned to one
core each. For each endpoint: requests/s, p50 and p99, and the ratio of its requests/s to
the bare FastAPI endpoint of bench/bare_app.py served and loaded the same way (measured
alternately with it, so that other load on the machine moves both; the ratio is of the
medians). Also the service worker's
peak resident memory under this load. Prints figures, asserts nothing.

    .venv/bin/python bench/read_bench.py [--quick] [--seconds 5] [--connections 8]
                                         [--reports 1000] [--database sqlite,postgres]
"""

from __future__ import annotations

import argparse

import httpx

import harness as h


def cases(report_id: int) -> list[tuple[str, str, dict[str, str] | None]]:
    """(label, path, headers: "etag-of" marks a revalidation of that path)."""
    return [
        ("GET /reports/{id}", f"/reports/{report_id}", None),
        ("GET /reports/{id}/figures", f"/reports/{report_id}/figures", None),
        ("GET /figures?key=…&region=… (1 key, 1 city)", "/figures?key=active.permit.decisions&region=1507", None),
        ("GET /stats?key=…&by=city (same query again)", "/stats?key=active.permit.decisions&by=city", None),
        ("304 /reports/{id}/figures (If-None-Match)", f"/reports/{report_id}/figures", {"etag-of": "1"}),
        ("304 /stats?key=…&by=city (If-None-Match)", "/stats?key=active.permit.decisions&by=city", {"etag-of": "1"}),
    ]


def run(kind: str, args) -> None:
    server_cpus = {h.CPUS[0]} if len(h.CPUS) > 1 else None
    client_cpus = {h.CPUS[1]} if len(h.CPUS) > 1 else None

    def measure(base: str, path: str, headers=None) -> h.LoadResult:
        return h.load(base + path, seconds=args.seconds, connections=args.connections, headers=headers,
                      cpus=client_cpus)

    with h.database(kind) as url:
        took = h.bulk_load(url, h.ReportGenerator(), 0, args.reports)
        h.analyze(url)
        print(f"\n## {kind}: {args.reports} generated reports (loaded in {took:.1f} s); "
              f"{args.seconds:g} s per case, {args.connections} connections, {h.load_tool()}")
        bare_all, results = [], []
        with h.Server("bare", cpus=server_cpus) as bare_srv, \
                h.Server("app", database_url=url, cpus=server_cpus) as srv, h.RssSampler(srv) as rss:
            with httpx.Client(base_url=srv.base) as client:
                # a report of the ewenki template (234 figures): the one with most figures among the first ten
                rid = max(range(1, 11), key=lambda i: client.get(f"/reports/{i}").json()["figure_count"])
                h.load(bare_srv.base + "/bare", seconds=1, connections=args.connections, cpus=client_cpus)
                for label, path, headers in cases(rid):
                    if headers:
                        headers = {"If-None-Match": client.get(path).headers["etag"]}
                    h.load(srv.base + path, seconds=1, connections=args.connections, headers=headers,
                           cpus=client_cpus)  # warm up
                    # bare and service alternately, so that both see the same machine (other load on it
                    # moves both); the ratio is of the medians
                    pairs = [(measure(bare_srv.base, "/bare"), measure(srv.base, path, headers))
                             for _ in range(args.rounds)]
                    bare_all += [b for b, _ in pairs]
                    results.append((label, pairs))
            idle_mb = h.rss_mb(srv.proc.pid)
        print(f"{'endpoint':50} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6} {'bare r/s':>8} {'vs bare':>8}")
        b_rps = h.median([b.rps for b in bare_all])
        print(f"{'bare FastAPI async def (median of every run)':50} {b_rps:8.0f} "
              f"{h.median([b.p50_ms for b in bare_all]):7.2f} {h.median([b.p99_ms for b in bare_all]):7.2f} "
              f"{sum(b.errors for b in bare_all):6d} {b_rps:8.0f} {1:8.0%}")
        for label, pairs in results:
            rps = h.median([r.rps for _, r in pairs])
            ref = h.median([b.rps for b, _ in pairs])
            print(f"{label:50} {rps:8.0f} {h.median([r.p50_ms for _, r in pairs]):7.2f} "
                  f"{h.median([r.p99_ms for _, r in pairs]):7.2f} {sum(r.errors for _, r in pairs):6d} "
                  f"{ref:8.0f} {rps / ref:8.0%}")
        print(f"service worker memory: peak {rss.max_worker_mb:.0f} MB under this load "
              f"(after it: {idle_mb:.0f} MB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 s per case, 300 reports, SQLite only")
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--reports", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=2, help="bare/service alternations per case")
    parser.add_argument("--database", default="sqlite,postgres")
    args = parser.parse_args()
    if args.quick:
        args.seconds, args.reports, args.rounds, args.database = 2, 300, 1, "sqlite"
    print(f"# read_bench on {h.machine()}")
    for kind in h.database_kinds(args.database.split(",")):
        run(kind, args)


if __name__ == "__main__":
    main()
