"""The last instalment date of payment arrangements, derived and indexed for reminders.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-21 06:17:36.025123
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:

    with op.batch_alter_table("payment_arrangements", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_instalment_date", sa.Date(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_payment_arrangements_last_instalment_date"),
            ["last_instalment_date"],
            unique=False,
        )

    # Fill it for the arrangements there are: computed as the service computes it.
    from agreements.domain.schedule import last_instalment

    table = sa.table(
        "payment_arrangements",
        sa.column("id", sa.Integer),
        sa.column("start_date", sa.Date),
        sa.column("number_of_terms", sa.Integer),
        sa.column("frequency", sa.String),
        sa.column("last_instalment_date", sa.Date),
    )
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(table.c.id, table.c.start_date, table.c.number_of_terms, table.c.frequency)
    ).all()
    for row_id, start, terms, frequency in rows:
        bind.execute(
            table.update()
            .where(table.c.id == row_id)
            .values(last_instalment_date=last_instalment(start, terms, frequency))
        )


def downgrade() -> None:

    with op.batch_alter_table("payment_arrangements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payment_arrangements_last_instalment_date"))
        batch_op.drop_column("last_instalment_date")
