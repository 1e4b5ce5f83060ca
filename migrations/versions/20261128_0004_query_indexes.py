"""indexes that fit the cross-report queries

figure (key, report_id, id, value, unit) replaces figure (key, report_id): /figures and
/stats read every column they need of a key's figures from the index alone, never the wide
figure rows (their source lines), and a key's figures come in (report_id, id) order, the
default order of /figures. report (template, region_code, year, level) replaces report
(template): /stats counts the reports in scope by those columns from the index alone.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""
from collections.abc import Sequence

from alembic import op


revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('figure', schema=None) as batch_op:
        batch_op.create_index('ix_figure_key_report', ['key', 'report_id', 'id', 'value', 'unit'], unique=False)
        batch_op.drop_index('ix_figure_key_report_id')
    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.create_index('ix_report_template_region', ['template', 'region_code', 'year', 'level'], unique=False)
        batch_op.drop_index('ix_report_template')


def downgrade() -> None:
    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.create_index('ix_report_template', ['template'], unique=False)
        batch_op.drop_index('ix_report_template_region')
    with op.batch_alter_table('figure', schema=None) as batch_op:
        batch_op.create_index('ix_figure_key_report_id', ['key', 'report_id'], unique=False)
        batch_op.drop_index('ix_figure_key_report')
