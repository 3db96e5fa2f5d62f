"""Kiosk mode on a staff session (issue 13): while set, only the kiosk pages answer, and the
way back asks for the coordinator's password; failed tries are counted (rate limit).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04 00:55:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("auth_tokens") as batch:
        batch.add_column(sa.Column("kiosk_since", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(
            sa.Column("kiosk_failures", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("kiosk_failed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("kiosk_request_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("kiosk_witness", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("auth_tokens") as batch:
        batch.drop_column("kiosk_witness")
        batch.drop_column("kiosk_request_id")
        batch.drop_column("kiosk_failed_at")
        batch.drop_column("kiosk_failures")
        batch.drop_column("kiosk_since")
