"""Media types in headers, read in one place: a Content-Type's type and parameters, and an
Accept header's types with their q. No dependencies: the parsing core, the services and the
web layer all use it."""

from __future__ import annotations


def split(content_type: str | None) -> tuple[str, str]:
    """'Text/Plain; charset=GBK' → ('text/plain', ' charset=GBK'): the media type, lower
    case, and the parameters as written (empty when there are none)."""
    media, _, params = (content_type or "").partition(";")
    return media.strip().lower(), params


def with_type(content_type: str | None, media: str) -> str:
    """The content type with its media type replaced and its parameters (a charset) kept."""
    params = split(content_type)[1]
    return f"{media};{params}" if params else media


def parameter(content_type: str | None, name: str) -> str | None:
    """The value of one parameter (`charset`), lower case and unquoted; None when absent or empty."""
    for part in split(content_type)[1].split(";"):
        key, _, value = part.partition("=")
        if key.strip().lower() == name:
            return value.strip().strip("\"'").lower() or None
    return None


def accepted(header: str | None) -> list[tuple[str, float]]:
    """An Accept header's media types (lower case) with their q (1 when not given, 0 when
    unreadable), in the order listed."""
    out = []
    for part in (header or "").split(","):
        if not part.strip():
            continue
        media, *params = [p.strip() for p in part.split(";")]
        q = 1.0
        for p in params:
            key, _, value = p.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        out.append((media.lower(), q))
    return out
