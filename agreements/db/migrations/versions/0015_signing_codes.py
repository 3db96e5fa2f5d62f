"""One-time codes for link signers (issue 13): only the HMAC of each code is kept.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04 00:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "signing_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("code_digest", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["signature_requests.id"],
            name=op.f("fk_signing_codes_request_id_signature_requests"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signing_codes")),
    )
    op.create_index(
        op.f("ix_signing_codes_request_id"), "signing_codes", ["request_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_signing_codes_request_id"), table_name="signing_codes")
    op.drop_table("signing_codes")
