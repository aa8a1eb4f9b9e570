"""Follow-up in the browser: a director walks to their district's view and into the meetings not held, a city
administrator sorts the city's districts; axe-core finds no serious or critical violation on any new page."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from coordinator.auth.models import Role
from coordinator.demo.data import LOGINS, login_email
from tests.e2e.accessibility import assert_accessible
from tests.e2e.test_director_journey import director_email, log_in
from tests.e2e.world import a_forum_held


def test_a_director_finds_the_meetings_not_held(live_server, page) -> None:  # type: ignore[no-untyped-def]
    a_forum_held(live_server.app)
    log_in(page, live_server.url, director_email())

    page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Uppföljning").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Uppföljning (HT|VT)\d{4}: Norrviken$"))
    page.get_by_label("Termin", exact=True).select_option("HT2026")
    page.get_by_role("button", name="Visa").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Uppföljning HT2026: Norrviken")
    assert_accessible(page)

    row = page.locator("#indicator-meetings-not_held")
    expect(row.get_by_role("rowheader")).to_have_text("Möten som inte hölls")
    expect(row).to_contain_text("Inte uppfyllt")  # in words, beside its shape
    not_held = int(row.get_by_role("link").inner_text())
    row.get_by_role("link").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Möten som inte hölls")
    rows = page.locator("table.drill tbody tr")
    expect(rows).to_have_count(not_held)
    expect(page.get_by_role("rowheader", name="2026-09-15 13:00")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Uppföljning HT2026: Norrviken").click()
    page.get_by_role("link", name=re.compile(r"^Skolorna läsåret")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Skolorna läsåret \d{4}/\d{2}: Norrviken$"))
    assert_accessible(page)


def test_a_city_administrator_sorts_the_districts(live_server, page) -> None:  # type: ignore[no-untyped-def]
    log_in(page, live_server.url, next(login_email(x) for x in LOGINS if x.role is Role.CITY_ADMIN))

    page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Uppföljning").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Uppföljning i staden (HT|VT)\d{4}$"))
    table = page.locator("table.followup-city")
    expect(table.locator("tbody th")).to_have_text(["Norrviken", "Söderby"])
    assert_accessible(page)

    table.get_by_role("link", name=re.compile(r"^Hållna möten av överenskomna")).click()
    header = page.locator("table.followup-city thead th", has_text="Hållna möten av överenskomna")
    expect(header).to_have_attribute("aria-sort", "ascending")
    assert "sort=meetings.held" in page.url and "order=asc" in page.url
    header.get_by_role("link").click()
    expect(page.locator("table.followup-city thead th", has_text="Hållna möten av överenskomna")) \
        .to_have_attribute("aria-sort", "descending")
    expect(page.locator("table.followup-city thead th[aria-sort]")).to_have_count(1)

    page.locator("table.followup-city").get_by_role("link", name="Stadsdel").click()
    expect(page.locator("table.followup-city tbody th")).to_have_text(["Norrviken", "Söderby"])
    page.locator("table.followup-city").get_by_role("link", name="Stadsdel").click()
    expect(page.locator("table.followup-city tbody th")).to_have_text(["Söderby", "Norrviken"])
    assert_accessible(page)
