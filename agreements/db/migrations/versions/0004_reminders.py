"""Reminders as data, reported missed instalments, and team leads for escalation.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21 05:45:47.394523
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "review_upcoming",
                "review_due",
                "review_overdue",
                "review_escalation",
                "review_tenant",
                "breach",
                "agreement_end_90",
                "agreement_end_30",
                "arrangement_end",
                "missed_instalment",
                "signature_pending",
                "signature_expiring",
                "tenancy_end",
                "judgment_age_9",
                "judgment_age_11",
                name="reminderkind",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("subject_type", sa.String(length=40), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("recipients", sa.String(length=40), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "claimed",
                "sent",
                "flagged",
                "cancelled",
                name="reminderstatus",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("claim", sa.String(length=32), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_reminders_case_id_cases")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminders")),
        sa.UniqueConstraint(
            "subject_type", "subject_id", "kind", "due_date", name=op.f("uq_reminders_subject_type")
        ),
    )
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reminders_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_reminders_claim"), ["claim"], unique=False)
        batch_op.create_index(batch_op.f("ix_reminders_due_date"), ["due_date"], unique=False)
        batch_op.create_index(batch_op.f("ix_reminders_status"), ["status"], unique=False)

    op.create_table(
        "missed_instalments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("arrangement_id", sa.Integer(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("reported_by", sa.String(length=100), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["arrangement_id"],
            ["payment_arrangements.id"],
            name=op.f("fk_missed_instalments_arrangement_id_payment_arrangements"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_missed_instalments")),
        sa.UniqueConstraint(
            "arrangement_id", "due_date", name=op.f("uq_missed_instalments_arrangement_id")
        ),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("team_lead_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_users_team_lead_id_users"), "users", ["team_lead_id"], ["id"]
        )


def downgrade() -> None:

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_users_team_lead_id_users"), type_="foreignkey")
        batch_op.drop_column("team_lead_id")

    op.drop_table("missed_instalments")
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reminders_status"))
        batch_op.drop_index(batch_op.f("ix_reminders_due_date"))
        batch_op.drop_index(batch_op.f("ix_reminders_claim"))
        batch_op.drop_index(batch_op.f("ix_reminders_case_id"))

    op.drop_table("reminders")
