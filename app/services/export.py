"""Bulk forms of lists: CSV (UTF-8 with a BOM, so spreadsheet programs read the Chinese
right; RFC 4180 quoting, CRLF rows) and NDJSON (one JSON object a line), produced chunk by
chunk from batches of items so that a response streams whatever the row count."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import Any

import orjson

BOM = "\ufeff".encode()
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
NDJSON_MEDIA_TYPE = "application/x-ndjson"


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def csv_chunks(columns: list[str], batches: Iterable[list[dict[str, Any]]]) -> Iterator[bytes]:
    """The BOM and header row, then one chunk per batch."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    yield BOM + buffer.getvalue().encode("utf-8")
    for items in batches:
        buffer.seek(0)
        buffer.truncate()
        writer.writerows([_cell(item.get(c)) for c in columns] for item in items)
        yield buffer.getvalue().encode("utf-8")


def ndjson_chunks(batches: Iterable[list[dict[str, Any]]]) -> Iterator[bytes]:
    for items in batches:
        if items:
            yield b"".join(orjson.dumps(item) + b"\n" for item in items)


def flatten(item: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested objects as dotted columns: {"group": {"city": …}} → {"group.city": …}."""
    out: dict[str, Any] = {}
    for k, v in item.items():
        if isinstance(v, dict):
            out.update(flatten(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = v
    return out
