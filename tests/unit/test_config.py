"""Settings come from the environment, with embedded defaults under instance/."""
from __future__ import annotations

from pathlib import Path

import pytest

from coordinator.config import Settings, base_url_warning


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


# -- COORDINATOR_BASE_URL: where links in mail lead --------------------------------------------------

def test_a_base_url_that_is_not_an_http_address_stops_the_start(tmp_path: Path):
    for wrong in ("samverkan.example.se", "ftp://samverkan.example.se", "https://", "https://x.se/?a=1"):
        with pytest.raises(ValueError, match="COORDINATOR_BASE_URL"):
            Settings.from_env({"COORDINATOR_INSTANCE_PATH": str(tmp_path), "COORDINATOR_BASE_URL": wrong})


def test_a_set_base_url_needs_no_word_at_start(tmp_path: Path):
    settings = Settings.from_env({"COORDINATOR_INSTANCE_PATH": str(tmp_path),
                                  "COORDINATOR_BASE_URL": "https://samverkan.example.se/",
                                  "COORDINATOR_MAIL_URL": "smtp://mail:25"})
    assert settings.base_url_is_set and base_url_warning(settings) is None


def test_without_a_base_url_mail_written_to_files_is_warned_about(tmp_path: Path):
    settings = Settings.from_env({"COORDINATOR_INSTANCE_PATH": str(tmp_path)})
    assert not settings.base_url_is_set
    assert settings.base_url == "http://127.0.0.1:5000"  # the development server, said aloud
    warning = base_url_warning(settings)
    assert warning is not None and "COORDINATOR_BASE_URL" in warning and "http://127.0.0.1:5000" in warning


@pytest.mark.parametrize("mail_url", ["smtp://mail.example.se:587?starttls=true", "smtps://mail.example.se"])
def test_without_a_base_url_mail_sent_by_smtp_is_refused(tmp_path: Path, mail_url: str):
    settings = Settings.from_env({"COORDINATOR_INSTANCE_PATH": str(tmp_path), "COORDINATOR_MAIL_URL": mail_url})
    with pytest.raises(ValueError, match="COORDINATOR_BASE_URL is not set"):
        base_url_warning(settings)


def test_the_planners_daily_limit_defaults_to_three_and_must_be_at_least_one(tmp_path: Path):
    base = {"COORDINATOR_INSTANCE_PATH": str(tmp_path), "COORDINATOR_SECRET_KEY": "s"}
    assert Settings.from_env(base).planner_max_meetings_per_day == 3
    assert Settings.from_env({**base, "COORDINATOR_PLANNER_MAX_MEETINGS_PER_DAY": "2"}).planner_max_meetings_per_day == 2
    for wrong in ("0", "two"):
        with pytest.raises(ValueError, match="COORDINATOR_PLANNER_MAX_MEETINGS_PER_DAY"):
            Settings.from_env({**base, "COORDINATOR_PLANNER_MAX_MEETINGS_PER_DAY": wrong})


def test_consultation_bookers_are_erased_after_30_days_unless_told_otherwise(tmp_path: Path):
    assert Settings.from_env({"COORDINATOR_INSTANCE_PATH": str(tmp_path)}).consultation_erase_days == 30
    settings = Settings.from_env({"COORDINATOR_INSTANCE_PATH": str(tmp_path), "COORDINATOR_CONSULTATION_ERASE_DAYS": "7"})
    assert settings.consultation_erase_days == 7
