"""Stub pipeline (replaced by the real one): keeps the interface stable for the layers above."""

from __future__ import annotations

from app.parsing.errors import InputError
from app.parsing.model import ParsedReport

PARSER_VERSION = "0.1.0"


def parse_text(text: str, media_type: str = "text/plain") -> ParsedReport:
    return ParsedReport(
        parser_version=PARSER_VERSION, status="failed", template=None, year=None,
        agency=None, region_code=None, text=text, normalized_text=text, media_type=media_type,
    )


def parse_document(data: bytes, content_type: str | None = None) -> ParsedReport:
    """Decode `data` (charset from `content_type`, else detected; HTML → text) and parse it.
    Raises InputError for bytes that are not a readable document (empty, binary, …)."""
    if not data.strip():
        raise InputError("empty_body", "The request body is empty.", 400)
    return parse_text(data.decode("utf-8", "replace"))
