"""Search that finds people (issue 14): accents, case, postcodes, house numbers, contract and
judgment numbers, on SQLite and PostgreSQL (the `world` fixture runs on both)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from agreements.db import search
from agreements.db.models import Case
from agreements.domain.search import fold, terms
from agreements.web.app import create_app
from tests.flows import case_with_file, logged_in, post_created


def _found(client, world, q: str) -> list[int]:
    r = client.get("/api/v1/cases", headers=world.headers("coordinator"),
                   params={"q": q, "limit": 200})  # fmt: skip
    assert r.status_code == 200, r.text
    return [c["id"] for c in r.json()["items"]]


@pytest.fixture
def people(client, world) -> dict[str, dict]:
    return {
        "yilmaz": case_with_file(client, world, "Ayşe Yılmaz", ("Marshallaan", "45", "3527TV")),
        "zoe": case_with_file(
            client, world, "Zoë de Vries-Öztürk", ("Kanaalweg", "7 bis", "3526 KL")
        ),
    }


def test_search_finds_people_addresses_and_numbers(client, world, people):
    yilmaz, zoe = people["yilmaz"], people["zoe"]
    numbers = [yilmaz["contract"].lower(), yilmaz["judgment"], yilmaz["reference"]]
    numbers.append(yilmaz["judgment"].split(" \\ ")[0])
    for q in ("yilmaz", "YILMAZ", "Yılmaz", "ayse yilmaz", "3527TV", "3527 tv", "3527tv",
              "marshallaan 45", "Marshallaan 45, Utrecht", *numbers):  # fmt: skip
        found = _found(client, world, q)
        assert yilmaz["id"] in found, (world.backend, q)
        assert zoe["id"] not in found, (world.backend, q)
    for q in ("zoe", "Zoe", "ZOË", "ozturk", "3526kl", "kanaalweg 7 bis", zoe["contract"]):
        assert zoe["id"] in _found(client, world, q), (world.backend, q)
    # Every term must match; a typed wildcard is a character, not a pattern.
    for q in ("yilmaz kanaalweg", "%", "_", "marshallaan 45%"):
        assert yilmaz["id"] not in _found(client, world, q), (world.backend, q)


def test_search_follows_corrections(client, world, people):
    """A renamed tenant, a new co-tenant and a changed contract number are found at once."""
    yilmaz = people["yilmaz"]
    h = world.headers("coordinator")
    r = client.patch(
        f"/api/v1/people/{yilmaz['tenant_id']}", headers=h, json={"name": "Ayşe Çelik"}
    )
    assert r.status_code == 200, r.text
    assert yilmaz["id"] in _found(client, world, "celik")
    assert yilmaz["id"] not in _found(client, world, "yilmaz")
    co = post_created(client, world, "/api/v1/people", {"name": "Ömer Şahin"})
    r = client.patch(f"/api/v1/cases/{yilmaz['id']}", headers=h, json={"co_tenant_ids": [co["id"]]})
    assert r.status_code == 200, r.text
    assert yilmaz["id"] in _found(client, world, "omer sahin")


def test_staff_page_finds_the_same(world, people):
    client, _ = logged_in(create_app(deps=world.deps), "coordinator")
    for q in ("yilmaz", "3527 tv", "marshallaan 45", people["yilmaz"]["contract"]):
        page = client.get("/zaken", params={"q": q})
        assert page.status_code == 200
        assert people["yilmaz"]["reference"] in page.text, (world.backend, q)
        assert people["zoe"]["reference"] not in page.text, (world.backend, q)
    assert people["zoe"]["reference"] in client.get("/zaken", params={"q": "zoe"}).text


def test_the_migration_fills_the_column_for_existing_cases(world, people):
    """`refresh` (migration 0023) writes the same text that the writes keep."""
    ids = [people["yilmaz"]["id"], people["zoe"]["id"]]
    texts = select(Case.search_text).where(Case.id.in_(ids)).order_by(Case.id)
    with world.deps.db.begin() as session:
        kept = session.scalars(texts).all()
        session.execute(Case.__table__.update().where(Case.id.in_(ids)).values(search_text=""))
    with world.deps.db.begin() as session:
        assert set(search.refresh(session.connection(), ids)) == set(ids)
        assert session.scalars(texts).all() == kept
    assert "3527 tv 3527tv" in kept[0] and "ayse yilmaz" in kept[0]


def test_folding():
    assert fold("Ayşe  YILMAZ") == "ayse yilmaz"
    assert fold("Yılmaz") == fold("yilmaz") == "yilmaz"
    assert fold("İSTANBUL") == fold("Istanbul") == "istanbul"
    assert fold("Zoë Øberg Łukasz Straße") == "zoe oberg lukasz strasse"
    assert terms("Marshallaan 45, Utrecht") == ["marshallaan", "45", "utrecht"]
    assert terms("  ") == []
