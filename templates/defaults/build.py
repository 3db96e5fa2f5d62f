"""Generates the default Word templates and their manifest: `python -m templates.defaults.build`."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path

from docx.document import Document as DocumentObject

from templates.defaults.dossier import DOSSIER_PAGES
from templates.defaults.texts import DOCUMENTS

HERE = Path(__file__).parent


def build(name: str, make: Callable[[], DocumentObject]) -> tuple[str, bytes]:
    """Writes <name>.docx and returns its file name and bytes."""
    out = io.BytesIO()
    make().save(out)
    data = _reproducible(out.getvalue())
    (HERE / f"{name}.docx").write_bytes(data)
    return f"{name}.docx", data


def _reproducible(docx: bytes) -> bytes:
    # Fixed zip timestamps: rebuilding unchanged templates must give the same SHA-256.
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(docx)) as src, zipfile.ZipFile(out, "w") as dst:
        for entry in src.infolist():
            info = zipfile.ZipInfo(entry.filename, date_time=(2024, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(info, src.read(entry))
    return out.getvalue()


def write_manifest(built: dict[str, tuple[str, bytes]]) -> None:
    """manifest.json: every default template as version 1, with the schema of its kind."""
    kinds = json.loads((HERE / "kinds.json").read_text(encoding="utf-8"))["kinds"]
    entries = []
    for name, (file_name, data) in built.items():
        kind = kinds[name]
        entries.append(
            {
                "name": name,
                "kind": name,
                "version": 1,
                "title": kind["title"],
                "parties": kind["parties"],
                "schema": kind["schema"],
                "file": file_name,
                "sha256": hashlib.sha256(data).hexdigest(),
            }
        )
    manifest = {"format": 1, "templates": entries}
    text = json.dumps(manifest, ensure_ascii=False, indent=2) + "\n"
    (HERE / "manifest.json").write_text(text, encoding="utf-8")


def main() -> None:
    built = {name: build(name, make) for name, make in {**DOCUMENTS, **DOSSIER_PAGES}.items()}
    write_manifest(built)
    for name, (file_name, data) in built.items():
        print(f"{file_name}: {len(data):,} bytes ({name})")


if __name__ == "__main__":
    main()
