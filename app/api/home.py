"""GET /: where everything is; GET /catalogue: every figure key the service reads.

The catalogue is the parser's own template tables (app/catalogue.py), so it lists
exactly the keys a report can have, with the labels its template prints; docs/FIGURES.md
describes the same keys for people (a test holds the two together).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from app import __version__, catalogue
from app.api.deps import OVERLOADED_RESPONSE
from app.api.finder import finder_page
from app.api.listing import FormatParam, negotiate, rows_response
from app.api.problems import problem_responses
from app.api.shapes import Catalogue, Home, Links, Section
from app.models import Template
from app.runtime import runtime
from app.web import wants_html

router = APIRouter()

@router.get("/", response_model=Home, summary="Where everything is", tags=["meta"],
            description="Links to the collections, the figure catalogue and the API documentation. A browser "
                        "(an Accept header preferring `text/html` over `application/json`) gets a page to find "
                        "reports instead — by region, year, body (`region`, `year`, `agency`, `status` as in "
                        "GET /reports), with counts — and to upload one with a key. Answers carry `Vary: Accept`.",
            responses={200: {"content": {"text/html": {"schema": {"type": "string"}}}},
                       503: OVERLOADED_RESPONSE})
async def home(request: Request, response: Response) -> Any:
    if wants_html(request):  # its queries in a worker thread, with a slot of the read gate
        gate = runtime(request.app).reads
        database = request.app.state.db

        def page():
            with database.session() as session:
                return finder_page(request, session)

        async with gate.slot():
            return await gate.thread(page)
    response.headers["Vary"] = "Accept"
    root = request.scope.get("root_path", "").rstrip("/")
    paths = {"self": "/", "reports": "/reports", "changes": "/changes", "figures": "/figures", "stats": "/stats",
             "regions": "/regions", "catalogue": "/catalogue", "indicators": "/indicators", "health": "/healthz", "ready": "/readyz",
             "docs": "/docs", "redoc": "/redoc", "openapi": request.app.openapi_url or "/openapi.json"}
    return Home(name="disclosure-stats", version=__version__,
                description="Chinese government information-disclosure annual reports (政府信息公开工作年度报告), "
                            "parsed into figures with stable keys.",
                links=Links(**{name: f"{root}{path}" for name, path in paths.items()}))


CATALOGUE_COLUMNS = ["key", "label", "unit", "section", "templates"]


@router.get("/catalogue", response_model=Catalogue, summary="Every figure key", tags=["meta"],
            description="Every figure key a report can have, in the templates' order, with its Chinese label, unit, "
                        "section and the templates that have it (docs/FIGURES.md explains them). "
                        "`format=csv|ndjson` (or the Accept header) for the same rows as CSV or NDJSON.",
            responses={200: {"content": {"text/csv": {"schema": {"type": "string"}},
                                         "application/x-ndjson": {"schema": {"type": "string"}}}},
                       **problem_responses(422)})
async def read_catalogue(
    request: Request,
    response: Response,
    template: Annotated[Template | None, Query(description="only the keys of this template")] = None,
    section: Annotated[Section | None, Query(description="only the keys of this section")] = None,
    fmt: FormatParam = None,
) -> Catalogue | Response:
    rows = [{"key": info.key, "label": info.label, "unit": info.unit, "section": info.section,
             "templates": list(info.templates)}
            for info in catalogue.catalogue().values()
            if (template is None or template in info.templates) and (section is None or info.section == section)]
    chosen = negotiate(request, fmt)
    out = rows_response(request, chosen, rows, CATALOGUE_COLUMNS, "catalogue")
    if out is not None:
        return out
    response.headers["Vary"] = "Accept"
    return Catalogue(data=rows)  # type: ignore[arg-type]
