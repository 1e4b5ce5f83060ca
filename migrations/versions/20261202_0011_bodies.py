"""bodies: one report per body and year, built from its documents

New tables body (name, region_code; unique together), document_parse (each document's own
parse: metadata, figures, findings as JSON; its own text), report_alias (old report id → the
report it was merged into). New columns report.body_id, report.document_count and
figure.document_id, added in place (ADD COLUMN: batch mode would copy the report table on
SQLite, and its copy would cascade deletes to the figures).

Existing reports are grouped by body (agency and region code as the parser read them) and
year: the lowest id of a group is kept, the other reports become its documents (their parses
kept in document_parse, their ids aliased to the kept one), and the kept report keeps its
figures with an info finding `documents_not_reconciled` (a reparse reconciles them). The
rollup is computed again: the merged reports no longer count.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NOT_RECONCILED = ("documents_not_reconciled", "info",
                   "this report was merged from {n} reports of the same body and year by migration 0011; its figures "
                   "are still those of its first document (reparse the report to reconcile them)")


def upgrade() -> None:
    op.create_table('body',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('level', sa.String(length=20), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_body')),
    sa.UniqueConstraint('name', 'region_code', name=op.f('uq_body_name_region_code')),
    )
    op.create_index(op.f('ix_body_region_code'), 'body', ['region_code'], unique=False)
    op.create_table('document_parse',
    sa.Column('document_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('parser_version', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('meta', sa.Text(), nullable=False),
    sa.Column('figures', sa.Text(), nullable=False),
    sa.Column('findings', sa.Text(), nullable=False),
    sa.Column('text', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['document.id'], name=op.f('fk_document_parse_document_id_document'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['report_id'], ['report.id'], name=op.f('fk_document_parse_report_id_report'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('document_id', name=op.f('pk_document_parse')),
    )
    op.create_index(op.f('ix_document_parse_report_id'), 'document_parse', ['report_id'], unique=False)
    op.create_table('report_alias',
    sa.Column('old_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['report_id'], ['report.id'], name=op.f('fk_report_alias_report_id_report'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('old_id', name=op.f('pk_report_alias')),
    )
    op.create_index(op.f('ix_report_alias_report_id'), 'report_alias', ['report_id'], unique=False)

    conn = op.get_bind()
    sqlite = conn.dialect.name == "sqlite"
    # ADD COLUMN in place on both engines (SQLite takes a REFERENCES clause on an added column)
    if sqlite:
        op.execute('ALTER TABLE report ADD COLUMN body_id INTEGER '
                   'CONSTRAINT fk_report_body_id_body REFERENCES body (id)')
    else:
        op.add_column('report', sa.Column('body_id', sa.Integer(), nullable=True))
        op.create_foreign_key(op.f('fk_report_body_id_body'), 'report', 'body', ['body_id'], ['id'])
    op.add_column('report', sa.Column('document_count', sa.Integer(), server_default='1', nullable=False))
    op.add_column('figure', sa.Column('document_id', sa.Integer(), nullable=True))

    _group(conn)
    op.create_index('uq_report_body_year', 'report', ['body_id', 'year'], unique=True,
                    sqlite_where=sa.text('body_id IS NOT NULL AND year IS NOT NULL'),
                    postgresql_where=sa.text('body_id IS NOT NULL AND year IS NOT NULL'))


def _next_change_seq(conn) -> int:
    """The next number of the change sequence as this revision's schema has it (written here,
    not taken from the app: the app's statement follows the head schema, which has tables
    this revision does not)."""
    return int(conn.execute(sa.text(
        "INSERT INTO change_counter (id, value) VALUES (1, (SELECT COALESCE(MAX(change_seq), 0) + 1 FROM report)) "
        "ON CONFLICT (id) DO UPDATE SET value = change_counter.value + 1 RETURNING value")).scalar_one())


def _group(conn) -> None:
    from app.models import utcnow
    from app.services import parses, rollup

    now = utcnow()
    conn.execute(sa.text(
        "INSERT INTO body (name, region_code, level, created_at) "
        "SELECT agency, region_code, MAX(level), :now FROM report "
        "WHERE agency IS NOT NULL AND region_code IS NOT NULL AND year IS NOT NULL "
        "GROUP BY agency, region_code ORDER BY MIN(id)"), {"now": now})
    conn.execute(sa.text(
        "UPDATE report SET body_id = (SELECT body.id FROM body WHERE body.name = report.agency "
        "AND body.region_code = report.region_code) WHERE year IS NOT NULL"))
    conn.execute(sa.text("UPDATE figure SET document_id = "
                         "(SELECT report.document_id FROM report WHERE report.id = figure.report_id)"))

    rows = conn.execute(sa.text(
        "SELECT id, document_id, body_id, year FROM report ORDER BY id")).all()
    kept: dict[tuple, int] = {}
    members: dict[int, list] = {}
    for rid, doc_id, body_id, year in rows:
        group = (body_id, year) if body_id is not None and year is not None else ("alone", rid)
        keeper = kept.setdefault(group, rid)
        members.setdefault(keeper, []).append((rid, doc_id))

    for keeper, reports in members.items():
        for rid, doc_id in reports:
            values = _parse_row(conn, rid, parses)
            values.update(document_id=doc_id, report_id=keeper, created_at=now,
                          text=None if rid == keeper else values["text"])
            conn.execute(sa.text(
                "INSERT INTO document_parse (document_id, report_id, parser_version, status, meta, figures, "
                "findings, text, created_at) VALUES (:document_id, :report_id, :parser_version, :status, :meta, "
                ":figures, :findings, :text, :created_at)"), values)
        if len(reports) == 1:
            continue
        merged = [rid for rid, _ in reports if rid != keeper]
        for rid in merged:
            conn.execute(sa.text("INSERT INTO report_alias (old_id, report_id) VALUES (:o, :k)"),
                         {"o": rid, "k": keeper})
            conn.execute(sa.text("UPDATE report_alias SET report_id = :k WHERE report_id = :o"),
                         {"o": rid, "k": keeper})
        # the merged reports go (their figures, findings, text with them); their documents stay
        conn.execute(sa.text("DELETE FROM figure WHERE report_id IN :ids").bindparams(
            sa.bindparam("ids", expanding=True)), {"ids": merged})
        for table in ("finding", "report_text", "rollup_pending"):
            conn.execute(sa.text(f"DELETE FROM {table} WHERE report_id IN :ids").bindparams(
                sa.bindparam("ids", expanding=True)), {"ids": merged})
        conn.execute(sa.text("DELETE FROM report WHERE id IN :ids").bindparams(
            sa.bindparam("ids", expanding=True)), {"ids": merged})
        code, severity, message = _NOT_RECONCILED
        conn.execute(sa.text("INSERT INTO finding (report_id, code, severity, message, keys, line) "
                             "VALUES (:r, :c, :s, :m, '', NULL)"),
                     {"r": keeper, "c": code, "s": severity, "m": message.format(n=len(reports))})
        conn.execute(sa.text("UPDATE report SET document_count = :n, finding_count = finding_count + 1, "
                             "updated_at = :now, change_seq = :seq WHERE id = :r"),
                     {"n": len(reports), "now": now, "seq": _next_change_seq(conn), "r": keeper})
    rollup.rebuild(conn)


def _parse_row(conn, report_id: int, parses) -> dict:
    """The document_parse values of an existing report, from its rows."""
    from app.parsing import ParsedReport
    from app.parsing.model import Figure, Finding, Source

    r = conn.execute(sa.text(
        "SELECT r.parser_version, r.status, r.template, r.year, r.agency, r.region_code, r.level, r.title, "
        "r.published_at, r.source_url, d.encoding, d.media_type, t.original FROM report r "
        "JOIN document d ON d.id = r.document_id LEFT JOIN report_text t ON t.report_id = r.id "
        "WHERE r.id = :r"), {"r": report_id}).one()
    text = r.original or ""
    lines = text.split("\n")
    figures = []
    for f in conn.execute(sa.text(
            "SELECT key, value, unit, section, line, span_start, span_end, source_text, note, flags, page, "
            "box_x0, box_top, box_x1, box_bottom, confidence FROM figure WHERE report_id = :r ORDER BY id"),
            {"r": report_id}):
        source = None
        if f.line is not None:
            line_text = f.source_text if f.source_text is not None else (
                lines[f.line - 1] if 0 < f.line <= len(lines) else "")
            box = (f.box_x0, f.box_top, f.box_x1, f.box_bottom) if f.box_x0 is not None else None
            source = Source(f.line, f.span_start, f.span_end, line_text, f.page, box)
        value = int(f.value) if float(f.value).is_integer() else f.value
        figures.append(Figure(f.key, value, f.unit, f.section, source, f.note,
                              tuple(x for x in f.flags.split(",") if x), f.confidence))
    findings = [Finding(x.code, x.severity, x.message, tuple(k for k in x.keys.split(",") if k), x.line)
                for x in conn.execute(sa.text("SELECT code, severity, message, keys, line FROM finding "
                                              "WHERE report_id = :r ORDER BY id"), {"r": report_id})]
    published = r.published_at.isoformat() if hasattr(r.published_at, "isoformat") else r.published_at
    parsed = ParsedReport(parser_version=r.parser_version, status=r.status, template=r.template, year=r.year,
                          agency=r.agency, region_code=r.region_code, level=r.level, title=r.title,
                          published_at=published, source_url=r.source_url, figures=figures, findings=findings,
                          text=text, encoding=r.encoding, media_type=r.media_type)
    return {**parses.dump(parsed), "text": text}


def downgrade() -> None:
    # the merged reports are not split again: their documents stay, without a report
    op.drop_index('uq_report_body_year', table_name='report')
    op.execute('ALTER TABLE "figure" DROP COLUMN "document_id"')
    op.execute('ALTER TABLE "report" DROP COLUMN "document_count"')
    if op.get_bind().dialect.name != "sqlite":  # SQLite drops the column's REFERENCES with it
        op.drop_constraint(op.f('fk_report_body_id_body'), 'report', type_='foreignkey')
    op.execute('ALTER TABLE "report" DROP COLUMN "body_id"')
    op.drop_index(op.f('ix_report_alias_report_id'), table_name='report_alias')
    op.drop_table('report_alias')
    op.drop_index(op.f('ix_document_parse_report_id'), table_name='document_parse')
    op.drop_table('document_parse')
    op.drop_index(op.f('ix_body_region_code'), table_name='body')
    op.drop_table('body')
