"""create_app(): routers, error handlers, the OpenAPI spec."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from app import __version__
from app.api import (
    bodies, caching, changes, corrections, deps, docs, documents, figures, health, home, indicators, pages,
    problems, query, regions, reports,
)
from app.api.auth import ReadKeyMiddleware
from app.api.guards import NulGuardMiddleware
from app.api.security_headers import SecurityHeadersMiddleware
from app.api.viewcache import ReportViewCache
from app.config import Settings, get_settings
from app.db import Database
from app.observability import RequestIdMiddleware
from app.runtime import Runtime
from app.api.report_shapes import ReportSubmission

DESCRIPTION = """\
Chinese government information-disclosure annual reports (政府信息公开工作年度报告), parsed into
figures with stable keys and served as JSON, per report and per section, each figure with
the line of the report it came from.

Errors are RFC 9457 `application/problem+json` documents with a stable `code`.
Writes need `Authorization: Bearer <key>` with a key from `DISCLOSURE_API_KEYS`; reads are
public unless the server sets `DISCLOSURE_READS_REQUIRE_KEY` (then any read or write key).

Under load, a read that would wait too long for its turn at the database answers `503`
`overloaded` with `Retry-After` (seconds). `disclosure serve` also refuses, as problem+json
and closing the connection: request line and headers not sent within the header timeout
(`408`), a body that stalls (`408`), a request target over 8 KiB (`414`) or headers over
32 KiB (`431`) by default, a URL that is not UTF-8 (`400`), and connections beyond its cap
(`503` `too_many_connections`; `/healthz` and `/readyz` still answered).
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    database = Database(settings.db_url, read_slots=settings.disclosure_read_concurrency)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        _app.state.runtime = Runtime.build(settings, _app.state.db)  # on the loop that serves
        yield
        _app.state.runtime.close()
        del _app.state.runtime
        database.dispose()

    # docs_url/redoc_url off: app.api.docs serves both pages with their assets from the service, no CDN
    app = FastAPI(title="disclosure-stats", version=__version__, description=DESCRIPTION, lifespan=lifespan,
                  docs_url=None, redoc_url=None)
    app.state.settings = settings
    app.state.db = database
    problems.register(app)
    if settings.disclosure_view_cache_mb:  # innermost: after the key check, inside ETag and CORS
        app.add_middleware(ReportViewCache, max_bytes=settings.disclosure_view_cache_mb * 1024 * 1024)
    app.add_middleware(ReadKeyMiddleware, settings=settings)
    app.add_middleware(NulGuardMiddleware)
    app.add_exception_handler(deps.ReportMoved, deps.report_moved)
    app.include_router(reports.router)
    app.include_router(figures.router)
    app.include_router(bodies.router)
    app.include_router(documents.router)
    app.include_router(corrections.router)
    app.include_router(pages.router)
    app.include_router(health.router)
    app.include_router(query.router)
    app.include_router(indicators.router)
    app.include_router(regions.router)
    app.include_router(changes.router)
    app.include_router(home.router)
    docs.register(app)
    pages.register_assets(app)
    caching.install(app, settings)  # ETag/304 and CORS: added last, so CORS is outermost
    app.add_middleware(RequestIdMiddleware)  # outside even CORS: every answer has its X-Request-ID
    app.add_middleware(SecurityHeadersMiddleware)  # outermost: CSP, nosniff, … on every answer
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def _openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's spec, with error responses as application/problem+json and the JSON
    submission schema that POST /reports reads by hand."""
    if app.openapi_schema:
        return app.openapi_schema
    spec = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    for operations in spec["paths"].values():
        for operation in operations.values():
            for status, response in operation.get("responses", {}).items():
                content = response.get("content", {})
                if status.isdigit() and int(status) >= 400 and content:
                    # FastAPI files them under the route's media type (JSON, or text/plain for /text)
                    response["content"] = {problems.PROBLEM_MEDIA_TYPE: next(iter(content.values()))}
    spec["components"]["schemas"]["ReportSubmission"] = ReportSubmission.model_json_schema(
        ref_template="#/components/schemas/{model}"
    )
    deps.document_overload(spec, app.routes)  # 503 with Retry-After where a read may have to wait
    caching.document(spec)  # If-None-Match, 304, ETag on every GET
    app.openapi_schema = spec
    return spec
