"""The text policy on multipart uploads, on both databases: the template form's fields are
refused with the field named, an uploaded file's name is never shown raw."""

from __future__ import annotations

import io
from html import unescape
from typing import Any

import pytest
from pypdf import PdfWriter

from agreements.web.app import create_app
from tests.builders import make_docx
from tests.flows import logged_in

RLO = "\u202e"
GOOD_TEMPLATE = make_docx("{{ recipient.name }} {{ subject }}")


def _upload(client: Any, world: Any, fields: dict[str, str], filename: str = "brief.docx") -> Any:
    return client.post("/api/v1/templates", headers=world.headers("coordinator"),
                       data=fields, files={"file": (filename, GOOD_TEMPLATE)})  # fmt: skip


def _blobs(world: Any) -> list[str]:
    folder = world.deps.settings.effective_templates_dir / "blobs"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


@pytest.mark.parametrize(
    "field,value,reason",
    [
        ("title", f"Zo{RLO} kooH", "bidirectional control character (U+202E) at character 3"),
        ("title", "Brief\x00", "control character (U+0000)"),
        ("title", "\ufeffBrief", "invisible formatting character (U+FEFF)"),
        ("title", "Brief\u2028twee", "line or paragraph separator (U+2028)"),
        ("title", "Twee\r\nregels", "line break (U+000A)"),
        ("title", "x" * 201, "at most 200 characters"),
        ("name", "brief\x00", "control character (U+0000)"),
        ("name", "brief\n", "line break"),
        ("kind", f"letter{RLO}", "bidirectional control character (U+202E)"),
    ],
)
def test_template_form_fields_are_refused_with_the_field_and_nothing_kept(
    client: Any, world: Any, field: str, value: str, reason: str
) -> None:
    name = f"textpolicy_{world.backend}_{field}"
    before = _blobs(world)
    fields = {"name": name, "kind": "letter", field: value}
    answer = _upload(client, world, fields)
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    (error,) = answer.json()["errors"]
    assert error["field"] == field and reason in error["reason"], error
    listed = client.get("/api/v1/templates", headers=world.headers("coordinator")).json()
    assert not any(t["name"].startswith(f"textpolicy_{world.backend}") for t in listed)
    assert _blobs(world) == before


def test_template_form_keeps_good_text_and_ignores_the_file_name(client: Any, world: Any) -> None:
    # Decided: an uploaded file's name is never stored nor answered, so it is not refused.
    name = f"textpolicy_ok_{world.backend}"
    title = "Brief aan فاطمه\u200cزاده 👍"
    answer = _upload(client, world, {"name": name, "kind": "letter", "title": f" {title} "},
                     filename=f"brief{RLO}xcod.exe")  # fmt: skip
    assert answer.status_code == 201, answer.text
    assert answer.json()["title"] == title
    assert "exe" not in answer.text and RLO not in answer.text


def _unsealed_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    data = io.BytesIO()
    writer.write(data)
    return data.getvalue()


@pytest.mark.parametrize(
    "filename,shown",
    [
        (f"rapport{RLO}fdp.exe", "rapport\ufffdfdp.exe"),
        ("over\x7feen\x1bkomst\x85.pdf", "over\ufffdeen\ufffdkomst\ufffd.pdf"),  # httpx: NUL as %00
        ("Zo\u200bë\ufeff.pdf", "Zo\ufffdë\ufffd.pdf"),
    ],
)
def test_verify_page_never_shows_a_file_name_raw(world: Any, filename: str, shown: str) -> None:
    client, token = logged_in(create_app(deps=world.deps), "jurist")
    files = {"bestand": (filename, _unsealed_pdf(), "application/pdf")}
    page = client.post("/controleren", data={"csrf": token}, files=files)
    assert page.status_code == 200, page.text
    body = unescape(page.text)
    assert "Niet echt of veranderd" in body
    assert f"Bestand: {shown}" in body  # what the name is, with its tricks made visible
    for trick in (RLO, "\x7f", "\x85", "\x1b", "\u200b", "\ufeff"):
        assert trick not in body
    plain = client.post("/controleren", data={"csrf": token},
                        files={"bestand": ("Zoë Yılmaz.pdf", _unsealed_pdf())})  # fmt: skip
    assert "Bestand: Zoë Yılmaz.pdf" in unescape(plain.text)
