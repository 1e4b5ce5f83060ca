"""HTTP caching and cross-origin reads.

Every successful GET carries a strong ETag and `Cache-Control: no-cache` (keep it, but ask
each time): a client that sends the ETag back in If-None-Match gets `304 Not Modified`
without a body. Single resources get the ETag of their bytes (a SHA-256 of the body) from
the middleware below. Lists, queries and bulk answers carry a stamp of the data version
set by their endpoint before any work (app/api/listing.conditional): a poller's 304 then
costs one small query, not the answer; the middleware leaves such ETags alone. Report
resources also carry Last-Modified (the report's updated_at, noted by app.api.deps).

Cache-Control is `private, no-cache` when reads need a key (DISCLOSURE_READS_REQUIRE_KEY).

CORS: reads (GET, HEAD, OPTIONS) from the origins in DISCLOSURE_CORS_ORIGINS (default `*`),
with ETag, Link, Last-Modified, Location and Content-Disposition readable by scripts.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from email.utils import format_datetime
from typing import Any

from fastapi import FastAPI
from starlette.datastructures import Headers, MutableHeaders
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CACHE_CONTROL = "no-cache"
MAX_HASHED_BODY = 32 * 1024 * 1024  # larger answers pass through without an ETag
EXPOSED_HEADERS = ["ETag", "Link", "Last-Modified", "Location", "Content-Disposition"]


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """If-None-Match's weak comparison (RFC 9110 13.1.2): any listed tag, W/ or not, or *."""
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    bare = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == bare for tag in if_none_match.split(","))


def http_date(moment: datetime) -> str:
    moment = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    return format_datetime(moment.astimezone(timezone.utc), usegmt=True)


class ConditionalGet:
    """ETag, Cache-Control, Last-Modified and 304s for GET (pure ASGI: bodies of streamed
    answers are never buffered — they come with their own ETag)."""

    def __init__(self, app: ASGIApp, cache_control: str = CACHE_CONTROL) -> None:
        self.app = app
        self.cache_control = cache_control

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        if_none_match = Headers(scope=scope).get("if-none-match")
        start: Message | None = None
        chunks: list[bytes] = []
        passing = False

        async def wrapped(message: Message) -> None:
            nonlocal start, passing
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                status = message["status"]
                if status not in (200, 304):
                    passing = True
                    await send(message)
                    return
                headers.setdefault("Cache-Control", self.cache_control)
                modified = scope.get("state", {}).get("last_modified")
                if modified is not None and "last-modified" not in headers:
                    headers["Last-Modified"] = http_date(modified)
                length = headers.get("content-length")
                if status == 304 or "etag" in headers or length is None or int(length) > MAX_HASHED_BODY:
                    passing = True
                    await send(message)
                    return
                start = message
                return
            if passing or start is None or message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            body = b"".join(chunks)
            etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
            headers = MutableHeaders(scope=start)
            headers["ETag"] = etag
            if etag_matches(if_none_match, etag):
                for name in ("content-length", "content-type", "content-disposition"):
                    del headers[name]
                await send({**start, "status": 304})
                await send({"type": "http.response.body", "body": b""})
                return
            await send(start)
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, wrapped)


def cors_origins(settings: Any) -> list[str]:
    """DISCLOSURE_CORS_ORIGINS: comma-separated origins, `*` (the default) for any."""
    raw = getattr(settings, "disclosure_cors_origins", "*")
    return [o.strip() for o in raw.split(",") if o.strip()] or ["*"]


def install(app: FastAPI, settings: Any) -> None:
    """The conditional-GET middleware, wrapped in CORS (so 304s carry CORS headers too).
    Add it last: CORS must answer preflights before any middleware that wants a key."""
    private = bool(getattr(settings, "disclosure_reads_require_key", False))
    app.add_middleware(ConditionalGet, cache_control="private, no-cache" if private else CACHE_CONTROL)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=cors_origins(settings),
        allow_methods=["GET", "HEAD", "OPTIONS"],
        allow_headers=["Accept", "Authorization", "If-None-Match", "If-Modified-Since", "Content-Type"],
        expose_headers=EXPOSED_HEADERS,
        max_age=600,
    )


_NOT_MODIFIED = {
    "description": "Not Modified: the ETag sent in If-None-Match still holds; no body",
    "headers": {
        "ETag": {"schema": {"type": "string"}, "description": "the representation's current ETag"},
        "Cache-Control": {"schema": {"type": "string"}},
    },
}
_IF_NONE_MATCH = {
    "name": "If-None-Match", "in": "header", "required": False, "schema": {"type": "string"},
    "description": "ETag(s) of a copy the client holds: 304 without a body while it is current",
}


def document(spec: dict[str, Any]) -> None:
    """Every GET in the spec: the If-None-Match header, the 304 answer, and the ETag and
    Cache-Control headers of its 200 (Last-Modified too on report resources)."""
    for path, operations in spec.get("paths", {}).items():
        op = operations.get("get")
        if op is None:
            continue
        params = op.setdefault("parameters", [])
        if not any(p.get("name") == "If-None-Match" for p in params):
            params.append(dict(_IF_NONE_MATCH))
        responses = op.setdefault("responses", {})
        responses.setdefault("304", _NOT_MODIFIED)
        ok = responses.get("200")
        if ok is not None:
            headers = ok.setdefault("headers", {})
            headers.setdefault("ETag", {"schema": {"type": "string"}, "description": "strong validator of this answer"})
            headers.setdefault("Cache-Control", {"schema": {"type": "string"}, "description": "`no-cache`: revalidate"})
            if path.startswith("/reports/{report_id}"):
                headers.setdefault("Last-Modified", {"schema": {"type": "string"},
                                                     "description": "the report's updated_at"})
