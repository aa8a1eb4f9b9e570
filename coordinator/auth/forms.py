"""Forms of the login page."""
from __future__ import annotations

from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField
from wtforms.validators import InputRequired, Length


class LoginForm(FlaskForm):
    email = EmailField(
        lazy_gettext("E-postadress"),
        validators=[InputRequired(message=lazy_gettext("Ange din e-postadress.")),
                    Length(max=254, message=lazy_gettext("E-postadressen får vara högst 254 tecken."))],
        render_kw={"autocomplete": "username", "spellcheck": "false", "autocapitalize": "none"},
    )
    password = PasswordField(
        lazy_gettext("Lösenord"),
        validators=[InputRequired(message=lazy_gettext("Ange ditt lösenord."))],
        render_kw={"autocomplete": "current-password"},
    )
    next = HiddenField()
