"""The files a sealed PDF carries (the evidence JSON and the exact bytes the parties
signed), read from an untrusted file with bounded effort, and the check that the signed
bytes are what every signature names."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping
from typing import Any

from pyhanko.pdf_utils.reader import PdfFileReader

from signing.evidence import EVIDENCE_FILENAME, SIGNED_DOCUMENT_FILENAME

logger = logging.getLogger(__name__)

_NAME_TREE_DEPTH = 16


def embedded_evidence(reader: PdfFileReader) -> Mapping[str, Any] | None:
    """The evidence bundle embedded before sealing, if any; its absence is not a failure."""
    try:
        raw = _embedded_file(reader, EVIDENCE_FILENAME)
        if raw is None:
            return None
        data = json.loads(raw)
    except Exception:
        logger.info("embedded evidence missing or unreadable", exc_info=True)
        return None
    return data if isinstance(data, dict) else None


def signed_copy(reader: PdfFileReader) -> tuple[str | None, bool | None]:
    """The recomputed SHA-256 of the embedded signed document, and whether every signature
    in the embedded evidence (and the evidence's document) names exactly that hash."""
    try:
        raw = _embedded_file(reader, SIGNED_DOCUMENT_FILENAME)
    except Exception:
        logger.info("embedded signed document unreadable", exc_info=True)
        return None, False  # named, but unreadable: nobody can recompute it
    if raw is None:
        return None, None
    digest = hashlib.sha256(raw).hexdigest()
    evidence = embedded_evidence(reader) or {}
    signatures = evidence.get("signatures")
    if not isinstance(signatures, list) or not signatures:
        return digest, None
    named = [s.get("document_sha256") if isinstance(s, dict) else None for s in signatures]
    document = evidence.get("document")
    if isinstance(document, dict) and "sha256" in document:
        named.append(document["sha256"])
    return digest, all(n == digest for n in named)


def _embedded_file(reader: PdfFileReader, name: str) -> bytes | None:
    """The bytes of the embedded file called `name`, or None when there is none."""
    names = reader.root["/Names"] if "/Names" in reader.root else None  # noqa: SIM401 (get does not dereference)
    if names is None or "/EmbeddedFiles" not in names:
        return None
    spec = _find_name(names["/EmbeddedFiles"], name, depth=0)
    if spec is None:
        return None
    return bytes(spec["/EF"]["/F"].data)


def _find_name(node: Any, name: str, *, depth: int) -> Any:
    # A name tree from an untrusted file may loop or nest absurdly deep: bound the walk.
    if depth > _NAME_TREE_DEPTH:
        return None
    # Index rather than iterate or slice: pyHanko dereferences objects only in __getitem__.
    pairs = node.get("/Names", ())
    for i in range(0, len(pairs) - 1, 2):
        if str(pairs[i]) == name:
            return pairs[i + 1]
    kids = node.get("/Kids", ())
    for i in range(len(kids)):
        found = _find_name(kids[i], name, depth=depth + 1)
        if found is not None:
            return found
    return None
