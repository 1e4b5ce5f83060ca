"""/docs (Swagger UI) and /redoc, with their scripts, styles and icon served by this service:
no CDN, so offices behind restrictive networks see them too.

The assets come from the `fastapi-offline` package (MIT; it ships swagger-ui-bundle.js,
swagger-ui.css, redoc.standalone.js and a favicon as package data), installed as a
dependency rather than copied into this repository.
"""

from __future__ import annotations

import base64
import hashlib
import re
from importlib import resources
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.types import Scope

ASSETS_URL = "/docs-assets"
ASSET_CACHE_CONTROL = "public, max-age=86400"

# What the two pages may do (app/api/security_headers.py gives every other answer `default-src
# 'none'`): scripts, styles, the icon and the spec from this service only, the page's own inline
# script by its hash; inline styles (both apps set style attributes) and data: images (Swagger
# UI's icons); ReDoc's search runs in a worker made from a blob, and its schema compiler builds
# functions ('unsafe-eval' only there). No other origin, no framing, no forms, no <base>.
_PAGE_POLICY = ("default-src 'none'; script-src 'self'{scripts}; style-src 'self' 'unsafe-inline'; "
                "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; "
                "frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.S)


def with_page_policy(page: HTMLResponse, *extra_sources: str) -> HTMLResponse:
    """The page with its Content-Security-Policy: its inline scripts allowed by their SHA-256."""
    hashes = [f"'sha256-{base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()}'"
              for body in _INLINE_SCRIPT.findall(page.body.decode())]
    page.headers["Content-Security-Policy"] = _PAGE_POLICY.format(
        scripts="".join(" " + source for source in (*hashes, *extra_sources)))
    return page


def assets_dir() -> Path:
    return Path(str(resources.files("fastapi_offline") / "static"))


class _Assets(StaticFiles):
    """StaticFiles (ETag and Last-Modified of the files) with a day's Cache-Control."""

    async def get_response(self, path: str, scope: Scope):
        response = await super().get_response(path, scope)
        if response.status_code in (200, 304):
            response.headers["Cache-Control"] = ASSET_CACHE_CONTROL
        return response


def register(app: FastAPI) -> None:
    """Mount the assets and add the two pages; create the app with docs_url=None and
    redoc_url=None so that FastAPI's CDN-based pages stay off."""
    app.mount(ASSETS_URL, _Assets(directory=assets_dir()), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "").rstrip("/")
        return with_page_policy(get_swagger_ui_html(
            openapi_url=f"{root}{app.openapi_url}", title=f"{app.title} — API",
            swagger_js_url=f"{root}{ASSETS_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{ASSETS_URL}/swagger-ui.css",
            swagger_favicon_url=f"{root}{ASSETS_URL}/favicon.png",
        ))

    @app.get("/redoc", include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "").rstrip("/")
        return with_page_policy(get_redoc_html(
            openapi_url=f"{root}{app.openapi_url}", title=f"{app.title} — API",
            redoc_js_url=f"{root}{ASSETS_URL}/redoc.standalone.js",
            redoc_favicon_url=f"{root}{ASSETS_URL}/favicon.png", with_google_fonts=False,
        ))
