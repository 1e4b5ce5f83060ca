"""The stack's own limit: a bare FastAPI app with one `async def` endpoint returning a small
JSON object, served by uvicorn exactly as `disclosure serve` serves the service (same
uvicorn.run arguments: asyncio's event loop, the HTTP protocol of app/server.py, access
log). The read and ingest benchmarks load it in the same run, the same way, and report the
service as a ratio of it. `--uvloop`: uvicorn's defaults instead (uvloop and its own
httptools protocol), as `serve` ran before 2026-12.

    python bench/bare_app.py [--host 127.0.0.1] [--port 8001] [--workers 1] [--uvloop]
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
    parser.add_argument("--uvloop", action="store_true", help="uvicorn's defaults (uvloop, its own httptools "
                                                               "protocol) instead of disclosure serve's")
    args = parser.parse_args()
    # as app/cli.py cmd_serve: factory, host, port, workers, proxy_headers, its event loop and HTTP protocol
    serve_as = {} if args.uvloop else {"loop": "asyncio", "http": "app.server:HttpProtocol", "ws": "none"}
    uvicorn.run("bare_app:create_app", factory=True, host=args.host, port=args.port, workers=args.workers,
                proxy_headers=True, app_dir=str(__import__("pathlib").Path(__file__).resolve().parent), **serve_as)


if __name__ == "__main__":
    main()
