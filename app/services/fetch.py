"""Fetch a report by URL, guarded against being turned on the server's own network (SSRF).

The guard, in order:

1. Only `http` and `https` URLs with a host; no user:password part.
2. The host is resolved and *every* address checked: loopback, private, link-local,
   multicast, reserved, unspecified or otherwise non-global addresses are refused (IPv4
   inside IPv6 — mapped, 6to4, NAT64 — is checked as the IPv4 it carries), unless an entry
   of DISCLOSURE_FETCH_ALLOW names the host or a network holding the address, and the
   port (an entry without a port allows every port; grammar: `AllowList`).
3. The TCP connection goes to one of the addresses just checked: the check runs inside the
   connection's network backend, on the same resolution the socket then uses, so a DNS
   answer that changes between a check and the connect (rebinding) cannot slip past. The
   URL, and so the Host header and TLS SNI/certificate check, keep the host name.
4. Redirects are not followed by httpx: each Location is checked as in 1-3, its port too
   (the connect check runs again for every new connection), at most
   DISCLOSURE_FETCH_MAX_REDIRECTS.
5. Timeouts on connect, each read and write, and a deadline for the whole fetch.
6. The body is read as a stream and cut off past DISCLOSURE_MAX_BODY_BYTES (decoded bytes,
   so a compressed bomb stops there too); a larger Content-Length is refused unread.
7. No proxy from the environment, no cookies kept, no credentials sent.
8. Errors say little: never an address the host resolved to, and one answer for every
   failure before an HTTP answer (the name does not resolve, nothing listens, the port is
   filtered, something not HTTP answers), so that fetching is no map of the networks the
   service sees. Time-outs stay 504 (a client can time them anyway).

Blocking (DNS and sockets): call it from a worker thread in async code.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import socket
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timezone

import httpcore
import httpx

from app import mediatypes
from app import __version__

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
USER_AGENT = f"disclosure-stats/{__version__} (+report fetcher)"
# what the fetched document may be; anything else is refused (415) before its body is read
HTML_TYPES = ("text/html", "application/xhtml+xml")
TEXT_TYPES = ("text/plain", "text/markdown")
FILE_TYPES = ("application/pdf", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
              "application/msword", "application/vnd.ms-works", "application/kswps")
# no useful type (attachments are often served so): the parser goes by the bytes
SNIFF_TYPES = ("", "application/octet-stream", "binary/octet-stream", "application/x-download",
               "application/force-download", "application/download", "application/x-msdownload")

_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_HOST = re.compile(r"(?=.{1,253}\.?$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62})(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62}))*\.?")

log = logging.getLogger("app.fetch")

# the resolver, a module attribute so tests can stand in for DNS
resolve: Callable[..., list] = socket.getaddrinfo


class FetchError(Exception):
    """A fetch refused or failed: a stable code and a message (the web layer answers the code
    with its status, app/api/problems.INPUT_STATUS)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


@dataclass(slots=True)
class Fetched:
    content: bytes
    content_type: str | None  # what to parse the bytes as (None: the parser sniffs)
    url: str  # the final URL, after redirects
    fetched_at: datetime
    etag: str | None
    last_modified: str | None
    redirects: int
    page_url: str | None = None  # the page that linked to this file, when it was followed from there


# ----------------------------------------------------------------------------- addresses


@dataclass(frozen=True, slots=True)
class AllowEntry:
    host: str | None  # a host name, lower case, without a final dot
    network: IPNetwork | None
    port: int | None  # None: every port

    def allows(self, host: str, address: IPAddress, port: int) -> bool:
        if self.port is not None and port != self.port:
            return False
        if self.host is not None:
            return host.lower().rstrip(".") == self.host
        assert self.network is not None
        return address.version == self.network.version and address in self.network


_PORT = re.compile(r"[1-9][0-9]{0,4}")
_IPV4ISH = re.compile(r"[0-9./]+")


def _port(text: str, entry: str) -> int:
    if not _PORT.fullmatch(text) or int(text) > 65535:
        raise ValueError(f"{entry!r}: the port must be a number from 1 to 65535")
    return int(text)


def _network(text: str, entry: str, version: int) -> IPNetwork:
    try:
        network = ipaddress.ip_network(text, strict=False)
    except ValueError:
        network = None
    if network is None or network.version != version:
        raise ValueError(f"{entry!r}: {text!r} is no IPv{version} address or network")
    return network


def parse_allow_entry(entry: str) -> AllowEntry:
    """One entry of DISCLOSURE_FETCH_ALLOW; ValueError (naming the entry) when malformed.

        host name          intranet.example.gov.cn        intranet.example.gov.cn:8080
        IPv4 address       10.1.2.3                       10.1.2.3:8080
        IPv4 network       10.1.0.0/16                    10.1.0.0/16:8080
        IPv6 address       fd00::1   or  [fd00::1]        [fd00::1]:8080
        IPv6 network       fd00::/8  or  [fd00::/8]       [fd00::/8]:8080

    Without a port every port of the host or network is allowed; with one, only that port.
    An IPv6 address takes a port only inside brackets (in `fd00::1:80` the 80 is part of
    the address)."""
    text = entry.strip()
    if text.startswith("["):
        inside, bracket, rest = text[1:].partition("]")
        if not bracket or (rest and not rest.startswith(":")):
            raise ValueError(f"{entry!r}: an IPv6 address is written [address] or [address]:port")
        return AllowEntry(None, _network(inside, entry, 6), _port(rest[1:], entry) if rest else None)
    if text.count(":") >= 2:
        return AllowEntry(None, _network(text, entry, 6), None)
    target, colon, port_text = text.partition(":")
    port = _port(port_text, entry) if colon else None
    if _IPV4ISH.fullmatch(target):
        return AllowEntry(None, _network(target, entry, 4), port)
    if not target or not _HOST.fullmatch(target):
        raise ValueError(f"{entry!r}: no host name, IPv4/IPv6 address or network")
    return AllowEntry(target.lower().rstrip("."), None, port)


class AllowList:
    """DISCLOSURE_FETCH_ALLOW: host names (exact, case-insensitive) and IP networks or
    addresses, each with a port or every port, that a fetch may reach although they are
    not public (grammar: `parse_allow_entry`). Malformed entries are a ValueError: the
    settings refuse them at start (app/config.py) rather than match nothing."""

    def __init__(self, entries: Iterable[str] = ()) -> None:
        self.entries = tuple(parse_allow_entry(e) for e in entries if e.strip())

    def allows(self, host: str, address: IPAddress, port: int) -> bool:
        return any(e.allows(host, address, port) for e in self.entries)


def _embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
        if address.sixtofour is not None:
            return address.sixtofour
        if address in _NAT64:
            return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def is_public(address: IPAddress) -> bool:
    """Whether a fetch may connect to `address` without an allow-list entry."""
    inner = _embedded_ipv4(address)
    if inner is not None:  # the IPv4 address it carries decides
        return is_public(inner)
    return not (
        address.is_loopback or address.is_private or address.is_link_local or address.is_multicast
        or address.is_reserved or address.is_unspecified or not address.is_global
    )


def unreachable(host: str) -> FetchError:
    """The one answer for every failure before an HTTP answer (module docstring, 8)."""
    return FetchError("fetch_failed", f"Could not fetch from {host!r}: the name does not resolve, or no "
                                           "web server answered on that port.")


def checked_addresses(host: str, port: int, allow: AllowList) -> list[IPAddress]:
    """The host's addresses, every one public or allowed (with this port); else FetchError
    (nothing connected)."""
    try:
        infos = resolve(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError) as exc:
        log.info("fetch: %r does not resolve (%s)", host, type(exc).__name__)
        raise unreachable(host) from None
    addresses: list[IPAddress] = []
    for _family, _type, _proto, _canon, sockaddr in infos:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        log.info("fetch: %r has no address", host)
        raise unreachable(host)
    if any(not is_public(a) and not allow.allows(host, a, port) for a in addresses):
        log.info("fetch: %r port %d refused: a non-public address not allowed", host, port)
        raise FetchError(
            "fetch_address_refused",
            f"The host {host!r} resolves to a loopback, private, link-local, multicast or reserved address: "
            "not fetched. (An intranet host, or a port of it, can be allowed with DISCLOSURE_FETCH_ALLOW.)",
        )
    return addresses


class GuardedBackend(httpcore.NetworkBackend):
    """httpcore's blocking network backend, with the address check at connect time: the
    socket connects to an address this very check resolved and approved."""

    def __init__(self, allow: AllowList) -> None:
        self.allow = allow
        self.inner = httpcore.SyncBackend()

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options=None) -> httpcore.NetworkStream:
        last: Exception | None = None
        for address in checked_addresses(host, port, self.allow):
            try:
                return self.inner.connect_tcp(str(address), port, timeout=timeout, local_address=local_address,
                                              socket_options=socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:  # next address
                last = exc
        assert last is not None
        raise last

    def connect_unix_socket(self, *args, **kwargs):  # pragma: no cover - never asked for
        raise FetchError("url_invalid", "Unix sockets are not fetched.")

    def sleep(self, seconds: float) -> None:
        self.inner.sleep(seconds)


class GuardedTransport(httpx.HTTPTransport):
    """httpx's transport over a pool that connects through GuardedBackend; no proxies."""

    def __init__(self, allow: AllowList) -> None:
        super().__init__(trust_env=False)
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=4, max_keepalive_connections=0,
            network_backend=GuardedBackend(allow),
        )


# ----------------------------------------------------------------------------- fetching


def check_url(url: str) -> httpx.URL:
    """A URL we may try: absolute http(s), a host, no credentials. FetchError otherwise
    (422 url_scheme_not_allowed or url_invalid). Also what a report's `source_url` must be."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError) as exc:
        raise FetchError("url_invalid", f"Not a URL: {exc}.") from None
    if parsed.scheme not in ("http", "https"):
        if (bare := _without_scheme(url)) is not None:
            raise FetchError("url_scheme_not_allowed",
                             f"The URL has no scheme: write it with https:// (or http://), e.g. {bare!r}.")
        raise FetchError("url_scheme_not_allowed",
                         f"Only http and https URLs are accepted, not {parsed.scheme or '(none)'!r}.")
    if not parsed.host:
        raise FetchError("url_invalid", "The URL has no host.")
    host = parsed.raw_host.decode("ascii", "replace")  # IDNA-encoded, or an IP literal
    if not _HOST.fullmatch(host):
        try:
            ipaddress.ip_address(host)
        except ValueError:
            raise FetchError("url_invalid", f"{parsed.host!r} is no host name.") from None
    if parsed.userinfo:
        raise FetchError("url_invalid", "URLs with a user name or password are not accepted.")
    return parsed


_HOST_PORT = re.compile(r"(?:" + _HOST.pattern + r"|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?")


def _without_scheme(url: str) -> str | None:
    """`https://` + the URL when it is a host (and port) and path written without a scheme
    (`www.example.gov.cn/2020/report.html`, `//example.gov.cn/x`), else None."""
    text = url.strip()
    if "://" in text:
        return None
    rest = text[2:] if text.startswith("//") else text
    host = re.split(r"[/?#]", rest, maxsplit=1)[0]
    if not _HOST_PORT.fullmatch(host) or ("." not in host and not host.startswith("[") and host != "localhost"
                                          and not host.startswith("localhost:")):
        return None
    return "https://" + rest


def _content_type(header: str | None) -> str | None:
    media = mediatypes.split(header)[0]
    if media in HTML_TYPES:
        return mediatypes.with_type(header, "text/html")
    if media in TEXT_TYPES:
        return mediatypes.with_type(header, "text/plain")
    if media in FILE_TYPES:
        return media
    if media in SNIFF_TYPES:
        return None
    raise FetchError("unsupported_media_type",
                     f"The fetched document is {media!r}; fetched reports must be text/plain, text/markdown, "
                     "text/html, application/xhtml+xml, application/pdf or a Word document.")


def fetch(url: str, *, max_bytes: int, allow: Iterable[str] = (), timeout: float = 20.0,
          max_redirects: int = 5) -> Fetched:
    """GET `url` under the guard (module docstring). Raises FetchError."""
    allow_list = AllowList(allow)
    target = check_url(url)
    deadline = time.monotonic() + 3 * timeout
    headers = {"User-Agent": USER_AGENT,
               "Accept": "text/html, application/pdf, text/plain;q=0.9, application/msword;q=0.9, */*;q=0.1"}
    with httpx.Client(transport=GuardedTransport(allow_list), trust_env=False, follow_redirects=False,
                      timeout=httpx.Timeout(timeout), headers=headers) as client:
        for redirects in range(max_redirects + 1):
            # checked before a connection is attempted (a clearer answer), and again at connect
            checked_addresses(target.host, target.port or (443 if target.scheme == "https" else 80), allow_list)
            try:
                with client.stream("GET", target) as response:
                    if response.status_code in REDIRECT_STATUSES and "location" in response.headers:
                        try:
                            target = check_url(str(response.url.join(response.headers["location"])))
                        except FetchError as exc:
                            raise FetchError(exc.code, f"Redirected to a URL not fetched: {exc.message}") \
                                from None
                        continue
                    return _read(response, max_bytes, deadline, redirects)
            except httpx.TimeoutException as exc:
                log.info("fetch: %r timed out (%s)", target.host, type(exc).__name__)
                raise FetchError("fetch_timeout", f"The server of {target.host!r} did not answer in time.") \
                    from None
            except httpx.HTTPError as exc:  # refused, reset, not HTTP, TLS: all one answer
                log.info("fetch: %r failed (%s)", target.host, type(exc).__name__)
                raise unreachable(target.host) from None
    raise FetchError("fetch_too_many_redirects", f"More than {max_redirects} redirects: not followed further.")


def _read(response: httpx.Response, max_bytes: int, deadline: float, redirects: int) -> Fetched:
    if response.status_code != 200:
        raise FetchError("fetch_upstream_status", f"The server answered {response.status_code}.")
    content_type = _content_type(response.headers.get("content-type"))
    too_large = FetchError("payload_too_large", f"The fetched document exceeds the limit of {max_bytes} bytes.")
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes and "content-encoding" not in response.headers:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise too_large
        if time.monotonic() > deadline:
            raise FetchError("fetch_timeout", "The document took too long to arrive.")
        chunks.append(chunk)
    return Fetched(
        content=b"".join(chunks), content_type=content_type, url=str(response.url),
        fetched_at=datetime.now(timezone.utc), etag=_short(response.headers.get("etag"), 512),
        last_modified=_short(response.headers.get("last-modified"), 100), redirects=redirects,
    )


def _short(value: str | None, limit: int) -> str | None:
    """A validator header as stored, or None when it is longer than its column."""
    return value if value is not None and len(value) <= limit else None
