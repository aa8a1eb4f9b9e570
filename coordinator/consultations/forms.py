"""The forms of consultation hours: publishing hours (the intake group) and booking a slot (school staff)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField, EmailField, IntegerField, RadioField, SelectField, StringField, TextAreaField, TimeField, URLField,
)
from wtforms.fields import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from coordinator.consultations.services import MATTER_LENGTH
from coordinator.consultations.slots import LONGEST_SLOT, SHORTEST_SLOT, WEEKDAY_NAMES, HoursSpec
from coordinator.org.forms import MultiCheckboxField, _strip, _valid_email

TIME_FORMATS = ["%H:%M", "%H.%M"]
REQUIRED = _l("Fyll i det här fältet.")
DATE = _l("Skriv datumet som ÅÅÅÅ-MM-DD, till exempel 2027-08-19.")
TIME = _l("Skriv tiden som tt:mm, till exempel 13:00.")


class HoursForm(FlaskForm):
    weekday = SelectField(_l("Veckodag"), coerce=int,
                          choices=[SelectChoice(n, _l(name)) for n, name in enumerate(WEEKDAY_NAMES)])
    window_start = TimeField(_l("Från klockan"), [InputRequired(REQUIRED)], format=TIME_FORMATS,
                             invalid_value_message=TIME, description=_l("tt:mm, till exempel 13:00"))
    window_end = TimeField(_l("Till klockan"), [InputRequired(REQUIRED)], format=TIME_FORMATS,
                           invalid_value_message=TIME, description=_l("tt:mm, till exempel 15:00"))
    slot_minutes = IntegerField(
        _l("Minuter per tid"), [InputRequired(REQUIRED), NumberRange(SHORTEST_SLOT, LONGEST_SLOT, _l(
            "Mellan %(min)s och %(max)s minuter."))], default=20,
        invalid_value_message=_l("Ange ett heltal, till exempel 20."))
    place = StringField(_l("Plats"), [Optional(), Length(max=300)], filters=[_strip])
    video_url = URLField(_l("Videolänk"), [Optional(), Length(max=500)], filters=[_strip])
    starts_on = DateField(_l("Första dagen"), [InputRequired(REQUIRED)], invalid_value_message=DATE,
                          description=_l("ÅÅÅÅ-MM-DD"))
    ends_on = DateField(_l("Sista dagen"), [InputRequired(REQUIRED)], invalid_value_message=DATE,
                        description=_l("ÅÅÅÅ-MM-DD. Lov, helgdagar och sommaren mellan terminerna får inga tider."))
    officer_ids = MultiCheckboxField(_l("Svarar"), coerce=int, validate_choice=False)

    def spec(self) -> HoursSpec:
        return HoursSpec(self.weekday.data, self.window_start.data, self.window_end.data, self.slot_minutes.data,
                         self.starts_on.data, self.ends_on.data)


class BookingForm(FlaskForm):
    slot = RadioField(_l("Välj en tid"), validate_choice=False,
                      validators=[InputRequired(_l("Välj en av de lediga tiderna."))])
    name = StringField(_l("Ditt namn"), [InputRequired(REQUIRED), Length(max=200)], filters=[_strip])
    email = EmailField(_l("Din e-postadress"), [InputRequired(REQUIRED), Length(max=254), _valid_email],
                       filters=[_strip], description=_l("Hit skickas kalenderinbjudan och länken för att avboka."))
    matter = TextAreaField(
        _l("Vad vill du ta upp?"), [InputRequired(REQUIRED), Length(max=MATTER_LENGTH, message=_l(
            "Högst %(max)d tecken."))], filters=[_strip],
        description=_l("Beskriv ärendet i allmänna ordalag. Skriv inte elevens namn eller personnummer: "
                       "konsultationen är anonym."))
