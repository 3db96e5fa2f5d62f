"""The catalogue of versioned Word templates: the built-in defaults plus templates added later."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from templates.check import ensure_valid_template
from templates.defaults import DEFAULTS_DIR
from templates.errors import DocumentError, TemplateInvalid, TemplateNotFound, UnsafeInput
from templates.filters import to_amount, to_date, to_datetime
from templates.text import text_problem

MANIFEST = "manifest.json"
FORMAT = 1
_NAME = re.compile(r"[a-z][a-z0-9_]{0,63}")  # matched in full: `$` would allow a newline
MAX_TITLE = 200  # as the documents' title column


@dataclass(frozen=True)
class Kind:
    """A kind of document: its Dutch title, who must sign it, and the data its templates get."""

    name: str
    title: str
    parties: tuple[str, ...]
    schema: Mapping[str, Any]


@cache
def kinds() -> dict[str, Kind]:
    """The kinds of document the engine knows (agreement, payment_arrangement, ...)."""
    raw = json.loads((DEFAULTS_DIR / "kinds.json").read_text(encoding="utf-8"))
    return {
        name: Kind(name, spec["title"], tuple(spec["parties"]), spec["schema"])
        for name, spec in raw["kinds"].items()
    }


@dataclass(frozen=True)
class TemplateVersion:
    """One immutable version of a template; its bytes are addressed by their SHA-256."""

    name: str
    kind: str
    version: int
    title: str
    parties: tuple[str, ...]
    schema: Mapping[str, Any] = field(repr=False)
    file: str
    sha256: str
    path: Path = field(repr=False)
    builtin: bool = False

    def read_bytes(self) -> bytes:
        """The template's bytes, refused if they are not the ones the manifest recorded."""
        data = self.path.read_bytes()
        if hashlib.sha256(data).hexdigest() != self.sha256:
            raise DocumentError(f"{self.path} does not match the SHA-256 in the manifest")
        return data

    def manifest_entry(self) -> dict[str, Any]:
        """This version as it is written in a manifest."""
        return {
            "name": self.name,
            "kind": self.kind,
            "version": self.version,
            "title": self.title,
            "parties": list(self.parties),
            "schema": self.schema,
            "file": self.file,
            "sha256": self.sha256,
        }


class Catalogue:
    """Templates by name and version: read-only defaults plus a writable folder of additions."""

    def __init__(self, root: Path, defaults: Path = DEFAULTS_DIR) -> None:
        self.root = Path(root)
        self.defaults = Path(defaults)

    def names(self) -> list[str]:
        """Every template name, sorted."""
        return sorted({entry.name for entry in self._all()})

    def versions(self, name: str) -> list[TemplateVersion]:
        """Every version of a template, oldest first; [] when there is none."""
        return sorted((e for e in self._all() if e.name == name), key=lambda e: e.version)

    def get(self, name: str, version: int | None = None) -> TemplateVersion:
        """One version of a template, the latest when no version is given."""
        found = self.versions(name)
        if version is not None:
            found = [entry for entry in found if entry.version == version]
        if not found:
            which = f"version {version} of " if version is not None else ""
            raise TemplateNotFound(f"there is no {which}template {name!r}")
        return found[-1]

    def add(
        self,
        name: str,
        docx_bytes: bytes,
        *,
        kind: str,
        title: str | None = None,
        parties: Sequence[str] | None = None,
    ) -> TemplateVersion:
        """Check a template and store it as the next version of `name`; never overwrites one.

        Adding the same bytes, title and parties as the latest version returns that version,
        so a retried upload does not make a new one.
        """
        if not _NAME.fullmatch(name):
            raise TemplateInvalid([f"the name {name!r} must be lower case letters, digits or _"])
        spec = kinds().get(kind)
        if spec is None:
            raise TemplateInvalid([f"unknown kind {kind!r}; known: {', '.join(sorted(kinds()))}"])
        if title is not None:
            # The title becomes the documents' title and the PDF's: the text policy applies.
            problem = text_problem(title, multiline=False)
            if problem is None and len(title) > MAX_TITLE:
                problem = f"longer than {MAX_TITLE} characters"
            if problem is not None:
                raise UnsafeInput("title", problem)
        # Checked before anything is written: a refused template leaves no file behind.
        ensure_valid_template(docx_bytes, spec.schema)
        digest = hashlib.sha256(docx_bytes).hexdigest()
        wanted_title = title or spec.title
        wanted_parties = tuple(parties) if parties is not None else spec.parties
        with self._locked():
            existing = self.versions(name)
            latest = existing[-1] if existing else None
            if latest is not None and latest.kind != kind:
                raise TemplateInvalid([f"{name!r} is a template of kind {latest.kind!r}"])
            if latest is not None and (latest.sha256, latest.title, latest.parties) == (
                digest,
                wanted_title,
                wanted_parties,
            ):
                return latest
            blob = self.root / "blobs" / f"{digest}.docx"
            if not blob.exists():
                _atomic_write(blob, docx_bytes)
            added = TemplateVersion(
                name=name,
                kind=kind,
                version=latest.version + 1 if latest else 1,
                title=wanted_title,
                parties=wanted_parties,
                schema=spec.schema,
                file=f"blobs/{digest}.docx",
                sha256=digest,
                path=blob,
            )
            entries = [entry.manifest_entry() for entry in self._read(self.root, builtin=False)]
            manifest = {"format": FORMAT, "templates": [*entries, added.manifest_entry()]}
            text = json.dumps(manifest, ensure_ascii=False, indent=2) + "\n"
            _atomic_write(self.root / MANIFEST, text.encode("utf-8"))
        return added

    def _all(self) -> list[TemplateVersion]:
        return [*self._read(self.defaults, builtin=True), *self._read(self.root, builtin=False)]

    @staticmethod
    def _read(folder: Path, *, builtin: bool) -> list[TemplateVersion]:
        path = folder / MANIFEST
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return []
        except (OSError, ValueError) as exc:
            raise DocumentError(f"the template manifest {path} cannot be read: {exc}") from exc
        if raw.get("format") != FORMAT:
            raise DocumentError(f"{path} has format {raw.get('format')!r}; expected {FORMAT}")
        return [
            TemplateVersion(
                name=entry["name"],
                kind=entry["kind"],
                version=int(entry["version"]),
                title=entry["title"],
                parties=tuple(entry["parties"]),
                schema=entry["schema"],
                file=entry["file"],
                sha256=entry["sha256"],
                path=folder / entry["file"],
                builtin=builtin,
            )
            for entry in raw["templates"]
        ]

    @contextmanager
    def _locked(self) -> Iterator[None]:
        # Several processes (web, worker, CLI) may add at once: the version number and the
        # manifest rewrite happen under one lock, so no version is handed out twice.
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / ".lock", "a+b") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)


def _atomic_write(path: Path, data: bytes) -> None:
    """Write a file completely or not at all: a temporary file beside it, then a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def data_problems(schema: Mapping[str, Any], data: Any, where: str = "") -> list[str]:
    """Where data does not fit a kind's schema: missing keys, wrong types; [] when it fits."""
    if not isinstance(data, Mapping):
        return [f"{where or 'data'}: expected an object"]
    problems: list[str] = []
    for key, shape in schema.items():
        name = key.rstrip("?")
        path = f"{where}.{name}" if where else name
        if name not in data:
            problems.append(f"{path}: missing")
        elif data[name] is None:
            if not key.endswith("?"):
                problems.append(f"{path}: must not be empty")
        else:
            problems.extend(_shape_problems(shape, data[name], path))
    return problems


def _shape_problems(shape: Any, value: Any, path: str) -> list[str]:
    if isinstance(shape, Mapping):
        return data_problems(shape, value, path)
    if isinstance(shape, list):
        if not isinstance(value, list):
            return [f"{path}: expected a list"]
        return [
            p
            for i, item in enumerate(value)
            for p in _shape_problems(shape[0], item, f"{path}[{i}]")
        ]
    return [f"{path}: {reason}" for reason in _type_problems(shape, value)]


def _type_problems(type_name: str, value: Any) -> Iterator[str]:
    try:
        if type_name in {"str", "text", "iban"}:
            if not isinstance(value, str):
                yield "expected text"
            elif type_name == "str" and "\n" in value:
                yield "expected one line of text"
        elif type_name == "int":
            if isinstance(value, bool) or not isinstance(value, int):
                yield "expected a whole number"
        elif type_name == "bool":
            if not isinstance(value, bool):
                yield "expected true or false"
        elif type_name == "date":
            to_date(value)
        elif type_name == "datetime":
            to_datetime(value)
        elif type_name == "money":
            to_amount(value)
        else:
            yield f"the schema names an unknown type {type_name!r}"
    except ValueError as exc:
        yield str(exc)
