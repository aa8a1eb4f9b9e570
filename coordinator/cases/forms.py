"""Forms of the intake officer's pages. They check what typed values show; the services check the rules
(the deadline, the guard, who is free), so a refusal reads the same from any path."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, RadioField, SelectField, StringField, TextAreaField, TimeField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from coordinator.cases.models import OUTCOME_NAMES, REASON_NAMES
from coordinator.cases.services import MAX_NAME_LENGTH, MAX_REASON_LENGTH, MAX_REFERENCE_LENGTH

OTHER_TIME = "other"


def _optional_int(value: Any) -> int | None:
    return int(value) if value not in (None, "", "None") else None


def _longest(limit: int) -> Length:
    return Length(max=limit, message=_l("Högst %(max)d tecken."))


class ReportForm(FlaskForm):
    received_on = DateField(_l("Anmälan kom in"),
                            validators=[InputRequired(message=_l("Ange dagen då anmälan kom in."))],
                            description=_l("Sista dagen för beslutet om att inleda utredning räknas härifrån: "
                                           "14 dagar enligt socialtjänstlagen."))
    school_id = SelectField(_l("Anmälande skola"), coerce=_optional_int,
                            validators=[InputRequired(message=_l("Välj skolan som gjorde anmälan."))])
    reporter_id = SelectField(_l("Anmälare"), coerce=_optional_int, validators=[Optional()],
                              description=_l("Någon på skolan. Finns anmälaren inte i registret: välj det "
                                             "översta valet och skriv namn och e-post nedan."))
    reporter_name = StringField(_l("Anmälarens namn (om hen inte finns i registret)"),
                                validators=[Optional(), _longest(MAX_NAME_LENGTH)])
    reporter_email = StringField(_l("Anmälarens e-post (om hen inte finns i registret)"),
                                 validators=[Optional(), _longest(254)],
                                 description=_l("Används bara till kallelsen och raderas en tid efter mötet."))
    case_reference = StringField(
        _l("Socialtjänstens ärendereferens"),
        validators=[InputRequired(message=_l("Skriv socialtjänstens egen ärendereferens.")),
                    _longest(MAX_REFERENCE_LENGTH)],
        description=_l("Skriv aldrig barnets namn eller personnummer. Ett personnummer, samordningsnummer eller "
                       "något som liknar ett stoppas, och då sparas ingenting."))


class BookingForm(FlaskForm):
    slot = RadioField(_l("Tid"), validate_choice=False,
                      validators=[InputRequired(message=_l("Välj en av tiderna eller Annan tid."))])
    day = DateField(_l("Datum"), validators=[Optional()])
    starts = TimeField(_l("Börjar"), validators=[Optional()])
    ends = TimeField(_l("Slutar"), validators=[Optional()], description=_l("Tomt: mötesformens vanliga längd."))
    place = StringField(_l("Plats"), validators=[Optional(), _longest(300)],
                        description=_l("Till exempel socialtjänstens mottagning; skriv aldrig barnets namn."))
    video_url = StringField(_l("Länk till videomötet"), validators=[Optional(), _longest(500)])
    late_reason = TextAreaField(_l("Skäl till en tid efter sista dagen"),
                                validators=[Optional(), _longest(MAX_REASON_LENGTH)],
                                description=_l("Krävs bara när tiden ligger efter sista dagen. Skälet sparas och "
                                               "visas i uppföljningen."))

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        if self.slot.data == OTHER_TIME and (self.day.data is None or self.starts.data is None):
            self.starts.errors = [*self.starts.errors, _l("Ange datum och starttid för den andra tiden.")]
            return False
        return valid

    def validate_ends(self, field: Any) -> None:
        if field.data is not None and self.starts.data is not None and field.data <= self.starts.data:
            raise ValidationError(_l("Mötet måste sluta efter att det börjar."))


class OutcomeForm(FlaskForm):
    outcome = RadioField(_l("Vad blev det av anmälningsmötet?"),
                         validators=[InputRequired(message=_l("Välj ett utfall."))])
    reason = SelectField(_l("Varför ett möte inte är lämpligt"), validators=[Optional()],
                         description=_l("Bara när utfallet är Inte lämpligt."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.outcome.choices = [(o.value, _l(name)) for o, name in OUTCOME_NAMES.items()]
        self.reason.choices = [("", _l("Välj skäl"))] + [(r.value, _l(name)) for r, name in REASON_NAMES.items()]


class WithdrawForm(FlaskForm):
    reason = TextAreaField(_l("Varför anmälan återtas"),
                           validators=[InputRequired(message=_l("Skriv varför anmälan återtas.")),
                                       _longest(MAX_REASON_LENGTH)],
                           description=_l("Till exempel: registrerad två gånger. Anmälan raderas inte; den visas "
                                          "som återtagen med skälet. Skriv aldrig barnets namn eller personnummer."))
