"""report: the counts of its check verdicts, copied_from_previous

report.checks_failing / checks_holding / checks_unknown: how many of the report's cross-year
checks (app/checks.py, against the same body's previous and next year) have each verdict;
report.copied_from_previous: its signal of that name. Kept up to date whenever the report or a
neighbour is written (app/services/quality.py refresh_checks), so /reports can filter on them.
Added empty here: `disclosure migrate` and `disclosure serve` compute them for the reports
stored before (quality.fill_missing_checks) once the schema is at head.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COUNTS = ('checks_failing', 'checks_holding', 'checks_unknown')


def upgrade() -> None:
    # ADD COLUMN on both engines: batch mode would copy the report table on SQLite
    for name in _COUNTS:
        op.add_column('report', sa.Column(name, sa.Integer(), nullable=True))
    op.add_column('report', sa.Column('copied_from_previous', sa.Boolean(), nullable=True))


def downgrade() -> None:
    # ALTER TABLE … DROP COLUMN (SQLite 3.35+), not batch mode: copying the report table would
    # delete every figure and finding by cascade
    for name in ('copied_from_previous', *reversed(_COUNTS)):
        op.execute(f'ALTER TABLE "report" DROP COLUMN "{name}"')
