"""A district director plans and publishes a term in the browser."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from coordinator.demo.data import LOGINS, PASSWORD, login_email
from coordinator.auth.models import Role


def director_email() -> str:
    return next(login_email(login) for login in LOGINS
                if login.role is Role.DISTRICT_DIRECTOR and login.district == "NORRVIKEN")


def log_in(page, base_url: str, email: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base_url}/login")
    page.get_by_label("E-post").fill(email)
    page.get_by_label("Lösenord").fill(PASSWORD)
    page.get_by_role("button", name="Logga in").click()


def test_the_director_plans_and_publishes_a_term(live_server, page) -> None:  # type: ignore[no-untyped-def]
    log_in(page, live_server.url, director_email())
    page.goto(f"{live_server.url}/districts/NORRVIKEN/terms/HT2027/plan")
    page.get_by_role("button", name="Planera terminen").click()
    expect(page.get_by_text(re.compile(r"Övergripande samverkansforum", re.I)).first).to_be_visible()
    publish(page)

    expect(page.get_by_text(re.compile(r", 0 utkast\."))).to_be_visible()
    expect(page.get_by_role("link", name="Publicera …")).to_have_count(0)  # nothing left to publish


def publish(page) -> None:  # type: ignore[no-untyped-def]
    """Publish from the planning page: the confirmation says how many invitations go out, then the button."""
    page.get_by_role("link", name="Publicera …").click()
    expect(page.get_by_role("heading", name=re.compile(r"^Publicera \d+ möten\?$"))).to_be_visible()
    expect(page.get_by_text(re.compile(r"^\d+ inbjudningar till \d+ personer skickas när du publicerar\.$"))).to_be_visible()
    page.get_by_role("button", name="Ja, publicera och skicka inbjudningarna").click()
    expect(page.get_by_text(re.compile(r"^\d+ möten publicerades; \d+ inbjudningar till \d+ personer skickas\.$"))
           .first).to_be_visible()
