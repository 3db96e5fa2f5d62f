"""Sealing with pyHanko and verifying the result: real keys, real PDFs, real tampering."""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign.timestamps import DummyTimeStamper
from pypdf import PdfReader, PdfWriter
from pypdf.annotations import FreeText
from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

from signing.certs import (
    DEV_COMMON_NAME,
    KeyAlgorithm,
    ensure_dev_certificate,
    load_pkcs12_certificate,
    make_dev_certificate,
)
from signing.errors import SealError
from signing.evidence import (
    DocumentIdentity,
    Identification,
    SignatureEvidence,
    attach_evidence,
    evidence_bundle,
)
from signing.seal import seal_pdf
from signing.verify import Outcome, verify_pdf

PASSWORD = "ontwikkeling"
TEXT = "Woonbegeleidingsovereenkomst tussen huurder en verhuurder"


def text_pdf(text: str = TEXT, pages: int = 1) -> bytes:
    """A small PDF with real text, built with pypdf so no converter is needed."""
    writer = PdfWriter()
    font = writer._add_object(
        DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Font"),
                NameObject("/Subtype"): NameObject("/Type1"),
                NameObject("/BaseFont"): NameObject("/Helvetica"),
            }
        )
    )
    for number in range(1, pages + 1):
        page = writer.add_blank_page(595, 842)
        page[NameObject("/Resources")] = DictionaryObject(
            {NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})}
        )
        stream = DecodedStreamObject()
        stream.set_data(f"BT /F1 14 Tf 72 770 Td ({text} - pagina {number}) Tj ET".encode())
        page[NameObject("/Contents")] = writer._add_object(stream)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def seal(pdf: bytes, p12: Path) -> bytes:
    return seal_pdf(
        pdf,
        pkcs12_path=p12,
        password=PASSWORD,
        reason="Alle partijen hebben ondertekend",
        location="Utrecht",
        contact="juridisch@example.org",
    )


@pytest.fixture(scope="module")
def p12(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_dev_certificate(tmp_path_factory.mktemp("keys") / "seal.p12", PASSWORD)


@pytest.fixture(scope="module")
def trusted(p12: Path) -> list[object]:
    return [load_pkcs12_certificate(p12, PASSWORD)]


@pytest.fixture(scope="module")
def sealed(p12: Path) -> bytes:
    return seal(text_pdf(), p12)


def appended_page(sealed: bytes) -> bytes:
    writer = PdfWriter(io.BytesIO(sealed), incremental=True)
    writer.add_blank_page(595, 842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_sealed_pdf_verifies_with_signer_and_time(sealed: bytes, trusted: list[object]) -> None:
    before = datetime.now(UTC) - timedelta(minutes=1)
    report = verify_pdf(sealed, trusted_certs=trusted, known_hash=lambda h: True)
    assert report.ok, report.detail
    assert report.outcome is Outcome.AUTHENTIC
    assert report.signer_subject is not None and DEV_COMMON_NAME in report.signer_subject
    assert report.signed_at is not None and report.signed_at >= before.replace(second=0)
    assert report.covers_whole_file
    assert report.modification_level == "NONE"
    assert report.docmdp_ok is True
    assert report.file_sha256 == hashlib.sha256(sealed).hexdigest()
    assert report.signed_revision_sha256 == report.file_sha256
    assert report.reason_nl.startswith("Het document is echt")


def test_seal_is_an_incremental_update(sealed: bytes) -> None:
    original = text_pdf()
    assert sealed.startswith(original)
    assert TEXT in PdfReader(io.BytesIO(sealed)).pages[0].extract_text()


def test_ecdsa_and_rsa_keys_both_seal(tmp_path: Path) -> None:
    rsa = make_dev_certificate(tmp_path / "rsa.p12", PASSWORD, algorithm=KeyAlgorithm.RSA_3072)
    report = verify_pdf(
        seal(text_pdf(), rsa), trusted_certs=[load_pkcs12_certificate(rsa, PASSWORD)]
    )
    assert report.ok, report.detail


def test_one_flipped_byte_inside_the_signed_range_is_invalid(
    sealed: bytes, trusted: list[object]
) -> None:
    tampered = bytearray(sealed)
    tampered[sealed.index(b"Woonbegeleiding")] ^= 0x01
    report = verify_pdf(bytes(tampered), trusted_certs=trusted)
    assert report.outcome is Outcome.INVALID_SIGNATURE
    assert not report.ok
    assert report.intact is False


def test_resaved_copy_is_invalid(sealed: bytes, trusted: list[object]) -> None:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(sealed)))
    out = io.BytesIO()
    writer.write(out)
    report = verify_pdf(out.getvalue(), trusted_certs=trusted)
    assert report.outcome is Outcome.INVALID_SIGNATURE


def test_page_appended_with_pypdf_after_the_seal_fails(
    sealed: bytes, trusted: list[object]
) -> None:
    appended = appended_page(sealed)
    assert appended.startswith(sealed)
    report = verify_pdf(appended, trusted_certs=trusted, known_hash=lambda h: True)
    assert report.outcome is Outcome.APPENDED_CONTENT
    assert report.reason == "Content was appended after the seal."
    assert not report.covers_whole_file
    assert report.signed_revision_sha256 == hashlib.sha256(sealed).hexdigest()
    assert report.file_sha256 != report.signed_revision_sha256


def test_annotation_appended_after_the_seal_fails(sealed: bytes, trusted: list[object]) -> None:
    writer = PdfWriter(io.BytesIO(sealed), incremental=True)
    writer.add_annotation(0, FreeText(text="Akkoord", rect=(50, 50, 200, 100)))
    out = io.BytesIO()
    writer.write(out)
    report = verify_pdf(out.getvalue(), trusted_certs=trusted)
    assert report.outcome is Outcome.APPENDED_CONTENT


def test_update_appended_with_pyhanko_after_the_seal_fails(
    sealed: bytes, trusted: list[object]
) -> None:
    writer = IncrementalPdfFileWriter(io.BytesIO(sealed))
    writer.root["/Lang"] = generic.TextStringObject("nl-NL")
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)
    report = verify_pdf(out.getvalue(), trusted_certs=trusted)
    assert report.outcome is Outcome.APPENDED_CONTENT


def test_pdfsig_accepts_the_appended_file_that_verify_rejects(
    sealed: bytes, trusted: list[object], tmp_path: Path
) -> None:
    appended = appended_page(sealed)
    assert verify_pdf(appended, trusted_certs=trusted).outcome is Outcome.APPENDED_CONTENT
    if shutil.which("pdfsig") is None:
        pytest.skip("pdfsig (poppler-utils) is not installed")
    for name, data in (("sealed.pdf", sealed), ("appended.pdf", appended)):
        (tmp_path / name).write_bytes(data)
        result = subprocess.run(
            ["pdfsig", str(tmp_path / name)], capture_output=True, text=True, check=False
        )
        # This is the gap DESIGN section 7 names: poppler calls the signature valid.
        assert "Signature is Valid" in result.stdout


def test_seal_by_another_certificate_is_untrusted(tmp_path: Path, trusted: list[object]) -> None:
    # Same organisation name, different key: an impostor's self-made certificate.
    impostor = make_dev_certificate(tmp_path / "impostor.p12", PASSWORD)
    report = verify_pdf(seal(text_pdf(), impostor), trusted_certs=trusted)
    assert report.outcome is Outcome.UNTRUSTED_SIGNER
    assert report.trusted is False


def test_seal_by_a_differently_named_certificate_is_untrusted(
    tmp_path: Path, trusted: list[object]
) -> None:
    other = make_dev_certificate(tmp_path / "other.p12", PASSWORD, common_name="Iemand Anders")
    report = verify_pdf(seal(text_pdf(), other), trusted_certs=trusted)
    assert report.outcome is Outcome.UNTRUSTED_SIGNER
    assert report.signer_subject is not None and "Iemand Anders" in report.signer_subject


def test_unsealed_pdf_has_no_signature(trusted: list[object]) -> None:
    assert verify_pdf(text_pdf(), trusted_certs=trusted).outcome is Outcome.NO_SIGNATURE


@pytest.mark.parametrize(
    "data",
    [b"", b"garbage bytes, not a document", b"%PDF-1.7\n\x00\xff broken", b"\x89PNG\r\n"],
)
def test_garbage_is_malformed_and_never_raises(data: bytes, trusted: list[object]) -> None:
    report = verify_pdf(data, trusted_certs=trusted)
    assert report.outcome is Outcome.MALFORMED
    assert not report.ok


def test_truncated_sealed_file_does_not_raise(sealed: bytes, trusted: list[object]) -> None:
    report = verify_pdf(sealed[: len(sealed) // 2], trusted_certs=trusted)
    assert not report.ok


def test_unknown_hash(sealed: bytes, trusted: list[object]) -> None:
    seen: list[str] = []

    def known(digest: str) -> bool:
        seen.append(digest)
        return False

    report = verify_pdf(sealed, trusted_certs=trusted, known_hash=known)
    assert report.outcome is Outcome.UNKNOWN_HASH
    assert seen == [hashlib.sha256(sealed).hexdigest()]


def test_trusted_certs_accepted_as_pem_and_der(p12: Path, sealed: bytes) -> None:
    cert = load_pkcs12_certificate(p12, PASSWORD)
    for blob in (cert.public_bytes(Encoding.PEM), cert.public_bytes(Encoding.DER)):
        assert verify_pdf(sealed, trusted_certs=[blob]).ok


def test_embedded_evidence_is_reported(p12: Path, trusted: list[object]) -> None:
    pdf = text_pdf(pages=2)
    digest = hashlib.sha256(pdf).hexdigest()
    record = SignatureEvidence(
        party_role="tenant",
        party_name="Zoë Jansen",
        identified_by=Identification.LINK,
        document_sha256=digest,
        signed_at=datetime(2025, 3, 14, 9, 0, tzinfo=UTC),
        consent_text="Ik ga akkoord.",
        consent_version="2025-01",
        typed_name="Zoë Jansen",
    )
    bundle = evidence_bundle(
        DocumentIdentity("agr-7", "1", digest), [record], generated_at=datetime.now(UTC)
    )
    report = verify_pdf(seal(attach_evidence(pdf, bundle), p12), trusted_certs=trusted)
    assert report.ok, report.detail
    assert report.evidence == json.loads(bundle)


def test_sealing_garbage_or_with_a_wrong_password_raises_seal_error(p12: Path) -> None:
    with pytest.raises(SealError):
        seal(b"not a pdf", p12)
    with pytest.raises(SealError):
        seal_pdf(
            text_pdf(),
            pkcs12_path=p12,
            password="wrong",
            reason="r",
            location="Utrecht",
            contact="c",
        )
    with pytest.raises(SealError):
        seal(text_pdf(), p12.with_name("missing.p12"))


def test_a_sealed_pdf_cannot_be_certified_twice(sealed: bytes, p12: Path) -> None:
    with pytest.raises(SealError):
        seal(sealed, p12)


def test_ensure_dev_certificate_is_idempotent(tmp_path: Path) -> None:
    path = ensure_dev_certificate(tmp_path / "dev" / "seal.p12", PASSWORD)
    first = path.read_bytes()
    assert ensure_dev_certificate(path, PASSWORD).read_bytes() == first
    cert = load_pkcs12_certificate(path, PASSWORD)
    assert DEV_COMMON_NAME in cert.subject.rfc4514_string()
    assert path.stat().st_mode & 0o077 == 0


def test_rotated_key_file_is_reloaded(tmp_path: Path) -> None:
    path = make_dev_certificate(tmp_path / "seal.p12", PASSWORD)
    first = load_pkcs12_certificate(path, PASSWORD)
    seal(text_pdf(), path)
    make_dev_certificate(path, PASSWORD, common_name="Nieuwe sleutel")
    report = verify_pdf(
        seal(text_pdf(), path), trusted_certs=[load_pkcs12_certificate(path, PASSWORD)]
    )
    assert report.ok
    assert verify_pdf(seal(text_pdf(), path), trusted_certs=[first]).outcome is (
        Outcome.UNTRUSTED_SIGNER
    )


def tsa() -> tuple[object, DummyTimeStamper]:
    """A local time stamp authority: its certificate and a pyHanko time stamper using it."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)  # pyHanko: RSA only
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test TSA")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .sign(key, hashes.SHA256())
    )
    asn1_cert = asn1_x509.Certificate.load(cert.public_bytes(Encoding.DER))
    asn1_key = asn1_keys.PrivateKeyInfo.load(
        key.private_bytes(Encoding.DER, PrivateFormat.PKCS8, NoEncryption())
    )
    return cert, DummyTimeStamper(tsa_cert=asn1_cert, tsa_key=asn1_key, fixed_dt=TSA_TIME)


TSA_TIME = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


def test_seal_with_a_time_stamp_authority_reports_its_time(
    p12: Path, trusted: list[object], tmp_path: Path
) -> None:
    tsa_cert, stamper = tsa()
    # Sealing with a TSA embeds the validation data, so it must validate the TSA's chain.
    tsa_root = tmp_path / "tsa-root.pem"
    tsa_root.write_bytes(tsa_cert.public_bytes(Encoding.PEM))
    sealed = seal_pdf(
        text_pdf(),
        pkcs12_path=p12,
        password=PASSWORD,
        reason="r",
        location="Utrecht",
        contact="c",
        timestamper=stamper,
        trust_roots=[tsa_root],
    )
    report = verify_pdf(sealed, trusted_certs=[*trusted, tsa_cert])
    assert report.ok, report.detail
    assert report.timestamped
    assert report.signed_at == TSA_TIME

    # Without trusting the TSA the seal still holds; only the TSA time is not claimed.
    report = verify_pdf(sealed, trusted_certs=trusted)
    assert report.ok, report.detail
    assert not report.timestamped
    assert report.signed_at != TSA_TIME


def test_unreachable_time_stamp_authority_is_a_seal_error(p12: Path) -> None:
    with pytest.raises(SealError):
        seal_pdf(
            text_pdf(),
            pkcs12_path=p12,
            password=PASSWORD,
            reason="r",
            location="Utrecht",
            contact="c",
            timestamp_url="http://127.0.0.1:9/tsa",
        )


def test_calling_from_inside_an_event_loop_is_refused_plainly(
    sealed: bytes, trusted: list[object], p12: Path
) -> None:
    async def inside() -> None:
        with pytest.raises(RuntimeError, match="to_thread"):
            verify_pdf(sealed, trusted_certs=trusted)
        with pytest.raises(RuntimeError, match="to_thread"):
            seal(text_pdf(), p12)
        report = await asyncio.to_thread(verify_pdf, sealed, trusted_certs=trusted)
        assert report.ok

    asyncio.run(inside())
