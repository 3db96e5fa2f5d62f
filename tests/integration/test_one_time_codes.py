"""A one-time code before a link signer signs (issue 13): by e-mail (the real SMTP server
on loopback), by SMS (the development sender writes to the outbox) or read out by the
coordinator; wrong codes are counted, codes expire, and the evidence says which way."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from agreements.db.models import Case, Person, Signature, SignatureRequest
from agreements.services.context import Deps
from agreements.services.mail import send as mail
from agreements.services.signatures import codes
from agreements.services.signatures import sign as signing
from agreements.settings import Settings
from tests.flows import MANDATE, link_in, logged_in, render_agreement, send_requests, sign_by_link
from tests.support import signing_app

pytestmark = pytest.mark.libreoffice
ROLES = {"tenant", "corporation", "municipality", "coordinator"}


@pytest.fixture
def otp(world, pool, smtp):
    inbox, port = smtp
    inbox.clear()
    with signing_app(
        world, pool, smtp_port=port, otp_required_roles=ROLES, otp_resend_seconds=0
    ) as (client, deps):
        yield client, deps, inbox


def _links(client, world, inbox, case_id: int) -> tuple[dict, dict[str, str]]:
    version = render_agreement(client, world, case_id)
    requests = send_requests(client, world, version["id"])
    by_email = {r["email"]: r["party_role"] for r in requests}
    tokens = {}
    for message in inbox.messages:
        if message["Subject"].startswith("Ondertekenen") and message["To"] in by_email:
            tokens[by_email[message["To"]]] = link_in(message)
    return version, tokens


def _code_in(inbox, address: str) -> str:
    mails = [m for m in inbox.to(address) if m["Subject"] == "Uw code om te tekenen"]
    assert mails, [m["Subject"] for m in inbox.messages]
    body = mails[-1].get_payload(decode=True).decode()
    assert "http" not in body  # only the code: the link came in the other mail
    return re.search(r"\b(\d{6})\b", body).group(1)


def _sign_page(client, deps, token: str):
    return client.post(
        f"/s/{token}/sign",
        data={"typed_name": "Iemand Echt", "consent": "ja",
              "consent_version": deps.settings.consent_version, **MANDATE},
        follow_redirects=False,
    )  # fmt: skip


def _evidence(deps, token: str) -> dict:
    with deps.db() as session:
        view = signing.view_for_token(session, deps, token, datetime.now(UTC))
        return session.scalar(
            select(Signature.evidence).where(Signature.request_id == view.request.id)
        )


def test_code_by_mail_then_sign(otp, world) -> None:
    client, deps, inbox = otp
    _, tokens = _links(client, world, inbox, world.case_mitros)
    token = tokens["corporation"]
    first = client.get(f"/s/{token}", follow_redirects=False)
    assert first.status_code == 303 and first.headers["location"] == f"/s/{token}/code"
    page = client.get(f"/s/{token}/code")
    assert page.status_code == 200 and "Hoe wilt u de code krijgen?" in page.text
    assert _sign_page(client, deps, token).headers["location"] == f"/s/{token}/code"
    sent = client.post(f"/s/{token}/code/send", data={"channel": "email"}, follow_redirects=False)
    assert sent.status_code == 303
    with deps.db() as session:
        email = session.scalar(
            select(SignatureRequest.email).where(SignatureRequest.party_role == "corporation")
            .order_by(SignatureRequest.id.desc())
        )  # fmt: skip
    code = _code_in(inbox, email)
    form = client.get(sent.headers["location"])
    assert 'autocomplete="one-time-code"' in form.text and 'inputmode="numeric"' in form.text
    assert "Wij hebben een e-mail met de code gestuurd" in form.text
    wrong = "000000" if code != "000000" else "111111"
    refused = client.post(f"/s/{token}/code", data={"code": wrong})
    assert refused.status_code == 422
    assert "Deze code klopt niet" in refused.text and "nog 4 keer" in refused.text
    assert f'value="{wrong}"' in refused.text
    right = client.post(f"/s/{token}/code", data={"code": code}, follow_redirects=False)
    assert right.status_code == 303 and right.headers["location"] == f"/s/{token}"
    assert client.get(f"/s/{token}").status_code == 200
    done = _sign_page(client, deps, token)
    assert done.status_code == 303 and done.headers["location"].endswith("/klaar")
    assert _evidence(deps, token)["identified_by"] == "link+email_code"


def test_attempts_limit_expiry_and_no_code(otp, world) -> None:
    client, deps, inbox = otp
    _, tokens = _links(client, world, inbox, world.case_portaal)
    token = tokens["municipality"]
    with pytest.raises(codes.CodeRefused) as missing:
        sign_by_link(deps, token, "Zonder Code")
    assert missing.value.reason == "missing"
    assert client.post(f"/s/{token}/code/send", data={"channel": "sms"}).status_code == 422
    client.post(f"/s/{token}/code/send", data={"channel": "email"})
    for left in range(4, 0, -1):
        answer = client.post(f"/s/{token}/code", data={"code": "12345a"})
        assert answer.status_code == 422 and f"nog {left} keer" in answer.text
    locked = client.post(f"/s/{token}/code", data={"code": "1234567"})
    assert locked.status_code == 429 and "Te vaak een verkeerde code" in locked.text
    assert client.get(f"/s/{token}/code").status_code == 429
    # A new code starts again; after its minutes it is expired and the page offers another.
    client.post(f"/s/{token}/code/send", data={"channel": "email"})
    later = datetime.now(UTC) + timedelta(minutes=deps.settings.otp_minutes, seconds=5)
    with pytest.raises(codes.CodeRefused) as expired:
        codes.check_code(token, "000000", deps=deps, now=later)
    assert expired.value.reason == "expired"
    _, state = codes.state(token, deps=deps, now=later)
    assert state.expired and state.ways == ("email",)


def test_sms_to_the_outbox_and_code_read_out(otp, world, tmp_path) -> None:
    client, deps, inbox = otp
    _, tokens = _links(client, world, inbox, world.case_mitros)
    with deps.db.begin() as session:
        tenant = session.get(Person, session.get(Case, world.case_mitros).tenant_id)
        tenant.phone = "06 12345678"
    outbox = deps.settings.model_copy(update={"mail_outbox": tmp_path})
    sms_deps = Deps(db=deps.db, settings=outbox)
    now = datetime.now(UTC)
    codes.send_code(tokens["tenant"], "sms", deps=sms_deps, now=now)
    kept = mail.outbox(tmp_path)
    assert len(kept) == 1 and "SMS 06 12345678" in kept[0].to
    code = re.search(r"\d{6}", kept[0].body).group(0)
    codes.check_code(tokens["tenant"], code, deps=deps, now=now)
    sign_by_link(deps, tokens["tenant"], "Huurder Echt")
    assert _evidence(deps, tokens["tenant"])["identified_by"] == "link+sms_code"
    # The coordinator makes a code on the version page and reads it out.
    with deps.db() as session:
        view = signing.view_for_token(session, deps, tokens["corporation"], now)
        request_id, version_id = view.request.id, view.version.id
    staff, csrf = logged_in(client.app, "coordinator")
    version_page = staff.get(f"/versies/{version_id}")
    assert f'action="/verzoeken/{request_id}/code"' in version_page.text
    shown = staff.post(f"/verzoeken/{request_id}/code", data={"csrf": csrf})
    assert shown.status_code == 200 and "Code om voor te lezen" in shown.text
    spoken = re.search(r"code-read-out[^>]*>(\d{3}) (\d{3})<", shown.text)
    spoken = "".join(spoken.groups())
    assert staff.post(f"/verzoeken/{request_id}/code", data={"csrf": "x"}).status_code in (
        400, 403)  # fmt: skip
    partner, partner_csrf = logged_in(client.app, "mitros")
    refused = partner.post(f"/verzoeken/{request_id}/code", data={"csrf": partner_csrf})
    assert refused.status_code == 403
    page = client.get(f"/s/{tokens['corporation']}/code")
    assert "Heeft de coördinator u een code" in page.text
    assert client.post(f"/s/{tokens['corporation']}/code", data={"code": spoken}).status_code == 200
    sign_by_link(deps, tokens["corporation"], "Medewerker Echt")
    assert _evidence(deps, tokens["corporation"])["identified_by"] == "link+code_read_out"


def test_role_not_required_asks_no_code(flow, world) -> None:
    client, _, inbox = flow
    _, tokens = _links(client, world, inbox, world.case_portaal)
    assert client.get(f"/s/{tokens['corporation']}").status_code == 200
    with pytest.raises(ValidationError, match=r"unknown party role.*landlord"):
        Settings(otp_required_roles={"landlord"})
