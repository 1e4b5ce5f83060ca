"""/docs (Swagger UI) and /redoc, with their scripts, styles and icon served by this service:
no CDN, so offices behind restrictive networks see them too.

The assets come from the `fastapi-offline` package (MIT; it ships swagger-ui-bundle.js,
swagger-ui.css, redoc.standalone.js and a favicon as package data), installed as a
dependency rather than copied into this repository.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.types import Scope

ASSETS_URL = "/docs-assets"
ASSET_CACHE_CONTROL = "public, max-age=86400"


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
        return get_swagger_ui_html(
            openapi_url=f"{root}{app.openapi_url}", title=f"{app.title} — API",
            swagger_js_url=f"{root}{ASSETS_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{ASSETS_URL}/swagger-ui.css",
            swagger_favicon_url=f"{root}{ASSETS_URL}/favicon.png",
        )

    @app.get("/redoc", include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "").rstrip("/")
        return get_redoc_html(
            openapi_url=f"{root}{app.openapi_url}", title=f"{app.title} — API",
            redoc_js_url=f"{root}{ASSETS_URL}/redoc.standalone.js",
            redoc_favicon_url=f"{root}{ASSETS_URL}/favicon.png", with_google_fonts=False,
        )
