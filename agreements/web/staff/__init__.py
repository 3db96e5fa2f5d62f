"""The staff pages, one module per task; every staff router is mounted here, in this order.

The order is the order of matching: a fixed path such as `/zaken/nieuw` comes before the
pattern `/zaken/{case_id}` that would also match it.
"""

from __future__ import annotations

from fastapi import APIRouter

from agreements.web.staff import (
    case_file,
    cases,
    codes,
    drafting,
    home,
    kiosk,
    legal,
    legal_case,
    organisation,
    reviews,
    signin,
    versions,
)

ROUTERS: tuple[APIRouter, ...] = (
    case_file.router,
    cases.router,
    reviews.router,
    versions.router,
    codes.router,
    drafting.router,
    home.router,
    signin.router,
    organisation.router,
    kiosk.router,
    legal.router,
    legal_case.router,
)
