"""Forms of the answer page and the organiser's meeting page (plain buttons carry only the CSRF token)."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, Form, IntegerField, RadioField, SearchField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, ValidationError

from coordinator.org.models import Person

DELEGATED = "delegated"
# the answer page's choices (value, label): one's own answers, and sending a deputy (the second step)
ANSWER_CHOICES = [("accepted", _l("Jag kommer")), ("tentative", _l("Jag kommer kanske")),
                  ("declined", _l("Jag kommer inte")), (DELEGATED, _l("Jag skickar en ersättare"))]


def _optional_int(value: Any) -> int | None:
    return int(value) if value not in (None, "", "None") else None


class RsvpForm(FlaskForm):
    """The answer page's choice (validated here; the page itself renders its radio buttons plainly).

    No CSRF token: the link's signed token in the URL is what authorises the answer, not a cookie, so a
    forged request needs the secret itself (docs/decisions.md §69)."""
    class Meta:
        csrf = False

    answer = RadioField(_l("Ditt svar"), choices=[SelectChoice(value, label) for value, label in ANSWER_CHOICES],
                        validators=[InputRequired(message=_l("Välj ett svar."))])


class DeputyForm(FlaskForm):
    """The answer page's second step: whom to send (no CSRF token, as `RsvpForm`)."""
    class Meta:
        csrf = False

    # the choices are the invitee's possible deputies; someone invited meanwhile is refused by the service
    # with the reason, so the list's choices are not enforced here
    deputy_id = SelectField(_l("Ersättare"), coerce=_optional_int, validate_choice=False,
                            description=_l("Din ersättare är förvald, eller välj en kollega på din skola eller enhet."))

    def validate_deputy_id(self, field: Field) -> None:
        if field.data is None:
            raise ValidationError(_l("Välj vem som går i ditt ställe."))


def person_choices(people: Iterable[Person], empty: str) -> list[SelectChoice]:
    """A person picker's options: an empty first one saying what to do, then the people by name."""
    return [SelectChoice("", empty)] + [SelectChoice(p.id, p.name) for p in people]


class AddInviteeForm(FlaskForm):
    # the person is the search result's button pressed (name="person_id"); someone of another district or
    # already invited is refused by the view and the service with the reason
    person_id = IntegerField(_l("Person"), validators=[InputRequired(message=_l("Välj en person."))])


class InviteeSearchForm(Form):
    """The organiser's search for someone to invite, from the query string (no CSRF: it only reads)."""

    q = SearchField(_l("Sök på namn eller e-post"), filters=[lambda v: v.strip() if isinstance(v, str) else v])
