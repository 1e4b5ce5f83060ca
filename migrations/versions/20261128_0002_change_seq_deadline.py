"""report change sequence and legal deadline

report.change_seq (the order of GET /changes, from the one-row change_counter table),
report.deadline (the legal deadline for publishing it), an index for same-agency look-ups.
Existing reports get their numbers in id order and their deadlines computed here.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""
from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa
from alembic import op


revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _deadline(year, level):
    # as app.models.legal_deadline at the time of this revision
    if year is None:
        return None
    if level == "department" and year >= 2019:
        return date(year + 1, 1, 31)
    return date(year + 1, 3, 31)


def upgrade() -> None:
    op.create_table('change_counter',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('value', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_change_counter'))
    )
    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deadline', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('change_seq', sa.BigInteger(), nullable=True))

    conn = op.get_bind()
    report = sa.table('report', sa.column('id', sa.Integer), sa.column('year', sa.Integer),
                      sa.column('level', sa.String), sa.column('deadline', sa.Date),
                      sa.column('change_seq', sa.BigInteger))
    rows = conn.execute(sa.select(report.c.id, report.c.year, report.c.level).order_by(report.c.id)).all()
    for seq, (rid, year, level) in enumerate(rows, start=1):
        conn.execute(report.update().where(report.c.id == rid)
                     .values(change_seq=seq, deadline=_deadline(year, level)))
    counter = sa.table('change_counter', sa.column('id', sa.Integer), sa.column('value', sa.BigInteger))
    conn.execute(counter.insert().values(id=1, value=len(rows)))

    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.alter_column('change_seq', existing_type=sa.BigInteger(), nullable=False)
        batch_op.create_index(batch_op.f('ix_report_change_seq'), ['change_seq'], unique=True)
        batch_op.create_index('ix_report_agency_year', ['agency', 'year'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.drop_index('ix_report_agency_year')
        batch_op.drop_index(batch_op.f('ix_report_change_seq'))
        batch_op.drop_column('change_seq')
        batch_op.drop_column('deadline')
    op.drop_table('change_counter')
