"""A case's audit trail as the case page shows it: who did what, newest first."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select

from agreements.db.models import AuditEntry, User
from agreements.services.audit import wording
from agreements.services.context import Deps


def for_case(deps: Deps, case_id: int, limit: int = 100) -> list[dict[str, Any]]:
    """The entries about this case or about a record that names it, newest first; who and
    what in Dutch (a name, not "user:6"; "Zaak bekeken", not "case.read")."""
    with deps.db() as session:
        query = (
            select(AuditEntry)
            .where(
                or_(
                    (AuditEntry.subject_type == "case") & (AuditEntry.subject_id == str(case_id)),
                    AuditEntry.detail["case"].as_integer() == case_id,
                )
            )
            .order_by(AuditEntry.seq.desc())
            .limit(limit)
        )
        entries = list(session.scalars(query))
        user_ids = {int(e.actor[5:]) for e in entries if e.actor[5:].isdigit()}
        names = {
            row.id: row.name
            for row in session.execute(select(User.id, User.name).where(User.id.in_(user_ids)))
        }
    return [
        {
            "seq": e.seq,
            "at": e.at,
            "who": wording.actor(e.actor, names),
            "action": e.action,
            "what": wording.action(e.action),
        }
        for e in entries
    ]
