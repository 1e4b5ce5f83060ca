"""Requests refused before any route sees them: NUL characters in the path or query string
(PostgreSQL text cannot hold them, and no valid parameter contains one)."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from app.api.problems import problem_response


class NulGuardMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            query: bytes = scope.get("query_string", b"")
            if "\x00" in scope["path"] or b"\x00" in query or b"%00" in query.lower():
                response = problem_response(
                    422, "validation_error", "Invalid request: NUL characters are not accepted in the URL.",
                    errors=[{"loc": ["query" if "\x00" not in scope["path"] else "path"],
                             "msg": "NUL characters are not accepted", "type": "value_error"}],
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
