"""Legacy Word files (.doc, and WPS Writer's .wps: OLE2 compound files) read by converting
them to .docx with LibreOffice, where it is installed (`soffice` on PATH or
DISCLOSURE_SOFFICE). The parsing core reads .docx; it refuses the legacy formats with
`legacy_word_document` (415, saying how to convert), which stays the answer on a server
without LibreOffice.

`parse_upload` is what every entry point parses with (POST /reports, folder imports, the
parse processes, reparse, `disclosure parse`): the core's parse_document, and for a legacy
file the conversion (in a throw-away profile and folder, bounded in time) and the parse of
its .docx. The stored document stays the original file.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from app.parsing import InputError, NeighbourYears, ParsedReport, parse_document
from app.parsing.budget import DEFAULT_SECONDS
from app.parsing.decode import DOCX_TYPE

LEGACY_MEDIA_TYPE = "application/msword"
CONVERT_SECONDS = 120  # a cold LibreOffice start is a few seconds; a report converts in one or two more


def soffice() -> str | None:
    """The LibreOffice binary to convert with, or None."""
    given = os.environ.get("DISCLOSURE_SOFFICE", "").strip()
    if given:
        return given if Path(given).is_file() else shutil.which(given)
    return shutil.which("soffice") or shutil.which("libreoffice")


def legacy_to_docx(data: bytes, binary: str, timeout: float = CONVERT_SECONDS) -> bytes:
    """The .docx LibreOffice makes of a .doc/.wps file. InputError when it cannot."""
    with tempfile.TemporaryDirectory(prefix="disclosure-convert-") as tmp:
        source = Path(tmp) / "report.doc"
        source.write_bytes(data)
        command = [binary, "--headless", "--norestore", "--nolockcheck", "--nodefault",
                   f"-env:UserInstallation={Path(tmp, 'profile').as_uri()}",
                   "--convert-to", "docx:MS Word 2007 XML", "--outdir", str(Path(tmp) / "out"), str(source)]
        try:
            subprocess.run(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           timeout=timeout, check=False, env={**os.environ, "HOME": tmp})
        except subprocess.TimeoutExpired:
            raise InputError("legacy_word_unreadable", f"Converting the legacy Word file took longer than "
                             f"{timeout:.0f} s: send it as .docx or PDF.") from None
        except OSError as exc:
            raise InputError("legacy_word_unreadable", f"LibreOffice could not be started to convert the legacy "
                             f"Word file ({exc.strerror or exc}): send it as .docx or PDF.") from None
        result = Path(tmp) / "out" / "report.docx"
        if not result.is_file() or result.stat().st_size == 0:
            raise InputError("legacy_word_unreadable", "LibreOffice could not read this legacy Word/WPS file "
                             "(damaged or encrypted?): send it as .docx or PDF.")
        return result.read_bytes()


def parse_upload(data: bytes, content_type: str | None = None, *,
                 budget: float | None = DEFAULT_SECONDS, context: NeighbourYears | None = None) -> ParsedReport:
    """parse_document (in at most `budget` seconds, with the same body's other years as
    `context`), and legacy Word files through LibreOffice where it is installed."""
    try:
        return parse_document(data, content_type, budget=budget, context=context)
    except InputError as exc:
        binary = soffice() if exc.code == "legacy_word_document" else None
        if binary is None:
            raise
    report = parse_document(legacy_to_docx(data, binary), DOCX_TYPE, budget=budget, context=context)
    report.media_type = LEGACY_MEDIA_TYPE
    return report
