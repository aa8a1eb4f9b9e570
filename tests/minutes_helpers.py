"""Helpers of the minutes tests: held meetings on the demo, and sample attachments.

`hold_term` loads the demo, plans a district's HT2027 (Norrviken's) and marks every meeting
scheduled (as publishing does, without the invitations' mail, which other tests cover).
Sample attachments are built the way the programs that write them do: a PDF with a text
layer per page (fpdf2, core fonts, å ä ö), a PDF whose page has no text (a scan), and minimal
but complete DOCX and ODT packages (content types, relationships, the OpenDocument `mimetype`
stored first and uncompressed). Small enough to build in every test.
"""
from __future__ import annotations

import io
import zipfile
from datetime import datetime, timedelta, timezone
from xml.sax.saxutils import escape

import sqlalchemy as sa
from fpdf import FPDF
from sqlalchemy.orm import Session

from coordinator.agreements.models import MeetingForm
from coordinator.auth.models import User
from coordinator.demo import load_demo
from coordinator.org.models import District, Person, School
from coordinator.planning.models import Meeting, MeetingStatus
from coordinator.planning.services import plan_district_term

PLANNED_AT = datetime(2027, 5, 3, 8, 0, tzinfo=timezone.utc)
DIRECTOR = "eva.lindqvist@stockholm.example"
FORUM, OPERATIVE, CONFERENCE = "Övergripande samverkansforum", "Lokalt operativt samverkansforum", "Elevhälsokonferens"


def hold_term(session: Session, districts: tuple[str, ...] = ("NORRVIKEN",)) -> None:
    """The demo with the districts' HT2027 planned and every meeting scheduled; committed."""
    load_demo(session, now=PLANNED_AT)
    for district in districts:
        plan_district_term(session, district, "HT2027", actor=DIRECTOR, now=PLANNED_AT)
    session.execute(sa.update(Meeting).values(status=MeetingStatus.SCHEDULED, published_at=PLANNED_AT,
                                              published_by=DIRECTOR))
    session.commit()


def meetings_of(session: Session, form_name: str, district: str = "NORRVIKEN",
                school: str | None = None) -> list[Meeting]:
    """The stored meetings of a form (of a school), by start."""
    query = (sa.select(Meeting).join(Meeting.meeting_form).join(Meeting.district)
             .where(MeetingForm.name == form_name, District.code == district).order_by(Meeting.starts_at))
    if school is not None:
        query = query.join(Meeting.school).where(School.name == school)
    return list(session.scalars(query))


def after(meeting: Meeting, hours: int = 2) -> datetime:
    """A moment `hours` after the meeting ended."""
    return meeting.ends_at + timedelta(hours=hours)


def person(session: Session, name: str) -> Person:
    return session.scalars(sa.select(Person).where(Person.name == name)).one()


def user_of(session: Session, name: str) -> User:
    """The demo login of the person named `name`."""
    return session.scalars(sa.select(User).join(User.person).where(Person.name == name)).one()


def pdf(*pages: str) -> bytes:
    """A PDF with one page per text (lines split on newlines)."""
    document = FPDF()
    document.core_fonts_encoding = "cp1252"
    document.set_font("helvetica", size=11)
    for text in pages:
        document.add_page()
        document.multi_cell(0, 6, text)
    return bytes(document.output())


def scanned_pdf() -> bytes:
    """A PDF whose only page is a drawing, as a scanner makes it: no text layer to check."""
    document = FPDF()
    document.add_page()
    document.rect(20, 20, 170, 250, style="F")
    return bytes(document.output())


def docx(*paragraphs: str, header: str | None = None) -> bytes:
    """A Word document with the paragraphs as its body and an optional page header."""
    body = "".join(f'<w:p><w:r><w:t xml:space="preserve">{escape(p)}</w:t></w:r></w:p>' for p in paragraphs)
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            'wordprocessingml.document.main+xml"/></Types>'),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'officeDocument" Target="word/document.xml"/></Relationships>'),
        "word/document.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            f"<w:body>{body}</w:body></w:document>"),
    }
    if header is not None:
        parts["word/header1.xml"] = (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<w:hdr xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            f"<w:p><w:r><w:t>{escape(header)}</w:t></w:r></w:p></w:hdr>")
    return _zip(parts)


def odt(*paragraphs: str, mimetype: str = "application/vnd.oasis.opendocument.text") -> bytes:
    """An OpenDocument text with the paragraphs (a spreadsheet when given its mimetype)."""
    body = "".join(f"<text:p>{escape(p)}</text:p>" for p in paragraphs)
    return _zip({
        "mimetype": mimetype,
        "META-INF/manifest.xml": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
            'manifest:version="1.2"><manifest:file-entry manifest:full-path="/" '
            f'manifest:media-type="{mimetype}"/><manifest:file-entry manifest:full-path="content.xml" '
            'manifest:media-type="text/xml"/></manifest:manifest>'),
        "content.xml": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
            'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
            f"<office:body><office:text>{body}</office:text></office:body></office:document-content>"),
    })


def _zip(parts: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in parts.items():
            method = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
            archive.writestr(zipfile.ZipInfo(name), content.encode("utf-8"), compress_type=method)
    return buffer.getvalue()
