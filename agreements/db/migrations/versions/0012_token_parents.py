"""Bearer tokens end with the login that made them; integration tokens are an admin's.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 08:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("auth_tokens", schema=None) as batch_op:
        batch_op.alter_column(
            "kind", existing_type=sa.String(length=10), type_=sa.String(length=20)
        )
        batch_op.add_column(sa.Column("parent_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("created_by", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_auth_tokens_parent_id"), ["parent_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_auth_tokens_parent_id_auth_tokens"), "auth_tokens", ["parent_id"], ["id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_auth_tokens_created_by_users"), "users", ["created_by"], ["id"]
        )
    # Bearer tokens made before this revision belong to no login. An admin's stays as an
    # integration token; anyone else's could outlive the login that made it and is revoked.
    op.execute(
        "UPDATE auth_tokens SET kind = 'integration' WHERE kind = 'bearer' "
        "AND user_id IN (SELECT id FROM users WHERE role = 'admin')"
    )
    op.execute(
        "UPDATE auth_tokens SET revoked_at = CURRENT_TIMESTAMP "
        "WHERE kind = 'bearer' AND revoked_at IS NULL"
    )
    op.execute("UPDATE auth_tokens SET created_by = user_id WHERE kind <> 'calendar'")


def downgrade() -> None:
    op.execute("UPDATE auth_tokens SET kind = 'bearer' WHERE kind = 'integration'")
    with op.batch_alter_table("auth_tokens", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_auth_tokens_created_by_users"), type_="foreignkey")
        batch_op.drop_constraint(
            batch_op.f("fk_auth_tokens_parent_id_auth_tokens"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_auth_tokens_parent_id"))
        batch_op.drop_column("created_by")
        batch_op.drop_column("parent_id")
        batch_op.alter_column(
            "kind", existing_type=sa.String(length=20), type_=sa.String(length=10)
        )
