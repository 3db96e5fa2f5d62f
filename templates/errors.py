"""The exceptions of the document engine: one family, each saying what is wrong in plain words."""

from __future__ import annotations


class DocumentError(Exception):
    """Base of every error the document engine raises on purpose."""


class TemplateInvalid(DocumentError):
    """A template cannot be used; `problems` lists every reason found (with its place)."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(self.problems) or "template is invalid")


class MissingVariables(DocumentError):
    """The data lacks variables the template uses; `names` lists them, sorted."""

    def __init__(self, names: list[str]) -> None:
        self.names = sorted(set(names))
        super().__init__("missing variables: " + ", ".join(self.names))


class UnsafeInput(DocumentError):
    """Input data holds characters that would silently corrupt a document."""

    def __init__(self, field: str, reason: str) -> None:
        self.field = field
        self.reason = reason
        super().__init__(f"{field}: {reason}")


class RenderError(DocumentError):
    """Rendering failed for a reason other than missing variables (e.g. a sandbox violation)."""


class ConversionError(DocumentError):
    """DOCX -> PDF conversion failed or produced no usable PDF."""


class ConverterUnavailable(ConversionError):
    """No converter process can run (LibreOffice missing or every converter failed to start)."""


class PdfRejected(DocumentError):
    """An uploaded PDF is refused: malformed, encrypted, too large, or too slow to read."""


class ConversionTimeout(ConversionError):
    """A conversion, or the wait for a free converter, took longer than its time limit."""


class ConverterLost(ConversionError):
    """A converter died or stopped answering mid-conversion; the pool retries once elsewhere."""


class TemplateNotFound(DocumentError):
    """The catalogue has no template by that name, or not that version of it."""
