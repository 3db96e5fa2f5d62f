"""Documents through the API and the CLI, with a real LibreOffice and both databases."""

from __future__ import annotations

import io
import json
import re
import subprocess

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import DictionaryObject, NameObject, TextStringObject

from agreements import tasks
from agreements.services.documents.engine import DocumentEngine
from tests.builders import deflate_bomb_zip, make_docx, with_relationship
from tests.support import REPO, require_libreoffice, run_cli, upload_template

HOSTILE = 'Ünal & Zoë <van \'t Hek> "quoted" 😀'


@pytest.fixture
def doc_client(world, pool):
    from fastapi.testclient import TestClient

    from agreements.web.app import create_app

    engine = DocumentEngine(world.deps.settings, converter=pool)
    tasks.huey.immediate = True
    tasks.use_runtime(tasks.Runtime(world.deps, engine))
    try:
        with TestClient(
            create_app(deps=world.deps, engine=engine), raise_server_exceptions=False
        ) as client:
            yield client
    finally:
        tasks.use_runtime(None)
        tasks.huey.immediate = False


def a_pdf(text: str = "Huurovereenkomst", pages: int = 1) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(595, 842)
    writer.add_metadata({"/Title": text})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def hostile_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer._root_object[NameObject("/OpenAction")] = DictionaryObject(
        {
            NameObject("/S"): NameObject("/JavaScript"),
            NameObject("/JS"): TextStringObject("app.alert('x');"),
        }
    )
    writer.add_attachment("evil.exe", b"MZ")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def encrypted_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.encrypt("secret")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def ids(client, world, who="coordinator"):
    h = world.headers(who)
    case = world.case_portaal
    first = lambda path: client.get(f"/api/v1/{path}?case_id={case}", headers=h).json()["items"][0]  # noqa: E731
    return (
        first("agreements")["id"],
        first("tenancy-contracts")["id"],
        first("judgments")["id"],
        first("payment-arrangements")["id"],
    )


def test_agreement_package_with_annexes(doc_client, world):
    h = world.headers("coordinator")
    agreement, contract, judgment, arrangement = ids(doc_client, world)
    up = doc_client.put(
        f"/api/v1/tenancy-contracts/{contract}/pdf",
        headers=h,
        files={"file": ("lease.pdf", a_pdf(pages=2), "application/pdf")},
    )
    assert up.status_code == 200, up.text
    up = doc_client.put(
        f"/api/v1/judgments/{judgment}/pdf",
        headers=h,
        files={"file": ("vonnis.pdf", hostile_pdf(), "application/pdf")},
    )
    assert up.status_code == 200, up.text
    made = doc_client.post(
        f"/api/v1/payment-arrangements/{arrangement}/documents",
        headers=h,
        json={"confirm_void": True},
    )
    assert made.status_code == 202, made.text
    made = doc_client.post(
        f"/api/v1/agreements/{agreement}/documents", headers=h, json={"confirm_void": True}
    )
    assert made.status_code == 202, made.text
    version = doc_client.get(f"/api/v1/document-versions/{made.json()['id']}", headers=h).json()
    assert version["status"] == "ready", version
    assert version["template_name"] == "agreement" and len(version["template_sha256"]) == 64
    pdf = doc_client.get(f"/api/v1/document-versions/{version['id']}/pdf", headers=h)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(pdf.content))
    # One bookmark per part (the parts' own headings beneath), in the package's order.
    assert [o.title for o in reader.outline if not isinstance(o, list)] == [
        "Woonbegeleidingsovereenkomst",
        "Bijlage 1: Betalingsregeling",
        "Bijlage 2: Huurovereenkomst",
        "Bijlage 3: Vonnis",
    ]
    # The agreement lists what it carries, and the pages count over the whole package.
    listed = version["data"]["annexes"] if "data" in version else None
    total = len(reader.pages)
    texts = [page.extract_text() for page in reader.pages]
    assert all(f"Pagina {n} van {total}" in t for n, t in enumerate(texts, start=1))
    counts = {int(n) for t in texts for n in re.findall(r"Pagina \d+ van (\d+)", t)}
    assert counts == {total}  # no part counts its own pages
    assert reader.trailer["/Root"]["/Lang"] == "nl-NL"
    assert "/StructTreeRoot" in reader.trailer["/Root"]
    assert set(reader.attachments) == {"manifest.json", "source.docx"}
    manifest = json.loads(reader.attachments["manifest.json"][0])
    assert manifest["data"]["tenant"]["name"] == "Zoë van 't Hek"
    listed_now = manifest["data"]["annexes"]
    assert [(a["kind"], a["pages"]) for a in listed_now] == [
        ("payment_arrangement", 2),
        ("tenancy_contract", 2),
        ("judgment", 1),
    ]
    assert listed_now[0]["title"] == "Bijlage 1: Betalingsregeling (2 pagina's)"
    assert listed_now[1]["title"] == "Bijlage 2: Huurovereenkomst HO-2019-004512 (2 pagina's)"
    judgment_title = listed_now[2]["title"]  # the demo's dates follow the day it is made
    assert judgment_title.startswith(
        "Bijlage 3: Vonnis van de Rechtbank Midden-Nederland, kanton Utrecht van "
    )
    assert judgment_title.endswith(", zaaknummer 11109681 \\ UC EXPL 24-3346 (1 pagina)")
    assert listed in (None, manifest["data"]["annexes"])
    assert b"/JavaScript" not in pdf.content and b"evil.exe" not in pdf.content
    text = "".join(page.extract_text() for page in reader.pages)
    assert "11109681 \\ UC EXPL 24-3346" in text and "HO-2019-004512" in text
    assert reader.metadata.title == "Woonbegeleidingsovereenkomst"
    # A partner of the other corporation does not see it; the legal view does.
    assert (
        doc_client.get(
            f"/api/v1/document-versions/{version['id']}/pdf", headers=world.headers("mitros")
        ).status_code
        == 404
    )
    assert (
        doc_client.get(
            f"/api/v1/document-versions/{version['id']}/pdf", headers=world.headers("jurist")
        ).status_code
        == 200
    )


def test_new_render_is_a_new_version_and_old_bytes_stay(doc_client, world):
    h = world.headers("coordinator")
    agreement = ids(doc_client, world)[0]
    first = doc_client.post(
        f"/api/v1/agreements/{agreement}/documents", headers=h, json={"confirm_void": True}
    ).json()
    second = doc_client.post(
        f"/api/v1/agreements/{agreement}/documents", headers=h, json={"confirm_void": True}
    ).json()
    assert second["number"] == first["number"] + 1
    listed = doc_client.get(f"/api/v1/cases/{world.case_portaal}/documents", headers=h).json()
    numbers = [v["number"] for v in listed if v["kind"] == "agreement"]
    assert numbers == sorted(numbers) and first["number"] in numbers
    old = doc_client.get(f"/api/v1/document-versions/{first['id']}/pdf", headers=h)
    assert old.status_code == 200


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (encrypted_pdf(), "encrypted"),
        (b"%PDF-1.7\n1 0 obj <<", ""),
        (b"this is no pdf", ""),
        (b"", ""),
    ],
)
def test_bad_annex_pdfs_get_a_4xx_and_change_nothing(doc_client, world, content, reason):
    h = world.headers("coordinator")
    contract = ids(doc_client, world)[1]
    before = doc_client.get(f"/api/v1/tenancy-contracts/{contract}", headers=h).json()
    r = doc_client.put(
        f"/api/v1/tenancy-contracts/{contract}/pdf",
        headers=h,
        files={"file": ("x.pdf", content, "application/pdf")},
    )
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["errors"][0]["field"] == "file"
    assert reason in r.json()["detail"].lower()
    after = doc_client.get(f"/api/v1/tenancy-contracts/{contract}", headers=h).json()
    assert after == before


def test_partners_cannot_request_documents(doc_client, world):
    agreement = ids(doc_client, world)[0]
    r = doc_client.post(
        f"/api/v1/agreements/{agreement}/documents", headers=world.headers("portaal")
    )
    assert r.status_code == 403


def test_unknown_template_is_404(doc_client, world):
    agreement = ids(doc_client, world)[0]
    r = doc_client.post(
        f"/api/v1/agreements/{agreement}/documents",
        headers=world.headers("coordinator"),
        json={"template": "nope"},
    )
    assert r.status_code == 404 and "nope" in r.json()["detail"]


def test_template_upload_checks_first(doc_client, world):
    h = world.headers("coordinator")
    bad = {
        "bomb": deflate_bomb_zip(),
        "external": with_relationship(make_docx("x"), "image", "http://example.org/p.png"),
        "broken": make_docx("{% if tenant.name %}no end"),
    }
    for label, content in bad.items():
        r = upload_template(doc_client, h, "mine", content, filename=f"{label}.docx")
        assert r.status_code == 422, (label, r.text)
        assert r.json()["errors"], label
    good = make_docx("{{ recipient.name }} {{ subject }}")
    r = upload_template(doc_client, h, f"letter_{world.backend}", good, filename="good.docx")
    assert r.status_code == 201, r.text
    assert r.json()["version"] >= 1
    names = {t["name"] for t in doc_client.get("/api/v1/templates", headers=h).json()}
    assert {"agreement", "payment_arrangement", f"letter_{world.backend}"} <= names


def test_cli_render_keeps_hostile_names_exactly(tmp_path):
    require_libreoffice()
    sample = json.loads((REPO / "templates/defaults/agreement.sample.json").read_text())
    sample["tenant"]["name"] = HOSTILE
    sample["tenant"]["obligations"].append("Lange afspraak. " * 300)
    data = tmp_path / "data.json"
    data.write_text(json.dumps(sample), encoding="utf-8")
    out = tmp_path / "out.pdf"
    result = run_cli(["render", "agreement", str(data), "-o", str(out)], tmp_path)
    assert result.returncode == 0, result.stderr
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True).stdout
    assert 'Ünal & Zoë <van \'t Hek> "quoted"' in text
    assert "😀" in text


def test_cli_render_lists_missing_variables(tmp_path):
    data = tmp_path / "data.json"
    data.write_text(json.dumps({"tenant": {}}), encoding="utf-8")
    result = run_cli(["render", "agreement", str(data), "-o", str(tmp_path / "x.docx")], tmp_path)
    assert result.returncode == 1
    assert "  - tenant.name\n" in result.stderr and "  - judgment\n" in result.stderr
    assert not (tmp_path / "x.docx").exists()


def test_cli_templates_check(tmp_path):
    cases = {
        "bomb.docx": (deflate_bomb_zip(), "zip bomb"),
        "external.docx": (
            with_relationship(make_docx("x"), "image", "http://example.org/p.png"),
            "outside address",
        ),
        "broken.docx": (make_docx("{% if tenant.name %}no end"), "body"),
    }
    for name, (content, reason) in cases.items():
        path = tmp_path / name
        path.write_bytes(content)
        result = run_cli(["templates", "check", str(path)], tmp_path)
        assert result.returncode == 1, (name, result.stdout)
        assert reason in result.stderr, (name, result.stderr)
        assert "Traceback" not in result.stderr
    good = tmp_path / "good.docx"
    good.write_bytes((REPO / "templates/defaults/agreement.docx").read_bytes())
    assert run_cli(["templates", "check", str(good)], tmp_path).returncode == 0


def test_cli_demo_makes_a_signed_sealed_package_that_verify_accepts(tmp_path):
    require_libreoffice()
    result = run_cli(["demo"], tmp_path)
    assert result.returncode == 0, result.stderr
    pdf = tmp_path / "demo-agreement.pdf"
    assert str(pdf) in result.stdout.replace("\n", "")
    reader = PdfReader(pdf)
    assert [o.title for o in reader.outline if not isinstance(o, list)] == [
        "Woonbegeleidingsovereenkomst",
        "Bijlage 1: Betalingsregeling",
        "Ondertekeningsbewijs",
    ]
    assert "Zoë van 't Hek" in reader.pages[0].extract_text()
    assert {"manifest.json", "source.docx", "ondertekening.json"} <= set(reader.attachments)
    ok = run_cli(["verify", str(pdf)], tmp_path)
    assert ok.returncode == 0, ok.stderr
    assert "authentic" in ok.stdout and "Zoë van 't Hek" in ok.stdout
    writer = PdfWriter(pdf, incremental=True)
    writer.add_blank_page(595, 842)
    tampered = tmp_path / "tampered.pdf"
    with tampered.open("wb") as f:
        writer.write(f)
    bad = run_cli(["verify", str(tampered)], tmp_path)
    assert bad.returncode == 1
    assert bad.stderr.strip().splitlines() == [
        f"error: {tampered}: NOT authentic: Content was appended after the seal."
    ]
    garbage = tmp_path / "garbage.pdf"
    garbage.write_bytes(b"not a pdf at all")
    assert run_cli(["verify", str(garbage)], tmp_path).returncode == 1
    assert run_cli(["verify", str(tmp_path / "missing.pdf")], tmp_path).returncode == 2
    again = run_cli(["demo"], tmp_path)
    assert again.returncode == 1 and "already signed and sealed" in again.stderr


def test_an_agreement_brings_its_payment_arrangement_without_asking(doc_client, world):
    """The arrangement was never rendered: the agreement's request queues it first, and the
    package carries it, counted and listed (issue 12)."""
    h = world.headers("coordinator")
    agreement = ids(doc_client, world)[0]
    made = doc_client.post(
        f"/api/v1/agreements/{agreement}/documents", headers=h, json={"confirm_void": True}
    )
    assert made.status_code == 202, made.text
    pdf = doc_client.get(f"/api/v1/document-versions/{made.json()['id']}/pdf", headers=h)
    assert pdf.status_code == 200, pdf.text
    reader = PdfReader(io.BytesIO(pdf.content))
    titles = [o.title for o in reader.outline if not isinstance(o, list)]
    # (the module's world may hold uploads of an earlier test: they come after it)
    assert titles[:2] == ["Woonbegeleidingsovereenkomst", "Bijlage 1: Betalingsregeling"]
    manifest = json.loads(reader.attachments["manifest.json"][0])
    assert manifest["data"]["annexes"][0]["kind"] == "payment_arrangement"
    last = reader.pages[-1].extract_text()
    assert f"Pagina {len(reader.pages)} van {len(reader.pages)}" in last
