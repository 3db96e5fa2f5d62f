"""The `agreements` command line: set-up, running the service, documents, the audit log."""

from agreements.cli.archive import archive_app
from agreements.cli.audit import audit_app
from agreements.cli.documents import register
from agreements.cli.main import app, main
from agreements.cli.reminders import reminders_app
from agreements.cli.signin import users_unlock  # noqa: F401  (registers the commands)

app.add_typer(audit_app, name="audit")
app.add_typer(archive_app, name="archive")
register(app)
app.add_typer(reminders_app, name="reminders")

__all__ = ["app", "main"]
