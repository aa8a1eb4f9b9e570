"""Settings read from the environment, with the embedded defaults; nothing happens at import."""
from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

N = TypeVar("N", int, float)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INSTANCE = PROJECT_ROOT / "instance"
# where links in mail point when COORDINATOR_BASE_URL is not set: the development server's address
DEVELOPMENT_BASE_URL = "http://127.0.0.1:5000"


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
    followup_cache_seconds: float = 60.0  # the follow-up views' facts kept at most this long (0: never)
    planning_cache_seconds: float = 60.0  # a reviewed plan kept for its pages at most this long (0: never)
    reminder_hour: int = 7               # local hour at which follow-ups and the digest fall due
    reminder_horizon_days: int = 120     # follow-ups stop this long after a meeting
    term_plan_weeks: int = 6             # warn directors when a term this close has no meetings
    base_url_is_set: bool = True         # False: COORDINATOR_BASE_URL was not given (see base_url_warning)
    planner_max_meetings_per_day: int = 3  # the planner gives one person at most this many meetings a day
    # reports of concern (cases/): the intake group's reminder, and how long an external reporter is kept
    report_reminder_days: int = 3        # remind when a report has no meeting this many days after receipt
    external_contact_days: int = 30      # erase an external reporter this many days after their meeting
    consultation_erase_days: int = 30    # a consultation booker's name and email are erased this long after it
    # abuse limits (coordinator/security.py): on by default, counted in memory unless a storage is given
    rate_limits_enabled: bool = True
    rate_limit_storage: str = "memory://"
    rate_limits: dict[str, str] = field(default_factory=dict)  # a limit's name -> "10 per minute; 100 per hour"
    trusted_proxies: int = 0  # reverse proxies in front whose X-Forwarded-For/-Proto are believed

    @classmethod
    def from_env(cls, env: os._Environ[str] | dict[str, str] | None = None) -> "Settings":
        env = os.environ if env is None else env
        instance = Path(env.get("COORDINATOR_INSTANCE_PATH") or DEFAULT_INSTANCE)
        return cls(
            instance_path=instance,
            database_url=env.get("COORDINATOR_DATABASE_URL")
            or f"sqlite:///{instance / 'coordinator.sqlite3'}",
            secret_key=env.get("COORDINATOR_SECRET_KEY") or _instance_secret(instance),
            base_url=_base_url(env.get("COORDINATOR_BASE_URL") or DEVELOPMENT_BASE_URL),
            base_url_is_set=bool(env.get("COORDINATOR_BASE_URL")),
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
            followup_cache_seconds=_number(env, "COORDINATOR_FOLLOWUP_CACHE_SECONDS", 60.0, float),
            planning_cache_seconds=_number(env, "COORDINATOR_PLANNING_CACHE_SECONDS", 60.0, float),
            reminder_hour=_number(env, "COORDINATOR_REMINDER_HOUR", 7, int, highest=23),
            reminder_horizon_days=_number(env, "COORDINATOR_REMINDER_HORIZON_DAYS", 120, int),
            term_plan_weeks=_number(env, "COORDINATOR_TERM_PLAN_WEEKS", 6, int),
            planner_max_meetings_per_day=_number(env, "COORDINATOR_PLANNER_MAX_MEETINGS_PER_DAY", 3, int, lowest=1),
            report_reminder_days=_number(env, "COORDINATOR_REPORT_REMINDER_DAYS", 3, int, highest=14),
            external_contact_days=_number(env, "COORDINATOR_EXTERNAL_CONTACT_DAYS", 30, int),
            consultation_erase_days=_number(env, "COORDINATOR_CONSULTATION_ERASE_DAYS", 30, int),
            rate_limits_enabled=_switch(env, "COORDINATOR_RATE_LIMITS", True),
            rate_limit_storage=env.get("COORDINATOR_RATE_LIMIT_STORAGE") or "memory://",
            rate_limits=_rate_limits(env),
            trusted_proxies=_number(env, "COORDINATOR_TRUSTED_PROXIES", 0, int, highest=5),
        )


def base_url_warning(settings: Settings) -> str | None:
    """What to say at the start of a process that sends mail, about where its links point.

    None when COORDINATOR_BASE_URL is set. Without it, mail that leaves by SMTP would send
    people links to a host that is not the service's, so that start is refused (ValueError);
    with mail written to files (the demo, development) the links point at the development
    server, and the returned warning says so.
    """
    if settings.base_url_is_set:
        return None
    if urlsplit(settings.mail_url).scheme in ("smtp", "smtps"):
        raise ValueError("COORDINATOR_BASE_URL is not set: mail is sent by SMTP, and its links would lead to "
                         f"{settings.base_url} instead of this service. Set it to the service's public "
                         "address, e.g. COORDINATOR_BASE_URL=https://samverkan.example.se")
    return (f"COORDINATOR_BASE_URL is not set: links in mail lead to {settings.base_url} (the development "
            "default). Set it to the service's public address before mail reaches anyone.")


def _base_url(text: str) -> str:
    """The public address links are built from: http(s), a host, perhaps a path; a wrong one stops the start."""
    parts = urlsplit(text.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ValueError(f"COORDINATOR_BASE_URL must be an http(s) address such as https://samverkan.example.se, "
                         f"not {text!r}")
    return text.strip().rstrip("/")


def _number(env: Mapping[str, str], name: str, default: N, kind: Callable[[str], N], *,
            lowest: float = 0, highest: float | None = None) -> N:
    """A number from the environment, at least `lowest`; a wrong one stops the start with a message naming it."""
    text = env.get(name)
    if not text:
        return default
    try:
        value = kind(text)
    except ValueError:
        raise ValueError(f"{name} must be a number, not {text!r}") from None
    if value < lowest or (highest is not None and value > highest):  # type: ignore[operator]
        raise ValueError(f"{name} is out of range: {text!r}")
    return value


def _switch(env: Mapping[str, str], name: str, default: bool) -> bool:
    text = (env.get(name) or "").strip().lower()
    if not text:
        return default
    if text in ("on", "true", "1", "yes"):
        return True
    if text in ("off", "false", "0", "no"):
        return False
    raise ValueError(f"{name} must be on or off, not {text!r}")


def _rate_limits(env: Mapping[str, str]) -> dict[str, str]:
    """COORDINATOR_RATE_LIMIT_<NAME> (SIGN_IN, PASSWORD, ANSWER, FEED): Flask-Limiter's notation; a wrong one stops the start."""
    from limits import parse_many

    found = {}
    for key, value in env.items():
        if not key.startswith("COORDINATOR_RATE_LIMIT_") or key == "COORDINATOR_RATE_LIMIT_STORAGE":
            continue
        name = key.removeprefix("COORDINATOR_RATE_LIMIT_").lower()
        if name not in ("sign_in", "password", "answer", "feed"):
            raise ValueError(f"{key} is not a limit: the limits are SIGN_IN, PASSWORD, ANSWER and FEED")
        try:
            parse_many(value)
        except ValueError:
            raise ValueError(f"{key} must be a limit such as '10 per minute; 100 per hour', not {value!r}") from None
        found[name] = value
    return found


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
