"""The `disclosure` command: serve | ingest | parse | reparse | migrate | openapi.

The CLI writes to the database directly (DATABASE_URL), without an API key.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

from app.cli_ingest import INGEST_SUFFIXES, LEGACY_SUFFIXES, Progress, cmd_ingest, content_type_for


def _json(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, indent=2)


# ----------------------------------------------------------------------------- commands


def _log_migrations() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic.runtime.migration").setLevel(logging.INFO)


# on SIGTERM uvicorn stops accepting, lets requests in flight finish for this long, then exits
GRACEFUL_SHUTDOWN_SECONDS = 30


def migrate_and_fill(url: str) -> int:
    """Migrate to head, then compute what a migration added empty (the stored check verdicts of
    the reports stored before them: app/services/quality.py). Returns how many reports were
    filled."""
    from app.db import make_engine, migrate
    from app.services.quality import fill_missing_checks

    migrate(url)
    engine = make_engine(url)
    try:
        return fill_missing_checks(engine)
    finally:
        engine.dispose()


def cmd_serve(args: argparse.Namespace) -> int:
    import logging.config

    import uvicorn

    from app.config import get_settings
    from app.observability import log_config

    settings = get_settings()
    config = log_config(settings.disclosure_log_format)
    logging.config.dictConfig(config)
    open_files_for(settings.disclosure_max_connections)
    migrate_and_fill(settings.db_url)
    # http: uvicorn's httptools protocol with header and body timeouts, URL and header size limits,
    # a connection cap and problem+json refusals (app/server.py). loop: asyncio's, which accepts every
    # waiting connection at once; uvloop accepts one per loop iteration, so that under load a new
    # connection (a health probe) waited seconds behind the busy loop (bench/load_bench.py). ws: the
    # API has no WebSocket: upgrade requests are plain requests.
    uvicorn.run("app.main:create_app", factory=True, host=args.host, port=args.port, workers=args.workers,
                proxy_headers=True, log_config=config, timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
                http="app.server:HttpProtocol", loop="asyncio", ws="none",
                timeout_keep_alive=settings.disclosure_keepalive_timeout)
    return 0


def open_files_for(connections: int) -> None:
    """Raise this process's open-file limit (soft, up to the hard one) so that the connection cap
    can be reached: a connection is a file descriptor, and the database, logs and parse
    processes need some too. Warns when the hard limit is too low for it."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = connections + 256
    if soft != resource.RLIM_INFINITY and soft < wanted:
        new = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (new, hard))
        if new < wanted:
            logging.getLogger("app.server").warning(
                "open-file limit %d is below DISCLOSURE_MAX_CONNECTIONS=%d + 256: connections beyond it fail "
                "to be accepted", new, connections)


def cmd_migrate(_args: argparse.Namespace) -> int:
    """Migrate to head and say what was done: `migrated sqlite:///… from 0005 to 0007 (head)`,
    `… from an empty database to …`, or `… already at 0007 (head)`."""
    from sqlalchemy.engine import make_url

    from app.config import get_settings

    _log_migrations()
    url = get_settings().db_url
    before = _revision(url)
    filled = migrate_and_fill(url)
    after = _revision(url)
    shown = make_url(url).render_as_string(hide_password=True)
    if before == after:
        print(f"{shown}: already at {after} (head), nothing to do")
    else:
        print(f"migrated {shown} from {before or 'an empty database'} to {after} (head)")
    if filled:
        print(f"computed the cross-year check verdicts of {filled} reports stored before them")
    return 0


def _revision(url: str) -> str | None:
    """The Alembic revision the database is at (None: none yet, or no database yet)."""
    from alembic.runtime.migration import MigrationContext

    from app.db import make_engine

    engine = make_engine(url)
    chatty = logging.getLogger("alembic.runtime.migration")
    level = chatty.level
    chatty.setLevel(logging.WARNING)  # not its "Context impl …" lines for a look-up
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        chatty.setLevel(level)
        engine.dispose()


def cmd_parse(args: argparse.Namespace) -> int:
    from app.parsing import InputError
    from app.services.convert import parse_upload
    from app.services.present import parsed_report_json

    path = Path(args.file)
    try:
        data = path.read_bytes()
        report = parse_upload(data, args.content_type or content_type_for(path))
    except OSError as exc:
        print(f"disclosure parse: cannot read {path}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    except InputError as exc:
        print(f"disclosure parse: {path}: {exc.code}: {exc.message}", file=sys.stderr)
        return 1
    print(_json(parsed_report_json(report, with_text=args.text)))
    return 0


def cmd_reparse(args: argparse.Namespace) -> int:
    from app.config import get_settings
    from app.db import make_engine
    from app.parsing import PARSER_VERSION, InputError
    from app.services.evidence import settle_around
    from app.services.ingest import report_ids
    from app.services.reparse import reparse

    if not args.all and not args.outdated and not args.ids:
        print("disclosure reparse: give report ids, --outdated or --all", file=sys.stderr)
        return 2
    settings = get_settings()
    url = settings.db_url
    migrate_and_fill(url)
    engine = make_engine(url)
    try:
        ids = args.ids or report_ids(engine, outdated_only=args.outdated and not args.all)
        progress = Progress(len(ids), sys.stderr)
        done_ok = missing = failed = 0
        reparsed: list[int] = []
        statuses: dict[str, int] = {}
        for done, report_id in enumerate(ids, 1):
            try:
                report = reparse(engine, report_id, budget=settings.disclosure_parse_budget)
            except InputError as exc:  # bytes once readable, no longer: say so, keep what is stored
                failed += 1
                print(f"failed: report {report_id}: {exc.code}: {exc.message}", file=sys.stderr)
            else:
                if report is None:
                    missing += 1
                    print(f"failed: report {report_id}: no such report", file=sys.stderr)
                else:
                    done_ok += 1
                    reparsed.append(report.id)
                    statuses[report.status] = statuses.get(report.status, 0) + 1
            progress.update(done, f"report {report_id}")
        settle_around(engine, reparsed, budget=settings.disclosure_parse_budget)  # the years their figures settle
    finally:
        engine.dispose()
    by_status = ", ".join(f"{k} {v}" for k, v in sorted(statuses.items())) or "none"
    print(f"reparsed {done_ok} with parser {PARSER_VERSION} ({by_status}; missing {missing}, failed {failed})")
    return 1 if missing or failed else 0


def cmd_openapi(_args: argparse.Namespace) -> int:
    from app.main import create_app

    sys.stdout.write(openapi_json(create_app().openapi()))
    return 0


def openapi_json(spec: dict) -> str:
    """The committed form of the spec: sorted keys, two-space indent, final newline."""
    return json.dumps(spec, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="disclosure", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = sub.add_parser("serve", help="migrate the database to head, then serve the HTTP API")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    serve.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    serve.set_defaults(func=cmd_serve)

    ingest = sub.add_parser("ingest", help="parse and store report files or folders of them")
    ingest.add_argument("paths", nargs="*", metavar="PATH",
                        help="files, or folders searched recursively for " + ", ".join(f"*{s}" for s in INGEST_SUFFIXES)
                        + " (and " + ", ".join(f"*{s}" for s in LEGACY_SUFFIXES) + " where LibreOffice is installed); "
                        "every other file is skipped with a line on stderr")
    ingest.add_argument("--url", action="append", metavar="URL",
                        help="fetch a report from this http(s) URL (repeatable; public addresses only, "
                             "or those in DISCLOSURE_FETCH_ALLOW)")
    ingest.set_defaults(func=cmd_ingest)

    parse = sub.add_parser("parse", help="parse one file and print the result as JSON (no database)")
    parse.add_argument("file", metavar="FILE")
    parse.add_argument("--content-type", help="e.g. 'text/plain; charset=gb18030' (default: from the suffix, charset detected)")
    parse.add_argument("--text", action="store_true", help="include the decoded and the normalised text")
    parse.set_defaults(func=cmd_parse)

    reparse = sub.add_parser("reparse", help="run the current parser again on stored reports")
    reparse.add_argument("ids", nargs="*", type=int, metavar="ID", help="report ids")
    reparse.add_argument("--all", action="store_true", help="every stored report")
    reparse.add_argument("--outdated", action="store_true", help="reports an older parser version produced")
    reparse.set_defaults(func=cmd_reparse)

    migrate = sub.add_parser("migrate", help="bring the database to the newest schema")
    migrate.set_defaults(func=cmd_migrate)

    openapi = sub.add_parser("openapi", help="print the OpenAPI spec (as committed in openapi/openapi.json)")
    openapi.set_defaults(func=cmd_openapi)
    return parser


def main(argv: list[str] | None = None) -> int:
    from pydantic import ValidationError

    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except ValidationError as exc:  # a malformed setting: named (its value is not echoed), no traceback
        if exc.title != "Settings":
            raise
        problems = []
        for e in exc.errors():
            name, msg = ".".join(map(str, e["loc"])).upper(), e["msg"].removeprefix("Value error, ")
            problems.append(msg if msg.startswith(name) else f"{name}: {msg}")
        problems = "; ".join(problems)
        print(f"disclosure {args.command}: invalid settings: {problems}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. `disclosure parse FILE | head`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


if __name__ == "__main__":
    sys.exit(main())
