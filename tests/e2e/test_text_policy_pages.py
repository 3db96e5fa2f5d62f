"""The text policy at every way in over HTTP, on both databases: API JSON, forms, query strings."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.routing import APIRoute
from sqlalchemy import func, select

from agreements.db.models import Person
from agreements.domain.enums import Role
from agreements.domain.policy import Actor
from agreements.services.cases import cases
from agreements.web.app import create_app
from agreements.web.shared.textguard import CheckedRoute
from tests.conftest import NOW
from tests.flows import https_client, logged_in

# The characters of the issue, each with what the API and the pages name it.
BAD = {
    "control U+0001 and RLO": ("Zo\x01\u202e kooH", "control character (U+0001)"),
    "NUL": ("a\x00b", "control character (U+0000)"),
    "right-to-left override": ("Zo\u202e kooH", "bidirectional control character (U+202E)"),
    "zero-width space": ("Jan\u200bsen", "invisible formatting character (U+200B)"),
    "byte order mark": ("\ufeffJansen", "invisible formatting character (U+FEFF)"),
    "line separator": ("Jan\u2028sen", "line or paragraph separator (U+2028)"),
    "U+FFFF": ("Jansen\uffff", "noncharacter (U+FFFF)"),
}
CASES = pytest.mark.parametrize("value,reason", BAD.values(), ids=BAD.keys())


@pytest.fixture
def app(world: Any) -> Any:
    return create_app(deps=world.deps)


def _people(world: Any) -> int:
    with world.deps.db() as session:
        return int(session.scalar(select(func.count()).select_from(Person)) or 0)


@CASES
def test_api_refuses_names_and_care_notes_with_the_field_and_reason(
    client: Any, world: Any, value: str, reason: str
) -> None:
    h = world.headers("coordinator")
    before = _people(world)
    made = client.post("/api/v1/people", headers=h, json={"name": value})
    assert made.status_code == 422, made.text
    assert made.headers["content-type"].startswith("application/problem+json")
    assert made.json()["errors"][0]["field"] == "name"
    assert reason in made.json()["errors"][0]["reason"]
    assert _people(world) == before
    notes = client.put(
        f"/api/v1/cases/{world.case_portaal}/care-notes", headers=h, json={"text": f"x {value}"}
    )
    assert notes.status_code == 422 and notes.json()["errors"][0]["field"] == "text", notes.text


def test_api_keeps_multi_line_care_notes_and_normalises_line_ends(client: Any, world: Any) -> None:
    h = world.headers("coordinator")
    typed = "Gesprek gehad.\r\n\tVolgende week opnieuw. 👍"
    saved = client.put(
        f"/api/v1/cases/{world.case_mitros}/care-notes", headers=h, json={"text": typed}
    )
    assert saved.status_code == 200, saved.text
    assert saved.json()["text"] == "Gesprek gehad.\n\tVolgende week opnieuw. 👍"
    named = client.post("/api/v1/people", headers=h, json={"name": "Jansen\nde Vries"})
    assert named.status_code == 422 and "line break" in named.text


@pytest.mark.parametrize("email", ["a\x00b@x.nl", "a\u202eb@x.nl"])
def test_login_with_a_bad_character_says_so_at_the_field(app: Any, email: str) -> None:
    page = https_client(app).post("/login", data={"email": email, "password": "wat dan ook"})
    assert page.status_code == 422, page.text
    assert 'id="email-error"' in page.text and "In de tekst staat een onzichtbaar" in page.text
    assert 'aria-invalid="true" aria-describedby="email-error"' in page.text
    assert f'value="{email}"' in page.text  # what was typed stays in the field


@pytest.mark.parametrize("path,who", [("/zaken", "coordinator"), ("/juridisch", "jurist")])
@pytest.mark.parametrize("params", [{"q": "a\x00b"}, {"q": "Zo\u202e"}, {"status": "x\x00"}])
def test_searches_with_bad_characters_get_a_dutch_page_not_a_500(
    app: Any, path: str, who: str, params: dict[str, str]
) -> None:
    client, _ = logged_in(app, who)
    page = client.get(path, params=params)
    assert page.status_code == 400, page.text
    assert "Deze zoekopdracht kunnen wij niet gebruiken" in page.text
    assert "In de tekst staat" in page.text and '<html lang="nl">' in page.text
    assert client.get(path, params={"q": "Jansen"}).status_code == 200


def test_care_notes_form_shows_the_reason_at_the_field_and_keeps_the_text(
    app: Any, world: Any
) -> None:
    client, token = logged_in(app, "coordinator")
    coordinator = Actor(user_id=None, role=Role.COORDINATOR)
    before = cases.read_care_notes(world.case_portaal, deps=world.deps, actor=coordinator, now=NOW)
    typed = "Zorgen over\u200b de huur"
    page = client.post(f"/zaken/{world.case_portaal}/zorgnotities",
                       data={"csrf": token, "text": typed})  # fmt: skip
    assert page.status_code == 422, page.text
    assert 'id="zorgnotities-fout"' in page.text and "(U+200B, teken 12)" in page.text
    assert f">{typed}</textarea>" in page.text
    after = cases.read_care_notes(world.case_portaal, deps=world.deps, actor=coordinator, now=NOW)
    assert after == before
    # A browser sends the lines of a textarea with CRLF: they are kept as lines.
    saved = client.post(f"/zaken/{world.case_portaal}/zorgnotities",
                        data={"csrf": token, "text": "Regel één\r\nRegel twee"})  # fmt: skip
    assert saved.status_code == 303, saved.text
    notes = cases.read_care_notes(world.case_portaal, deps=world.deps, actor=coordinator, now=NOW)
    assert notes == "Regel één\nRegel twee"


def test_new_case_form_refuses_invisible_characters_at_their_fields(app: Any, world: Any) -> None:
    client, token = logged_in(app, "coordinator")
    typed = {
        "csrf": token, "tenant.name": "Zo\u202e kooH", "tenant.email": "zo@example.org",
        "address.street": "Oude\ufeffgracht", "address.house_number": "12",
        "address.postcode": "3511 AB", "address.city": "Utrecht",
        "start_date": "2026-03-01", "planned_end_date": "2029-03-01",
        "representative.name": "B.\u200b Bewind", "representative.kind": "administrator",
        "parties": [str(world.org["Portaal"])],
    }  # fmt: skip
    before = _people(world)
    page = client.post("/zaken/nieuw", data=typed)
    assert page.status_code == 422, page.text
    for reason in ("(U+202E, teken 3)", "(U+FEFF, teken 5)", "(U+200B, teken 3)"):
        assert reason in page.text
    assert 'value="Zo\u202e kooH"' in page.text and 'value="Oude\ufeffgracht"' in page.text
    assert _people(world) == before


def test_a_form_no_handler_checks_itself_gets_a_dutch_page_not_a_500(app: Any) -> None:
    client, _ = logged_in(app, "coordinator")
    page = client.post("/logout", data={"csrf": "a\x00b"})
    assert page.status_code == 422 and "Dit formulier kunnen wij niet verwerken" in page.text
    assert client.get("/werk").status_code == 200  # nothing happened: still logged in


def _routes(routes: list[Any], prefix: str = "") -> list[tuple[str, Any]]:
    found = []
    for route in routes:
        if hasattr(route, "original_router"):  # an included router (FastAPI >= 0.120)
            found += _routes(route.original_router.routes, prefix + route.include_context.prefix)
        else:
            found.append((prefix + getattr(route, "path", ""), route))
    return found


def test_every_page_route_checks_its_query_string_and_form(app: Any) -> None:
    """No page can forget the policy: every route outside the API has the checking class."""
    # No query and no form: the home page, health, the calendar feed, the API docs.
    exempt = {"/", "/healthz", "/calendar/{token}.ics", "/docs", "/redoc", "/assets/docs/{name}"}
    pages = [(p, r) for p, r in _routes(app.routes) if isinstance(r, APIRoute)]
    for path, route in pages:
        if path in exempt:  # the exemption holds only while they take nothing to check
            assert not route.dependant.query_params and route.body_field is None, path
    outside_api = [(p, r) for p, r in pages if not p.startswith("/api/") and p not in exempt]
    assert len(outside_api) > 40
    unchecked = [path for path, route in outside_api if not isinstance(route, CheckedRoute)]
    assert unchecked == []
