"""A district director plans a term, moves a meeting and publishes, with the keyboard alone."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from coordinator.auth.models import Role
from coordinator.demo.data import LOGINS, PASSWORD, login_email
from tests.e2e.accessibility import assert_accessible, press, type_date, type_into, type_time


def director_email() -> str:
    return next(login_email(login) for login in LOGINS
                if login.role is Role.DISTRICT_DIRECTOR and login.district == "NORRVIKEN")


def log_in(page, base_url: str, email: str) -> None:  # type: ignore[no-untyped-def]
    """Sign in with the keyboard: Tab to each field, type, Enter on the button."""
    page.goto(f"{base_url}/login")
    type_into(page, page.get_by_label("E-post"), email)
    type_into(page, page.get_by_label("Lösenord"), PASSWORD)
    press(page, page.get_by_role("button", name="Logga in"))
    expect(page.get_by_role("button", name="Logga ut")).to_be_visible()


def test_the_director_plans_moves_and_publishes_a_term(live_server, page, screenshots) -> None:  # type: ignore[no-untyped-def]
    log_in(page, live_server.url, director_email())
    page.goto(f"{live_server.url}/districts/NORRVIKEN/terms/HT2027/plan")
    screenshots.take(page, "empty-plan")
    press(page, page.get_by_role("button", name="Planera terminen"))
    expect(page.get_by_text(re.compile(r"Övergripande samverkansforum", re.I)).first).to_be_visible()
    screenshots.take(page, "planned")

    # the overview counts each form's meetings; the form's page lists them, each to move or cancel
    press(page, page.get_by_role("link", name="Övergripande samverkansforum", exact=True))
    expect(page.get_by_role("heading", name="Övergripande samverkansforum", level=1)).to_be_visible()
    screenshots.take(page, "form")
    press(page, page.get_by_role("link", name=re.compile(r"^Flytta Övergripande samverkansforum")).first)
    expect(page.get_by_role("heading", name="Flytta mötet", level=1)).to_be_visible()
    type_date(page, page.get_by_label("Datum"), "2027-10-13")
    type_time(page, page.get_by_label("Börjar"), "09:00")
    type_time(page, page.get_by_label("Slutar"), "11:00")
    screenshots.take(page, "move")
    press(page, page.get_by_role("button", name="Flytta mötet"))
    expect(page.get_by_text("Mötet flyttades.")).to_be_visible()
    expect(page.get_by_text("flyttat för hand").first).to_be_visible()
    screenshots.take(page, "moved")
    assert_accessible(page)

    publish(page, screenshots)
    expect(page.get_by_text(re.compile(r", 0 utkast\."))).to_be_visible()
    expect(page.get_by_role("link", name="Publicera …")).to_have_count(0)  # nothing left to publish
    screenshots.take(page, "published")


def publish(page, screenshots=None) -> None:  # type: ignore[no-untyped-def]
    """Publish from the planning page with the keyboard: the confirmation says how many invitations go out,
    then the button."""
    press(page, page.get_by_role("link", name="Publicera …"))
    expect(page.get_by_role("heading", name=re.compile(r"^Publicera \d+ möten\?$"))).to_be_visible()
    expect(page.get_by_text(re.compile(r"^\d+ inbjudningar till \d+ personer skickas när du publicerar\.$"))).to_be_visible()
    if screenshots is not None:
        screenshots.take(page, "publish-confirm")
    press(page, page.get_by_role("button", name="Ja, publicera och skicka inbjudningarna"))
    expect(page.get_by_text(re.compile(r"^\d+ möten publicerades; \d+ inbjudningar till \d+ personer skickas\.$"))
           .first).to_be_visible()
