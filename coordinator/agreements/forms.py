"""Forms of the agreement editor: they read what was typed, and `rules` says what is wrong.

Choice fields take any value (`validate_choice=False`) so the rules, not WTForms' English
defaults, explain an unknown choice. A field that cannot be read (a word in a number) gets
its own message and keeps the typed text; the rules then skip it.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from flask_babel import get_locale, gettext, lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField, DateField, HiddenField, IntegerField, RadioField, SelectField, SelectMultipleField,
    StringField, TextAreaField, TimeField, URLField,
)
from wtforms.validators import Optional
from wtforms.widgets import CheckboxInput, ListWidget

from coordinator.agreements import rules
from coordinator.agreements.document import CADENCES, FORM_KINDS, INDIVIDUAL_CASES, SCOPES, WEEKDAYS
from coordinator.agreements.models import Cadence, FormKind, IndividualCases, Scope
from coordinator.org.functions import Function

NUMBER = _l("Ange ett heltal, till exempel 14.")
DATE = _l("Ange datumet som åååå-mm-dd, till exempel 2027-07-01.")
TIME = _l("Ange tiden som tt:mm, till exempel 13:00.")
TIME_FORMATS = ["%H:%M", "%H.%M", "%H:%M:%S"]


class MultiCheckboxField(SelectMultipleField):
    """Checkboxes for a multiple choice (the form macros render it as a fieldset)."""
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _language() -> str:
    locale = get_locale()
    return locale.language if locale else "sv"


def _number(label: Any, description: Any = "") -> IntegerField:
    return IntegerField(label, [Optional()], invalid_value_message=NUMBER, description=description)


def _int_or_none(text: str | None) -> int | None:
    try:
        return int(text) if text not in (None, "") else None
    except ValueError:
        return None


def _member_or_code(enum_cls: Any, code: str | None) -> Any:
    """The member for a known code, the code itself for an unknown one (the rules name it), None for blank."""
    if code in (None, ""):
        return None
    try:
        return enum_cls(code)
    except ValueError:
        return code


class RulesForm(FlaskForm):
    """A form whose cross-field rules come from `rules`: their messages join the fields' own."""

    def add_problems(self, problems: Mapping[str, rules.Message]) -> None:
        for name, message in problems.items():
            field = self._fields.get(name)
            text = message.text(gettext)
            if field is None:
                self.form_errors.append(text)
            elif not field.errors:  # a field that could not be read already says why
                field.errors = [*field.errors, text]

    def has_errors(self) -> bool:
        return bool(self.form_errors) or any(f.errors for f in self)


class HeaderForm(RulesForm):
    valid_from_on = DateField(_l("Gäller från"), [Optional()], invalid_value_message=DATE)
    valid_to_on = DateField(_l("Gäller till och med"), [Optional()], invalid_value_message=DATE,
                            description=_l("Lämna tomt om överenskommelsen gäller tills vidare."))
    revision_due_on = DateField(_l("Revideras senast"), [Optional()], invalid_value_message=DATE,
                                description=_l("Överenskommelsen revideras regelbundet, minst en gång om året."))
    contact_person_id = SelectField(
        _l("Kontakt i socialtjänsten"), validate_choice=False,
        description=_l("Den som skolorna vänder sig till. Välj gärna mottagningsgruppen: personer byter "
                       "arbete, gruppen finns kvar."))

    def __init__(self, *args: Any, contacts: Iterable[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.contact_ids = set()
        self.contact_person_id.choices = [("", gettext("Ingen kontakt vald"))]
        for person_id, label in contacts:
            self.contact_ids.add(person_id)
            self.contact_person_id.choices.append((str(person_id), label))

    def values(self) -> dict[str, Any]:
        return {"valid_from_on": self.valid_from_on.data, "valid_to_on": self.valid_to_on.data,
                "revision_due_on": self.revision_due_on.data,
                "contact_person_id": _int_or_none(self.contact_person_id.data)}

    def validate(self, extra_validators: Any = None) -> bool:
        super().validate(extra_validators)
        values = self.values()
        if self.contact_person_id.data not in (None, "") and values["contact_person_id"] is None:
            values["contact_person_id"] = -1  # not a number: not among the people either
        self.add_problems(rules.check_header(values, contact_ids=self.contact_ids))
        return not self.has_errors()


class NewVersionForm(RulesForm):
    """A revision: the new version's next revision date (the services check it against the version in force)."""
    revision_due_on = DateField(_l("Nästa revision senast"), [Optional()], invalid_value_message=DATE,
                                description=_l("Överenskommelsen revideras regelbundet, minst en gång om året."))


class PartyForm(RulesForm):
    school_id = SelectField(_l("Skola"), validate_choice=False)
    signed_on = DateField(_l("Undertecknad"), [Optional()], invalid_value_message=DATE,
                          description=_l("Den dag skolan skrev under. Lämna tomt om det inte är gjort ännu."))
    signed_by = StringField(_l("Undertecknad av"),
                            description=_l("Namn och funktion, till exempel ”Annika Berg, rektor”."))

    def __init__(self, *args: Any, schools: Iterable[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.school_ids = set()
        self.school_id.choices = [("", gettext("Välj en skola"))]
        for school_id, label in schools:
            self.school_ids.add(school_id)
            self.school_id.choices.append((str(school_id), label))

    def values(self) -> dict[str, Any]:
        return {"school_id": _int_or_none(self.school_id.data), "signed_on": self.signed_on.data,
                "signed_by": (self.signed_by.data or "").strip() or None}

    def validate(self, extra_validators: Any = None) -> bool:
        super().validate(extra_validators)
        values = self.values()
        if self.school_id.data not in (None, "") and values["school_id"] is None:
            values["school_id"] = -1
        self.add_problems(rules.check_party(values, school_ids=self.school_ids))
        return not self.has_errors()


class NewAgreementForm(RulesForm):
    title = StringField(_l("Titel"), description=_l("Som den ska stå överst i överenskommelsen."))

    def validate(self, extra_validators: Any = None) -> bool:
        super().validate(extra_validators)
        self.add_problems(rules.check_title(self.title.data))
        return not self.has_errors()


class ActivateForm(FlaskForm):
    # the active version the user compared against; if it changed meanwhile, they compare again
    compared_with = HiddenField()


class MeetingFormForm(RulesForm):
    kind = SelectField(_l("Typ av mötesform"), validate_choice=False)
    name = StringField(_l("Namn"), description=_l("Som det ska stå i överenskommelsen."))
    purpose = TextAreaField(_l("Syfte"), description=_l("Vilka frågor mötesformen hanterar."))
    scope = RadioField(_l("Vilka mötesformen gäller"), validate_choice=False)
    group_id = SelectField(_l("Grupp av skolor"), validate_choice=False,
                           description=_l("Bara när mötesformen gäller en grupp av skolor."))
    cadence = RadioField(_l("Hur ofta"), validate_choice=False)
    cadence_count = _number(_l("Antal gånger"),
                            _l("Per termin eller per år. Läses inte för ”varje månad” och ”vid behov”."))
    duration_minutes = _number(_l("Längd i minuter"))
    preferred_weekday = SelectField(_l("Veckodag"), validate_choice=False,
                                    description=_l("Den dag mötet helst hålls."))
    window_start = TimeField(_l("Tidsfönstret börjar"), [Optional()], format=TIME_FORMATS,
                             invalid_value_message=TIME,
                             description=_l("Mötet planeras inom tidsfönstret. Lämna båda tomma för 09:00–16:00."))
    window_end = TimeField(_l("Tidsfönstret slutar"), [Optional()], format=TIME_FORMATS, invalid_value_message=TIME)
    place = StringField(_l("Plats"))
    video_url = URLField(_l("Videolänk"), description=_l("För möten som hålls digitalt, helt eller delvis."))
    convener_function = SelectField(_l("Sammankallande"), validate_choice=False)
    minutes_keeper_function = SelectField(_l("För protokollet"), validate_choice=False)
    invited_functions = MultiCheckboxField(_l("Inbjudna funktioner"), validate_choice=False)
    required_functions = MultiCheckboxField(
        _l("Funktioner som måste vara med"), validate_choice=False,
        description=_l("Av de inbjudna: de som ska vara företrädda vid varje möte."))
    individual_cases = RadioField(_l("Enskilda ärenden"), validate_choice=False)
    requires_minutes = BooleanField(_l("Protokoll förs"))
    minutes_due_days = _number(_l("Protokollet klart inom, dagar efter mötet"))
    requires_approval = BooleanField(_l("Protokollet justeras"))
    reports_to_committee = BooleanField(_l("Protokollet rapporteras till stadsdelsnämnden"))
    invite_lead_days = _number(_l("Kallelse, dagar före mötet"))
    rsvp_reminder_days = _number(_l("Påminnelse om att svara, dagar före mötet"),
                                 _l("Lämna tomt för ingen påminnelse."))
    pre_meeting_reminder_hours = _number(_l("Påminnelse, timmar före mötet"), _l("Lämna tomt för ingen påminnelse."))
    minutes_reminder_days = _number(_l("Påminnelse om protokollet, dagar efter mötet"),
                                    _l("Lämna tomt för ingen påminnelse."))
    minutes_reminder_repeat_days = _number(_l("Upprepa påminnelsen om protokollet, var … dag"),
                                           _l("Lämna tomt för att påminna en gång."))
    minutes_escalation_days = _number(_l("Saknat protokoll går vidare till chefen efter, dagar"),
                                      _l("Lämna tomt för ingen eskalering."))

    def __init__(self, *args: Any, context: rules.FormContext, groups: Iterable[tuple[int, str]],
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.context = context
        language = _language()
        self.kind.choices = [(k.value, gettext(FORM_KINDS[k])) for k in FormKind]
        self.scope.choices = [(s.value, gettext(SCOPES[s])) for s in Scope
                              if s is not Scope.CITY or context.is_city_level]
        self.group_id.choices = [("", gettext("Ingen grupp"))] + [(str(i), name) for i, name in groups]
        self.cadence.choices = [(c.value, gettext(CADENCES[c])) for c in Cadence]
        self.preferred_weekday.choices = [("", gettext("Ingen särskild"))] + [
            (str(i), gettext(day).capitalize()) for i, day in enumerate(WEEKDAYS)]
        functions = [(f.value, f.label(language)) for f in Function]
        self.convener_function.choices = [("", gettext("Välj funktion"))] + functions
        self.minutes_keeper_function.choices = [("", gettext("Ingen"))] + functions
        self.invited_functions.choices = functions
        self.required_functions.choices = functions
        self.individual_cases.choices = [(c.value, gettext(INDIVIDUAL_CASES[c])) for c in IndividualCases]

    @staticmethod
    def data_from(values: Mapping[str, Any]) -> dict[str, Any]:
        """The fields' data for a meeting form's values (the shape of `default_form`)."""
        data: dict[str, Any] = {}
        for name, value in values.items():
            if name == "functions":
                data["invited_functions"] = [f.value for f in value]
                data["required_functions"] = [f.value for f, required in value.items() if required]
            elif hasattr(value, "value"):
                data[name] = value.value
            elif name in ("group_id", "preferred_weekday"):
                data[name] = "" if value is None else str(value)
            else:
                data[name] = value
        return data

    def raw_values(self) -> dict[str, Any]:
        """What was typed, read as far as it can be: members for known codes, codes for unknown ones."""
        values = {
            "kind": _member_or_code(FormKind, self.kind.data),
            "name": self.name.data or "",
            "purpose": self.purpose.data or "",
            "scope": _member_or_code(Scope, self.scope.data),
            "group_id": _int_or_none(self.group_id.data),
            "cadence": _member_or_code(Cadence, self.cadence.data),
            "preferred_weekday": _int_or_none(self.preferred_weekday.data),
            "place": self.place.data or "",
            "video_url": self.video_url.data or "",
            "convener_function": _member_or_code(Function, self.convener_function.data),
            "minutes_keeper_function": _member_or_code(Function, self.minutes_keeper_function.data),
            "invited_functions": [_member_or_code(Function, c) for c in self.invited_functions.data or []],
            "required_functions": [_member_or_code(Function, c) for c in self.required_functions.data or []],
            "individual_cases": _member_or_code(IndividualCases, self.individual_cases.data),
        }
        for name in ("cadence_count", "duration_minutes", "minutes_due_days", "invite_lead_days",
                     "rsvp_reminder_days", "pre_meeting_reminder_hours", "minutes_reminder_days",
                     "minutes_reminder_repeat_days", "minutes_escalation_days",
                     "window_start", "window_end", "requires_minutes", "requires_approval", "reports_to_committee"):
            values[name] = self[name].data
        if self.group_id.data not in (None, "") and values["group_id"] is None:
            values["group_id"] = -1  # not a number: not among the groups either
        return rules.normalise_form_values(values)

    def values(self) -> dict[str, Any]:
        """The values for the services, in the shape of `default_form` (call after a successful validate)."""
        values = self.raw_values()
        invited = values.pop("invited_functions")
        required = set(values.pop("required_functions"))
        values["functions"] = {f: f in required for f in invited}
        return values

    def validate(self, extra_validators: Any = None) -> bool:
        super().validate(extra_validators)
        self.add_problems(rules.check_meeting_form(self.raw_values(), self.context, language=_language()))
        return not self.has_errors()

