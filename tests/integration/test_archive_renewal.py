"""Renewing the archive time stamp (issue 13): a sealed PAdES B-LTA file whose authority's
certificate expires within the margin gets one more document time stamp, from the real
loopback authority; the new file is stored beside the old, the version points at it, both
verify as ours, pdfsig lists every signature, and a second run renews nothing."""

from __future__ import annotations

import io
import json
import subprocess
from pathlib import Path

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from sqlalchemy import select

from agreements import tasks
from agreements.bootstrap import build_deps
from agreements.db.blobs import BlobStore
from agreements.db.models import AuditEntry, DocumentVersion, SealRenewal
from agreements.services.documents.engine import DocumentEngine
from agreements.settings import Settings
from signing.archive import latest_archive_stamp
from signing.seal import ARCHIVE_TIMESTAMP_FIELD
from tests.integration.test_timestamp import LoopbackTSA, tsa  # noqa: F401 (the fixture)
from tests.support import require_libreoffice, run_cli

pytestmark = pytest.mark.libreoffice


def test_a_renewed_file_has_one_more_stamp_and_every_copy_still_verifies(
    tmp_path: Path,
    tsa: LoopbackTSA,  # noqa: F811
) -> None:
    require_libreoffice()
    env = {
        "AGREEMENTS_TIMESTAMP_URL": tsa.url,
        "AGREEMENTS_SEAL_TRUST_ROOTS": json.dumps([str(tsa.root_pem)]),
    }
    demo = run_cli(["demo"], tmp_path, **env)
    assert demo.returncode == 0, demo.stderr
    first = (tmp_path / "demo-agreement.pdf").read_bytes()
    stamp = latest_archive_stamp(first)
    assert stamp is not None and stamp.count == 1 and "Testtijd TSA" in stamp.authority

    # The loopback authority's certificate is valid ten years: with the default margin
    # (365 days) nothing is due; with a margin past its expiry the file is renewed.
    idle = run_cli(["archive", "renew"], tmp_path, **env)
    assert idle.returncode == 0, idle.stderr
    assert "0 renewed, 0 failed." in idle.stdout
    renewed = run_cli(["archive", "renew", "--days", "4000"], tmp_path, **env)
    assert renewed.returncode == 0, renewed.stdout + renewed.stderr
    assert "1 renewed, 0 failed." in renewed.stdout

    settings = Settings(  # as the CLI ran, and the daily task with the same wide margin
        data_dir=tmp_path,
        timestamp_url=tsa.url,
        seal_trust_roots=[tsa.root_pem],
        archive_renewal_days=4000,
    )
    deps = build_deps(settings)
    with deps.db() as session:
        row = session.scalars(select(SealRenewal)).one()
        version = session.get(DocumentVersion, row.version_id)
        assert version is not None and version.sealed_sha256 == row.sealed_sha256
        audited = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "document.archive_renewed")
        ).all()
    assert len(audited) == 1
    store = BlobStore(settings.effective_storage_dir)
    previous = store.path(row.previous_sha256).read_bytes()
    assert previous == first  # the earlier file is kept as it was
    new_path = store.path(row.sealed_sha256)
    new = new_path.read_bytes()
    assert new.startswith(first)  # an incremental update: the earlier bytes are a prefix
    reader = PdfFileReader(io.BytesIO(new))
    assert [s.field_name for s in reader.embedded_timestamp_signatures] == [
        ARCHIVE_TIMESTAMP_FIELD,
        f"{ARCHIVE_TIMESTAMP_FIELD} 2",
    ]
    assert [s.field_name for s in reader.embedded_regular_signatures] == ["Zegel"]

    # Both files are ours and unchanged: the renewed one, and the copy sent before.
    for path in (new_path, tmp_path / "demo-agreement.pdf"):
        checked = run_cli(["verify", str(path)], tmp_path, **env)
        assert checked.returncode == 0, checked.stdout + checked.stderr
        said = " ".join(checked.stdout.split())
        assert "authentic" in said and "archive time stamp: " in said
    listed = subprocess.run(["pdfsig", str(new_path)], capture_output=True, text=True, timeout=60)
    assert "Signature #3:" in listed.stdout, listed.stdout + listed.stderr
    assert f"Signature Field Name: {ARCHIVE_TIMESTAMP_FIELD} 2" in listed.stdout
    seal, _, stamps = listed.stdout.partition("Signature #2:")
    assert "Signature Validation: Signature is Valid." in seal  # pdfsig checks no time stamps
    assert stamps.count("Signer Certificate Common Name: Testtijd TSA") == 2

    # The worker's daily task: renewed with this certificate already, nothing is due.
    engine = DocumentEngine(settings, converts=False)
    before = tasks._runtime
    tasks.use_runtime(tasks.Runtime(deps, engine))
    try:
        again = tasks.renew_archive_stamps.call_local()
    finally:
        tasks.use_runtime(before)
        engine.close()
    assert again.configured and again.renewed == [] and again.failed == []
