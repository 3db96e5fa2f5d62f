"""Signed copies go through the mail queue: a queued e-mail names its attachment by hash.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 08:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("mail_queue", schema=None) as batch_op:
        batch_op.add_column(sa.Column("attachment_name", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("attachment_sha256", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("mail_queue", schema=None) as batch_op:
        batch_op.drop_column("attachment_sha256")
        batch_op.drop_column("attachment_name")
