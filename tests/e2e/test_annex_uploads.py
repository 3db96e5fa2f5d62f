"""The case page takes the signed lease and the judgment as PDFs (issue 12): a refused file
keeps the page with the reason in Dutch at its form; nothing is stored then."""

from __future__ import annotations

import re
from typing import Any

import pytest

from agreements.web.app import create_app
from tests.flows import logged_in
from tests.integration.test_documents import a_pdf, encrypted_pdf

FORM = re.compile(r'action="(/zaken/\d+/dossier/(huurovereenkomst|vonnis)/\d+/pdf)"')


@pytest.fixture
def app(world: Any) -> Any:
    return create_app(deps=world.deps)


def _forms(client: Any, case: int) -> dict[str, str]:
    page = client.get(f"/zaken/{case}")
    assert page.status_code == 200
    return {kind: action for action, kind in FORM.findall(page.text)}


def _stored(client: Any, case: int) -> str:
    """What the case page says about stored PDFs (the world is shared by the module)."""
    page = client.get(f"/zaken/{case}").text
    return str(page.count("De PDF is toegevoegd: hij komt als bijlage"))


def _post(client: Any, action: str, token: str, content: bytes, name: str = "x.pdf") -> Any:
    return client.post(
        action, data={"csrf": token}, files={"bestand": (name, content, "application/pdf")}
    )


def test_a_coordinator_uploads_the_lease_and_the_judgment(app: Any, world: Any) -> None:
    client, token = logged_in(app, "coordinator")
    forms = _forms(client, world.case_portaal)
    assert set(forms) == {"huurovereenkomst", "vonnis"}
    page = client.get(f"/zaken/{world.case_portaal}").text
    assert 'enctype="multipart/form-data"' in page and 'accept="application/pdf,.pdf"' in page
    for kind, action in forms.items():
        done = _post(client, action, token, a_pdf(pages=2))
        assert done.status_code == 303, done.text
        assert done.headers["location"].endswith(f"?gelukt={kind}-pdf#dossier-kop")
    shown = client.get(f"/zaken/{world.case_portaal}?gelukt=vonnis-pdf").text
    assert "De PDF van het vonnis is toegevoegd." in shown
    assert shown.count("De PDF is toegevoegd: hij komt als bijlage in de overeenkomst.") == 2


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (b"", "Het bestand is leeg."),
        (b"dit is geen pdf", "Dit is geen PDF-bestand."),
        (encrypted_pdf(), "beveiligd met een wachtwoord"),
        (b"%PDF-1.7\n1 0 obj <<", "De PDF is beschadigd"),
    ],
)
def test_a_bad_file_keeps_the_page_with_a_dutch_reason(
    app: Any, world: Any, content: bytes, said: str
) -> None:
    client, token = logged_in(app, "coordinator")
    action = _forms(client, world.case_portaal)["huurovereenkomst"]
    before = _stored(client, world.case_portaal)
    refused = _post(client, action, token, content)
    assert refused.status_code == 422
    assert said in refused.text and 'role="alert"' in refused.text
    assert 'aria-invalid="true"' in refused.text and "<h1>Zaak" in refused.text
    assert _stored(client, world.case_portaal) == before


def test_too_large_a_file_is_refused_in_dutch(app: Any, world: Any) -> None:
    client, token = logged_in(app, "coordinator")
    action = _forms(client, world.case_portaal)["vonnis"]
    limit = world.deps.settings.max_upload_bytes
    # Under the body limit with the form around it, over the file limit by a little.
    big = b"%PDF-1.7\n" + b"0" * (limit - 2000)
    world.deps.settings.__dict__["max_upload_bytes"] = limit - 4000
    try:
        refused = _post(client, action, token, big)
    finally:
        world.deps.settings.__dict__["max_upload_bytes"] = limit
    assert refused.status_code == 422 and "Het bestand is te groot" in refused.text


def test_without_csrf_or_for_another_case_nothing_is_stored(app: Any, world: Any) -> None:
    client, token = logged_in(app, "coordinator")
    action = _forms(client, world.case_portaal)["vonnis"]
    before = _stored(client, world.case_portaal), _stored(client, world.case_mitros)
    assert _post(client, action, "0" * 64, a_pdf()).status_code == 403
    other = _forms(client, world.case_mitros)["vonnis"]
    row = other.rsplit("/", 2)[1]
    wrong = action.rsplit("/", 2)[0] + f"/{row}/pdf"  # the other case's judgment, this case
    assert _post(client, wrong, token, a_pdf()).status_code == 404
    assert (_stored(client, world.case_portaal), _stored(client, world.case_mitros)) == before


def test_partners_and_legal_staff_have_no_upload_form(app: Any, world: Any) -> None:
    for who in ("portaal", "jurist"):
        client, _ = logged_in(app, who)
        assert _forms(client, world.case_portaal) == {}
