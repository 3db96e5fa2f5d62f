"""The OpenAPI document tells the truth: problem+json errors, real statuses, real nullability.

Every answer the rest of the suite gets through a TestClient is validated against
/openapi.json by tests/contract.py; these tests check the document itself, that the check
is installed, and that it catches drift with a readable message.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from openapi_spec_validator import validate
from pydantic import ValidationError

from agreements.services.inputs import Patch
from agreements.web.app import create_app
from agreements.web.problems import MEDIA_TYPE
from tests import contract

API = "/api/v1"
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
WRITES = {"post", "put", "patch", "delete"}


@pytest.fixture(scope="module")
def document(world: Any) -> Iterator[dict[str, Any]]:
    with TestClient(create_app(deps=world.deps)) as client:
        r = client.get("/openapi.json")
        assert r.status_code == 200
        yield r.json()


def _operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            yield method, path, operation


def test_the_document_is_valid_openapi(document: dict[str, Any]) -> None:
    validate(document)


def test_every_error_is_a_problem_in_problem_json(document: dict[str, Any]) -> None:
    wrong = []
    for method, path, operation in _operations(document):
        for status, answer in operation["responses"].items():
            if int(status) >= 400 and answer.get("content") != {
                MEDIA_TYPE: {"schema": PROBLEM_REF}
            }:
                wrong.append(f"{method.upper()} {path} {status}: {answer.get('content')}")
    assert not wrong, "\n".join(wrong)
    assert "HTTPValidationError" not in document["components"]["schemas"]
    problem = document["components"]["schemas"]["Problem"]
    assert set(problem["properties"]) == {
        *("type", "title", "status", "detail", "instance", "errors"),
        "signers",  # /problems/signatures-would-lapse (issue 13)
        *("missing", "extra"),  # /problems/parties-differ (issue 13)
    }
    field = document["components"]["schemas"]["FieldProblem"]
    assert set(field["required"]) == {"field", "reason"}


def test_each_operation_lists_the_statuses_it_can_give(document: dict[str, Any]) -> None:
    missing = []
    for method, path, operation in _operations(document):
        statuses = set(operation["responses"])
        expected = set()
        if operation.get("security"):
            expected.add("401")
        if "{" in path:
            expected.add("404")
        if method in WRITES:
            expected.add("413")
        if "requestBody" in operation:
            expected |= {"400", "422"}
        if not expected <= statuses:
            missing.append(f"{method.upper()} {path}: lacks {sorted(expected - statuses)}")
    assert not missing, "\n".join(missing)
    login = document["paths"][f"{API}/auth/login"]["post"]["responses"]
    assert {"401", "429"} <= set(login) and "Retry-After" in login["429"]["headers"]
    assert (
        "WWW-Authenticate"
        in document["paths"][f"{API}/cases"]["get"]["responses"]["401"]["headers"]
    )
    for path, method in [
        ("/cases", "post"),
        ("/cases/{case_id}/care-notes", "get"),
        ("/users", "get"),
        ("/signature-requests/{request_id}/sign", "post"),
    ]:
        assert "403" in document["paths"][API + path][method]["responses"], path
    for path, method in [
        ("/agreements/{agreement_id}", "patch"),
        ("/document-versions/{version_id}/pdf", "get"),
        ("/payment-arrangements/{row_id}/missed-instalments", "post"),
    ]:
        assert "409" in document["paths"][API + path][method]["responses"], path


def _patch_models() -> dict[str, type[Patch]]:
    found: dict[str, type[Patch]] = {}
    todo: list[type[Patch]] = [Patch]
    while todo:
        model = todo.pop()
        found[model.__name__] = model
        todo += model.__subclasses__()
    return found


def _nullable(schema: dict[str, Any]) -> bool:
    return schema.get("type") == "null" or any(_nullable(o) for o in schema.get("anyOf", []))


def test_patch_bodies_are_nullable_exactly_where_the_server_takes_null(
    document: dict[str, Any],
) -> None:
    models = _patch_models()
    checked = 0
    for method, path, operation in _operations(document):
        if method != "patch":
            continue
        ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        name = ref.rsplit("/", 1)[-1]
        model = models[name]
        for field, schema in document["components"]["schemas"][name]["properties"].items():
            try:
                model.model_validate({field: None})
                accepted = True
            except ValidationError as exc:
                accepted = not any(e["loc"][:1] == (field,) for e in exc.errors())
            assert accepted == _nullable(schema), f"{path} {field}: null accepted={accepted}"
            checked += 1
    assert checked >= 40


def test_null_over_http_is_as_documented(client: TestClient, world: Any) -> None:
    h = world.headers("coordinator")
    r = client.patch(f"{API}/cases/{world.case_portaal}", json={"status": None}, headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "status"
    person = client.post(
        f"{API}/people", json={"name": "Nul Persoon", "email": "nul@example.nl"}, headers=h
    ).json()
    r = client.patch(f"{API}/people/{person['id']}", json={"email": None}, headers=h)
    assert r.status_code == 200 and r.json()["email"] is None


def test_the_suite_validates_every_answer() -> None:
    assert TestClient.send is contract._checked_send


def _request(method: str, path: str) -> httpx.Request:
    return httpx.Request(method, f"http://testserver{path}")


@pytest.fixture(scope="module")
def app(world: Any) -> Any:
    return create_app(deps=world.deps)


def test_an_undocumented_status_fails_with_a_readable_message(app: Any) -> None:
    response = httpx.Response(418, json={"type": "about:blank", "title": "Teapot", "status": 418})
    with pytest.raises(contract.DocumentDrift) as caught:
        contract.check(app, _request("GET", f"{API}/cases"), response)
    message = str(caught.value)
    assert message.startswith("GET /api/v1/cases answered 418")
    assert "418" in message and "Teapot" in message


def test_an_error_as_plain_json_fails(app: Any) -> None:
    response = httpx.Response(
        404,
        content=json.dumps({"type": "x", "title": "Not found", "status": 404}).encode(),
        headers={"content-type": "application/json"},
    )
    with pytest.raises(contract.DocumentDrift, match="application/json"):
        contract.check(app, _request("GET", f"{API}/cases/1"), response)


def test_a_body_unlike_its_schema_names_the_place(app: Any) -> None:
    response = httpx.Response(200, json={"items": "nee", "total": 0, "limit": 1, "offset": 0})
    with pytest.raises(contract.DocumentDrift) as caught:
        contract.check(app, _request("GET", f"{API}/cases"), response)
    assert re.search(r"at items: 'nee' is not of type 'array'", str(caught.value)), caught.value
    extra = httpx.Response(
        422,
        content=b'{"type":"x","title":"t","status":422,"stack":"..."}',
        headers={"content-type": MEDIA_TYPE},
    )
    with pytest.raises(contract.DocumentDrift, match="stack"):
        contract.check(app, _request("POST", f"{API}/cases"), extra)


def test_pages_and_unknown_paths_are_not_checked(app: Any) -> None:
    contract.check(app, _request("GET", "/zaken"), httpx.Response(200, text="<html>"))
    contract.check(app, _request("GET", f"{API}/bestaat-niet"), httpx.Response(404))


def test_any_declared_status_is_described() -> None:
    """A route may declare a status the table has no words for; the document still builds."""
    from agreements.web.problems import responses

    assert responses(418)[418]["description"] == "I'm a Teapot"
    assert responses(409)[409]["content"] == {MEDIA_TYPE: {"schema": PROBLEM_REF}}


def test_the_document_is_described_once_when_threads_ask_at_once(world: Any) -> None:
    """Sync handlers run in a thread pool; two threads describing FastAPI's cached schema at
    the same moment changed a dict while the other iterated it (seen under 16 parallel
    signing posts). Each fresh app is asked by eight threads at once."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    for _ in range(5):
        app = create_app(deps=world.deps)
        start = threading.Barrier(8)

        def ask(app: Any = app, start: threading.Barrier = start) -> str:
            start.wait()
            return json.dumps(app.openapi(), sort_keys=True)

        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(lambda _: ask(), range(8)))
        assert len(set(answers)) == 1
        assert "HTTPValidationError" not in answers[0]
