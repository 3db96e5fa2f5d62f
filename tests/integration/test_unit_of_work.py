"""The unit of work on both databases: commit or roll back, scoped loads, audit, jobs."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from agreements import tasks
from agreements.db.models import Agreement, AuditEntry, Case, Organisation
from agreements.domain.enums import OrganisationKind, Role
from agreements.domain.errors import Forbidden, NotFound
from agreements.domain.policy import SYSTEM, Action, Actor, Resource
from agreements.services.jobs import Job, NoQueue
from agreements.services.uow import unit_of_work

NOW = datetime(2026, 12, 1, 23, 30, tzinfo=UTC)  # already 2 December in Utrecht


class Recorder:
    def __init__(self) -> None:
        self.jobs: list[tuple[Job, tuple[int, ...]]] = []

    def enqueue(self, job: Job, *ids: int) -> None:
        self.jobs.append((job, ids))


def _entries(world) -> int:
    with world.deps.db() as session:
        return session.scalar(select(func.count()).select_from(AuditEntry)) or 0


def _partner_of_the_other_case(world) -> Actor:
    """A partner at the corporation of the Mitros case: the Portaal case is not in scope."""
    return Actor(user_id=None, role=Role.PARTNER, organisation_id=world.org["Mitros"], name="t")


def test_commit_writes_the_audit_entry_and_then_runs_the_jobs(world):
    queue = Recorder()
    deps = replace(world.deps, queue=queue)
    before = _entries(world)
    with unit_of_work(deps, SYSTEM, NOW) as uow:
        assert uow.today.isoformat() == "2026-12-02"
        uow.audit("test.commit", "case", world.case_portaal, {"why": "test"})
        uow.enqueue(Job.RENDER, 7)
        uow.after_commit(lambda: queue.jobs.append((Job.MAIL, ())))
        assert queue.jobs == []  # nothing before the commit
    assert queue.jobs == [(Job.RENDER, (7,)), (Job.MAIL, ())]
    assert _entries(world) == before + 1


def test_an_error_rolls_back_and_queues_nothing(world):
    queue = Recorder()
    deps = replace(world.deps, queue=queue)
    before = _entries(world)
    with pytest.raises(RuntimeError), unit_of_work(deps, SYSTEM, NOW) as uow:
        uow.session.add(
            Organisation(
                name="Nooit Bewaard", kind=OrganisationKind.HOUSING_CORPORATION, created_at=NOW
            )
        )
        uow.audit("test.rollback", "case", world.case_portaal)
        uow.enqueue(Job.RENDER, 7)
        raise RuntimeError("boom")
    assert queue.jobs == []
    assert _entries(world) == before
    with world.deps.db() as session:
        names = set(session.scalars(select(Organisation.name)))
    assert "Nooit Bewaard" not in names


def test_a_failing_job_is_logged_and_the_commit_stands(world, caplog):
    class Down:
        def enqueue(self, job: Job, *ids: int) -> None:
            raise ConnectionError("queue down")

    deps = replace(world.deps, queue=Down())
    before = _entries(world)
    with unit_of_work(deps, SYSTEM, NOW) as uow:
        uow.audit("test.queue_down", "case", world.case_portaal)
        uow.enqueue(Job.RENDER, 7)
    assert _entries(world) == before + 1
    assert "uow.after_commit_failed" in caplog.text


def test_rows_outside_the_scope_are_reported_as_missing(world):
    partner = _partner_of_the_other_case(world)
    with world.deps.db() as session:
        agreement_id = session.scalar(
            select(Agreement.id).where(Agreement.case_id == world.case_portaal)
        )
    assert agreement_id is not None
    with unit_of_work(world.deps, partner, NOW) as uow:
        with pytest.raises(NotFound) as out_of_scope:
            uow.load(Agreement, agreement_id, Action.READ, Resource.AGREEMENT, kind="agreement")
        with pytest.raises(NotFound) as missing:
            uow.load(Agreement, 10**9, Action.READ, Resource.AGREEMENT, kind="agreement")
        assert str(out_of_scope.value).replace(str(agreement_id), "N") == str(
            missing.value
        ).replace(str(10**9), "N")
        with pytest.raises(NotFound):
            uow.case(world.case_portaal, Action.READ)
        assert isinstance(uow.case(world.case_mitros, Action.READ), Case)
        with pytest.raises(Forbidden):  # in scope, but a partner does not write care notes
            uow.case(world.case_mitros, Action.WRITE, Resource.CARE_NOTES)


def test_a_named_process_cannot_act_on_a_case(world):
    with unit_of_work(world.deps, "worker:test", NOW) as uow, pytest.raises(TypeError):
        uow.case(world.case_portaal, Action.READ)


def test_entry_points_give_use_cases_the_worker_queue(world):
    assert isinstance(world.deps.queue, NoQueue)
    assert isinstance(tasks.with_queue(world.deps).queue, tasks.HueyQueue)
    own = replace(world.deps, queue=Recorder())
    assert tasks.with_queue(own) is own
    assert set(tasks._JOBS) == set(Job)
    for job, task in tasks._JOBS.items():
        assert task.name == job.value
