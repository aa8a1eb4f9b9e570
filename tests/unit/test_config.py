"""Settings come from the environment, with embedded defaults under instance/."""
from __future__ import annotations

from pathlib import Path

from coordinator.config import Settings


def test_embedded_defaults_live_under_the_instance_folder(tmp_path: Path):
    settings = Settings.from_env({"COORDINATOR_INSTANCE_PATH": str(tmp_path)})
    assert settings.database_url == f"sqlite:///{tmp_path / 'coordinator.sqlite3'}"
    assert settings.mail_url == f"file://{tmp_path / 'mail'}"
    assert settings.timezone == "Europe/Stockholm"


def test_a_secret_key_is_generated_once_and_kept(tmp_path: Path):
    first = Settings.from_env({"COORDINATOR_INSTANCE_PATH": str(tmp_path)}).secret_key
    second = Settings.from_env({"COORDINATOR_INSTANCE_PATH": str(tmp_path)}).secret_key
    assert len(first) >= 40
    assert first == second
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_environment_overrides_every_default(tmp_path: Path):
    settings = Settings.from_env({
        "COORDINATOR_INSTANCE_PATH": str(tmp_path),
        "COORDINATOR_DATABASE_URL": "postgresql+psycopg://db/coordinator",
        "COORDINATOR_SECRET_KEY": "s3cret",
        "COORDINATOR_BASE_URL": "https://samverkan.example.se/",
        "COORDINATOR_MAIL_URL": "smtp://mail:25",
        "COORDINATOR_MAIL_FROM": "noreply@example.se",
        "COORDINATOR_TIMEZONE": "Europe/Helsinki",
        "COORDINATOR_IMAP_URL": "imaps://mail/INBOX",
        "COORDINATOR_OIDC_ISSUER": "https://idp.example.se",
    })
    assert settings.database_url == "postgresql+psycopg://db/coordinator"
    assert settings.secret_key == "s3cret"
    assert settings.base_url == "https://samverkan.example.se"
    assert settings.mail_url == "smtp://mail:25"
    assert settings.mail_from == "noreply@example.se"
    assert settings.timezone == "Europe/Helsinki"
    assert settings.imap_url == "imaps://mail/INBOX"
    assert settings.oidc == {"issuer": "https://idp.example.se"}
    assert not (tmp_path / "secret_key").exists()


def test_consultation_bookers_are_erased_after_30_days_unless_told_otherwise(tmp_path: Path):
    assert Settings.from_env({"COORDINATOR_INSTANCE_PATH": str(tmp_path)}).consultation_erase_days == 30
    settings = Settings.from_env({"COORDINATOR_INSTANCE_PATH": str(tmp_path), "COORDINATOR_CONSULTATION_ERASE_DAYS": "7"})
    assert settings.consultation_erase_days == 7
