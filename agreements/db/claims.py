"""Claiming rows for one worker: the reminder sweep and the mail queue take work the same way."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, or_, select, update
from sqlalchemy.orm import Session


def claim_rows(
    session: Session,
    model: Any,
    *,
    free: Any,
    held: Any,
    now: datetime,
    stale: timedelta,
    limit: int,
    order_by: tuple[Any, ...],
    ready: ColumnElement[bool] | None = None,
) -> tuple[str, list[int]]:
    """Take up to `limit` rows of `model` in `free` status (and `ready`, if given), in
    `order_by`, then rows `held` by a worker that died (claimed longer than `stale` ago), for
    a new claim token. In the caller's transaction; no two workers get the same row. Returns
    the token and the claimed ids in id order. `model` has id, status, claim and claimed_at."""
    token = secrets.token_hex(8)
    waiting = model.status == free if ready is None else (model.status == free) & ready
    abandoned = (model.status == held) & (model.claimed_at < now - stale)
    # Two plain queries, each on the status index: an OR over both would scan the table.
    ids = list(session.scalars(select(model.id).where(waiting).order_by(*order_by).limit(limit)))
    if len(ids) < limit:
        ids += session.scalars(select(model.id).where(abandoned).limit(limit - len(ids)))
    if not ids:
        return token, []
    session.execute(
        update(model)
        .where(model.id.in_(ids), or_(model.status == free, abandoned))
        .values(status=held, claim=token, claimed_at=now)
        .execution_options(synchronize_session=False)
    )
    mine = session.scalars(
        select(model.id).where(model.status == held, model.claim == token).order_by(model.id)
    )
    return token, list(mine)
