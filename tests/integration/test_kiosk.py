"""The kiosk (issue 13): a tenant signs in person on the coordinator's tablet; the evidence
names the witness; in kiosk mode the staff pages and the API refuse the session; the way
back asks for the coordinator's password, and wrong tries are counted."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from agreements.db.models import Signature
from agreements.services.access import kiosk
from tests.flows import logged_in, render_agreement, send_requests
from tests.support import signing_app

pytestmark = pytest.mark.libreoffice


@pytest.fixture
def app(world, pool, smtp):
    _, port = smtp
    with signing_app(world, pool, smtp_port=port) as (client, deps):
        yield client, deps


def _tenant_request(client, world) -> tuple[dict, dict]:
    version = render_agreement(client, world, world.case_portaal)
    requests = send_requests(client, world, version["id"])
    return version, next(r for r in requests if r["party_role"] == "tenant")


def test_kiosk_witness_named_staff_refused_exit_by_password(app, world) -> None:
    client, deps = app
    version, tenant = _tenant_request(client, world)
    staff, csrf = logged_in(client.app, "coordinator")
    assert "Laten tekenen op dit apparaat" in staff.get(f"/versies/{version['id']}").text
    form = staff.get(f"/verzoeken/{tenant['id']}/kiosk")
    assert form.status_code == 200 and "Uw volledige naam (getuige)" in form.text
    # The witness's name is required: the page says so in Dutch and stays out of kiosk mode.
    empty = staff.post(f"/verzoeken/{tenant['id']}/kiosk", data={"csrf": csrf, "witness_name": " "})
    assert empty.status_code == 422 and "U bent de getuige" in empty.text
    assert staff.get("/zaken").status_code == 200
    started = staff.post(
        f"/verzoeken/{tenant['id']}/kiosk",
        data={"csrf": csrf, "witness_name": "Annemarie  de Getuige"},
        follow_redirects=False,
    )
    assert started.status_code == 303 and started.headers["location"] == "/kiosk"
    page = staff.get("/kiosk")
    assert page.status_code == 200 and "Wat belooft u?" in page.text
    # As on the link page: what happens on a breach, from the same summary.
    assert "Wat gebeurt er als de afspraken niet worden nagekomen?" in page.text
    assert "Uitloggen" not in page.text and 'href="/zaken"' not in page.text
    assert staff.get("/kiosk/pagina/1.png").headers["content-type"] == "image/png"
    # A tenant typing a staff URL, or the API, gets nothing.
    for url in ("/zaken", "/werk", f"/versies/{version['id']}", "/juridisch"):
        refused = staff.get(url, follow_redirects=False)
        assert refused.status_code == 303 and refused.headers["location"] == "/kiosk", url
    assert staff.get("/api/v1/cases").status_code == 401
    assert (
        staff.post("/logout", data={"csrf": csrf}, follow_redirects=False).headers["location"]
        == "/kiosk"
    )
    # Signing: a missing consent keeps what was typed; then the signature with the witness.
    body = {"csrf": csrf, "typed_name": "Zoë van 't Hek",
            "consent_version": deps.settings.consent_version}  # fmt: skip
    again = staff.post("/kiosk/tekenen", data=body)
    assert again.status_code == 422 and "Zet een vinkje" in again.text
    assert "Zoë van &#39;t Hek" in again.text
    done = staff.post("/kiosk/tekenen", data={**body, "consent": "ja"}, follow_redirects=False)
    assert done.status_code == 303
    thanks = staff.get("/kiosk")
    assert "Bedankt, u heeft getekend" in thanks.text
    with deps.db() as session:
        evidence = session.scalar(
            select(Signature.evidence).where(Signature.request_id == tenant["id"])
        )
    assert evidence["identified_by"] == "in_person"
    assert evidence["witness_name"] == "Annemarie de Getuige"
    # The way back: a wrong password stays in the kiosk, the right one returns.
    wrong = staff.post("/kiosk/verlaten", data={"csrf": csrf, "password": "fout-wachtwoord"})
    assert wrong.status_code == 401 and "Dit wachtwoord klopt niet" in wrong.text
    assert staff.get("/zaken", follow_redirects=False).status_code == 303
    from tests.flows import DEMO_PASSWORD

    back = staff.post(
        "/kiosk/verlaten", data={"csrf": csrf, "password": DEMO_PASSWORD}, follow_redirects=False
    )
    assert back.status_code == 303 and back.headers["location"] == "/werk"
    assert staff.get("/zaken").status_code == 200


def test_kiosk_exit_is_rate_limited(app, world) -> None:
    client, _ = app
    _, tenant = _tenant_request(client, world)
    staff, csrf = logged_in(client.app, "coordinator")
    staff.post(f"/verzoeken/{tenant['id']}/kiosk", data={"csrf": csrf, "witness_name": "A. B. C"})
    for _ in range(kiosk.MAX_FAILURES - 1):
        assert (
            staff.post("/kiosk/verlaten", data={"csrf": csrf, "password": "x"}).status_code == 401
        )
    from tests.flows import DEMO_PASSWORD

    locked = staff.post("/kiosk/verlaten", data={"csrf": csrf, "password": "y"})
    assert locked.status_code == 429 and "Wacht 5 minuten" in locked.text
    # Locked: even the right password waits.
    right = staff.post("/kiosk/verlaten", data={"csrf": csrf, "password": DEMO_PASSWORD})
    assert right.status_code == 429
    assert staff.get("/zaken", follow_redirects=False).headers["location"] == "/kiosk"
