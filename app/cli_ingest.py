"""`disclosure ingest`: the files and folders given (which are read, which skipped and why),
the URLs, each stored through the ingest services, with a progress line and a tally.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TextIO

INGEST_SUFFIXES = (".txt", ".md", ".html", ".htm", ".pdf", ".docx")
LEGACY_SUFFIXES = (".doc", ".wps")  # read where LibreOffice is installed (app/services/convert.py)
_TYPES = {".html": "text/html", ".htm": "text/html", ".pdf": "application/pdf",
          ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
          ".doc": "application/msword", ".wps": "application/msword"}


def content_type_for(path: Path) -> str | None:
    """HTML, PDF and Word by the suffix; anything else is text whose charset the parser detects
    (PDF and Word are known by their bytes anyway)."""
    return _TYPES.get(path.suffix.lower())


def ingest_suffixes() -> tuple[str, ...]:
    from app.services.convert import soffice

    return INGEST_SUFFIXES + (LEGACY_SUFFIXES if soffice() else ())


def find_documents(paths: Iterable[str], skipped: list[str] | None = None) -> Iterator[Path]:
    """Files as given; folders walked recursively for the report suffixes (sorted): *.txt,
    *.md, *.html, *.htm, *.pdf, *.docx, and *.doc, *.wps where LibreOffice is installed.
    Every other file of a folder is put in `skipped` with why."""
    suffixes = ingest_suffixes()
    for name in paths:
        path = Path(name)
        if path.is_dir():
            for p in sorted(p for p in path.rglob("*") if p.is_file()):
                if p.suffix.lower() in suffixes:
                    yield p
                elif skipped is not None and not p.name.startswith("."):
                    skipped.append(f"{p}: {_why_skipped(p)}")
        else:
            yield path  # a missing file is reported as failed by the caller


def _why_skipped(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in LEGACY_SUFFIXES:
        return (f"a legacy Word/WPS file ({suffix}): LibreOffice (soffice) is not installed here to convert it; "
                "save it as .docx or PDF, or install LibreOffice")
    return f"not a report file ({suffix or 'no suffix'}; read are " + ", ".join(ingest_suffixes()) + ")"


class Progress:
    """A one-line progress bar on a terminal; one line per file otherwise (logs, CI)."""

    def __init__(self, total: int, stream: TextIO, width: int = 30) -> None:
        self.total, self.stream, self.width = total, stream, width
        self.tty = stream.isatty()

    def update(self, done: int, label: str) -> None:
        if self.tty:
            filled = self.width * done // max(self.total, 1)
            bar = "#" * filled + "-" * (self.width - filled)
            self.stream.write(f"\r[{bar}] {done}/{self.total} {label[-40:]:<40}")
            if done == self.total:
                self.stream.write("\n")
        else:
            self.stream.write(f"[{done}/{self.total}] {label}\n")
        self.stream.flush()

    def clear(self) -> None:
        """Wipe the bar's line on a terminal (before a line is printed on stdout)."""
        if self.tty:
            self.stream.write("\r" + " " * (self.width + 52) + "\r")
            self.stream.flush()


def cmd_ingest(args: argparse.Namespace) -> int:
    from app.cli import migrate_and_fill
    from app.config import get_settings
    from app.db import make_engine

    if not args.paths and not args.url:
        print("disclosure ingest: give files, folders or --url URL", file=sys.stderr)
        return 2
    settings = get_settings()
    skipped: list[str] = []
    files = list(find_documents(args.paths, skipped))
    for line in skipped:
        print(f"skipped: {line}", file=sys.stderr)
    urls = list(args.url or ())
    migrate_and_fill(settings.db_url)
    engine = make_engine(settings.db_url)
    progress = Progress(len(files) + len(urls), sys.stderr)
    tally = _Tally()
    try:
        for done, (label, outcome) in enumerate(_outcomes(engine, files, urls, settings), 1):
            line = tally.add(label, outcome)
            if line:
                progress.clear()
                print(line, flush=True)
            progress.update(done, label)
    finally:
        engine.dispose()
    tally.report(len(skipped))
    return 1 if tally.failed else 0


def _outcomes(engine, files: list[Path], urls: list[str], settings) -> Iterator[tuple[str, object]]:
    """(label, what became of it) per file, then per URL: an IngestResult, or the OSError,
    InputError or FetchError that kept it out."""
    from app.parsing import InputError
    from app.services.attachment import fetch_report
    from app.services.bulk import ingest_paths
    from app.services.evidence import settle_neighbours
    from app.services.fetch import FetchError
    from app.services.ingest import ingest_fetched

    # files: parsed on every core, written in batches (app/services/bulk.py), in order
    yield from ((str(path), outcome) for path, outcome in ingest_paths(
        engine, files, content_type_for, budget=settings.disclosure_parse_budget,
        timeout=settings.disclosure_parse_timeout))
    for label in urls:  # a URL: fetched under the same guard as POST /reports {"url"}
        try:
            result = ingest_fetched(engine, fetch_report(
                label, max_bytes=settings.disclosure_max_body_bytes, allow=settings.fetch_allow,
                timeout=settings.disclosure_fetch_timeout, max_redirects=settings.disclosure_fetch_max_redirects),
                budget=settings.disclosure_parse_budget)
        except (InputError, FetchError) as exc:
            yield label, exc
            continue
        settle_neighbours(engine, [result], budget=settings.disclosure_parse_budget)  # years it settles
        yield label, result


class _Tally:
    """What `disclosure ingest` counts: stored documents by submission, and failures."""

    def __init__(self) -> None:
        self.counts = dict.fromkeys(("new", "copy", "revision", "duplicate"), 0)
        self.failed = 0
        self.errors: list[str] = []

    def add(self, label: str, outcome) -> str | None:
        """Count one outcome; the line to print on stdout for a stored document."""
        from app.parsing import InputError
        from app.services.fetch import FetchError

        if isinstance(outcome, OSError):
            self.failed += 1
            self.errors.append(f"{label}: cannot read: {outcome.strerror or outcome}")
            return None
        if isinstance(outcome, (InputError, FetchError)):
            self.failed += 1
            self.errors.append(f"{label}: {outcome.code}: {outcome.message}")
            return None
        # a stored document whose own parse failed counts as failed (it is kept, counted nowhere)
        status = outcome.parse_status or outcome.report.status
        if status == "failed":
            self.failed += 1
        else:
            self.counts[outcome.submission] += 1
        return f"{label}: report {outcome.report.id} {outcome.submission} {status}"

    def report(self, skipped: int) -> None:
        for line in self.errors:
            print(f"failed: {line}", file=sys.stderr)
        print(f"ingested {sum(self.counts.values())} ("
              + ", ".join(f"{k} {v}" for k, v in self.counts.items()) + f", failed {self.failed}"
              + (f", skipped {skipped})" if skipped else ")"))
