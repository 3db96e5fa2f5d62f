"""Review minutes: location, chair, attendees, progress per obligation, actions.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-21 05:51:53.197203
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:

    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("location", sa.String(length=200), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("chair", sa.String(length=200), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("attendees", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.add_column(sa.Column("progress", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.add_column(sa.Column("actions", sa.JSON(), nullable=False, server_default="[]"))


def downgrade() -> None:

    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.drop_column("actions")
        batch_op.drop_column("progress")
        batch_op.drop_column("attendees")
        batch_op.drop_column("chair")
        batch_op.drop_column("location")
