"""Verification of a sealed PDF: the seal, its coverage, the signer's trust and the known hash."""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import io
import logging
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from pyhanko.pdf_utils.generic import IndirectObject
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import validate_pdf_signature, validate_pdf_timestamp
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.status import (
    DocumentTimestampStatus,
    PdfSignatureStatus,
    SignatureCoverageLevel,
)

from signing.attachments import embedded_evidence, signed_copy
from signing.evidence import SIGNED_DOCUMENT_FILENAME
from signing.trust import TrustedCert, as_asn1, validation_context

logger = logging.getLogger(__name__)

_EOF = re.compile(rb"%%EOF(?:\r\n|\r|\n)?")
_MAX_ENDS = 64


class Outcome(StrEnum):
    """Why a PDF is, or is not, an authentic sealed document; English and Dutch text."""

    AUTHENTIC = "authentic"
    MALFORMED = "malformed"
    NO_SIGNATURE = "no_signature"
    NOT_A_SEAL = "not_a_seal"
    INVALID_SIGNATURE = "invalid_signature"
    APPENDED_CONTENT = "appended_content"
    UNTRUSTED_SIGNER = "untrusted_signer"
    UNKNOWN_HASH = "unknown_hash"
    SIGNED_COPY_MISMATCH = "signed_copy_mismatch"

    @property
    def message(self) -> str:
        return _MESSAGES[self][0]

    @property
    def message_nl(self) -> str:
        return _MESSAGES[self][1]


_MESSAGES = {
    Outcome.AUTHENTIC: (
        "The document is authentic and unchanged since it was sealed.",
        "Het document is echt en niet gewijzigd sinds het werd verzegeld.",
    ),
    Outcome.MALFORMED: ("The file is not a readable PDF.", "Het bestand is geen leesbare pdf."),
    Outcome.NO_SIGNATURE: (
        "The PDF carries no signature.",
        "De pdf heeft geen handtekening of zegel.",
    ),
    Outcome.NOT_A_SEAL: (
        "The PDF is signed, but not with a certifying seal.",
        "De pdf is ondertekend, maar niet verzegeld.",
    ),
    Outcome.INVALID_SIGNATURE: (
        "The seal is invalid: bytes were altered after sealing.",
        "Het zegel is ongeldig: het document is na het verzegelen gewijzigd.",
    ),
    Outcome.APPENDED_CONTENT: (
        "Content was appended after the seal.",
        "Na het verzegelen is er iets aan het document toegevoegd.",
    ),
    Outcome.UNTRUSTED_SIGNER: (
        "The seal was not made with the organisation's certificate.",
        "Het zegel is niet gezet met het certificaat van de organisatie.",
    ),
    Outcome.UNKNOWN_HASH: (
        "The service never produced this document.",
        "Dit document is niet door de dienst gemaakt.",
    ),
    Outcome.SIGNED_COPY_MISMATCH: (
        f"The attachment {SIGNED_DOCUMENT_FILENAME} is not the document the parties signed: "
        "its SHA-256 differs from the one in their signatures.",
        f"De bijlage {SIGNED_DOCUMENT_FILENAME} is niet het document dat de partijen hebben "
        "ondertekend: de vingerafdruk klopt niet met hun handtekeningen.",
    ),
}


@dataclass(frozen=True, slots=True)
class VerificationReport:
    """What verification found; `ok` only when every check passed."""

    outcome: Outcome
    file_sha256: str
    detail: str = ""
    signed_revision_sha256: str | None = None
    recorded_sha256: str | None = None
    """Which hash `known_hash` knew: the file as the service wrote it (before any renewal)."""
    covers_whole_file: bool = False
    signer_subject: str | None = None
    signer_certificate_sha256: str | None = None
    signed_at: datetime | None = None
    timestamped: bool = False
    """True when `signed_at` comes from a time stamp authority the caller trusts."""
    timestamp_authority: str | None = None
    """The subject of the trusted time stamp authority's certificate, when timestamped."""
    validation_data: bool = False
    """True when the file carries validation data (a DSS) for long-term validation."""
    archived_at: datetime | None = None
    """The time of the trusted document time stamp over the seal and its data (B-LTA)."""
    intact: bool | None = None
    trusted: bool | None = None
    modification_level: str | None = None
    docmdp_ok: bool | None = None
    evidence: Mapping[str, Any] | None = None
    signed_document_sha256: str | None = None
    """The SHA-256 of the embedded signed document (SIGNED_DOCUMENT_FILENAME), recomputed."""
    signed_document_matches: bool | None = None
    """True when that hash is every signature's `document_sha256` in the embedded evidence;
    None when the file carries no such attachment or no signatures (sealed before both)."""

    @property
    def ok(self) -> bool:
        return self.outcome is Outcome.AUTHENTIC

    @property
    def reason(self) -> str:
        return self.outcome.message

    @property
    def reason_nl(self) -> str:
        return self.outcome.message_nl


def verify_pdf(
    pdf: bytes,
    *,
    trusted_certs: Iterable[TrustedCert],
    trust_roots: Iterable[TrustedCert] = (),
    known_hash: Callable[[str], bool] | None = None,
) -> VerificationReport:
    """Check that `pdf` is sealed by a trusted certificate and unchanged since.

    Only a seal made with one of `trusted_certs` (the organisation's own) is authentic;
    `trust_roots` are the roots its chain and the time stamps' chains may lead to (the
    time stamp authority's root, a qualified seal's CA). After the seal, only validation
    data and a trusted document time stamp over the whole file may follow (PAdES B-LTA).
    `known_hash` receives the SHA-256 of the signed revision, then of the file as it ended
    after each later revision, then of the whole file, and says whether the service
    produced it (one yes is enough). A bad file never raises: every problem is a
    report with `ok` False.
    Synchronous (pyHanko runs its own event loop): from async code, call it through
    `asyncio.to_thread`; calling it inside a running loop raises RuntimeError.
    """
    _refuse_inside_event_loop()
    file_sha256 = hashlib.sha256(pdf).hexdigest()
    try:
        return _verify(pdf, file_sha256, list(trusted_certs), list(trust_roots), known_hash)
    except Exception as exc:
        # A hostile file can break a parser in ways no list of exception types foresees;
        # the caller wants a verdict, and "not authentic" is the only safe one.
        logger.info("pdf verification failed unexpectedly", exc_info=True)
        return VerificationReport(Outcome.MALFORMED, file_sha256, detail=_describe(exc))


def _verify(
    pdf: bytes,
    file_sha256: str,
    trusted: list[TrustedCert],
    roots: list[TrustedCert],
    known_hash: Callable[[str], bool] | None,
) -> VerificationReport:
    if b"%PDF-" not in pdf[:1024]:
        return VerificationReport(Outcome.MALFORMED, file_sha256, detail="no PDF header")
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        signatures = reader.embedded_regular_signatures
    except Exception as exc:
        return VerificationReport(Outcome.MALFORMED, file_sha256, detail=_describe(exc))
    if not signatures:
        return VerificationReport(Outcome.NO_SIGNATURE, file_sha256)
    seals = [s for s in signatures if s.docmdp_level is not None]
    if not seals:
        return VerificationReport(
            Outcome.NOT_A_SEAL, file_sha256, signer_subject=_subject(signatures[0])
        )
    seal = seals[0]
    revision_sha256 = hashlib.sha256(pdf[: _signed_end(seal)]).hexdigest()
    pinned = {as_asn1(c).sha256 for c in trusted}
    try:
        status = validate_pdf_signature(seal, validation_context(trusted + roots))
        archive = _archive_timestamp(reader, trusted + roots)
    except Exception as exc:
        return VerificationReport(
            Outcome.INVALID_SIGNATURE,
            file_sha256,
            detail=_describe(exc),
            signed_revision_sha256=revision_sha256,
            signer_subject=_subject(seal),
        )
    outcome = _judge(status, archive, pinned, info_unchanged=_info_unchanged(reader, seal))
    copy: tuple[str | None, bool | None] = (None, None)
    if outcome is Outcome.AUTHENTIC:
        copy = signed_copy(reader)
        if copy[1] is False:
            outcome = Outcome.SIGNED_COPY_MISMATCH
    recorded = None
    if outcome is Outcome.AUTHENTIC and known_hash is not None:
        recorded = next((h for h in _recordable(pdf, seal) if known_hash(h)), None)
        if recorded is None:
            outcome = Outcome.UNKNOWN_HASH
    report = _report(outcome, status, archive, reader, file_sha256, revision_sha256, copy)
    return dataclasses.replace(report, recorded_sha256=recorded)


def _recordable(pdf: bytes, seal: EmbeddedPdfSignature) -> list[str]:
    """The hashes the service may have recorded for this file, in order: the sealed
    revision (B-B), the file as it ended after each later revision (B-LTA as the service
    wrote it, before any renewal of its archive time stamp), the whole file. Only a hash
    the service recorded can match, so trying each end is safe; a hostile file with many
    revisions gets a bounded number of tries."""
    start = _signed_end(seal)
    ends = [start]
    for found in _EOF.finditer(pdf, start):
        ends.extend((found.start() + len(b"%%EOF"), found.end()))
        if len(ends) > _MAX_ENDS:
            break
    hashes = [hashlib.sha256(pdf[:end]).hexdigest() for end in dict.fromkeys(ends)]
    hashes.append(hashlib.sha256(pdf).hexdigest())
    return list(dict.fromkeys(hashes))


def _archive_timestamp(
    reader: PdfFileReader, trusted: list[TrustedCert]
) -> DocumentTimestampStatus | None:
    """The last document time stamp, validated, if the file has one."""
    stamps = reader.embedded_timestamp_signatures
    if not stamps:
        return None
    return validate_pdf_timestamp(stamps[-1], validation_context(trusted))


def _judge(
    status: PdfSignatureStatus,
    archive: DocumentTimestampStatus | None,
    pinned: set[bytes],
    *,
    info_unchanged: bool,
) -> Outcome:
    # Order: a broken signature says nothing about its signer; a stranger's seal makes
    # the question of later additions moot; only then do later revisions matter.
    if not (status.intact and status.valid):
        return Outcome.INVALID_SIGNATURE
    if status.coverage is None or status.coverage < SignatureCoverageLevel.ENTIRE_REVISION:
        return Outcome.INVALID_SIGNATURE
    # A broken time stamp token is tampering; an untrusted TSA only loses us the TSA time.
    ts = status.timestamp_validity
    if ts is not None and not (ts.intact and ts.valid):
        return Outcome.INVALID_SIGNATURE
    if archive is not None and not (archive.intact and archive.valid):
        return Outcome.INVALID_SIGNATURE
    # A chain to a trust root (a CA, a TSA's root) is not enough: the seal must be ours.
    if not status.trusted or status.signing_cert.sha256 not in pinned:
        return Outcome.UNTRUSTED_SIGNER
    # pdfsig calls a file with revisions after the seal "valid"; pyHanko's difference
    # analysis does not, and a "no changes" seal allows nothing at all afterwards, except
    # what long-term validation adds (ISO 32000-2 12.8.2.2): validation data in the DSS
    # and document time stamps (PAdES B-LT, B-LTA, and their later renewal). pyHanko's
    # "signature maintenance" level would also let the document information (title,
    # author) change; we do not.
    if status.docmdp_ok is False:
        return Outcome.APPENDED_CONTENT
    if (
        status.coverage is SignatureCoverageLevel.ENTIRE_FILE
        and status.modification_level is ModificationLevel.NONE
    ):
        return Outcome.AUTHENTIC
    if status.modification_level is ModificationLevel.LTA_UPDATES and info_unchanged:
        return Outcome.AUTHENTIC
    return Outcome.APPENDED_CONTENT


def _report(
    outcome: Outcome,
    status: PdfSignatureStatus,
    archive: DocumentTimestampStatus | None,
    reader: PdfFileReader,
    file_sha256: str,
    revision_sha256: str,
    copy: tuple[str | None, bool | None] = (None, None),
) -> VerificationReport:
    ts = status.timestamp_validity
    trusted_ts = ts if ts is not None and ts.trusted else None
    level = status.modification_level
    covers = status.coverage is SignatureCoverageLevel.ENTIRE_FILE
    trusted_archive = archive if archive is not None and archive.trusted else None
    return VerificationReport(
        outcome,
        file_sha256,
        detail="" if outcome is Outcome.AUTHENTIC else status.summary(),
        signed_revision_sha256=revision_sha256,
        covers_whole_file=covers,
        signer_subject=status.signing_cert.subject.human_friendly,
        signer_certificate_sha256=status.signing_cert.sha256.hex(),
        signed_at=trusted_ts.timestamp if trusted_ts else status.signer_reported_dt,
        timestamped=trusted_ts is not None,
        timestamp_authority=(
            trusted_ts.signing_cert.subject.human_friendly if trusted_ts is not None else None
        ),
        validation_data=_has_dss(reader),
        archived_at=trusted_archive.timestamp if trusted_archive is not None else None,
        intact=status.intact,
        trusted=status.trusted,
        modification_level=level.name if level is not None else None,
        docmdp_ok=status.docmdp_ok,
        evidence=embedded_evidence(reader) if outcome is Outcome.AUTHENTIC else None,
        signed_document_sha256=copy[0],
        signed_document_matches=copy[1],
    )


def _info_unchanged(reader: PdfFileReader, seal: EmbeddedPdfSignature) -> bool:
    """Is the document information dictionary now what it was in the sealed revision?"""

    def info(revision: int) -> dict[str, str] | None:
        # Resolved in that revision: an indirect object's get_object() gives the newest.
        resolver = reader.get_historical_resolver(revision)
        trailer = resolver.trailer_view
        if "/Info" not in trailer:
            return None
        raw = trailer.raw_get("/Info")
        found = resolver(raw.reference) if isinstance(raw, IndirectObject) else raw
        # pyHanko stamps /ModDate on every revision it writes, a renewal's time stamp too
        # (since the package carries XMP); the title, subject and the rest must stay.
        return {str(k): str(v) for k, v in found.items() if str(k) != "/ModDate"}

    return info(seal.signed_revision) == info(reader.xrefs.total_revisions - 1)


def _has_dss(reader: PdfFileReader) -> bool:
    try:
        # Indexing (not .get) dereferences the indirect object.
        return "/DSS" in reader.root and "/Certs" in reader.root["/DSS"]
    except Exception:
        return False


def _signed_end(sig: EmbeddedPdfSignature) -> int:
    # /ByteRange is [0 len1 start2 len2]: the signed revision ends where the second range does.
    byte_range = [int(v) for v in sig.byte_range]
    return byte_range[2] + byte_range[3]


def _subject(sig: EmbeddedPdfSignature) -> str | None:
    try:
        return str(sig.signer_cert.subject.human_friendly)
    except Exception:
        return None


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:500]


def _refuse_inside_event_loop() -> None:
    # pyHanko's synchronous API calls asyncio.run(), which fails inside a running loop;
    # say so plainly instead of letting that surface as a confusing verdict.
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return
    raise RuntimeError("verify_pdf is synchronous: from async code call it with asyncio.to_thread")
