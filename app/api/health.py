"""/healthz: the process answers and the database is reachable."""

from __future__ import annotations

import logging

from fastapi import APIRouter
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.api.deps import SessionDep
from app.api.problems import ProblemError, problem_responses
from app.models import Health
from app.parsing import PARSER_VERSION

router = APIRouter(tags=["health"])
log = logging.getLogger("app.health")


@router.get("/healthz", response_model=Health, summary="Liveness and database check",
            responses=problem_responses(503))
async def healthz(session: SessionDep) -> Health:
    try:
        session.connection().execute(text("SELECT 1")).one()
    except SQLAlchemyError as exc:
        log.warning("health check: database unavailable: %s", type(exc).__name__)
        raise ProblemError(503, "database_unavailable", "The database cannot be reached.") from None
    return Health(status="ok", database="ok", parser_version=PARSER_VERSION)
