"""Forms of the planning page: move a meeting, add a meeting, confirm publishing (plain buttons carry only the CSRF token)."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, Field, IntegerField, SelectField, TimeField
from wtforms.validators import InputRequired, Optional, ValidationError
from wtforms.widgets import HiddenInput


def _optional_int(value: Any) -> int | None:
    return int(value) if value not in (None, "", "None") else None


def _ends_after_start(form: Any, field: Field) -> None:
    if field.data is not None and form.starts.data is not None and field.data <= form.starts.data:
        raise ValidationError(_l("Mötet måste sluta efter att det börjar."))


class MoveForm(FlaskForm):
    day = DateField(_l("Datum"), validators=[InputRequired(message=_l("Ange ett datum."))])
    starts = TimeField(_l("Börjar"), validators=[InputRequired(message=_l("Ange när mötet börjar."))])
    ends = TimeField(_l("Slutar"), validators=[InputRequired(message=_l("Ange när mötet slutar.")),
                                               _ends_after_start])


class AddMeetingForm(FlaskForm):
    form_id = SelectField(_l("Mötesform"), coerce=int,
                          validators=[InputRequired(message=_l("Välj en mötesform."))])
    school_id = SelectField(_l("Skola"), coerce=_optional_int, validators=[Optional()],
                            description=_l("För mötesformer som hålls på varje skola."))
    day = DateField(_l("Datum"), validators=[InputRequired(message=_l("Ange ett datum."))])
    starts = TimeField(_l("Börjar"), validators=[InputRequired(message=_l("Ange när mötet börjar."))])
    ends = TimeField(_l("Slutar"), validators=[Optional(), _ends_after_start],
                     description=_l("Tomt: mötesformens vanliga längd."))


class PublishForm(FlaskForm):
    """The numbers the director was shown and confirmed; publishing checks that they still hold."""
    meetings = IntegerField(widget=HiddenInput(), validators=[InputRequired()])
    invitations = IntegerField(widget=HiddenInput(), validators=[InputRequired()])
