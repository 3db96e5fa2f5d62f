"""Signature evidence: what is kept per signature, its canonical JSON and hash, and the bundle."""

from __future__ import annotations

import hashlib
import io
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from signing.text import text_problem

EVIDENCE_FORMAT = "signing-evidence/1"
EVIDENCE_FILENAME = "ondertekening.json"
"""Name of the embedded evidence file; `verify` looks for exactly this name."""
SIGNED_DOCUMENT_FILENAME = "ondertekend-document.pdf"
"""Name of the embedded copy of the exact bytes the parties signed (each signature's
`document_sha256`); `verify` recomputes its hash, and so can anyone with `sha256sum`."""

_SHA256_HEX = re.compile(r"[0-9a-f]{64}")
# Shown on the evidence page of the sealed PDF: text the renderer would refuse would make the
# document unsealable for ever, so it is refused here, when the party signs.
_ONE_LINE = (
    "party_role",
    "party_name",
    "typed_name",
    "consent_version",
    "witness_name",
    "organisation",
    "signatory_function",
    "signatory_mandate",
    "signed_in_as",
)
# Fields added after evidence was first written: left out of the JSON when empty, so that the
# canonical JSON (and so the hash) of every older record stays exactly what it was.
_LATER_FIELDS = ("organisation", "signatory_function", "signatory_mandate", "signed_in_as")
_MULTI_LINE = ("consent_text", "decline_reason")
_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


class Identification(StrEnum):
    """How the signer was identified."""

    LINK = "link"
    STAFF_SESSION = "staff_session"
    IN_PERSON = "in_person"
    # A link plus a one-time code that reached the same party a second way.
    LINK_EMAIL_CODE = "link+email_code"
    LINK_SMS_CODE = "link+sms_code"
    LINK_CODE_READ_OUT = "link+code_read_out"

    @property
    def description_nl(self) -> str:
        return _IDENTIFICATION_NL[self]


class RepresentativeCapacity(StrEnum):
    """The legal capacity in which a representative signs for or with the tenant."""

    ADMINISTRATOR = "administrator"
    MENTOR = "mentor"
    CURATOR = "curator"

    @property
    def description_nl(self) -> str:
        return _CAPACITY_NL[self]


_IDENTIFICATION_NL = {
    Identification.LINK: "via een persoonlijke link",
    Identification.STAFF_SESSION: "ingelogd als medewerker",
    Identification.IN_PERSON: "persoonlijk, in aanwezigheid van een getuige",
    Identification.LINK_EMAIL_CODE: "via een persoonlijke link en een code per e-mail",
    Identification.LINK_SMS_CODE: "via een persoonlijke link en een code per sms",
    Identification.LINK_CODE_READ_OUT: (
        "via een persoonlijke link en een code die de coördinator voorlas"
    ),
}
_CAPACITY_NL = {
    RepresentativeCapacity.ADMINISTRATOR: "bewindvoerder",
    RepresentativeCapacity.MENTOR: "mentor",
    RepresentativeCapacity.CURATOR: "curator",
}


@dataclass(frozen=True, slots=True)
class SignatureEvidence:
    """One party's act of signing (or declining) one exact document version."""

    party_role: str
    party_name: str
    identified_by: Identification
    document_sha256: str
    signed_at: datetime
    consent_text: str
    consent_version: str
    typed_name: str
    ip: str | None = None
    user_agent: str | None = None
    representative_capacity: RepresentativeCapacity | None = None
    drawn_signature_sha256: str | None = None
    witness_name: str | None = None
    declined: bool = False
    decline_reason: str | None = None
    # For an organisation: the organisation signed for, and the natural person's function and
    # mandate (on what authority they sign); `typed_name` is that person's name.
    organisation: str | None = None
    signatory_function: str | None = None
    signatory_mandate: str | None = None
    # For a staff session: the account that was logged in (name and e-mail address).
    signed_in_as: str | None = None

    def __post_init__(self) -> None:
        # Evidence is written once and shown to a court later: refuse incoherent records now.
        for name in (*_ONE_LINE, *_MULTI_LINE):
            value = getattr(self, name)
            problem = text_problem(value, multiline=name in _MULTI_LINE) if value else None
            if problem:
                raise ValueError(f"{name}: {problem}")
        _require_sha256(self.document_sha256, "document_sha256")
        if self.drawn_signature_sha256 is not None:
            _require_sha256(self.drawn_signature_sha256, "drawn_signature_sha256")
        if self.signed_at.tzinfo is None or self.signed_at.utcoffset() is None:
            raise ValueError("signed_at must be a timezone-aware datetime")
        if not self.party_role.strip() or not self.party_name.strip():
            raise ValueError("party_role and party_name are required")
        if not self.consent_version.strip():
            raise ValueError("consent_version is required")
        if self.identified_by is Identification.IN_PERSON and not self.witness_name:
            raise ValueError("an in-person signature needs a witness")
        if self.declined and not (self.decline_reason or "").strip():
            raise ValueError("a declined signature needs a reason")
        if not self.declined and self.decline_reason is not None:
            raise ValueError("a decline reason belongs only to a declined signature")
        if not self.declined and not self.typed_name.strip():
            raise ValueError("a signature needs the typed name")
        if self.organisation is not None and not self.declined:
            if not (self.signatory_function or "").strip():
                raise ValueError("a signature for an organisation needs the signer's function")
            if not (self.signatory_mandate or "").strip():
                raise ValueError("a signature for an organisation needs the signer's mandate")

    def as_dict(self) -> dict[str, Any]:
        """The evidence as JSON-ready values: enums as their values, times in UTC."""
        data = asdict(self)
        for name in _LATER_FIELDS:
            if data[name] is None:
                del data[name]
        data["signed_at"] = format_time(self.signed_at)
        data["identified_by"] = self.identified_by.value
        if self.representative_capacity is not None:
            data["representative_capacity"] = self.representative_capacity.value
        return data

    def canonical_json(self) -> bytes:
        """The one byte form of this evidence: sorted keys, no spaces, UTF-8."""
        return canonical_json(self.as_dict())

    def sha256(self) -> str:
        return hashlib.sha256(self.canonical_json()).hexdigest()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SignatureEvidence:
        """Read back what `as_dict` wrote; unknown keys are an error, not silently dropped."""
        names = {f.name for f in fields(cls)}
        extra = set(data) - names
        if extra:
            raise ValueError(f"unknown evidence fields: {sorted(extra)}")
        values = dict(data)
        values["signed_at"] = parse_time(values["signed_at"])
        values["identified_by"] = Identification(values["identified_by"])
        if values.get("representative_capacity") is not None:
            values["representative_capacity"] = RepresentativeCapacity(
                values["representative_capacity"]
            )
        return cls(**values)


@dataclass(frozen=True, slots=True)
class DocumentIdentity:
    """Which document version the evidence is about, in terms the library understands."""

    document_id: str
    version: str
    sha256: str
    title: str = ""

    def __post_init__(self) -> None:
        _require_sha256(self.sha256, "sha256")


def evidence_bundle(
    document: DocumentIdentity,
    evidence: Sequence[SignatureEvidence],
    *,
    generated_at: datetime,
    signed_document_size: int | None = None,
) -> bytes:
    """The evidence of all parties for one document as canonical JSON, ready to embed.

    Every record must be about exactly this document version; a record about another
    version in the bundle would let an old signature pass for a new text. Times are UTC,
    ISO 8601 (`2026-10-25T00:30:00.000000Z`). With `signed_document_size`, the bundle also
    names the embedded copy of the signed bytes (`attach_evidence(signed_document=...)`).
    """
    if generated_at.tzinfo is None:
        raise ValueError("generated_at must be a timezone-aware datetime")
    strangers = [e.party_name for e in evidence if e.document_sha256 != document.sha256]
    if strangers:
        raise ValueError(f"evidence about another document version: {strangers}")
    ordered = sorted(evidence, key=lambda e: (e.signed_at, e.party_role, e.party_name))
    bundle = {
        "format": EVIDENCE_FORMAT,
        "generated_at": format_time(generated_at),
        "document": asdict(document),
        "signatures": [{**e.as_dict(), "evidence_sha256": e.sha256()} for e in ordered],
    }
    if signed_document_size is not None:
        bundle["signed_document"] = {
            "file": SIGNED_DOCUMENT_FILENAME,
            "sha256": document.sha256,
            "size": signed_document_size,
        }
    return canonical_json(bundle)


def attach_evidence(pdf: bytes, bundle: bytes, *, signed_document: bytes | None = None) -> bytes:
    """Return `pdf` with `bundle` embedded as EVIDENCE_FILENAME and, when given, the signed
    bytes as SIGNED_DOCUMENT_FILENAME (AFRelationship /Source: what this file was made
    from), both listed as the document's associated files; do this before sealing."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import ArrayObject, ByteStringObject, NameObject, NumberObject

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    files = [(EVIDENCE_FILENAME, bundle, "/application/json", "/Data", "Ondertekeningsbewijs")]
    if signed_document is not None:
        files.append(
            (
                SIGNED_DOCUMENT_FILENAME,
                signed_document,
                "/application/pdf",
                "/Source",
                "Het document precies zoals de partijen het hebben ondertekend",
            )
        )
    associated = writer.root_object.get("/AF")
    associated = ArrayObject(associated.get_object() if associated is not None else [])
    for name, data, subtype, relationship, description in files:
        attachment = writer.add_attachment(name, data)
        attachment.subtype = NameObject(subtype)
        attachment.associated_file_relationship = NameObject(relationship)
        attachment.description = _text(description)
        attachment.size = NumberObject(len(data))
        attachment.checksum = ByteStringObject(hashlib.md5(data, usedforsecurity=False).digest())
        attachment.pdf_object[NameObject("/UF")] = _text(name)
        associated.append(attachment.pdf_object.indirect_reference)
    writer.root_object[NameObject("/AF")] = associated
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _text(value: str) -> Any:
    from pypdf.generic import create_string_object

    return create_string_object(value)


def canonical_json(value: Mapping[str, Any]) -> bytes:
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def format_time(moment: datetime) -> str:
    """An aware time in UTC with fixed microsecond precision, so equal moments print alike."""
    return moment.astimezone(UTC).strftime(_TIME_FORMAT)


def parse_time(text: str) -> datetime:
    return datetime.strptime(text, _TIME_FORMAT).replace(tzinfo=UTC)


def _require_sha256(value: str, name: str) -> None:
    if not _SHA256_HEX.fullmatch(value):
        raise ValueError(f"{name} must be 64 lowercase hexadecimal characters")
