"""Errors as RFC 9457 problem details (application/problem+json) with a stable `code`."""

from __future__ import annotations

import logging
import re
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from app.api.security_headers import HEADERS as SECURITY_HEADERS
from app.db import Overloaded
from app.api.report_shapes import Problem, ValidationProblem
from app.parsing import InputError
from app.runtime import runtime

log = logging.getLogger("app.errors")

PROBLEM_MEDIA_TYPE = "application/problem+json"

# codes for plain HTTP errors (routing, methods); our own raise ProblemError with a code
STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    500: "internal_error",
    502: "bad_gateway",
    503: "service_unavailable",
    504: "gateway_timeout",
}


# the status of each code of an input the core could not read (InputError) or a fetch refused or
# failed (FetchError): those errors carry a code and a message, never HTTP; this is the one place
# their status is decided (tests/test_problem_codes.py: every code raised in app/ is here)
INPUT_STATUS = {
    # the body is not something we read (415), empty (400), or too large once inflated (413)
    "not_text": 415, "legacy_word_document": 415, "unsupported_archive": 415, "content_mismatch": 415,
    "unknown_charset": 415, "not_a_word_document": 415,
    "empty_body": 400,
    "docx_too_large_inflated": 413, "pdf_too_large_inflated": 413,
    # a document of the right kind that cannot be read (422)
    "charset_mismatch": 422, "undecodable": 422, "docx_corrupt": 422, "pdf_corrupt": 422, "pdf_encrypted": 422,
    "too_many_pages": 422, "document_too_complex": 422, "legacy_word_unreadable": 422, "parse_failed": 422,
    "parse_timeout": 422,
    # fetching a URL: refused (422), too large (413), not a report's type (415), the other server (502/504)
    "url_invalid": 422, "url_scheme_not_allowed": 422, "fetch_address_refused": 422,
    "payload_too_large": 413, "unsupported_media_type": 415,
    "fetch_failed": 502, "fetch_too_many_redirects": 502, "fetch_upstream_status": 502, "fetch_timeout": 504,
}


def input_status(code: str) -> int:
    """The HTTP status answering an InputError's or FetchError's code (422 for one not listed:
    a document we could not read)."""
    return INPUT_STATUS.get(code, 422)


def problem_type(code: str) -> str:
    return f"urn:disclosure-stats:problem:{code}"


def problem_response(status: int, code: str, detail: str, *, title: str | None = None,
                     headers: dict[str, str] | None = None, **extra: Any) -> JSONResponse:
    body = {
        "type": problem_type(code),
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "code": code,
        **extra,
    }
    return JSONResponse(jsonable_encoder(body), status_code=status, headers=headers, media_type=PROBLEM_MEDIA_TYPE)


class ProblemError(Exception):
    """Raise anywhere in a request to answer with a problem response."""

    def __init__(self, status: int, code: str, detail: str, *, headers: dict[str, str] | None = None,
                 **extra: Any) -> None:
        super().__init__(detail)
        self.status, self.code, self.detail, self.headers, self.extra = status, code, detail, headers, extra


def validation_errors(errors) -> list[dict[str, Any]]:
    """Pydantic/FastAPI errors without their `input` (which may echo a large body)."""
    return [{"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))} for e in errors]


async def _problem_error(_request: Request, exc: ProblemError) -> JSONResponse:
    return problem_response(exc.status, exc.code, exc.detail, headers=exc.headers, **exc.extra)


async def _http_exception(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    status = exc.status_code
    phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
    detail = exc.detail if isinstance(exc.detail, str) and exc.detail != phrase else None
    if detail is None:
        detail = f"{phrase}: {request.method} {request.url.path}"
    headers = dict(getattr(exc, "headers", None) or {})
    if status == 405:
        headers["Allow"] = ", ".join(allowed_methods(request)) or headers.get("Allow", "")
    return problem_response(status, STATUS_CODES.get(status, f"http_{status}"), detail, headers=headers or None)


def allowed_methods(request: Request) -> list[str]:
    """Every method the path is documented with: Starlette's 405 names only the methods of
    the first route that matched the path, and e.g. GET and POST /reports are two routes."""
    state = runtime(request.app)
    table = state.allowed_methods
    if table is None:
        table = []
        for template, operations in request.app.openapi().get("paths", {}).items():
            pattern = re.compile("^" + re.sub(r"\\{[^/]+?\\}", "[^/]+", re.escape(template)) + "$")
            table.append((pattern, sorted(m.upper() for m in operations if m.isalpha())))
        state.allowed_methods = table
    path = request.url.path
    return sorted({m for pattern, methods in table if pattern.match(path) for m in methods})


async def _validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = validation_errors(exc.errors())
    first = errors[0] if errors else {"loc": [], "msg": "invalid request"}
    where = ".".join(str(part) for part in first["loc"])
    detail = f"Invalid request: {where}: {first['msg']}" if where else f"Invalid request: {first['msg']}"
    return problem_response(422, "validation_error", detail, errors=errors)


async def _input_error(_request: Request, exc: InputError) -> JSONResponse:
    return problem_response(input_status(exc.code), exc.code, exc.message)


async def _data_error(request: Request, exc: DataError) -> JSONResponse:
    # a value the database cannot hold (out of range, a NUL): the client's; logged without the values
    log.warning("database refused a value on %s %s: %s", request.method, request.url.path,
                type(getattr(exc, "orig", None) or exc).__name__)
    return problem_response(422, "invalid_value", "A value in this request is outside what the database can store.")


OVERLOADED_DETAIL = ("The server is answering as many requests as it can; this one would have waited too long "
                     "for its turn. Retry after the seconds in Retry-After.")


def overloaded_response(retry_after: int) -> JSONResponse:
    return problem_response(503, "overloaded", OVERLOADED_DETAIL, headers={"Retry-After": str(retry_after)})


async def _overloaded(_request: Request, exc: Overloaded) -> JSONResponse:
    return overloaded_response(exc.retry_after)


async def _client_disconnect(request: Request, _exc: ClientDisconnect) -> JSONResponse:
    # the client went away while sending its body (or the server's body timeout ended it,
    # app/server.py): nothing to answer, nothing went wrong here
    # (an aborted upload): one info line, and 499 in the access log, never a traceback
    log.info("client disconnected while sending the body of %s %s", request.method, request.url.path)
    return problem_response(499, "client_closed_request", "The client closed the connection before the body was "
                            "received.", title="Client Closed Request")


async def _unhandled(request: Request, exc: Exception) -> JSONResponse:
    request_id = getattr(request.state, "request_id", None)  # app.observability
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc,
              extra={"request_id": request_id})
    detail = "The server failed to handle this request; it has been logged"
    # sent from outside every middleware (Starlette's ServerErrorMiddleware): its headers here
    headers = {name.decode(): value.decode() for name, value in SECURITY_HEADERS}
    if request_id:
        return problem_response(500, "internal_error", f"{detail} under request id {request_id}.",
                                headers={**headers, "X-Request-ID": request_id}, request_id=request_id)
    return problem_response(500, "internal_error", detail + ".", headers=headers)


def register(app: FastAPI) -> None:
    app.add_exception_handler(ProblemError, _problem_error)
    app.add_exception_handler(StarletteHTTPException, _http_exception)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(InputError, _input_error)
    app.add_exception_handler(DataError, _data_error)
    app.add_exception_handler(Overloaded, _overloaded)
    app.add_exception_handler(ClientDisconnect, _client_disconnect)
    app.add_exception_handler(Exception, _unhandled)


_DESCRIPTIONS = {
    400: "Bad request: empty body, malformed JSON, or bytes that are no readable document",
    401: "Missing bearer token",
    403: "Wrong bearer token, or HTTP writes disabled (no DISCLOSURE_API_KEYS configured)",
    404: "No such report",
    409: "Conflict: a concurrent write of the same resource won; read it again and retry",
    410: "Gone: it was deleted (DELETE /documents/{id}); GET /changes lists a removed report",
    413: "Body larger than DISCLOSURE_MAX_BODY_BYTES",
    415: "Unsupported Content-Type",
    422: "Invalid parameters or body",
    502: "The URL could not be fetched: unreachable, an error status, too many redirects",
    503: "Database unavailable",
    504: "The URL's server did not answer in time",
}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` entries for a route; main.py serves them as application/problem+json."""
    return {s: {"model": ValidationProblem if s == 422 else Problem, "description": _DESCRIPTIONS[s]} for s in statuses}
