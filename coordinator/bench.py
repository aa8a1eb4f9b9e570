"""`coordinator bench generate`: a fictional municipality at benchmark scale, the same for the same seed.

Two steps, so each can be read and tested alone:
- `build(scale, seed)` draws the organisation as plain values (districts, units, schools, people,
  deputies, agreements) from a `random.Random(seed)`: pure, no database.
- `generate(session, scale=..., now=..., seed=...)` writes it. The organisation rows are Core
  `insert()`s in bulk (the ORM would take seconds per ten thousand people and adds nothing for
  sample data, which, like the demo's, has no audit events); the agreements are built through the
  agreement services, as the demo builds its own, so they obey the same rules and are audited
  with the actor "bench". It refuses a database that already has data; the caller commits.

Scales:
- `city`: one municipality (Stockholms stad, 0180) with 14 districts and 420 schools (330
  compulsory, 90 upper-secondary), a third of them independent. Each school has a principal and
  a student-health team (kurator, school nurse, special-needs teacher, often a psychologist and
  deputy principals), sized so that planning HT2027 gives about 1,800 meetings and 20,000
  invitations; each district has its administration, social services, leisure, preschool, field
  workers and police. This is the load of the planning issue's performance target.
- `national`: the country's number of schools, about 4,800 compulsory and 1,300 upper-secondary
  (6,100), spread over 200 districts of four municipalities (Stockholm, Göteborg, Malmö and
  Uppsala). The country's 290 municipalities, each with its own terms and administrations, would
  be many small organisations rather than a large one; a few large ones put the same number of
  schools and people through the same queries.
- `tiny` (not offered by the command): two districts and eight schools, for the tests.

Every scale has, per district, one active agreement with the demo's district meeting forms
(defaults of `agreements/defaults.py`, the district's place, video link and weekdays) and all its
schools as parties; per municipality, the city's steering-group agreement and the terms HT2027
and VT2028 of the demo. Everything is fictional: school-unit codes start with 998 (the demo's
with 999) and email addresses end in the reserved `.example` domain.
"""
from __future__ import annotations

import random
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from time import perf_counter
from typing import Any

import click
import sqlalchemy as sa
from sqlalchemy.orm import Session

from coordinator.agreements.models import FormKind
from coordinator.agreements.services import (
    activate_version, add_party, create_agreement, meeting_form_from_defaults, new_version,
)
from coordinator.clock import utcnow
from coordinator.db import all_models
from coordinator.demo import data as demo_data
from coordinator.org.functions import Function as F
from coordinator.org.models import (
    District, Language, Municipality, OrganiserType, Person, PersonFunction, School, Unit, UnitKind,
)
from coordinator.terms.models import Term, TermBreak

ACTOR = "bench"
TERMS = ("HT2027", "VT2028")
UNIT_CODE_PREFIX = "998"
SCALE_CHOICES = ("city", "national")  # what the command offers; `tiny` is for the tests


@dataclass(frozen=True)
class Scale:
    name: str
    municipalities: tuple[tuple[str, str, str, int], ...]  # code, name, email domain, districts
    compulsory_schools: int
    upper_secondary_schools: int
    independent_share: float = 1 / 3

    @property
    def districts(self) -> int:
        return sum(m[3] for m in self.municipalities)

    @property
    def schools(self) -> int:
        return self.compulsory_schools + self.upper_secondary_schools


STOCKHOLM = ("0180", "Stockholms stad", "stockholm.example")
SCALES = {
    "tiny": Scale("tiny", ((*STOCKHOLM, 2),), 6, 2),
    "city": Scale("city", ((*STOCKHOLM, 14),), 330, 90),
    "national": Scale("national", (
        (*STOCKHOLM, 80),
        ("1480", "Göteborgs stad", "goteborg.example", 60),
        ("1280", "Malmö stad", "malmo.example", 35),
        ("0380", "Uppsala kommun", "uppsala.example", 25),
    ), 4800, 1300),
}


class DatabaseNotEmpty(Exception):
    """Benchmark data goes into an empty database only: mixed with other data it measures nothing known."""


# -- the organisation as plain values ------------------------------------------------------------

@dataclass(frozen=True)
class AgreementPlan:
    """An agreement with one active version; a district's has all the district's schools as parties."""
    title: str
    district: str | None                          # district code; None for the city's steering group
    contact_email: str
    forms: list[tuple[FormKind, dict[str, Any]]]


@dataclass
class MunicipalityPlan:
    code: str
    name: str
    domain: str
    districts: list[tuple[str, str]] = field(default_factory=list)     # code, name
    units: list[demo_data.UnitData] = field(default_factory=list)
    schools: list[demo_data.SchoolData] = field(default_factory=list)
    people: list[demo_data.PersonData] = field(default_factory=list)  # each with its email
    principals: dict[str, str] = field(default_factory=dict)          # unit code -> the principal's name
    agreements: list[AgreementPlan] = field(default_factory=list)


@dataclass
class CityPlan:
    scale: str
    seed: int
    municipalities: list[MunicipalityPlan]
    deputies: dict[str, str]  # a person's email -> their deputy's email


_FIRST_NAMES = (
    "Anna", "Eva", "Maria", "Karin", "Sara", "Lena", "Emma", "Kerstin", "Ingrid", "Malin", "Sofia", "Johanna",
    "Linnea", "Elin", "Ida", "Hanna", "Camilla", "Helena", "Annika", "Cecilia", "Jenny", "Petra", "Åsa",
    "Fatima", "Amira", "Leila", "Nour", "Mirja", "Aino", "Sarah",
    "Erik", "Lars", "Karl", "Anders", "Johan", "Per", "Mikael", "Magnus", "Fredrik", "Daniel", "Jonas",
    "Stefan", "Mats", "Henrik", "Oskar", "Viktor", "Jakob", "Tobias", "Niklas", "Patrik", "Björn", "Göran",
    "Ahmed", "Yusuf", "Omar", "Ali", "Mehmet", "Jussi", "James", "Tomasz",
)
_LAST_NAMES = (
    "Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson", "Persson", "Svensson",
    "Gustafsson", "Pettersson", "Jonsson", "Jansson", "Hansson", "Bengtsson", "Lindberg", "Lindqvist",
    "Lindgren", "Berg", "Bergström", "Lundberg", "Lundgren", "Sandberg", "Holm", "Hedlund", "Sjöberg",
    "Wikström", "Engström", "Öberg", "Åkesson", "Ekström", "Forsberg", "Nyberg", "Strand", "Söderlund",
    "Dahl", "Falk", "Björk", "Blom", "Hellström", "Hassan", "Demir", "Yilmaz", "Karimi", "Ali", "Hodžić",
    "Koskinen", "Virtanen", "Nowak", "O'Connor",
)
# place names are drawn from these halves: Ek + backa, Sol + viken ...
_PLACE_FIRST = (
    "Ek", "Björk", "Lind", "Al", "Asp", "Rönn", "Lönn", "Hassel", "Sol", "Sjö", "Ängs", "Berg", "Dal", "Strand",
    "Sand", "Kvarn", "Torp", "Hag", "Ros", "Lilje", "Mos", "Skog", "Fur", "Gran", "Hammar", "Lövs", "Norr",
    "Söder", "Väster", "Öster", "Ström", "Bäck", "Ljung", "Vass", "Klöver", "Mjölner",
)
_PLACE_SECOND = (
    "backa", "haga", "viken", "lund", "berga", "dal", "näs", "torp", "by", "holmen", "åsen", "sta",
    "hem", "mossen", "ängen", "höjden", "gården", "vreten",
)
_STREETS = ("Skolvägen", "Kyrkogatan", "Storgatan", "Parkvägen", "Björkallén", "Torggatan", "Idrottsvägen",
            "Ängsvägen", "Kvarngatan", "Sjövägen")
_ORGANISER_FORMS = ("{} Utbildning AB", "Stiftelsen {}", "{} ekonomisk förening", "{} Skolor AB")
_POLICE_DOMAIN = "polisen.example"
_MONDAY, _TUESDAY, _WEDNESDAY, _THURSDAY = 0, 1, 2, 3
# every agreement is in force for both terms, signed before, and its revision not yet due when planned
_VALID_FROM, _VALID_TO, _SIGNED_ON = date(2026, 7, 1), date(2028, 6, 30), date(2026, 6, 10)
_REVISION_DUE = date(2028, 3, 31)


def build(scale: str | Scale, seed: int = 1) -> CityPlan:
    """The organisation of `scale` as plain values; the same seed gives the same organisation."""
    scale = scale if isinstance(scale, Scale) else _scale(scale)
    return _Builder(scale, random.Random(seed)).build(seed)


def _scale(name: str) -> Scale:
    try:
        return SCALES[name]
    except KeyError:
        raise ValueError(f"unknown scale {name!r}; one of {', '.join(SCALES)}") from None


class _Builder:
    """Draws the organisation from one `random.Random`, in a fixed order, so a seed gives one result."""

    def __init__(self, scale: Scale, rng: random.Random) -> None:
        self.scale = scale
        self.rng = rng
        self.places = [first + second for first in _PLACE_FIRST for second in _PLACE_SECOND]
        self.emails: set[str] = set()
        self.school_names: set[str] = set()
        self.school_count = 0
        self.deputies: dict[str, str] = {}

    def build(self, seed: int) -> CityPlan:
        scale, rng = self.scale, self.rng
        district_names = rng.sample(self.places, scale.districts)
        kinds = _school_kinds(rng, scale)
        sizes = _split(rng, scale.schools, scale.districts)
        municipalities = []
        index = 0
        for code, name, domain, count in scale.municipalities:
            municipality = MunicipalityPlan(code, name, domain)
            self._city(municipality)
            for district_name in district_names[index:index + count]:
                self._district(municipality, district_name, kinds[:sizes[index]])
                kinds = kinds[sizes[index]:]
                index += 1
            municipalities.append(municipality)
        return CityPlan(scale.name, seed, municipalities, self.deputies)

    # -- people -----------------------------------------------------------------------------------

    def _email(self, name: str, domain: str) -> str:
        local = demo_data.email_for(name, domain).partition("@")[0]
        email, n = f"{local}@{domain}", 1
        while email in self.emails:
            n += 1
            email = f"{local}{n}@{domain}"
        self.emails.add(email)
        return email

    def _person(self, municipality: MunicipalityPlan, function: F, domain: str, *, school: str | None = None,
                unit: str | None = None, name: str | None = None, email: str | None = None) -> demo_data.PersonData:
        name = name or f"{self.rng.choice(_FIRST_NAMES)} {self.rng.choice(_LAST_NAMES)}"
        language = Language.EN if self.rng.random() < 0.03 else Language.SV
        if email is None:
            email = self._email(name, domain)
        else:
            self.emails.add(email)
        person = demo_data.PersonData(name, (function,), school=school, unit=unit, language=language, email=email)
        municipality.people.append(person)
        return person

    def _staff(self, municipality: MunicipalityPlan, function: F, count: int, domain: str, *,
               school: str | None = None, unit: str | None = None) -> list[demo_data.PersonData]:
        return [self._person(municipality, function, domain, school=school, unit=unit) for _ in range(count)]

    def _stand_in(self, person: demo_data.PersonData, deputy: demo_data.PersonData) -> None:
        self.deputies[person.email or ""] = deputy.email or ""

    def _ring(self, people: Sequence[demo_data.PersonData]) -> None:
        """Colleagues who stand in for each other: each for the next, the last for the first."""
        if len(people) > 1:
            for person, deputy in zip(people, [*people[1:], people[0]]):
                self._stand_in(person, deputy)

    # -- the city's administrations, the districts, the schools -----------------------------------

    def _city(self, municipality: MunicipalityPlan) -> None:
        domain = municipality.domain
        social = demo_data.UnitData(f"{municipality.code}/social", "Socialförvaltningen",
                                    UnitKind.CITY_ADMINISTRATION, None, domain)
        education = demo_data.UnitData(f"{municipality.code}/utbildning", "Utbildningsförvaltningen",
                                       UnitKind.CITY_ADMINISTRATION, None, domain)
        municipality.units += [social, education]
        chief = self._person(municipality, F.SOCIAL_ADMINISTRATION_CHIEF, domain, unit=social.key)
        self._person(municipality, F.EDUCATION_ADMINISTRATION_CHIEF, domain, unit=education.key)
        self._ring(self._staff(municipality, F.DEPUTY_SCHOOL_CHIEF, self.rng.randint(2, 4), domain,
                               unit=education.key))
        steering = demo_data.AGREEMENTS[-1]  # the demo's city-level agreement: the steering group
        municipality.agreements.append(AgreementPlan(steering.title, None, chief.email or "", list(steering.forms)))

    def _district(self, municipality: MunicipalityPlan, name: str, kinds: Sequence[_SchoolKind]) -> None:
        rng, domain, code = self.rng, municipality.domain, _code(name)
        municipality.districts.append((code, name))
        units = {key: demo_data.UnitData(f"{code}/{key}", unit_name, kind, code,
                                         _POLICE_DOMAIN if kind is UnitKind.POLICE else domain)
                 for key, unit_name, kind in (
                     ("kansli", f"Stadsdelsförvaltningen {name}, ledning och kansli", UnitKind.ADMINISTRATION),
                     ("ifo", f"Individ- och familjeomsorgen {name}", UnitKind.SOCIAL_SERVICES),
                     ("fritid", f"Fritid {name}", UnitKind.LEISURE),
                     ("forskola", f"Förskola {name}", UnitKind.PRESCHOOL),
                     ("falt", f"Fältassistenterna {name}", UnitKind.FIELD_WORKERS),
                     ("polis", f"Lokalpolisområde {name}", UnitKind.POLICE))}
        municipality.units += units.values()

        def staff(function: F, key: str, count: int = 1) -> list[demo_data.PersonData]:
            return self._staff(municipality, function, count, units[key].domain, unit=units[key].key)

        [director] = staff(F.DISTRICT_DIRECTOR, "kansli")
        staff(F.COMMITTEE_SECRETARY, "kansli")
        [head_of_ifo] = staff(F.HEAD_OF_IFO, "ifo")
        [contact] = staff(F.SOCIAL_SERVICES_CONTACT, "ifo")
        staff(F.SOCIAL_WORKER, "ifo", rng.randint(2, 5))
        # a shared mailbox, as in the demo: people change jobs, the intake group stays
        intake = self._person(municipality, F.INTAKE_GROUP, domain, unit=units["ifo"].key,
                              name=f"Mottagningsgruppen {name}", email=f"mottagningsgruppen.{_slug(name)}@{domain}")
        staff(F.HEAD_OF_LEISURE, "fritid")
        staff(F.HEAD_OF_PRESCHOOL, "forskola")
        self._ring(staff(F.FIELD_WORKER, "falt", rng.randint(2, 4)))
        self._ring(staff(F.POLICE_CONTACT, "polis", rng.randint(1, 2)))
        self._stand_in(director, head_of_ifo)
        self._stand_in(contact, intake)

        for kind in kinds:
            self._school(municipality, code, name, kind)

        overarching, operative, bus = rng.choice(
            [(_TUESDAY, _THURSDAY, _MONDAY), (_WEDNESDAY, _TUESDAY, _THURSDAY), (_TUESDAY, _WEDNESDAY, _MONDAY)])
        weekdays = {FormKind.OVERARCHING_FORUM: overarching, FormKind.OPERATIVE_FORUM: operative,
                    FormKind.BUS_GROUP: bus}
        municipality.agreements.append(AgreementPlan(
            f"Lokal samverkansöverenskommelse skola–socialtjänst, {name}", code, contact.email or "",
            _district_forms(weekdays, f"{name}s stadsdelshus", f"https://video.{domain}/{_slug(name)}-konsultation")))

    def _school(self, municipality: MunicipalityPlan, district_code: str, district_name: str,
                kind: _SchoolKind) -> None:
        rng = self.rng
        self.school_count += 1
        unit_code = f"{UNIT_CODE_PREFIX}{self.school_count:05d}"
        stem = rng.choice(self.places)
        if kind.is_upper_secondary:
            name = f"{stem} gymnasium" if kind.is_independent else f"{stem}gymnasiet"
            forms = rng.choices([("GY",), ("GY", "GYAN"), ("GYAN",)], weights=[80, 15, 5])[0]
        else:
            name = rng.choice([f"{stem} Friskola", f"Montessoriskolan {stem}", f"{stem}skolan"]) \
                if kind.is_independent else f"{stem}skolan"
            forms = rng.choices([("FKLASS", "GR"), ("GR",), ("FKLASS", "GR", "GRAN"), ("GRAN",)],
                                weights=[65, 20, 10, 5])[0]
        name = self._unique_school_name(name, district_name)
        organiser_name, domain = None, f"edu.{municipality.domain}"
        if kind.is_independent:
            organiser_name = rng.choice(_ORGANISER_FORMS).format(stem)
            domain = f"{_slug(name)}.example"
        town = municipality.name.split()[0].removesuffix("s")  # Stockholms stad -> Stockholm
        address = f"{rng.choice(_STREETS)} {rng.randint(1, 60)}, 199 {rng.randint(10, 99)} {town}"
        municipality.schools.append(demo_data.SchoolData(
            unit_code, name, district_code,
            OrganiserType.INDEPENDENT if kind.is_independent else OrganiserType.MUNICIPAL,
            forms, address, organiser_name, domain))

        # the leadership and the student-health team (elevhälsoteam), by the school's size
        size = rng.choices(("small", "medium", "large"), weights=(20, 45, 35))[0]
        deputy_principals, kurators, nurses, special_needs = {
            "small": (0, 1, 1, 1), "medium": (1, 2, 1, 2), "large": (2, 3, 2, 3)}[size]
        psychologists = 1 if size == "large" or rng.random() < 0.5 else 0

        def staff(function: F, count: int) -> list[demo_data.PersonData]:
            return self._staff(municipality, function, count, domain, school=unit_code)

        [principal] = staff(F.PRINCIPAL, 1)
        municipality.principals[unit_code] = principal.name
        deputies = staff(F.DEPUTY_PRINCIPAL, deputy_principals)
        if deputies:
            self._stand_in(principal, deputies[0])
        staff(F.KURATOR, kurators)
        staff(F.SCHOOL_NURSE, nurses)
        staff(F.SPECIAL_NEEDS_TEACHER, special_needs)
        staff(F.SCHOOL_PSYCHOLOGIST, psychologists)

    def _unique_school_name(self, name: str, district_name: str) -> str:
        candidate, n = name, 1
        if candidate in self.school_names:
            candidate = f"{name}, {district_name}"
        while candidate in self.school_names:
            n += 1
            candidate = f"{name}, {district_name} {n}"
        self.school_names.add(candidate)
        return candidate


def _district_forms(weekdays: dict[FormKind, int], place: str,
                    video_url: str) -> list[tuple[FormKind, dict[str, Any]]]:
    """The demo district's meeting forms (its kinds, and which defaults it changes) with this district's values."""
    forms = []
    for kind, demo_changes in demo_data.AGREEMENTS[0].forms:
        changes = {**demo_changes, "preferred_weekday": weekdays.get(kind)}
        if "place" in changes:
            changes["place"] = place
        if "video_url" in changes:
            changes["video_url"] = video_url
        forms.append((kind, changes))
    return forms


@dataclass(frozen=True)
class _SchoolKind:
    is_upper_secondary: bool
    is_independent: bool


def _school_kinds(rng: random.Random, scale: Scale) -> list[_SchoolKind]:
    """Every school's kind, shuffled: exactly the scale's numbers of each kind and share of independents."""
    independent = set(rng.sample(range(scale.schools), round(scale.schools * scale.independent_share)))
    kinds = [_SchoolKind(i < scale.upper_secondary_schools, i in independent) for i in range(scale.schools)]
    rng.shuffle(kinds)
    return kinds


def _split(rng: random.Random, total: int, parts: int) -> list[int]:
    """`total` as `parts` sizes that sum to it, each within about a third of the mean: districts differ."""
    weights = [rng.uniform(2 / 3, 4 / 3) for _ in range(parts)]
    scale = total / sum(weights)
    sizes = [max(1, round(w * scale)) for w in weights]
    i = 0
    while sum(sizes) != total:  # rounding leaves a few over or under: take them from or give them in turn
        step = 1 if sum(sizes) < total else -1
        if sizes[i % parts] + step >= 1:
            sizes[i % parts] += step
        i += 1
    return sizes


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def _code(name: str) -> str:
    """A district's code from its name: NORRVIKEN, SODERBY (as the demo's)."""
    return re.sub(r"[^A-Z0-9]", "", _ascii(name).upper())


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", _ascii(name).lower()).strip("-")


# -- writing it ---------------------------------------------------------------------------------

def generate(session: Session, *, scale: str, now: datetime, seed: int = 1) -> Counter[str]:
    """Write the organisation of `scale` into an empty database; how many of each kind. The caller commits.

    Raises `DatabaseNotEmpty` (nothing written) when any table of the application has a row.
    """
    plan = build(_scale(scale), seed)
    _refuse_data(session)
    created: Counter[str] = Counter()
    ids: dict[str, int] = {}  # person email -> id, for deputies and contacts
    written = [(municipality, _write_organisation(session, municipality, ids, created))
               for municipality in plan.municipalities]
    _write_deputies(session, plan.deputies, ids)
    created["ersättare"] = len(plan.deputies)
    for municipality, municipality_id in written:
        _write_terms(session, municipality_id, created)
        _write_agreements(session, municipality, municipality_id, ids, now, created)
    session.flush()
    return created


def _refuse_data(session: Session) -> None:
    for table in all_models().sorted_tables:
        if session.execute(sa.select(sa.literal(1)).select_from(table).limit(1)).first() is not None:
            raise DatabaseNotEmpty(
                f"Databasen har redan data (tabellen {table.name} har rader). Testdata skapas bara i en tom "
                "databas: peka COORDINATOR_DATABASE_URL på en ny och kör `coordinator db upgrade` först.")


def _insert(session: Session, model: type, rows: list[dict[str, Any]]) -> list[int]:
    """Insert `rows` in one statement (batched by the driver); their new ids, in the rows' order."""
    if not rows:
        return []
    table = model.__table__  # type: ignore[attr-defined]
    return list(session.scalars(sa.insert(table).returning(table.c.id, sort_by_parameter_order=True), rows))


def _write_organisation(session: Session, municipality: MunicipalityPlan, ids: dict[str, int],
                        created: Counter[str]) -> int:
    [municipality_id] = _insert(session, Municipality, [{"code": municipality.code, "name": municipality.name}])
    district_ids = dict(zip((code for code, _ in municipality.districts), _insert(session, District, [
        {"municipality_id": municipality_id, "code": code, "name": name, "is_active": True}
        for code, name in municipality.districts])))
    unit_ids = dict(zip((u.key for u in municipality.units), _insert(session, Unit, [
        {"municipality_id": municipality_id, "district_id": district_ids.get(u.district) if u.district else None,
         "kind": u.kind, "name": u.name, "is_active": True} for u in municipality.units])))
    schools = municipality.schools
    school_ids = dict(zip((s.unit_code for s in schools), _insert(session, School, [
        {"unit_code": s.unit_code, "name": s.name, "district_id": district_ids[s.district],
         "organiser_type": s.organiser_type, "organiser_name": s.organiser_name,
         "school_forms": list(s.school_forms), "email": s.email, "phone": None, "address": s.address,
         "is_active": True} for s in schools])))
    district_of_school = {s.unit_code: district_ids[s.district] for s in schools}
    district_of_unit = {u.key: district_ids[u.district] if u.district else None for u in municipality.units}
    people = municipality.people
    person_ids = _insert(session, Person, [
        {"municipality_id": municipality_id,
         "district_id": district_of_school[p.school] if p.school else district_of_unit[p.unit or ""],
         "school_id": school_ids[p.school] if p.school else None,
         "unit_id": unit_ids[p.unit] if p.unit else None,
         "name": p.name, "email": p.email, "phone": None, "language": p.language, "deputy_id": None,
         "is_active": True, "deactivated_at": None} for p in people])
    ids.update(zip((p.email or "" for p in people), person_ids))
    session.execute(sa.insert(PersonFunction.__table__), [
        {"person_id": person_id, "function": function}
        for person, person_id in zip(people, person_ids) for function in person.functions])
    created["kommuner"] += 1
    created["stadsdelar"] += len(district_ids)
    created["enheter"] += len(unit_ids)
    created["skolor"] += len(school_ids)
    created["fristående skolor"] += sum(s.organiser_type is OrganiserType.INDEPENDENT for s in schools)
    created["personer"] += len(person_ids)
    return municipality_id


def _write_deputies(session: Session, deputies: dict[str, str], ids: dict[str, int]) -> None:
    if not deputies:
        return
    table = Person.__table__
    session.execute(
        sa.update(table).where(table.c.id == sa.bindparam("b_person")).values(deputy_id=sa.bindparam("b_deputy")),
        [{"b_person": ids[person], "b_deputy": ids[deputy]} for person, deputy in deputies.items()])


def _write_terms(session: Session, municipality_id: int, created: Counter[str]) -> None:
    """The demo's terms HT2027 and VT2028 with their breaks."""
    for term in demo_data.TERMS:
        if term.name in TERMS:
            session.add(Term(municipality_id=municipality_id, name=term.name, starts_on=term.starts_on,
                             ends_on=term.ends_on,
                             breaks=[TermBreak(kind=kind, name=name, starts_on=start, ends_on=end)
                                     for kind, name, start, end in term.breaks]))
            created["terminer"] += 1


def _write_agreements(session: Session, municipality: MunicipalityPlan, municipality_id: int,
                      ids: dict[str, int], now: datetime, created: Counter[str]) -> None:
    """Each agreement through the agreement services, as the demo builds its own: audited, rules checked."""
    owner = session.get_one(Municipality, municipality_id)
    districts = {d.code: d
                 for d in session.scalars(sa.select(District).where(District.municipality_id == municipality_id))}
    schools: dict[int, list[School]] = {}
    for school in session.scalars(sa.select(School).where(School.district_id.in_([d.id for d in districts.values()]))
                                  .order_by(School.name, School.id)):
        schools.setdefault(school.district_id, []).append(school)
    for plan in municipality.agreements:
        district = districts[plan.district] if plan.district else None
        agreement = create_agreement(session, municipality=owner, district=district, title=plan.title,
                                     actor=ACTOR, now=now)
        version = new_version(session, agreement, actor=ACTOR, now=now)
        version.valid_from_on, version.valid_to_on, version.revision_due_on = _VALID_FROM, _VALID_TO, _REVISION_DUE
        version.contact_person_id = ids[plan.contact_email]
        version.meeting_forms = [meeting_form_from_defaults(kind, position=i, **changes)
                                 for i, (kind, changes) in enumerate(plan.forms)]
        parties = schools.get(district.id, []) if district is not None else []  # the steering group has none
        for school in parties:
            add_party(session, version, school, signed_on=_SIGNED_ON,
                      signed_by=municipality.principals[school.unit_code], actor=ACTOR, now=now)
            created["parter"] += 1
        activate_version(session, version, actor=ACTOR, now=now)
        created["överenskommelser"] += 1


# -- the command --------------------------------------------------------------------------------

@click.group("bench")
def bench() -> None:
    """Benchmark data (docs/PERFORMANCE.md)."""


@bench.command("generate")
@click.option("--scale", type=click.Choice(SCALE_CHOICES), default="city", show_default=True,
              help="city: 14 districts, 420 schools; national: 200 districts in four municipalities, 6,100 schools.")
@click.option("--seed", type=int, default=1, show_default=True, help="The same seed gives the same data.")
def generate_command(scale: str, seed: int) -> None:
    """Fill an empty database with a fictional municipality at benchmark scale (refuses one with data)."""
    from coordinator.web import db

    session = db()
    started = perf_counter()
    try:
        created = generate(session, scale=scale, now=utcnow(), seed=seed)
    except DatabaseNotEmpty as error:
        session.rollback()
        raise click.ClickException(str(error)) from None
    session.commit()
    elapsed = perf_counter() - started
    click.echo(f"Testdata i skalan {scale} (frö {seed}) skapades på {elapsed:.1f} s: "
               + ", ".join(f"{what}: {n}" for what, n in created.items()) + ".")
    first = session.scalars(sa.select(District.code).order_by(District.id).limit(1)).first()
    click.echo(f"Planera en stadsdels termin med: coordinator term plan --district {first} --term {TERMS[0]}")
