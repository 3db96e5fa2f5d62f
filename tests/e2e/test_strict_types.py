"""Strict numbers, ids, flags and dates in the JSON API: no `true` taken as 1, no number as a date.

Each refusal is a 422 problem naming the field, and nothing is written. A walk over every
input model keeps fields added later strict too.
"""

from __future__ import annotations

import typing
import uuid
from types import UnionType
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from agreements.services.inputs import MAX_ID, Input
from agreements.web.app import create_app

API = "/api/v1"
PROBLEM = "application/problem+json"
ADDRESS = {"street": "Oudegracht", "house_number": "3", "postcode": "3511 AB", "city": "Utrecht"}


def _person(**overrides: Any) -> dict[str, Any]:
    return {"name": f"Strikt {uuid.uuid4().hex[:10]}", **overrides}


def _case(**overrides: Any) -> dict[str, Any]:
    body = {
        "tenant_id": 1,
        "address": ADDRESS,
        "start_date": "2026-01-01",
        "planned_end_date": "2028-01-01",
    }
    return {**body, **overrides}


BAD = [
    # method, path, body, the field the problem must name
    ("POST", "people", _person(organisation_id=True), "organisation_id"),
    ("POST", "people", _person(organisation_id=False), "organisation_id"),
    ("POST", "people", _person(organisation_id="1"), "organisation_id"),
    ("POST", "people", _person(organisation_id=1.0), "organisation_id"),
    ("POST", "people", _person(organisation_id=0), "organisation_id"),
    ("POST", "people", _person(organisation_id=-3), "organisation_id"),
    ("POST", "people", _person(organisation_id=MAX_ID + 1), "organisation_id"),
    ("POST", "people", _person(date_of_birth=0), "date_of_birth"),
    ("POST", "people", _person(date_of_birth=True), "date_of_birth"),
    ("POST", "cases", _case(tenant_id=True), "tenant_id"),
    ("POST", "cases", _case(start_date=1700000000), "start_date"),
    ("POST", "cases", _case(parties=[{"organisation_id": True}]), "parties.0.organisation_id"),
    ("PATCH", "cases/1", {"coordinator_id": True}, "coordinator_id"),
    ("POST", "payment-arrangements",
     {"case_id": 1, "arrears": "10.00", "instalment": "5.00", "start_date": "2026-01-01",
      "number_of_terms": True, "iban": "NL91ABNA0417164300", "creditor_id": 1},
     "number_of_terms"),
    ("POST", "agreements/1/documents", {"template_version": True}, "template_version"),
    ("POST", "agreements/1/documents", {"template_version": "2"}, "template_version"),
    ("POST", "document-versions/1/signature-requests", {"ordered": 1}, "ordered"),
    ("POST", "document-versions/1/signature-requests", {"ordered": "yes"}, "ordered"),
    ("POST", "signature-requests/1/sign",
     {"typed_name": "A. Jansen", "consent_version": "1", "witness": "true"}, "witness"),
    ("POST", "signature-requests/1/manage", {"action": "extend", "days": True}, "days"),
    ("POST", "legal/dossiers", {"case_ids": [True]}, "case_ids.0"),
    ("POST", "reviews", {"agreement_id": True, "due_date": "2026-12-01"}, "agreement_id"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    BAD,
    ids=[f"{m} {p} {f}={b.get(f.split('.')[0])!r}" for m, p, b, f in BAD],
)
def test_a_loose_type_is_a_422_naming_the_field(
    client: Any, world: Any, method: str, path: str, body: dict[str, Any], field: str
) -> None:
    r = client.request(method, f"{API}/{path}", json=body, headers=world.headers("coordinator"))
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith(PROBLEM)
    problem = r.json()
    assert problem["status"] == 422 and problem["type"] == "/problems/validation"
    assert field in [e["field"] for e in problem["errors"]], problem
    assert all(e["reason"] for e in problem["errors"])
    if path == "people":  # and nothing was made
        found = client.get(
            f"{API}/people", params={"q": body["name"]}, headers=world.headers("coordinator")
        )
        assert found.json()["total"] == 0


def test_strict_numbers_are_still_numbers(client: Any, world: Any) -> None:
    """The strictness refuses look-alikes only: a real id and a date string pass."""
    org = world.org["Portaal"]
    r = client.post(
        f"{API}/people",
        json=_person(organisation_id=org, date_of_birth="1980-05-17"),
        headers=world.headers("coordinator"),
    )
    assert r.status_code == 201, r.text
    assert r.json()["organisation_id"] == org


def _models() -> list[type[BaseModel]]:
    create_app  # noqa: B018 - importing the app imports every route module and its inputs
    seen: list[type[BaseModel]] = []
    todo: list[type[BaseModel]] = [Input]
    while todo:
        model = todo.pop()
        seen.append(model)
        todo += model.__subclasses__()
    return [m for m in seen if m.model_fields]


def _plain(annotation: Any) -> set[Any]:
    """The types a field holds, without Optional, Annotated and list."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _plain(typing.get_args(annotation)[0])
    if origin in (typing.Union, UnionType, list):
        return set().union(*(_plain(a) for a in typing.get_args(annotation)))
    return {annotation}


def _loose(kinds: set[Any]) -> list[Any]:
    if bool in kinds:
        return [1, "true", "yes"]
    if int in kinds:
        return [True, "5", 5.0]
    return []


def test_every_number_and_flag_of_every_input_model_is_strict() -> None:
    checked = []
    for model in _models():
        for name, info in model.model_fields.items():
            listed = typing.get_origin(info.annotation) is list or "list[" in str(info.annotation)
            for value in _loose(_plain(info.annotation)):
                data = {name: [value] if listed else value}
                with pytest.raises(ValidationError) as caught:
                    model.model_validate(data)
                locs = {e["loc"][:2] if listed else e["loc"][:1] for e in caught.value.errors()}
                assert ((name, 0) if listed else (name,)) in locs, (model.__name__, name, value)
                checked.append(f"{model.__name__}.{name}")
    assert len(set(checked)) >= 20, checked  # the walk really found the ids and flags


def test_forms_still_send_text(world: Any) -> None:
    """The staff pages validate the same models with text from HTML forms."""
    from agreements.services.inputs import PersonIn
    from agreements.web.staff.forms import validate

    parsed, errors = validate(PersonIn, {"name": "Formulier", "organisation_id": "12"})
    assert errors == {} and parsed is not None and parsed.organisation_id == 12
