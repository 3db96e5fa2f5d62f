"""One unit of work per use case: its transaction, scoped loads, audit entries, after-commit jobs.

    with unit_of_work(deps, actor, now) as uow:
        agreement = uow.load(Agreement, agreement_id, Action.WRITE, Resource.AGREEMENT,
                             kind="agreement")
        ...
        uow.audit("agreement.update", "agreement", agreement.id, {"case": agreement.case_id})
        uow.enqueue(Job.RENDER, version.id)

The block commits when it ends normally and rolls back when it raises; the jobs are handed
to the queue only after the commit, so the worker never looks for rows that are not there.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from agreements.db.models import Case
from agreements.domain.errors import NotFound
from agreements.domain.policy import Action, Actor, Resource
from agreements.services.audit import log as audit_log
from agreements.services.context import Deps
from agreements.services.queue import Job
from agreements.services.scope import case_for

Row = TypeVar("Row")
log = logging.getLogger("agreements.uow")


def _case_id(row: Any) -> int:
    return int(row.case_id)


@dataclass
class UnitOfWork:
    """What a use case holds while it runs: the session, who acts, and when."""

    session: Session
    deps: Deps
    actor: Actor | str
    now: datetime
    _after: list[Callable[[], None]] = field(default_factory=list)

    @property
    def today(self) -> date:
        """The date of `now` where the service works (Europe/Amsterdam unless configured)."""
        return self.now.astimezone(self.deps.settings.zone).date()

    def case(
        self,
        case_id: int,
        action: Action,
        resource: Resource = Resource.CASE,
        *,
        reported_as: tuple[str, object] | None = None,
    ) -> Case:
        """The case within the actor's scope, if the role allows the action (scope.case_for)."""
        return case_for(
            self.session, self._person(), case_id, action, resource, reported_as=reported_as
        )

    def load(
        self,
        model: type[Row],
        row_id: int,
        action: Action,
        resource: Resource,
        *,
        kind: str,
        case_of: Callable[[Row], int] = _case_id,
    ) -> Row:
        """A row of a case; a row whose case is out of scope is reported word for word as a
        missing one, and the role is asked only for a row in scope."""
        row = self.session.get(model, row_id)
        if row is None:
            raise NotFound(kind, row_id)
        self.case(case_of(row), action, resource, reported_as=(kind, row_id))
        return row

    def audit(
        self,
        action: str,
        subject_type: str,
        subject_id: object,
        detail: dict[str, Any] | None = None,
    ) -> None:
        """One audit entry by this actor at this time, in this transaction (no personal data
        in `detail`)."""
        audit_log.record(
            self.session,
            self.deps,
            actor=self.actor,
            action=action,
            subject_type=subject_type,
            subject_id=subject_id,
            now=self.now,
            detail=detail,
        )

    def enqueue(self, job: Job, *ids: int) -> None:
        """Wake the worker for this job once the transaction has committed."""
        self._after.append(lambda: self.deps.queue.enqueue(job, *ids))

    def after_commit(self, work: Callable[[], None]) -> None:
        """Run `work` once the transaction has committed; never for one that rolled back."""
        self._after.append(work)

    def _person(self) -> Actor:
        if not isinstance(self.actor, Actor):
            raise TypeError(f"{self.actor!r} is not a person or token and cannot act on a case")
        return self.actor


@contextmanager
def unit_of_work(deps: Deps, actor: Actor | str, now: datetime) -> Iterator[UnitOfWork]:
    """A transaction around one use case, with its after-commit work.

    What runs after the commit cannot undo it: a job that cannot be queued is logged and
    left to the worker's periodic tasks, which find unfinished work in the database."""
    with deps.db.begin() as session:
        uow = UnitOfWork(session, deps, actor, now)
        yield uow
    for work in uow._after:
        try:
            work()
        except Exception:
            log.exception("uow.after_commit_failed")
