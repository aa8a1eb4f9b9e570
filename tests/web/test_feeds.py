"""Subscription feeds: "Min kalender" makes and revokes secret links; a feed is a PUBLISH calendar with its
VTIMEZONE, answers 304 while unchanged, and 404 once revoked."""
from __future__ import annotations

import hashlib
import re
from dataclasses import replace
from datetime import datetime, time, timedelta, timezone

import icalendar
import pytest
import sqlalchemy as sa
import vobject

from coordinator.audit import FeedChanges
from coordinator.auth.models import Role
from coordinator.invitations.feeds import create_feed, feed_version
from coordinator.invitations.models import FeedToken
from coordinator.invitations.services import add_invitee, record_answer, remove_invitee, send_deputy
from coordinator.org.models import Language
from coordinator.org.services import PersonValues, update_person
from coordinator.planning.models import Answer, Meeting
from coordinator.planning.services import cancel_meeting, move_meeting, publish
from coordinator.web import db
from tests.invitation_helpers import (
    DIRECTOR, MAIL, OPERATIVE, OVERARCHING, PUBLISHED, add_form_meeting, calendar_of, deliver, invitation, meeting_of,
    person, published_demo,
)
from tests.smtp_server import SMTPServer
from tests.web.helpers import csrf_token, log_in_as, page, text

LATER = PUBLISHED + timedelta(days=1)


@pytest.fixture
def published(app):
    """The forum and an operative forum published, the operative forum then cancelled; and two drafts
    (one cancelled before it was published)."""
    with app.app_context():
        published_demo(db(), forms=(OVERARCHING, OPERATIVE))
        cancel_meeting(db(), meeting_of(db(), OPERATIVE), actor=DIRECTOR, now=LATER, mail=MAIL)
        add_form_meeting(db(), OVERARCHING)
        cancel_meeting(db(), add_form_meeting(db(), OPERATIVE), actor=DIRECTOR, now=LATER, mail=MAIL)
        db().commit()
    return app


def new_link(client, owner: str = "person") -> str:
    """Press "Skapa ny länk" for a feed; the token shown."""
    form = client.get("/me/calendar")
    response = client.post("/me/calendar/link", data={"csrf_token": csrf_token(text(form)), "owner": owner})
    assert response.status_code == 200
    webcal = re.search(r"webcal://[^/\"<]+/feeds/([\w-]+)\.ics", text(response))
    assert webcal is not None
    assert f"/feeds/{webcal.group(1)}.ics" in re.search(r"<code>(http[^<]+)</code>", text(response)).group(1)
    return webcal.group(1)


def revoke(client, owner: str = "person"):
    form = client.get("/me/calendar")
    return client.post("/me/calendar/revoke", data={"csrf_token": csrf_token(text(form)), "owner": owner})


def uids(content: bytes) -> dict[str, icalendar.Event]:
    return {str(e["UID"]): e for e in icalendar.Calendar.from_ical(content).walk("VEVENT")}


def test_a_person_subscribes_to_their_own_meetings(published, client):
    log_in_as(client, published, Role.PARTICIPANT)  # Annika Berg, a principal
    page_before = page(client.get("/me/calendar"))
    assert "Mina möten" in page_before and "Du har ingen länk ännu." in page_before
    assert "Alla möten i" not in page_before

    token = new_link(client)
    response = published.test_client().get(f"/feeds/{token}.ics")  # the calendar app, not logged in

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["ETag"] and response.headers["Last-Modified"]
    calendar = icalendar.Calendar.from_ical(response.data)
    assert str(calendar["METHOD"]) == "PUBLISH" and "Annika Berg" in str(calendar["X-WR-CALNAME"])
    [zone] = calendar.walk("VTIMEZONE")
    assert str(zone["TZID"]) == "Europe/Stockholm" and b"RRULE" in zone.to_ical() and b"RDATE" not in zone.to_ical()
    with published.app_context():
        forum = meeting_of(db(), OVERARCHING)
        stored = db().scalars(sa.select(FeedToken)).one()
        assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest() and token not in stored.token_hash
        annikas = {m.uid for m in db().scalars(sa.select(Meeting).where(Meeting.published_at.is_not(None)))
                   if any(i.person.name == "Annika Berg" and i.removed_at is None for i in m.invitations)}
    events = uids(response.data)
    assert set(events) == annikas and forum.uid in events
    assert events[forum.uid].decoded("DTSTART") == forum.starts_at
    parsed = vobject.readOne(response.data.decode())
    [forum_event] = [e for e in parsed.vevent_list if e.uid.value == forum.uid]
    assert forum_event.dtstart.value == forum.starts_at and forum_event.summary.value == OVERARCHING
    assert "En länk skapades" in page(client.get("/me/calendar"))


def test_an_unchanged_feed_answers_304_and_a_changed_one_200(published, client):
    log_in_as(client, published, Role.PARTICIPANT)
    url = f"/feeds/{new_link(client)}.ics"
    calendar_app = published.test_client()
    first = calendar_app.get(url)

    same = calendar_app.get(url, headers={"If-None-Match": first.headers["ETag"]})
    since = calendar_app.get(url, headers={"If-Modified-Since": first.headers["Last-Modified"]})
    again = calendar_app.get(url)

    assert (same.status_code, same.data) == (304, b"")
    assert (since.status_code, since.data) == (304, b"")
    assert again.data == first.data and again.headers["ETag"] == first.headers["ETag"]

    with published.app_context():
        forum = meeting_of(db(), OVERARCHING)
        move_meeting(db(), forum, forum.starts_at + timedelta(days=1), forum.ends_at + timedelta(days=1),
                     actor=DIRECTOR, now=LATER + timedelta(hours=1), mail=MAIL)
        db().commit()
        uid, moved_to = forum.uid, forum.starts_at
    changed = calendar_app.get(url, headers={"If-None-Match": first.headers["ETag"],
                                             "If-Modified-Since": first.headers["Last-Modified"]})

    assert changed.status_code == 200 and changed.headers["ETag"] != first.headers["ETag"]
    event = uids(changed.data)[uid]
    assert event.decoded("DTSTART") == moved_to and int(event["SEQUENCE"]) == 1


def test_a_replaced_or_revoked_link_answers_404(published, client):
    log_in_as(client, published, Role.PARTICIPANT)
    calendar_app = published.test_client()
    old = new_link(client)
    new = new_link(client)  # "Skapa ny länk" revokes the old one

    assert calendar_app.get(f"/feeds/{old}.ics").status_code == 404
    assert calendar_app.get(f"/feeds/{new}.ics").status_code == 200

    response = revoke(client)
    assert response.status_code == 302
    assert "Länken är återkallad" in page(client.get(response.headers["Location"]))
    assert calendar_app.get(f"/feeds/{new}.ics").status_code == 404
    assert calendar_app.get("/feeds/not-a-token.ics").status_code == 404
    assert "Du har ingen länk ännu." in page(client.get("/me/calendar"))


def test_a_director_subscribes_to_the_districts_published_meetings(published, client):
    log_in_as(client, published, Role.DISTRICT_DIRECTOR, "NORRVIKEN")
    shown = page(client.get("/me/calendar"))
    assert "Mina möten" in shown and "Alla möten i Norrviken" in shown
    with published.app_context():
        norrviken = meeting_of(db(), OVERARCHING).district_id
        meetings = {m.uid: (m.published_at is not None, m.is_cancelled, m.meeting_form.name)
                    for m in db().scalars(sa.select(Meeting).where(Meeting.district_id == norrviken))}

    token = new_link(client, f"district-{norrviken}")
    response = published.test_client().get(f"/feeds/{token}.ics")

    events = uids(response.data)
    published_ones = {uid for uid, (was_published, *_) in meetings.items() if was_published}
    assert set(events) == published_ones and len(events) == 2 and len(meetings) == 4  # not the drafts
    statuses = {uid: str(e["STATUS"]) for uid, e in events.items()}
    assert sorted(statuses.values()) == ["CANCELLED", "CONFIRMED"]
    cancelled = next(uid for uid, status in statuses.items() if status == "CANCELLED")
    assert meetings[cancelled][1:] == (True, OPERATIVE)


def test_an_invitee_removed_from_a_meeting_no_longer_has_it_in_their_feed(published, client):
    log_in_as(client, published, Role.PARTICIPANT)
    url = f"/feeds/{new_link(client)}.ics"
    with published.app_context():
        forum = meeting_of(db(), OVERARCHING)
        assert forum.uid in uids(published.test_client().get(url).data)
        remove_invitee(db(), forum, person(db(), "Annika Berg"), actor=DIRECTOR, now=LATER, mail=MAIL)
        db().commit()
        uid = forum.uid

    assert uid not in uids(published.test_client().get(url).data)


def test_only_people_and_organisers_have_a_calendar_page_and_only_their_own_feeds(published, client):
    log_in_as(client, published, Role.AUDITOR)
    assert client.get("/me/calendar").status_code == 404
    assert "Min kalender" not in page(client.get("/"))
    token = csrf_token(text(client.get("/")))
    assert client.post("/me/calendar/link", data={"csrf_token": token, "owner": "person"}).status_code == 404

    log_in_as(client, published, Role.PARTICIPANT)
    with published.app_context():
        norrviken = meeting_of(db(), OVERARCHING).district_id
    form = client.get("/me/calendar")
    assert "Min kalender" in page(form)
    taken = client.post("/me/calendar/link", data={"csrf_token": csrf_token(text(form)),
                                                    "owner": f"district-{norrviken}"})

    assert taken.status_code == 404
    with published.app_context():
        assert db().scalars(sa.select(FeedToken)).all() == []


def feed_of(app, name: str) -> str:
    """A secret feed link of a person's own meetings, made as "Min kalender" makes it."""
    with app.app_context():
        token = create_feed(db(), person(db(), name), actor="test", now=LATER)
        db().commit()
    return f"/feeds/{token}.ics"


def test_a_meeting_one_sent_a_deputy_to_is_free_time_in_ones_own_feed(published, client):
    annika_url, per_url = feed_of(published, "Annika Berg"), feed_of(published, "Per Olsson")
    calendar_app = published.test_client()
    before = calendar_app.get(annika_url)
    with published.app_context():
        forum = meeting_of(db(), OVERARCHING)
        send_deputy(db(), invitation(db(), forum, "Annika Berg"), person(db(), "Per Olsson"), via="link",
                    actor="annika", now=LATER, mail=MAIL)
        db().commit()
        uid = forum.uid

    after = calendar_app.get(annika_url, headers={"If-None-Match": before.headers["ETag"]})

    assert after.status_code == 200  # the delegation changed her feed
    event = uids(after.data)[uid]
    assert str(event["TRANSP"]) == "TRANSPARENT" and str(event["X-MICROSOFT-CDO-BUSYSTATUS"]) == "FREE"
    assert str(event["SUMMARY"]) == f"{OVERARCHING} – ersättare: Per Olsson"
    assert str(event["DESCRIPTION"]).startswith("Du har skickat Per Olsson i ditt ställe.")
    [parsed] = [e for e in vobject.readOne(after.data.decode()).vevent_list if e.uid.value == uid]
    assert parsed.transp.value == "TRANSPARENT" and parsed.summary.value.endswith("ersättare: Per Olsson")
    assert str(uids(before.data)[uid]["TRANSP"]) == "OPAQUE"
    # the deputy has it as his own, busy
    assert str(uids(calendar_app.get(per_url).data)[uid]["TRANSP"]) == "OPAQUE"


def test_the_organizer_is_the_same_in_the_invitation_and_in_the_feed(published, client, engine):
    url = feed_of(published, "Annika Berg")
    with SMTPServer() as smtp:
        deliver(engine, smtp.url)
    with published.app_context():
        forum = meeting_of(db(), OVERARCHING)
        email = person(db(), "Annika Berg").email
    [mailed] = [calendar_of(r.message) for r in smtp.received
                if r.envelope_to == [email] and calendar_of(r.message).event["UID"] == forum.uid]

    feed = published.test_client().get(url)

    in_mail, in_feed = mailed.event["ORGANIZER"], uids(feed.data)[forum.uid]["ORGANIZER"]
    assert (str(in_feed), in_feed.params["CN"]) == (str(in_mail), in_mail.params["CN"])
    assert str(in_feed) == "mailto:samverkan@example.se"  # the product's own address (decisions §17)
    [parsed] = [e for e in vobject.readOne(feed.data.decode()).vevent_list if e.uid.value == forum.uid]
    assert parsed.organizer.value == mailed.vobject.vevent.organizer.value
    assert parsed.organizer.params["CN"] == mailed.vobject.vevent.organizer.params["CN"]


@pytest.mark.parametrize("owner", ["Annika Berg", None])
def test_an_unchanged_feed_is_answered_304_with_one_statement_that_reads_no_audit_trail(published, client, owner):
    if owner is None:  # the district's feed
        with published.app_context():
            token = create_feed(db(), meeting_of(db(), OVERARCHING).district, actor="test", now=LATER)
            db().commit()
        url = f"/feeds/{token}.ics"
    else:
        url = feed_of(published, owner)
    calendar_app = published.test_client()
    statements: list[str] = []
    engine = published.extensions["coordinator.engine"]

    def count(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    first = calendar_app.get(url)
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        unchanged = calendar_app.get(url, headers={"If-None-Match": first.headers["ETag"]})
        conditional = list(statements)
        statements.clear()
        full = calendar_app.get(url)
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)

    assert unchanged.status_code == 304 and unchanged.headers["ETag"] == first.headers["ETag"]
    # the token with the feed's counters of changes: nothing of the feed is built, the years of history not read
    assert len(conditional) == 1 and "audit_event" not in conditional[0]
    # asked again without If-None-Match (another device): the body built for this ETag, not a second build
    assert full.status_code == 200 and len(statements) == 1 and full.data == first.data


def test_a_feed_with_no_meetings_is_still_a_calendar_every_client_reads(published, client):
    url = feed_of(published, "Per Olsson")  # invited to nothing published

    response = published.test_client().get(url)

    assert response.status_code == 200 and response.headers["ETag"]
    calendar = icalendar.Calendar.from_ical(response.data)
    assert (str(calendar["PRODID"]), str(calendar["VERSION"]), str(calendar["METHOD"])) == (
        "-//Samverkan coordinator//SV", "2.0", "PUBLISH")
    assert calendar.walk("VEVENT") == []
    # RFC 5545 wants at least one component: the VTIMEZONE is it
    assert [c.name for c in calendar.subcomponents] == ["VTIMEZONE"]
    parsed = vobject.readOne(response.data.decode())
    assert parsed.prodid.value == "-//Samverkan coordinator//SV" and parsed.version.value == "2.0"
    assert "vevent" not in parsed.contents and parsed.vtimezone.tzid.value == "Europe/Stockholm"
    assert "Per Olsson" in parsed.contents["x-wr-calname"][0].value
    assert published.test_client().get(url, headers={"If-None-Match": response.headers["ETag"]}).status_code == 304


# -- every kind of change a feed shows changes its ETag; an answer does not -----------------------------------

def _moved(s):
    forum = meeting_of(s, OVERARCHING)
    move_meeting(s, forum, forum.starts_at + timedelta(hours=2), forum.ends_at + timedelta(hours=2), actor=DIRECTOR,
                 now=LATER, mail=MAIL)


def _cancelled(s):
    cancel_meeting(s, meeting_of(s, OVERARCHING), actor=DIRECTOR, now=LATER, mail=MAIL)


def _invited(s):
    add_invitee(s, meeting_of(s, OVERARCHING), person(s, "Per Olsson"), actor=DIRECTOR, now=LATER, mail=MAIL)


def _removed(s):
    remove_invitee(s, meeting_of(s, OVERARCHING), person(s, "Annika Berg"), actor=DIRECTOR, now=LATER, mail=MAIL)


def _deputy(s):
    send_deputy(s, invitation(s, meeting_of(s, OVERARCHING), "Annika Berg"), person(s, "Per Olsson"), via="link",
                actor="annika", now=LATER, mail=MAIL)


def _person_changed(**changes):
    def change(s):
        annika = person(s, "Annika Berg")
        values = PersonValues(name=annika.name, email=annika.email, phone=annika.phone, language=annika.language,
                              school_id=annika.school_id, unit_id=annika.unit_id,
                              functions=tuple(held.function for held in annika.functions), deputy_id=annika.deputy_id)
        assert update_person(s, annika, annika.school.district, replace(values, **changes), actor=DIRECTOR, now=LATER)
    return change


def _published(s):
    add_form_meeting(s, OPERATIVE)
    publish(s, "NORRVIKEN", "HT2027", actor=DIRECTOR, now=LATER, mail=MAIL)


# the change, made after what comes before it; whose feed (None: the district's)
CHANGES = {"moved": (None, _moved, "Annika Berg"), "cancelled": (None, _cancelled, "Annika Berg"),
           "invited": (None, _invited, "Per Olsson"), "removed": (None, _removed, "Annika Berg"),
           "deputy sent": (None, _deputy, "Annika Berg"), "deputy's own": (None, _deputy, "Per Olsson"),
           # her language is written into a meeting she sent her deputy to ("Du har skickat …")
           "language": (_deputy, _person_changed(language=Language.EN), "Annika Berg"),
           "renamed": (None, _person_changed(name="Annika Berg Ek"), "Annika Berg"),
           "published": (None, _published, None)}


@pytest.mark.parametrize("change", CHANGES)
def test_each_kind_of_change_a_feed_shows_changes_its_etag(published, change):
    first, make, owner = CHANGES[change]
    with published.app_context():
        if first is not None:
            first(db())
            db().commit()
        if owner is None:
            token = create_feed(db(), meeting_of(db(), OVERARCHING).district, actor="test", now=LATER)
            db().commit()
            url = f"/feeds/{token}.ics"
        else:
            url = feed_of(published, owner)
    calendar_app = published.test_client()
    before = calendar_app.get(url)
    with published.app_context():
        make(db())
        db().commit()

    after = calendar_app.get(url, headers={"If-None-Match": before.headers["ETag"]})

    assert after.status_code == 200 and after.headers["ETag"] != before.headers["ETag"]
    assert after.data != before.data


def test_an_answer_leaves_the_feeds_as_they_were_and_bumps_no_counter(published):
    annika_url, district_token = feed_of(published, "Annika Berg"), None
    with published.app_context():
        forum = meeting_of(db(), OVERARCHING)
        district_token = create_feed(db(), forum.district, actor="test", now=LATER)
        db().commit()
        counters = db().execute(sa.select(FeedChanges.scope, FeedChanges.count).order_by(FeedChanges.scope)).all()
    calendar_app = published.test_client()
    urls = [annika_url, f"/feeds/{district_token}.ics"]
    etags = [calendar_app.get(url).headers["ETag"] for url in urls]
    with published.app_context():
        mine = invitation(db(), meeting_of(db(), OVERARCHING), "Annika Berg")
        assert record_answer(db(), mine, Answer.DECLINED, via="link", sequence=mine.meeting.sequence, actor="annika", now=LATER)
        db().commit()
        assert db().execute(sa.select(FeedChanges.scope, FeedChanges.count).order_by(FeedChanges.scope)).all() == counters

    assert [calendar_app.get(url, headers={"If-None-Match": etag}).status_code for url, etag in zip(urls, etags)] == [
        304, 304]


def test_a_change_rolled_back_bumps_no_counter_and_a_committed_one_bumps_its_district_once(published):
    with published.app_context():
        forum = meeting_of(db(), OVERARCHING)
        district_id = forum.district_id
        counted = sa.select(FeedChanges.count).where(FeedChanges.scope == district_id)
        before = db().scalar(counted)
        _cancelled(db())
        db().rollback()
        assert db().scalar(counted) == before
        _moved(db())
        _cancelled(db())  # two changes, one transaction: one bump is enough
        db().commit()
        assert db().scalar(counted) == before + 1
        assert db().scalar(sa.select(FeedChanges.last_at).where(FeedChanges.scope == district_id)) == LATER


def test_a_feed_changes_when_a_term_it_shows_has_ended(published):
    with published.app_context():
        token = create_feed(db(), person(db(), "Annika Berg"), actor="test", now=LATER)
        db().commit()
        term_end = meeting_of(db(), OVERARCHING).term.ends_on

        def etag(day):
            now = datetime.combine(day, time(12), tzinfo=timezone.utc)
            return feed_version(db(), token, sender_email="samverkan@example.se", timezone="Europe/Stockholm",
                                now=now).etag

        assert etag(term_end) != etag(term_end + timedelta(days=1))
