"""Signature requests, signatures (evidence) and the sealed copy of a document version.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21 05:34:59.735399
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "signature_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("document_sha256", sa.String(length=64), nullable=False),
        sa.Column("party_role", sa.String(length=40), nullable=False),
        sa.Column("party_name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("capacity", sa.String(length=20), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "signed",
                "declined",
                "revoked",
                "voided",
                name="requeststatus",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("token_digest", sa.String(length=64), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sends", sa.Integer(), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decline_reason", sa.Text(), nullable=False),
        sa.Column("contact_history", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_signature_requests_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_signature_requests_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["document_versions.id"],
            name=op.f("fk_signature_requests_version_id_document_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signature_requests")),
        sa.UniqueConstraint("token_digest", name=op.f("uq_signature_requests_token_digest")),
    )
    with op.batch_alter_table("signature_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_signature_requests_status"), ["status"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_signature_requests_version_id"), ["version_id"], unique=False
        )

    op.create_table(
        "signatures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("document_sha256", sa.String(length=64), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("evidence_sha256", sa.String(length=64), nullable=False),
        sa.Column("drawn_png_sha256", sa.String(length=64), nullable=True),
        sa.Column("witness_user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["signature_requests.id"],
            name=op.f("fk_signatures_request_id_signature_requests"),
        ),
        sa.ForeignKeyConstraint(
            ["witness_user_id"], ["users.id"], name=op.f("fk_signatures_witness_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signatures")),
        sa.UniqueConstraint("request_id", name=op.f("uq_signatures_request_id")),
    )
    with op.batch_alter_table("document_versions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "finish_status",
                sa.Enum(
                    "not_ready",
                    "pending",
                    "done",
                    "failed",
                    name="finishstatus",
                    native_enum=False,
                    length=32,
                ),
                nullable=False,
                server_default="not_ready",
            )
        )
        batch_op.add_column(sa.Column("finish_error", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(
            sa.Column("finish_attempts", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("sealed_sha256", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("sealed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_document_versions_sealed_sha256"), ["sealed_sha256"], unique=False
        )


def downgrade() -> None:

    with op.batch_alter_table("document_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_document_versions_sealed_sha256"))
        batch_op.drop_column("sealed_at")
        batch_op.drop_column("sealed_sha256")
        batch_op.drop_column("finish_attempts")
        batch_op.drop_column("finish_error")
        batch_op.drop_column("finish_status")

    op.drop_table("signatures")
    with op.batch_alter_table("signature_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_signature_requests_version_id"))
        batch_op.drop_index(batch_op.f("ix_signature_requests_status"))

    op.drop_table("signature_requests")
