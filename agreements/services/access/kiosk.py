"""Kiosk mode on a staff session (issue 13): the coordinator hands the tablet to the tenant.

While the session is in kiosk mode the staff pages refuse it; the way back asks for the
coordinator's own password (the account's argon2 hash). Wrong tries are counted: after
`MAX_FAILURES` the way back is shut for `LOCKOUT` (a tenant cannot guess on and on).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from agreements.db.models import AuthToken, User
from agreements.db.sessions import read_only
from agreements.domain.errors import NotAuthenticated
from agreements.services.access.accounts import _password_matches, login_row, token_digest
from agreements.services.context import Deps
from agreements.services.uow import unit_of_work

MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=5)


class WrongPassword(Exception):
    """The password to leave kiosk mode did not match; `locked` when tries are used up."""

    def __init__(self, locked: bool) -> None:
        super().__init__("locked" if locked else "wrong password")
        self.locked = locked


@dataclass(frozen=True)
class Kiosk:
    """The request the tenant signs on this tablet, and the witness's full name."""

    request_id: int
    witness: str


def kiosk_of(token: str, *, deps: Deps) -> Kiosk | None:
    """This login's kiosk, None outside kiosk mode (only reads: every staff request asks)."""
    with read_only(), deps.db() as session:
        row = session.execute(
            select(
                AuthToken.kiosk_since, AuthToken.kiosk_request_id, AuthToken.kiosk_witness
            ).where(AuthToken.digest == token_digest(deps, token))
        ).first()
        if row is None or row.kiosk_since is None:
            return None
        return Kiosk(row.kiosk_request_id or 0, row.kiosk_witness or "")


def start(token: str, request_id: int, witness: str, *, deps: Deps, now: datetime) -> None:
    """Put this login in kiosk mode for one request, witnessed by `witness` (a full name)."""
    with unit_of_work(deps, "anonymous", now) as uow:
        row = _row(uow.session, deps, token)
        row.kiosk_since = now
        row.kiosk_request_id = request_id
        row.kiosk_witness = witness
        row.kiosk_failures = 0
        row.kiosk_failed_at = None
        uow.audit("kiosk.start", "signature_request", request_id, {"user": row.user_id})


def leave(token: str, password: str, *, deps: Deps, now: datetime) -> None:
    """End kiosk mode with the password of the login's own account, or WrongPassword."""
    with unit_of_work(deps, "anonymous", now) as uow:
        row = _row(uow.session, deps, token)
        if row.kiosk_since is None:
            return
        locked = (
            row.kiosk_failures >= MAX_FAILURES
            and row.kiosk_failed_at is not None
            and now - _aware(row.kiosk_failed_at, now) < LOCKOUT
        )
        user = uow.session.get(User, row.user_id)
        ok = not locked and user is not None and _password_matches(user.password_hash, password)
        if ok:
            row.kiosk_since = None
            row.kiosk_failures = 0
            row.kiosk_failed_at = None
            uow.audit("kiosk.leave", "user", row.user_id, {})
            return
        if not locked:
            if row.kiosk_failures >= MAX_FAILURES:  # an earlier lockout has passed
                row.kiosk_failures = 0
            row.kiosk_failures += 1
            row.kiosk_failed_at = now
            locked = row.kiosk_failures >= MAX_FAILURES
        uow.audit("kiosk.leave_failed", "user", row.user_id, {"failures": row.kiosk_failures})
    raise WrongPassword(locked)


def _aware(moment: datetime, now: datetime) -> datetime:
    return moment.replace(tzinfo=now.tzinfo) if moment.tzinfo is None else moment


def _row(session: object, deps: Deps, token: str) -> AuthToken:
    row = login_row(session, deps, token)  # type: ignore[arg-type]
    if row is None or row.revoked_at is not None:
        raise NotAuthenticated("no session")
    return row
