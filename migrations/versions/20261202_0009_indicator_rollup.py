"""the /stats rollup keeps the indicators' sums

figure_rollup gains rows under the keys `~<indicator>.numerator` / `~<indicator>.denominator`
(app/indicators.py rollup_keys): per cell, the count, sum, min and max of an indicator's
numerators and denominators over the reports that have both sides, so that /stats serves an
indicator as a ratio of two sums over the same reports. No table changes; the rows of every
report stored before (those not pending: the pending ones are added when folded) are
computed here from the figure table.

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


def _drop_indicator_rows(conn) -> None:
    conn.execute(sa.text("DELETE FROM figure_rollup WHERE key LIKE '~%'"))


def upgrade() -> None:
    from app.models import Report, RollupPending
    from app.services.rollup import GRAINS, accumulate_indicators

    conn = op.get_bind()
    _drop_indicator_rows(conn)
    for grain in GRAINS:
        accumulate_indicators(conn, grain, Report.id.not_in(sa.select(RollupPending.report_id)))


def downgrade() -> None:
    _drop_indicator_rows(op.get_bind())
