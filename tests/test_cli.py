"""The `disclosure` command, run as a user runs it (a subprocess)."""

from __future__ import annotations

import json
import os
import subprocess

import pytest
from sqlmodel import Session, select

from app.db import make_engine
from app.models import Report
from conftest import CORPUS, META, SEED_VARIANTS, disclosure_command, expected_for, figure_map


def run(*args: str, env: dict | None = None, check: bool = True) -> subprocess.CompletedProcess:
    full_env = {**os.environ, **(env or {})}
    proc = subprocess.run([*disclosure_command(), *args], capture_output=True, text=True, env=full_env,
                          timeout=120, stdin=subprocess.DEVNULL)
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


def test_parse_every_seed_layout():
    # one process per file, as a user would run them
    for name in SEED_VARIANTS:
        exp = expected_for(name)
        out = json.loads(run("parse", str(CORPUS / name)).stdout)
        assert {k: out[k] for k in META} == {k: exp[k] for k in META}, name
        assert figure_map(out["figures"]) == exp["figures"], name
        assert out["figure_count"] == len(exp["figures"])
        assert "text" not in out


def test_parse_figure_shape_is_the_apis():
    out = json.loads(run("parse", str(CORPUS / "ewenki-2020.txt"), "--text").stdout)
    fig = next(f for f in out["figures"] if f["key"] == "active.procurement.amount_wan")
    assert set(fig) == {"key", "value", "unit", "section", "note", "flags", "source"}
    assert set(fig["source"]) == {"line", "start", "end", "text"}
    assert out["text"].split("\n")[fig["source"]["line"] - 1] == fig["source"]["text"]


def test_parse_errors(tmp_path):
    missing = run("parse", str(tmp_path / "nope.txt"), check=False)
    assert missing.returncode == 2 and "cannot read" in missing.stderr
    (tmp_path / "empty.txt").write_bytes(b"")
    empty = run("parse", str(tmp_path / "empty.txt"), check=False)
    assert empty.returncode == 1 and "empty_body" in empty.stderr


def test_ingest_folder_then_again(tmp_path, empty_database_url):
    folder = tmp_path / "reports"
    (folder / "sub").mkdir(parents=True)
    for name in ("ewenki-2020.txt", "ewenki-2020.page.html"):
        (folder / name).write_bytes((CORPUS / name).read_bytes())
    (folder / "sub" / "ewenki-2020.markdown.md").write_bytes((CORPUS / "ewenki-2020.markdown.md").read_bytes())
    (folder / "sub" / "copy.txt").write_bytes((CORPUS / "ewenki-2020.txt").read_bytes())  # same bytes
    (folder / "notes.json").write_text("{}")  # not a report suffix: skipped
    url = empty_database_url
    env = {"DATABASE_URL": url, "DISCLOSURE_API_KEYS": ""}

    first = run("ingest", str(folder), env=env)
    # three layouts of one report (one body, one year) and the same bytes again: one report
    lines = first.stdout.strip().splitlines()
    assert lines[-1] == "ingested 4 (new 1, copy 2, revision 0, duplicate 1, failed 0, skipped 1)"
    per_file = sorted(line.rsplit(" ", 2)[1] for line in lines[:-1])
    assert per_file == ["copy", "copy", "duplicate", "new"], lines
    assert all(": report 1 " in line and line.endswith(" parsed") for line in lines[:-1]), lines
    assert "[4/4]" in first.stderr  # progress, one line per file when stderr is no terminal
    assert f"skipped: {folder / 'notes.json'}: not a report file (.json" in first.stderr  # and why

    (folder / "empty.txt").write_bytes(b"")
    second = run("ingest", str(folder), str(tmp_path / "missing.txt"), env=env, check=False)
    assert second.returncode == 1
    assert second.stdout.strip().splitlines()[-1] == \
        "ingested 4 (new 0, copy 0, revision 0, duplicate 4, failed 2, skipped 1)"
    assert "empty_body" in second.stderr and "missing.txt" in second.stderr

    engine = make_engine(url)
    try:
        with Session(engine) as s:
            reports = s.exec(select(Report)).all()
    finally:
        engine.dispose()
    assert len(reports) == 1
    assert reports[0].template == "2019" and reports[0].document_count == 3


def test_migrate_command(tmp_path):
    url = f"sqlite:///{tmp_path / 'm' / 'x.db'}"
    proc = run("migrate", env={"DATABASE_URL": url})
    assert (tmp_path / "m" / "x.db").is_file()
    assert "0001" in proc.stderr
    from alembic.script import ScriptDirectory

    from app.db import alembic_config

    head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
    # it says what it did: from where to where, then that there was nothing to do
    assert proc.stdout == f"migrated {url} from an empty database to {head} (head)\n"
    assert run("migrate", env={"DATABASE_URL": url}).stdout == f"{url}: already at {head} (head), nothing to do\n"
    older = f"sqlite:///{tmp_path / 'm' / 'old.db'}"
    from app.db import migrate

    migrate(older, "0005")
    assert run("migrate", env={"DATABASE_URL": older}).stdout == f"migrated {older} from 0005 to {head} (head)\n"


def test_migrate_never_prints_a_password(postgres_url):
    from sqlalchemy.engine import make_url

    with_password = make_url(postgres_url).set(password="s3cret-pw").render_as_string(hide_password=False)
    proc = run("migrate", env={"DATABASE_URL": with_password}, check=False)  # trust auth: the password is unused
    assert "s3cret-pw" not in proc.stdout + proc.stderr
    assert proc.returncode == 0, proc.stderr
    assert "***" in proc.stdout


@pytest.mark.parametrize("args", [[], ["frobnicate"], ["parse"]])
def test_usage_errors(args):
    assert run(*args, check=False).returncode == 2
