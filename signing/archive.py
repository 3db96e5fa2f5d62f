"""Keeping a sealed PDF checkable for decades: its archive time stamp and their renewal.

A PAdES B-LTA file ends with a document time stamp. That stamp is only as good as the
certificate of the authority that made it (and its hash algorithm): before that
certificate expires, a new document time stamp goes over the whole file, with the
validation data of the previous one added to the DSS first (PAdES "LTA renewal", pyHanko's
`update_archival_timestamp_chain`). Each renewal is an incremental update: the earlier
bytes stay a prefix of the new file and verify as they did.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.signers import PdfTimeStamper
from pyhanko.sign.timestamps import HTTPTimeStamper, TimeStamper
from pyhanko.sign.timestamps.common_utils import TimestampRequestError

from signing.errors import SealError
from signing.seal import (
    ARCHIVE_TIMESTAMP_FIELD,
    TIMESTAMP_TIMEOUT_SECONDS,
    _refuse_inside_event_loop,
    validation_context,
)


@dataclass(frozen=True, slots=True)
class ArchiveStamp:
    """The latest document time stamp of a file: how many there are, and until when the
    certificate of the authority that made the latest one is valid."""

    count: int
    authority: str
    expires_at: datetime


def latest_archive_stamp(pdf: bytes) -> ArchiveStamp | None:
    """The file's latest document time stamp, or None (a PAdES B-B seal has none)."""
    stamps = PdfFileReader(io.BytesIO(pdf), strict=False).embedded_timestamp_signatures
    if not stamps:
        return None
    cert = stamps[-1].signer_cert
    return ArchiveStamp(
        len(stamps),
        str(cert.subject.human_friendly),
        cert["tbs_certificate"]["validity"]["not_after"].native,
    )


def renew_archive_stamp(
    pdf: bytes,
    *,
    pkcs12_path: Path | str,
    password: str | bytes,
    timestamp_url: str | None = None,
    timestamper: TimeStamper | None = None,
    trust_roots: Sequence[Path | str] = (),
) -> bytes:
    """`pdf` with one more document time stamp over it all, the previous stamp's
    certificates and revocation data added to the DSS first; the earlier bytes unchanged."""
    _refuse_inside_event_loop()
    if timestamper is None:
        if not timestamp_url:
            raise SealError("renewing an archive time stamp needs a time stamp authority")
        timestamper = HTTPTimeStamper(timestamp_url, timeout=TIMESTAMP_TIMEOUT_SECONDS)
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    number = len(reader.embedded_timestamp_signatures) + 1
    stamper = PdfTimeStamper(timestamper, field_name=f"{ARCHIVE_TIMESTAMP_FIELD} {number}")
    try:
        output = stamper.update_archival_timestamp_chain(
            reader, validation_context(pkcs12_path, password, trust_roots), in_place=False
        )
    except TimestampRequestError as exc:
        raise SealError(f"the time stamp authority gave no time stamp: {exc}") from exc
    except Exception as exc:  # pyHanko's many types; callers need one, with the message
        raise SealError(f"the archive time stamp could not be renewed: {exc}") from exc
    return bytes(output.getbuffer())
