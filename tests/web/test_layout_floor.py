"""The floor every signed-in page pays: the session's user and everything the layout's menu and header read
(the name, the district's code, a principal's functions) come in one statement, before the page's own work
(docs/decisions.md 79; issue 16)."""
from __future__ import annotations

import pytest
from flask import render_template

from coordinator.auth.models import Role
from coordinator.auth.routes import SIGNED_IN, permission
from tests.web.helpers import log_in_as, page, statements_of

FLOOR = "/test/floor"


@pytest.fixture
def floor_app(demo):
    """The demo with a page that does nothing of its own: the layout around an empty content block."""
    template = demo.jinja_env.from_string('{% extends "base.html" %}{% block content %}<p>Golv</p>{% endblock %}')
    demo.add_url_rule(FLOOR, "test_floor", permission(SIGNED_IN)(lambda: render_template(template)))
    return demo


@pytest.mark.parametrize(("role", "district", "menu"), [
    (Role.DISTRICT_DIRECTOR, "NORRVIKEN", ('href="/districts/NORRVIKEN/followup"', 'href="/districts/NORRVIKEN/apt"')),
    (Role.CITY_ADMIN, None, ('href="/followup"', 'href="/users"')),
    (Role.PARTICIPANT, None, ("APT-besök", "Min kalender")),  # Annika Berg, rektor: her school's APT page
    (Role.INTAKE_OFFICER, "NORRVIKEN", ('href="/districts/NORRVIKEN/reports"', 'href="/districts/NORRVIKEN/apt"')),
])
def test_a_signed_in_page_pays_one_statement_for_its_user_and_layout(floor_app, client, role, district, menu):
    log_in_as(client, floor_app, role, district)
    with statements_of(floor_app) as statements:
        response = client.get(FLOOR)
    count, html = len(statements), page(response)

    assert count <= 1, count  # the user with their person, functions and district; the menu reads no more
    assert response.status_code == 200 and "Golv" in html and all(item in html for item in menu), html
    if role is Role.PARTICIPANT:
        assert 'class="account__name">Annika Berg<' in html  # the person's name in the header, from the same row


def test_the_templates_translations_follow_a_forced_language_within_a_request(app):
    """The templates keep the request's catalogue (decision 79), yet a mail or page rendered in another language
    within the request (`force_locale`) speaks that language, and the request's own again after it."""
    from flask import render_template_string
    from flask_babel import force_locale

    with app.test_request_context("/?lang=en"):
        english = render_template_string('{{ _("Logga ut") }}')
        with force_locale("sv"):
            swedish = render_template_string('{{ _("Logga ut") }}|{{ ngettext("%(num)d minut", "%(num)d minuter", 2) }}')
        again = render_template_string('{{ _("Logga ut") }}')

    assert (english, swedish, again) == ("Sign out", "Logga ut|2 minuter", "Sign out")
