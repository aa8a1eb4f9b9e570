"""The school's proposal of a day and time for social services' visit to its staff meeting."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, TimeField
from wtforms.validators import InputRequired

from coordinator.consultations.forms import DATE, REQUIRED, TIME, TIME_FORMATS


class ProposeForm(FlaskForm):
    day = DateField(_l("Dag för APT"), [InputRequired(REQUIRED)], invalid_value_message=DATE,
                    description=_l("ÅÅÅÅ-MM-DD, en skoldag i skolans kalender"))
    starts_at = TimeField(_l("Klockan"), [InputRequired(REQUIRED)], format=TIME_FORMATS, invalid_value_message=TIME,
                          description=_l("tt:mm, när socialtjänsten börjar på APT"))
