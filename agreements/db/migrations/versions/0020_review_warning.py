"""A review records whether a written warning (schriftelijke waarschuwing) was given; the
minutes print it. Existing reviews: no warning.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-04 02:45:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("warning_given", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.drop_column("warning_given")
