"""Settings: typed, described, and refusing a placeholder secret outside development."""

from __future__ import annotations

import subprocess
import sys

import pytest
from pydantic import ValidationError

from feynlab.settings import Settings


def test_every_setting_has_a_description() -> None:
    missing = [name for name, field in Settings.model_fields.items() if not field.description]
    assert missing == []


def test_production_refuses_placeholder_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FEYNLAB_ENV", "production")
    monkeypatch.delenv("FEYNLAB_SECRET_KEY", raising=False)
    with pytest.raises(ValidationError, match="FEYNLAB_SECRET_KEY"):
        Settings()
    monkeypatch.setenv("FEYNLAB_SECRET_KEY", "change-me")
    with pytest.raises(ValidationError, match="placeholder"):
        Settings()
    monkeypatch.setenv("FEYNLAB_SECRET_KEY", "a-real-secret-with-enough-entropy-123")
    assert Settings().env == "production"


def test_environment_variables_are_read(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("FEYNLAB_DATABASE_URL", "postgresql+psycopg://u@h/db")
    monkeypatch.setenv("FEYNLAB_COURSES_DIR", str(tmp_path))
    monkeypatch.setenv("FEYNLAB_WORKERS", "3")
    settings = Settings()
    assert settings.database_url == "postgresql+psycopg://u@h/db"
    assert settings.courses_dir == tmp_path
    assert settings.workers == 3


def test_serve_stops_with_a_clear_message_on_a_placeholder_secret(tmp_path) -> None:
    env = {"PATH": "/usr/bin:/bin", "FEYNLAB_ENV": "production", "FEYNLAB_SECRET_KEY": "secret"}
    result = subprocess.run(
        [sys.executable, "-m", "feynlab.cli", "serve"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert result.returncode != 0
    assert "FEYNLAB_SECRET_KEY" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_default_database_lives_in_var_dir(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("FEYNLAB_DATABASE_URL", raising=False)
    from feynlab.settings import Settings

    assert Settings(var_dir=tmp_path).database_url == f"sqlite:///{tmp_path / 'feynlab.db'}"
    chosen = Settings(var_dir=tmp_path, database_url="sqlite:///elsewhere.db")
    assert chosen.database_url == "sqlite:///elsewhere.db"
