"""Evidence anyone can recompute from the sealed file (issue 13), on SQLite and PostgreSQL:
the sealed PDF carries the exact bytes the parties signed as an attachment, its evidence
page prints their SHA-256 and says how to check it, times in Dutch time with their offset
(the two 02:30s of the night the clocks go back differ), IP address, device and drawn
signature per party, and a visible seal stamp naming the certificate's holder and the pages
it covers; `agreements verify` recomputes the fingerprint and refuses a swapped attachment."""

from __future__ import annotations

import hashlib
import io
import json
import re
import shutil
import struct
import subprocess
import zlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader, PdfWriter

from agreements import tasks
from agreements.services.signatures import sign as signing
from signing.seal import seal_pdf
from signing.verify import Outcome, verify_pdf
from tests.flows import MANDATE, render_agreement, send_requests
from tests.support import run_cli

SIGNED = "ondertekend-document.pdf"
EVIDENCE = "ondertekening.json"
# The night the clocks go back: 00:30 UTC is 02:30 summer time, 01:30 UTC is 02:30 winter time.
BEFORE_THE_CHANGE = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
AFTER_THE_CHANGE = datetime(2026, 10, 25, 1, 30, tzinfo=UTC)
PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_3 like Mac OS X) Mobile/15E148 Safari/604.1"


def recover_signed_bytes(sealed: bytes) -> tuple[bytes, str]:
    """From the sealed file alone, with nothing but pypdf and hashlib: the embedded signed
    document and its SHA-256, as anyone holding the file can compute them."""
    [signed] = PdfReader(io.BytesIO(sealed)).attachments[SIGNED]
    return signed, hashlib.sha256(signed).hexdigest()


def evidence_text(sealed: bytes) -> str:
    """The text of the evidence pages (the pages after the signed document), with pypdf."""
    reader = PdfReader(io.BytesIO(sealed))
    first = next(i for i, p in enumerate(reader.pages) if "Ondertekeningsbewijs\n" in _text(p))
    return "\n".join(_text(p) for p in reader.pages[first:])


def _text(page: Any) -> str:
    return page.extract_text() or ""


def png(width: int = 160, height: int = 48) -> bytes:
    """A small RGBA PNG with a dark stroke, as the drawing pad sends it."""
    rows = b"".join(
        b"\x00"
        + b"".join(
            b"\x1f\x1f\x60\xff" if abs(y - height // 2 - (x % 20 - 10)) < 2 else b"\x00" * 4
            for x in range(width)
        )
        for y in range(height)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
def sealed(flow, world) -> dict[str, Any]:
    """A version every party signed (the tenant drew her signature; the tenant and the
    corporation an hour apart in the night the clocks go back), finished and sealed."""
    client, deps, _ = flow
    version = render_agreement(client, world, world.case_mitros)
    requests = send_requests(client, world, version["id"])
    when = {"tenant": BEFORE_THE_CHANGE, "corporation": AFTER_THE_CHANGE}
    drawing = png()
    for r in requests:
        at = when.get(r["party_role"], datetime.now(UTC))
        _, token = signing.issue_link(r["id"], deps=deps, now=at)
        signing.sign_with_link(
            token,
            signing.SignInput(
                **MANDATE,
                typed_name=r["party_name"],
                consent_version=deps.settings.consent_version,
                ip=f"203.0.113.{10 + r['id'] % 200}",
                user_agent=PHONE,
                drawn_png=drawing if r["party_role"] == "tenant" else None,
            ),
            deps=deps,
            now=at,
            engine=tasks.runtime().engine if r["party_role"] == "tenant" else None,
        )
    assert tasks.finish_document.call_local(version["id"]) == "done"
    got = client.get(
        f"/api/v1/document-versions/{version['id']}/sealed.pdf",
        headers=world.headers("coordinator"),
    )
    assert got.status_code == 200, got.text
    return {"pdf": got.content, "requests": requests, "drawing": drawing, "deps": deps}


def test_the_signed_bytes_and_their_fingerprint_come_back_from_the_sealed_file(sealed):
    pdf = sealed["pdf"]
    signed, digest = recover_signed_bytes(pdf)
    assert signed.startswith(b"%PDF-")
    text = evidence_text(pdf)
    printed = re.search(r"SHA-256 ([0-9a-f]{64})\n", text)
    assert printed, text
    assert printed.group(1) == digest  # the page's fingerprint is the attachment's
    [bundle] = PdfReader(io.BytesIO(pdf)).attachments[EVIDENCE]
    evidence = json.loads(bundle)
    assert {s["document_sha256"] for s in evidence["signatures"]} == {digest}
    assert evidence["document"]["sha256"] == digest
    assert evidence["signed_document"] == {"file": SIGNED, "sha256": digest, "size": len(signed)}
    # The signed pages are the first pages of the sealed file, text for text.
    reader, original = PdfReader(io.BytesIO(pdf)), PdfReader(io.BytesIO(signed))
    assert [_text(p) for p in reader.pages[: len(original.pages)]] == [
        _text(p) for p in original.pages
    ]
    assert f"pagina 1 tot en met {len(original.pages)} van dit bestand" in text
    # The attachment says what it is: the source of this file, as a PDF.
    names = reader.trailer["/Root"]["/Names"]["/EmbeddedFiles"]["/Names"]
    spec = names[names.index(SIGNED) + 1].get_object()
    assert spec["/AFRelationship"] == "/Source"
    assert spec["/EF"]["/F"].get_object()["/Subtype"] == "/application/pdf"
    assert spec.indirect_reference in list(reader.trailer["/Root"]["/AF"])


@pytest.mark.skipif(shutil.which("pdfdetach") is None, reason="poppler-utils not installed")
def test_the_commands_the_page_gives_find_the_same_fingerprint(sealed, tmp_path):
    (tmp_path / "bestand.pdf").write_bytes(sealed["pdf"])
    text = evidence_text(sealed["pdf"])
    command = re.search(r"^(pdfdetach .*bestand\.pdf)$", text, re.MULTILINE)
    assert command, text
    subprocess.run(command.group(1).split(), cwd=tmp_path, check=True, capture_output=True)
    shown = subprocess.run(
        ["sha256sum", SIGNED], cwd=tmp_path, check=True, capture_output=True, text=True
    ).stdout.split()[0]
    assert re.search(rf"SHA-256 {shown}\n", text)
    listed = subprocess.run(
        ["pdfdetach", "-list", "bestand.pdf"], cwd=tmp_path, capture_output=True, text=True
    )
    assert f": {SIGNED}" in listed.stdout


def test_times_are_dutch_with_their_offset_and_the_two_half_past_twos_differ(sealed):
    text = evidence_text(sealed["pdf"])
    assert "25 oktober 2026 02:30:00 (+02:00) · in UTC: 2026-10-25T00:30:00.000000Z" in text
    assert "25 oktober 2026 02:30:00 (+01:00) · in UTC: 2026-10-25T01:30:00.000000Z" in text
    assert re.search(r"afgesloten en verzegeld met|heeft het document op \d+ \w+ \d{4}", text)
    finished = re.search(r"heeft het document op (.+?\(\+0[12]:00\))", text.replace("\n", " "))
    assert finished, text
    [bundle] = PdfReader(io.BytesIO(sealed["pdf"])).attachments[EVIDENCE]
    evidence = json.loads(bundle)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", evidence["generated_at"])
    assert {s["signed_at"] for s in evidence["signatures"]} >= {
        "2026-10-25T00:30:00.000000Z",
        "2026-10-25T01:30:00.000000Z",
    }


def test_ip_device_and_drawing_of_each_signature_are_on_the_page(sealed):
    pdf = sealed["pdf"]
    text = evidence_text(pdf)
    for r in sealed["requests"]:
        assert f"203.0.113.{10 + r['id'] % 200}" in text
    assert text.count("Mobile/15E148 Safari/604.1") == len(sealed["requests"])
    assert text.count("Naam getypt:") == len(sealed["requests"])
    reader = PdfReader(io.BytesIO(pdf))
    signed_pages = len(PdfReader(io.BytesIO(recover_signed_bytes(pdf)[0])).pages)
    # LibreOffice may list one image in the resources every page shares: count it once.
    images = list(
        {
            (image.indirect_reference.idnum, image.indirect_reference.generation): image
            for page in reader.pages[signed_pages:]
            for image in _images(page)
        }.values()
    )
    assert len(images) == 1  # the tenant's drawing, the only one given
    assert (int(images[0]["/Width"]), int(images[0]["/Height"])) == (160, 48)
    assert "Getekend" in text and "drawing-" not in text


def _images(page: Any) -> list[Any]:
    """The image XObjects a page draws (pypdf's `page.images` needs Pillow)."""
    resources = page.get("/Resources")
    objects = (resources.get_object().get("/XObject") or {}) if resources else {}
    found = [o.get_object() for o in objects.values()]
    return [o for o in found if o.get("/Subtype") == "/Image"]


def test_a_visible_seal_names_the_holder_and_the_pages_it_covers(sealed):
    pdf = sealed["pdf"]
    reader = PdfReader(io.BytesIO(pdf))
    widgets = [
        (index, annotation.get_object())
        for index, page in enumerate(reader.pages)
        for annotation in page.get("/Annots") or []
        if annotation.get_object().get("/FT") == "/Sig"
    ]
    assert len(widgets) == 1
    index, widget = widgets[0]
    assert index >= len(PdfReader(io.BytesIO(recover_signed_bytes(pdf)[0])).pages)
    x1, y1, x2, y2 = (float(v) for v in widget["/Rect"])
    assert x2 - x1 > 300 and y2 - y1 > 50  # visible, not the old 0 0 0 0
    shown = _appearance_text(widget["/AP"]["/N"].get_object())
    pages = len(reader.pages)
    assert f"Dit zegel geldt voor alle {pages} pagina's van dit bestand" in shown
    assert "Het Vierde Huis" in shown and "Elektronisch zegel van" in shown
    assert "met het certificaat van Het Vierde Huis" in evidence_text(pdf).replace("\n", " ")


def _appearance_text(form: Any, depth: int = 0) -> str:
    """The strings a form XObject and the forms it draws show (pyHanko nests them)."""
    found = re.findall(rb"\((.*?)(?<!\\)\)\s*Tj", form.get_data())
    text = " ".join(_unescape(s.decode("latin-1")) for s in found)
    resources = form.get("/Resources")
    if resources is not None and depth < 4:
        for inner in (resources.get_object().get("/XObject") or {}).values():
            text += " " + _appearance_text(inner.get_object(), depth + 1)
    return text


def _unescape(literal: str) -> str:
    """A PDF string literal's text: `\\072` is `:`, `\\(` is `(`."""
    return re.sub(
        r"\\([0-7]{1,3}|.)",
        lambda m: chr(int(m.group(1), 8)) if m.group(1).isdigit() else m.group(1),
        literal,
    )


def _cli_env(world) -> dict[str, str]:
    url = world.deps.db.kw["bind"].url.render_as_string(hide_password=False)
    return {"AGREEMENTS_DATABASE_URL": url, "AGREEMENTS_MODE": "test"}


def _swapped(pdf: bytes, replacement: bytes) -> bytes:
    """The sealed file rewritten with another PDF in place of the signed document."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    for attachment in writer.attachment_list:
        if attachment.name == SIGNED:
            attachment.content = replacement
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_verify_recomputes_the_fingerprint_and_refuses_a_swapped_attachment(
    sealed, world, tmp_path: Path
):
    deps, pdf = sealed["deps"], sealed["pdf"]
    env = _cli_env(world)
    data_dir = deps.settings.data_dir
    good = tmp_path / "bestand.pdf"
    good.write_bytes(pdf)
    ok = run_cli(["verify", str(good)], data_dir, **env)
    assert ok.returncode == 0, ok.stderr
    _, digest = recover_signed_bytes(pdf)
    line = " ".join(ok.stdout.split())
    assert (
        f"Vingerafdruk klopt: de bijlage {SIGNED} heeft SHA-256 {digest}, dezelfde als in "
        f"alle {len(sealed['requests'])} handtekeningen." in line
    )

    other = PdfWriter()
    other.add_blank_page(595, 842)
    buffer = io.BytesIO()
    other.write(buffer)
    # Rewritten with another document inside: the seal no longer holds.
    rewritten = tmp_path / "rewritten.pdf"
    rewritten.write_bytes(_swapped(pdf, buffer.getvalue()))
    bad = run_cli(["verify", str(rewritten)], data_dir, **env)
    assert bad.returncode == 1
    assert len(bad.stderr.strip().splitlines()) == 1, bad.stderr
    assert bad.stderr.startswith(f"error: {rewritten}: NOT authentic: ")

    # Sealed again with the organisation's own key: the seal holds, the fingerprint does not.
    resealed = tmp_path / "resealed.pdf"
    resealed.write_bytes(
        seal_pdf(
            _swapped(_unsealed(pdf), buffer.getvalue()),
            pkcs12_path=deps.settings.effective_seal_pkcs12,
            password=deps.settings.effective_seal_password,
            reason="test",
            location="Utrecht",
            contact="test@example.org",
        )
    )
    report = verify_pdf(
        resealed.read_bytes(), trusted_certs=[_certificate(deps)], known_hash=lambda _: True
    )
    assert report.outcome is Outcome.SIGNED_COPY_MISMATCH
    assert report.signed_document_matches is False
    worse = run_cli(["verify", str(resealed)], data_dir, **env)
    assert worse.returncode == 1
    assert " ".join(worse.stderr.split()) == (
        f"error: {resealed}: NOT authentic: The attachment {SIGNED} is not the document the "
        "parties signed: its SHA-256 differs from the one in their signatures."
    )


def _unsealed(pdf: bytes) -> bytes:
    """The file as it was just before sealing (the seal is one incremental update)."""
    end = pdf.rstrip().rfind(b"%%EOF", 0, len(pdf.rstrip()) - 5)
    return pdf[: end + len(b"%%EOF")] + b"\n"


def _certificate(deps) -> Any:
    from signing.certs import load_pkcs12_certificate

    return load_pkcs12_certificate(
        deps.settings.effective_seal_pkcs12, deps.settings.effective_seal_password
    )
