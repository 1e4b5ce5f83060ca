"""Security headers on every answer: what a browser should and should not do with it.

    Content-Security-Policy   default-src 'none'; frame-ancestors 'none' — an answer of this
                              service (JSON, CSV, text, a problem) runs nothing, loads nothing
                              and is framed nowhere, even when a browser renders it
    X-Content-Type-Options    nosniff — a JSON or CSV answer is never taken for HTML or script
    X-Frame-Options           DENY — frame-ancestors for browsers that predate CSP
    Referrer-Policy           no-referrer — links followed from a page send no URL

A page that needs more (the /docs and /redoc pages: their scripts and styles from the
service, app/api/docs.py) sends its own Content-Security-Policy, which is kept; the other
headers an answer already has are kept too. Pure ASGI, headers added to the response
start: no body is touched or buffered, a few list operations per answer.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

JSON_POLICY = "default-src 'none'; frame-ancestors 'none'"

HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", JSON_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
)
_NAMES = frozenset(name for name, _ in HEADERS)


def with_security_headers(headers) -> list[tuple[bytes, bytes]]:
    """`headers` (raw ASGI pairs, lower-case names as Starlette writes them) with every
    security header it lacks."""
    for name, _ in headers:
        if name in _NAMES:  # rare: a page with its own policy
            present = {n for n, _ in headers}
            return [*headers, *(h for h in HEADERS if h[0] not in present)]
    return [*headers, *HEADERS]


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = with_security_headers(message.get("headers", ()))
            await send(message)

        await self.app(scope, receive, send_with_headers)
