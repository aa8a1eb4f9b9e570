"""A school books a consultation from its link, without an account, and the intake group sees it on the day's list."""
from __future__ import annotations

import re

import sqlalchemy as sa
from playwright.sync_api import expect

from coordinator.auth.models import Role
from coordinator.consultations.models import ConsultationBooking
from coordinator.db import make_session_factory
from coordinator.demo.data import LOGINS, login_email
from tests.consultation_helpers import BOOKER, LARKAN, MATTER, NOW, TUESDAY_13
from tests.e2e.test_director_journey import log_in


def intake_email() -> str:
    return next(login_email(login) for login in LOGINS if login.role is Role.INTAKE_OFFICER)


def test_a_school_books_from_its_link_and_the_officer_sees_it_on_the_days_list(live_server, page, browser,
                                                                                monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr("coordinator.consultations.views.utcnow", lambda: NOW)  # Wednesday 1 September 2027
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    log_in(page, live_server.url, intake_email())
    page.goto(f"{live_server.url}/districts/NORRVIKEN/consultations/links")
    field = page.get_by_label(f"Bokningslänk för {LARKAN}")
    link = field.input_value()
    assert re.fullmatch(rf"{re.escape(live_server.url)}/consultations/book/\S+", link), link
    page.locator(f"button[data-copy='{field.get_attribute('id')}']").click()
    expect(page.get_by_text("Länken är kopierad.")).to_be_visible()

    school = browser.new_context(locale="sv-SE", timezone_id="Europe/Stockholm").new_page()  # no login: the link
    school.goto(link)
    expect(school.get_by_role("heading", name="Boka konsultation med socialtjänsten")).to_be_visible()
    expect(school.get_by_text("Konsultationen är anonym.", exact=True)).to_be_visible()
    school.get_by_label("tisdag 7 september 2027, 13:00–13:20").check()
    school.get_by_label("Ditt namn").fill(BOOKER[0])
    school.get_by_label("Din e-postadress").fill(BOOKER[1])
    school.get_by_label("Vad vill du ta upp?").fill(MATTER)
    school.get_by_role("button", name="Boka tiden").click()
    expect(school.get_by_text(re.compile(r"^Tack! Konsultationen är bokad tisdag 7 september 2027, 13:00–13:20"))
           ).to_be_visible()
    expect(school.get_by_label("tisdag 7 september 2027, 13:00–13:20")).to_have_count(0)  # no longer offered
    school.context.close()
    with make_session_factory(live_server.app.extensions["coordinator.engine"])() as session:
        [booking] = session.scalars(sa.select(ConsultationBooking)).all()
        assert (booking.starts_at, booking.booker_email) == (TUESDAY_13, BOOKER[1])

    page.goto(f"{live_server.url}/districts/NORRVIKEN/consultations?day=2027-09-07")
    expect(page.get_by_role("heading", name="Konsultationer tisdag 7 september 2027")).to_be_visible()
    row = page.get_by_role("row").filter(has_text=LARKAN)
    expect(row).to_contain_text("13:00–13:20")
    expect(row).to_contain_text(BOOKER[0])
    expect(row).to_contain_text(BOOKER[1])
    expect(row).to_contain_text(MATTER)
    expect(row.get_by_role("button", name=re.compile("^Avboka"))).to_be_visible()
