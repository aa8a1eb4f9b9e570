"""Consultation hours in the browser (test client, on the demo): booking from a school's link without an
account, every refusal with its message and nothing written, the booker's cancel page, and the intake
group's pages — the day, the week, the hours, the links — with access by role."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from coordinator.audit import AuditEvent
from coordinator.auth.models import Role
from coordinator.consultations.hours import booking_url
from coordinator.consultations.models import BookingLink, ConsultationBooking, ConsultationHours
from coordinator.consultations.services import cancel
from coordinator.consultations.tokens import cancel_token
from coordinator.outbox.models import MessageKind, OutboxMessage
from coordinator.web import db, settings
from tests.consultation_helpers import BOOKER, INTAKE, LARKAN, MATTER, NOW, TUESDAY_13, TUESDAY_1320, book_one, link_of
from tests.invitation_helpers import MAIL
from tests.web.helpers import add_user, csrf_token, log_in_as, page, text

DAY = "/districts/NORRVIKEN/consultations"


@pytest.fixture
def app_at_now(demo, monkeypatch):
    """The demo, with the consultation pages' clock at NOW (Wednesday 1 September 2027)."""
    monkeypatch.setattr("coordinator.consultations.views.utcnow", lambda: NOW)
    return demo


def url_of(app, school: str = LARKAN) -> str:
    with app.app_context():
        return booking_url("", settings().secret_key, link_of(db(), school))


def snapshot(app) -> tuple[int, ...]:
    with app.app_context():
        session = db()
        return tuple(session.scalar(sa.select(sa.func.count()).select_from(table))
                     for table in (ConsultationBooking, OutboxMessage, AuditEvent, BookingLink, ConsultationHours))


def slot_values(html: str) -> list[str]:
    return re.findall(r'<input[^>]*name="slot"[^>]*value="([^"]+)"', html)


def booking_form(client, url: str, **changes: str) -> dict[str, str]:
    html = page(client.get(url))
    return {"csrf_token": csrf_token(html), "slot": slot_values(html)[0], "name": BOOKER[0], "email": BOOKER[1],
            "matter": MATTER, **changes}


def bookings(app) -> list[ConsultationBooking]:
    with app.app_context():
        found = list(db().scalars(sa.select(ConsultationBooking).order_by(ConsultationBooking.id)))
        for booking in found:
            booking.school  # noqa: B018  (loaded before the session closes)
        db().expunge_all()
        return found


# -- booking without an account --------------------------------------------------------------------------------

def test_the_booking_page_shows_the_school_the_free_slots_and_the_warning_and_changes_nothing(client, app_at_now):
    before = snapshot(app_at_now)

    response = client.get(url_of(app_at_now))

    assert response.status_code == 200
    html = page(response)
    assert "Boka konsultation med socialtjänsten" in html and LARKAN in html
    assert "Konsultationen är anonym." in html and "personnummer" in html
    assert "tisdag 7 september 2027" in html and "13:00–13:20" in html
    values = slot_values(html)
    assert len(values) == 6 * 6 and values[0].endswith(":2027-09-07T11:00Z")  # the six Tuesdays to 13 October
    assert snapshot(app_at_now) == before


def test_booking_a_slot_writes_the_booking_and_its_mail_and_thanks_the_booker(client, app_at_now):
    url = url_of(app_at_now)
    response = client.post(url, data=booking_form(client, url))

    assert response.status_code == 302 and response.headers["Location"].endswith(url)
    html = page(client.get(url))
    assert "Tack! Konsultationen är bokad tisdag 7 september 2027, 13:00–13:20" in html
    assert not any(v.endswith(":2027-09-07T11:00Z") for v in slot_values(html))  # no longer offered
    [booking] = bookings(app_at_now)
    assert (booking.school.name, booking.booker_email, booking.matter, booking.starts_at) == (
        LARKAN, BOOKER[1], MATTER, TUESDAY_13)
    with app_at_now.app_context():
        kinds = sorted(m.kind.value for m in db().scalars(sa.select(OutboxMessage)))
    assert kinds == ["consultation_reminder"] * 2 + ["invitation"] * 2


def test_a_slot_someone_took_first_gives_a_clear_message_the_next_free_slots_and_writes_nothing(client, app_at_now):
    url = url_of(app_at_now)
    form = booking_form(client, url)
    with app_at_now.app_context():
        book_one(db(), email="first@norrviken.example", school="Norrvikens skola")  # presses a moment earlier
    before = snapshot(app_at_now)

    response = client.post(url, data=form)

    assert response.status_code == 409
    html = page(response)
    assert "Någon hann boka 2027-09-07 13.00 just före dig. Välj en annan tid; ingenting bokades." in html
    assert "De närmaste lediga tiderna:" in html
    nearest = re.search(r"De närmaste lediga tiderna:</p>\s*<ul>(.*?)</ul>", html, re.S).group(1)
    assert re.findall(r">([^<]+)</a>", nearest) == [f"tisdag 7 september 2027, {t}" for t in
                                                     ("13:20–13:40", "13:40–14:00", "14:00–14:20")]
    assert snapshot(app_at_now) == before
    assert MATTER in html and BOOKER[1] in html  # what was typed is kept for the next try


def test_a_matter_with_an_identity_number_is_refused_in_the_users_language(client, app_at_now):
    url = url_of(app_at_now)
    before = snapshot(app_at_now)

    swedish = page(client.post(url, data=booking_form(client, url, matter="Gäller 871125-9823 i åk 8.")))
    english = page(client.post(url + "?lang=en", data=booking_form(client, url + "?lang=en",
                                                                    matter="About 871125-9823 in year 8.")))

    assert "Ärendet får inte innehålla personnummer eller samordningsnummer (871125-****)" in swedish
    assert "The matter must not contain personal identity numbers or coordination numbers (871125-****)" in english
    assert "9823" not in swedish.replace("871125-9823 i åk 8", "")  # never shown back beyond the typed text
    assert snapshot(app_at_now) == before


def test_a_slot_that_began_while_the_page_was_open_is_refused(client, app_at_now, monkeypatch):
    url = url_of(app_at_now)
    form = booking_form(client, url)
    monkeypatch.setattr("coordinator.consultations.views.utcnow", lambda: TUESDAY_13 + timedelta(minutes=1))
    before = snapshot(app_at_now)

    response = client.post(url, data=form)

    assert response.status_code == 409
    html = page(response)
    assert "Tiden 2027-09-07 13.00 har redan passerat. Välj en annan tid; ingenting bokades." in html
    assert "tisdag 7 september 2027, 13:20–13:40" in html  # the next free one, offered instead
    assert snapshot(app_at_now) == before


@pytest.mark.parametrize("changes, message", [
    ({"slot": ""}, "Välj en av de lediga tiderna."),
    ({"name": ""}, "Fyll i det här fältet."),
    ({"email": "inte-en-adress"}, "är ingen giltig e-postadress"),
    ({"matter": ""}, "Fyll i det här fältet."),
    ({"slot": "T11:10Z"}, "Den tiden finns inte bland konsultationstiderna."),  # between two slots
])
def test_a_form_missing_something_says_what_and_books_nothing(client, app_at_now, changes, message):
    url = url_of(app_at_now)
    before = snapshot(app_at_now)
    form = booking_form(client, url)
    if changes.get("slot", "").startswith("T"):
        changes = {"slot": form["slot"].replace("T11:00Z", changes["slot"])}

    html = page(client.post(url, data={**form, **changes}))

    assert message in html
    assert snapshot(app_at_now) == before


def test_a_tampered_or_revoked_link_books_nothing_and_says_why(client, app_at_now):
    url = url_of(app_at_now)
    form = booking_form(client, url)
    tampered = client.get(url[:-4] + "abcd")
    assert tampered.status_code == 404 and "Länken fungerar inte" in page(tampered)

    log_in_as(client, app_at_now, Role.INTAKE_OFFICER, "NORRVIKEN")
    school_id = bookings_link_school(app_at_now)
    token = csrf_token(page(client.get(f"{DAY}/links")))
    client.post(f"{DAY}/links/{school_id}/revoke", data={"csrf_token": token})
    before = snapshot(app_at_now)

    for response in (client.get(url), client.post(url, data=form)):
        assert response.status_code == 410
        assert "Länken gäller inte längre" in page(response)
    assert snapshot(app_at_now) == before


def bookings_link_school(app) -> int:
    with app.app_context():
        return link_of(db()).school_id


# -- the booker's cancel page -------------------------------------------------------------------------------------

def cancel_url(app, booking_id: int) -> str:
    with app.app_context():
        booking = db().get_one(ConsultationBooking, booking_id)
        return f"/consultations/cancel/{cancel_token(settings().secret_key, booking.id, booking.cancel_key)}"


def test_the_booker_cancels_from_the_link_and_both_sides_get_a_cancel(client, app_at_now):
    with app_at_now.app_context():
        booking_id = book_one(db()).id
    url = cancel_url(app_at_now, booking_id)
    before = snapshot(app_at_now)

    shown = client.get(url)
    assert shown.status_code == 200 and "Avboka konsultationen" in page(shown) and MATTER in page(shown)
    assert snapshot(app_at_now) == before  # opening the link changed nothing

    response = client.post(url, data={"csrf_token": csrf_token(page(shown))})

    assert response.status_code == 302
    html = page(client.get(url))
    assert "Konsultationen är avbokad." in html and "Avboka konsultationen" not in html
    [booking] = bookings(app_at_now)
    assert booking.cancelled_by == "booker" and booking.sequence == 1
    with app_at_now.app_context():
        cancels = db().scalars(sa.select(OutboxMessage.recipient).where(
            OutboxMessage.kind == MessageKind.CANCELLATION)).all()
    assert sorted(cancels) == sorted([f"{BOOKER[0]} <{BOOKER[1]}>", f"Mottagningsgruppen Norrviken <{INTAKE}>"])


def test_a_cancel_link_that_is_tampered_with_or_for_a_begun_consultation(client, app_at_now, monkeypatch):
    with app_at_now.app_context():
        booking_id = book_one(db()).id
    url = cancel_url(app_at_now, booking_id)
    assert client.get(url[:-3] + "xyz").status_code == 404

    monkeypatch.setattr("coordinator.consultations.views.utcnow", lambda: TUESDAY_13 + timedelta(minutes=5))
    begun = client.get(url)
    assert begun.status_code == 410 and "kan inte avbokas här" in page(begun)
    client.post(url, data={"csrf_token": csrf_token(page(client.get("/login")))})
    assert not bookings(app_at_now)[0].is_cancelled


# -- the intake group's pages -------------------------------------------------------------------------------------

def test_the_officer_sees_the_days_bookings_with_matter_booker_and_school_and_cancels_one(client, app_at_now):
    with app_at_now.app_context():
        book_one(db())
        book_one(db(), TUESDAY_1320, school="Norrvikens skola", email="bo@norrviken.example", name="Bo Ek",
                 matter="Frågor om en elev i åk 3.")
    log_in_as(client, app_at_now, Role.INTAKE_OFFICER, "NORRVIKEN")

    html = page(client.get(f"{DAY}?day=2027-09-07"))

    assert "Konsultationer tisdag 7 september 2027" in html
    assert html.index(LARKAN) < html.index("Norrvikens skola")  # by time
    for expected in (MATTER, BOOKER[0], BOOKER[1], "Frågor om en elev i åk 3.", "Bo Ek", "13:00–13:20",
                     "13:20–13:40", "Mottagningsgruppen Norrviken"):
        assert expected in html, expected
    assert "Inga konsultationer är bokade den här dagen." in page(client.get(f"{DAY}?day=2027-09-08"))
    week = page(client.get(f"{DAY}/week?day=2027-09-09"))
    assert "Konsultationer vecka 36, 2027" in week and MATTER in week and "Inga konsultationer." in week

    first = bookings(app_at_now)[0]
    response = client.post(f"{DAY}/{first.id}/cancel", data={"csrf_token": csrf_token(html),
                                                              "next": f"{DAY}?day=2027-09-07"})

    assert response.status_code == 302 and response.headers["Location"].endswith("day=2027-09-07")
    after = page(client.get(f"{DAY}?day=2027-09-07"))
    assert "Konsultationen är avbokad." in after and "Avbokad" in after
    assert bookings(app_at_now)[0].cancelled_by == INTAKE


def test_the_officer_publishes_and_closes_hours(client, app_at_now):
    log_in_as(client, app_at_now, Role.INTAKE_OFFICER, "NORRVIKEN")
    hours = f"{DAY}/hours"
    html = page(client.get(hours))
    assert "Tisdagar 13:00–15:00" in html and "Publicera nya tider" in html
    assert re.search(r'<input[^>]*checked[^>]*name="officer_ids"|<input[^>]*name="officer_ids"[^>]*checked', html)

    form = {"csrf_token": csrf_token(html), "weekday": "3", "window_start": "09:00", "window_end": "10.00",
            "slot_minutes": "30", "place": "Stadsdelshuset, rum 2", "video_url": "", "starts_on": "2027-09-01",
            "ends_on": "2027-12-21"}
    refused = page(client.post(hours, data={**form, "place": ""}))
    assert "Ange en plats, en videolänk eller båda." in refused
    with app_at_now.app_context():
        intake = db().scalars(sa.select(ConsultationHours)).one().officers[0].id
    response = client.post(hours, data={**form, "officer_ids": str(intake)})
    assert response.status_code == 302
    html = page(client.get(hours))
    assert "Konsultationstiderna är publicerade" in html and "Torsdagar 09:00–10:00" in html
    thursdays = [v for v in slot_values(page(client.get(url_of(app_at_now)))) if v.endswith("T07:00Z")]
    assert thursdays[0].endswith(":2027-09-02T07:00Z")

    with app_at_now.app_context():
        new = db().scalars(sa.select(ConsultationHours).where(ConsultationHours.weekday == 3)).one().id
    client.post(f"{hours}/{new}/close", data={"csrf_token": csrf_token(html)})
    assert "Tiderna är stängda." in page(client.get(hours))
    assert not [v for v in slot_values(page(client.get(url_of(app_at_now)))) if v.endswith("T07:00Z")]


def test_the_officer_copies_issues_and_revokes_the_schools_links(client, app_at_now):
    log_in_as(client, app_at_now, Role.INTAKE_OFFICER, "NORRVIKEN")
    links = f"{DAY}/links"
    html = page(client.get(links))
    old = url_of(app_at_now)
    assert f"http://127.0.0.1:5000{old}" in html and "Kopiera" in html and "copy.js" in html
    assert "Söderbyskolan" not in html  # only the district's schools

    school_id = bookings_link_school(app_at_now)
    response = client.post(f"{links}/{school_id}/issue", data={"csrf_token": csrf_token(html)})

    assert response.status_code == 302
    assert "har en ny bokningslänk" in page(client.get(links))
    new = url_of(app_at_now)
    assert new != old and client.get(old).status_code == 410 and client.get(new).status_code == 200


@pytest.mark.parametrize("path", ["", "/week", "/hours", "/links"])
def test_only_the_districts_intake_group_reaches_its_pages(client, app_at_now, path):
    url = f"{DAY}{path}"
    assert client.get(url).status_code == 302  # to the login page

    add_user(app_at_now, "intag@soderby.example", "intake_officer", "SODERBY")
    for role, district, expected in ((Role.DISTRICT_DIRECTOR, "NORRVIKEN", 404), (Role.DISTRICT_ADMIN, "NORRVIKEN", 404),
                                     (Role.PARTICIPANT, None, 404), (Role.AUDITOR, None, 404),
                                     (Role.INTAKE_OFFICER, "SODERBY", 404), (Role.INTAKE_OFFICER, "NORRVIKEN", 200)):
        log_in_as(client, app_at_now, role, district)
        assert client.get(url).status_code == expected, (role, district)


def test_another_districts_officer_can_neither_cancel_nor_change_links_or_hours(client, app_at_now):
    with app_at_now.app_context():
        booking_id = book_one(db()).id
    add_user(app_at_now, "intag@soderby.example", "intake_officer", "SODERBY")
    log_in_as(client, app_at_now, Role.INTAKE_OFFICER, "SODERBY")
    token = csrf_token(page(client.get("/districts/SODERBY/consultations")))
    school_id = bookings_link_school(app_at_now)
    before = snapshot(app_at_now)

    for url in (f"{DAY}/{booking_id}/cancel", f"{DAY}/links/{school_id}/issue", f"{DAY}/links/{school_id}/revoke",
                f"{DAY}/hours/1/close"):
        assert client.post(url, data={"csrf_token": token}).status_code == 404, url
    # through their own district's path, another district's booking or school is not found, as if it never was
    for url in (f"/districts/SODERBY/consultations/{booking_id}/cancel",
                f"/districts/SODERBY/consultations/links/{school_id}/issue"):
        assert client.post(url, data={"csrf_token": token}).status_code == 404, url
    assert snapshot(app_at_now) == before


def test_the_district_page_links_the_intake_group_to_its_consultation_pages(client, app_at_now):
    log_in_as(client, app_at_now, Role.INTAKE_OFFICER, "NORRVIKEN")
    assert "Skolornas bokningslänkar" in page(client.get("/districts/NORRVIKEN"))
    log_in_as(client, app_at_now, Role.DISTRICT_DIRECTOR, "NORRVIKEN")
    assert "Skolornas bokningslänkar" not in page(client.get("/districts/NORRVIKEN"))


def test_the_pages_speak_english_to_those_who_choose_it(client, app_at_now):
    url = url_of(app_at_now)
    html = page(client.get(url + "?lang=en"))
    assert "Book a consultation with social services" in html and "Tuesday 7 September 2027" in html
    with app_at_now.app_context():
        booking = book_one(db())
        cancel(db(), booking, by="booker", actor="booker", now=NOW, mail=MAIL)
        db().commit()
    assert "The consultation is cancelled." in page(client.get(cancel_url(app_at_now, booking.id) + "?lang=en"))
    assert text(client.get(url + "?lang=en"))


def test_the_reminders_lead_the_booker_to_cancelling_and_the_officer_to_the_days_list(client, app_at_now):
    import re
    from email import message_from_bytes, policy
    from urllib.parse import urlsplit

    url = url_of(app_at_now)
    client.post(url, data=booking_form(client, url))
    with app_at_now.app_context():
        rows = db().scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == MessageKind.CONSULTATION_REMINDER))
        texts = {row.recipient: message_from_bytes(row.content, policy=policy.default).get_body(("plain",))
                 .get_content() for row in rows}
    booker = next(text for recipient, text in texts.items() if BOOKER[1] in recipient)
    officer = next(text for recipient, text in texts.items() if INTAKE in recipient)
    [cancel] = [urlsplit(u).path for u in re.findall(r"https?://\S+", booker) if "/consultations/cancel/" in u]
    assert "Avboka konsultationen" in page(client.get(cancel))
    log_in_as(client, app_at_now, Role.INTAKE_OFFICER, "NORRVIKEN")
    day_lists = [urlsplit(u) for u in re.findall(r"https?://\S+", officer) if "/consultations" in u]
    assert day_lists and all(MATTER in page(client.get(f"{u.path}?{u.query}")) for u in day_lists)
