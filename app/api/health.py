"""/healthz: the process answers and the database is reachable. /readyz: besides, the
database schema is at the newest migration this code knows (a load balancer's check: a
process whose database is behind, or unreachable, gets no traffic)."""

from __future__ import annotations

import logging

from typing import Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel
from sqlalchemy import inspect, text
from sqlalchemy.exc import SQLAlchemyError

from app.api.deps import SessionDep
from app.api.problems import ProblemError, problem_responses
from app.models import Health
from app.parsing import PARSER_VERSION

router = APIRouter(tags=["health"])
log = logging.getLogger("app.health")


class Ready(BaseModel):
    status: Literal["ready"]
    database: Literal["ok"]
    migration: str


def migration_head(request: Request) -> str:
    """The newest Alembic revision of this code (read once per app)."""
    head = getattr(request.app.state, "migration_head", None)
    if head is None:
        from alembic.script import ScriptDirectory

        from app.db import alembic_config

        head = ScriptDirectory.from_config(alembic_config(request.app.state.db.url)).get_current_head()
        request.app.state.migration_head = head
    return head


@router.get("/healthz", response_model=Health, summary="Liveness and database check",
            responses=problem_responses(503))
async def healthz(session: SessionDep) -> Health:
    try:
        session.connection().execute(text("SELECT 1")).one()
    except SQLAlchemyError as exc:
        log.warning("health check: database unavailable: %s", type(exc).__name__)
        raise ProblemError(503, "database_unavailable", "The database cannot be reached.") from None
    return Health(status="ok", database="ok", parser_version=PARSER_VERSION)


@router.get("/readyz", response_model=Ready, summary="Readiness: database reachable and migrated to head",
            responses=problem_responses(503))
async def readyz(request: Request, session: SessionDep) -> Ready:
    head = migration_head(request)
    try:
        connection = session.connection()
        current = (connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
                   if inspect(connection).has_table("alembic_version") else [])
    except SQLAlchemyError as exc:
        log.warning("readiness check: database unavailable: %s", type(exc).__name__)
        raise ProblemError(503, "database_unavailable", "The database cannot be reached.") from None
    if current != [head]:
        at = ", ".join(current) or "no migration"
        raise ProblemError(503, "migrations_pending",
                           f"The database schema is at {at}; this code needs {head}: run `disclosure migrate`.")
    return Ready(status="ready", database="ok", migration=head)
