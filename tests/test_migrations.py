"""The schema is Alembic's: the migrations and the SQLModel models agree."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

import app.models  # noqa: F401
from app.db import alembic_config, make_engine, migrate


def _diff(url: str) -> list:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
            return compare_metadata(ctx, SQLModel.metadata)
    finally:
        engine.dispose()


def test_upgrade_head_matches_the_models(empty_database_url):
    migrate(empty_database_url)
    assert _diff(empty_database_url) == []


def test_downgrade_to_base_and_up_again(empty_database_url):
    migrate(empty_database_url)
    command.downgrade(alembic_config(empty_database_url), "base")
    engine = make_engine(empty_database_url)
    try:
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    finally:
        engine.dispose()
    migrate(empty_database_url)
    assert _diff(empty_database_url) == []


def test_migrate_creates_the_sqlite_folder(tmp_path):
    url = f"sqlite:///{tmp_path / 'new' / 'deeper' / 'x.db'}"
    migrate(url)
    assert (tmp_path / "new" / "deeper" / "x.db").is_file()
    migrate(url)  # idempotent
