"""Forms of the organisation's administration pages: schools, units, people, searches and uploads.

The forms check what can be seen in the typed values alone (required, length, shape) with
Swedish messages; the services check the rules that need the database and their problems are
put back on the fields by `show_problems`. Choices are checked here with our own messages,
so a stale or altered choice reads as a sentence, not as WTForms' "Not a valid choice".
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    Form,
    RadioField,
    SearchField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.fields import EmailField, SelectChoice, TelField
from wtforms.validators import InputRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from coordinator.i18n import DomainError
from coordinator.org.functions import Function, Level
from coordinator.org.rows import parse_email, parse_unit_code
from coordinator.org.labels import (
    ORGANISER_TYPE_LABELS,
    SCHOOL_FORM_LABELS,
    UNIT_KIND_LABELS,
)
from coordinator.org.models import (
    Language,
    OrganiserType,
    School,
    SchoolForm,
    Unit,
    UnitKind,
)
from coordinator.org.services import (
    ADDRESS_LENGTH,
    DISTRICT_UNIT_KINDS,
    EMAIL_LENGTH,
    NAME_LENGTH,
    PHONE_LENGTH,
    PersonValues,
    Problem,
    SchoolValues,
    UnitValues,
)

LANGUAGE_LABELS = {Language.SV: _l("Svenska"), Language.EN: _l("Engelska")}
LEVEL_LABELS = {
    Level.SCHOOL: _l("Funktioner i skolan"), Level.DISTRICT: _l("Funktioner i stadsdelsförvaltningen"),
    Level.EXTERNAL: _l("Funktioner i andra organisationer (polisen)"),
    Level.CITY: _l("Funktioner i stadens förvaltningar"),
}
ACTIVE_CHOICES = [SelectChoice("", _l("Alla")), SelectChoice("active", _l("Aktiva")),
                  SelectChoice("inactive", _l("Avslutade"))]


class MultiCheckboxField(SelectMultipleField):
    """Checkboxes for a multiple choice; macros/forms.html renders it as a fieldset by this class name."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _valid_email(_form: Form, field: Any) -> None:
    if field.data:
        try:
            parse_email(field.data)
        except DomainError as bad:
            raise ValidationError(gettext(bad.template, **bad.params)) from None


def _valid_unit_code(_form: Form, field: Any) -> None:
    if field.data:
        try:
            parse_unit_code(field.data)
        except DomainError:
            raise ValidationError(gettext("Skolenhetskoden är 8 siffror, till exempel 12345678.")) from None


def _length(max_length: int) -> Length:
    return Length(max=max_length, message=_l("Högst %(max)d tecken."))


class _RecordForm(FlaskForm):
    def show_problems(self, problems: Sequence[Problem]) -> None:
        """Put the services' problems on their fields (the form's top when none fits), translated."""
        for problem in problems:
            message = gettext(problem.template, **problem.params)
            if problem.field and problem.field in self:
                self[problem.field].errors = [*self[problem.field].errors, message]
            else:
                self.form_errors.append(message)

    def _check_choices(self, field: Any, allowed: Iterable[str], message: str) -> bool:
        values = field.data if isinstance(field.data, list) else [field.data]
        if any(value not in set(allowed) for value in values if value):
            field.errors = [*field.errors, message]
            return False
        return True


# ---------------------------------------------------------------------------------------------
# Schools


class SchoolRecordForm(_RecordForm):
    unit_code = StringField(
        _l("Skolenhetskod"), description=_l("Skolverkets kod för skolenheten: 8 siffror."),
        filters=[_strip],
        validators=[InputRequired(message=_l("Ange skolenhetskoden.")), _valid_unit_code],
        render_kw={"inputmode": "numeric", "autocomplete": "off", "spellcheck": "false"},
    )
    name = StringField(_l("Namn"), filters=[_strip],
                       validators=[InputRequired(message=_l("Ange skolans namn.")), _length(NAME_LENGTH)])
    organiser_type = RadioField(
        _l("Huvudman"), choices=[SelectChoice(t.value, label) for t, label in ORGANISER_TYPE_LABELS.items()],
        validators=[InputRequired(message=_l("Välj om skolan är kommunal eller fristående."))],
        validate_choice=False,
    )
    organiser_name = StringField(_l("Huvudmannens namn"), filters=[_strip],
                                 description=_l("För fristående skolor: bolaget, stiftelsen eller föreningen."),
                                 validators=[Optional(), _length(NAME_LENGTH)])
    school_forms = MultiCheckboxField(
        _l("Skolformer"), choices=[SelectChoice(f.value, label) for f, label in SCHOOL_FORM_LABELS.items()],
        validate_choice=False,
    )
    email = EmailField(_l("E-post"), filters=[_strip], validators=[Optional(), _length(EMAIL_LENGTH), _valid_email],
                       render_kw={"autocomplete": "off", "spellcheck": "false"})
    phone = TelField(_l("Telefon"), filters=[_strip], validators=[Optional(), _length(PHONE_LENGTH)])
    address = StringField(_l("Besöksadress"), filters=[_strip], validators=[Optional(), _length(ADDRESS_LENGTH)])

    def validate(self, extra_validators: Any = None) -> bool:
        is_valid = super().validate(extra_validators)
        is_valid &= self._check_choices(self.organiser_type, [t.value for t in OrganiserType],
                                        gettext("Välj om skolan är kommunal eller fristående."))
        is_valid &= self._check_choices(self.school_forms, [f.value for f in SchoolForm],
                                        gettext("Välj skolformer i listan."))
        return is_valid

    @classmethod
    def of(cls, school: School) -> SchoolRecordForm:
        return cls(data={
            "unit_code": school.unit_code, "name": school.name, "organiser_type": school.organiser_type.value,
            "organiser_name": school.organiser_name, "school_forms": list(school.school_forms or []),
            "email": school.email, "phone": school.phone, "address": school.address,
        })

    def values(self) -> SchoolValues:
        return SchoolValues(
            unit_code=self.unit_code.data or "", name=self.name.data or "",
            organiser_type=OrganiserType(self.organiser_type.data) if self.organiser_type.data else None,
            organiser_name=self.organiser_name.data, school_forms=tuple(SchoolForm(v) for v in self.school_forms.data),
            email=self.email.data, phone=self.phone.data, address=self.address.data,
        )


class SchoolSearchForm(Form):
    """The list's search and filters, from the query string (a GET form: no CSRF token)."""

    q = SearchField(_l("Sök på namn eller skolenhetskod"), filters=[_strip])
    organiser_type = SelectField(_l("Huvudman"), choices=[SelectChoice("", _l("Alla"))] + [
        SelectChoice(t.value, label) for t, label in ORGANISER_TYPE_LABELS.items()], validate_choice=False)
    active = SelectField(_l("Status"), choices=[SelectChoice("", _l("Alla")), SelectChoice("active", _l("Aktiva")),
                                                SelectChoice("inactive", _l("Nedlagda"))], validate_choice=False)

    def organiser_type_value(self) -> OrganiserType | None:
        return next((t for t in OrganiserType if t.value == self.organiser_type.data), None)


# ---------------------------------------------------------------------------------------------
# Units


class UnitRecordForm(_RecordForm):
    name = StringField(_l("Namn"), filters=[_strip],
                       validators=[InputRequired(message=_l("Ange enhetens namn.")), _length(NAME_LENGTH)])
    kind = RadioField(
        _l("Slag"), choices=[SelectChoice(kind.value, UNIT_KIND_LABELS[kind]) for kind in DISTRICT_UNIT_KINDS],
        validators=[InputRequired(message=_l("Välj vad det är för enhet."))], validate_choice=False,
        description=_l("Polisen och föreningar är organisationer utanför stadsdelen."),
    )

    def validate(self, extra_validators: Any = None) -> bool:
        is_valid = super().validate(extra_validators)
        return self._check_choices(self.kind, [k.value for k in DISTRICT_UNIT_KINDS],
                                   gettext("Välj vad det är för enhet.")) and is_valid

    @classmethod
    def of(cls, unit: Unit) -> UnitRecordForm:
        return cls(data={"name": unit.name, "kind": unit.kind.value})

    def values(self) -> UnitValues:
        return UnitValues(name=self.name.data or "", kind=UnitKind(self.kind.data) if self.kind.data else None)


# ---------------------------------------------------------------------------------------------
# People


def organisation_value(school_id: int | None, unit_id: int | None) -> str:
    if school_id is not None:
        return f"school:{school_id}"
    return f"unit:{unit_id}" if unit_id is not None else ""


class PersonRecordForm(_RecordForm):
    name = StringField(_l("Namn"), filters=[_strip],
                       validators=[InputRequired(message=_l("Ange personens namn.")), _length(NAME_LENGTH)],
                       render_kw={"autocomplete": "off"})
    email = EmailField(_l("E-post"), filters=[_strip],
                       description=_l("Kallelser och påminnelser skickas hit. Används bara av en person."),
                       validators=[InputRequired(message=_l("Ange en e-postadress.")), _length(EMAIL_LENGTH),
                                   _valid_email],
                       render_kw={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "none"})
    phone = TelField(_l("Telefon"), filters=[_strip], validators=[Optional(), _length(PHONE_LENGTH)])
    language = RadioField(_l("Språk i kallelser och e-post"),
                          choices=[SelectChoice(lang.value, label) for lang, label in LANGUAGE_LABELS.items()],
                          default=Language.SV.value, validate_choice=False,
                          validators=[InputRequired(message=_l("Välj svenska eller engelska."))])
    organisation = SelectField(_l("Arbetsplats"), description=_l("En skola eller en enhet i stadsdelen."),
                               validate_choice=False)
    functions_school = MultiCheckboxField(LEVEL_LABELS[Level.SCHOOL], validate_choice=False)
    functions_district = MultiCheckboxField(LEVEL_LABELS[Level.DISTRICT], validate_choice=False)
    functions_external = MultiCheckboxField(LEVEL_LABELS[Level.EXTERNAL], validate_choice=False)
    functions_city = MultiCheckboxField(LEVEL_LABELS[Level.CITY], validate_choice=False)
    deputy = SelectField(_l("Ersättare"), validate_choice=False,
                         description=_l("Den som går i personens ställe när hen inte kan komma."))

    FUNCTION_FIELDS = {Level.SCHOOL: "functions_school", Level.DISTRICT: "functions_district",
                       Level.EXTERNAL: "functions_external", Level.CITY: "functions_city"}

    def set_choices(self, *, schools: Sequence[School], units: Sequence[Unit], deputies: Sequence[Any],
                    language: str, inactive_label: str) -> None:
        """The district's schools and units, the functions in `language`, and the possible deputies."""
        def name(record: Any) -> str:
            return record.name if record.is_active else f"{record.name} ({inactive_label})"

        schools_group, units_group = gettext("Skolor"), gettext("Enheter")
        self.organisation.choices = (
            [SelectChoice("", gettext("Välj skola eller enhet"))]
            + [SelectChoice(organisation_value(s.id, None), name(s), optgroup=schools_group) for s in schools]
            + [SelectChoice(organisation_value(None, u.id), name(u), optgroup=units_group) for u in units])
        for level, field_name in self.FUNCTION_FIELDS.items():
            self[field_name].choices = [SelectChoice(f.value, f.label(language)) for f in Function if f.level is level]
        self.deputy.choices = [SelectChoice("", gettext("Ingen ersättare"))] + [
            SelectChoice(str(p.id), name(p)) for p in deputies]

    def validate(self, extra_validators: Any = None) -> bool:
        is_valid = super().validate(extra_validators)
        is_valid &= self._check_choices(self.language, [lang.value for lang in Language],
                                        gettext("Välj svenska eller engelska."))
        if not self.organisation.data:
            self.organisation.errors = [*self.organisation.errors,
                                        gettext("Välj den skola eller enhet där personen arbetar.")]
            is_valid = False
        elif not self._parse_organisation():
            # an address typed by hand or an old page: the services explain ids of other districts
            self.organisation.errors = [*self.organisation.errors,
                                        gettext("Välj den skola eller enhet där personen arbetar.")]
            is_valid = False
        for level, field_name in self.FUNCTION_FIELDS.items():
            is_valid &= self._check_choices(self[field_name], [f.value for f in Function if f.level is level],
                                            gettext("Välj funktioner i listan."))
        if self.deputy.data and not self.deputy.data.isdigit():
            self.deputy.errors = [*self.deputy.errors, gettext("Välj en ersättare i listan.")]
            is_valid = False
        return is_valid

    def _parse_organisation(self) -> tuple[int | None, int | None] | None:
        kind, _, number = (self.organisation.data or "").partition(":")
        if kind not in ("school", "unit") or not number.isdigit():
            return None
        return (int(number), None) if kind == "school" else (None, int(number))

    @classmethod
    def of(cls, person: Any) -> PersonRecordForm:
        held = {h.function for h in person.functions}
        data: dict[str, Any] = {
            "name": person.name, "email": person.email, "phone": person.phone,
            "language": person.language.value, "organisation": organisation_value(person.school_id, person.unit_id),
            "deputy": str(person.deputy_id) if person.deputy_id else "",
        }
        for level, field_name in cls.FUNCTION_FIELDS.items():
            data[field_name] = [f.value for f in Function if f.level is level and f in held]
        return cls(data=data)

    def values(self) -> PersonValues:
        school_id, unit_id = self._parse_organisation() or (None, None)
        chosen = {value for field_name in self.FUNCTION_FIELDS.values() for value in (self[field_name].data or [])}
        return PersonValues(
            name=self.name.data or "", email=self.email.data or "", phone=self.phone.data,
            language=Language(self.language.data) if self.language.data in {lang.value for lang in Language}
            else None,
            school_id=school_id, unit_id=unit_id,
            functions=tuple(f for f in Function if f.value in chosen),
            deputy_id=int(self.deputy.data) if self.deputy.data else None,
        )


class PersonSearchForm(Form):
    """The people list's search and filters, from the query string."""

    q = SearchField(_l("Sök på namn, e-post eller funktion"), filters=[_strip])
    function = SelectField(_l("Funktion"), validate_choice=False)
    active = SelectField(_l("Status"), choices=ACTIVE_CHOICES, validate_choice=False)

    def set_choices(self, language: str) -> None:
        self.function.choices = [SelectChoice("", gettext("Alla funktioner"))] + [
            SelectChoice(f.value, f.label(language)) for f in Function]

    def function_value(self) -> Function | None:
        return next((f for f in Function if f.value == self.function.data), None)


def active_value(text: str | None) -> bool | None:
    return {"active": True, "inactive": False}.get(text or "")


# ---------------------------------------------------------------------------------------------
# Buttons and uploads


class ConfirmForm(FlaskForm):
    """A button that changes something: only its CSRF token."""


class UploadForm(FlaskForm):
    file = FileField(_l("Fil"), validators=[FileRequired(message=_l("Välj en fil att importera."))])
