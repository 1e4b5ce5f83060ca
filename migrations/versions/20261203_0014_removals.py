"""removed_report, removed_document: what DELETE /documents/{id} and reparse merges removed

removed_report: a report that is no more — its last document deleted, or merged into another
report of its body and year by a reparse — with its place in the change sequence (GET /changes
lists it as `removed`) and the filterable columns it had. removed_document: a deleted
document's id, digest and report (GET /documents/{id} answers 410). Both empty on databases
from before: nothing was ever deleted there.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'removed_report',
        sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('change_seq', sa.BigInteger(), nullable=False),
        sa.Column('removed_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('reason', sa.String(length=20), nullable=False),
        sa.Column('merged_into', sa.Integer(), nullable=True),
        sa.Column('removed_by', sa.String(length=64), nullable=True),
        sa.Column('body_id', sa.Integer(), nullable=True),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('template', sa.String(length=10), nullable=True),
        sa.Column('year', sa.Integer(), nullable=True),
        sa.Column('agency', sa.String(length=200), nullable=True),
        sa.Column('region_code', sa.String(length=12), nullable=True),
        sa.Column('level', sa.String(length=20), nullable=True),
        sa.Column('published_at', sa.Date(), nullable=True),
        sa.Column('deadline', sa.Date(), nullable=True),
        sa.Column('checks_failing', sa.Integer(), nullable=True),
        sa.Column('checks_holding', sa.Integer(), nullable=True),
        sa.Column('checks_unknown', sa.Integer(), nullable=True),
        sa.Column('copied_from_previous', sa.Boolean(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_removed_report')),
        sa.UniqueConstraint('change_seq', name=op.f('uq_removed_report_change_seq')),
    )
    op.create_table(
        'removed_document',
        sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('report_id', sa.Integer(), nullable=True),
        sa.Column('removed_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('removed_by', sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_removed_document')),
    )


def downgrade() -> None:
    op.drop_table('removed_document')
    op.drop_table('removed_report')
