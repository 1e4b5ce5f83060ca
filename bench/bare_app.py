"""The stack's own limit: a bare FastAPI app with one `async def` endpoint returning a small
JSON object, served by uvicorn exactly as `disclosure serve` serves the service (same
uvicorn.run arguments, same defaults: uvloop, httptools, access log). The read and ingest
benchmarks load it in the same run, the same way, and report the service as a ratio of it.

    python bench/bare_app.py [--host 127.0.0.1] [--port 8001] [--workers 1]
"""

from __future__ import annotations

import argparse

from fastapi import FastAPI


def create_app() -> FastAPI:
    app = FastAPI()

    @app.get("/bare")
    async def bare() -> dict:
        return {"status": "ok", "id": 1, "name": "bare"}

    return app


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    # as app/cli.py cmd_serve: factory, host, port, workers, proxy_headers
    uvicorn.run("bare_app:create_app", factory=True, host=args.host, port=args.port, workers=args.workers,
                proxy_headers=True, app_dir=str(__import__("pathlib").Path(__file__).resolve().parent))


if __name__ == "__main__":
    main()
