"""Script typed into the app's free-text fields stays text: strings that would run, inject an element or an
attribute, or be evaluated by a template are typed into the real forms in Chromium (the register's school and
person names, a group of schools' name, an invited login's name, a meeting form's name, purpose, place and video
link in the agreement editor, the minutes' text, an action item, a report of concern's case reference and reporter,
a consultation booking's name and matter, the consultation hours' place), and
the pages that show them must show each string as typed: no alert, no injected element or attribute, no link to
`javascript:`, and the markup escaped in the HTML. The Content-Security-Policy would stop an injected inline script
from running, so the test does not rely on the alert alone: it fails on the injected element itself."""
from __future__ import annotations

import re

import sqlalchemy as sa
from playwright.sync_api import expect

from coordinator.agreements.models import Agreement, AgreementVersion, FormKind, VersionStatus
from coordinator.auth.models import Role
from coordinator.db import make_session_factory
from coordinator.org.models import District, Person, School
from tests.consultation_helpers import LARKAN, NOW
from tests.e2e.test_director_journey import log_in
from tests.e2e.world import a_forum_held, email_of

SCRIPT = "<script>alert(1)</script>"
ATTRIBUTE = '"><img src=x onerror=alert(1)>'
SVG = "'><svg onload=alert(1)>"
TEMPLATE = "{{7*7}}"
URL = "javascript:alert(1)"


SHORT = {"case"}  # fields of at most 60 characters (the browser stops typing there): the attribute string only


def payload(field: str) -> str:
    """What is typed into a field: a marker naming it, then every string."""
    if field in SHORT:
        return f"xss-{field} {ATTRIBUTE} {TEMPLATE}"
    return f"xss-{field} {SCRIPT} {ATTRIBUTE} {SVG} {TEMPLATE}"


def escaped(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


INJECTED = """() => {
  const found = [];
  for (const element of document.querySelectorAll('*')) {
    for (const attribute of element.attributes) {
      if (attribute.name.startsWith('on')) found.push(element.tagName + '[' + attribute.name + ']');
      if (['href', 'src', 'action', 'formaction'].includes(attribute.name)
          && attribute.value.trim().toLowerCase().startsWith('javascript:')) found.push(element.tagName + '[' + attribute.name + ']');
    }
  }
  for (const script of document.querySelectorAll('script')) {
    if (!script.src || new URL(script.src).origin !== location.origin) found.push('script ' + (script.src || 'inline'));
  }
  for (const img of document.querySelectorAll('img[src="x"]')) found.push(img.tagName);
  return found;
}"""


class Shown:
    """Opens pages and checks that the strings typed are shown as text and nothing was injected."""

    def __init__(self, page) -> None:  # type: ignore[no-untyped-def]
        self.page, self.dialogs = page, []
        page.on("dialog", lambda dialog: (self.dialogs.append(dialog.message), dialog.dismiss()))

    def check(self, url: str | None, *fields: str) -> None:
        if url is not None:
            self.page.goto(url)
        assert self.page.evaluate(INJECTED) == [], self.page.url
        html, text = self.page.content(), self.page.locator("body").inner_text()
        for field in fields:
            assert escaped(payload(field)) in html, (field, self.page.url)  # the DOM holds it as text
            assert payload(field) in text, (field, self.page.url)  # shown as typed: not evaluated, not dropped
        assert self.dialogs == [], self.dialogs


def submit(field) -> None:  # type: ignore[no-untyped-def]
    """The submit button of the form that holds `field`."""
    field.page.locator("form", has=field).locator("button[type=submit]").first.click()


def log_out(page, base: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(base)
    page.get_by_role("button", name="Logga ut").click()


def ids(app) -> dict[str, int]:  # type: ignore[no-untyped-def]
    with make_session_factory(app.extensions["coordinator.engine"])() as session:
        norrviken = sa.select(District.id).where(District.code == "NORRVIKEN").scalar_subquery()
        return {
            "school": session.scalars(sa.select(School.id).where(School.name == "Norrvikens skola")).one(),
            "person": session.scalars(sa.select(Person.id).where(Person.name == "Per Olsson")).one(),
            "agreement": session.scalars(sa.select(Agreement.id).join(AgreementVersion, AgreementVersion.agreement_id
                                                                      == Agreement.id)
                                         .where(Agreement.district_id == norrviken,
                                                AgreementVersion.status == VersionStatus.ACTIVE)).first(),
        }


def test_script_typed_into_free_text_fields_stays_text(live_server, page, browser, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    base, found = live_server.url, ids(live_server.app)
    forum = a_forum_held(live_server.app, FormKind.OVERARCHING_FORUM)
    shown = Shown(page)

    # the register, as the district administrator; she also keeps the forum's minutes
    log_in(page, base, email_of(Role.DISTRICT_ADMIN))
    page.goto(f"{base}/districts/NORRVIKEN/schools/{found['school']}")
    page.locator("[name=name]").fill(payload("school"))
    submit(page.locator("[name=name]"))
    page.goto(f"{base}/districts/NORRVIKEN/people/{found['person']}")
    page.locator("[name=name]").fill(payload("person"))
    submit(page.locator("[name=name]"))
    shown.check(f"{base}/districts/NORRVIKEN/schools", "school")
    shown.check(f"{base}/districts/NORRVIKEN/people", "person")
    shown.check(f"{base}/districts/NORRVIKEN/people/{found['person']}", "person", "school")
    page.goto(f"{base}/districts/NORRVIKEN/groups/new")
    page.locator("[name=name]").fill(payload("group"))
    page.locator("[name=school_ids]").first.check()
    submit(page.locator("[name=name]"))
    shown.check(f"{base}/districts/NORRVIKEN/groups", "group")
    page.get_by_role("link", name=payload("group")).click()
    shown.check(None, "group")
    page.goto(f"{base}/users/invite")
    page.locator("[name=email]").fill("ny.kollega@norrviken.example")
    page.locator("[name=name]").fill(payload("invitee"))
    page.locator("[name=role]").select_option("district_admin")
    submit(page.locator("[name=name]"))
    assert re.search(r"/users/\d+$", page.url), page.locator("main").inner_text()
    shown.check(None, "invitee")
    shown.check(f"{base}/users", "invitee")

    page.goto(f"{base}/meetings/{forum}/minutes")
    page.get_by_role("button", name="Skapa protokoll").click()
    page.goto(f"{base}/meetings/{forum}/minutes/text")
    for field in ("agenda", "decisions", "follow_up", "other"):
        page.locator(f"[name={field}]").fill(payload(field))
    submit(page.locator("[name=other]"))
    expect(page.get_by_text("Texten är sparad.")).to_be_visible()
    page.goto(f"{base}/meetings/{forum}/minutes/items/new")
    page.locator("[name=text]").fill(payload("item"))
    page.locator("[name=owner]").select_option(index=1)
    page.locator("[name=due_on]").fill("2026-12-31")
    submit(page.locator("[name=text]"))
    expect(page.get_by_text("Punkten är tillagd.")).to_be_visible()
    shown.check(f"{base}/meetings/{forum}/minutes", "agenda", "decisions", "follow_up", "other", "item")
    shown.check(f"{base}/meetings/{forum}/minutes/print", "decisions", "item")
    log_out(page, base)

    # a meeting form in a new draft of the agreement, as the director
    log_in(page, base, email_of(Role.DISTRICT_DIRECTOR))
    page.goto(f"{base}/agreements/{found['agreement']}/versions/new")
    page.get_by_label("Nästa revision senast").fill("2028-06-15")
    page.get_by_role("button", name="Skapa utkastet").click()
    expect(page.get_by_text(re.compile(r"^Version \d+ är skapad som ett utkast"))).to_be_visible()
    page.locator("a[href*='/forms/']").first.click()
    for field in ("name", "purpose", "place"):
        page.locator(f"[name={field}]").fill(payload(f"form-{field}"))
    page.locator("[name=video_url]").fill(URL)
    submit(page.locator("[name=name]"))
    shown.check(None)  # the link is refused: what was typed is kept in the fields, inert
    expect(page.locator("[name=video_url]")).to_have_value(URL)
    expect(page.locator("[name=name]")).to_have_value(payload("form-name"))
    screenshot = page.url
    page.locator("[name=video_url]").fill("https://video.example/forum")
    submit(page.locator("[name=name]"))
    version = page.url.split("#")[0]
    assert version != screenshot, "the meeting form was not saved"
    shown.check(version, "form-name")
    shown.check(version.replace("#motesformer", "") + "/document", "form-name", "form-purpose", "form-place")
    log_out(page, base)

    # a report of concern and a consultation booked from a school's link, as the intake officer
    monkeypatch.setattr("coordinator.consultations.views.utcnow", lambda: NOW)  # Wednesday 1 September 2027
    log_in(page, base, email_of(Role.INTAKE_OFFICER))
    page.goto(f"{base}/districts/NORRVIKEN/reports/new")
    page.locator("[name=received_on]").fill("2026-11-30")
    page.locator("[name=school_id]").select_option(label=LARKAN)
    page.locator("[name=reporter_name]").fill(payload("reporter"))
    page.locator("[name=reporter_email]").fill("anmalare@larkan.example")
    page.locator("[name=case_reference]").fill(payload("case"))
    submit(page.locator("[name=case_reference]"))
    report = page.url
    assert re.search(r"/reports/\d+$", report), report
    shown.check(None, "case", "reporter")
    shown.check(f"{base}/districts/NORRVIKEN/reports", "case")

    page.goto(f"{base}/districts/NORRVIKEN/consultations/links")
    link = page.get_by_label(f"Bokningslänk för {LARKAN}").input_value()
    school = browser.new_context(locale="sv-SE", timezone_id="Europe/Stockholm").new_page()  # no login: the link
    visitor = Shown(school)
    school.goto(link)
    school.get_by_label("tisdag 7 september 2027, 13:00–13:20").check()
    school.get_by_label("Ditt namn").fill(payload("booker"))
    school.get_by_label("Din e-postadress").fill("anna.larare@larkan.example")
    school.get_by_label("Vad vill du ta upp?").fill(payload("matter"))
    school.get_by_role("button", name="Boka tiden").click()
    expect(school.get_by_text(re.compile(r"^Tack! Konsultationen är bokad"))).to_be_visible()
    visitor.check(None)
    school.context.close()
    shown.check(f"{base}/districts/NORRVIKEN/consultations?day=2027-09-07", "booker", "matter")

    page.goto(f"{base}/districts/NORRVIKEN/consultations/hours")
    page.locator("[name=weekday]").select_option("3")  # Thursdays
    page.locator("[name=window_start]").fill("09:00")
    page.locator("[name=window_end]").fill("10:00")
    page.locator("[name=place]").fill(payload("hours-place"))
    page.locator("[name=starts_on]").fill("2027-09-09")
    page.locator("[name=ends_on]").fill("2027-12-16")
    if not page.locator("[name=officer_ids]:checked").count():
        page.locator("[name=officer_ids]").first.check()
    submit(page.locator("[name=place]"))
    expect(page.get_by_text("Konsultationstiderna är publicerade")).to_be_visible()
    shown.check(None, "hours-place")
