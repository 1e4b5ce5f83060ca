"""The indicator dictionary and one report's indicators (reads in a worker thread: see reports.py)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from app import indicators as ind
from app.api.deps import ReportDep, SessionDep
from app.api.listing import REPORT_ROWS_CONTENT, ReportRowsFormat, rows_response
from app.api.problems import problem_responses
from app.api.shapes import IndicatorsPublic, ReportChecks, ReportIndicators
from app.services import quality
from app.services.neighbours import neighbour

router = APIRouter()


@router.get("/indicators", response_model=IndicatorsPublic, summary="The indicator dictionary", tags=["queries"],
            description="Each indicator: id, Chinese and English name, formula over catalogue keys, unit, caveats. "
                        "`GET /reports/{id}/indicators` computes them for one report; `/stats?indicator=` and "
                        "`/figures?indicator=` across reports (a ratio of sums over a group).")
async def list_indicators() -> IndicatorsPublic:
    return IndicatorsPublic(indicators=[ind.describe(i) for i in ind.INDICATORS])  # type: ignore[misc]


@router.get("/reports/{report_id}/indicators", response_model=ReportIndicators, tags=["figures"],
            summary="The report's indicators",
            description="Every indicator of `GET /indicators` for this report: value, numerator, denominator; "
                        "null with the reason when a figure is missing or the denominator is 0. "
                        "new_applications_change compares with the same body's report of the year before.",
            responses=problem_responses(404, 422))
def read_indicators(request: Request, report: ReportDep, session: SessionDep) -> ReportIndicators:
    previous = neighbour(session, report, -1)
    if previous is not None:
        request.state.last_modified = max(report.updated_at, previous.updated_at)
    rows = quality.report_indicators(session, report, previous)
    return ReportIndicators(report_id=report.id, template=report.template, year=report.year,  # type: ignore[arg-type]
                            indicators=rows)  # type: ignore[arg-type]


CHECK_COLUMNS = ["report_id", "check", "direction", "other_report_id", "verdict", "left", "right", "reason", "formula"]


@router.get("/reports/{report_id}/checks", response_model=ReportChecks, tags=["figures"],
            summary="Cross-year checks and quality signals",
            description="The report against the same body's reports of the year before and after (same agency and "
                        "region, parsed): carry-over, in_force (2021 template), prev_items (2019 template), each "
                        "holds / fails / unknown with both values and the other report's id; and its signals: "
                        "completeness, timeliness, copied_from_previous, year-over-year jumps. Computed when asked "
                        "(a neighbour arriving, corrected or deleted shows at once). `format=csv|ndjson`: one row "
                        "per check.",
            responses={200: {"content": REPORT_ROWS_CONTENT}, **problem_responses(404, 422)})
def read_checks(request: Request, report: ReportDep, session: SessionDep, fmt: ReportRowsFormat = None) -> Any:
    previous, following = neighbour(session, report, -1), neighbour(session, report, +1)
    body = quality.report_checks(session, report, previous, following)
    request.state.last_modified = max(r.updated_at for r in (report, previous, following) if r is not None)
    out = rows_response(request, fmt or "json", [{"report_id": report.id, **c} for c in body["checks"]],
                        CHECK_COLUMNS, f"report-{report.id}-checks", vary=False)
    return out if out is not None else ReportChecks(**body)
