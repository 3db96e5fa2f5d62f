"""The coordinator makes a one-time code for a party and reads it out (by phone or in
person); the party types it on their link's code page before signing."""

from __future__ import annotations

from fastapi import APIRouter, Response

from agreements.services.signatures import codes
from agreements.web.deps import DepsDep, NowDep, PathId
from agreements.web.staff.common import FormDep, StaffDep, StaffRoute, page

router = APIRouter(include_in_schema=False, route_class=StaffRoute)


@router.post("/verzoeken/{request_id}/code")
def read_out(
    request_id: PathId, staff: StaffDep, deps: DepsDep, now: NowDep, data: FormDep
) -> Response:
    """A fresh code for this request, shown once; an older code of the party stops working."""
    code, request = codes.read_out_code(request_id, deps=deps, actor=staff.actor, now=now)
    return page(
        "code.html",
        deps,
        staff,
        code=f"{code[:3]} {code[3:]}",
        minutes=deps.settings.otp_minutes,
        party=request.party_name,
        version_id=request.version_id,
    )
