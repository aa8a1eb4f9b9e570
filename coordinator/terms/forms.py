"""The term form: name, dates and a list of break rows, turned into plain values for the services.

Break rows left empty are ignored and a ticked "Ta bort" drops the break, so the page needs no
script: it shows the stored breaks and a few empty rows. Problems the services find are put
back on the fields they are about (`show_problems`).
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from flask_babel import gettext, lazy_gettext
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, FieldList, Form, FormField, SelectField, StringField
from wtforms.fields import Field, SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from coordinator.i18n import DomainError
from coordinator.terms.calendar import BREAK_NAMES, Break
from coordinator.terms.importer import NAME_LENGTH
from coordinator.terms.services import TermProblem

EMPTY_BREAK_ROWS = 3
_DATE_FORMAT = lazy_gettext("Skriv datumet som ÅÅÅÅ-MM-DD, till exempel 2027-08-19.")


def _date_field(label: Any, *validators: Any) -> DateField:
    return DateField(label, validators=list(validators), invalid_value_message=_DATE_FORMAT,
                     description=lazy_gettext("ÅÅÅÅ-MM-DD"))


class BreakForm(Form):
    """One break row; not a FlaskForm, as the term form's CSRF token covers it."""
    kind = SelectField(
        lazy_gettext("Sort"),
        choices=[SelectChoice("", lazy_gettext("Välj sort"))]
        + [SelectChoice(kind, lazy_gettext(name)) for kind, name in BREAK_NAMES.items()],
        default="", validate_choice=False,  # checked in TermForm.validate, with a Swedish message
    )
    name = StringField(
        lazy_gettext("Namn"), description=lazy_gettext("Frivilligt. Utan namn används sortens namn."),
        validators=[Optional(), Length(max=NAME_LENGTH, message=lazy_gettext(
            "Namnet får vara högst %(max)d tecken."))],
    )
    starts_on = _date_field(lazy_gettext("Första dagen"), Optional())
    ends_on = _date_field(lazy_gettext("Sista dagen"), Optional())
    remove = BooleanField(lazy_gettext("Ta bort lovet"))

    def is_empty(self) -> bool:
        return not (self.kind.data or (self.name.data or "").strip()
                    or _typed(self.starts_on) or _typed(self.ends_on))


def _typed(field: Field) -> bool:
    return bool(field.raw_data and field.raw_data[0].strip()) or field.data is not None


class TermForm(FlaskForm):
    """A term and its breaks. The edit page deletes `name`: a term keeps its name."""
    name = StringField(
        lazy_gettext("Termin"),
        description=lazy_gettext("HT för hösttermin eller VT för vårtermin, följt av året: HT2027, VT2028."),
        # the format is the services' rule (calendar.parse_term_name), with its message
        validators=[InputRequired(message=lazy_gettext("Ange terminens namn, till exempel HT2027."))],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    starts_on = _date_field(lazy_gettext("Första dagen"),
                            InputRequired(message=lazy_gettext("Ange terminens första dag.")))
    ends_on = _date_field(lazy_gettext("Sista dagen"),
                          InputRequired(message=lazy_gettext("Ange terminens sista dag.")))
    breaks = FieldList(FormField(BreakForm), label=lazy_gettext("Lov och studiedagar"))

    def add_empty_rows(self, count: int = EMPTY_BREAK_ROWS) -> None:
        for _ in range(count):
            self.breaks.append_entry()

    def validate(self, extra_validators: Any = None) -> bool:
        """The fields' own checks, then each filled-in break row's, building `break_values`."""
        super().validate(extra_validators)
        self.break_values: list[Break] = []
        self._rows: list[int] = []  # the row (entry index) of each of break_values
        for index, entry in enumerate(self.breaks.entries):
            row: BreakForm = entry.form
            if row.remove.data or row.is_empty():
                continue
            if row.kind.data not in BREAK_NAMES:
                row.kind.errors.append(gettext("Välj vilken sorts lov det är."))
            for field, message in ((row.starts_on, gettext("Ange lovets första dag.")),
                                   (row.ends_on, gettext("Ange lovets sista dag."))):
                if field.data is None and not field.errors:
                    field.errors.append(message)
            if row.kind.errors or row.starts_on.errors or row.ends_on.errors or row.name.errors:
                continue
            try:
                self.break_values.append(Break(row.kind.data, row.starts_on.data, row.ends_on.data,
                                               " ".join((row.name.data or "").split())))
            except DomainError as error:  # it ends before it starts
                row.ends_on.errors.append(gettext(error.template, **error.params))
                continue
            self._rows.append(index)
        return not self.summary().has_errors

    def term_fields_are_valid(self) -> bool:
        """Whether the term's own fields (not its break rows) passed, so the services can check it."""
        return not any(f.errors for f in (self.name, self.starts_on, self.ends_on) if f is not None)

    def show_problems(self, problems: Sequence[TermProblem]) -> None:
        """Put the services' problems on the fields they are about (the form's top when none fits)."""
        for problem in problems:
            message = gettext(problem.template, **problem.params)
            if problem.break_index is not None:
                target = getattr(self.breaks.entries[self._rows[problem.break_index]].form, problem.field or "")
            else:
                target = self[problem.field] if problem.field and problem.field in self else None
            if target is None:
                self.form_errors.append(message)
            else:
                target.errors.append(message)

    def summary(self) -> FormSummary:
        return FormSummary(self)


class FormSummary:
    """The form as macros/forms.html's error_summary reads it, break rows flattened into their fields.

    The summary lists messages without their labels, so each break row's messages name the row.
    """

    def __init__(self, form: TermForm) -> None:
        self.form = form

    @property
    def form_errors(self) -> list[str]:
        return self.form.form_errors

    @property
    def has_errors(self) -> bool:
        return bool(self.form_errors) or any(field.errors for field in self)

    def __iter__(self) -> Iterator[Any]:
        for field in self.form:
            if field is not self.form.breaks:
                yield field
        for number, entry in enumerate(self.form.breaks.entries, start=1):
            for field in entry.form:
                yield _RowField(field, number)


class _RowField:
    def __init__(self, field: Field, number: int) -> None:
        self._field, self._number = field, number

    def __getattr__(self, name: str) -> Any:
        return getattr(self._field, name)

    @property
    def errors(self) -> list[str]:
        return [gettext("Lov %(number)d: %(message)s", number=self._number, message=message)
                for message in self._field.errors]
