"""correction; figure: parsed_value, parsed_flags

correction: figures stated by people (PUT /reports/{id}/figures/{key}), with who, when and
why, retired rather than deleted; at most one active (retired_at null) per report and key.
figure.parsed_value / parsed_flags: on a row a correction rewrote (flag `corrected`), what
the parser had read there; null on every row stored before (none is corrected).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # ADD COLUMN on both engines: batch mode would copy the figure table on SQLite
    op.add_column('figure', sa.Column('parsed_value', sa.Float(), nullable=True))
    op.add_column('figure', sa.Column('parsed_flags', sa.String(length=200), nullable=True))
    op.create_table(
        'correction',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('report_id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=120), nullable=False),
        sa.Column('value', sa.Float(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('author', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('retired_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('retired_by', sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(['report_id'], ['report.id'], name=op.f('fk_correction_report_id_report'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_correction')),
    )
    op.create_index(op.f('ix_correction_report_id'), 'correction', ['report_id'], unique=False)
    op.create_index('ix_correction_active', 'correction', ['report_id', 'key'], unique=True,
                    sqlite_where=sa.text('retired_at IS NULL'), postgresql_where=sa.text('retired_at IS NULL'))


def downgrade() -> None:
    op.drop_index('ix_correction_active', table_name='correction')
    op.drop_index(op.f('ix_correction_report_id'), table_name='correction')
    op.drop_table('correction')
    # ALTER TABLE … DROP COLUMN (SQLite 3.35+), not batch mode: copying the figure table is needless
    op.execute('ALTER TABLE "figure" DROP COLUMN "parsed_flags"')
    op.execute('ALTER TABLE "figure" DROP COLUMN "parsed_value"')
