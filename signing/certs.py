"""Development signing keys and certificates as PKCS#12 files, and loading certificates back."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import TypeAlias

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

from signing.errors import SealError

DEV_COMMON_NAME = "Het Vierde Huis (ontwikkelsleutel)"
DEV_ORGANISATION = "Het Vierde Huis"
DEV_CA_COMMON_NAME = "Ontwikkel-CA (niet voor productie)"

# Microsoft's "document signing" purpose: PDF readers that check extended key usage accept it.
_DOCUMENT_SIGNING = ObjectIdentifier("1.3.6.1.4.1.311.10.3.12")


class KeyAlgorithm(StrEnum):
    """Key types for the organisation's seal; ECDSA P-256 signs about ten times faster."""

    ECDSA_P256 = "ecdsa-p256"
    RSA_3072 = "rsa-3072"


PrivateKey: TypeAlias = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey


def make_dev_certificate(
    path: Path | str,
    password: str | bytes,
    *,
    algorithm: KeyAlgorithm = KeyAlgorithm.ECDSA_P256,
    common_name: str = DEV_COMMON_NAME,
    organisation: str = DEV_ORGANISATION,
    valid_days: int = 3650,
    now: datetime | None = None,
) -> Path:
    """Write a new seal key and certificate to `path` as password-protected PKCS#12.

    The certificate is issued by a development CA of its own, whose certificate the
    PKCS#12 file carries (its key is thrown away): a chain like a real one, so tools that
    trust a CA rather than a single certificate (pdfsig's NSS store) can be told to trust
    it. Overwrites an existing file: use `ensure_dev_certificate` to keep one that exists.
    """
    target = Path(path)
    start = (now or datetime.now(UTC)) - timedelta(minutes=5)
    end = start + timedelta(days=valid_days)
    ca_key, key = _new_key(algorithm), _new_key(algorithm)
    ca_name = _name(organisation, DEV_CA_COMMON_NAME)
    ca_certificate = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(key_cert_sign=True, crl_sign=True), critical=True)
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    certificate = (
        x509.CertificateBuilder()
        .subject_name(_name(organisation, common_name))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(digital_signature=True, content_commitment=True), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage([_DOCUMENT_SIGNING, ExtendedKeyUsageOID.EMAIL_PROTECTION]),
            critical=False,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    blob = pkcs12.serialize_key_and_certificates(
        name=common_name.encode("utf-8"),
        key=key,
        cert=certificate,
        cas=[ca_certificate],
        encryption_algorithm=serialization.BestAvailableEncryption(_as_bytes(password)),
    )
    _write_private(target, blob)
    return target


def _name(organisation: str, common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "NL"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _key_usage(
    *,
    digital_signature: bool = False,
    content_commitment: bool = False,
    key_cert_sign: bool = False,
    crl_sign: bool = False,
) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=digital_signature,
        content_commitment=content_commitment,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=key_cert_sign,
        crl_sign=crl_sign,
        encipher_only=False,
        decipher_only=False,
    )


def ensure_dev_certificate(
    path: Path | str,
    password: str | bytes,
    *,
    algorithm: KeyAlgorithm = KeyAlgorithm.ECDSA_P256,
) -> Path:
    """Return `path`, creating a development certificate there only if none exists yet."""
    target = Path(path)
    if target.exists():
        return target
    return make_dev_certificate(target, password, algorithm=algorithm)


def load_pkcs12_certificate(path: Path | str, password: str | bytes) -> x509.Certificate:
    """The certificate inside a PKCS#12 file: what verification trusts for our own seal."""
    return load_pkcs12_chain(path, password)[0]


def load_pkcs12_chain(
    path: Path | str, password: str | bytes
) -> tuple[x509.Certificate, list[x509.Certificate]]:
    """The seal certificate in a PKCS#12 file and the CA certificates that came with it."""
    try:
        _key, certificate, chain = pkcs12.load_key_and_certificates(
            Path(path).read_bytes(), _as_bytes(password)
        )
    except (OSError, ValueError) as exc:
        raise SealError(f"cannot read PKCS#12 file {path}: {exc}") from exc
    if certificate is None:
        raise SealError(f"PKCS#12 file {path} holds no certificate")
    return certificate, list(chain)


def load_pem_certificates(paths: Iterable[Path | str]) -> list[x509.Certificate]:
    """Every certificate in these PEM files (a file may hold several): extra trust roots."""
    found: list[x509.Certificate] = []
    for path in paths:
        try:
            certificates = x509.load_pem_x509_certificates(Path(path).read_bytes())
        except (OSError, ValueError) as exc:
            raise SealError(f"cannot read trust roots from {path}: {exc}") from exc
        found.extend(certificates)
    return found


def is_self_signed(certificate: x509.Certificate) -> bool:
    """Issued by itself and signed with its own key: a root, or a development certificate."""
    if certificate.issuer != certificate.subject:
        return False
    try:
        certificate.verify_directly_issued_by(certificate)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def _new_key(algorithm: KeyAlgorithm) -> PrivateKey:
    if algorithm is KeyAlgorithm.RSA_3072:
        return rsa.generate_private_key(public_exponent=65537, key_size=3072)
    return ec.generate_private_key(ec.SECP256R1())


def _write_private(target: Path, blob: bytes) -> None:
    # Write to a private temporary file and rename, so a reader never sees half a key file
    # and the key is never readable by others, not even for a moment.
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".p12-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(blob)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _as_bytes(password: str | bytes) -> bytes:
    return password.encode("utf-8") if isinstance(password, str) else password
