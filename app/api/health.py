"""/healthz: the process answers and the database is reachable. /readyz: besides, the
database schema is at the newest migration this code knows (a load balancer's check: a
process whose database is behind, or unreachable, gets no traffic)."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from sqlalchemy import Connection, inspect, text

from app.api.problems import ProblemError, problem_responses
from app.api.shapes import Health, Ready
from app.parsing import PARSER_VERSION
from app.runtime import runtime

router = APIRouter(tags=["health"])
log = logging.getLogger("app.health")


def migration_head(request: Request) -> str:
    """The newest Alembic revision of this code (read once per app)."""
    state = runtime(request.app)
    head = state.migration_head
    if head is None:
        from alembic.script import ScriptDirectory

        from app.db import alembic_config

        head = ScriptDirectory.from_config(alembic_config(request.app.state.db.url)).get_current_head()
        state.migration_head = head
    return head


def _select_one(conn: Connection) -> None:
    conn.execute(text("SELECT 1")).one()


def _schema_versions(conn: Connection) -> list[str]:
    """The revisions in alembic_version (none before the first migration)."""
    if not inspect(conn).has_table("alembic_version"):
        return []
    return list(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())


def _unavailable(what: str, exc: BaseException) -> ProblemError:
    log.warning("%s: database unavailable: %s", what, type(exc).__name__)
    return ProblemError(503, "database_unavailable", "The database cannot be reached.")


# Both answer on a path of their own (app.db.HealthProbe: its own connection, never queued behind
# the reads of the read gate) within a second: a database that does not answer in that time is 503.
@router.get("/healthz", response_model=Health, summary="Liveness and database check",
            responses=problem_responses(503))
async def healthz(request: Request) -> Health:
    try:
        sqlite = request.app.state.db.url.startswith("sqlite")
        await runtime(request.app).health.check(_select_one, inline=sqlite)
    except Exception as exc:  # noqa: BLE001 - any failure, a timeout included: unavailable
        raise _unavailable("health check", exc) from None
    return Health(status="ok", database="ok", parser_version=PARSER_VERSION)


@router.get("/readyz", response_model=Ready, summary="Readiness: database reachable and migrated to head",
            responses=problem_responses(503))
async def readyz(request: Request) -> Ready:
    head = migration_head(request)
    try:
        current = await runtime(request.app).health.check(_schema_versions)
    except Exception as exc:  # noqa: BLE001
        raise _unavailable("readiness check", exc) from None
    if current != [head]:
        at = ", ".join(current) or "no migration"
        raise ProblemError(503, "migrations_pending",
                           f"The database schema is at {at}; this code needs {head}: run `disclosure migrate`.")
    return Ready(status="ready", database="ok", migration=head)
