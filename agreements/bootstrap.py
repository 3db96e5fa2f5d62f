"""Building the service's collaborators from settings; used by every entry point."""

from __future__ import annotations

from agreements import logs
from agreements.db.sessions import make_database, make_engine
from agreements.services.context import Deps
from agreements.settings import Settings


def build_deps(settings: Settings | None = None) -> Deps:
    settings = settings or Settings()
    engine = make_engine(settings.effective_database_url)
    return Deps(db=make_database(engine), settings=settings)


def configure_logging(settings: Settings) -> None:
    """One format for the service and uvicorn, with tokens redacted from every line."""
    logs.configure(settings.log_level)
