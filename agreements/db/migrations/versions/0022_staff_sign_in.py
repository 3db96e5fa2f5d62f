"""Staff sign-in (issue 15): a TOTP second factor with recovery codes, a session that waits
for its code, and the failures that lock an account.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-04 02:50:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

_AT = sa.DateTime(timezone=True)


def _per_user(name: str, *columns: sa.schema.SchemaItem) -> None:
    op.create_table(
        name,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        *columns,
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f(f"fk_{name}_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{name}")),
    )
    with op.batch_alter_table(name, schema=None) as batch:
        batch.create_index(batch.f(f"ix_{name}_user_id"), ["user_id"], unique=False)


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch:
        batch.add_column(sa.Column("totp_secret_encrypted", sa.LargeBinary(), nullable=True))
        batch.add_column(sa.Column("totp_enabled_at", _AT, nullable=True))
        batch.add_column(
            sa.Column("totp_last_step", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("locked_at", _AT, nullable=True))
    with op.batch_alter_table("auth_tokens", schema=None) as batch:
        batch.add_column(
            sa.Column("code_pending", sa.Boolean(), nullable=False, server_default="0")
        )
    _per_user(
        "recovery_codes",
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("created_at", _AT, nullable=False),
        sa.Column("used_at", _AT, nullable=True),
        sa.UniqueConstraint("digest", name=op.f("uq_recovery_codes_digest")),
    )
    _per_user("login_failures", sa.Column("at", _AT, nullable=False))


def downgrade() -> None:
    op.drop_table("login_failures")
    op.drop_table("recovery_codes")
    with op.batch_alter_table("auth_tokens", schema=None) as batch:
        batch.drop_column("code_pending")
    with op.batch_alter_table("users", schema=None) as batch:
        batch.drop_column("locked_at")
        batch.drop_column("totp_last_step")
        batch.drop_column("totp_enabled_at")
        batch.drop_column("totp_secret_encrypted")
