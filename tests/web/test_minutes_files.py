"""Files attached to minutes through the upload page: accepted by content, refused when the content
is not what the name says, empty, corrupt, over the limit (413) or carrying a personnummer; served
only to those who may read the minutes, as an attachment with the stored type and nosniff."""
from __future__ import annotations

import hashlib
import io

import pytest
import sqlalchemy as sa
from tests.minutes_helpers import docx, odt, pdf, scanned_pdf
from tests.web.helpers import add_user, csrf_token, log_in_as, page
from tests.web.test_minutes_pages import hold, log_in_user, post, snapshot, url

from coordinator.audit import AuditEvent
from coordinator.auth.models import Role
from coordinator.minutes.models import Attachment
from coordinator.web import db


@pytest.fixture
def forum(demo, client) -> int:
    meeting_id = hold(demo)
    log_in_as(client, demo, Role.DISTRICT_ADMIN, "NORRVIKEN")
    post(client, url(meeting_id))
    return meeting_id


def upload(client, meeting_id: int, filename: str, data: bytes, **extra: str):
    token = csrf_token(page(client.get(url(meeting_id, "/attachments/new"))))
    return client.post(url(meeting_id, "/attachments/new"), content_type="multipart/form-data",
                       data={"csrf_token": token, "file": (io.BytesIO(data), filename), **extra})


def stored(app) -> list[Attachment]:
    with app.app_context():
        found = list(db().scalars(sa.select(Attachment).order_by(Attachment.id)))
        for attachment in found:
            attachment.data  # noqa: B018  (loaded before the session closes)
        db().expunge_all()
        return found


GOOD_FILES = [
    ("Protokoll 2027-10-12.pdf", pdf("Protokoll, Åsa Öberg"), "application/pdf"),
    ("protokoll.docx", docx("Protokoll"), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("protokoll.odt", odt("Protokoll"), "application/vnd.oasis.opendocument.text"),
]
BAD_FILES = [
    ("protokoll.pdf", docx("x"), "heter som en PDF, men innehållet är ett Word-dokument (DOCX)"),
    ("protokoll.docx", b"MZ\x90\x00program", "innehållet är något annat än PDF, DOCX eller ODT"),
    ("protokoll.pdf", b"", "Filen protokoll.pdf är tom."),
    ("protokoll.pdf", b"%PDF-1.7\ntrasig", "PDF-filen protokoll.pdf är skadad och kan inte läsas."),
    ("protokoll.pdf", pdf("Eleven 19121212-1212"), "Personnummer 19121212-**** – protokoll.pdf, sida 1, rad 1"),
    ("protokoll.docx", docx("Ok", "Elev 850772-9807"), "Samordningsnummer 850772-**** – protokoll.docx, stycke 2"),
    ("Elev 871125-9823.pdf", pdf("Protokoll"), "Personnummer 871125-**** – filnamnet"),  # the name is stored too
]


def test_files_are_stored_with_their_checksum_and_served_as_attachments(client, demo, forum):
    for filename, data, content_type in GOOD_FILES:
        response = upload(client, forum, filename, data)

        assert response.status_code == 302, filename
        attachment = stored(demo)[-1]
        assert (attachment.filename, attachment.content_type, attachment.size, attachment.data) == (
            filename, content_type, len(data), data)
        assert attachment.sha256 == hashlib.sha256(data).hexdigest()

        served = client.get(url(forum, f"/attachments/{attachment.id}"))
        assert served.status_code == 200 and served.data == data
        assert served.mimetype == content_type
        assert served.headers["Content-Disposition"].startswith("attachment;")
        assert served.headers["X-Content-Type-Options"] == "nosniff"
        assert "no-store" in served.headers["Cache-Control"]


def test_bad_files_are_refused_with_a_clear_message_and_nothing_is_stored(client, demo, forum):
    before = snapshot(demo)
    for filename, data, says in BAD_FILES:
        response = upload(client, forum, filename, data)

        assert response.status_code == 200, says
        assert says in page(response)
    assert stored(demo) == [] and snapshot(demo) == before


def test_a_scanned_pdf_is_attached_once_someone_has_checked_it(client, demo, forum):
    response = upload(client, forum, "skannat.pdf", scanned_pdf())
    assert "har ingen text som kan läsas" in page(response) and stored(demo) == []

    response = upload(client, forum, "skannat.pdf", scanned_pdf(), unreadable_confirmed="y")

    assert response.status_code == 302 and len(stored(demo)) == 1
    with demo.app_context():
        event = db().scalars(sa.select(AuditEvent).where(AuditEvent.action == "attachment.added")).one()
        assert event.after["text_unchecked"] is True


def test_an_upload_over_the_limit_gets_a_clear_413_page(client, demo, forum):
    demo.config["MINUTES_MAX_ATTACHMENT_BYTES"] = 4096
    before = snapshot(demo)

    big = upload(client, forum, "stor.pdf", pdf("x") + b"%" + b"0" * 200_000)
    just_over = upload(client, forum, "stor.pdf", pdf("x") + b"%" + b"0" * 5_000)

    for response in (big, just_over):
        assert response.status_code == 413
        html = page(response)
        assert "Filen är för stor" in html
        assert "En fil till ett protokoll får vara högst 4 kB." in html and "Ingenting sparades." in html
    assert stored(demo) == [] and snapshot(demo) == before


def test_a_removed_file_is_kept_and_marked(client, demo, forum):
    upload(client, forum, "protokoll.pdf", pdf("Protokoll"))
    (attachment,) = stored(demo)

    response = post(client, url(forum, f"/attachments/{attachment.id}/remove"), token_from=url(forum))

    assert response.status_code == 302
    (kept,) = stored(demo)
    assert kept.removed_at is not None and kept.data == attachment.data
    assert "borttagen" in page(client.get(url(forum)))


def test_an_attachment_is_served_only_to_those_who_may_read_the_minutes(client, demo, forum):
    upload(client, forum, "protokoll.pdf", pdf("Protokoll"))
    (attachment,) = stored(demo)
    address = url(forum, f"/attachments/{attachment.id}")

    anonymous = demo.test_client()
    response = anonymous.get(address)
    assert response.status_code == 302 and "/login" in response.headers["Location"]

    for role, district in ((Role.DISTRICT_ADMIN, "SODERBY"), (Role.DISTRICT_DIRECTOR, "SODERBY")):
        other = demo.test_client()
        log_in_as(other, demo, role, district)
        assert other.get(address).status_code == 404
        assert other.get(url(forum)).status_code == 404

    principal = demo.test_client()  # Annika Berg is a principal invited to Norrviken's forum
    log_in_as(principal, demo, Role.PARTICIPANT)
    assert principal.get(address).status_code == 200

    stranger = demo.test_client()  # a Söderby principal, not invited
    log_in_user(stranger, add_user(demo, "helena.westin@edu.stockholm.example", "participant"))
    assert stranger.get(address).status_code == 404
    assert stranger.get(url(forum)).status_code == 404

    auditor = demo.test_client()
    log_in_as(auditor, demo, Role.AUDITOR)
    assert auditor.get(address).status_code == 200
    assert post(auditor, url(forum, f"/attachments/{attachment.id}/remove"), token_from=url(forum)).status_code == 404
    assert stored(demo)[0].removed_at is None
