"""An index on review outcomes: breaches are rare and found on every sweep.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-21 06:08:15.279153
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:

    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reviews_outcome"), ["outcome"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reviews_outcome"))
