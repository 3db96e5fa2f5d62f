"""Audit entries of reads are staged without the head's lock and chained later.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 08:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # ADD COLUMN and CREATE INDEX change SQLite's table in place: a rebuild would drop the
    # append-only triggers of audit_entries.
    op.add_column("audit_entries", sa.Column("staged_uid", sa.String(length=32), nullable=True))
    op.create_index(
        op.f("ix_audit_entries_staged_uid"), "audit_entries", ["staged_uid"], unique=True
    )
    op.create_table(
        "audit_staged",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(length=32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=100), nullable=False),
        sa.Column("subject_type", sa.String(length=50), nullable=False),
        sa.Column("subject_id", sa.String(length=50), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("mac", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_staged")),
        sa.UniqueConstraint("uid", name=op.f("uq_audit_staged_uid")),
    )
    # No updates; a delete only of an entry that is in the chain already (the move).
    if op.get_bind().dialect.name == "postgresql":
        statements = [
            "CREATE FUNCTION audit_staged_guard() RETURNS trigger AS $$ BEGIN "
            "IF TG_OP = 'UPDATE' THEN RAISE EXCEPTION 'the audit log is append-only'; END IF; "
            "IF NOT EXISTS (SELECT 1 FROM audit_entries WHERE staged_uid = OLD.uid) THEN "
            "RAISE EXCEPTION 'the audit log is append-only: a staged entry leaves only into "
            "the chain'; END IF; RETURN OLD; END; $$ LANGUAGE plpgsql",
            "CREATE TRIGGER audit_staged_guard BEFORE UPDATE OR DELETE ON audit_staged "
            "FOR EACH ROW EXECUTE FUNCTION audit_staged_guard()",
        ]
    else:
        statements = [
            "CREATE TRIGGER audit_staged_no_update BEFORE UPDATE ON audit_staged "
            "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
            "CREATE TRIGGER audit_staged_no_delete BEFORE DELETE ON audit_staged "
            "WHEN NOT EXISTS (SELECT 1 FROM audit_entries WHERE staged_uid = OLD.uid) "
            "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: a staged entry leaves "
            "only into the chain'); END",
        ]
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_staged_guard ON audit_staged")
        op.execute("DROP FUNCTION IF EXISTS audit_staged_guard()")
    op.drop_table("audit_staged")
    op.drop_index(op.f("ix_audit_entries_staged_uid"), table_name="audit_entries")
    # A plain DROP COLUMN (SQLite 3.35+), not a rebuild that would lose the triggers.
    op.execute("ALTER TABLE audit_entries DROP COLUMN staged_uid")
