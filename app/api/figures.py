"""/reports/{id}/figures and the per-section views over them (reads in a worker thread: see reports.py)."""

from __future__ import annotations

from typing import Annotated

import orjson
from fastapi import APIRouter, Query, Request, Response
from sqlmodel import Session, select

from app.api.deps import ReportDep, SessionDep
from app.api.listing import REPORT_ROWS_CONTENT, ExactParam, ReportRowsFormat, rows_response
from app.api.presenters import FIGURE_ROW_COLUMNS
from app.api.problems import problem_responses
from app.api.report_shapes import FiguresPublic
from app.models import FigureRow, Report, ReportText
from app.services import corrections, views
from app.services.present import emit_value, figure_columns_json, fill_source_lines
from app.services.section_shapes import (
    ActiveView, ApplicationsView, FeesView, MediaAccountsView, PermitsView, ProcurementView, PublishingView,
    ReviewLitigationView,
)
from app.services.filters import exact_figures

router = APIRouter(prefix="/reports/{report_id}", tags=["figures"])
_NOT_FOUND = problem_responses(404, 422)


def with_document(figure: dict, document_id: int | None) -> dict:
    if figure["source"] is not None and document_id is not None:
        figure["source"]["document"] = document_id
    return figure


def figure_values(session: Session, report: Report, prefix: str, exact: bool = False) -> dict[str, int | float]:
    stmt = select(FigureRow.key, FigureRow.value).where(
        FigureRow.report_id == report.id, FigureRow.key.startswith(prefix, autoescape=True)
    )
    if exact:
        stmt = stmt.where(exact_figures())
    return {key: emit_value(key, value) for key, value in session.exec(stmt)}


FIGURE_CSV_COLUMNS = ["report_id", "key", "value", "unit", "section", "note", "flags", "source.line",
                      "source.start", "source.end", "source.text", "source.page", "source.box", "confidence",
                      "parsed_value", "parsed_flags", "correction.by", "correction.at", "correction.reason"]


@router.get("/figures", response_model=FiguresPublic, summary="Every figure, with its source",
            responses={200: {"content": REPORT_ROWS_CONTENT}, **_NOT_FOUND})
def read_figures(
    request: Request,
    report: ReportDep,
    session: SessionDep,
    prefix: Annotated[str | None, Query(max_length=120, description="only keys starting with this, e.g. active.")] = None,
    fmt: ReportRowsFormat = None,
    exact: ExactParam = False,
) -> Response:
    stmt = select(*FIGURE_ROW_COLUMNS).where(FigureRow.report_id == report.id)
    if exact:
        stmt = stmt.where(exact_figures())
    if prefix:
        stmt = stmt.where(FigureRow.key.startswith(prefix, autoescape=True))
    if report.document_count > 1:  # built from several documents: which one each figure came from
        stmt = stmt.add_columns(FigureRow.document_id)
        figures = [with_document(figure_columns_json(*r[:-1]), r[-1]) for r in session.exec(stmt.order_by(FigureRow.id))]
    else:
        figures = [figure_columns_json(*r) for r in session.exec(stmt.order_by(FigureRow.id))]
    fill_source_lines(figures, lambda: session.exec(
        select(ReportText.original).where(ReportText.report_id == report.id)).first())
    corrections.annotate(session, report.id, figures)  # type: ignore[arg-type]
    if fmt in ("csv", "ndjson"):
        return rows_response(request, fmt, [{"report_id": report.id, **f} for f in figures], FIGURE_CSV_COLUMNS,
                             f"report-{report.id}-figures", vary=False)  # type: ignore[return-value]
    # the rows have the shape of FiguresPublic already: serialised as they are, not validated again
    return Response(orjson.dumps({"report_id": report.id, "figures": figures}), media_type="application/json")


def _head(report: Report) -> dict:
    return {"report_id": report.id, "template": report.template}


@router.get("/active", response_model=ActiveView, summary="Section 二: proactive disclosure",
            responses=_NOT_FOUND)
def read_active(report: ReportDep, session: SessionDep, exact: ExactParam = False) -> ActiveView:
    return ActiveView(**_head(report), **views.active(figure_values(session, report, "active.", exact)))


@router.get("/permits", response_model=PermitsView, summary="Permits, other services, penalties, enforcement",
            responses=_NOT_FOUND)
def read_permits(report: ReportDep, session: SessionDep, exact: ExactParam = False) -> PermitsView:
    return PermitsView(**_head(report), **views.permits(figure_values(session, report, "active.", exact)))


@router.get("/fees", response_model=FeesView, summary="Administrative fees", responses=_NOT_FOUND)
def read_fees(report: ReportDep, session: SessionDep, exact: ExactParam = False) -> FeesView:
    fees = views.fees(figure_values(session, report, "active.fees.", exact))
    return FeesView(**_head(report), **fees.model_dump())


@router.get("/procurement", response_model=ProcurementView, summary="Government procurement",
            responses=_NOT_FOUND)
def read_procurement(report: ReportDep, session: SessionDep, exact: ExactParam = False) -> ProcurementView:
    procurement = views.procurement(figure_values(session, report, "active.procurement.", exact))
    return ProcurementView(**_head(report), **procurement.model_dump())


@router.get("/applications", response_model=ApplicationsView, summary="Section 三: applications, rows × applicants",
            responses=_NOT_FOUND)
def read_applications(report: ReportDep, session: SessionDep, exact: ExactParam = False) -> ApplicationsView:
    values = figure_values(session, report, "applications", exact)  # applications.* and applications_channel.*
    return ApplicationsView(**_head(report), **views.applications(report.template, values))


@router.get("/review-litigation", response_model=ReviewLitigationView,
            summary="Section 四: administrative reconsideration and litigation", responses=_NOT_FOUND)
def read_review_litigation(report: ReportDep, session: SessionDep,
                           exact: ExactParam = False) -> ReviewLitigationView:
    values = figure_values(session, report, "review_litigation.", exact)
    return ReviewLitigationView(**_head(report), **views.review_litigation(values))


@router.get("/media-accounts", response_model=MediaAccountsView, summary="Government new-media accounts",
            responses=_NOT_FOUND)
def read_media_accounts(report: ReportDep, session: SessionDep, exact: ExactParam = False) -> MediaAccountsView:
    values = figure_values(session, report, "media.accounts.", exact)
    return MediaAccountsView(**_head(report), **views.media_accounts(values))


@router.get("/publishing", response_model=PublishingView, summary="What the body published, by channel",
            responses=_NOT_FOUND)
def read_publishing(report: ReportDep, session: SessionDep, exact: ExactParam = False) -> PublishingView:
    return PublishingView(**_head(report), **views.publishing(figure_values(session, report, "publishing.", exact)))
