"""Sign-in through the municipality's identity provider (OpenID Connect, Authlib), beside local passwords.

Configured by COORDINATOR_OIDC_ISSUER, _CLIENT_ID, _CLIENT_SECRET and _EMAIL_CLAIM (the claim of the ID
token that carries the person's email; `email` unless said). A person signs in when that email is the
email of an active login here; anyone else is refused with a page saying so — a login is never created
on the way (logins are given by an administrator, with a role and a district). The ID token is checked
for issuer, audience, signature, nonce and expiry, its expiry by the app's clock.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from flask import Flask, current_app

from coordinator.auth.models import User
from coordinator.auth.services import normalise_email
from coordinator.config import Settings

if TYPE_CHECKING:
    from authlib.oidc.core import CodeIDToken

CLIENT_NAME = "municipality"
CALLBACK_PATH = "/login/oidc/callback"
LEEWAY_SECONDS = 60  # clocks of the provider and this service may differ this much
_KNOWN_SETTINGS = {"issuer", "client_id", "client_secret", "email_claim"}


@dataclass(frozen=True)
class OidcSettings:
    issuer: str
    client_id: str
    client_secret: str
    email_claim: str = "email"

    @classmethod
    def from_settings(cls, settings: Settings) -> "OidcSettings | None":
        """The provider's settings, None when none is configured; a partial or unknown setting stops the start."""
        given = {k: v.strip() for k, v in settings.oidc.items() if v.strip()}
        if not given:
            return None
        unknown = sorted(set(given) - _KNOWN_SETTINGS)
        if unknown:
            raise ValueError(f"unknown setting COORDINATOR_OIDC_{unknown[0].upper()}: the identity provider is "
                             "configured by COORDINATOR_OIDC_ISSUER, _CLIENT_ID, _CLIENT_SECRET and _EMAIL_CLAIM")
        missing = [name for name in ("issuer", "client_id", "client_secret") if name not in given]
        if missing:
            raise ValueError(f"COORDINATOR_OIDC_{missing[0].upper()} is not set: the identity provider needs "
                             "COORDINATOR_OIDC_ISSUER, _CLIENT_ID and _CLIENT_SECRET")
        if not given["issuer"].startswith(("https://", "http://127.0.0.1", "http://localhost")):
            raise ValueError(f"COORDINATOR_OIDC_ISSUER must be an https address, not {given['issuer']!r}")
        return cls(issuer=given["issuer"].rstrip("/"), client_id=given["client_id"],
                   client_secret=given["client_secret"], email_claim=given.get("email_claim", "email"))


def init_app(app: Flask, settings: Settings) -> None:
    """Check the provider's settings at start (a wrong one stops it); its Authlib client is made on first use."""
    app.extensions["coordinator.oidc_settings"] = OidcSettings.from_settings(settings)
    app.extensions["coordinator.oidc"] = None


def configured() -> bool:
    """Whether this app signs in through an identity provider (the login page's button), without Authlib."""
    return current_app.extensions.get("coordinator.oidc_settings") is not None


def provider() -> tuple[OidcSettings, Any] | None:
    """This app's provider settings and Authlib client, or None. Authlib (with requests and its crypto, about
    16 MB) is imported and the client registered on the first sign-in through the provider, not by every
    worker at start (docs/decisions.md 80)."""
    config: OidcSettings | None = current_app.extensions.get("coordinator.oidc_settings")
    if config is None:
        return None
    if current_app.extensions.get("coordinator.oidc") is None:
        from authlib.integrations.flask_client import OAuth

        oauth = OAuth(current_app._get_current_object())  # type: ignore[attr-defined]
        oauth.register(
            CLIENT_NAME, client_id=config.client_id, client_secret=config.client_secret,
            server_metadata_url=f"{config.issuer}/.well-known/openid-configuration",
            client_kwargs={"scope": "openid email profile", "code_challenge_method": "S256"},
        )
        current_app.extensions["coordinator.oidc"] = (config, oauth.create_client(CLIENT_NAME))
    return current_app.extensions["coordinator.oidc"]


def id_token_checks(config: OidcSettings, now: datetime) -> dict[str, Any]:
    """What Authlib checks the ID token with: issuer and audience exactly ours (Authlib alone would accept
    another audience with an `azp` naming us), expiry by the app's clock with some leeway."""
    return {"claims_cls": id_token_checked_at(now), "leeway": LEEWAY_SECONDS,
            "claims_options": {"iss": {"essential": True, "values": [config.issuer]},
                               "aud": {"essential": True, "values": [config.client_id]}}}


def id_token_checked_at(now: datetime) -> type[CodeIDToken]:
    """Authlib's ID token claims, with `exp` and `iat` judged at `now` (the app's clock) instead of the machine's."""
    from authlib.oidc.core import CodeIDToken

    class IdToken(CodeIDToken):
        def validate(self, now_: float | None = None, leeway: float = 0) -> None:
            super().validate(now=int(now.timestamp()), leeway=leeway)
    return IdToken


def email_of(claims: dict[str, Any], config: OidcSettings) -> str | None:
    value = claims.get(config.email_claim)
    return normalise_email(value) if isinstance(value, str) and "@" in value else None


def login_for(session: sa.orm.Session, email: str) -> User | None:
    """The active login with this email, or None (never created here)."""
    user = session.scalars(sa.select(User).where(User.email == email)).one_or_none()
    return user if user is not None and user.is_active else None
