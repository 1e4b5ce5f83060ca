"""Who may write, and (when configured) who may read.

Keys are compared by their SHA-256 digests, so the server may be configured with the
digests alone (`sha256:<hex>` entries) and the comparison takes the same time whatever the
key's length or how much of it matches: the presented key is hashed once and compared with
every configured digest by hmac.compare_digest, without stopping at a match. A key is
never logged nor echoed in an error body.
"""

from __future__ import annotations

import hashlib
import hmac

from starlette.types import ASGIApp, Receive, Scope, Send

from app.api.problems import ProblemError, problem_response
from app.config import Settings

# always public: probes and the API's own description
PUBLIC_PATHS = frozenset({"/healthz", "/readyz", "/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"})
PUBLIC_PREFIXES = ("/docs-assets/",)  # the docs pages' scripts and styles (app.api.docs)


def key_matches(presented: str, digests: tuple[bytes, ...]) -> bool:
    return matching_key(presented, digests) is not None


def matching_key(presented: str, digests: tuple[bytes, ...]) -> int | None:
    """The index of the (first) digest the presented key matches, else None."""
    given = hashlib.sha256(presented.encode("utf-8", "surrogateescape")).digest()
    found = None
    for i, digest in enumerate(digests):  # every one compared: the time taken does not tell which matched
        if hmac.compare_digest(given, digest) and found is None:
            found = i
    return found


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, else None."""
    if not authorization:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def _unauthorized() -> ProblemError:
    return ProblemError(401, "unauthorized", "This request needs 'Authorization: Bearer <key>'.",
                        headers={"WWW-Authenticate": "Bearer"})


def check_writer(settings: Settings, authorization: str | None) -> str:
    """Refuse (401/403 problem) unless the bearer key may write; else the key's label
    (app.config.key_label), who a correction is signed by."""
    digests = settings.write_key_digests
    if not digests:
        raise ProblemError(
            403, "writes_disabled",
            "Writes over HTTP are disabled: no API key is configured. Set DISCLOSURE_API_KEYS "
            "(comma-separated keys) in the server's environment and send 'Authorization: Bearer <key>'.",
        )
    token = bearer_token(authorization)
    if token is None:
        raise _unauthorized()
    index = matching_key(token, digests)
    if index is None:
        raise ProblemError(403, "forbidden", "The bearer key is not valid.")
    return settings.write_key_labels[index]


def check_reader(settings: Settings, authorization: str | None) -> None:
    token = bearer_token(authorization)
    if token is None:
        raise _unauthorized()
    if not key_matches(token, settings.read_key_digests):
        raise ProblemError(403, "forbidden", "The bearer key is not valid for reading.")


class ReadKeyMiddleware:
    """With DISCLOSURE_READS_REQUIRE_KEY, every GET/HEAD outside PUBLIC_PATHS needs a read
    or write key. A middleware rather than a route dependency, so that every router, present
    and future, is covered; writes are guarded by their routes (require_writer)."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app, self.settings = app, settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (scope["type"] == "http" and self.settings.disclosure_reads_require_key
                and scope["method"] in ("GET", "HEAD") and scope["path"] not in PUBLIC_PATHS
                and not scope["path"].startswith(PUBLIC_PREFIXES)):
            authorization = None
            for name, value in scope["headers"]:
                if name == b"authorization":
                    authorization = value.decode("latin-1")
                    break
            try:
                check_reader(self.settings, authorization)
            except ProblemError as exc:
                response = problem_response(exc.status, exc.code, exc.detail, headers=exc.headers)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
