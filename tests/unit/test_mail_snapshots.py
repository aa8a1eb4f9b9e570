"""Every mail kind rendered in Swedish and English, compared with the snapshot committed beside it.

A change to a mail's text shows in review as a change to tests/snapshots/emails/. After a change
meant to be seen, write the snapshots anew and read their diff before committing:

    UPDATE_MAIL_SNAPSHOTS=1 .venv/bin/python -m pytest tests/unit/test_mail_snapshots.py -n 0

(`make mail-snapshots` does the same). The contexts are plain values of the shapes the producers
pass; each variant takes one branch of its template, so every sentence of every mail is seen.
"""
from __future__ import annotations

import os
from datetime import UTC, date, datetime
from pathlib import Path
from types import SimpleNamespace as Thing

import pytest

from coordinator.invitations.ics import CalendarEvent, Party
from coordinator.invitations.tokens import RsvpLinks
from coordinator.outbox import compose

SNAPSHOTS = Path(__file__).resolve().parents[1] / "snapshots" / "emails"
UPDATE = os.environ.get("UPDATE_MAIL_SNAPSHOTS") == "1"

STARTS = datetime(2027, 10, 12, 11, 0, tzinfo=UTC)  # 13.00 in Stockholm
ENDS = datetime(2027, 10, 12, 12, 30, tzinfo=UTC)
ORGANIZER = Party("Eva Ek", "samverkan@example.org")
EVENT = CalendarEvent(uid="m-1@example.org", sequence=0, starts_at=STARTS, ends_at=ENDS,
                      summary="Samverkansmöte Ekbacken", organizer=ORGANIZER, location="Ekbackens skola, rum 12",
                      video_url="https://video.example.org/m/1")
BARE_EVENT = CalendarEvent(uid="m-2@example.org", sequence=1, starts_at=STARTS, ends_at=ENDS,
                           summary="Samverkansmöte Ekbacken", organizer=ORGANIZER)
RSVP = RsvpLinks(page="https://s.example.org/rsvp/t", accept="https://s.example.org/rsvp/t?svar=ja",
                 tentative="https://s.example.org/rsvp/t?svar=kanske", decline="https://s.example.org/rsvp/t?svar=nej",
                 delegate="https://s.example.org/rsvp/t?svar=ersattare")
RECIPIENT = Party("Anna Berg", "anna.berg@example.org")
CONVENER = Party("Eva Ek", "eva.ek@example.org")
MEETING = Thing(starts_at=STARTS, ends_at=ENDS, place="Ekbackens skola, rum 12", video_url="https://video.example.org/m/1")
REMINDER = {"recipient": RECIPIENT, "title": "Samverkansmöte Ekbacken", "meeting": MEETING, "convener": "Eva Ek",
            "action_url": "https://s.example.org/moten/1", "first_login_until": "fredag 22 oktober 2027",
            "agenda": "1. Skolans läge\n2. Övrigt", "rsvp": RSVP, "minutes_due_days": 7, "keeper": None}
INVITATION = {"event": EVENT, "recipient": RECIPIENT, "agenda": "1. Skolans läge\n2. Övrigt", "rsvp": RSVP,
              "is_update": False, "convener": CONVENER, "stands_in_for": None}
BOOKING = Thing(booker_name="Lena Lind", booker_email="lena.lind@example.org", matter="En elev i åk 7 är ofta borta.",
                cancelled_by="booker")
CONSULTATION = {"event": EVENT, "recipient": RECIPIENT, "booking": BOOKING, "is_officer": False,
                "school": "Ekbackens skola", "officers": ["Olle Ost", "Pia Pil"], "district": "Norrviken",
                "cancel_url": "https://s.example.org/konsultation/avboka/t", "day_url": "https://s.example.org/konsultationer/dag"}
LINKS = Thing(meeting=lambda district, term, meeting: f"https://s.example.org/{district}/{term}/moten/{meeting}",
              minutes=lambda meeting: f"https://s.example.org/moten/{meeting}/protokoll",
              outbox=lambda state: f"https://s.example.org/utskick?state={state}",
              register=lambda district: f"https://s.example.org/{district}/protokoll")
DISTRICT = Thing(name="Norrviken", code="NORRVIKEN")


def _digest_entry(days: int, days_late: int) -> Thing:
    meeting = Thing(id=7, starts_at=STARTS, term=Thing(name="HT2027"))
    return Thing(title="Samverkansmöte Ekbacken", meeting=meeting, people=["Anna Berg", "Bo Ek"], days=days,
                 days_late=days_late)


DIGEST = Thing(district=DISTRICT, unanswered=[_digest_entry(0, 0)],
               missing_minutes=[_digest_entry(0, 0), _digest_entry(1, 1), _digest_entry(9, 2)],
               late_minutes=[_digest_entry(3, 1), _digest_entry(5, 4)],
               dead=[Thing(recipient="bo@example.org", subject="Inbjudan", last_error="550 no such user"),
                     Thing(recipient="cy@example.org", subject="Påminnelse", last_error=None)], dead_count=3)
CONCERN_ROWS = [Thing(school="Ekbackens skola", received_on="1 oktober 2027", deadline_on="15 oktober 2027",
                      days_left=days_left, meeting=Thing(starts_at=STARTS) if days_left > 0 else None,
                      url=f"https://s.example.org/anmalningar/{days_left}")
                for days_left in (-1, 0, 1, 5)]
AGREEMENT = Thing(title="Samverkansöverenskommelse Norrviken", district=DISTRICT)
USER_MAIL = {"recipient_name": "Anna Berg", "invited_by": "Eva Ek", "role": "rektor", "district": "Norrviken",
             "link": "https://s.example.org/losenord/t", "expires": "fredag 22 oktober 2027",
             "email": "anna.berg@example.org", "login": "https://s.example.org/logga-in"}

CASES: dict[str, tuple[str, dict[str, object]]] = {
    "invitation": ("invitation", INVITATION),
    "invitation.update-deputy": ("invitation", {**INVITATION, "is_update": True, "stands_in_for": "Bo Ek, rektor",
                                                "event": BARE_EVENT, "agenda": None, "rsvp": None,
                                                "convener": Party("Eva Ek", "")}),
    "invitation_description": ("invitation_description", {**INVITATION, "stands_in_for": "Bo Ek, rektor"}),
    "invitation_description.bare": ("invitation_description", {**INVITATION, "event": BARE_EVENT, "agenda": None,
                                                               "rsvp": None}),
    "delegation": ("delegation", {**INVITATION, "title": "Samverkansmöte Ekbacken", "deputy": "Bo Ek",
                                  "answer": None}),
    "delegation.update": ("delegation", {**INVITATION, "title": "Samverkansmöte Ekbacken", "deputy": "Bo Ek",
                                         "answer": None, "is_update": True, "event": BARE_EVENT,
                                         "agenda": None, "rsvp": None, "convener": Party("Eva Ek", "")}),
    "delegation.accepted": ("delegation", {**INVITATION, "title": "Samverkansmöte Ekbacken", "deputy": None,
                                           "answer": "accepted"}),
    "delegation.tentative": ("delegation", {**INVITATION, "title": "Samverkansmöte Ekbacken", "deputy": None,
                                            "answer": "tentative"}),
    "delegation.declined": ("delegation", {**INVITATION, "title": "Samverkansmöte Ekbacken", "deputy": None,
                                           "answer": "declined"}),
    "delegation_description": ("delegation_description", {**INVITATION, "deputy": "Bo Ek"}),
    "delegation_description.bare": ("delegation_description", {**INVITATION, "deputy": "Bo Ek", "agenda": None,
                                                               "rsvp": None}),
    "cancellation": ("cancellation", {"event": EVENT, "recipient": RECIPIENT, "removed": False,
                                      "released_from": None, "convener": CONVENER}),
    "cancellation.removed": ("cancellation", {"event": BARE_EVENT, "recipient": RECIPIENT, "removed": True,
                                              "released_from": None, "convener": Party("Eva Ek", "")}),
    "cancellation.released": ("cancellation", {"event": EVENT, "recipient": RECIPIENT, "removed": True,
                                               "released_from": "Bo Ek", "convener": CONVENER}),
    "pre_meeting_reminder": ("pre_meeting_reminder", REMINDER),
    "pre_meeting_reminder.bare": ("pre_meeting_reminder", {**REMINDER, "agenda": None, "rsvp": None,
                                                           "meeting": Thing(starts_at=STARTS, ends_at=ENDS, place=None,
                                                                            video_url=None)}),
    "rsvp_reminder": ("rsvp_reminder", REMINDER),
    "rsvp_reminder.bare": ("rsvp_reminder", {**REMINDER, "rsvp": None}),
    "minutes_reminder": ("minutes_reminder", REMINDER),
    "minutes_reminder.has-login": ("minutes_reminder", {**REMINDER, "first_login_until": None}),
    "minutes_escalation": ("minutes_escalation", {**REMINDER, "keeper": Thing(name="Bo Ek")}),
    "minutes_escalation.no-keeper": ("minutes_escalation", REMINDER),
    "approval_reminder": ("approval_reminder", REMINDER),
    "report_reminder": ("report_reminder", REMINDER),
    "action_item_reminder": ("action_item_reminder", {**REMINDER, "item": Thing(text="Boka möte med vårdnadshavare"),
                                                      "item_due": "fredag 15 oktober 2027"}),
    "catch_up": ("catch_up", {"recipient": RECIPIENT, "items": [
        Thing(text="Svara på inbjudan till Samverkansmöte Ekbacken", link="https://s.example.org/rsvp/t"),
        Thing(text="Skriv protokollet från Samverkansmöte Ekbacken", link="https://s.example.org/moten/1")]}),
    "digest": ("digest", {"recipient": RECIPIENT, "digest": DIGEST, "week": 41, "links": LINKS}),
    "digest.quiet": ("digest", {"recipient": RECIPIENT, "week": 41, "links": LINKS, "digest": Thing(
        district=DISTRICT, unanswered=[], missing_minutes=[], late_minutes=[], dead=[], dead_count=0)}),
    "term_not_planned": ("term_not_planned", {"recipient": RECIPIENT, "term": Thing(name="VT2028"),
                                              "starts_on": "måndag 10 januari 2028", "district": DISTRICT,
                                              "plan_url": "https://s.example.org/NORRVIKEN/VT2028/plan"}),
    "revision_due": ("revision_due", {"recipient": RECIPIENT, "overdue": False, "due_on": "30 juni 2028",
                                      "agreement": AGREEMENT, "version": Thing(number=3),
                                      "agreement_url": "https://s.example.org/overenskommelser/3"}),
    "revision_due.overdue": ("revision_due", {"recipient": RECIPIENT, "overdue": True, "due_on": "30 juni 2028",
                                              "agreement": Thing(title="Stadens överenskommelse", district=None),
                                              "version": Thing(number=1),
                                              "agreement_url": "https://s.example.org/overenskommelser/1"}),
    "login_invitation": ("login_invitation", USER_MAIL),
    "login_invitation.bare": ("login_invitation", {**USER_MAIL, "recipient_name": "", "district": None}),
    "password_reset": ("password_reset", USER_MAIL),
    "password_reset.bare": ("password_reset", {**USER_MAIL, "recipient_name": ""}),
    "concern_unbooked": ("concern_unbooked", {"recipient": RECIPIENT, "report": Thing(school=Thing(name="Ekbackens skola")),
                                              "received_on": "1 oktober 2027", "deadline_on": "15 oktober 2027",
                                              "days_left": 5, "url": "https://s.example.org/anmalningar/1"}),
    **{f"concern_unbooked.{days}": ("concern_unbooked", {
        "recipient": RECIPIENT, "report": Thing(school=Thing(name="Ekbackens skola")), "received_on": "1 oktober 2027",
        "deadline_on": "15 oktober 2027", "days_left": days, "url": "https://s.example.org/anmalningar/1"})
       for days in (-2, 0, 1)},
    "concern_deadlines": ("concern_deadlines", {"recipient": RECIPIENT, "district": DISTRICT, "rows": CONCERN_ROWS,
                                                "url": "https://s.example.org/anmalningar"}),
    "consultation_booked": ("consultation_booked", CONSULTATION),
    "consultation_booked.officer": ("consultation_booked", {**CONSULTATION, "is_officer": True}),
    "consultation_reminder": ("consultation_reminder", CONSULTATION),
    "consultation_reminder.officer": ("consultation_reminder", {**CONSULTATION, "is_officer": True,
                                                                "event": BARE_EVENT}),
    "consultation_cancelled": ("consultation_cancelled", CONSULTATION),
    "consultation_cancelled.officer": ("consultation_cancelled", {**CONSULTATION, "is_officer": True}),
    "consultation_cancelled.by-officer": ("consultation_cancelled", {
        **CONSULTATION, "booking": Thing(**{**vars(BOOKING), "cancelled_by": "officer"})}),
    "consultation_cancelled.by-officer-officer": ("consultation_cancelled", {
        **CONSULTATION, "is_officer": True, "booking": Thing(**{**vars(BOOKING), "cancelled_by": "officer"})}),
    "consultation_description": ("consultation_description", CONSULTATION),
    "consultation_description.officer": ("consultation_description", {**CONSULTATION, "is_officer": True,
                                                                      "event": BARE_EVENT}),
}


def test_every_mail_template_has_a_snapshot_case():
    templates = {path.stem for path in compose.TEMPLATES.rglob("*.txt") if not path.name.startswith("_")}
    assert templates == {name for name, _ in CASES.values()}


@pytest.mark.parametrize("language", ["sv", "en"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_the_mail_reads_as_its_snapshot(case: str, language: str):
    name, context = CASES[case]
    text, html = compose.render(name, language, **context)
    for part, body in (("txt", text), ("html", html)):
        path = SNAPSHOTS / f"{case}.{language}.{part}"
        if body is None:
            assert not path.exists(), f"{path.name} is a snapshot of a part the mail no longer has"
        elif UPDATE:
            path.write_text(body, encoding="utf-8")
        else:
            assert path.exists(), f"no snapshot {path.name}: write it with UPDATE_MAIL_SNAPSHOTS=1"
            assert body == path.read_text(encoding="utf-8"), f"{path.name} changed (UPDATE_MAIL_SNAPSHOTS=1 to accept)"
