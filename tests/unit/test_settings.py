"""Settings: the default secret exists only in development mode."""

import pytest

from agreements.settings import DEVELOPMENT_SECRET, ConfigurationError, Settings


def test_development_gets_a_default_secret(monkeypatch):
    monkeypatch.delenv("AGREEMENTS_SECRET_KEY", raising=False)
    settings = Settings(mode="development")
    assert settings.secret_key.get_secret_value() == DEVELOPMENT_SECRET


@pytest.mark.parametrize("secret", ["", DEVELOPMENT_SECRET, "short"])
def test_production_refuses_missing_or_default_secret(monkeypatch, secret):
    monkeypatch.delenv("AGREEMENTS_SECRET_KEY", raising=False)
    with pytest.raises(ConfigurationError, match="AGREEMENTS_SECRET_KEY"):
        Settings(mode="production", secret_key=secret)


def test_keys_differ_per_purpose():
    settings = Settings(mode="production", secret_key="x" * 40)
    assert settings.key("audit") != settings.key("tokens")
    assert len(settings.key("notes")) == 32


def test_defaults_are_embedded(tmp_path):
    settings = Settings(mode="test", data_dir=tmp_path)
    assert settings.effective_database_url.startswith("sqlite:///")
    assert settings.effective_queue_url.endswith("queue.db")
    assert settings.time_zone == "Europe/Amsterdam"
    assert settings.bsn_enabled is False


def test_environment_prefix(monkeypatch):
    monkeypatch.setenv("AGREEMENTS_BSN_ENABLED", "true")
    monkeypatch.setenv("AGREEMENTS_DATABASE_URL", "postgresql+psycopg://x@h/db")
    settings = Settings()
    assert settings.bsn_enabled is True
    assert settings.effective_database_url == "postgresql+psycopg://x@h/db"
