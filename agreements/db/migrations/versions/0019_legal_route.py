"""The legal route of an agreement (lease continues, lease dissolved with the judgment in
reserve, second-chance tenancy) and the decisions recorded on a judgment before it is a
year old (issue 12). Existing agreements keep no route: the report asks for one.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04 02:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, length=32)


def upgrade() -> None:
    with op.batch_alter_table("agreements", schema=None) as batch_op:
        route = _enum("legalroute", "lease_continues", "lease_dissolved", "second_chance")
        batch_op.add_column(sa.Column("legal_route", route, nullable=True))
    op.create_table(
        "judgment_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("agreement_id", sa.Integer(), nullable=False),
        sa.Column("eviction_judgment_id", sa.Integer(), nullable=False),
        sa.Column(
            "choice",
            _enum("judgmentchoice", "continue", "new_judgment", "convert_to_lease"),
            nullable=False,
        ),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=False),
        sa.Column("decided_by_name", sa.String(length=200), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_judgment_decisions_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["agreement_id"],
            ["agreements.id"],
            name=op.f("fk_judgment_decisions_agreement_id_agreements"),
        ),
        sa.ForeignKeyConstraint(
            ["eviction_judgment_id"],
            ["eviction_judgments.id"],
            name=op.f("fk_judgment_decisions_eviction_judgment_id_eviction_judgments"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["users.id"], name=op.f("fk_judgment_decisions_decided_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_judgment_decisions")),
    )
    with op.batch_alter_table("judgment_decisions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_judgment_decisions_case_id"), ["case_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_judgment_decisions_agreement_id"), ["agreement_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("judgment_decisions")
    with op.batch_alter_table("agreements", schema=None) as batch_op:
        batch_op.drop_column("legal_route")
