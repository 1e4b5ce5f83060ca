"""The HTTP layer of `disclosure serve`: uvicorn's httptools protocol with the limits uvicorn
lacks, and problem+json where uvicorn answers plain text.

uvicorn times out only idle keep-alive connections (`timeout_keep_alive`, armed after a
response): a connection that never finishes its request line and headers, or its body, is
kept for ever, and httptools accumulates a request target or a header of any length. Here,
per connection (DISCLOSURE_* settings, app/config.py):

- header timeout: the request line and headers must arrive within HEADER_TIMEOUT seconds of
  the connection (or of the request's first byte on a kept connection); else 408 (or, when
  nothing at all was sent, the connection is closed);
- body timeout: while the app waits for body bytes, BODY_TIMEOUT seconds without one end
  the request (408 when no answer started) and the connection;
- a request target longer than MAX_URL_BYTES is 414, a request line and headers larger than
  MAX_HEADER_BYTES together 431, both before httptools holds more of them;
- a request target with raw UTF-8 bytes (`curl 'localhost:8000/reports?agency=淮安'`, as
  people type it) is percent-encoded before parsing, so it works as if the client had
  encoded it; bytes that are not UTF-8 are a 400 that says how to encode them;
- any other request httptools cannot parse is a problem+json 400 (uvicorn: plain text);
- connection cap: beyond MAX_CONNECTIONS open connections, a new connection's requests are
  answered 503 with Retry-After and the connection closed — except /healthz and /readyz,
  still answered, so that a saturated worker is not taken for a dead one. (uvicorn's own
  `limit_concurrency` counts every open connection, kept ones too, so that at its limit
  every request of every client is refused, in plain text.)
- Retry-After is held to: after a 503 with Retry-After on a connection, the next request on
  it (probes excepted) starts when that time has passed (at most MAX_HOLD seconds). A client
  that ignores it and asks again at once waits instead of costing the worker another
  refusal: 1,000 such clients once kept a worker busy answering ~1,800 refusals a second,
  its reads and probes starved (bench/load_bench.py --ignore-retry-after).

Every refusal is application/problem+json with a stable `code`, `Connection: close`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from http import HTTPStatus
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from app.config import Settings, get_settings

log = logging.getLogger("app.server")

PROBES = frozenset({"/healthz", "/readyz"})
MAX_HOLD = 15.0  # seconds a request sent before its connection's Retry-After is held at most
PROBLEM_MEDIA_TYPE = b"application/problem+json"
ENCODE_HINT = ("Percent-encode the query, e.g. with curl -G --data-urlencode 'agency=淮安' "
               "http://localhost:8000/reports.")
_HIGH_BYTE = re.compile(rb"[\x80-\xff]")


@dataclass(frozen=True)
class Limits:
    header_timeout: float
    body_timeout: float
    max_url_bytes: int
    max_header_bytes: int
    max_connections: int

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        return cls(header_timeout=settings.disclosure_header_timeout, body_timeout=settings.disclosure_body_timeout,
                   max_url_bytes=settings.disclosure_max_url_bytes,
                   max_header_bytes=settings.disclosure_max_header_bytes,
                   max_connections=settings.disclosure_max_connections)


@lru_cache
def limits() -> Limits:
    """This process's limits, from the environment (as `disclosure serve` sets it)."""
    return Limits.from_settings(get_settings())


def problem_bytes(status: int, code: str, detail: str, *,
                  default_headers: list[tuple[bytes, bytes]] | None = None) -> bytes:
    """A whole HTTP/1.1 answer with a problem+json body, closing the connection."""
    body = json.dumps({"type": f"urn:disclosure-stats:problem:{code}", "title": HTTPStatus(status).phrase,
                       "status": status, "detail": detail, "code": code}, ensure_ascii=False,
                      separators=(",", ":")).encode()  # as the app's problems (compact)
    head = [f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\n".encode()]
    for name, value in [*(default_headers or []), (b"content-type", PROBLEM_MEDIA_TYPE),
                        (b"content-length", str(len(body)).encode()), (b"connection", b"close")]:
        head.append(name + b": " + value + b"\r\n")
    return b"".join(head) + b"\r\n" + body


def encode_target(line: bytes) -> bytes | None:
    """The request line with the raw bytes of its target percent-encoded (the line as it is
    when it has none, or is no request line); None when those bytes are not UTF-8."""
    if line.isascii():
        return line
    method, sep, rest = line.partition(b" ")
    target, sep2, version = rest.rpartition(b" ")
    if not sep or not sep2 or not version.startswith(b"HTTP/"):
        return line  # not a request line: the parser says so
    try:
        target.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return method + b" " + _HIGH_BYTE.sub(lambda m: b"%%%02X" % m[0][0], target) + b" " + version


class OverCapacity:
    """The app for the requests of a connection opened beyond MAX_CONNECTIONS: probes go to
    the app (the connection closed after the answer), everything else is 503."""

    def __init__(self, app: Any, retry_after: int = 1) -> None:
        self.app = app
        self.retry_after = str(retry_after).encode()

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return
        if scope["path"] in PROBES:
            async def closing(message) -> None:
                if message["type"] == "http.response.start":
                    message = {**message, "headers": [*message.get("headers", []), (b"connection", b"close")]}
                await send(message)
            await self.app(scope, receive, closing)
            return
        body = json.dumps({"type": "urn:disclosure-stats:problem:too_many_connections",
                           "title": "Service Unavailable", "status": 503, "code": "too_many_connections",
                           "detail": "The server holds as many connections as it can; retry after the seconds "
                                     "in Retry-After, or reuse a kept-alive connection."},
                          separators=(",", ":")).encode()
        await send({"type": "http.response.start", "status": 503,
                    "headers": [(b"content-type", PROBLEM_MEDIA_TYPE), (b"content-length", str(len(body)).encode()),
                                (b"retry-after", self.retry_after), (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})


class HttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with the limits of this module (`disclosure serve`
    passes it as `http=`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limits = limits()
        self._head_timer: asyncio.TimerHandle | None = None
        self._in_head = True  # before the end of a request's headers
        self._line_pending = True  # the next bytes start a request line (held until its end)
        self._line = b""
        self._head_bytes = 0  # of the request line and headers so far
        self._retry_at = 0.0  # loop time before which this connection was told not to come back

    # --------------------------------------------------------------- connection

    def connection_made(self, transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if len(self.connections) > self.limits.max_connections:
            # one answer, then closed; come back when kept connections have had time to time out
            self.app = OverCapacity(self.app, retry_after=max(1, self.timeout_keep_alive))
        self._arm_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_head_timer()
        super().connection_lost(exc)

    def _refuse(self, status: int, code: str, detail: str, *, current: bool = False) -> None:
        """Answer `status` and close. A refusal of the request being read (`current`: its body)
        is answered unless its app's answer started; one of the next request's head is answered
        unless an earlier request's answer is still to come (then the connection just closes)."""
        self._cancel_head_timer()
        if self.transport.is_closing():
            return
        cycle = self.cycle
        if (not cycle.response_started) if current else (cycle is None or cycle.response_complete):
            self.transport.write(problem_bytes(status, code, detail, default_headers=self.server_state.default_headers))
        self.transport.close()

    def send_400_response(self, msg: str) -> None:
        """A request httptools could not parse (uvicorn's answer is plain text)."""
        self._refuse(400, "bad_request",
                     "The request is not valid HTTP/1.1. If its URL holds spaces, quotes or other characters "
                     "that URLs cannot carry as they are, percent-encode them. " + ENCODE_HINT)

    # --------------------------------------------------------------- head: timeout, limits, raw UTF-8

    def _arm_head_timer(self) -> None:
        if self._head_timer is None:
            self._head_timer = self.loop.call_later(self.limits.header_timeout, self._head_timed_out)

    def _cancel_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if self.transport.is_closing():
            return
        if self._head_bytes or self._line:
            self._refuse(408, "request_timeout",
                         f"The request line and headers did not arrive within {self.limits.header_timeout:g} s.")
        else:  # nothing sent at all: no answer owed
            self.transport.close()

    def data_received(self, data: bytes) -> None:
        if self._in_head:
            self._unset_keepalive_if_required()  # a request is coming: the header timeout applies now
            self._arm_head_timer()
            if self._line_pending:
                data = self._request_line(data)
                if not data:
                    return
            room = self.limits.max_header_bytes - self._head_bytes
            if len(data) > room:
                head, data = data[:max(room, 0)], data[max(room, 0):]
                self._head_bytes += len(head)
                if head:
                    super().data_received(head)
                if self._in_head:
                    if not self.transport.is_closing():
                        self._refuse(431, "request_header_fields_too_large",
                                     f"The request line and headers exceed {self.limits.max_header_bytes} bytes.")
                    return
                if not data or self.transport.is_closing():
                    return
            else:
                self._head_bytes += len(data)
        super().data_received(data)

    def _request_line(self, data: bytes) -> bytes:
        """Hold bytes until the request line is whole; then that line (its raw UTF-8 bytes
        percent-encoded) and what followed it. b"" while waiting or after refusing."""
        self._line += data
        end = self._line.find(b"\n")
        limit = self.limits.max_url_bytes
        if end < 0:
            if len(self._line) > limit + 32:  # method, version and spaces are never that long
                self._refuse(414, "uri_too_long", f"The request target exceeds {limit} bytes. "
                             "Long filters belong in fewer, shorter parameters.")
            return b""
        line, rest = self._line[:end + 1], self._line[end + 1:]
        self._line = b""
        self._line_pending = False
        target = line.split(b" ")[1] if line.count(b" ") >= 2 else b""
        if len(target) > limit:
            self._refuse(414, "uri_too_long", f"The request target exceeds {limit} bytes. "
                         "Long filters belong in fewer, shorter parameters.")
            return b""
        encoded = encode_target(line)
        if encoded is None:
            self._refuse(400, "url_not_utf8",
                         "The URL holds bytes that are not UTF-8: send it percent-encoded UTF-8. " + ENCODE_HINT)
            return b""
        return encoded + rest

    # parser callbacks (httptools calls them during data_received)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._in_head = True
        self._line_pending = False  # its line is being parsed (pipelined requests: as it came)

    def on_headers_complete(self) -> None:
        self._in_head = False
        self._cancel_head_timer()
        before = self.cycle
        super().on_headers_complete()
        cycle = self.cycle
        if cycle is not None and cycle is not before:
            cycle.send = self._noting_send(cycle.send)  # type: ignore[method-assign]
            if cycle.more_body:
                cycle.receive = self._timed_receive(cycle, cycle.receive)  # type: ignore[method-assign]

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._in_head = True
        self._line_pending = True
        self._head_bytes = 0

    # --------------------------------------------------------------- Retry-After, held to

    def _noting_send(self, send):
        async def noting_send(message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 503:
                for name, value in message.get("headers", ()):
                    if name.lower() == b"retry-after":
                        try:
                            self._retry_at = self.loop.time() + min(float(value), MAX_HOLD)
                        except ValueError:
                            pass
            await send(message)

        return noting_send

    def _start_asgi_task(self, cycle, app) -> None:
        """Start the request's app — or, when it came before this connection's Retry-After,
        once that has passed (its task starts then; nothing of it runs meanwhile)."""
        wait = self._retry_at - self.loop.time()
        if wait > 0 and cycle.scope["path"] not in PROBES:
            self.loop.call_later(wait, self._start_held, cycle, app)
            return
        super()._start_asgi_task(cycle, app)

    def _start_held(self, cycle, app) -> None:
        if self.transport.is_closing():  # the client did not wait: nothing to answer
            cycle.disconnected = True
            cycle.message_event.set()
            return
        super()._start_asgi_task(cycle, app)

    # --------------------------------------------------------------- body timeout

    def _timed_receive(self, cycle, receive):
        timeout = self.limits.body_timeout

        async def timed_receive():
            if not cycle.more_body or cycle.body or cycle.disconnected:
                return await receive()  # what is there, or the rest of the exchange: no bound
            try:
                async with asyncio.timeout(timeout):
                    return await receive()
            except TimeoutError:
                log.info("request body timed out after %g s without a byte", timeout)
                cycle.disconnected = True
                cycle.message_event.set()
                self._refuse(408, "request_timeout", f"No byte of the request body came for {timeout:g} s.",
                             current=True)
                return {"type": "http.disconnect"}

        return timed_receive
