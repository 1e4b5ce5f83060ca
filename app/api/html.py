"""HTML for people, drawn for the routers that answer it: the page frame (html_page: the
template, the root, the page's Content-Security-Policy) and the report page. Plain functions
called in a worker thread (their queries and rendering never run on the event loop); the
routers (app/api/pages.py, reports.py, home.py through finder.py) only choose them.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from sqlmodel import Session, select

from app.api.presenters import FIGURE_ROW_COLUMNS, report_public
from app.api.problems import ProblemError
from app.models import Document, FigureRow, FindingRow, Report, ReportText
from app.parsing import regions
from app.parsing.decode import PDF_TYPE
from app.runtime import runtime
from app.services.pagerender import PageCache
from app.services.present import figure_columns_json, fill_source_lines, finding_row_json
from app.services.viewer import report_view
from app.web import PAGE_POLICY, root_of, templates

MAX_PAGES_SHOWN = 60  # pages of a PDF shown on the report page (the original has them all)
PAGE_IMAGE_WIDTH = 900  # pixels: the page image the report page shows


def page_cache(request: Request) -> PageCache:
    return runtime(request.app).pages


def html_page(name: str, context: dict[str, Any], request: Request, status_code: int = 200) -> HTMLResponse:
    response = templates.TemplateResponse(request, name, {"root": root_of(request), **context},
                                          status_code=status_code)
    response.headers["Content-Security-Policy"] = PAGE_POLICY
    return response


def _document_head(session: Session, report: Report) -> Any:
    return session.exec(select(Document.id, Document.media_type, Document.size, Document.sha256)
                        .where(Document.id == report.document_id)).first()


def document_content(session: Session, document_id: int) -> bytes:
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
        sizes = page_cache(request).page_sizes(lambda: document_content(session, doc.id), doc.sha256, MAX_PAGES_SHOWN + 1)
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
