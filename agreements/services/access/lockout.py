"""Account lock-out: failed passwords and codes per account, beyond the per-address limit."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from agreements.db.models import LoginFailure, User
from agreements.domain.errors import NotFound
from agreements.services.context import Deps
from agreements.services.uow import unit_of_work


def locked(deps: Deps, user: User, now: datetime) -> bool:
    """Locked from `locked_at` for `lockout_minutes` (0: until an admin unlocks)."""
    if user.locked_at is None:
        return False
    minutes = deps.settings.lockout_minutes
    return minutes == 0 or now < user.locked_at + timedelta(minutes=minutes)


def record_failure(session: Session, deps: Deps, user: User, now: datetime) -> bool:
    """Count one failure; lock the account when the window holds enough. Whether it locked."""
    settings = deps.settings
    session.add(LoginFailure(user_id=user.id, at=now))
    session.flush()
    since = now - timedelta(minutes=settings.lockout_window_minutes)
    count = session.scalar(
        select(func.count()).where(LoginFailure.user_id == user.id, LoginFailure.at > since)
    )
    if (count or 0) >= settings.lockout_failures and not locked(deps, user, now):
        user.locked_at = now
        # Counting starts afresh once the lock ends: old failures do not lock again at once.
        session.execute(delete(LoginFailure).where(LoginFailure.user_id == user.id))
        return True
    return False


def clear_failures(session: Session, user: User) -> None:
    """A good login forgets the failures before it."""
    session.execute(delete(LoginFailure).where(LoginFailure.user_id == user.id))


def unlock(email: str, *, deps: Deps, now: datetime, actor: str = "system:cli") -> bool:
    """An admin's unlock; whether the account was locked."""
    with unit_of_work(deps, actor, now) as uow:
        user = uow.session.scalar(select(User).where(User.email == email.strip().lower()))
        if user is None:
            raise NotFound("user", email)
        was = locked(deps, user, now)
        user.locked_at = None
        clear_failures(uow.session, user)
        uow.audit("auth.unlock", "user", user.id, {"was_locked": was})
    return was
