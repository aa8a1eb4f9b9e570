"""Settings read from the environment, with the embedded defaults; nothing happens at import."""
from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

N = TypeVar("N", int, float)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INSTANCE = PROJECT_ROOT / "instance"


@dataclass(frozen=True)
class Settings:
    instance_path: Path
    database_url: str
    secret_key: str
    base_url: str
    mail_url: str
    mail_from: str
    timezone: str
    imap_url: str | None = None
    oidc: dict[str, str] = field(default_factory=dict)
    # the scheduler (jobs/): how often its frequent jobs run, and when reminders fall due
    delivery_seconds: float = 15.0       # outbox delivery, in every jobs process
    reminder_seconds: float = 60.0       # the before-meeting reminder sweep
    mailbox_seconds: float = 60.0        # polling COORDINATOR_IMAP_URL for calendar replies
    standby_seconds: float = 5.0         # how often a standby scheduler tries the leader lock
    reminder_hour: int = 7               # local hour at which follow-ups and the digest fall due
    reminder_horizon_days: int = 120     # follow-ups stop this long after a meeting
    term_plan_weeks: int = 6             # warn directors when a term this close has no meetings
    consultation_erase_days: int = 30    # a consultation booker's name and email are erased this long after it

    @classmethod
    def from_env(cls, env: os._Environ[str] | dict[str, str] | None = None) -> "Settings":
        env = os.environ if env is None else env
        instance = Path(env.get("COORDINATOR_INSTANCE_PATH") or DEFAULT_INSTANCE)
        return cls(
            instance_path=instance,
            database_url=env.get("COORDINATOR_DATABASE_URL")
            or f"sqlite:///{instance / 'coordinator.sqlite3'}",
            secret_key=env.get("COORDINATOR_SECRET_KEY") or _instance_secret(instance),
            base_url=(env.get("COORDINATOR_BASE_URL") or "http://127.0.0.1:5000").rstrip("/"),
            mail_url=env.get("COORDINATOR_MAIL_URL") or f"file://{instance / 'mail'}",
            mail_from=env.get("COORDINATOR_MAIL_FROM") or "samverkan@example.se",
            timezone=env.get("COORDINATOR_TIMEZONE") or "Europe/Stockholm",
            imap_url=env.get("COORDINATOR_IMAP_URL") or None,
            oidc={k.removeprefix("COORDINATOR_OIDC_").lower(): v
                  for k, v in env.items() if k.startswith("COORDINATOR_OIDC_")},
            delivery_seconds=_number(env, "COORDINATOR_JOBS_DELIVERY_SECONDS", 15.0, float),
            reminder_seconds=_number(env, "COORDINATOR_JOBS_REMINDER_SECONDS", 60.0, float),
            mailbox_seconds=_number(env, "COORDINATOR_JOBS_MAILBOX_SECONDS", 60.0, float),
            standby_seconds=_number(env, "COORDINATOR_JOBS_STANDBY_SECONDS", 5.0, float),
            reminder_hour=_number(env, "COORDINATOR_REMINDER_HOUR", 7, int, highest=23),
            reminder_horizon_days=_number(env, "COORDINATOR_REMINDER_HORIZON_DAYS", 120, int),
            term_plan_weeks=_number(env, "COORDINATOR_TERM_PLAN_WEEKS", 6, int),
            consultation_erase_days=_number(env, "COORDINATOR_CONSULTATION_ERASE_DAYS", 30, int),
        )


def _number(env: Mapping[str, str], name: str, default: N, kind: Callable[[str], N], *,
            highest: float | None = None) -> N:
    """A non-negative number from the environment; a wrong one stops the start with a message naming it."""
    text = env.get(name)
    if not text:
        return default
    try:
        value = kind(text)
    except ValueError:
        raise ValueError(f"{name} must be a number, not {text!r}") from None
    if value < 0 or (highest is not None and value > highest):  # type: ignore[operator]
        raise ValueError(f"{name} is out of range: {text!r}")
    return value


def _instance_secret(instance: Path) -> str:
    """A secret key generated once into the instance folder, so sessions survive restarts."""
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key
