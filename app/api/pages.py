"""The report page (GET /reports/{id}/view, and GET /reports/{id} when a browser asks for
HTML), a PDF original's pages as PNG, and section 三 as a spreadsheet.

Every endpoint here is a plain `def` (FastAPI runs it in a worker thread, with a read-gate
slot): the queries, the page's rendering and PDFium's never run on the event loop.
"""

from __future__ import annotations

from typing import Annotated, Any

import anyio
import anyio.to_thread
from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import HTMLResponse
from sqlmodel import select

from app.api.deps import OVERLOADED_RESPONSE, ReportDep, ReportId, SessionDep
from app.api.html import document_content, page_cache, report_page
from app.api.problems import ProblemError, problem_responses
from app.models import Document, FigureRow, Report
from app.parsing.decode import PDF_TYPE
from app.parsing.errors import InputError
from app.runtime import runtime
from app.services import export, views
from app.services.pagerender import DEFAULT_WIDTH, MAX_WIDTH, MIN_WIDTH, PageNotFound
from app.services.present import emit_value
from app.web import ASSETS_URL, package_dir

router = APIRouter(prefix="/reports/{report_id}", tags=["pages"])

HTML_CONTENT = {"text/html": {"schema": {"type": "string"}}}
@router.get("/view", response_class=HTMLResponse, summary="The report page (HTML)",
            description="The report for people: its header, each section's table as the template lays it out "
                        "with every value styled by how it was read, the findings linked to their cells, and the "
                        "original beside it (its text with every figure's span marked; a PDF's pages with each "
                        "figure's box). `GET /reports/{id}` answers the same page to a browser "
                        "(`Accept: text/html`).",
            responses={200: {"content": HTML_CONTENT}, **problem_responses(404, 422)})
def view_report(request: Request, report: ReportDep, session: SessionDep) -> HTMLResponse:
    return report_page(request, session, report)


_PNG = {"image/png": {"schema": {"type": "string", "format": "binary"}}}


@router.get("/pages/{page}.png", response_class=Response, summary="A page of a PDF original, as an image",
            description=f"Page `page` (1-based) of the report's PDF, rendered as a PNG `width` pixels wide "
                        f"({MIN_WIDTH}–{MAX_WIDTH}; at most 4 million pixels and 4 pixels per PDF point). Figure "
                        "boxes (`source.box`, PDF points from the page's top-left) scale by width ÷ the page's "
                        "width in points. 404 `not_a_pdf` for a report not read from a PDF, `page_not_found` "
                        "past its last page. Rendered pages are kept in memory (bounded).",
            responses={200: {"content": _PNG}, **problem_responses(404, 422), 503: OVERLOADED_RESPONSE})
async def read_page_image(
    request: Request,
    report_id: ReportId,
    page: Annotated[int, Path(ge=1, le=10_000, description="1-based page number")],
    width: Annotated[int, Query(ge=MIN_WIDTH, le=MAX_WIDTH, description="image width in pixels")] = DEFAULT_WIDTH,
) -> Response:
    # async, with the read gate held only for the two short reads: rendering (tens of ms of
    # CPU) runs in a worker thread of its own, a few at a time, and holds no read slot
    database = request.app.state.db
    gate = runtime(request.app).reads

    def head() -> Any:
        with database.session() as session:
            return session.exec(select(Report.id, Document.id, Document.media_type, Document.sha256)
                                .join(Document, Document.id == Report.document_id)
                                .where(Report.id == report_id)).first()

    async with gate.slot(line=gate.POINT):
        found = await gate.thread(head)
    if found is None:
        raise ProblemError(404, "not_found", f"No report with id {report_id}.")
    _, document_id, media_type, digest = found
    if media_type != PDF_TYPE:
        raise ProblemError(404, "not_a_pdf", f"Report {report_id} was not read from a PDF: it has no pages to show.")
    cache = page_cache(request)
    rendered = cache.get(digest, page, width)
    if rendered is None:
        def content() -> bytes:
            with database.session() as session:
                return document_content(session, document_id)

        async with gate.slot(line=gate.POINT):
            data = await gate.thread(content)
        try:
            rendered = await anyio.to_thread.run_sync(cache.render, data, digest, page, width,
                                                      limiter=_render_limiter(request))
        except PageNotFound as exc:
            raise ProblemError(404, "page_not_found", f"Report {report_id}'s PDF has {exc.pages} pages, not {page}.") \
                from None
        except InputError as exc:
            raise ProblemError(422, exc.code, exc.message) from None
    return Response(rendered.png, media_type="image/png", headers={
        "Content-Disposition": f'inline; filename="report-{report_id}-page-{page}.png"',
        "Cache-Control": "public, max-age=86400",  # the same bytes render the same page
    })




def _render_limiter(request: Request) -> anyio.CapacityLimiter:
    return runtime(request.app).renders


@router.get("/sections/applications.csv", response_class=Response,
            summary="Section 三 as a spreadsheet",
            description="The section 三 grid as CSV (UTF-8 with BOM): one line per row of the report's template, "
                        "in its order, with the row's key and Chinese label, then one column per applicant type "
                        "(headed by its Chinese label and key); a value the report lacks is empty. Text cells a "
                        "spreadsheet would run as a formula are neutralised as in the other CSVs.",
            responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}, **problem_responses(404, 422)})
def read_applications_csv(report: ReportDep, session: SessionDep) -> Response:
    stmt = select(FigureRow.key, FigureRow.value).where(
        FigureRow.report_id == report.id, FigureRow.key.startswith("applications.", autoescape=True))
    values = {key: emit_value(key, value) for key, value in session.exec(stmt)}
    columns = views.applications(report.template, values)["columns"]
    header = ["row", "项目 label", *(f"{c.label} {c.key}" for c in columns)]
    rows = []
    for key, label, _group in views.application_rows(report.template, values):
        rows.append({"row": key, "项目 label": label,
                     **{f"{c.label} {c.key}": values.get(f"applications.{key}.{c.key}") for c in columns}})
    body = b"".join(export.csv_chunks(header, [rows]))
    return Response(body, media_type=export.CSV_MEDIA_TYPE, headers={
        "Content-Disposition": f'attachment; filename="report-{report.id}-applications.csv"'})


def register_assets(app) -> None:
    """The pages' stylesheet and script, from the package (app/web/static), at /assets."""
    from app.api.docs import _Assets  # StaticFiles with a day's Cache-Control

    app.mount(ASSETS_URL, _Assets(directory=str(package_dir("static"))), name="page-assets")
