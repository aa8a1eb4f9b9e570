"""Forms of the minutes pages. The services check the rules; these check what the typed values show.

Forms whose text passes the identity-number guard carry `warned` (the masked numbers the user
was warned about, as shown) and `confirm` (the checkbox "I have checked that ... is not an
identity number"): a confirmation covers exactly the numbers that were shown. A text or file
that takes identity numbers out asks for `redaction_reason`, the decision to mask them.
"""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from coordinator.minutes.redaction import MAX_DECISION_LENGTH
from coordinator.minutes.services import MAX_REASON_LENGTH, MAX_REFERENCE_LENGTH
from coordinator.minutes.template import MAX_SECTION_LENGTH
from coordinator.org.forms import MultiCheckboxField


def _optional_int(value: Any) -> int | None:
    return int(value) if value not in (None, "", "None") else None


class GuardedForm(FlaskForm):
    warned = HiddenField()
    confirm = BooleanField(_l("Jag har kontrollerat att numren ovan inte är personnummer eller samordningsnummer."))

    def confirmed(self) -> list[str]:
        """The masked numbers the user confirmed: those they were shown, if they ticked the box."""
        return [n for n in (self.warned.data or "").split(",") if n] if self.confirm.data else []


_TEXT = [Optional(), Length(max=MAX_SECTION_LENGTH, message=_l("Högst %(max)d tecken."))]


def _redaction_reason() -> TextAreaField:
    """The decision under which identity numbers taken out are masked everywhere (gallring needs one)."""
    return TextAreaField(
        _l("Beslut om gallring"),
        description=_l("Vem beslutade och varför, till exempel: Personnummer togs bort enligt beslut av "
                       "stadsdelsdirektören 2027-10-20, SDN 2027/45."),
        validators=[Optional(), Length(max=MAX_DECISION_LENGTH, message=_l("Högst %(max)d tecken."))])


class TextForm(GuardedForm):
    agenda = TextAreaField(_l("Dagordning"), validators=_TEXT)
    decisions = TextAreaField(_l("Beslut"), validators=_TEXT)
    follow_up = TextAreaField(_l("Uppföljning"), validators=_TEXT)
    other = TextAreaField(_l("Övrigt"), validators=_TEXT)
    redaction_reason = _redaction_reason()


class RemoveFileForm(FlaskForm):
    redaction_reason = _redaction_reason()


class CorrectionForm(GuardedForm):
    reason = TextAreaField(_l("Varför rättas protokollet?"), validators=[
        InputRequired(message=_l("Skriv varför protokollet rättas.")),
        Length(max=MAX_REASON_LENGTH, message=_l("Högst %(max)d tecken."))])


class AdjustersForm(FlaskForm):
    adjusters = MultiCheckboxField(_l("Justerare"), coerce=int, validate_choice=False,
                                   description=_l("En eller två av dem som var på mötet."))


class ItemForm(GuardedForm):
    text = TextAreaField(_l("Vad ska göras?"), validators=[InputRequired(message=_l("Skriv vad som ska göras."))])
    owner = SelectField(_l("Ansvarig"), coerce=_optional_int, validate_choice=False,
                        validators=[InputRequired(message=_l("Välj vem som ansvarar för punkten."))])
    due_on = DateField(_l("Klart senast"), validators=[InputRequired(message=_l("Ange när punkten ska vara klar."))])


class UploadForm(GuardedForm):
    file = FileField(_l("Fil"), validators=[FileRequired(message=_l("Välj en fil att bifoga."))])
    unreadable_confirmed = BooleanField(
        _l("Jag har kontrollerat att filen inte innehåller personnummer eller samordningsnummer."))


class CommitteeForm(FlaskForm):
    # the service decides which minutes may be reported, with a message naming the others
    minutes = MultiCheckboxField(_l("Protokoll att anmäla"), coerce=int, validate_choice=False)
    committee_date = DateField(_l("Nämndens sammanträde"),
                               validators=[InputRequired(message=_l("Ange datum för nämndens sammanträde."))])
    reference = StringField(_l("Nämndens diarienummer"), description=_l("Till exempel SDN 2027/123."), validators=[
        InputRequired(message=_l("Ange nämndens diarienummer, till exempel SDN 2027/123.")),
        Length(max=MAX_REFERENCE_LENGTH, message=_l("Högst %(max)d tecken."))])


class ButtonForm(FlaskForm):
    """A button that changes something: only its CSRF token."""
