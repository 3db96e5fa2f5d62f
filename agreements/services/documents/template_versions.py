"""Add a template version to the catalogue: checked before it is kept, and logged."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from agreements.domain.enums import Role
from agreements.domain.errors import Forbidden
from agreements.domain.policy import Action, Actor, Resource, authorize
from agreements.services.context import Deps
from agreements.services.documents.engine import DocumentEngine
from agreements.services.inputs import one_line
from agreements.services.uow import unit_of_work


def add_template(
    name: str,
    data: bytes,
    *,
    kind: str,
    title: str | None,
    deps: Deps,
    engine: DocumentEngine,
    actor: Actor,
    now: datetime,
) -> Any:
    """Check and keep a new template version (coordinators and admins); logged."""
    authorize(actor, Action.WRITE, Resource.AGREEMENT)
    if actor.role not in (Role.ADMIN, Role.COORDINATOR):
        raise Forbidden("only coordinators and admins add templates")
    # Form fields of a multipart upload: no input model checked them.
    name = one_line("name", name, max_length=64)
    kind = one_line("kind", kind, max_length=50)
    title = one_line("title", title, max_length=200, required=False) if title else None
    added = engine.catalogue.add(name, data, kind=kind, title=title or None)
    with unit_of_work(deps, actor, now) as uow:
        uow.audit(
            "template.add",
            "template",
            f"{added.name}:{added.version}",
            {"sha256": added.sha256, "kind": kind},
        )
    return added
