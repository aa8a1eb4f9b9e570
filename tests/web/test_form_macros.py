"""The form macros every page uses: label, hint and errors tied to the input, and the error summary."""
from __future__ import annotations

import re

from flask import render_template_string
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired

PAGE = """{% import "macros/forms.html" as forms %}
<form method="post" novalidate>
{{ forms.error_summary(form) }}
{{ forms.field(form.name) }}
{{ forms.field(form.kind) }}
{{ forms.field(form.cadence) }}
{{ forms.field(form.purpose, hint=_("Vilka frågor forumet tar upp.")) }}
{{ forms.field(form.requires_minutes) }}
{{ forms.button(_("Spara")) }}
</form>"""


class MeetingFormForm(FlaskForm):
    class Meta:
        csrf = False

    name = StringField("Namn", validators=[InputRequired(message="Ange ett namn.")],
                       description="Som det står i överenskommelsen.")
    kind = SelectField("Typ", choices=["Övergripande forum", "Elevhälsokonferens"])
    cadence = RadioField("Hur ofta", choices=["Per termin", "Per år"],
                         validators=[InputRequired(message="Välj hur ofta.")])
    purpose = TextAreaField("Syfte")
    requires_minutes = BooleanField("Protokoll förs")


def render(app, data=None):
    with app.test_request_context("/", method="POST" if data is not None else "GET", data=data or {}):
        form = MeetingFormForm()
        if data is not None:
            form.validate()
            form.form_errors.append("Forumet krockar med ett annat.")
        return render_template_string(PAGE, form=form)


def tag(html: str, element: str, element_id: str) -> str:
    match = re.search(rf'<{element}\b[^>]*\bid="{element_id}"[^>]*>', html)
    assert match is not None, f"no <{element} id={element_id}>"
    return match.group(0)


def test_a_valid_form_has_labels_hints_and_no_summary(app):
    html = render(app)
    assert "error-summary" not in html
    assert '<label class="label" for="name">Namn</label>' in html
    assert '<p class="hint" id="name-hint">Som det står i överenskommelsen.</p>' in html
    assert 'aria-describedby="name-hint"' in tag(html, "input", "name")
    assert "aria-invalid" not in tag(html, "input", "name")
    assert '<label class="label" for="kind">Typ</label>' in html
    assert '<p class="hint" id="purpose-hint">Vilka frågor forumet tar upp.</p>' in html
    assert 'aria-describedby="purpose-hint"' in tag(html, "textarea", "purpose")
    assert '<legend>Hur ofta</legend>' in html  # radios are grouped under their question
    assert '<label for="cadence-0">Per termin</label>' in html
    assert '<label for="requires_minutes">Protokoll förs</label>' in html
    assert '<button type="submit" class="button">Spara</button>' in html


def test_errors_are_summarised_and_tied_to_their_fields(app):
    html = render(app, data={"name": "", "kind": "Elevhälsokonferens"})
    summary = re.search(r'<div class="error-summary" role="alert".*?</div>', html, re.S).group(0)
    links = re.findall(r'<a href="#([^"]+)">([^<]+)</a>', summary)
    assert links == [("name", "Forumet krockar med ett annat."),  # a form-level error: to the first field
                     ("name", "Ange ett namn."),
                     ("cadence-0", "Välj hur ofta.")]               # a radio group: to its first option
    name_input = tag(html, "input", "name")
    assert 'aria-invalid="true"' in name_input
    assert 'aria-describedby="name-hint name-error"' in name_input
    assert re.search(r'<p class="field-error" id="name-error">.*Ange ett namn\.</p>', html)
    assert re.search(r'<fieldset class="field field--choices field--error"\s+aria-describedby="cadence-error">',
                     html)
