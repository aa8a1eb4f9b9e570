"""The login mails, ready for the outbox: an invitation to a login and a link to choose a new password.

Bodies from templates/emails/login_invitation and password_reset (.txt, .html),
in the login's language; the link is the only way in, so the mail says until when it works.
"""
from __future__ import annotations

import secrets
from datetime import datetime

from coordinator.auth.models import Role, User
from coordinator.auth.tokens import PasswordToken
from coordinator.invitations.ics import Party
from coordinator.invitations.messages import MailContext
from coordinator.outbox import compose
from coordinator.outbox.models import MessageKind
from coordinator.outbox.queue import Outgoing

PRODUCT = "Samverkan skola–socialtjänst"
SUBJECTS = {
    "sv": {MessageKind.LOGIN_INVITATION: f"Du är inbjuden att logga in i {PRODUCT}",
           MessageKind.PASSWORD_RESET: f"Välj ett nytt lösenord till {PRODUCT}"},
    "en": {MessageKind.LOGIN_INVITATION: f"You are invited to sign in to {PRODUCT}",
           MessageKind.PASSWORD_RESET: f"Choose a new password for {PRODUCT}"},
}
ROLE_NAMES = {
    "sv": {Role.CITY_ADMIN: "stadens administratör", Role.DISTRICT_DIRECTOR: "stadsdelsdirektör",
           Role.DISTRICT_ADMIN: "stadsdelsadministratör", Role.PARTICIPANT: "deltagare", Role.AUDITOR: "revisor",
           Role.INTAKE_OFFICER: "handläggare i mottagningsgruppen"},
    "en": {Role.CITY_ADMIN: "city administrator", Role.DISTRICT_DIRECTOR: "district director",
           Role.DISTRICT_ADMIN: "district administrator", Role.PARTICIPANT: "participant", Role.AUDITOR: "auditor",
           Role.INTAKE_OFFICER: "intake officer"},
}
RESET_EVERY_SECONDS = 300  # at most one reset mail per login in five minutes, however often the form is sent
AUTOMATIC = {"Auto-Submitted": "auto-generated"}  # RFC 3834: no out-of-office answers


def login_invitation(user: User, token_text: str, token: PasswordToken, *, invited_by: str,
                     district_id: int | None, mail: MailContext, now: datetime) -> Outgoing:
    """The invitation to choose a first password; each one sent is a message of its own."""
    return _outgoing(user, MessageKind.LOGIN_INVITATION, f"login_invitation:{user.id}:{secrets.token_hex(8)}",
                     token_text, token, district_id, mail, now, invited_by=invited_by)


def password_reset(user: User, token_text: str, token: PasswordToken, *, district_id: int | None,
                   mail: MailContext, now: datetime) -> Outgoing:
    """The link to choose a new password; the dedupe key lets one through per five minutes."""
    window = int(now.timestamp()) // RESET_EVERY_SECONDS
    return _outgoing(user, MessageKind.PASSWORD_RESET, f"password_reset:{user.id}:{window}", token_text, token,
                     district_id, mail, now)


def _outgoing(user: User, kind: MessageKind, key: str, token_text: str, token: PasswordToken,
              district_id: int | None, mail: MailContext, now: datetime, **context: object) -> Outgoing:
    language = compose.language_of(user.language)
    name = user.person.name if user.person is not None else ""
    text, html = compose.render(
        kind.value, language, recipient_name=name, email=user.email, link=mail.links.set_password(token_text),
        login=mail.links.login(), expires=compose.format_local(token.expires_at, language, mail.timezone),
        role=ROLE_NAMES[language][user.role], district=user.district.name if user.district else "",
        timezone=mail.timezone, **context)
    message = compose.compose(
        sender=mail.sender, to=Party(name, user.email), subject=SUBJECTS[language][kind], text=text, html=html,
        message_id=compose.new_message_id(mail.message_domain), date=now,
        headers={"Content-Language": language, **AUTOMATIC})
    return Outgoing(dedupe_key=key, kind=kind, message=message, due_at=now, person_id=user.person_id,
                    district_id=district_id)
