"""How long the read endpoints hold the event loop, against a thread hand-off.

The read endpoints are `async def` and run their queries inline (app/api/reports.py says
why). This prints, per endpoint, the median time of the database work they do on the
loop for the seed report (234 figures) on a SQLite file, next to the median cost of one
anyio.to_thread hand-off, and the median of a whole request through the ASGI app.
Prints figures, asserts nothing.

    .venv/bin/python bench/api_reads.py [--rounds 200] [--quick]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import anyio
import anyio.to_thread
from fastapi.testclient import TestClient
from sqlmodel import select

from app.api.figures import figure_values
from app.api.presenters import FIGURE_ROW_COLUMNS
from app.config import Settings
from app.db import migrate
from app.main import create_app
from app.models import FigureRow, Report
from app.services.present import figure_columns_json

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"


def median_us(fn, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--quick", action="store_true", help="50 rounds")
    args = parser.parse_args()
    rounds = 50 if args.quick else args.rounds

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        migrate(url)
        settings = Settings(database_url=url, disclosure_api_keys="bench")
        app = create_app(settings)
        with TestClient(app) as client:
            r = client.post("/reports", content=(CORPUS / "ewenki-2020.txt").read_bytes(),
                            headers={"Content-Type": "text/plain", "Authorization": "Bearer bench"})
            rid = r.json()["id"]
            db = app.state.db

            def report_only():
                with db.session() as s:
                    s.get(Report, rid)

            def figures():
                with db.session() as s:
                    report = s.get(Report, rid)
                    rows = s.exec(select(*FIGURE_ROW_COLUMNS).where(FigureRow.report_id == report.id).order_by(FigureRow.id))
                    [figure_columns_json(*row) for row in rows]

            def section():
                with db.session() as s:
                    figure_values(s, s.get(Report, rid), "active.")

            async def hand_offs():
                for _ in range(rounds):
                    await anyio.to_thread.run_sync(lambda: None)

            print(f"seed report: {r.json()['figure_count']} figures; SQLite file; median of {rounds} rounds")
            print(f"{'work on the loop':<42} {'µs':>8}")
            print(f"{'  GET /reports/{id}: one row':<42} {median_us(report_only, rounds):8.0f}")
            print(f"{'  GET …/permits: report + active.* values':<42} {median_us(section, rounds):8.0f}")
            print(f"{'  GET …/figures: report + 234 rows → JSON':<42} {median_us(figures, rounds):8.0f}")
            start = time.perf_counter()
            anyio.run(hand_offs)
            print(f"{'one anyio.to_thread hand-off (mean)':<42} {(time.perf_counter() - start) / rounds * 1e6:8.0f}")
            print(f"{'whole request via the ASGI app':<42}")
            for path in (f"/reports/{rid}", f"/reports/{rid}/permits", f"/reports/{rid}/figures", "/healthz"):
                print(f"{'  GET ' + path:<42} {median_us(lambda: client.get(path), rounds):8.0f}")


if __name__ == "__main__":
    main()
