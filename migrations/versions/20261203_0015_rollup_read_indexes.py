"""PostgreSQL: covering indexes on figure_rollup and indicator_rollup for /stats

/stats reads one key's (one indicator's) rows of a grain: on SQLite the tables are WITHOUT
ROWID, stored in key order, so those rows lie together; a PostgreSQL heap keeps no order
and the fold's upserts scatter them, so the primary key's index scan fetched a heap page
per row (3,456 pages for a key by city at 20,000 reports; indicator_rollup was read by a
sequential scan instead). An index in key order that includes every column /stats reads
answers it by an index-only scan. PostgreSQL only: on SQLite it would duplicate the table.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03
"""
from collections.abc import Sequence

from alembic import op


revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FIGURE_INCLUDE = ['figures', 'total', 'low', 'high']
INDICATOR_INCLUDE = ['template', 'year', 'level', 'region', 'province_code', 'city_code', 'reports', 'numerator',
                     'denominator']


def upgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.create_index('ix_figure_rollup_read', 'figure_rollup', ['grain', 'key', 'cell_id'],
                    postgresql_include=FIGURE_INCLUDE)
    op.create_index('ix_indicator_rollup_read', 'indicator_rollup', ['grain', 'indicator', 'cell_id'],
                    postgresql_include=INDICATOR_INCLUDE)


def downgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.drop_index('ix_indicator_rollup_read', table_name='indicator_rollup')
    op.drop_index('ix_figure_rollup_read', table_name='figure_rollup')
