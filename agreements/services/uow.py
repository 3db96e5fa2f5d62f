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
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from agreements.db.models import Case, Document, DocumentVersion
from agreements.domain.errors import NotFound
from agreements.domain.policy import Action, Actor, Resource
from agreements.services.audit import log as audit_log
from agreements.services.context import Deps
from agreements.services.jobs import Job
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
    read_only: bool = False

    @property
    def today(self) -> date:
        """The date of `now` where the service works (Europe/Amsterdam unless configured)."""
        return self.deps.today(self.now)

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

    def version(
        self,
        version_id: int,
        action: Action,
        *,
        reported_as: tuple[str, object] | None = None,
    ) -> tuple[DocumentVersion, Document, Case]:
        """A document version, its document and case, if the actor may act on the case's
        agreements; outside the scope it is not found, as `reported_as` (the record asked
        for, a signature request say) or as the version."""
        reported_as = reported_as or ("document version", version_id)
        version = self.session.get(DocumentVersion, version_id)
        if version is None:
            raise NotFound(*reported_as)
        document = self.session.get(Document, version.document_id)
        assert document is not None
        case = self.case(document.case_id, action, Resource.AGREEMENT, reported_as=reported_as)
        return version, document, case

    def audit(
        self,
        action: str,
        subject_type: str,
        subject_id: object,
        detail: dict[str, Any] | None = None,
        *,
        by: Actor | str | None = None,
        at: datetime | None = None,
    ) -> None:
        """One audit entry by this actor at this time, in this transaction (no personal data
        in `detail`). `by` names someone else where the entry is theirs: the party who
        signed, say, whoever held the pen. `at` dates an entry of something that happened
        earlier than the unit of work began (a reminder's link is of the reminder's time)."""
        self._writable("record an audit entry")
        audit_log.record(
            self.session,
            self.deps,
            actor=self.actor if by is None else by,
            action=action,
            subject_type=subject_type,
            subject_id=subject_id,
            now=self.now if at is None else at,
            detail=detail,
        )

    def enqueue(self, job: Job, *ids: int) -> None:
        """Wake the worker for this job once the transaction has committed."""
        self._writable("queue a job")
        self._after.append(lambda: self.deps.queue.enqueue(job, *ids))

    def after_commit(self, work: Callable[[], None]) -> None:
        """Run `work` once the transaction has committed; never for one that rolled back."""
        self._writable("run work after the commit")
        self._after.append(work)

    def _writable(self, what: str) -> None:
        if self.read_only:
            raise TypeError(f"a read-only unit of work cannot {what}: use unit_of_work")

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


@contextmanager
def reading(deps: Deps, actor: Actor | str, now: datetime | None = None) -> Iterator[UnitOfWork]:
    """A session for a use case that only reads: the same scoped loads and `today`, no
    transaction to commit, and no audit entries or jobs (a read that is logged is a write
    and goes through `unit_of_work`)."""
    with deps.db() as session:
        yield UnitOfWork(session, deps, actor, now or datetime.now(UTC), read_only=True)
