"""report: the province, city and county its region rolls up to

report.province_code, city_code, county_code: the divisions report.region_code rolls up to
(app.divisions.group_of), kept with every insert and update of a report, so that
/stats groups by them in SQL. Filled here for the reports stored before. The report index
of 0004 gives way to (template, province_code, city_code, county_code, year, level): /stats
groups and counts reports from it alone, and SQLite's planner no longer drives the figure
join from the old one (which made it slower).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.add_column(sa.Column('province_code', sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column('city_code', sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column('county_code', sa.String(length=12), nullable=True))
        batch_op.drop_index('ix_report_template_region')
    from app.divisions import group_of

    conn = op.get_bind()
    report = sa.table('report', sa.column('region_code', sa.String), sa.column('province_code', sa.String),
                      sa.column('city_code', sa.String), sa.column('county_code', sa.String))
    codes = [row[0] for row in conn.execute(sa.select(report.c.region_code).distinct())
             if row[0] is not None]
    for code in codes:
        conn.execute(report.update().where(report.c.region_code == code).values(
            province_code=group_of(code, "province")[0], city_code=group_of(code, "city")[0],
            county_code=group_of(code, "county")[0]))
    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.create_index('ix_report_rollup', ['template', 'province_code', 'city_code', 'county_code', 'year',
                                                   'level'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.drop_index('ix_report_rollup')
        batch_op.create_index('ix_report_template_region', ['template', 'region_code', 'year', 'level'], unique=False)
        batch_op.drop_column('county_code')
        batch_op.drop_column('city_code')
        batch_op.drop_column('province_code')
