"""Co-tenants (medehuurders) are people of their own: each is a party and signs separately.

A tenant entered as two people in one name ("Ünal & Zoë Yılmaz", "Ünal Yılmaz en Zoë
Yılmaz") is split: the tenant keeps the first name with the family name, the second becomes
a co-tenant with the same address (no e-mail or date of birth: staff fill those in). A name
that does not split cleanly is left as it is.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 23:50:00
"""

import re
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

_JOINED = re.compile(r"^\s*(?P<first>[^&]+?)\s+(?:&|en)\s+(?P<second>[^&]+?)\s*$")


def split_name(name: str) -> tuple[str, str] | None:
    """Two people in one name, each with the family name; None when it is one person."""
    found = _JOINED.match(name)
    if found is None:
        return None
    first, second = found["first"].split(), found["second"].split()
    if len(second) < 2:
        return None  # "Jan en Piet" or "A & B": no family name to share
    if len(first) == 1:  # "Ünal & Zoë Yılmaz": the family name is the second's
        first = [*first, *second[1:]]
    return " ".join(first), " ".join(second)


def upgrade() -> None:
    op.create_table(
        "case_co_tenants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_case_co_tenants_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_case_co_tenants_person_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_co_tenants")),
        sa.UniqueConstraint("case_id", "person_id", name=op.f("uq_case_co_tenants_case_id")),
    )
    with op.batch_alter_table("case_co_tenants", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_case_co_tenants_person_id"), ["person_id"], unique=False
        )
    _split_joined_tenants()


def _split_joined_tenants() -> None:
    bind = op.get_bind()
    people = sa.table(
        "people",
        sa.column("id", sa.Integer),
        sa.column("name", sa.String),
        sa.column("street", sa.String),
        sa.column("house_number", sa.String),
        sa.column("postcode", sa.String),
        sa.column("city", sa.String),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    cases = sa.table("cases", sa.column("id", sa.Integer), sa.column("tenant_id", sa.Integer))
    co_tenants = sa.table(
        "case_co_tenants", sa.column("case_id", sa.Integer), sa.column("person_id", sa.Integer)
    )
    rows = bind.execute(
        sa.select(cases.c.id.label("case_id"), people).join(
            people, people.c.id == cases.c.tenant_id
        )
    ).all()
    now = datetime.now(UTC)
    for row in rows:
        names = split_name(row.name)
        if names is None:
            continue
        bind.execute(sa.update(people).where(people.c.id == row.id).values(name=names[0]))
        second = bind.execute(
            sa.insert(people)
            .values(
                name=names[1],
                street=row.street,
                house_number=row.house_number,
                postcode=row.postcode,
                city=row.city,
                created_at=now,
            )
            .returning(people.c.id)
        ).scalar_one()
        bind.execute(sa.insert(co_tenants).values(case_id=row.case_id, person_id=second))


def downgrade() -> None:
    # The co-tenants stay as people; only the link to their case goes.
    with op.batch_alter_table("case_co_tenants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_co_tenants_person_id"))
    op.drop_table("case_co_tenants")
