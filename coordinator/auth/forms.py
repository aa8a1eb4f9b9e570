"""Forms of the login, the password pages and the users' pages (plain buttons carry only the CSRF token)."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import EqualTo, InputRequired, Length, Optional

_EMAIL_INPUT = {"autocomplete": "username", "spellcheck": "false", "autocapitalize": "none"}


def _email_field(label: Any, autocomplete: str = "username") -> EmailField:
    return EmailField(
        label,
        validators=[InputRequired(message=lazy_gettext("Ange e-postadressen.")),
                    Length(max=254, message=lazy_gettext("E-postadressen får vara högst 254 tecken."))],
        render_kw={**_EMAIL_INPUT, "autocomplete": autocomplete},
    )


def _optional_int(value: Any) -> int | None:
    return int(value) if value not in (None, "", "None") else None


class LoginForm(FlaskForm):
    email = EmailField(
        lazy_gettext("E-postadress"),
        validators=[InputRequired(message=lazy_gettext("Ange din e-postadress.")),
                    Length(max=254, message=lazy_gettext("E-postadressen får vara högst 254 tecken."))],
        render_kw=_EMAIL_INPUT,
    )
    password = PasswordField(
        lazy_gettext("Lösenord"),
        validators=[InputRequired(message=lazy_gettext("Ange ditt lösenord."))],
        render_kw={"autocomplete": "current-password"},
    )
    next = HiddenField()


class ForgotPasswordForm(FlaskForm):
    email = _email_field(lazy_gettext("Din e-postadress"))


class NewPasswordForm(FlaskForm):
    password = PasswordField(
        lazy_gettext("Nytt lösenord"),
        validators=[InputRequired(message=lazy_gettext("Skriv ett lösenord."))],
        description=lazy_gettext("Minst 12 tecken. Ett par ord i rad är lätt att minnas och svårt att gissa."),
        render_kw={"autocomplete": "new-password"},
    )
    repeat = PasswordField(
        lazy_gettext("Upprepa lösenordet"),
        validators=[InputRequired(message=lazy_gettext("Skriv lösenordet en gång till.")),
                    EqualTo("password", message=lazy_gettext("Lösenorden är inte likadana."))],
        render_kw={"autocomplete": "new-password"},
    )


class InviteForm(FlaskForm):
    email = _email_field(lazy_gettext("E-postadress"), autocomplete="off")
    name = StringField(lazy_gettext("Namn"), validators=[Optional(), Length(max=200)],
                       description=lazy_gettext("Behövs bara om personen inte redan finns under Personer."))
    # the choices are what the actor may give; anything else is refused by the service with the reason
    role = SelectField(lazy_gettext("Roll"), validate_choice=False,
                       validators=[InputRequired(message=lazy_gettext("Välj en roll."))])
    # only city administrators choose; a district's managers invite into their own district
    district = SelectField(lazy_gettext("Stadsdel"), coerce=_optional_int, validate_choice=False,
                           validators=[Optional()])


class RoleForm(FlaskForm):
    role = SelectField(lazy_gettext("Roll"), validate_choice=False,
                       validators=[InputRequired(message=lazy_gettext("Välj en roll."))])
    district = SelectField(lazy_gettext("Stadsdel"), coerce=_optional_int, validate_choice=False,
                           validators=[Optional()])


class ButtonForm(FlaskForm):
    """A button that changes something: the CSRF token only."""
