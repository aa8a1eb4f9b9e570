"""Every route × every role: the status is what the route's declared permission says, and no page shows another
district's data.

The app's URL map is enumerated: a route without a declaration (`coordinator.auth.routes.permission`) or without
an example below fails. Each route is asked for, by every method it has, as each role (and anonymously), once on
the signed-in user's own district (Ekdal, the follow-up's hand-counted world) and once on another (Lunda);
the expected status is derived from the declaration (`Rule.admits`). Another district's record answers the same
404, word for word, as an id that never existed. Every page a user of Ekdal is served is searched for Lunda's
people, schools and cases.

One app and one SQLite database for the module; each request runs in a transaction rolled back after it (the
app's session joins it through savepoints), so a POST that closes a login or cancels a meeting changes nothing
for the next request. The permission check is the same Python on both engines; the scoped queries themselves
are run on both by the capabilities' own page tests. CSRF is off in this app: the CSRF check runs before the
user is known and would answer every POST 400 whatever the role (tests/web/test_auth.py covers it).
"""
from __future__ import annotations

import dataclasses
import re
import secrets
from collections.abc import Callable, Iterator
from datetime import date, time, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from coordinator import create_app
from coordinator.agreements.models import Agreement, MeetingForm
from coordinator.auth.models import Role, User
from coordinator.auth.routes import People, Rule, Scope, access_of
from coordinator.clock import fixed
from coordinator.config import Settings
from coordinator.consultations.models import BookingLink, ConsultationBooking, ConsultationHours
from coordinator.consultations.tokens import booking_token
from coordinator.db import make_engine
from coordinator.invitations.feeds import create_feed
from coordinator.invitations.tokens import make_token
from coordinator.migrate import upgrade
from coordinator.minutes.models import ActionItem, Attachment, Minutes, MinutesRevision, MinutesState
from coordinator.org.functions import Function as F
from coordinator.org.models import Person, PersonFunction, School, SchoolGroup, Unit, UnitKind
from coordinator.outbox.models import MessageKind, OutboxMessage, OutboxState
from coordinator.planning.models import Answer, Invitation, Meeting, MeetingStatus
from coordinator.visits.models import StaffMeetingVisit
from tests.followup_world import NOW, PUBLISHED, at, build

SECRET = "test-secret"
UNKNOWN = 987654321
# what of Lunda no page served to Ekdal's people may show
LUNDA_MARKERS = ("Lundaskolan", "Lars Lundkvist", "lars@lunda.example", "Linnea Lindell", "IFO r8", "Lundrummet",
                 "lunda-bilaga.pdf", "Lundas uppföljningspunkt")

# one login per role; the district roles in Ekdal, with their person where they have one
LOGINS = {
    Role.CITY_ADMIN: ("stad@stockholm.example", None, None),
    Role.AUDITOR: ("revisor@stockholm.example", None, None),
    Role.DISTRICT_DIRECTOR: ("dora@ekdal.example", "EKDAL", "Dora Direktör"),
    Role.DISTRICT_ADMIN: ("kansli@ekdal.example", "EKDAL", None),
    Role.INTAKE_OFFICER: ("ivar@ekdal.example", "EKDAL", "Ivar Intag"),
    Role.PARTICIPANT: ("maja@ekdal.example", None, "Maja Mossen"),
}
DISTRICT_ROLES = (Role.DISTRICT_DIRECTOR, Role.DISTRICT_ADMIN, Role.INTAKE_OFFICER, Role.PARTICIPANT)


@dataclasses.dataclass
class Place:
    """One district's records the examples point at."""
    code: str
    ids: dict[str, int]
    tokens: dict[str, str]


@dataclasses.dataclass
class World:
    app: Any
    connection: sa.Connection
    users: dict[Role, int]
    person_of: dict[Role, int | None]
    own: Place
    other: Place
    meeting_people: dict[str, set[int]]  # of Ekdal's meeting: invitees, keepers, item owners (person ids)


def _sqlite_savepoints(engine: sa.Engine) -> None:
    """pysqlite begins transactions itself and breaks SAVEPOINT; let SQLAlchemy emit BEGIN (SQLAlchemy's recipe)."""
    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(connection: sa.Connection) -> None:
        connection.exec_driver_sql("BEGIN")


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    folder: Path = tmp_path_factory.mktemp("routes")
    url = f"sqlite:///{folder / 'routes.sqlite3'}"
    upgrade(url)
    settings = dataclasses.replace(Settings.from_env({
        "COORDINATOR_INSTANCE_PATH": str(folder / "instance"), "COORDINATOR_SECRET_KEY": SECRET,
        "COORDINATOR_BASE_URL": "http://127.0.0.1:5000"}), database_url=url)
    app = create_app(settings)
    app.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
    app.extensions["coordinator.clock"] = fixed(NOW)
    engine = make_engine(url)
    _sqlite_savepoints(engine)
    with Session(engine, expire_on_commit=False) as session:
        built = _build(session)
        session.commit()
    connection = engine.connect()
    app.extensions["coordinator.sessions"] = sessionmaker(bind=connection, expire_on_commit=False,
                                                          join_transaction_mode="create_savepoint")
    yield dataclasses.replace(built, app=app, connection=connection)
    connection.close()
    engine.dispose()
    app.extensions["coordinator.engine"].dispose()


def _build(session: Session) -> World:
    """The follow-up's world (Ekdal and Lunda), with what Lunda lacks for the examples: people, a meeting with
    minutes, a file and an action item, consultation hours; a login per role; a feed and answer links."""
    w = build(session)
    ekdal, lunda = w.district, w.lunda
    city_id = ekdal.municipality_id
    lunda_school = session.scalars(sa.select(School).where(School.name == "Lundaskolan")).one()
    room = Unit(municipality_id=city_id, district=lunda, kind=UnitKind.SOCIAL_SERVICES, name="Lundrummet")
    lars = Person(municipality_id=city_id, district_id=lunda.id, name="Lars Lundkvist", email="lars@lunda.example",
                  school=lunda_school, functions=[PersonFunction(function=F.PRINCIPAL)])
    linnea = Person(municipality_id=city_id, district_id=lunda.id, name="Linnea Lindell",
                    email="linnea@lunda.example", unit=room, functions=[PersonFunction(function=F.INTAKE_GROUP)])
    session.add_all([room, lars, linnea])
    session.flush()
    lunda_form = session.scalars(
        sa.select(MeetingForm).where(MeetingForm.version.has(agreement=session.scalars(
            sa.select(Agreement).where(Agreement.district_id == lunda.id)).one()))).first()
    lunda_form.requires_minutes = True
    meetings: dict[str, Meeting] = {}
    for key, district, form, person, function in (
            ("own", ekdal, w.forms["F1"], w.people["Maja Mossen"], F.PRINCIPAL),
            ("other", lunda, lunda_form, lars, F.PRINCIPAL)):
        if key == "own":
            meetings[key] = w.meetings["m1"]
            continue
        meeting = Meeting(uid=f"{secrets.token_hex(8)}@test", meeting_form=form, term=w.term, series_key="lunda:1",
                          district=district, starts_at=at(9, 16), ends_at=at(9, 16, 15), status=MeetingStatus.SCHEDULED,
                          sequence=0, created_at=at(8, 1), published_at=PUBLISHED,
                          invitations=[Invitation(person=person, function=function, answer=Answer.ACCEPTED,
                                                  answered_at=PUBLISHED, answered_via="link")])
        session.add(meeting)
        session.flush()
        session.add(Minutes(meeting=meeting, state=MinutesState.APPROVED, revision=1, content={}, created_at=at(9, 17),
                            created_by="test", updated_at=at(9, 17), updated_by="test", registered_at=at(9, 17),
                            approved_at=at(9, 18), due_at=at(9, 30), first_registered_at=at(9, 17),
                            first_approved_at=at(9, 18)))
        session.add(ActionItem(meeting=meeting, series_key=meeting.series_key, text="Lundas uppföljningspunkt",
                               owner=lars, due_on=date(2027, 10, 1), created_at=at(9, 16, 15), created_by="test"))
        meetings[key] = meeting
    session.flush()
    files = {}
    for key, meeting in meetings.items():
        minutes = session.scalars(sa.select(Minutes).where(Minutes.meeting_id == meeting.id)).one()
        session.add(MinutesRevision(minutes=minutes, number=1, content={}, created_at=at(9, 20), created_by="test"))
        files[key] = Attachment(minutes=minutes, filename=f"{'ekdal' if key == 'own' else 'lunda'}-bilaga.pdf",
                                content_type="application/pdf", size=4, sha256="0" * 64, data=b"%PDF",
                                created_at=at(9, 20), created_by="test")
        session.add(files[key])
    hours = {"own": session.scalars(sa.select(ConsultationHours)).one()}
    hours["other"] = ConsultationHours(district=lunda, weekday=2, window_start=time(13), window_end=time(15),
                                       slot_minutes=20, starts_on=date(2027, 8, 19), ends_on=date(2028, 6, 12),
                                       created_at=at(8, 1), created_by="test", officers=[linnea])
    lunda_link = BookingLink(school=lunda_school, key="key-lunda", created_at=at(8, 1), created_by="test")
    session.add_all([hours["other"], lunda_link])
    session.flush()
    session.add(ConsultationBooking(
        uid=f"{secrets.token_hex(8)}@test", hours=hours["other"], district_id=lunda.id, term_id=w.term.id,
        school=lunda_school, link_id=lunda_link.id, starts_at=at(12, 15), ends_at=at(12, 15) + timedelta(minutes=20),
        booker_name="Lars Lundkvist", booker_email="lars@lunda.example", matter="Lundaskolan frågar.",
        cancel_key="k", booked_at=at(9, 1)))
    messages = {}
    for key, district, recipient in (("own", ekdal, "maja@ekdal.example"), ("other", lunda, "lars@lunda.example")):
        messages[key] = OutboxMessage(
            dedupe_key=f"test:{key}", message_id=f"<{key}@test>", kind=MessageKind.INVITATION, district_id=district.id,
            recipient=recipient, subject=f"Till {recipient}", content=b"x", state=OutboxState.DEAD, attempts=12,
            next_attempt_at=at(9, 1), created_at=at(9, 1), last_error="550")
    session.add_all(messages.values())
    people = {p.name: p for p in session.scalars(sa.select(Person))}
    users: dict[Role, User] = {}
    for role, (email, code, person) in LOGINS.items():
        users[role] = User(email=email, role=role, district=ekdal if code else None,
                           person=people[person] if person else None, is_active=True, created_at=NOW)
    targets = {"own": User(email="nora@ekdal.example", role=Role.PARTICIPANT, person=people["Nora Norra"],
                           is_active=True, created_at=NOW),
               "other": User(email="chef@lunda.example", role=Role.DISTRICT_DIRECTOR, district=lunda, is_active=True,
                             created_at=NOW)}
    session.add_all([*users.values(), *targets.values()])
    session.flush()
    feeds = {"own": create_feed(session, people["Maja Mossen"], actor="test", now=NOW),
             "other": create_feed(session, lars, actor="test", now=NOW)}
    reports = {"own": session.scalars(sa.select(ReportOfConcernRow).where(
        ReportOfConcernRow.district_id == ekdal.id).order_by(ReportOfConcernRow.id)).first(),
        "other": session.scalars(sa.select(ReportOfConcernRow).where(ReportOfConcernRow.district_id == lunda.id)).one()}
    bookings = {key: session.scalars(sa.select(ConsultationBooking).where(
        ConsultationBooking.district_id == district.id).order_by(ConsultationBooking.id)).first()
        for key, district in (("own", ekdal), ("other", lunda))}
    links = {"own": session.scalars(sa.select(BookingLink).order_by(BookingLink.id)).first(), "other": lunda_link}
    units = {"own": session.scalars(sa.select(Unit).where(Unit.district_id == ekdal.id)).first(), "other": room}
    schools = {"own": w.schools["Mossen"], "other": lunda_school}
    persons = {"own": people["Nora Norra"], "other": lars}
    agreements = {key: session.scalars(sa.select(Agreement).where(Agreement.district_id == d.id)).one()
                  for key, d in (("own", ekdal), ("other", lunda))}
    groups = {key: SchoolGroup(district_id=d.id, name=f"Grupp {code}", schools=[schools[key]])
              for key, d, code in (("own", ekdal, "Ekdal"), ("other", lunda, "Lunda"))}
    visits = {key: StaffMeetingVisit(school=schools[key], district_id=schools[key].district_id, school_year=2027,
                                     meeting=meetings[key], proposed_by=persons[key], proposed_at=at(8, 1))
              for key in ("own", "other")}
    session.add_all([*groups.values(), *visits.values()])
    session.flush()

    def place(key: str, code: str) -> Place:
        meeting = meetings[key]
        version = agreements[key].versions[0]
        item = session.scalars(sa.select(ActionItem).where(ActionItem.meeting_id == meeting.id)).first()
        invitation = meeting.invitations[0]
        return Place(code=code, ids={
            "meeting": meeting.id, "attachment": files[key].id, "item": item.id, "school": schools[key].id,
            "unit": units[key].id, "person": persons[key].id, "agreement": agreements[key].id, "version": version.id,
            "party": version.parties[0].id if version.parties else UNKNOWN, "form": version.meeting_forms[0].id,
            "report": reports[key].id, "booking": bookings[key].id, "hours": hours[key].id, "user": targets[key].id,
            "message": messages[key].id, "invitee": invitation.person_id, "link_school": links[key].school_id,
            "group": groups[key].id, "visit": visits[key].id, "meeting_form": meeting.meeting_form_id,
        }, tokens={
            "feed": feeds[key], "rsvp": make_token(SECRET, meeting.id, invitation.person_id, invitation.rsvp_key),
            "booking": booking_token(SECRET, links[key].id, links[key].key),
        })

    own, other = place("own", "EKDAL"), place("other", "LUNDA")
    m1 = meetings["own"]
    return World(app=None, connection=None, users={r: u.id for r, u in users.items()},  # type: ignore[arg-type]
                 person_of={r: u.person_id for r, u in users.items()}, own=own, other=other, meeting_people={
                     "invitees": {i.person_id for i in m1.invitations},
                     "keepers": {people["Dora Direktör"].id},
                     "item_owners": {i.owner_id for i in session.scalars(
                         sa.select(ActionItem).where(ActionItem.meeting_id == m1.id)) if i.owner_id}})


from coordinator.cases.models import ReportOfConcern as ReportOfConcernRow  # noqa: E402


# -- the examples: each route's URL arguments on a district's records ----------------------------------------

def _examples(place: Place) -> dict[str, dict[str, Any]]:
    i, t, c = place.ids, place.tokens, place.code
    term = "HT2027"
    meeting = {"meeting_id": i["meeting"]}
    return {
        "static": {"filename": "app.css"},
        "healthz": {}, "accessibility": {}, "org.home": {}, "org.district": {"code": c},
        "auth.login": {}, "auth.logout": {}, "auth.set_language": {}, "auth.forgot_password": {},
        "auth.oidc_start": {}, "auth.oidc_callback": {},
        "auth.set_password": {"token": "not-a-token"},
        "users.index": {}, "users.invite": {}, "users.show": {"user_id": i["user"]},
        "users.close": {"user_id": i["user"]}, "users.reopen": {"user_id": i["user"]},
        "users.send_invitation": {"user_id": i["user"]},
        "org_admin.schools": {"code": c}, "org_admin.new_school": {"code": c},
        "org_admin.school": {"code": c, "school_id": i["school"]},
        "org_admin.school_active": {"code": c, "school_id": i["school"]},
        "org_admin.units": {"code": c}, "org_admin.new_unit": {"code": c},
        "org_admin.unit": {"code": c, "unit_id": i["unit"]}, "org_admin.unit_active": {"code": c, "unit_id": i["unit"]},
        "org_admin.people": {"code": c}, "org_admin.new_person": {"code": c},
        "org_admin.person": {"code": c, "person_id": i["person"]},
        "org_admin.deactivate_person": {"code": c, "person_id": i["person"]},
        "org_admin.reactivate_person": {"code": c, "person_id": i["person"]},
        "org_admin.imports": {"code": c}, "org_admin.import_file": {"code": c, "kind": "schools"},
        "agreements.district_agreements": {"code": c}, "agreements.city_agreements": {"code": "0180"},
        "agreements.new_district_agreement": {"code": c}, "agreements.new_city_agreement": {"code": "0180"},
        "agreements.agreement": {"agreement_id": i["agreement"]},
        "agreements.new_version": {"agreement_id": i["agreement"]},
        **{f"agreements.{name}": {"version_id": i["version"]} for name in (
            "version", "edit_header", "add_party", "new_form", "create_form", "activate", "document", "document_pdf")},
        "agreements.remove_party": {"version_id": i["version"], "party_id": i["party"]},
        "agreements.edit_form": {"version_id": i["version"], "form_id": i["form"]},
        "agreements.remove_form": {"version_id": i["version"], "form_id": i["form"]},
        **{f"planning.{name}": {"code": c, "term": term} for name in (
            "plan", "plan_post", "publish_confirm", "publish_post", "add")},
        **{f"planning.{name}": {"code": c, "term": term, **meeting} for name in (
            "move", "cancel", "meeting_page", "add_invitee", "find_invitee", "invitee_action")},
        "planning.plan_week": {"code": c, "term": term, "week": "2027-W36"},
        "planning.plan_month": {"code": c, "term": term, "month": "2027-09"},
        "planning.plan_form": {"code": c, "term": term, "form_id": i["meeting_form"]},
        "terms.index": {}, "terms.new": {"code": "0180"}, "terms.edit": {"code": "0180", "name": term},
        "invitations.rsvp": {"token": t["rsvp"]}, "invitations.rsvp_deputy": {"token": t["rsvp"]},
        "invitations.feed": {"token": t["feed"]},
        "invitations.my_calendar": {}, "invitations.new_link": {}, "invitations.revoke_link": {},
        "outbox.index": {}, "outbox.send_again": {"message_id": i["message"]},
        **{f"minutes.{name}": meeting for name in (
            "show", "start", "edit_text", "correction", "attendance", "adjusters", "register", "confirm", "archive",
            "add_item", "upload", "printable", "pdf")},
        "minutes.item_status": {**meeting, "item_id": i["item"]},
        "minutes.download": {**meeting, "attachment_id": i["attachment"]},
        "minutes.remove": {**meeting, "attachment_id": i["attachment"]},
        "minutes.revision": {**meeting, "number": 1},
        "protocol_register.index": {}, "protocol_register.register": {"code": c},
        "protocol_register.export": {"code": c, "extension": "csv"}, "protocol_register.committee": {"code": c},
        "followup.district": {"code": c}, "followup.district_table": {"code": c, "name": "indikatorer", "extension": "csv"},
        "followup.drill_page": {"code": c, "key": "meetings.held"},
        "followup.drill_table_export": {"code": c, "key": "meetings.held", "extension": "csv"},
        "followup.schools": {"code": c}, "followup.schools_table": {"code": c, "extension": "csv"},
        "followup.city": {}, "followup.city_table": {"name": "stadsdelar", "extension": "csv"},
        "followup_report.report": {"code": c}, "followup_report.download": {"code": c, "extension": "csv"},
        "cases.index": {"code": c}, "cases.new": {"code": c},
        **{f"cases.{name}": {"code": c, "report_id": i["report"]} for name in (
            "show", "book", "cancel", "outcome", "withdrawal")},
        "consultations.booking": {"token": t["booking"]}, "consultations.booker_cancel": {"token": "not-a-token"},
        "consultations.day": {"code": c}, "consultations.week": {"code": c}, "consultations.hours": {"code": c},
        "consultations.links": {"code": c},
        "consultations.officer_cancel": {"code": c, "booking_id": i["booking"]},
        "consultations.close": {"code": c, "hours_id": i["hours"]},
        "consultations.link_action": {"code": c, "school_id": i["link_school"], "action": "revoke"},
        "visits.school": {"school_id": i["school"]}, "visits.district": {"code": c},
        "visits.confirm": {"code": c, "visit_id": i["visit"]},
        "org_groups.groups": {"code": c}, "org_groups.group": {"code": c, "group_id": i["group"]},
    }


def _unknown(arguments: dict[str, Any]) -> dict[str, Any]:
    """The same arguments with every id and district code one that never existed."""
    return {k: (UNKNOWN if k.endswith("_id") else "NOPE" if k == "code" else v) for k, v in arguments.items()}


def _routes(app: Any) -> list[tuple[str, str, Rule]]:
    """(endpoint, method, rule) of every route of the app, by the methods a browser sends."""
    found = []
    for rule in app.url_map.iter_rules():
        access = access_of(app.view_functions[rule.endpoint])
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            found.append((rule.endpoint, method, access.rule_for(method) if access else None))
    return found


# -- sending -------------------------------------------------------------------------------------------------

def _send(world: World, role: Role | None, method: str, endpoint: str, arguments: dict[str, Any]) -> Any:
    """The response to one request as `role` (None: anonymous), in a transaction rolled back after it."""
    client = world.app.test_client()
    if role is not None:
        with client.session_transaction() as cookie:
            cookie["user_id"] = world.users[role]
            cookie["since"] = NOW.timestamp()
    with world.app.test_request_context():
        from flask import url_for
        url = url_for(endpoint, **arguments)
    transaction = world.connection.begin()
    try:
        return client.open(url, method=method)
    finally:
        transaction.rollback()


def _concerned(world: World, role: Role, rule: Rule) -> bool:
    """Whether the user of `role` is one of the people `rule` names, on Ekdal's meeting (or as a person)."""
    person = world.person_of[role]
    if person is None:
        return False
    return {People.NONE: False, People.PERSON: True, People.INVITEES: person in world.meeting_people["invitees"],
            People.KEEPERS: person in world.meeting_people["keepers"],
            People.ITEM_OWNERS: person in world.meeting_people["item_owners"]}[rule.people]


def _sends_to_login(response: Any) -> bool:
    return response.status_code == 302 and response.headers["Location"].startswith("/login")


_TOKEN = re.compile(r'name="csrf_token"[^>]*>|value="[^"]*"')


def _text(response: Any) -> str:
    if response.mimetype in ("application/pdf",) or "spreadsheetml" in (response.mimetype or ""):
        return ""
    return response.get_data(as_text=True)


# -- the tests -----------------------------------------------------------------------------------------------

def test_every_route_declares_its_permission_and_has_an_example(world: World) -> None:
    own = _examples(world.own)
    undeclared = sorted({endpoint for endpoint, _method, rule in _routes(world.app) if rule is None})
    assert undeclared == [], f"routes without @permission: {undeclared}"
    without_example = sorted({endpoint for endpoint, _method, _rule in _routes(world.app) if endpoint not in own})
    assert without_example == [], f"routes without an example in this test: {without_example}"


def test_an_undeclared_route_is_nobodys(world: World) -> None:
    app = create_app(world.app.extensions["coordinator.settings"])  # an app of its own: routes cannot be taken out
    app.add_url_rule("/undeclared-probe", "undeclared_probe", lambda: "secret")
    response = app.test_client().get("/undeclared-probe")
    assert response.status_code == 404 and "secret" not in response.get_data(as_text=True)
    app.extensions["coordinator.engine"].dispose()


def _matrix(world: World) -> Iterator[tuple[str, str, Rule, Role | None, bool, bool, Any]]:
    """Each request of the matrix: (endpoint, method, rule, role, on its own district, one of the people the rule
    names, response)."""
    own, other = _examples(world.own), _examples(world.other)
    for endpoint, method, rule in _routes(world.app):
        targets = [(True, own[endpoint])]
        if other[endpoint] != own[endpoint]:
            targets.append((False, other[endpoint]))
        for role in (None, *LOGINS):
            for is_own, arguments in targets:
                if role is None and not is_own:
                    continue
                concerned = role is not None and rule is not None and is_own and _concerned(world, role, rule)
                yield endpoint, method, rule, role, is_own, concerned, _send(world, role, method, endpoint, arguments)


@pytest.fixture(scope="module")
def matrix(world: World) -> list[tuple[str, str, Rule, Role | None, bool, bool, Any]]:
    return list(_matrix(world))


def test_every_route_answers_every_role_as_declared(matrix: list[Any]) -> None:
    wrong = []
    for endpoint, method, rule, role, is_own, concerned, response in matrix:
        status = response.status_code
        where = f"{method} {endpoint} as {role.value if role else 'anonymous'} on {'own' if is_own else 'other'}"
        if status >= 500:
            wrong.append(f"{where}: {status}")
        elif rule.scope is Scope.ANYONE:
            continue
        elif role is None:
            if not _sends_to_login(response):
                wrong.append(f"{where}: {status}, not sent to sign in")
        elif rule.admits(role, own_district=is_own, concerned=concerned):
            if status == 404 or _sends_to_login(response):
                wrong.append(f"{where}: {status}, declared allowed")
        elif status != 404:
            wrong.append(f"{where}: {status}, declared 404")
    assert wrong == [], "\n".join(wrong)


def test_no_page_shows_another_districts_data_to_a_districts_people(matrix: list[Any]) -> None:
    leaks = []
    for endpoint, method, _rule, role, is_own, _concerned_, response in matrix:
        if role not in DISTRICT_ROLES or not is_own:
            continue
        body = _text(response)
        found = [marker for marker in LUNDA_MARKERS if marker.lower() in body.lower()]
        if found:
            leaks.append(f"{method} {endpoint} as {role.value}: {found}")
    assert leaks == [], "\n".join(leaks)


def test_another_districts_record_is_not_found_like_one_that_never_existed(world: World) -> None:
    other = _examples(world.other)
    differing = []
    for endpoint, method, rule in _routes(world.app):
        arguments = other[endpoint]
        if rule.scope is Scope.ANYONE or arguments == _unknown(arguments):
            continue
        for role in DISTRICT_ROLES:
            if rule.admits(role, own_district=False):
                continue
            refused = _send(world, role, method, endpoint, arguments)
            unknown = _send(world, role, method, endpoint, _unknown(arguments))
            if (refused.status_code, _TOKEN.sub("", _text(refused))) != (
                    unknown.status_code, _TOKEN.sub("", _text(unknown))):
                differing.append(f"{method} {endpoint} as {role.value}: {refused.status_code} / {unknown.status_code}")
    assert differing == [], "\n".join(differing)



# -- ids typed into organisers' forms and addresses -------------------------------------------------------------

def test_an_organiser_gets_no_name_for_another_districts_person_id(world: World) -> None:
    """An invitee's id on the organiser's buttons that is not the meeting's: 404 without the person's name, the
    same page as for an id that never existed."""
    lars = world.other.ids["invitee"]
    client = world.app.test_client()
    with client.session_transaction() as cookie:
        cookie["user_id"], cookie["since"] = world.users[Role.DISTRICT_DIRECTOR], NOW.timestamp()
    address = f"/districts/EKDAL/terms/HT2027/meetings/{world.own.ids['meeting']}/invitees/action"
    for action in ("remove", "resend"):
        transaction = world.connection.begin()
        try:
            refused = client.post(address, data={action: str(lars)})
            unknown = client.post(address, data={action: str(UNKNOWN)})
        finally:
            transaction.rollback()
        assert refused.status_code == unknown.status_code == 404
        assert "Lars Lundkvist" not in _text(refused)
        assert _TOKEN.sub("", _text(refused)) == _TOKEN.sub("", _text(unknown))


def test_an_adjuster_id_from_outside_the_meeting_names_nobody(world: World) -> None:
    client = world.app.test_client()
    with client.session_transaction() as cookie:
        cookie["user_id"], cookie["since"] = world.users[Role.DISTRICT_DIRECTOR], NOW.timestamp()
    transaction = world.connection.begin()
    try:
        response = client.post(f"/meetings/{world.own.ids['meeting']}/minutes/adjusters",
                               data={"adjusters": [str(world.other.ids["invitee"])]}, follow_redirects=True)
    finally:
        transaction.rollback()
    assert response.status_code == 200 and "Lars Lundkvist" not in _text(response)


# -- the front pages ---------------------------------------------------------------------------------------------

def _front(world: World, role: Role) -> Any:
    return _send(world, role, "GET", "org.home", {})


def test_a_director_lands_on_the_districts_current_term(world: World) -> None:
    html = _text(_front(world, Role.DISTRICT_DIRECTOR))
    assert "<h1>Ekdal</h1>" in html and "Terminen HT2027" in html
    assert 'href="/districts/EKDAL/terms/HT2027/plan"' in html and "Protokoll som saknas" in html


def test_a_participant_lands_on_her_meetings_answers_and_minutes(world: World) -> None:
    html = _text(_front(world, Role.PARTICIPANT))
    assert "<h1>Mina möten</h1>" in html and "Mina kommande möten" in html
    assert html.count('href="/rsvp/') >= 3  # m1, m2 and her school's conference, each with its answer page
    assert 'href="/me/calendar"' in html


def test_an_administrator_lands_on_the_protocol_register(world: World) -> None:
    assert "Protokollregister" in _text(_front(world, Role.DISTRICT_ADMIN))
    assert "<h1>Stadsdelar</h1>" in _text(_front(world, Role.CITY_ADMIN))
