"""Redaction through the minutes pages: taking an identity number out of the text asks for the
decision, then the number is masked in the audit trail and the history shows who and why;
a file holding a number is removed only by purging it under a decision."""
from __future__ import annotations

import sqlalchemy as sa
from tests.minutes_helpers import docx
from tests.web.helpers import csrf_token, log_in_as, page
from tests.web.test_minutes_files import stored, upload
from tests.web.test_minutes_pages import all_present, hold, post, snapshot, url

from coordinator.audit import AuditEvent
from coordinator.auth.models import Role
from coordinator.web import db

OPERATIVE = "Lokalt operativt samverkansforum"  # identified cases with consent: numbers may be written
DECISION = "Personnummer togs bort enligt beslut av stadsdelsdirektören 2027-10-20, SDN 2027/45"


def test_taking_a_number_out_asks_for_the_decision_and_masks_it_in_the_history(client, demo):
    meeting = hold(demo, form=OPERATIVE)
    log_in_as(client, demo, Role.DISTRICT_ADMIN, "NORRVIKEN")
    post(client, url(meeting))
    assert post(client, url(meeting, "/text"), {"decisions": "Eleven 19 87 11 25 98 23 följs upp."}).status_code == 302
    before = snapshot(demo)

    response = post(client, url(meeting, "/text"), {"decisions": "Eleven följs upp."})

    html = page(response)
    assert response.status_code == 200
    assert "Ändringen tar bort 19871125-****." in html
    assert "Beslut om gallring" in html
    assert "9823" not in html.replace("Eleven följs upp.", "")
    assert snapshot(demo) == before

    response = post(client, url(meeting, "/text"), {"decisions": "Eleven följs upp.", "redaction_reason": DECISION})

    assert response.status_code == 302
    html = page(client.get(url(meeting)))
    assert "19871125-**** är maskerat i" in html
    assert "Personnummer maskerade" in html and DECISION in html
    assert "8711259823" not in html.replace(" ", "")
    with demo.app_context():
        saved = db().scalars(sa.select(AuditEvent).where(AuditEvent.action == "minutes.text_saved")
                             .order_by(AuditEvent.id)).all()
        assert [e.after["decisions"] for e in saved] == ["Eleven 19871125-**** följs upp.", "Eleven följs upp."]
        assert saved[1].before["decisions"] == "Eleven 19871125-**** följs upp."


def test_a_decision_naming_the_number_is_refused(client, demo):
    meeting = hold(demo, form=OPERATIVE)
    log_in_as(client, demo, Role.DISTRICT_ADMIN, "NORRVIKEN")
    post(client, url(meeting))
    post(client, url(meeting, "/text"), {"decisions": "Eleven 871125-9823."})
    before = snapshot(demo)

    html = page(post(client, url(meeting, "/text"), {"decisions": "", "redaction_reason": "Tog bort 871125-9823"}))

    assert "Skriv beslutet utan personnummer" in html
    assert snapshot(demo) == before


def test_a_file_with_a_number_is_removed_by_purging_it_under_a_decision(client, demo):
    meeting = hold(demo, form=OPERATIVE)
    log_in_as(client, demo, Role.DISTRICT_ADMIN, "NORRVIKEN")
    post(client, url(meeting))
    assert upload(client, meeting, "bilaga.docx", docx("Elev 871125-9823")).status_code == 302
    file_id = stored(demo)[0].id
    remove = url(meeting, f"/attachments/{file_id}/remove")

    html = page(client.post(remove, data={"csrf_token": csrf_token(page(client.get(url(meeting))))}))
    assert "Ändringen tar bort 871125-****." in html
    assert stored(demo)[0].removed_at is None

    response = post(client, remove, {"redaction_reason": DECISION})

    assert response.status_code == 302
    file = stored(demo)[0]
    assert (file.data, file.removed_at is not None, file.purged_at is not None) == (b"", True, True)
    html = page(client.get(url(meeting)))
    assert "gallrad" in html and "Fil gallrad" in html and DECISION in html
    downloaded = client.get(url(meeting, f"/attachments/{file_id}"))
    assert downloaded.status_code == 302
    assert "innehållet finns inte kvar" in page(client.get(downloaded.headers["Location"]))


def test_a_number_in_final_minutes_is_taken_out_by_a_correction_and_the_registered_version_says_so(client, demo):
    meeting = hold(demo, form=OPERATIVE)  # the form asks no approval: registered minutes are final
    log_in_as(client, demo, Role.DISTRICT_ADMIN, "NORRVIKEN")
    post(client, url(meeting))
    assert client.post(url(meeting, "/attendance"), data=all_present(demo, client, meeting)).status_code == 302
    post(client, url(meeting, "/text"), {"decisions": "Eleven 871125-9823 följs upp."})
    assert post(client, url(meeting, "/register"), token_from=url(meeting)).status_code == 302
    assert post(client, url(meeting, "/correction"), {"reason": "Personnumret ska bort."}).status_code == 302

    response = post(client, url(meeting, "/text"), {"decisions": "Eleven följs upp.", "redaction_reason": DECISION})

    assert response.status_code == 302
    registered = page(client.get(url(meeting, "/revisions/1")))
    assert "Eleven 871125-**** följs upp." in registered and "9823" not in registered
    assert "Personnummer maskerade" in registered and DECISION in registered
