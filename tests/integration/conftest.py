"""Fixtures shared by the integration tests."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def cli_env(empty_database_url: str, tmp_path: Path) -> dict[str, str]:
    """Settings for `agreements` run as a process (`support.run_command`): an empty database
    of its own, on each backend, and a data folder of its own, in development mode."""
    return {
        "AGREEMENTS_DATABASE_URL": empty_database_url,
        "AGREEMENTS_DATA_DIR": str(tmp_path),
        "AGREEMENTS_MODE": "development",
        "AGREEMENTS_SECRET_KEY": "",
    }
