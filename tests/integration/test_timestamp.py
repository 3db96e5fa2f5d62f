"""Trusted time and long-term validation (issue 13): with a time stamp authority configured
the seal is PAdES B-LTA (the authority's time stamp, the certificates and revocation data in
the DSS, a document time stamp over it all) and validates with nothing fetched; without one
it stays B-B; an authority that does not answer fails the seal, which is retried later.

The authority is real: certomancer's animator (an RFC 3161 time stamp service and the CRL
of its root CA) served over HTTP on loopback, with keys made for this run."""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.signers import PdfTimeStamper
from pyhanko.sign.timestamps import HTTPTimeStamper
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pypdf import PdfWriter
from sqlalchemy import func, select

from agreements import tasks
from agreements.db.models import AuditEntry, DocumentVersion
from agreements.domain.enums import FinishStatus
from agreements.settings import Settings
from signing.certs import ensure_dev_certificate, load_pkcs12_certificate, load_pkcs12_chain
from signing.errors import SealError
from signing.seal import ARCHIVE_TIMESTAMP_FIELD, seal_pdf, validation_context
from signing.verify import Outcome, verify_pdf
from tests.flows import fully_signed
from tests.support import free_port, require, require_libreoffice, run_cli, signing_app

PASSWORD = "tsa-test"
BIN = Path(sys.executable).parent


@dataclass
class LoopbackTSA:
    """A running time stamp authority: its URL and the PEM file of its root CA."""

    url: str
    root_pem: Path
    port: int
    app: Any
    server: Any = None
    thread: threading.Thread | None = None

    def start(self) -> None:
        from werkzeug.serving import make_server

        self.server = make_server("127.0.0.1", self.port, self.app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    @contextmanager
    def offline(self) -> Iterator[None]:
        """The authority and its CRL gone: what a court's clerk has years later."""
        self.stop()
        try:
            yield
        finally:
            self.start()


def _certomancer_config(now: datetime) -> dict[str, Any]:
    def at(moment: datetime) -> str:
        return moment.strftime("%Y-%m-%dT%H:%M:%S+0000")

    validity = {"valid-from": at(now - timedelta(days=1)), "valid-to": at(now + timedelta(3650))}

    def key_usage(*uses: str) -> dict[str, Any]:
        return {
            "id": "key_usage",
            "critical": True,
            "smart-value": {"schema": "key-usage", "params": list(uses)},
        }

    return {
        "keysets": {
            "loopback": {"keys": {"root": {"path": "root.pem"}, "tsa": {"path": "tsa.pem"}}}
        },
        "pki-architectures": {
            "loopback": {
                "keyset": "loopback",
                "entity-defaults": {"country-name": "NL", "organization-name": "Testtijd"},
                "entities": {
                    "root": {"common-name": "Testtijd Root CA"},
                    "tsa": {"common-name": "Testtijd TSA"},
                },
                "certs": {
                    "root": {
                        "subject": "root",
                        "issuer": "root",
                        "validity": validity,
                        "extensions": [
                            {"id": "basic_constraints", "critical": True, "value": {"ca": True}},
                            key_usage("digital_signature", "key_cert_sign", "crl_sign"),
                        ],
                    },
                    "tsa": {
                        "issuer": "root",
                        "validity": validity,
                        "extensions": [
                            key_usage("digital_signature"),
                            {
                                "id": "extended_key_usage",
                                "critical": True,
                                "value": ["time_stamping"],
                            },
                            # Revocation data that sealing must fetch and embed.
                            {
                                "id": "crl_distribution_points",
                                "smart-value": {
                                    "schema": "crl-dist-url",
                                    "params": {"crl-repo-names": ["root"]},
                                },
                            },
                        ],
                    },
                },
                "services": {
                    "crl-repo": {
                        "root": {
                            "for-issuer": "root",
                            "signing-key": "root",
                            "simulated-update-schedule": "P90D",
                        }
                    },
                    "time-stamping": {"tsa": {"signing-key": "tsa", "signing-cert": "tsa"}},
                },
            }
        },
    }


def _start_tsa(folder: Path) -> LoopbackTSA:
    from certomancer.integrations.animator import Animator, AnimatorArchStore
    from certomancer.registry import ArchLabel, CertLabel, CertomancerConfig

    for name in ("root", "tsa"):
        key = ec.generate_private_key(ec.SECP256R1())
        (folder / f"{name}.pem").write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    config = CertomancerConfig(
        _certomancer_config(datetime.now(UTC)), key_search_dir=str(folder), external_url_prefix=base
    )
    root = config.get_pki_arch(ArchLabel("loopback")).get_cert(CertLabel("root"))
    root_pem = folder / "tsa-root.crt.pem"
    root_pem.write_bytes(pem.armor("CERTIFICATE", root.dump()))
    app = Animator(AnimatorArchStore(config.pki_archs), with_web_ui=False)
    tsa = LoopbackTSA(url=f"{base}/loopback/tsa/tsa", root_pem=root_pem, port=port, app=app)
    tsa.start()
    return tsa


@pytest.fixture(scope="module")
def tsa(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LoopbackTSA]:
    try:
        started = _start_tsa(tmp_path_factory.mktemp("tsa"))
    except Exception as exc:  # no certomancer, no port: skipped on a laptop, failed in CI
        require("the loopback time stamp authority (certomancer)", False, repr(exc))
        raise
    yield started
    started.stop()


@pytest.fixture(scope="module")
def p12(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return ensure_dev_certificate(tmp_path_factory.mktemp("seal") / "seal.p12", PASSWORD)


def _text_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.add_metadata({"/Title": "Overeenkomst"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _seal(pdf: bytes, p12: Path, tsa: LoopbackTSA | None) -> bytes:
    return seal_pdf(
        pdf,
        pkcs12_path=p12,
        password=PASSWORD,
        reason="door alle partijen ondertekend",
        location="Utrecht",
        contact="info@example.org",
        timestamp_url=tsa.url if tsa else None,
        trust_roots=[tsa.root_pem] if tsa else (),
    )


def _asn1_pem(path: Path) -> asn1_x509.Certificate:
    _type, _headers, der = pem.unarmor(path.read_bytes())
    return asn1_x509.Certificate.load(der)


def _seal_cert_pem(p12: Path, password: str, folder: Path) -> Path:
    target = folder / "seal.crt.pem"
    certificate = load_pkcs12_certificate(p12, password)
    target.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return target


def _nss_store(folder: Path, cas: list[Path]) -> str:
    """An NSS certificate store (what pdfsig checks chains against) trusting these CAs."""
    require("certutil (libnss3-tools)", shutil.which("certutil") is not None, "not on PATH")
    folder.mkdir()
    store = f"sql:{folder}"
    subprocess.run(["certutil", "-N", "-d", store, "--empty-password"], check=True)
    for i, ca in enumerate(cas):
        subprocess.run(
            ["certutil", "-A", "-d", store, "-n", f"ca{i}", "-t", "CT,C,C", "-i", str(ca)],
            check=True,
        )
    return store


def _pyhanko(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "pyhanko"), *args], capture_output=True, text=True, timeout=120
    )


def _ades_lta_offline(pdf: bytes, roots: list[asn1_x509.Certificate], at: datetime) -> Any:
    """pyHanko's AdES B-LTA validation with every fetch forbidden and revocation data
    required: only what the file carries counts."""
    from pyhanko.sign.validation.ades import ades_lta_validation
    from pyhanko.sign.validation.policy_decl import (
        CertificateFetchingRule,
        PdfSignatureValidationSpec,
        RevinfoOnlineFetchingRule,
        RevocationInfoGatheringSpec,
        SignatureValidationSpec,
    )
    from pyhanko_certvalidator.context import CertValidationPolicySpec
    from pyhanko_certvalidator.ltv.types import ValidationTimingInfo
    from pyhanko_certvalidator.policy_decl import REQUIRE_REVINFO, CertRevTrustPolicy
    from pyhanko_certvalidator.registry import SimpleTrustManager

    policy = CertValidationPolicySpec(
        trust_manager=SimpleTrustManager.build(trust_roots=roots),
        revinfo_policy=CertRevTrustPolicy(REQUIRE_REVINFO),
    )
    spec = PdfSignatureValidationSpec(
        SignatureValidationSpec(
            cert_validation_policy=policy,
            revinfo_gathering_policy=RevocationInfoGatheringSpec(
                online_fetching_rule=RevinfoOnlineFetchingRule.LOCAL_ONLY,
                certificate_fetching_rule=CertificateFetchingRule.NEVER_FETCH,
            ),
        )
    )
    seal = PdfFileReader(io.BytesIO(pdf)).embedded_regular_signatures[0]
    return asyncio.run(
        ades_lta_validation(seal, spec, timing_info=ValidationTimingInfo(at, at, False))
    )


def test_the_demo_seal_is_b_lta_and_checks_out_offline_with_every_tool(
    tmp_path: Path, tsa: LoopbackTSA
) -> None:
    """The demo agreement, signed by every party and sealed with the loopback authority
    configured: pdfsig, pyHanko's CLI, pyHanko's AdES validation with fetching forbidden
    and `agreements verify` all accept it and report the time stamp."""
    require_libreoffice()
    settings = {
        "AGREEMENTS_TIMESTAMP_URL": tsa.url,
        "AGREEMENTS_SEAL_TRUST_ROOTS": json.dumps([str(tsa.root_pem)]),
    }
    demo = run_cli(["demo"], tmp_path, **settings)
    assert demo.returncode == 0, demo.stderr
    pdf_path = tmp_path / "demo-agreement.pdf"
    pdf = pdf_path.read_bytes()
    settings_used = Settings(data_dir=tmp_path)  # what the CLI process ran with
    seal_pem = _seal_cert_pem(
        settings_used.effective_seal_pkcs12, settings_used.effective_seal_password, tmp_path
    )
    _leaf, chain = load_pkcs12_chain(
        settings_used.effective_seal_pkcs12, settings_used.effective_seal_password
    )
    seal_ca_pem = tmp_path / "seal-ca.crt.pem"
    seal_ca_pem.write_bytes(b"".join(c.public_bytes(serialization.Encoding.PEM) for c in chain))

    reader = PdfFileReader(io.BytesIO(pdf))
    assert [s.field_name for s in reader.embedded_regular_signatures] == ["Zegel"]
    assert [s.field_name for s in reader.embedded_timestamp_signatures] == [ARCHIVE_TIMESTAMP_FIELD]
    # (c) The validation data is in the file: certificates and the TSA's CRL.
    dss = DocumentSecurityStore.read_dss(reader)
    subjects = {c.subject.native.get("common_name") for c in dss.load_certs()}
    assert {"Testtijd TSA", "Testtijd Root CA"} <= subjects
    assert "Het Vierde Huis" in " ".join(str(s) for s in subjects)
    assert len(dss.crls) >= 1

    with tsa.offline():
        # (a) pdfsig, its NSS store trusting the seal's CA: the seal valid and trusted,
        # and the archive time stamp by the authority.
        nss = _nss_store(tmp_path / "nss", [seal_ca_pem, tsa.root_pem])
        sig = subprocess.run(
            ["pdfsig", "-nssdir", nss, str(pdf_path)], capture_output=True, text=True, timeout=60
        )
        assert sig.returncode == 0, sig.stderr
        seal_part, _, stamp_part = sig.stdout.partition("Signature #2:")
        assert "Signature Field Name: Zegel" in seal_part
        assert "Signature Validation: Signature is Valid." in seal_part
        assert "Certificate Validation: Certificate is Trusted." in seal_part
        assert f"Signature Field Name: {ARCHIVE_TIMESTAMP_FIELD}" in stamp_part
        assert "Signer Certificate Common Name: Testtijd TSA" in stamp_part

        # (b) pyHanko's own CLI, the seal certificate and the TSA's root trusted.
        trust = ["--trust", str(seal_pem), "--trust", str(tsa.root_pem), "--trust-replace"]
        checked = _pyhanko(
            "sign", "validate", "--pretty-print", *trust, "--no-revocation-check", str(pdf_path)
        )
        assert checked.returncode == 0, checked.stdout + checked.stderr
        assert "The signature is judged VALID." in checked.stdout
        assert "Signature timestamp token:" in checked.stdout
        assert "The TSA certificate is trusted." in checked.stdout
        assert "All modifications relate to signature maintenance" in checked.stdout
        # and its AdES validation, revocation checked from the embedded data only,
        # now and five years on.
        later = (datetime.now(UTC) + timedelta(days=5 * 365)).isoformat()
        for extra in ([], ["--validation-time", later]):
            ades = _pyhanko(
                "sign", "adesverify", "--executive-summary", *trust, *extra, str(pdf_path)
            )
            assert ades.returncode == 0, ades.stdout + ades.stderr
            assert ades.stdout.strip().endswith(":VALID"), ades.stdout

        # (c) pyHanko's B-LTA validation with every fetch forbidden and revocation required.
        roots = [_asn1_pem(seal_pem), _asn1_pem(tsa.root_pem)]
        result = _ades_lta_offline(pdf, roots, datetime.now(UTC))
        assert result.api_status is not None and result.api_status.bottom_line, result
        assert str(result.ades_subindic) == "AdESPassed.OK", result.failure_msg
        assert result.oldest_evidence_record_timestamp is not None

        # (d) Our own check.
        ours = run_cli(["verify", str(pdf_path)], tmp_path, **settings)
        assert ours.returncode == 0, ours.stderr
        said = " ".join(ours.stdout.split())  # the console wraps long lines
        assert "authentic" in said
        assert "time stamp: " in said and "Common Name: Testtijd TSA" in said
        assert "validation data embedded" in said
        assert "archive time stamp: " in said


def test_without_a_time_stamp_authority_the_seal_is_b_b(p12: Path) -> None:
    sealed = _seal(_text_pdf(), p12, None)
    reader = PdfFileReader(io.BytesIO(sealed))
    assert "/DSS" not in reader.root
    assert reader.embedded_timestamp_signatures == []
    report = verify_pdf(sealed, trusted_certs=[load_pkcs12_certificate(p12, PASSWORD)])
    assert report.ok and report.covers_whole_file
    assert not report.timestamped and not report.validation_data and report.archived_at is None


def test_a_b_lta_seal_verifies_and_nothing_else_may_follow_it(
    p12: Path, tsa: LoopbackTSA, tmp_path: Path
) -> None:
    """Validation data and document time stamps may follow the seal; a page, a changed
    title, or a stranger's certificate may not; the TSA's root vouches for chains only."""
    sealed = _seal(_text_pdf(), p12, tsa)
    ours = [load_pkcs12_certificate(p12, PASSWORD)]
    root = [_asn1_pem(tsa.root_pem)]
    report = verify_pdf(sealed, trusted_certs=ours, trust_roots=root)
    assert report.ok, report.detail
    assert report.timestamped and report.validation_data
    assert report.timestamp_authority and "Testtijd TSA" in report.timestamp_authority
    assert report.archived_at is not None and report.signed_at is not None
    assert abs(report.signed_at - datetime.now(UTC)) < timedelta(minutes=5)
    assert not report.covers_whole_file  # the DSS and the archive time stamp follow it

    # Without the TSA's root the seal still holds; only the time is not claimed.
    bare = verify_pdf(sealed, trusted_certs=ours)
    assert bare.ok and not bare.timestamped and bare.archived_at is None

    # The TSA's root as a trust root does not make it our seal.
    assert verify_pdf(sealed, trusted_certs=[], trust_roots=root).outcome is (
        Outcome.UNTRUSTED_SIGNER
    )

    # Renewing the archive time stamp (what keeps a file checkable for decades) is
    # allowed, and the file is still the one the service recorded.
    recorded = hashlib.sha256(sealed).hexdigest()
    stamper = PdfTimeStamper(HTTPTimeStamper(tsa.url))
    context = validation_context(p12, PASSWORD, [tsa.root_pem])
    renewed = stamper.update_archival_timestamp_chain(
        PdfFileReader(io.BytesIO(sealed)), context, in_place=False
    ).getvalue()
    assert len(PdfFileReader(io.BytesIO(renewed)).embedded_timestamp_signatures) == 2
    again = verify_pdf(renewed, trusted_certs=ours, trust_roots=root, known_hash=recorded.__eq__)
    assert again.ok and again.recorded_sha256 == recorded, again.detail
    assert again.archived_at is not None and again.archived_at > report.archived_at

    for change in ("page", "title"):
        writer = PdfWriter(io.BytesIO(sealed), incremental=True)
        if change == "page":
            writer.add_blank_page(595, 842)
        else:
            writer.add_metadata({"/Title": "Een andere overeenkomst"})
        out = io.BytesIO()
        writer.write(out)
        tampered = verify_pdf(out.getvalue(), trusted_certs=ours, trust_roots=root)
        assert tampered.outcome is Outcome.APPENDED_CONTENT, (change, tampered.detail)


def test_a_silent_time_stamp_authority_fails_the_seal_and_it_is_retried(
    world, pool, smtp, tsa: LoopbackTSA
) -> None:
    """A TSA that does not answer: the seal fails with a clear reason on the version,
    nothing is marked sealed or sent, and the retry with a working authority seals it."""
    _inbox, port = smtp
    silent = f"http://127.0.0.1:{free_port()}/tsa"
    roots = [tsa.root_pem]
    with signing_app(world, pool, smtp_port=port, timestamp_url=silent, seal_trust_roots=roots) as (
        client,
        deps,
    ):
        version_id, _requests = fully_signed(client, world, deps)
        with pytest.raises(SealError, match="time stamp authority"):
            tasks.finish_document.call_local(version_id)
        with deps.db() as session:
            version = session.get(DocumentVersion, version_id)
            assert version.finish_status is FinishStatus.FAILED
            assert "time stamp authority gave no time stamp" in version.finish_error
            assert version.sealed_sha256 is None and version.sealed_at is None
            sealed_audits = session.scalar(
                select(func.count()).where(
                    AuditEntry.action == "document.sealed",
                    AuditEntry.subject_id == str(version_id),
                )
            )
            assert sealed_audits == 0
        h = world.headers("coordinator")
        assert client.get(
            f"/api/v1/document-versions/{version_id}/sealed.pdf", headers=h
        ).status_code in (404, 409)
    with signing_app(
        world, pool, smtp_port=port, timestamp_url=tsa.url, seal_trust_roots=roots
    ) as (client, deps):
        assert tasks.finish_document.call_local(version_id) == "done"
        sealed = client.get(f"/api/v1/document-versions/{version_id}/sealed.pdf", headers=h)
        assert sealed.status_code == 200
        cert = load_pkcs12_certificate(
            deps.settings.effective_seal_pkcs12, deps.settings.effective_seal_password
        )
        report = verify_pdf(
            sealed.content, trusted_certs=[cert], trust_roots=[tsa.root_pem.read_bytes()]
        )
        assert report.ok and report.timestamped and report.validation_data, report.detail
