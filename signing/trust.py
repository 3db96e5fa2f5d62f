"""Which certificates a verification trusts: only the organisation's own seal certificates
and the roots it names, never the operating system's store and never the network, so that
verification gives the same answer offline, years later."""

from __future__ import annotations

from typing import TypeAlias

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from pyhanko_certvalidator import ValidationContext

TrustedCert: TypeAlias = x509.Certificate | asn1_x509.Certificate | bytes


def validation_context(trusted: list[TrustedCert]) -> ValidationContext:
    """A context trusting exactly `trusted`, with fetching off and revocation soft-fail."""
    return ValidationContext(
        trust_roots=[as_asn1(c) for c in trusted],
        allow_fetching=False,
        revocation_mode="soft-fail",
    )


def as_asn1(cert: TrustedCert) -> asn1_x509.Certificate:
    """A certificate given as cryptography object, asn1crypto object, DER or PEM."""
    if isinstance(cert, asn1_x509.Certificate):
        return cert
    if isinstance(cert, x509.Certificate):
        return asn1_x509.Certificate.load(cert.public_bytes(Encoding.DER))
    if cert.lstrip().startswith(b"-----BEGIN"):
        return asn1_x509.Certificate.load(
            x509.load_pem_x509_certificate(cert).public_bytes(Encoding.DER)
        )
    return asn1_x509.Certificate.load(cert)
