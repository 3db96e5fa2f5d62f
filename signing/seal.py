"""The finishing seal: a PAdES certification signature with the organisation's key (pyHanko)."""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import io
import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from pyhanko.pdf_utils import layout, text
from pyhanko.pdf_utils.font.basic import SimpleFontEngineFactory
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.timestamps import HTTPTimeStamper, TimeStamper
from pyhanko.sign.timestamps.common_utils import TimestampRequestError
from pyhanko.stamp import TextStampStyle
from pyhanko_certvalidator import ValidationContext

from signing.certs import is_self_signed, load_pem_certificates, load_pkcs12_chain
from signing.errors import SealError

TIMESTAMP_TIMEOUT_SECONDS = 10
ARCHIVE_TIMESTAMP_FIELD = "Archieftijdstempel"

_signers: dict[Path, tuple[tuple[int, int, int, str], signers.SimpleSigner]] = {}
_signers_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class SealStamp:
    """A visible seal: its text, drawn in `box` (x1, y1, x2, y2 in PDF points from the
    page's lower left corner) on page `page` (0-based; -1 is the last page)."""

    page: int
    box: tuple[int, int, int, int]
    text: str


def load_signer(pkcs12_path: Path | str, password: str | bytes) -> signers.SimpleSigner:
    """The signer for a PKCS#12 file, loaded once per process and again only when it changes.

    Decrypting a PKCS#12 file costs more than an ECDSA signature, so a fresh load per seal
    would dominate the finishing time. The cache key includes the file's inode, mtime and
    size (a rotated key is picked up) and a digest of the password (a wrong password never
    reaches a signer loaded with the right one).
    """
    path = Path(pkcs12_path).resolve()
    secret = password.encode("utf-8") if isinstance(password, str) else password
    try:
        stat = path.stat()
    except OSError as exc:
        raise SealError(f"cannot read the seal key file {path}: {exc}") from exc
    stamp = (stat.st_ino, stat.st_mtime_ns, stat.st_size, hashlib.sha256(secret).hexdigest())
    with _signers_lock:
        cached = _signers.get(path)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        try:
            signer: signers.SimpleSigner = signers.SimpleSigner.load_pkcs12_data(
                path.read_bytes(), other_certs=(), passphrase=secret
            )
        except (OSError, ValueError) as exc:
            raise SealError(f"cannot load the seal key from {path}: {exc}") from exc
        _signers[path] = (stamp, signer)
        return signer


def forget_signers() -> None:
    """Drop every cached signer (tests, key rotation by hand)."""
    with _signers_lock:
        _signers.clear()


def seal_pdf(
    pdf: bytes,
    *,
    pkcs12_path: Path | str,
    password: str | bytes,
    reason: str,
    location: str,
    contact: str,
    field_name: str = "Zegel",
    timestamp_url: str | None = None,
    timestamper: TimeStamper | None = None,
    trust_roots: Sequence[Path | str] = (),
    stamp: SealStamp | None = None,
) -> bytes:
    """Seal `pdf` and return the sealed bytes.

    A certification signature with "no changes allowed": any later revision (a page, an
    annotation, a form value) makes `verify_pdf` fail. Without a time stamp authority:
    PAdES B-B, one incremental update. With one (by URL, or for tests as a `timestamper`):
    PAdES B-LTA. The seal carries the authority's time stamp; the certificates and the
    revocation data (CRLs, OCSP responses, fetched now where the certificates name them)
    of the seal and of the time stamps go into the document security store (DSS); and a
    document time stamp covers it all, so the seal validates offline years later.
    The seal's certificate chain must lead to a root in the PKCS#12 file or in
    `trust_roots` (PEM files; the time stamp authority's root belongs there too). With a
    `stamp`, the seal's field is visible on the page and shows the stamp's text.
    """
    _refuse_inside_event_loop()
    signer = load_signer(pkcs12_path, password)
    if timestamper is None and timestamp_url is not None:
        timestamper = HTTPTimeStamper(timestamp_url, timeout=TIMESTAMP_TIMEOUT_SECONDS)
    meta = signature_meta(field_name=field_name, reason=reason, location=location, contact=contact)
    if timestamper is not None:
        meta = long_term(meta, validation_context(pkcs12_path, password, trust_roots))
    return sign_with(pdf, signer, meta, timestamper=timestamper, stamp=stamp)


def signature_meta(
    *, field_name: str, reason: str, location: str, contact: str
) -> signers.PdfSignatureMetadata:
    """The signature settings of the seal: PAdES, SHA-256, certification, no changes."""
    return signers.PdfSignatureMetadata(
        field_name=field_name,
        reason=reason,
        location=location,
        contact_info=contact,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        certify=True,
        docmdp_permissions=fields.MDPPerm.NO_CHANGES,
    )


def long_term(
    meta: signers.PdfSignatureMetadata, context: ValidationContext
) -> signers.PdfSignatureMetadata:
    """`meta` for PAdES B-LTA: validation data in the DSS and a document time stamp over it."""
    return dataclasses.replace(
        meta,
        embed_validation_info=True,
        validation_context=context,
        use_pades_lta=True,
        timestamp_field_name=ARCHIVE_TIMESTAMP_FIELD,
    )


def validation_context(
    pkcs12_path: Path | str, password: str | bytes, trust_roots: Sequence[Path | str] = ()
) -> ValidationContext:
    """What sealing validates the seal's and the time stamps' certificates against.

    Roots: the self-signed certificates in the PKCS#12 file (a development certificate is
    its own root) and those in the `trust_roots` PEM files; the other certificates in the
    PKCS#12 file are intermediates. Revocation data is fetched from the addresses the
    certificates name, so that it can be embedded; a certificate that names none has none.
    """
    certificate, chain = load_pkcs12_chain(pkcs12_path, password)
    extra = load_pem_certificates(trust_roots)
    ours = [certificate, *chain]
    roots = [c for c in ours if is_self_signed(c)] + extra
    others = [c for c in ours if not is_self_signed(c)]
    return ValidationContext(
        trust_roots=[_asn1(c) for c in roots],
        other_certs=[_asn1(c) for c in others],
        allow_fetching=True,
        revocation_mode="soft-fail",
    )


def _asn1(certificate: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(certificate.public_bytes(Encoding.DER))


def sign_with(
    pdf: bytes,
    signer: signers.Signer,
    meta: signers.PdfSignatureMetadata,
    *,
    timestamper: TimeStamper | None = None,
    stamp: SealStamp | None = None,
) -> bytes:
    """Apply one signature as an incremental update; every failure becomes a `SealError`."""
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
        if writer.prev.encrypted:
            raise SealError("an encrypted PDF cannot be sealed")
        if stamp is None:
            output = signers.sign_pdf(writer, meta, signer=signer, timestamper=timestamper)
        else:
            output = _visible(meta, signer, timestamper, stamp).sign_pdf(writer)
    except SealError:
        raise
    except TimestampRequestError as exc:
        cause = f" ({exc.__cause__})" if exc.__cause__ else ""
        raise SealError(
            f"the time stamp authority gave no time stamp, so nothing was sealed: {exc}{cause}"
        ) from exc
    except Exception as exc:
        # pyHanko raises a wide spread of types (PdfReadError, SigningError, OSError from
        # a time stamp authority, ValueError); callers need one type and the message.
        raise SealError(f"the PDF could not be sealed: {exc}") from exc
    return bytes(output.getbuffer())


def _visible(
    meta: signers.PdfSignatureMetadata,
    signer: signers.Signer,
    timestamper: TimeStamper | None,
    stamp: SealStamp,
) -> signers.PdfSigner:
    field = fields.SigFieldSpec(meta.field_name or "Zegel", on_page=stamp.page, box=stamp.box)
    style = TextStampStyle(
        # pyHanko fills in %(name)s; the standard font writes WinAnsi only.
        stamp_text=_winansi(stamp.text).replace("%", "%%"),
        border_width=1,
        border_color=(0.12, 0.31, 0.47),
        text_box_style=text.TextBoxStyle(
            font=SimpleFontEngineFactory("Helvetica", 0.5), font_size=9, leading=13
        ),
        inner_content_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MIN,
            y_align=layout.AxisAlignment.ALIGN_MID,
            margins=layout.Margins(left=8, right=8, top=4, bottom=4),
        ),
    )
    return signers.PdfSigner(
        meta, signer, timestamper=timestamper, stamp_style=style, new_field_spec=field
    )


def _winansi(value: str) -> str:
    # A certificate's holder may be written in any script: keep what the font can show,
    # write accented letters without their accent, and the rest as "?".
    shown = []
    for char in value:
        if char == "\n" or 32 <= ord(char) < 127 or 160 <= ord(char) < 256:
            shown.append(char)
            continue
        base = unicodedata.normalize("NFKD", char).encode("ascii", "ignore").decode()
        shown.append(base or "?")
    return "".join(shown)


def _refuse_inside_event_loop() -> None:
    # pyHanko's synchronous API calls asyncio.run(), which fails inside a running loop;
    # say so plainly instead of letting that surface as a confusing verdict.
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return
    raise RuntimeError("seal_pdf is synchronous: from async code call it with asyncio.to_thread")
