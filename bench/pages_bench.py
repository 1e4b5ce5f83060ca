"""The pages for people, in process over a SQLite file: per corpus report, the report page's
time (queries + layout + Jinja) and size, the JSON of the same report beside it, and for the
PDF its page images: first render and from the cache, per width, PNG size and pixels. Prints
figures; asserts nothing.

    .venv/bin/python bench/pages_bench.py [--quick] [--rounds N]
"""

from __future__ import annotations

import argparse
import statistics
import struct
import sys
import tempfile
import time
import warnings
from pathlib import Path

warnings.filterwarnings("ignore", message=".*httpx2.*")

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
CORPUS = REPO.parent / "shared" / "corpus"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
TYPES = {".txt": "text/plain", ".md": "text/markdown", ".html": "text/html", ".pdf": "application/pdf"}


def _ms(samples: list[float]) -> str:
    return f"{statistics.median(samples) * 1000:7.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="three reports, three rounds")
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    rounds = 3 if args.quick else args.rounds

    from fastapi.testclient import TestClient

    from app.config import Settings
    from app.db import migrate
    from app.main import create_app

    names = sorted(p.name for p in CORPUS.iterdir() if p.is_file() and p.suffix in TYPES)
    if args.quick:
        names = [n for n in names if n in ("ewenki-2020.txt", "huaian-2024.pdf", "pingtan-2024.txt")]
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        migrate(url)
        # the view cache off: every request pays for its page (the JSON would be served from memory)
        settings = Settings(database_url=url, disclosure_api_keys="bench-key", disclosure_parse_processes=0,
                            disclosure_view_cache_mb=0)
        with TestClient(create_app(settings)) as client:
            auth = {"Authorization": "Bearer bench-key"}
            ids = {}
            for name in names:
                r = client.post("/reports", content=(CORPUS / name).read_bytes(),
                                headers={"Content-Type": TYPES[Path(name).suffix], **auth})
                ids[name] = r.json()["id"]
            print(f"report page (GET /reports/{{id}} as a browser) vs its JSON, median of {rounds}, view cache off")
            print(f"{'report':34} {'figures':>7} {'page ms':>8} {'page KB':>8} {'json ms':>8}")
            for name, rid in ids.items():
                page_t, json_t = [], []
                size = 0
                for _ in range(rounds):
                    t0 = time.perf_counter()
                    page = client.get(f"/reports/{rid}", headers={"Accept": BROWSER})
                    page_t.append(time.perf_counter() - t0)
                    size = len(page.content)
                    t0 = time.perf_counter()
                    client.get(f"/reports/{rid}")
                    json_t.append(time.perf_counter() - t0)
                figures = client.get(f"/reports/{rid}").json()["figure_count"]
                print(f"{name:34} {figures:7d} {_ms(page_t):>8} {size / 1024:8.1f} {_ms(json_t):>8}")
            for name, rid in ids.items():
                if not name.endswith(".pdf"):
                    continue
                print(f"\n{name}: page images (GET /reports/{rid}/pages/{{n}}.png), first render and cached")
                print(f"{'width':>6} {'page':>5} {'first ms':>9} {'cached ms':>10} {'PNG KB':>7} {'pixels':>10}")
                for width in (600, 1000, 2000) if not args.quick else (1000,):
                    for page in (1, 4):
                        t0 = time.perf_counter()
                        r = client.get(f"/reports/{rid}/pages/{page}.png", params={"width": width})
                        first = time.perf_counter() - t0
                        cached = []
                        for _ in range(rounds):
                            t0 = time.perf_counter()
                            client.get(f"/reports/{rid}/pages/{page}.png", params={"width": width})
                            cached.append(time.perf_counter() - t0)
                        w, h = struct.unpack(">II", r.content[16:24])
                        print(f"{width:6d} {page:5d} {first * 1000:9.1f} {_ms(cached):>10} "
                              f"{len(r.content) / 1024:7.1f} {w * h:10d}")


if __name__ == "__main__":
    main()
