"""The cases' folded search column (issue 14): names, address, reference, contract and
judgment numbers without accents or case, filled here for the existing cases and kept by
every write since (db/search.py); on PostgreSQL a pg_trgm GIN index for its LIKEs.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-04 03:00:00
"""

import sqlalchemy as sa
from alembic import op

from agreements.db import search

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("search_text", sa.Text(), server_default=sa.text("''"), nullable=False)
        )
    bind = op.get_bind()
    search.refresh(bind)
    if bind.dialect.name == "postgresql":
        # pg_trgm is a trusted extension (PostgreSQL 13+): the database's owner may add it.
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.create_index(
            "ix_cases_search_text_trgm",
            "cases",
            ["search_text"],
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_cases_search_text_trgm", table_name="cases")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("search_text")
