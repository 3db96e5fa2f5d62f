"""A review is held within its agreement's term (issue 14): a date before the start or after
the end is refused by the API (422 at held_date) and by the page (in Dutch, input kept)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from agreements.web.app import create_app
from tests.flows import logged_in


@pytest.fixture
def review(world: Any) -> int:
    with logged_in(create_app(deps=world.deps), "coordinator")[0] as client:
        page = client.get(f"/zaken/{world.case_mitros}").text
    found = re.search(r'href="/evaluaties/(\d+)"', page)
    assert found
    return int(found.group(1))


def test_api_refuses_a_review_before_the_agreement(client: Any, world: Any, review: int) -> None:
    h = world.headers("coordinator")
    for day in ("2025-12-01", "2030-01-01"):
        r = client.patch(f"/api/v1/reviews/{review}", headers=h,
                         json={"held_date": day, "outcome": "on_track"})  # fmt: skip
        assert r.status_code == 422, r.text
        assert [e["field"] for e in r.json()["errors"]] == ["held_date"], r.text


def test_page_refuses_a_review_before_the_agreement(world: Any, review: int) -> None:
    client, token = logged_in(create_app(deps=world.deps), "coordinator")
    data = {"csrf": token, "held_date": "2025-12-01", "outcome": "on_track",
            "summary": "Gesprek gehad."}  # fmt: skip
    refused = client.post(f"/evaluaties/{review}", data=data)
    assert refused.status_code == 422
    assert "Deze datum valt buiten de looptijd van de overeenkomst." in refused.text
    assert "Gesprek gehad." in refused.text
