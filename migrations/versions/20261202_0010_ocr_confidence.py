"""figure: confidence

figure.confidence: for a figure read by OCR (flag `ocr`), the recogniser's lowest score over
its characters (0–1); null for figures read from text, and for every figure stored before.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # ADD COLUMN on both engines: batch mode would copy the table on SQLite
    op.add_column('figure', sa.Column('confidence', sa.Float(), nullable=True))


def downgrade() -> None:
    # ALTER TABLE … DROP COLUMN (SQLite 3.35+), not batch mode: copying the figure table is needless
    op.execute('ALTER TABLE "figure" DROP COLUMN "confidence"')
