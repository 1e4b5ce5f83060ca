"""Dependencies shared by the routers: settings, database session, write auth, report lookup."""

from __future__ import annotations

import hmac
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session

from app.api.problems import ProblemError
from app.config import Settings
from app.db import Database
from app.models import Report


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_database(request: Request) -> Database:
    return request.app.state.db


# async on purpose: a sync generator dependency would cost a thread hand-off per request;
# opening a Session does no I/O (the connection is checked out on first use).
async def get_session(request: Request) -> AsyncIterator[Session]:
    with request.app.state.db.session() as session:
        yield session


SettingsDep = Annotated[Settings, Depends(get_settings)]
DatabaseDep = Annotated[Database, Depends(get_database)]
SessionDep = Annotated[Session, Depends(get_session)]

_bearer = HTTPBearer(auto_error=False, description="One of the keys in DISCLOSURE_API_KEYS")


async def require_writer(
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> None:
    """HTTP writes need `Authorization: Bearer <key>` with a configured key. The key is
    never logged nor echoed."""
    keys = settings.api_keys
    if not keys:
        raise ProblemError(
            403, "writes_disabled",
            "Writes over HTTP are disabled: no API key is configured. Set DISCLOSURE_API_KEYS "
            "(comma-separated keys) in the server's environment and send 'Authorization: Bearer <key>'.",
        )
    if credentials is None:
        raise ProblemError(401, "unauthorized", "This request needs 'Authorization: Bearer <key>'.",
                           headers={"WWW-Authenticate": "Bearer"})
    given = credentials.credentials.encode()
    matched = False
    for key in keys:  # compare with every key: the time taken does not tell which one matched
        matched |= hmac.compare_digest(given, key.encode())
    if not matched:
        raise ProblemError(403, "forbidden", "The bearer key is not valid.")


ReportId = Annotated[int, Path(ge=1, le=2**31 - 1, description="report id")]


async def get_report(report_id: ReportId, session: SessionDep) -> Report:
    report = session.get(Report, report_id)
    if report is None:
        raise ProblemError(404, "not_found", f"No report with id {report_id}.")
    return report


ReportDep = Annotated[Report, Depends(get_report)]
