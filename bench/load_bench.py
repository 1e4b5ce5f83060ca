"""Many concurrent keep-alive clients of mixed reads: does the server hold?

A real uvicorn (`disclosure serve`, one worker, pinned to one core) over a database of
generated reports (bench/harness.py ReportGenerator, 1,000 by default), on SQLite and on
PostgreSQL, and a load generator in a process of its own pinned to the other core: an
asyncio client (uvloop, httptools) holding 50, 200 and 1,000 keep-alive connections, each
sending its next request as soon as the previous one is answered, for a bounded time. The
mix is the one of the issue that found the freeze: report lists with `limit=500`, CSV
`/figures` over every report, `/stats`, `/changes`, single reports and their figures
(ids spread over every report, so the view store both hits and misses). A client that gets a
503 waits as its `Retry-After` says (`--ignore-retry-after`: it does not). Every request has a
deadline (`--timeout`, 30 s): a request that takes longer counts as a timeout and its
connection is made anew.

Meanwhile a probe opens a new connection for `GET /healthz` every 0.25 s, as a load balancer
would, during the load and for `--after` seconds after it (each probe on its own, so a stuck
server shows as many slow probes, not as one).

Per level: answers/s (all, and 2xx/304 alone), p50/p99 of every answer and of the 503s, the
share of 503s, other 5xx (must be 0), timeouts and connection errors, `/healthz` p50/p99/max
during and after, and the worker's peak resident memory. A fresh server for each level.
Prints figures, asserts nothing.

    .venv/bin/python bench/load_bench.py [--quick] [--clients 50,200,1000] [--seconds 20]
                                         [--reports 1000] [--database sqlite,postgres]
                                         [--ignore-retry-after] [--env NAME=VALUE ...]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import harness as h

STATS = ["key=active.permit.decisions&by=city", "key=applications.new_received.total&by=province",
         "key=active.penalty.decisions&by=year", "key=applications.granted.total&by=province,year"]
CSV_KEYS = ["active.permit.decisions", "applications.new_received.total", "active.penalty.decisions"]
LIST_VARIANTS = ["", "&sort=-year", "&year=2021", "&sort=agency"]

# (kind, weight): single reports most, the heavy lists and exports 40% between them
MIX = [("report", 3), ("report_figures", 3), ("list500", 1), ("figures_csv", 1), ("stats", 1), ("changes", 1)]


def path_for(kind: str, rng: random.Random, reports: int) -> str:
    if kind == "report":
        return f"/reports/{rng.randint(1, reports)}"
    if kind == "report_figures":
        return f"/reports/{rng.randint(1, reports)}/figures"
    if kind == "list500":
        return "/reports?limit=500" + rng.choice(LIST_VARIANTS)
    if kind == "figures_csv":
        return f"/figures?key={rng.choice(CSV_KEYS)}&format=csv"
    if kind == "stats":
        return "/stats?" + rng.choice(STATS)
    if kind == "changes":
        return "/changes?limit=500"
    raise ValueError(kind)


# ----------------------------------------------------------------------------- the client process


class _Answer:
    """httptools callbacks for one response."""

    __slots__ = ("done", "size", "retry_after", "keep_alive", "parser")

    def __init__(self) -> None:
        self.done = False
        self.size = 0
        self.retry_after: float | None = None
        self.keep_alive = False
        self.parser = None

    def on_header(self, name: bytes, value: bytes) -> None:
        if name.lower() == b"retry-after":
            try:
                self.retry_after = float(value)
            except ValueError:
                self.retry_after = 1.0

    def on_body(self, body: bytes) -> None:
        self.size += len(body)

    def on_message_complete(self) -> None:
        self.done = True
        self.keep_alive = self.parser.should_keep_alive()  # only here: after it, the parser has reset


class _Stale(ConnectionError):
    """The connection was closed before any byte of the answer."""


async def _get(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, path: str,
               port: int) -> tuple[int, int, bool, float | None]:
    """(status, body bytes, keep-alive, Retry-After) of one GET on an open connection."""
    import httptools

    writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
    answer = _Answer()
    parser = answer.parser = httptools.HttpResponseParser(answer)
    first = True
    while not answer.done:
        try:
            data = await reader.read(65536)
        except ConnectionResetError:
            data = b""
        if not data:
            raise _Stale() if first else ConnectionResetError("closed by the server mid-answer")
        first = False
        parser.feed_data(data)
    return parser.get_status_code(), answer.size, answer.keep_alive, answer.retry_after


async def _client_main(opts: dict) -> dict:
    port, clients, seconds = opts["port"], opts["clients"], opts["seconds"]
    timeout, after, reports = opts["timeout"], opts["after"], opts["reports"]
    honour = not opts["ignore_retry_after"]
    kinds = [k for k, w in MIX for _ in range(w)]
    records: list[tuple[str, int, float]] = []  # (kind, status or -1 timeout / -2 error, seconds)
    probes: list[tuple[float, float, int]] = []  # (sent at, seconds, status; -1 timeout, -2 error)
    t0 = time.perf_counter()
    stop_at = t0 + seconds

    async def one_client(i: int) -> None:
        rng = random.Random(i)
        conn: list = []  # [reader, writer] while a connection is open
        await asyncio.sleep(rng.random() * 0.5)  # all of them within half a second
        try:
            while time.perf_counter() < stop_at:
                kind = rng.choice(kinds)
                path = path_for(kind, rng, reports)
                started = time.perf_counter()
                status, keep, retry = -2, False, None
                try:
                    if conn:  # a kept connection the server may have closed meanwhile (keep-alive
                        # timeout): sent again once on a new one, as HTTP clients do
                        try:
                            status, _size, keep, retry = await asyncio.wait_for(_get(*conn, path, port), timeout)
                        except _Stale:
                            conn.pop().close()
                            conn.clear()
                    if not conn:
                        conn[:] = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), timeout)
                        status, _size, keep, retry = await asyncio.wait_for(_get(*conn, path, port), timeout)
                except asyncio.TimeoutError:
                    status = -1
                except Exception:  # noqa: BLE001 - a refused or reset connection: counted as an error
                    status = -2
                records.append((kind, status, time.perf_counter() - started))
                if not keep and conn:
                    conn.pop().close()
                    conn.clear()
                if status == -2:
                    await asyncio.sleep(0.1)
                elif status == 503 and honour and retry:
                    await asyncio.sleep(min(retry, max(0.0, stop_at - time.perf_counter())))
        finally:
            if conn:
                conn[1].close()

    async def probe(sent: float) -> None:
        writer = None
        try:
            reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), timeout)
            status, _, _, _ = await asyncio.wait_for(_get(reader, writer, "/healthz", port), timeout)
        except asyncio.TimeoutError:
            status = -1
        except Exception:  # noqa: BLE001
            status = -2
        probes.append((sent - t0, time.perf_counter() - sent, status))
        if writer is not None:
            writer.close()

    async def prober(until: float) -> list[asyncio.Task]:
        tasks = []
        while time.perf_counter() < until:
            tasks.append(asyncio.ensure_future(probe(time.perf_counter())))
            await asyncio.sleep(0.25)
        return tasks

    probe_task = asyncio.ensure_future(prober(stop_at + after))
    workers = [asyncio.ensure_future(one_client(i)) for i in range(clients)]
    # the load's end: requests still waiting for an answer are abandoned (counted as unanswered)
    await asyncio.sleep(max(0.0, stop_at - time.perf_counter()))
    pending = [w for w in workers if not w.done()]
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    probe_tasks = await probe_task
    await asyncio.wait(probe_tasks, timeout=timeout + 1)
    return {"records": records, "probes": probes, "stop_at": seconds, "unanswered": len(pending)}


def client_process(argv: list[str]) -> None:
    opts = json.loads(argv[0])
    try:
        import uvloop
        uvloop.install()
    except ImportError:
        pass
    result = asyncio.run(_client_main(opts))
    Path(opts["out"]).write_text(json.dumps(result))


# ----------------------------------------------------------------------------- the parent


def pct(values: list[float], p: float) -> float:
    return h.percentile(sorted(values), p) if values else float("nan")


def summarise(result: dict, seconds: float) -> dict:
    records = result["records"]
    answered = [r for r in records if r[1] > 0]
    ok = [r for r in answered if r[1] < 400]
    overloaded = [r for r in answered if r[1] == 503]
    other_5xx = [r for r in answered if r[1] >= 500 and r[1] != 503]
    client_4xx = [r for r in answered if 400 <= r[1] < 500]
    during = [p for p in result["probes"] if p[0] < result["stop_at"]]
    after = [p for p in result["probes"] if p[0] >= result["stop_at"]]

    def probe_ms(ps):
        return [p[1] * 1000 for p in ps]

    per_kind = {}
    for kind, _ in MIX:
        mine = [r for r in answered if r[0] == kind and r[1] < 400]
        per_kind[kind] = (len(mine) / seconds, pct([r[2] * 1000 for r in mine], 50), pct([r[2] * 1000 for r in mine], 99))
    return {
        "answers_per_s": len(answered) / seconds,
        "ok_per_s": len(ok) / seconds,
        "p50_ms": pct([r[2] * 1000 for r in answered], 50),
        "p99_ms": pct([r[2] * 1000 for r in answered], 99),
        "ok_p99_ms": pct([r[2] * 1000 for r in ok], 99),
        "max_ms": max((r[2] * 1000 for r in records), default=float("nan")),
        "share_503": len(overloaded) / len(answered) if answered else float("nan"),
        "p50_503_ms": pct([r[2] * 1000 for r in overloaded], 50),
        "p99_503_ms": pct([r[2] * 1000 for r in overloaded], 99),
        "other_5xx": len(other_5xx),
        "status_4xx": len(client_4xx),
        "timeouts": sum(1 for r in records if r[1] == -1),
        "conn_errors": sum(1 for r in records if r[1] == -2),
        "unanswered": result["unanswered"],
        "health_during": (pct(probe_ms(during), 50), pct(probe_ms(during), 99), max(probe_ms(during), default=float("nan")),
                          sum(1 for p in during if p[2] != 200), len(during)),
        "health_after": (pct(probe_ms(after), 50), pct(probe_ms(after), 99), max(probe_ms(after), default=float("nan")),
                         sum(1 for p in after if p[2] != 200), len(after)),
        "per_kind": per_kind,
        "slow_probes": sorted((round(p[0], 1), round(p[1] * 1000)) for p in result["probes"] if p[1] > 0.5),
        "statuses": sorted({r[1] for r in records}),
    }


def run_level(url: str, clients: int, args, env: dict[str, str]) -> dict:
    server_cpus = {h.CPUS[0]} if len(h.CPUS) > 1 else None
    client_cpus = {h.CPUS[1]} if len(h.CPUS) > 1 else None
    with h.Server("app", database_url=url, cpus=server_cpus, env=env) as srv, h.RssSampler(srv) as rss:
        with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
            out = f.name
        opts = {"port": srv.port, "clients": clients, "seconds": args.seconds, "timeout": args.timeout,
                "after": args.after, "reports": args.reports, "ignore_retry_after": args.ignore_retry_after,
                "out": out}
        try:
            subprocess.run([sys.executable, str(Path(__file__).resolve()), "client", json.dumps(opts)], check=True,
                           preexec_fn=(lambda: os.sched_setaffinity(0, client_cpus)) if client_cpus else None,
                           timeout=args.seconds + 3 * args.timeout + args.after + 60)
            result = json.loads(Path(out).read_text())
        finally:
            os.unlink(out)
        summary = summarise(result, args.seconds)
        summary["rss_mb"] = rss.max_worker_mb
        log = srv.log()
    errors = [line for line in log.splitlines() if '"level": "error"' in line]
    summary["log_errors"] = len(errors)
    # what they were: the last line of each one's exception (e.g. QueuePool limit … reached), counted
    kinds: dict[str, int] = {}
    for line in errors:
        try:
            record = json.loads(line)
        except ValueError:
            continue
        what = (record.get("exc") or record.get("msg") or "").strip().splitlines()[-1][:160]
        kinds[what] = kinds.get(what, 0) + 1
    summary["log_kinds"] = kinds
    return summary


def fmt_ms(v: float) -> str:
    if isinstance(v, float) and math.isnan(v):
        return "–"
    return f"{v:.0f}" if v >= 100 else f"{v:.1f}"


def print_table(kind: str, rows: list[tuple[int, dict]]) -> None:
    print(f"\n| clients | answers/s | 2xx/304 per s | p50 / p99 ms | 503 share (p50 / p99 ms) | other 5xx | timeouts "
          f"| conn errors | /healthz during p50 / p99 / max ms | after p99 / max ms | worker RSS MB |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for clients, s in rows:
        hd, ha = s["health_during"], s["health_after"]
        bad = f" ({hd[3]} of {hd[4]} not 200)" if hd[3] else ""
        bad_after = f" ({ha[3]} of {ha[4]} not 200)" if ha[3] else ""
        print(f"| {clients} | {s['answers_per_s']:.0f} | {s['ok_per_s']:.0f} | {fmt_ms(s['p50_ms'])} / "
              f"{fmt_ms(s['p99_ms'])} | {s['share_503']:.0%} ({fmt_ms(s['p50_503_ms'])} / {fmt_ms(s['p99_503_ms'])}) | "
              f"{s['other_5xx']} | "
              f"{s['timeouts']} | {s['conn_errors']} | {fmt_ms(hd[0])} / {fmt_ms(hd[1])} / {fmt_ms(hd[2])}{bad} | "
              f"{fmt_ms(ha[1])} / {fmt_ms(ha[2])}{bad_after} | {s['rss_mb']:.0f} |")
    base = rows[0][1]["ok_per_s"] if rows else 0
    for clients, s in rows[1:]:
        print(f"# {kind}: 2xx/304 per s at {clients} clients = {s['ok_per_s'] / base:.0%} of that at {rows[0][0]}"
              if base else "")
    print("\nper kind (2xx/304 per s, p50 / p99 ms):")
    for clients, s in rows:
        cells = ", ".join(f"{k} {v[0]:.0f}/s {fmt_ms(v[1])}/{fmt_ms(v[2])}" for k, v in s["per_kind"].items())
        print(f"  {clients:5d}: {cells}")
    for clients, s in rows:
        extra = []
        if s["status_4xx"]:
            extra.append(f"{s['status_4xx']} answers 4xx")
        if s["unanswered"]:
            extra.append(f"{s['unanswered']} clients waiting for an answer when the load ended")
        if s["log_errors"]:
            extra.append(f"{s['log_errors']} errors in the server log: "
                         + "; ".join(f"{n} × {what}" for what, n in s["log_kinds"].items()))
        extra.append(f"longest answered request {fmt_ms(s['max_ms'])} ms; statuses {s['statuses']}")
        if s["slow_probes"]:
            shown = ", ".join(f"{t}: {ms}" for t, ms in s["slow_probes"][:8])
            more = f" and {len(s['slow_probes']) - 8} more" if len(s["slow_probes"]) > 8 else ""
            extra.append(f"{len(s['slow_probes'])} probes over 0.5 s (sent at s: took ms) {shown}{more}")
        print(f"  {clients:5d}: " + "; ".join(extra))


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "client":
        client_process(sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="8 s per level, 50 and 200 clients, 300 reports, SQLite")
    parser.add_argument("--clients", default="50,200,1000")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--timeout", type=float, default=30, help="a request's deadline (s)")
    parser.add_argument("--after", type=float, default=5, help="seconds of /healthz probes after the load")
    parser.add_argument("--reports", type=int, default=1000)
    parser.add_argument("--database", default="sqlite,postgres")
    parser.add_argument("--ignore-retry-after", action="store_true")
    parser.add_argument("--env", action="append", default=[], help="NAME=VALUE for the server (repeatable)")
    args = parser.parse_args()
    if args.quick:
        args.seconds, args.clients, args.reports, args.database = 8, "50,200", 300, "sqlite"
    env = dict(e.split("=", 1) for e in args.env)
    machine = h.machine().replace(f"load generator: {h.load_tool()}", "load generator: its own (asyncio, httptools)")
    print(f"# load_bench on {machine}")
    print(f"# {args.seconds:g} s per level, request deadline {args.timeout:g} s, Retry-After "
          f"{'ignored' if args.ignore_retry_after else 'honoured'}, server env {env or '{}'}")
    for kind in h.database_kinds(args.database.split(",")):
        with h.database(kind) as url:
            took = h.bulk_load(url, h.ReportGenerator(), 0, args.reports)
            h.analyze(url)
            print(f"\n## {kind}: {args.reports} generated reports (loaded in {took:.1f} s)")
            rows = []
            for clients in [int(c) for c in args.clients.split(",")]:
                rows.append((clients, run_level(url, clients, args, env)))
                print(f"# {kind} {clients} clients done", flush=True)
            print_table(kind, rows)


if __name__ == "__main__":
    main()
