"""Development only: the e-mails the service would have sent, so a newcomer can follow links."""

from __future__ import annotations

import re

from fastapi import APIRouter, Response

from agreements.domain.enums import Role
from agreements.domain.errors import NotFound
from agreements.services.mail import send as mail
from agreements.web.deps import DepsDep
from agreements.web.staff.common import StaffDep, StaffRoute, page

_LINK = re.compile(r"(https?://[^\s]+)")
router = APIRouter(route_class=StaffRoute, include_in_schema=False)


@router.get("/ontwikkeling/post")
def outbox(staff: StaffDep, deps: DepsDep) -> Response:
    """The outbox folder (AGREEMENTS_MAIL_OUTBOX), newest first; absent in production."""
    folder = deps.settings.mail_outbox
    if folder is None or deps.settings.mode == "production":
        raise NotFound("page", "outbox")
    if staff.actor.role not in (Role.ADMIN, Role.COORDINATOR):  # it holds everyone's links
        raise NotFound("page", "outbox")
    messages = [(m, _parts(m.body)) for m in mail.outbox(folder)]
    return page("post.html", deps, staff, messages=messages)


def _parts(body: str) -> list[tuple[str, bool]]:
    """The body as text and links, so the template can escape text and link the links."""
    return [(piece, bool(_LINK.fullmatch(piece))) for piece in _LINK.split(body) if piece]
