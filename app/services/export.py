"""Bulk forms of lists: CSV (UTF-8 with a BOM, so spreadsheet programs read the Chinese
right; RFC 4180 quoting, CRLF rows) and NDJSON (one JSON object a line), produced chunk by
chunk from batches of items so that a response streams whatever the row count.

CSV cells are neutralised against formula injection (OWASP, "CSV Injection"): a text cell
that starts with `=`, `+`, `-`, `@`, a tab or a carriage return — also after leading
whitespace — is written with a `'` in front and in quotes, so that a spreadsheet shows it
as text instead of running it: a report title `=HYPERLINK(…)` arrives as `"'=HYPERLINK(…)"`.
Whether a cell is a number is decided by its type, never by its look: ints, floats and
Decimals (what the database hands back for figures) are written as they are (`-30` stays
`-30`, a number), and a text `-30` (a title, a source line) is text like any other. NDJSON
is JSON, written unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

import orjson

BOM = "\ufeff".encode()
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
NDJSON_MEDIA_TYPE = "application/x-ndjson"

# what makes a spreadsheet read a text cell as a formula (or, tab and CR, shift it so that it does)
FORMULA_START = frozenset("=+-@\t\r")
_NEEDS_QUOTES = re.compile(r'[",\r\n]')


def _text(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def csv_cell(value: Any) -> str:
    """One CSV cell: '' for None, true/false, a number as written, text quoted where RFC
    4180 needs it and neutralised where a spreadsheet would run it.

    >>> [csv_cell(v) for v in (-30, 2.5, None, True, "-30", " =1+2", "a,b", "鄂温克")]
    ['-30', '2.5', '', 'true', '"\\'-30"', '"\\' =1+2"', '"a,b"', '鄂温克']
    """
    kind = type(value)
    if kind is str:
        text = value
    elif value is None:
        return ""
    elif kind is bool:
        return "true" if value else "false"
    elif kind is int or kind is float or isinstance(value, (int, float, Decimal)):
        return str(value)
    else:
        text = _text(value)
    if text[:1] in FORMULA_START or text.lstrip()[:1] in FORMULA_START:
        return "\"'" + text.replace('"', '""') + '"'
    if _NEEDS_QUOTES.search(text):
        return '"' + text.replace('"', '""') + '"'
    return text


def csv_row(values: Iterable[Any]) -> str:
    return ",".join([csv_cell(v) for v in values]) + "\r\n"


def csv_chunks(columns: list[str], batches: Iterable[list[dict[str, Any]]]) -> Iterator[bytes]:
    """The BOM and header row, then one chunk per batch."""
    yield BOM + csv_row(columns).encode("utf-8")
    for items in batches:
        yield "".join([csv_row([item.get(c) for c in columns]) for item in items]).encode("utf-8")


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
