"""The document engine as the service uses it: catalogue, converter pool and blob store."""

from __future__ import annotations

import threading
from typing import Protocol

from agreements.db.blobs import BlobStore
from agreements.settings import Settings
from templates.catalogue import Catalogue
from templates.errors import ConverterUnavailable
from templates.pool import ConverterPool


class Converts(Protocol):
    def convert(self, docx: bytes, timeout: float | None = None) -> bytes: ...


class DocumentEngine:
    """One per process; the converter pool starts on the first conversion, not before.

    `converts=False` is for the web process: documents are converted by the worker, so a
    web server never carries LibreOffice (170 MB per converter) that could outlive it.
    """

    def __init__(
        self, settings: Settings, converter: Converts | None = None, *, converts: bool = True
    ) -> None:
        self.settings = settings
        self.catalogue = Catalogue(settings.effective_templates_dir)
        self.store = BlobStore(settings.effective_storage_dir)
        self._converter = converter
        self._converts = converts or converter is not None
        self._lock = threading.Lock()

    @property
    def converter(self) -> Converts:
        with self._lock:
            if self._converter is None:
                if not self._converts:
                    raise ConverterUnavailable(
                        "this process does not convert documents; the worker does"
                    )
                self._converter = ConverterPool(
                    size=self.settings.converters or None,
                    remote=self.settings.converter_addresses,
                    conversion_timeout=self.settings.conversion_timeout,
                    recycle_after=self.settings.converter_recycle_after,
                )
            return self._converter

    def close(self) -> None:
        with self._lock:
            if isinstance(self._converter, ConverterPool):
                self._converter.close()
            self._converter = None
