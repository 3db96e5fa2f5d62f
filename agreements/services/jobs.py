"""The port to the worker's queue: use cases name a job and its ids; tasks.py does the rest."""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol


class Job(StrEnum):
    """Work for the worker, by the name of its task in tasks.py; each takes ids only."""

    RENDER = "documents.render"
    INVITE = "signing.invite"
    FINISH = "signing.finish"
    DECLINED = "signing.declined"
    MAIL = "mail.deliver"


class Queue(Protocol):
    def enqueue(self, job: Job, *ids: int) -> None: ...


class NoQueue:
    """Where no worker listens (a use case called from a script): nothing is lost, because
    the database says what is still to do and the worker's periodic tasks find it."""

    def enqueue(self, job: Job, *ids: int) -> None:
        return None
