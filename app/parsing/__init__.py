"""The pure parsing core: bytes or text in, a ParsedReport out. No database, no HTTP.

    decode → normalise → lay out → read → check      (docs/parsing.md)
"""

from app.parsing.errors import InputError
from app.parsing.infer import NeighbourYears
from app.parsing.model import Figure, Finding, ParsedReport, Source
from app.parsing.pipeline import PARSER_VERSION, Trace, parse_document, parse_text

__all__ = [
    "PARSER_VERSION",
    "Figure",
    "Finding",
    "InputError",
    "NeighbourYears",
    "ParsedReport",
    "Source",
    "Trace",
    "parse_document",
    "parse_text",
]
