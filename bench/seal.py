"""Benchmark: sealing and verifying a small PDF through `signing`, against bare pyHanko."""

from __future__ import annotations

import io
import logging
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives.serialization import Encoding
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pypdf import PdfWriter
from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

# bench/signing.py would shadow the `signing` package (a script's folder comes first on
# sys.path): the repository root goes before it.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from signing.certs import KeyAlgorithm, load_pkcs12_certificate, make_dev_certificate
from signing.seal import forget_signers, seal_pdf
from signing.verify import verify_pdf

PASSWORD = secrets.token_urlsafe(16)  # a throwaway key file needs a throwaway password
RUNS = {KeyAlgorithm.ECDSA_P256: 40, KeyAlgorithm.RSA_3072: 12}


def small_pdf(pages: int = 3) -> bytes:
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
        stream.set_data(f"BT /F1 12 Tf 72 770 Td (Overeenkomst, pagina {number}) Tj ET".encode())
        page[NameObject("/Contents")] = writer._add_object(stream)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def medians_ms(
    ours: Callable[[], object], bare: Callable[[], object], runs: int
) -> tuple[float, float]:
    """Median times of two workloads run alternately, so drift and warm-up hit both alike."""
    ours()
    bare()
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(runs):
        for work, into in ((ours, times[0]), (bare, times[1])):
            start = time.perf_counter()
            work()
            into.append(time.perf_counter() - start)
    return statistics.median(times[0]) * 1000, statistics.median(times[1]) * 1000


def bare_seal(pdf: bytes, signer: signers.SimpleSigner) -> bytes:
    meta = signers.PdfSignatureMetadata(
        field_name="Zegel",
        reason="bench",
        location="Utrecht",
        contact_info="bench",
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        certify=True,
        docmdp_permissions=fields.MDPPerm.NO_CHANGES,
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    return signers.sign_pdf(writer, meta, signer=signer).getvalue()  # type: ignore[no-any-return]


def bare_verify(pdf: bytes, roots: list[object]) -> bool:
    sig = PdfFileReader(io.BytesIO(pdf)).embedded_signatures[0]
    context = ValidationContext(trust_roots=roots, allow_fetching=False)
    return bool(validate_pdf_signature(sig, context).bottom_line)


def bench(algorithm: KeyAlgorithm, folder: Path, pdf: bytes) -> None:
    p12 = make_dev_certificate(folder / f"{algorithm}.p12", PASSWORD, algorithm=algorithm)
    runs = RUNS[algorithm]

    def ours() -> bytes:
        return seal_pdf(
            pdf, pkcs12_path=p12, password=PASSWORD, reason="bench", location="Utrecht", contact="b"
        )

    forget_signers()
    start = time.perf_counter()
    ours()
    cold = (time.perf_counter() - start) * 1000

    signer = signers.SimpleSigner.load_pkcs12_data(
        p12.read_bytes(), other_certs=(), passphrase=PASSWORD.encode()
    )
    ours_ms, bare_ms = medians_ms(ours, lambda: bare_seal(pdf, signer), runs)

    sealed = ours()
    trusted = load_pkcs12_certificate(p12, PASSWORD)
    assert verify_pdf(sealed, trusted_certs=[trusted]).ok
    root = asn1_x509.Certificate.load(trusted.public_bytes(Encoding.DER))
    verify_ms, bare_verify_ms = medians_ms(
        lambda: verify_pdf(sealed, trusted_certs=[trusted]),
        lambda: bare_verify(sealed, [root]),
        runs,
    )

    print(f"{algorithm}: {len(pdf)} byte PDF, median of {runs} runs")
    print(f"  first seal_pdf (loads the PKCS#12): {cold:8.1f} ms")
    print(f"  seal_pdf (cached signer):           {ours_ms:8.1f} ms")
    print(f"  bare pyHanko, preloaded signer:     {bare_ms:8.1f} ms")
    print(f"  ratio seal_pdf / bare:              {ours_ms / bare_ms:8.2f}")
    print(f"  verify_pdf:                         {verify_ms:8.1f} ms")
    print(f"  bare pyHanko validation:            {bare_verify_ms:8.1f} ms")
    print(f"  ratio verify_pdf / bare:            {verify_ms / bare_verify_ms:8.2f}")


def main() -> None:
    # pyHanko logs every failed path at ERROR; none are expected here, and noise hides figures.
    logging.basicConfig(level=logging.CRITICAL)
    pdf = small_pdf()
    with tempfile.TemporaryDirectory() as folder:
        for algorithm in RUNS:
            bench(algorithm, Path(folder), pdf)


if __name__ == "__main__":
    main()
