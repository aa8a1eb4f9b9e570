"""The committee secretary keeps the minutes of a held overarching forum: attendance, a text refused while it
holds an identity number, registration; the chosen adjuster approves in her own browser; the secretary reports the
minutes to the committee and finds the district's follow-up figures changed."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from coordinator.agreements.models import FormKind
from coordinator.auth.models import Role
from tests.e2e.test_director_journey import log_in
from tests.e2e.test_principal_journey import PRINCIPAL, email
from tests.e2e.world import a_forum_held, email_of

FOLLOWUP = "/districts/NORRVIKEN/followup?term=HT2026"
FIGURES = ("minutes-kept", "minutes-approved", "minutes-reported")


def figures(page) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The follow-up page's value of each minutes indicator, as shown."""
    return {key: page.locator(f"#indicator-{key} td.number").inner_text().strip() for key in FIGURES}


def test_the_registrar_keeps_registers_and_reports_minutes_and_sees_the_figures(
        live_server, page, browser, screenshots) -> None:  # type: ignore[no-untyped-def]
    forum = a_forum_held(live_server.app, FormKind.OVERARCHING_FORUM)
    minutes = f"{live_server.url}/meetings/{forum}/minutes"
    log_in(page, live_server.url, email_of(Role.DISTRICT_ADMIN))  # the committee secretary
    page.goto(live_server.url + FOLLOWUP)
    before = figures(page)
    screenshots.take(page, "followup-before")

    page.goto(minutes)
    page.get_by_role("button", name="Skapa protokoll").click()
    page.get_by_role("link", name="Registrera närvaro").click()
    for present in page.locator("input[type=radio][value=present]").all():
        present.check()
    screenshots.take(page, "attendance")
    page.get_by_role("button", name=re.compile("^Spara")).click()
    expect(page.locator("#attendance")).to_contain_text("Närvarande")

    page.get_by_role("link", name="Skriv texten").click()
    page.get_by_label("Beslut").fill("Skolan och socialtjänsten ses igen i januari.\nEleven 19121212-1212 togs upp.")
    page.get_by_role("button", name="Spara texten").click()
    expect(page.get_by_text(re.compile("får inte innehålla personnummer")).first).to_be_visible()
    expect(page.get_by_text("Personnummer 19121212-**** – Beslut, rad 2")).to_be_visible()
    expect(page.get_by_label("Beslut")).to_have_value(re.compile("Eleven 19121212-1212 togs upp."))  # kept, to fix
    screenshots.take(page, "identity-number-refused")
    page.get_by_label("Beslut").fill("Skolan och socialtjänsten ses igen i januari.\nEn elevs situation togs upp.")
    page.get_by_role("button", name="Spara texten").click()
    expect(page.locator("#text")).to_contain_text("En elevs situation togs upp.")

    page.locator("#adjusters").get_by_label(PRINCIPAL).check()
    page.get_by_role("button", name="Välj justerare").click()
    expect(page.locator("#adjusters")).to_contain_text(f"{PRINCIPAL}: inte justerat")
    page.get_by_role("button", name="Registrera protokollet").click()
    expect(page.get_by_text("Protokollet är registrerat.").first).to_be_visible()
    screenshots.take(page, "registered")

    adjuster = browser.new_context(locale="sv-SE", timezone_id="Europe/Stockholm").new_page()
    log_in(adjuster, live_server.url, email(PRINCIPAL))
    adjuster.goto(minutes)
    adjuster.get_by_role("button", name="Justera protokollet").click()
    expect(adjuster.get_by_text("Du har justerat protokollet.")).to_be_visible()
    screenshots.take(adjuster, "approved-by-the-adjuster")
    adjuster.context.close()

    page.goto(minutes)
    page.get_by_role("link", name="Anmäl till nämnden").click()
    page.get_by_label(re.compile("^Övergripande samverkansforum")).check()
    page.get_by_label("Nämndens sammanträde").fill("2026-10-20")
    page.get_by_label("Nämndens diarienummer").fill("SDN 2026/123")
    screenshots.take(page, "report-to-the-committee")
    page.get_by_role("button", name="Markera som anmälda").click()
    expect(page.get_by_text("1 protokoll anmäldes till nämnden (SDN 2026/123).")).to_be_visible()

    page.goto(live_server.url + FOLLOWUP)
    after = figures(page)
    screenshots.take(page, "followup-after")
    assert before == dict.fromkeys(FIGURES, "–")  # no minutes kept yet: nothing to count
    assert after == dict.fromkeys(FIGURES, "100 % (1 av 1)")
