"""the /stats rollup: figures pre-aggregated per report cell and key

rollup_cell: one row per cell of reports — template, year, level, the region cut to its
first four digits, the province and city it rolls up to — with its number of reports and a
unique text key; figure_rollup: per (grain, key, cell) the count, sum,
min and max of the figure's values. Kept by every write of reports (app/services/rollup.py);
/stats reads them instead of every report's figure wherever its filters allow. Filled here
from the reports stored before.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('rollup_cell',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cell', sa.String(length=200), nullable=False),
    sa.Column('grain', sa.Integer(), nullable=False),
    sa.Column('template', sa.String(length=10), nullable=True),
    sa.Column('year', sa.Integer(), nullable=True),
    sa.Column('level', sa.String(length=20), nullable=True),
    sa.Column('region', sa.String(length=12), nullable=True),
    sa.Column('province_code', sa.String(length=12), nullable=True),
    sa.Column('city_code', sa.String(length=12), nullable=True),
    sa.Column('reports', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rollup_cell')),
    sa.UniqueConstraint('cell', name=op.f('uq_rollup_cell_cell'))
    )
    with op.batch_alter_table('rollup_cell', schema=None) as batch_op:
        batch_op.create_index('ix_rollup_cell_grain', ['grain', 'template', 'province_code', 'city_code', 'year',
                                                        'level'], unique=False)

    op.create_table('figure_rollup',
    sa.Column('grain', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('cell_id', sa.Integer(), nullable=False),
    sa.Column('figures', sa.Integer(), nullable=False),
    sa.Column('total', sa.Float(), nullable=False),
    sa.Column('low', sa.Float(), nullable=False),
    sa.Column('high', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['cell_id'], ['rollup_cell.id'], name=op.f('fk_figure_rollup_cell_id_rollup_cell'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('grain', 'key', 'cell_id', name=op.f('pk_figure_rollup')),
    sqlite_with_rowid=False,
    )
    with op.batch_alter_table('figure_rollup', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_figure_rollup_cell_id'), ['cell_id'], unique=False)

    from app.services.rollup import rebuild

    rebuild(op.get_bind(), pending=False, indicators=False)  # indicator_rollup comes with 0009


def downgrade() -> None:
    with op.batch_alter_table('figure_rollup', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_figure_rollup_cell_id'))
    op.drop_table('figure_rollup')
    with op.batch_alter_table('rollup_cell', schema=None) as batch_op:
        batch_op.drop_index('ix_rollup_cell_grain')
    op.drop_table('rollup_cell')
