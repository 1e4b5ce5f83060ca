"""the /stats rollup folds new reports in many at a time

rollup_pending: the reports stored since the rollup (0006) was last folded; /stats adds
their figures from the figure table until a write folds them in (app/services/rollup.py).
Every report stored before is in the rollup already: the table starts empty.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('rollup_pending',
    sa.Column('report_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.ForeignKeyConstraint(['report_id'], ['report.id'], name=op.f('fk_rollup_pending_report_id_report'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('report_id', name=op.f('pk_rollup_pending'))
    )


def downgrade() -> None:
    from app.services.rollup import fold

    fold(op.get_bind(), indicators=False)  # 0006's rollup holds every report: the pending ones into it first
    op.drop_table('rollup_pending')
