"""What the benchmarks share: the corpus and distinct variants of it, real uvicorn servers on
loopback, a load generator (wrk where installed, else an async httpx client), server memory
from /proc, scratch databases (a SQLite file, a PostgreSQL database created and dropped here)
and a bulk loader of generated reports. Nothing here asserts a timing.

PostgreSQL: BENCH_POSTGRES_URL names a database on the server to connect to for creating
and dropping the scratch one (default postgresql+psycopg://postgres@127.0.0.1:5432/postgres);
the scratch database is `bench_disclosure` (dropped first if left over, dropped at the end),
unless a bench is given a database to keep (scale_bench --keep-pg / --keep-sqlite).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import math
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
CORPUS = ROOT.parent / "shared" / "corpus"
VENV_BIN = Path(sys.executable).parent
API_KEY = "bench-key"
PG_ADMIN_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
PG_BENCH_DB = "bench_disclosure"
CPUS = sorted(os.sched_getaffinity(0))


# ----------------------------------------------------------------------------- the corpus


def corpus_documents() -> list[tuple[str, bytes, str | None]]:
    """(name, bytes, content type) of every readable report in the corpus (not the PDF)."""
    out = []
    for path in sorted(CORPUS.iterdir()):
        if path.suffix in (".txt", ".md", ".html", ".htm"):
            out.append((path.name, path.read_bytes(), "text/html" if path.suffix in (".html", ".htm") else "text/plain"))
    return out


def variant_bodies(n: int, start: int = 0) -> list[tuple[bytes, str | None]]:
    """n distinct request bodies: the corpus documents in turn, each with a line that makes
    its bytes unique (ASCII, so it is valid in GB18030 and UTF-8 alike). Parsing them costs
    what parsing the corpus costs."""
    docs = corpus_documents()
    out = []
    for i in range(start, start + n):
        _name, data, ctype = docs[i % len(docs)]
        tail = f"\n<!-- bench variant {i} -->\n" if ctype == "text/html" else f"\n\nbench variant {i}\n"
        out.append((data + tail.encode("ascii"), ctype))
    return out


# ----------------------------------------------------------------------------- generated reports


class ReportGenerator:
    """Reports for the scale runs: the parsed corpus reports (2019 template for years up to
    2020, 2021 after) with every figure scaled by a per-report factor, a real county or city
    code of the division table with its name as the agency, and years 2019–2025.
    Deterministic for a seed."""

    def __init__(self, seed: int = 6) -> None:
        from app.parsing import parse_document
        from app.divisions import all_divisions

        self.rng = random.Random(seed)
        bases = {}
        for name in ("ewenki-2020.txt", "huaian-2024.txt", "shuyang-2025.txt", "pingtan-2024.txt"):
            data = (CORPUS / name).read_bytes()
            bases[name] = (data, parse_document(data, "text/plain"))
        self.bases_2019 = [bases["ewenki-2020.txt"]]
        self.bases_2021 = [bases[n] for n in ("huaian-2024.txt", "shuyang-2025.txt", "pingtan-2024.txt")]
        self.places = [d for d in all_divisions() if d.level in ("county", "city")]

    def skip(self, n: int) -> None:
        """Draw the first n reports and drop them: the next make is report n, as in a run that
        loaded those n first (resuming a kept database)."""
        for i in range(n):
            self.make(i)

    def make(self, i: int):
        """(unique bytes, ParsedReport) for report number i."""
        year = 2019 + self.rng.randrange(7)
        data, base = self.rng.choice(self.bases_2019 if year <= 2020 else self.bases_2021)
        place = self.rng.choice(self.places)
        factor = self.rng.choice((0.5, 1, 1, 2, 3, 5, 10))
        figures = [f if f.unit == "项" else dataclasses.replace(f, value=_scaled(f.value, factor)) for f in base.figures]
        suffix = "人民政府" if place.level in ("county", "city") else ""
        parsed = dataclasses.replace(base, agency=place.name + suffix, region_code=place.code, level=place.level,
                                     year=year, figures=figures)
        return data + f"\n\nbench report {i}\n".encode("ascii"), parsed


def _scaled(value: float, factor: float) -> float:
    v = value * factor
    return float(math.floor(v)) if float(value).is_integer() else round(v, 4)


def bulk_load(url: str, gen: ReportGenerator, start: int, count: int) -> float:
    """Store reports start … start+count-1 through the ingest service's bulk store
    (app.services.ingest.store_many, 200 reports a transaction), parsed results written
    without parsing again. Returns the seconds taken (making the reports not included)."""
    from app.db import make_engine
    from app.services.ingest import store_many

    engine = make_engine(url)
    items = [gen.make(i) for i in range(start, start + count)]
    t0 = time.perf_counter()
    try:
        for b in range(0, len(items), 200):
            store_many(engine, items[b:b + 200])
    finally:
        engine.dispose()
    return time.perf_counter() - t0


# ----------------------------------------------------------------------------- databases


@contextlib.contextmanager
def sqlite_database() -> Iterator[str]:
    """A migrated SQLite file in a temporary folder (removed afterwards)."""
    from app.db import migrate

    tmp = tempfile.mkdtemp(prefix="bench-")
    try:
        url = f"sqlite:///{tmp}/bench.db"
        migrate(url)
        yield url
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def postgres_available() -> str | None:
    """None when the PostgreSQL server answers; else why not."""
    from sqlalchemy import create_engine, text

    try:
        engine = create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as exc:  # noqa: BLE001 - any failure means: skip PostgreSQL
        return f"{type(exc).__name__}: {str(exc).splitlines()[0]}"


@contextlib.contextmanager
def postgres_database(keep: str | None = None) -> Iterator[str]:
    """A fresh, migrated database `bench_disclosure` on the PostgreSQL server of
    BENCH_POSTGRES_URL, dropped afterwards. With `keep`, the database of that name instead:
    created when missing, reused (migrated to head) when there, never dropped, so that a
    loaded database serves run after run."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from app.db import migrate

    name = keep or PG_BENCH_DB
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first()
        if not keep:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        if not keep or not exists:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    try:
        migrate(url)
        yield url
    finally:
        if not keep:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextlib.contextmanager
def kept_sqlite_database(path: str) -> Iterator[str]:
    """The SQLite file at `path`: created when missing, reused (migrated to head) when there,
    never removed."""
    from app.db import migrate

    url = f"sqlite:///{Path(path).resolve()}"
    migrate(url)
    yield url


@contextlib.contextmanager
def database(kind: str, keep: str | None = None) -> Iterator[str]:
    """A scratch database of that kind, removed afterwards; with `keep`, the named one
    (a PostgreSQL database name, a SQLite file path), reused and kept."""
    if kind == "sqlite":
        ctx = kept_sqlite_database(keep) if keep else sqlite_database()
    else:
        ctx = postgres_database(keep)
    with ctx as url:
        yield url


def loaded_count(url: str) -> int:
    """How many generated reports were loaded into the database (a kept database's starting
    point): its documents, one per generated report (reports of a body-year share one report)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        n = conn.execute(text("SELECT count(*) FROM document")).scalar_one()
    engine.dispose()
    return int(n)


def database_kinds(wanted: list[str]) -> list[str]:
    """The kinds asked for that can run here (PostgreSQL skipped, with the reason, when its
    server does not answer)."""
    out = []
    for kind in wanted:
        if kind == "postgres" and (why := postgres_available()) is not None:
            print(f"# PostgreSQL skipped: {why}")
            continue
        out.append(kind)
    return out


def database_bytes(url: str) -> int:
    """The database's size on disk: the SQLite file and its WAL (checkpointed first), or
    pg_database_size."""
    from sqlalchemy import create_engine, text

    if url.startswith("sqlite"):
        path = Path(url.split("///", 1)[1])
        engine = create_engine(url)
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        engine.dispose()
        return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))
    engine = create_engine(url)
    with engine.connect() as conn:
        size = conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one()
    engine.dispose()
    return int(size)


def analyze(url: str) -> None:
    """Refresh the planner's statistics after a bulk load (what autovacuum / PRAGMA optimize
    would do in time)."""
    from sqlalchemy import create_engine

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        # PostgreSQL: VACUUM too, as autovacuum would after a bulk load (index-only scans need
        # the visibility map it sets)
        conn.exec_driver_sql("ANALYZE" if url.startswith("sqlite") else "VACUUM ANALYZE")
    engine.dispose()


# ----------------------------------------------------------------------------- servers


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pin(cpus: set[int] | None):
    if not cpus:
        return None
    return lambda: os.sched_setaffinity(0, cpus)


class Server:
    """A real uvicorn on 127.0.0.1: `disclosure serve` (the service, migrating first) or the
    bare app of bench/bare_app.py, with the same uvicorn settings. `cpus` pins it (and its
    workers) to those cores. Stopped with SIGTERM to its own process group."""

    def __init__(self, kind: str, *, workers: int = 1, database_url: str | None = None,
                 cpus: set[int] | None = None, env: dict | None = None) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.kind = kind
        full_env = {**os.environ, **(env or {})}
        full_env["PYTHONPATH"] = str(ROOT) + os.pathsep + full_env.get("PYTHONPATH", "")
        if kind == "app":
            full_env.update(DATABASE_URL=database_url or "", DISCLOSURE_API_KEYS=API_KEY)
            command = [str(VENV_BIN / "disclosure"), "serve"]
            self.ready_path = "/healthz"
        else:
            command = [sys.executable, str(ROOT / "bench" / "bare_app.py"), *(["--uvloop"] if kind == "bare-uvloop" else [])]
            self.ready_path = "/bare"
        command += ["--host", "127.0.0.1", "--port", str(self.port), "--workers", str(workers)]
        self._log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(command, env=full_env, stdout=self._log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True, preexec_fn=_pin(cpus))
        self.workers = workers
        self._wait_ready()

    def log(self) -> str:
        self._log.seek(0)
        return self._log.read().decode(errors="replace")

    def _wait_ready(self, timeout: float = 60) -> None:
        import httpx

        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError("server exited:\n" + self.log()[-3000:])
            try:
                if httpx.get(self.base + self.ready_path, timeout=2).status_code == 200 and \
                        len(self.worker_pids()) >= self.workers:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("server did not come up:\n" + self.log()[-3000:])
            time.sleep(0.1)

    def worker_pids(self) -> list[int]:
        """The processes that serve: the server itself with one worker, else its children
        running uvicorn workers (multiprocessing's helpers left out)."""
        if self.workers == 1:
            return [self.proc.pid]
        out = []
        for pid in _children(self.proc.pid):
            try:
                cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
            except OSError:
                continue
            if b"resource_tracker" not in cmd:
                out.append(pid)
        return out

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        self._log.close()

    def __enter__(self) -> "Server":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def _children(pid: int) -> list[int]:
    out = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            out += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return out


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used so far."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def descendants(pid: int) -> list[int]:
    """Every process below `pid` (a worker's parse pool: its forkserver and processes)."""
    out, todo = [], _children(pid)
    while todo:
        child = todo.pop()
        out.append(child)
        todo += _children(child)
    return out


def helper_pids(server: "Server") -> list[int]:
    """The processes the workers started (parse pools), not the workers themselves."""
    return [d for pid in server.worker_pids() for d in descendants(pid)]


def server_cpu_seconds(server: "Server") -> float:
    """CPU time used so far by the server's worker processes and the processes they started
    (parse pools): everything the server spends on the requests."""
    return sum(cpu_seconds(pid) for pid in server.worker_pids() + helper_pids(server))


def helper_cpu_seconds(server: "Server") -> float:
    """CPU time used so far by the processes the workers started (parse pools) alone."""
    return sum(cpu_seconds(pid) for pid in helper_pids(server))


class RssSampler:
    """The highest resident memory of each worker while it runs (sampled every 0.1 s), and of
    the processes it started (its parse pool), together."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.peak: dict[int, float] = {}
        self.helpers_peak: dict[int, float] = {}  # the processes each worker started, together
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            for pid in self.server.worker_pids():
                self.peak[pid] = max(self.peak.get(pid, 0.0), rss_mb(pid))
                helpers = sum(rss_mb(d) for d in descendants(pid))
                self.helpers_peak[pid] = max(self.helpers_peak.get(pid, 0.0), helpers)
            self._stop.wait(0.1)

    def __enter__(self) -> "RssSampler":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def max_worker_mb(self) -> float:
        return max(self.peak.values(), default=0.0)


# ----------------------------------------------------------------------------- load


@dataclasses.dataclass
class LoadResult:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int
    tool: str

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


_WRK_SCRIPT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH %d %d %.1f %.1f %d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), e.status + e.connect + e.read + e.write + e.timeout))
end
"""


def load_tool() -> str:
    return "wrk" if shutil.which("wrk") else "httpx"


def load(url: str, *, seconds: float, connections: int, headers: dict[str, str] | None = None,
         cpus: set[int] | None = None) -> LoadResult:
    """GET `url` from `connections` connections for `seconds`: requests/s, p50, p99 and errors
    (statuses ≥ 400, socket errors). wrk (one thread) where installed, else async httpx in a
    subprocess; `cpus` pins the generator."""
    headers = headers or {}
    if load_tool() == "wrk":
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
            f.write(_WRK_SCRIPT)
        try:
            cmd = ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency", "-s", f.name]
            for k, v in headers.items():
                cmd += ["-H", f"{k}: {v}"]
            out = subprocess.run(cmd + [url], capture_output=True, text=True, check=True,
                                 preexec_fn=_pin(cpus)).stdout
        finally:
            os.unlink(f.name)
        line = next(ln for ln in out.splitlines() if ln.startswith("BENCH "))
        n, dur_us, p50, p99, errors = line.split()[1:]
        return LoadResult(int(n), int(dur_us) / 1e6, float(p50) / 1000, float(p99) / 1000, int(errors), "wrk")
    cmd = [sys.executable, str(Path(__file__).resolve()), "httpx-load", url, str(seconds), str(connections)]
    for k, v in headers.items():
        cmd += [f"{k}: {v}"]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, preexec_fn=_pin(cpus)).stdout
    n, secs, p50, p99, errors = out.split()
    return LoadResult(int(n), float(secs), float(p50), float(p99), int(errors), "httpx")


async def _httpx_load(url: str, seconds: float, connections: int, headers: dict[str, str]) -> tuple:
    import httpx

    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(limits=limits, timeout=30, headers=headers) as client:
        await client.get(url)
        stop = time.perf_counter() + seconds

        async def worker() -> None:
            nonlocal errors
            while time.perf_counter() < stop:
                t = time.perf_counter()
                try:
                    r = await client.get(url)
                    if r.status_code >= 400:
                        errors += 1
                except httpx.HTTPError:
                    errors += 1
                latencies.append(time.perf_counter() - t)

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(connections)))
        took = time.perf_counter() - start
    latencies.sort()
    return (len(latencies), took, percentile(latencies, 50) * 1000, percentile(latencies, 99) * 1000, errors)


def percentile(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return float("nan")
    i = min(len(sorted_values) - 1, max(0, math.ceil(p / 100 * len(sorted_values)) - 1))
    return sorted_values[i]


def timed_gets(client, urls: list[str], headers: dict[str, str] | None = None) -> list[float]:
    """Each URL once, in turn, with a sync httpx client: milliseconds per request (the
    status must be 200 or 304)."""
    out = []
    for u in urls:
        t = time.perf_counter()
        r = client.get(u, headers=headers or {})
        out.append((time.perf_counter() - t) * 1000)
        if r.status_code not in (200, 304):
            raise RuntimeError(f"GET {u}: {r.status_code} {r.text[:300]}")
    return out


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def machine() -> str:
    model = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem = 0.0
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = int(line.split()[1]) / 1024 / 1024
    load = os.getloadavg()[0]
    return (f"{os.cpu_count()} cores ({model}), {mem:.0f} GB RAM, Python {sys.version.split()[0]}, "
            f"load generator: {load_tool()}, load average {load:.1f} at the start")


if __name__ == "__main__" and len(sys.argv) > 1 and sys.argv[1] == "httpx-load":
    _url, _secs, _conns, *_hdrs = sys.argv[2:]
    _headers = dict(h.split(": ", 1) for h in _hdrs)
    print(*asyncio.run(_httpx_load(_url, float(_secs), int(_conns), _headers)))
