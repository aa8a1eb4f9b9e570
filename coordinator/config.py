"""Settings read from the environment, with the embedded defaults; nothing happens at import."""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

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
        )


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
