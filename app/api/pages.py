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
from sqlmodel import Session, select

from app.api.deps import OVERLOADED_RESPONSE, ReportDep, ReportId, SessionDep
from app.api.presenters import FIGURE_ROW_COLUMNS, report_public
from app.api.problems import ProblemError, problem_responses
from app.models import Document, FigureRow, FindingRow, Report, ReportText
from app.parsing import regions
from app.parsing.decode import PDF_TYPE
from app.parsing.errors import InputError
from app.runtime import runtime
from app.services import export, views
from app.services.pagerender import DEFAULT_WIDTH, MAX_WIDTH, MIN_WIDTH, PageCache, PageNotFound
from app.services.present import emit_value, figure_columns_json, fill_source_lines, finding_row_json
from app.services.viewer import report_view
from app.web import ASSETS_URL, PAGE_POLICY, package_dir, root_of, templates

router = APIRouter(prefix="/reports/{report_id}", tags=["pages"])

HTML_CONTENT = {"text/html": {"schema": {"type": "string"}}}
MAX_PAGES_SHOWN = 60  # pages of a PDF shown on the report page (the original has them all)
PAGE_IMAGE_WIDTH = 900  # pixels: the page image the report page shows


def page_cache(request: Request) -> PageCache:
    cache = getattr(request.app.state, "page_cache", None)
    if cache is None:
        cache = request.app.state.page_cache = PageCache()
    return cache


def html_page(name: str, context: dict[str, Any], request: Request, status_code: int = 200) -> HTMLResponse:
    response = templates.TemplateResponse(request, name, {"root": root_of(request), **context},
                                          status_code=status_code)
    response.headers["Content-Security-Policy"] = PAGE_POLICY
    return response


def _document_head(session: Session, report: Report) -> Any:
    return session.exec(select(Document.id, Document.media_type, Document.size, Document.sha256)
                        .where(Document.id == report.document_id)).first()


def _content(session: Session, document_id: int) -> bytes:
    data = session.exec(select(Document.content).where(Document.id == document_id)).first()
    if data is None:
        raise ProblemError(404, "not_found", "The report's document is gone.")
    return data


def report_page(request: Request, session: Session, report: Report) -> HTMLResponse:
    """The report page (in a worker thread)."""
    # the JSON's own fields, links and on_time
    public = report_public(report, request)
    figures = [figure_columns_json(*r) for r in session.exec(
        select(*FIGURE_ROW_COLUMNS).where(FigureRow.report_id == report.id).order_by(FigureRow.id))]
    original = session.exec(select(ReportText.original).where(ReportText.report_id == report.id)).first() or ""
    fill_source_lines(figures, lambda: original)
    findings = [finding_row_json(r) for r in session.exec(
        select(FindingRow).where(FindingRow.report_id == report.id).order_by(FindingRow.id))]
    view = report_view(report, figures, findings, original)
    doc = _document_head(session, report)
    own = public.links.self
    links = {"json": own, "figures": f"{own}/figures", "text": f"{own}/text", "document": f"{own}/document",
             "csv": f"{own}/sections/applications.csv"}
    pages: list[dict[str, Any]] = []
    count = 0
    if doc is not None and doc.media_type == PDF_TYPE:
        sizes = page_cache(request).page_sizes(lambda: _content(session, doc.id), doc.sha256, MAX_PAGES_SHOWN + 1)
        count = len(sizes)
        for number, (w, h) in enumerate(sizes[:MAX_PAGES_SHOWN], start=1):
            img_w = PAGE_IMAGE_WIDTH
            pages.append({"number": number, "w": round(w, 2), "h": round(h, 2), "img_w": img_w,
                          "img_h": round(img_w * h / max(w, 1.0)), "boxes": view["boxes"].get(number, []),
                          "src": f"{own}/pages/{number}.png?width={img_w}"})
    region = []
    if report.region_code and (d := regions.get(report.region_code)) is not None:
        region = [*reversed(regions.ancestors(report.region_code)), d]
    context = {"r": public, "v": view, "links": links, "region": region, "pages": pages,
               "pages_cut": count > MAX_PAGES_SHOWN,
               "doc": {"media_type": doc.media_type if doc else "?", "size": doc.size if doc else 0,
                       "pages": count if pages else None}}
    response = html_page("report.html", context, request)
    response.headers["Vary"] = "Accept"
    return response


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
                return _content(session, document_id)

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


RENDERS_AT_ONCE = 2


def _render_limiter(request: Request) -> anyio.CapacityLimiter:
    limiter = getattr(request.app.state, "render_limiter", None)
    if limiter is None:  # made on first use: it needs the running loop
        limiter = request.app.state.render_limiter = anyio.CapacityLimiter(RENDERS_AT_ONCE)
    return limiter


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
