"""Corrections by people: PUT / DELETE /reports/{id}/figures/{key}, GET /reports/{id}/corrections.

Thin: the checks of the request here, the writing in app/services/corrections.py. The
writes are plain `def`s (FastAPI runs them in a worker thread), each in a session of its own.
"""

from __future__ import annotations

import difflib
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Path, Response
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from app.api.deps import DatabaseDep, ReportDep, SessionDep, WriterDep
from app.api.presenters import FIGURE_ROW_COLUMNS
from app.api.problems import ProblemError, problem_responses
from app.api.report_shapes import CorrectionInput, CorrectionPublic, CorrectionsPublic, FigurePublic
from app.models import FigureRow, Report, ReportText
from app import catalogue
from app.services import corrections
from app.services.present import figure_columns_json, fill_source_lines

router = APIRouter(prefix="/reports/{report_id}", tags=["corrections"])

FigureKey = Annotated[str, Path(min_length=1, max_length=120, description="a catalogue key (GET /catalogue)")]


def _catalogue_key(key: str, report: Report) -> catalogue.KeyInfo:
    """The key's catalogue entry, else a 422 naming the path's key (with close keys); a key
    of the other template than the report's is refused too (its sums would mix templates)."""
    info = catalogue.catalogue().get(key)
    if info is None:
        close = difflib.get_close_matches(key, list(catalogue.catalogue()), n=3, cutoff=0.6)
        hint = f"; did you mean {', '.join(close)}?" if close else " (GET /catalogue lists them)"
        raise RequestValidationError([{"loc": ("path", "key"), "msg": f"{key!r} is no catalogue key{hint}",
                                       "type": "unknown_key"}])
    if report.template is not None and report.template not in info.templates:
        raise RequestValidationError([{
            "loc": ("path", "key"), "type": "key_not_in_template",
            "msg": f"{key!r} is no figure of the {report.template} template (it is of the "
                   f"{', '.join(info.templates)} template)"}])
    return info


def _served_figure(session: Session, report_id: int, key: str) -> dict[str, Any] | None:
    row = session.exec(select(*FIGURE_ROW_COLUMNS).where(FigureRow.report_id == report_id, FigureRow.key == key)
                       .order_by(FigureRow.id)).first()
    if row is None:
        return None
    figures = [figure_columns_json(*row)]
    fill_source_lines(figures, lambda: session.exec(
        select(ReportText.original).where(ReportText.report_id == report_id)).first())
    corrections.annotate(session, report_id, figures)
    return figures[0]


@router.put(
    "/figures/{key}",
    response_model=FigurePublic,
    status_code=201,
    summary="Correct a figure",
    description="States the figure's value, with the reason, as the holder of the write key (its label signs "
                "it; the key is never stored). The figure is then served with this value and the flag `corrected`, "
                "the parser's reading beside it (`parsed_value`, `parsed_flags`) and `correction` {by, at, reason}, "
                "on every read: the figure endpoints, CSV/NDJSON, section views, /figures, /stats, checks and "
                "indicators; `exact=true` keeps it (a person's statement, not a reading). It survives reparses and "
                "new documents; the report's change_seq moves (GET /changes). A key the parser did not read is "
                "added. 201 for the figure's first active correction, 200 when it replaces one (which is retired, "
                "kept in GET …/corrections). Needs `Authorization: Bearer <key>`.",
    responses={200: {"model": FigurePublic, "description": "An active correction replaced"},
               201: {"description": "Corrected"},
               **problem_responses(400, 401, 403, 404, 409, 413, 422)},
)
def put_correction(report: ReportDep, key: FigureKey, body: CorrectionInput, author: WriterDep,
                   database: DatabaseDep) -> Any:
    info = _catalogue_key(key, report)
    value = body.value
    if isinstance(value, float):
        if value.is_integer():
            value = int(value)
        elif not key.endswith("_wan"):
            raise RequestValidationError([{"loc": ("body", "value"), "type": "int_type",
                                           "msg": f"{key} counts {info.unit or 'items'}: give an integer"}])
    with Session(database.engine, expire_on_commit=False) as session:
        stored = session.get(Report, report.id)
        if stored is None:
            raise ProblemError(404, "not_found", f"No report with id {report.id}.")
        try:
            _, first = corrections.correct(session, stored, key, value, body.reason, author)
            session.commit()
        except IntegrityError:  # another writer's correction of this figure won the race: theirs stands
            session.rollback()
            raise ProblemError(409, "conflict", f"{key} of report {report.id} was corrected meanwhile; "
                                                "read it again and retry.") from None
        figure = _served_figure(session, report.id, key)  # type: ignore[arg-type]
    return Response(orjson.dumps(figure), status_code=201 if first else 200, media_type="application/json")


@router.delete(
    "/figures/{key}",
    response_model=CorrectionPublic,
    summary="Withdraw a figure's correction",
    description="Retires the figure's active correction: the parser's value is served again (or no figure, "
                "where the parser read none). The correction stays in GET …/corrections, retired; the report's "
                "change_seq moves. 404 when the figure has no active correction. Needs "
                "`Authorization: Bearer <key>`.",
    responses=problem_responses(401, 403, 404, 422),
)
def delete_correction(report: ReportDep, key: FigureKey, author: WriterDep, database: DatabaseDep) -> Any:
    if key not in catalogue.catalogue():
        _catalogue_key(key, report)
    with Session(database.engine, expire_on_commit=False) as session:
        stored = session.get(Report, report.id)
        if stored is None:
            raise ProblemError(404, "not_found", f"No report with id {report.id}.")
        try:
            retired = corrections.retire(session, stored, key, author)
        except corrections.NoCorrection:
            raise ProblemError(404, "not_found", f"{key} of report {report.id} has no active correction.") from None
        session.commit()
        return corrections.correction_json(retired)


@router.get(
    "/corrections",
    response_model=CorrectionsPublic,
    summary="The report's corrections, active and retired",
    description="Every correction of the report's figures, newest first: value, reason, who (`by`: the write "
                "key's label), when, and for retired ones when and by whom.",
    responses=problem_responses(404, 422),
)
def read_corrections(report: ReportDep, session: SessionDep) -> Any:
    return {"report_id": report.id,
            "corrections": [corrections.correction_json(c) for c in corrections.history(session, report.id)]}  # type: ignore[arg-type]
