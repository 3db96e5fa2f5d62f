"""Validated input of the quarterly reviews: planning one, and recording how it went."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from agreements.domain.enums import ReviewOutcome
from agreements.services.inputs import Day, Id, Input, Line, LongText, Name, Patch, Short


class AttendeeIn(Input):
    name: Name
    role: Short
    organisation: Line = ""


class ProgressIn(Input):
    obligation_id: Id
    status: Short = Field(description="How it goes, in a few words: gaat goed, zorgen, ...")
    notes: LongText = ""


class ActionIn(Input):
    action: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
    who: Name
    due: Day


class ReviewPatch(Patch):
    nullable = frozenset({"held_date", "outcome"})
    held_date: Day | None = None
    outcome: ReviewOutcome | None = None
    warning_given: Annotated[bool, Field(strict=True)] | None = None  # JSON true, not 1
    summary: LongText | None = None
    location: Line | None = None
    chair: Line | None = None
    attendees: list[AttendeeIn] | None = Field(None, max_length=30)
    progress: list[ProgressIn] | None = Field(None, max_length=100)
    actions: list[ActionIn] | None = Field(None, max_length=50)


class ReviewIn(Input):
    agreement_id: Id
    due_date: Day
