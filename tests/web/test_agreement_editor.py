"""The agreement editor through the browser, on the demo: drafts, validation, activation, document, permission."""
from __future__ import annotations

import io
import re
from datetime import date, datetime, timedelta, timezone
from html import unescape
from html.parser import HTMLParser

import pypdf
import pytest
import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from coordinator.agreements.defaults import default_form
from coordinator.agreements.models import Agreement, AgreementVersion, FormKind, MeetingForm, VersionStatus
from coordinator.agreements.services import meeting_form_values
from coordinator.audit import AuditEvent
from coordinator.org.models import District, OrganiserType, Person, School, SchoolGroup
from coordinator.planning.models import Meeting
from coordinator.terms.models import Term
from coordinator.web import db
from tests.web.helpers import csrf_token, log_in, log_out, page, text

DEMO_PASSWORD = "demo"
DIRECTOR = "eva.lindqvist@stockholm.example"           # Norrviken
OTHER_DIRECTOR = "thomas.ekstrom@stockholm.example"    # Söderby
AUDITOR = "revisor@stockholm.example"
DISTRICT_ADMIN = "karin.wallin@stockholm.example"     # Norrviken's registrar
CITY_ADMIN = "admin@stockholm.example"
PARTICIPANT = "annika.berg@edu.stockholm.example"
NEXT_REVISION = "2028-06-15"  # the demo's version 1 is to be revised by 2027-06-15
DEMO_FORMS = ["Övergripande samverkansforum", "Lokalt operativt samverkansforum", "Elevhälsokonferens",
              "Anmälningsmöte", "Konsultation", "BUS-grupp", "Socialtjänsten besöker skolans APT"]




class _FormFields(HTMLParser):
    """The fields a browser would send for the form posting to `action`: what the page shows, as is."""

    def __init__(self, action: str) -> None:
        super().__init__(convert_charrefs=True)
        self.action, self.inside, self.fields = action, False, []
        self._select: str | None = None
        self._options: list[tuple[str, bool]] = []
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("action") == self.action
        if not self.inside:
            return
        if tag == "input" and attrs.get("name"):
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.fields.append((attrs["name"], attrs.get("value", "")))
        elif tag == "select":
            self._select, self._options = attrs["name"], []
        elif tag == "option" and self._select is not None:
            self._options.append((attrs.get("value", ""), "selected" in attrs))
        elif tag == "textarea":
            self._textarea = attrs["name"]
            self.fields.append((self._textarea, ""))

    def handle_data(self, data):
        if self.inside and self._textarea is not None:
            name, value = self.fields.pop()
            self.fields.append((name, value + data.lstrip("\n") if not value else value + data))

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select" and self._select is not None:
            chosen = next((v for v, selected in self._options if selected), self._options[0][0] if self._options else "")
            self.fields.append((self._select, chosen))
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def form_fields(html: str, action: str) -> MultiDict:
    parser = _FormFields(action)
    parser.feed(html)
    assert parser.fields, f"no form posting to {action}"
    return MultiDict(parser.fields)


def with_changes(fields: MultiDict, **changes: str | list[str]) -> MultiDict:
    """The fields with some replaced; a list replaces every value of a multiple choice."""
    kept = MultiDict([(name, value) for name, value in fields.items(multi=True) if name not in changes])
    for name, value in changes.items():
        kept.setlist(name, value if isinstance(value, list) else [value])
    return kept


def norrviken_agreement_id(app) -> int:
    with app.app_context():
        return db().scalars(sa.select(Agreement.id).join(Agreement.district).where(District.code == "NORRVIKEN")).one()


def version_of(app, version_id: int) -> AgreementVersion:
    with app.app_context():
        version = db().get(AgreementVersion, version_id)
        version.meeting_forms, version.parties  # loaded while the session is open
        return version


def start_draft(client, app) -> int:
    """As a logged-in editor: open the Norrviken agreement's new version; the draft's id."""
    agreement_id = norrviken_agreement_id(app)
    html = text(client.get(f"/agreements/{agreement_id}/versions/new"))
    response = client.post(f"/agreements/{agreement_id}/versions/new",
                           data={"csrf_token": csrf_token(html), "revision_due_on": NEXT_REVISION})
    assert response.status_code == 302, page(response)
    return int(response.headers["Location"].rsplit("/", 1)[1])


def form_id(app, version_id: int, name: str) -> int:
    with app.app_context():
        return db().scalars(sa.select(MeetingForm.id).where(MeetingForm.version_id == version_id,
                                                            MeetingForm.name == name)).one()


def new_school(app, name: str = "Åkerby friskola") -> int:
    """A school that opened in Norrviken after the agreement was signed."""
    with app.app_context():
        session = db()
        district = session.scalars(sa.select(District).where(District.code == "NORRVIKEN")).one()
        school = School(unit_code="99900199", name=name, district=district, organiser_type=OrganiserType.INDEPENDENT,
                        organiser_name="Åkerby Skolor AB", school_forms=["FKLASS", "GR"])
        session.add(school)
        session.commit()
        return school.id


def audit_events(app, action: str | None = None) -> list[AuditEvent]:
    with app.app_context():
        query = sa.select(AuditEvent).order_by(AuditEvent.id)
        if action:
            query = query.where(AuditEvent.action == action)
        return list(db().scalars(query))


# --- drafts ---------------------------------------------------------------------------------------

def test_the_district_page_links_the_editor_for_those_who_may_edit(client, demo):
    log_in(client, DIRECTOR, DEMO_PASSWORD)
    html = page(client.get("/districts/NORRVIKEN"))
    assert "Redigera överenskommelsen" in html and "Ny version" in html
    assert "Överenskommelsen som dokument" in html and "Alla överenskommelser och versioner" in html

    log_out(client)
    log_in(client, AUDITOR, DEMO_PASSWORD)
    html = page(client.get("/districts/NORRVIKEN"))
    assert "Redigera överenskommelsen" not in html and "Ny version" not in html
    assert "Överenskommelsen som dokument" in html


def test_a_director_starts_a_new_version_as_a_draft_copy_of_the_active_one(client, demo):
    log_in(client, DIRECTOR, DEMO_PASSWORD)
    agreement_id = norrviken_agreement_id(demo)

    confirm = page(client.get(f"/agreements/{agreement_id}/versions/new"))
    assert "en kopia av version 1" in confirm
    draft_id = start_draft(client, demo)

    draft = version_of(demo, draft_id)
    with demo.app_context():
        active_id = db().scalars(sa.select(AgreementVersion.id).where(AgreementVersion.agreement_id == agreement_id,
                                                                      AgreementVersion.number == 1)).one()
    active = version_of(demo, active_id)
    assert (draft.number, draft.status) == (2, VersionStatus.DRAFT)
    assert active.status is VersionStatus.ACTIVE
    assert [f.name for f in draft.meeting_forms] == DEMO_FORMS
    assert sorted(p.school_id for p in draft.parties) == sorted(p.school_id for p in active.parties)
    assert draft.contact_person_id == active.contact_person_id
    html = page(client.get(f"/agreements/versions/{draft_id}"))
    assert "Version 2: Utkast" in html and "Jämför och aktivera" in html and "Lägg till en mötesform" in html
    # asking again leads to the same draft, not a second one
    again = client.get(f"/agreements/{agreement_id}/versions/new")
    assert again.status_code == 302 and again.headers["Location"].endswith(f"/agreements/versions/{draft_id}")
    assert [e.after["number"] for e in audit_events(demo, "agreement_version.created")][-1] == 2


def test_a_new_version_asks_for_its_next_revision_date_after_the_current_one(client, demo):
    log_in(client, DIRECTOR, DEMO_PASSWORD)
    agreement_id = norrviken_agreement_id(demo)
    url = f"/agreements/{agreement_id}/versions/new"
    html = page(client.get(url))
    assert "Nästa revision senast" in html and "den gällande versionens revision (2027-06-15)" in html

    for typed, told in (("", "Ange när den nya versionen ska revideras senast."),
                        ("2027-06-15", "Nästa revision måste vara senare än den gällande versionens, 2027-06-15."),
                        ("2027-01-31", "Nästa revision måste vara senare än den gällande versionens, 2027-06-15."),
                        ("15/6", "Ange datumet som åååå-mm-dd, till exempel 2027-07-01.")):
        response = client.post(url, data={"csrf_token": csrf_token(html), "revision_due_on": typed})
        assert response.status_code == 200, typed
        assert_told(page(response), "revision_due_on", told)
    assert [e for e in audit_events(demo, "agreement_version.created") if e.actor == DIRECTOR] == []

    draft = version_of(demo, start_draft(client, demo))
    assert (draft.number, draft.revision_due_on) == (2, date(2028, 6, 15))


def test_the_director_edits_the_header_of_the_draft(client, demo):
    log_in(client, DIRECTOR, DEMO_PASSWORD)
    draft_id = start_draft(client, demo)
    with demo.app_context():
        intake = db().scalars(sa.select(Person).where(Person.name == "Mottagningsgruppen Norrviken")).one()
        anders = db().scalars(sa.select(Person).where(Person.name == "Anders Nyström")).one()
    url = f"/agreements/versions/{draft_id}/header"
    html = text(client.get(url))
    assert "Mottagningsgruppen Norrviken (mottagningsgruppen)" in unescape(html)

    response = client.post(url, data={"csrf_token": csrf_token(html), "valid_from_on": "2027-07-01",
                                      "valid_to_on": "2029-06-30", "revision_due_on": "2028-09-15",
                                      "contact_person_id": str(intake.id)})

    assert response.status_code == 302
    draft = version_of(demo, draft_id)
    assert (draft.valid_from_on, draft.valid_to_on, draft.revision_due_on, draft.contact_person_id) == (
        date(2027, 7, 1), date(2029, 6, 30), date(2028, 9, 15), intake.id)
    (event,) = audit_events(demo, "agreement_version.updated")
    assert event.actor == DIRECTOR
    assert event.before == {"number": 2, "valid_from_on": "2026-07-01", "valid_to_on": "2028-06-30",
                            "revision_due_on": NEXT_REVISION, "contact_person_id": anders.id}
    assert event.after == {"number": 2, "valid_from_on": "2027-07-01", "valid_to_on": "2029-06-30",
                           "revision_due_on": "2028-09-15", "contact_person_id": intake.id}


def test_a_new_school_of_the_district_is_seen_as_not_joined_and_joins_the_draft(client, demo):
    school_id = new_school(demo)
    log_in(client, DIRECTOR, DEMO_PASSWORD)
    draft_id = start_draft(client, demo)

    html = text(client.get(f"/agreements/versions/{draft_id}"))
    assert "Skolor i stadsdelen som inte är parter" in unescape(html)
    assert re.search(r"<li>Åkerby friskola <strong>\(fristående\)</strong>", unescape(html))
    form_page = text(client.get(f"/agreements/versions/{draft_id}/parties/new?school={school_id}"))
    assert f'<option selected value="{school_id}">Åkerby friskola (fristående)</option>' in unescape(form_page)

    response = client.post(f"/agreements/versions/{draft_id}/parties/new", data={
        "csrf_token": csrf_token(form_page), "school_id": str(school_id), "signed_on": "2027-08-20",
        "signed_by": "Karin Lund, rektor"})

    assert response.status_code == 302
    party = next(p for p in version_of(demo, draft_id).parties if p.school_id == school_id)
    assert (party.signed_on, party.signed_by) == (date(2027, 8, 20), "Karin Lund, rektor")
    assert "Alla aktiva skolor i stadsdelen är parter." in page(client.get(f"/agreements/versions/{draft_id}"))
    event = audit_events(demo, "party.added")[-1]
    assert event.after == {"version": 2, "school": "99900199", "signed_on": "2027-08-20",
                           "signed_by": "Karin Lund, rektor"}


def test_adding_a_form_starts_from_the_defaults_of_its_kind(client, demo):
    log_in(client, DIRECTOR, DEMO_PASSWORD)
    draft_id = start_draft(client, demo)
    chooser = page(client.get(f"/agreements/versions/{draft_id}/forms/new"))
    assert "Elevhälsokonferens" in chooser and "Annat möte" in chooser
    action = f"/agreements/versions/{draft_id}/forms/new"

    for kind in [k for k in FormKind if k is not FormKind.STEERING_GROUP]:  # city-wide: see the city test
        html = text(client.get(f"{action}?kind={kind.value}"))
        response = client.post(action, data=form_fields(html, action))
        assert response.status_code == 302, (kind, page(response)[-3000:])

        with demo.app_context():
            added = db().scalars(sa.select(MeetingForm).where(MeetingForm.version_id == draft_id)
                                 .order_by(MeetingForm.position.desc()).limit(1)).one()
            assert meeting_form_values(added) == default_form(kind), kind


def test_the_city_admin_revises_a_city_level_agreement_that_directors_only_read(client, demo):
    with demo.app_context():
        city_agreement_id = db().scalars(sa.select(Agreement.id).where(Agreement.district_id.is_(None))).one()
    log_in(client, DIRECTOR, DEMO_PASSWORD)
    assert client.get(f"/agreements/{city_agreement_id}").status_code == 200
    assert client.get(f"/agreements/{city_agreement_id}/versions/new").status_code == 404
    log_out(client)

    log_in(client, CITY_ADMIN, DEMO_PASSWORD)
    assert "Styrande samverkansgrupp" in page(client.get("/municipalities/0180/agreements"))
    html = text(client.get(f"/agreements/{city_agreement_id}/versions/new"))
    response = client.post(f"/agreements/{city_agreement_id}/versions/new",
                           data={"csrf_token": csrf_token(html), "revision_due_on": NEXT_REVISION})
    draft_id = int(response.headers["Location"].rsplit("/", 1)[1])
    action = f"/agreements/versions/{draft_id}/forms/new"
    html = text(client.get(f"{action}?kind=steering_group"))
    fields = with_changes(form_fields(html, action), name="Styrgrupp, andra kretsen")

    assert client.post(action, data=fields).status_code == 302
    with demo.app_context():
        added = db().scalars(sa.select(MeetingForm).where(MeetingForm.version_id == draft_id,
                                                          MeetingForm.name == "Styrgrupp, andra kretsen")).one()
        assert meeting_form_values(added) == {**default_form(FormKind.STEERING_GROUP),
                                              "name": "Styrgrupp, andra kretsen"}
    version_page = page(client.get(f"/agreements/versions/{draft_id}"))
    assert "Styrgrupp, andra kretsen" in version_page
    assert "Skolor i stadsdelen som inte är parter" not in version_page  # the city has no district's schools
    document = page(client.get(f"/agreements/versions/{draft_id}/document"))
    assert "den stadsövergripande samverkan mellan skola och socialtjänst i Stockholms stad" in document
    assert "Överenskommelsen har inga skolor som parter." in document and "För Stockholms stad" in document


# --- validation -----------------------------------------------------------------------------------

TYPED_NAME = "Övergripande forum, nytt namn"

CROSS_FIELD_CASES = [
    # (changes, the field told, the message)
    ({"window_start": "15:00", "window_end": "13:00"}, "window_end",
     "Tidsfönstret måste sluta efter att det börjar: 13:00 är inte efter 15:00."),
    ({"duration_minutes": "240"}, "duration_minutes",
     "Mötet tar 240 minuter, men tidsfönstret 13:00–16:00 rymmer bara 180. Korta mötet eller vidga tidsfönstret."),
    ({"duration_minutes": "0"}, "duration_minutes", "Ett möte tar mer än 0 minuter; 0 går inte."),
    ({"duration_minutes": "-15"}, "duration_minutes", "Ett möte tar mer än 0 minuter; -15 går inte."),
    ({"duration_minutes": "nittio"}, "duration_minutes", "Ange ett heltal, till exempel 14."),
    ({"cadence_count": "0"}, "cadence_count",
     "Ett planerat möte hålls minst en gång per termin; 0 går inte. Ange 1 eller fler, eller välj ”vid behov”."),
    ({"scope": "group", "group_id": ""}, "group_id",
     "En mötesform för en grupp av skolor behöver en grupp. Välj gruppen."),
    ({"invited_functions": ["district_director", "head_of_ifo", "head_of_leisure", "head_of_preschool",
                            "deputy_school_chief", "committee_secretary"]}, "required_functions",
     "rektor krävs men är inte inbjuden. Bjud in funktionen eller ta bort kravet."),
    ({"required_functions": ["district_director", "principal", "overlord"]}, "required_functions",
     "”overlord” finns inte i funktionskatalogen och kan inte krävas."),
    ({"invite_lead_days": "150"}, "invite_lead_days",
     "150 dagar är längre än en termin (ungefär 20 veckor). Ange högst 140 dagar."),
    ({"individual_cases": "with_consent"}, "individual_cases",
     "I det övergripande samverkansforumet tas enskilda ärenden aldrig upp. Välj ”Inga enskilda ärenden”."),
    ({"rsvp_reminder_days": "30"}, "rsvp_reminder_days",
     "Påminnelsen om att svara (30 dagar före mötet) måste komma efter inbjudan (28 dagar före). Ange färre dagar."),
]


def assert_told(html: str, field: str, message: str) -> None:
    summary = re.search(r'<div class="error-summary".*?</div>', html, re.S)
    assert summary is not None, "no error summary"
    target = f"{field}-0" if field in CHOICES else field
    assert f'<a href="#{target}">{message}</a>' in summary.group(0)
    assert re.search(rf'<p class="field-error" id="{field}-error">.*{re.escape(message)}</p>', html), field


CHOICES = ("scope", "individual_cases", "invited_functions", "required_functions")


def assert_kept(html: str, name: str, typed: str) -> None:
    """The page shows `typed` again in the field `name`: as its value, or as the checked choice."""
    if name in CHOICES:
        if typed != "overlord":  # not a choice on the page, so nothing to check
            assert re.search(rf'<input checked id="{name}-\d+" name="{name}" type="\w+" value="{typed}">', html), \
                (name, typed)
    elif name == "group_id":
        assert '<option selected value="">Ingen grupp</option>' in html
    else:
        assert f'value="{typed}"' in html, (name, typed)


def test_each_cross_field_rule_is_told_in_swedish_keeps_what_was_typed_and_saves_nothing(client, demo):
    with demo.app_context():
        session = db()
        district = session.scalars(sa.select(District).where(District.code == "NORRVIKEN")).one()
        session.add(SchoolGroup(district_id=district.id, name="Gymnasieskolorna"))
        session.commit()
    log_in(client, DIRECTOR, DEMO_PASSWORD)
    draft_id = start_draft(client, demo)
    forum_id = form_id(demo, draft_id, "Övergripande samverkansforum")
    url = f"/agreements/versions/{draft_id}/forms/{forum_id}"
    fields = form_fields(text(client.get(url)), url)
    with demo.app_context():
        stored = meeting_form_values(db().get(MeetingForm, forum_id))
    events = len(audit_events(demo))

    for changes, field, message in CROSS_FIELD_CASES:
        response = client.post(url, data=with_changes(fields, name=TYPED_NAME, **changes))

        assert response.status_code == 200, (changes, response.headers.get("Location"))
        html = page(response)
        assert_told(html, field, message)
        assert f'value="{TYPED_NAME}"' in html  # what was typed is kept...
        for name, value in changes.items():
            for typed in value if isinstance(value, list) else [value]:
                assert_kept(html, name, typed)

    with demo.app_context():  # ...and nothing was saved
        assert meeting_form_values(db().get(MeetingForm, forum_id)) == stored
    assert len(audit_events(demo)) == events


def test_a_per_school_form_needs_parties_and_the_validity_must_end_after_it_starts(client, demo):
    log_in(client, DIRECTOR, DEMO_PASSWORD)
    draft_id = start_draft(client, demo)
    for party in version_of(demo, draft_id).parties:  # every school leaves the draft
        html = text(client.get(f"/agreements/versions/{draft_id}"))
        response = client.post(f"/agreements/versions/{draft_id}/parties/{party.id}/remove",
                               data={"csrf_token": csrf_token(html)})
        assert response.status_code == 302
    assert version_of(demo, draft_id).parties == []
    assert len(audit_events(demo, "party.removed")) == 7

    conference_id = form_id(demo, draft_id, "Elevhälsokonferens")
    url = f"/agreements/versions/{draft_id}/forms/{conference_id}"
    html = page(client.post(url, data=form_fields(text(client.get(url)), url)))
    assert_told(html, "scope", "En mötesform för varje skola behöver skolor som är parter, och versionen har inga "
                               "ännu. Lägg till parterna först, eller välj en annan omfattning.")

    header_url = f"/agreements/versions/{draft_id}/header"
    token = csrf_token(text(client.get(header_url)))
    html = page(client.post(header_url, data={"csrf_token": token, "valid_from_on": "2027-07-01",
                                              "valid_to_on": "2027-01-31", "revision_due_on": "31/12"}))
    assert_told(html, "valid_to_on", "Överenskommelsen måste sluta gälla efter att den börjar gälla (2027-07-01).")
    assert_told(html, "revision_due_on", "Ange datumet som åååå-mm-dd, till exempel 2027-07-01.")
    assert 'value="2027-01-31"' in html and 'value="31/12"' in html
    assert version_of(demo, draft_id).valid_to_on == date(2028, 6, 30)


# --- activation ------------------------------------------------------------------------------------

def test_activation_shows_the_diff_then_supersedes_the_old_version_which_stays_readable(client, demo):
    school_id = new_school(demo)
    log_in(client, DIRECTOR, DEMO_PASSWORD)
    agreement_id = norrviken_agreement_id(demo)
    with demo.app_context():  # a meeting already planned under version 1
        session = db()
        old = session.scalars(sa.select(AgreementVersion).where(AgreementVersion.agreement_id == agreement_id)).one()
        old_forum = next(f for f in old.meeting_forms if f.name == "Övergripande samverkansforum")
        term = session.scalars(sa.select(Term).where(Term.name == "HT2027")).one()
        starts = datetime(2027, 9, 21, 11, 0, tzinfo=timezone.utc)
        session.add(Meeting(uid="test-meeting@samverkan", meeting_form_id=old_forum.id, term_id=term.id,
                            series_key=f"form:{old_forum.id}", district_id=old.agreement.district_id,
                            starts_at=starts, ends_at=starts + timedelta(hours=2), created_at=starts))
        session.commit()
        old_id = old.id
    draft_id = start_draft(client, demo)
    # a school joins
    html = text(client.get(f"/agreements/versions/{draft_id}/parties/new"))
    client.post(f"/agreements/versions/{draft_id}/parties/new", data={
        "csrf_token": csrf_token(html), "school_id": str(school_id), "signed_on": "2027-08-20"})
    # a form is added, one changed, one removed
    action = f"/agreements/versions/{draft_id}/forms/new"
    fields = form_fields(text(client.get(f"{action}?kind=other")), action)
    assert client.post(action, data=with_changes(fields, name="Skolstartsmöte")).status_code == 302
    forum_url = f"/agreements/versions/{draft_id}/forms/{form_id(demo, draft_id, 'Övergripande samverkansforum')}"
    fields = form_fields(text(client.get(forum_url)), forum_url)
    assert client.post(forum_url, data=with_changes(fields, duration_minutes="90")).status_code == 302
    bus_id = form_id(demo, draft_id, "BUS-grupp")
    html = text(client.get(f"/agreements/versions/{draft_id}"))
    client.post(f"/agreements/versions/{draft_id}/forms/{bus_id}/remove", data={"csrf_token": csrf_token(html)})

    confirm = client.get(f"/agreements/versions/{draft_id}/activate")

    html = page(confirm)
    diff = html[html.index("<h1>"):html.index("<h2>Aktivera</h2>")]
    assert re.search(r"<h3>Tillkommer</h3>\s*<ul class=\"diff-added\"><li>Skolstartsmöte</li></ul>", diff)
    assert re.search(r"<h3>Utgår</h3>\s*<ul class=\"diff-removed\"><li>BUS-grupp</li></ul>", diff)
    assert "<strong>Övergripande samverkansforum</strong>" in diff
    assert "<li>Längd ändras från 120 minuter till 90 minuter.</li>" in diff
    assert re.search(r"<h3>Ansluter</h3>\s*<ul class=\"diff-added\"><li>Åkerby friskola \(fristående\)</li></ul>", diff)
    assert "Lämnar" not in diff

    response = client.post(f"/agreements/versions/{draft_id}/activate",
                           data={"csrf_token": csrf_token(text(confirm)), "compared_with": str(old_id)})

    assert response.status_code == 302
    assert "Version 2 gäller nu. Version 1 är ersatt" in page(client.get(response.headers["Location"]))
    assert version_of(demo, old_id).status is VersionStatus.SUPERSEDED
    assert version_of(demo, draft_id).status is VersionStatus.ACTIVE
    with demo.app_context():  # the planned meeting stays as it was
        meeting = db().scalars(sa.select(Meeting).where(Meeting.uid == "test-meeting@samverkan")).one()
        assert (meeting.meeting_form_id, meeting.starts_at) == (old_forum.id, starts)
    # the old version stays readable, and read-only
    old_page = page(client.get(f"/agreements/versions/{old_id}"))
    assert "Version 1: Ersatt" in old_page and "Den här versionen är ersatt" in old_page
    assert "Ändra giltighet" not in old_page and "Lägg till en mötesform" not in old_page
    assert all(name in old_page for name in DEMO_FORMS)
    refused = client.post(f"/agreements/versions/{old_id}/header", data={
        "csrf_token": csrf_token(old_page), "valid_from_on": "2030-01-01"})
    assert refused.status_code == 302
    assert "Version 1 har aktiverats och kan inte ändras" in page(client.get(refused.headers["Location"]))
    assert version_of(demo, old_id).valid_from_on == date(2026, 7, 1)
    # every change is in the audit trail, with before and after
    actions = [e.action for e in audit_events(demo) if e.actor == DIRECTOR]
    assert actions == ["agreement_version.created", "party.added", "meeting_form.added", "meeting_form.updated",
                       "meeting_form.removed", "agreement_version.superseded", "agreement_version.activated"]
    (updated,) = audit_events(demo, "meeting_form.updated")
    assert updated.before == {"version": 2, "name": "Övergripande samverkansforum", "duration_minutes": 120}
    assert updated.after == {"version": 2, "name": "Övergripande samverkansforum", "duration_minutes": 90}
    (removed,) = audit_events(demo, "meeting_form.removed")
    assert removed.before["name"] == "BUS-grupp" and removed.after is None
    assert removed.before["functions"]["head_of_ifo"] is True
    (added,) = [e for e in audit_events(demo, "meeting_form.added") if e.actor == DIRECTOR]
    assert added.after["name"] == "Skolstartsmöte" and added.after["kind"] == "other" and added.before is None
    (activated,) = [e for e in audit_events(demo, "agreement_version.activated") if e.actor == DIRECTOR]
    assert activated.before == {"status": "draft"} and activated.after["supersedes"] == 1


def test_activation_waits_for_a_complete_draft_and_a_fresh_comparison(client, demo):
    log_in(client, DIRECTOR, DEMO_PASSWORD)
    draft_id = start_draft(client, demo)
    header = f"/agreements/versions/{draft_id}/header"
    fields = {"csrf_token": csrf_token(text(client.get(header))), "valid_from_on": "2026-07-01",
              "valid_to_on": "2028-06-30", "revision_due_on": NEXT_REVISION, "contact_person_id": ""}
    assert client.post(header, data=fields).status_code == 302

    confirm = client.get(f"/agreements/versions/{draft_id}/activate")
    html = page(confirm)
    assert "Utkastet kan inte aktiveras ännu" in html and "Ange en kontakt i socialtjänsten för skolorna." in html
    assert "Aktivera version 2</button>" not in html
    client.post(f"/agreements/versions/{draft_id}/activate", data={"csrf_token": csrf_token(text(confirm)),
                                                                    "compared_with": "1"})
    assert version_of(demo, draft_id).status is VersionStatus.DRAFT

    with demo.app_context():
        intake = db().scalars(sa.select(Person.id).where(Person.name == "Mottagningsgruppen Norrviken")).one()
    client.post(header, data={**fields, "contact_person_id": str(intake)})
    stale = client.post(f"/agreements/versions/{draft_id}/activate",
                        data={"csrf_token": fields["csrf_token"], "compared_with": ""})
    assert stale.status_code == 302
    assert "Den gällande versionen har ändrats sedan du såg jämförelsen" in page(client.get(stale.headers["Location"]))
    assert version_of(demo, draft_id).status is VersionStatus.DRAFT


# --- the document ------------------------------------------------------------------------------------

def test_the_printable_page_and_the_pdf_hold_each_meeting_form_and_the_parties(client, demo):
    log_in(client, DIRECTOR, DEMO_PASSWORD)
    with demo.app_context():
        active_id = db().scalars(sa.select(AgreementVersion.id).join(Agreement).join(Agreement.district).where(
            District.code == "NORRVIKEN", AgreementVersion.status == VersionStatus.ACTIVE)).one()

    html = page(client.get(f"/agreements/versions/{active_id}/document"))

    assert '<html lang="sv">' in html and "document.css" in html  # its print rules: A4, no toolbar
    assert "@media print" in page(client.get("/static/document.css"))
    assert "<h1>Lokal samverkansöverenskommelse skola–socialtjänst, Norrviken</h1>" in html
    for name in DEMO_FORMS:
        assert f'<th scope="row">{name}</th>' in html, name
    for school in ["Norrvikens skola", "Friskolan Lärkan", "Norrviken International School"]:
        assert f'<th scope="row">{school}</th>' in html
    assert "Fristående (Lärkan Utbildning AB)" in html and "Linnea Åkesson" in html
    assert "Anders Nyström" in html and "2026-07-01 till 2028-06-30" in html and "2027-06-15" in html
    assert "1 (Gällande sedan" in html

    response = client.get(f"/agreements/versions/{active_id}/document.pdf")
    assert response.mimetype == "application/pdf"
    assert 'filename="lokal-samverkansoverenskommelse-skola-socialtjanst-norrviken-version-1.pdf"' in \
        response.headers["Content-Disposition"]
    reader = pypdf.PdfReader(io.BytesIO(response.data))
    pdf_text = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
    for name in [*DEMO_FORMS, "Friskolan Lärkan", "Sjöängsskolan", "Katarina Öberg"]:
        assert name in pdf_text, name


# --- permission -------------------------------------------------------------------------------------

def agreement_urls(app, *, code: str, agreement_id: int, version_id: int, form: int, party: int):
    """Every URL of the editor for one district's agreement, with its methods."""
    args = {"code": code, "agreement_id": agreement_id, "version_id": version_id, "form_id": form, "party_id": party}
    urls = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("agreements.") or rule.rule.startswith("/municipalities"):
            continue
        url = rule.rule
        for name in rule.arguments:
            url = re.sub(rf"<(?:\w+:)?{name}>", str(args[name]), url)
        urls.extend((method, url) for method in sorted(rule.methods & {"GET", "POST"}))
    return urls


def norrviken_draft_urls(client, app):
    """A Norrviken draft opened by its director, and every editor URL of it (then logged out)."""
    log_in(client, DIRECTOR, DEMO_PASSWORD)
    draft_id = start_draft(client, app)
    draft = version_of(app, draft_id)
    log_out(client)
    return draft_id, agreement_urls(app, code="NORRVIKEN", agreement_id=draft.agreement_id, version_id=draft_id,
                                    form=draft.meeting_forms[0].id, party=draft.parties[0].id)


def test_a_director_of_another_district_gets_404_on_every_agreement_url(client, demo):
    _draft_id, urls = norrviken_draft_urls(client, demo)
    assert len(urls) >= 20
    log_in(client, OTHER_DIRECTOR, DEMO_PASSWORD)
    token = csrf_token(text(client.get("/")))
    events = len(audit_events(demo))

    for method, url in urls:
        response = client.get(url) if method == "GET" else client.post(url, data={"csrf_token": token})
        assert response.status_code == 404, (method, url, response.status_code)
    assert client.get("/municipalities/0180/agreements/new").status_code == 404  # the city's: the city admin's
    assert len(audit_events(demo)) == events
    assert client.get("/districts/SODERBY/agreements").status_code == 200  # their own


READING = {"agreements.district_agreements", "agreements.agreement", "agreements.version",
           "agreements.document", "agreements.document_pdf"}


@pytest.mark.parametrize("reader", [AUDITOR, DISTRICT_ADMIN])
def test_auditors_and_the_district_registrar_read_the_agreement_and_change_nothing(client, demo, reader):
    draft_id, urls = norrviken_draft_urls(client, demo)
    log_in(client, reader, DEMO_PASSWORD)
    token = csrf_token(text(client.get("/")))
    events = len(audit_events(demo))

    for method, url in urls:
        endpoint = demo.url_map.bind("localhost").match(url, method=method)[0]
        response = client.get(url) if method == "GET" else client.post(url, data={"csrf_token": token})
        assert response.status_code == (200 if endpoint in READING else 404), (method, url)
    draft_page = page(client.get(f"/agreements/versions/{draft_id}"))
    assert "Version 2: Utkast" in draft_page
    assert "Ändra giltighet" not in draft_page and "Lägg till en mötesform" not in draft_page
    assert "Jämför och aktivera" not in draft_page and "Ta bort" not in draft_page
    assert "Redigera överenskommelsen" not in page(client.get("/districts/NORRVIKEN"))
    assert len(audit_events(demo)) == events


def test_a_participant_sees_no_agreement_page(client, demo):
    _draft_id, urls = norrviken_draft_urls(client, demo)
    log_in(client, PARTICIPANT, DEMO_PASSWORD)

    for method, url in urls:
        if method == "GET":
            assert client.get(url).status_code == 404, url
    assert client.get("/municipalities/0180/agreements").status_code == 404


def test_anonymous_visitors_are_sent_to_the_login(client, demo):
    response = client.get(f"/agreements/{norrviken_agreement_id(demo)}")

    assert response.status_code == 302 and "/login" in response.headers["Location"]
