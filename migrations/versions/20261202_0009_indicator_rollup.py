"""indicator_rollup: the /stats rollup of the indicators

Per indicator (app/indicators.py) and rollup cell: how many reports have every key of both
sides, and the sums of their numerators and denominators, with the cell's attributes copied
(app/services/rollup.py), so that /stats serves an indicator as a ratio of two sums over the
same reports from one range of rows. Filled here from the reports stored before (those not
pending: the pending ones are added when folded).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('indicator_rollup',
    sa.Column('grain', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('indicator', sa.String(length=60), nullable=False),
    sa.Column('cell_id', sa.Integer(), nullable=False),
    sa.Column('template', sa.String(length=10), nullable=True),
    sa.Column('year', sa.Integer(), nullable=True),
    sa.Column('level', sa.String(length=20), nullable=True),
    sa.Column('region', sa.String(length=12), nullable=True),
    sa.Column('province_code', sa.String(length=12), nullable=True),
    sa.Column('city_code', sa.String(length=12), nullable=True),
    sa.Column('reports', sa.Integer(), nullable=False),
    sa.Column('numerator', sa.Float(), nullable=False),
    sa.Column('denominator', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['cell_id'], ['rollup_cell.id'], name=op.f('fk_indicator_rollup_cell_id_rollup_cell'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('grain', 'indicator', 'cell_id', name=op.f('pk_indicator_rollup')),
    sqlite_with_rowid=False,
    )
    with op.batch_alter_table('indicator_rollup', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_indicator_rollup_cell_id'), ['cell_id'], unique=False)

    from app.models import Report, RollupPending
    from app.services.rollup import GRAINS, accumulate_indicators

    conn = op.get_bind()
    for grain in GRAINS:
        accumulate_indicators(conn, grain, Report.id.not_in(sa.select(RollupPending.report_id)))


def downgrade() -> None:
    with op.batch_alter_table('indicator_rollup', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_indicator_rollup_cell_id'))
    op.drop_table('indicator_rollup')
