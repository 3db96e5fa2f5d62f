"""Renewed archive time stamps (issue 13): each renewal of a sealed file's document time
stamp, the hash it moved on from (still verifiable) and the new one.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-04 03:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "seal_renewals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("previous_sha256", sa.String(length=64), nullable=False),
        sa.Column("sealed_sha256", sa.String(length=64), nullable=False),
        sa.Column("stamp_expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("renewed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["document_versions.id"],
            name=op.f("fk_seal_renewals_version_id_document_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_seal_renewals")),
    )
    with op.batch_alter_table("seal_renewals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_seal_renewals_version_id"), ["version_id"])
        batch_op.create_index(batch_op.f("ix_seal_renewals_previous_sha256"), ["previous_sha256"])


def downgrade() -> None:
    op.drop_table("seal_renewals")
