"""When a seal was started, so that a seal left running by a dead worker is taken over.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-21 06:59:28.701758
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:

    with op.batch_alter_table("document_versions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("finish_started_at", sa.DateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:

    with op.batch_alter_table("document_versions", schema=None) as batch_op:
        batch_op.drop_column("finish_started_at")
