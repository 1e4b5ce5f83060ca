"""figure: page and box; report: attachment_url

figure.page, figure.box_x0 / box_top / box_x1 / box_bottom: where a figure read from a paged
original (PDF) stands on its page (PDF points from the page's top-left corner, y downwards);
null for figures of text, HTML and Word documents and for every figure stored before.
report.attachment_url: the file a report was read from when a fetched page linked to it
(source_url is then the page); null otherwise.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BOX = ('box_x0', 'box_top', 'box_x1', 'box_bottom')


def upgrade() -> None:
    with op.batch_alter_table('figure', schema=None) as batch_op:
        batch_op.add_column(sa.Column('page', sa.Integer(), nullable=True))
        for name in _BOX:
            batch_op.add_column(sa.Column(name, sa.Float(), nullable=True))
    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attachment_url', sa.String(length=2048), nullable=True))


def downgrade() -> None:
    # ALTER TABLE … DROP COLUMN on both engines (SQLite 3.35+): batch mode would copy the report
    # table on SQLite, and dropping the old copy deletes every figure and finding by cascade
    for table, column in (('report', 'attachment_url'), *(('figure', n) for n in reversed(_BOX)),
                          ('figure', 'page')):
        op.execute(f'ALTER TABLE "{table}" DROP COLUMN "{column}"')
