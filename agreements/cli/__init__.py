"""The `agreements` command line: set-up, running the service, documents, the audit log."""

from agreements.cli.app import app, main
from agreements.cli.documents import register

register(app)

__all__ = ["app", "main"]
