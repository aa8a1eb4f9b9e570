"""The agreement as a document: the document model from a stored version, and the PDF built from it."""
from __future__ import annotations

import io
from datetime import date, datetime, timezone

import pypdf
import pytest

from coordinator.agreements.document import build_document
from coordinator.agreements.models import AgreementVersion, FormKind
from coordinator.agreements.pdf import render_pdf
from coordinator.pdf import pdf_safe
from coordinator.agreements.services import (
    activate_version, add_party, create_agreement, meeting_form_from_defaults, new_version, version_values,
)
from coordinator.org.functions import Function as F
from coordinator.org.models import District, Municipality, OrganiserType, Person, PersonFunction, School

NOW = datetime(2027, 8, 2, 9, 0, tzinfo=timezone.utc)
TODAY = date(2027, 8, 2)
ACTOR = "eva.lindqvist@stockholm.example"
KINDS = [FormKind.OVERARCHING_FORUM, FormKind.OPERATIVE_FORUM, FormKind.STUDENT_HEALTH_CONFERENCE,
         FormKind.REPORT_MEETING, FormKind.CONSULTATION, FormKind.STAFF_MEETING_VISIT]
FORM_NAMES = ["Övergripande samverkansforum", "Lokalt operativt samverkansforum", "Elevhälsokonferens",
              "Anmälningsmöte", "Konsultation", "Socialtjänsten besöker skolans APT"]


def agreement_version(session, *, activate: bool = True) -> AgreementVersion:
    city = Municipality(code="0180", name="Stockholms stad")
    district = District(municipality=city, code="SODERANG", name="Söderäng")
    schools = [
        School(unit_code="99000001", name="Älvängens skola", district=district,
               organiser_type=OrganiserType.MUNICIPAL, school_forms=["GR"]),
        School(unit_code="99000002", name="Friskolan Hägern", district=district,
               organiser_type=OrganiserType.INDEPENDENT, organiser_name="Hägerns Utbildning AB", school_forms=["GR"]),
        School(unit_code="99000003", name="Ösby gymnasium", district=district,
               organiser_type=OrganiserType.MUNICIPAL, school_forms=["GY"]),
    ]
    session.add_all([city, district, *schools])
    session.flush()
    contact = Person(municipality_id=city.id, district_id=district.id, name="Mottagningsgruppen Söderäng",
                     email="mottagning@soderang.example", phone="08-508 000 00")
    contact.functions = [PersonFunction(function=F.INTAKE_GROUP)]
    session.add(contact)
    session.flush()
    agreement = create_agreement(session, municipality=city, district=district,
                                 title="Lokal samverkansöverenskommelse skola–socialtjänst, Söderäng",
                                 actor=ACTOR, now=NOW)
    version = new_version(session, agreement, actor=ACTOR, now=NOW)
    version.valid_from_on, version.valid_to_on = date(2027, 7, 1), date(2029, 6, 30)
    version.revision_due_on = date(2028, 6, 15)
    version.contact_person = contact
    version.meeting_forms = [meeting_form_from_defaults(kind, position=i) for i, kind in enumerate(KINDS)]
    for school, signer in zip(schools, ["Åsa Hodžić", "Jörgen Ärlig", None]):
        add_party(session, version, school, signed_on=date(2027, 6, 10) if signer else None, signed_by=signer,
                  actor=ACTOR, now=NOW)
    if activate:
        activate_version(session, version, actor=ACTOR, now=NOW)
    session.commit()
    return version


def pdf_text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def test_the_document_has_the_parties_the_meeting_structure_the_contact_and_the_dates(session):
    version = agreement_version(session)

    document = build_document(version_values(version, timezone="Europe/Stockholm"), today=TODAY)

    assert document.title == "Lokal samverkansöverenskommelse skola–socialtjänst, Söderäng"
    assert not document.is_draft
    assert [(f.label, f.value) for f in document.facts] == [
        ("Stadsdelsförvaltning", "Söderäng, Stockholms stad"),
        ("Version", "1 (Gällande sedan 2027-08-02)"),
        ("Giltighet", "2027-07-01 till 2029-06-30"),
        ("Revideras senast", "2028-06-15"),
        ("Kontakt i socialtjänsten", "Mottagningsgruppen Söderäng, mottagning@soderang.example, 08-508 000 00"),
    ]
    assert [(p.school, p.organiser, p.signed_on, p.signed_by) for p in document.parties] == [
        ("Friskolan Hägern", "Fristående (Hägerns Utbildning AB)", "2027-06-10", "Jörgen Ärlig"),
        ("Älvängens skola", "Kommunal", "2027-06-10", "Åsa Hodžić"),
        ("Ösby gymnasium", "Kommunal", "–", "–"),
    ]
    assert document.form_columns == ("Mötesform", "Hur ofta", "Sammankallande", "Deltagare", "Enskilda ärenden",
                                     "Protokoll och uppföljning")
    assert [f.name for f in document.forms] == FORM_NAMES
    forum, operative, conference = document.forms[:3]
    assert (forum.how_often, forum.convener, forum.individual_cases) == (
        "1 gång per termin", "stadsdelsdirektör", "Inga enskilda ärenden")
    assert forum.participants.startswith("stadsdelsdirektör, avdelningschef IFO")
    assert forum.participants.endswith("även inbjudna: nämndsekreterare, kontaktpolis")
    assert forum.minutes == "Protokoll inom 14 dagar, förs av nämndsekreterare, justeras, " \
                            "rapporteras till stadsdelsnämnden"
    assert operative.how_often == "Varje månad"
    assert conference.how_often == "3 gånger per termin, för varje skola"
    assert conference.individual_cases == "Endast avidentifierade elever"


def test_forms_without_minutes_and_the_consultation_carry_no_reminders_they_should_not_have(session):
    # the defaults say "no reminder" with None; the stored forms keep it (not the columns' defaults)
    version = agreement_version(session)
    session.expire_all()

    values = version_values(session.get(AgreementVersion, version.id), timezone="Europe/Stockholm")
    consultation = next(f for f in values.forms if f.kind is FormKind.CONSULTATION)

    assert consultation.rsvp_reminder_days is None
    assert (consultation.minutes_reminder_days, consultation.minutes_escalation_days) == (None, None)
    details = dict((f.label, f.value) for f in build_document(values, today=TODAY).forms[4].details)
    assert details["Kallelser och påminnelser"] == "Kallelse 2 dagar före mötet, påminnelse 24 timmar före"


def test_a_draft_says_so_and_a_city_level_document_names_the_city(session):
    version = agreement_version(session, activate=False)

    document = build_document(version_values(version, timezone="Europe/Stockholm"), today=TODAY)

    assert document.is_draft
    assert document.facts[1].value == "1 (Utkast, gäller inte ännu)"
    assert document.headings["draft"] == "UTKAST – gäller inte"
    assert document.signature_for == "För stadsdelsförvaltningen Söderäng"


def test_the_pdf_holds_each_meeting_form_the_parties_and_swedish_letters(session):
    version = agreement_version(session)
    document = build_document(version_values(version, timezone="Europe/Stockholm"), today=TODAY)

    data = render_pdf(document)

    assert data.startswith(b"%PDF-")
    text = pdf_text(data)
    for name in FORM_NAMES:
        assert name in text, name
    for school in ["Älvängens skola", "Friskolan Hägern", "Ösby gymnasium", "Fristående (Hägerns Utbildning AB)"]:
        assert school in text, school
    assert "Jörgen Ärlig" in text
    assert "Åsa Hodžic" in text  # ć is outside the core fonts' cp1252: it prints as c, the rest stays
    assert "skola–socialtjänst" in text  # the en dash is in cp1252
    assert "Mottagningsgruppen Söderäng" in text
    assert "Mötesstruktur" in text and "Protokoll och uppföljning" in text
    assert "2027-07-01 till 2029-06-30" in text and "2028-06-15" in text
    assert "Sida 1 av" in text


def test_the_pdf_of_a_draft_is_marked_as_a_draft(session):
    version = agreement_version(session, activate=False)

    text = pdf_text(render_pdf(build_document(version_values(version, timezone="Europe/Stockholm"), today=TODAY)))

    assert "UTKAST – gäller inte" in text


@pytest.mark.parametrize(("given", "printed"), [
    ("Åsa Öberg", "Åsa Öberg"), ("Hodžić", "Hodžic"), ("2−3", "2-3"), ("”citat” – €", "”citat” – €"),
    ("a → b", "a -> b"), ("日本", "??"),
])
def test_text_outside_the_core_fonts_is_mapped_to_its_nearest_form(given, printed):
    assert pdf_safe(given) == printed
