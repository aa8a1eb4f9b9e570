"""The demo municipality as plain data: districts, units, schools, people, agreements and their versions,
terms and logins.

Everything here is fictional (districts, schools, people, addresses), placed in Stockholms
stad (municipality code 0180) because the product is built for its district administrations.
School-unit codes start with 999 and email addresses end in the reserved `.example` top-level
domain, so demo data cannot be mistaken for, or collide with, a real school or mailbox.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, time
from typing import Any

from coordinator.agreements.models import FormKind
from coordinator.auth.models import Role
from coordinator.org.functions import Function as F
from coordinator.org.models import Language, OrganiserType, UnitKind
from coordinator.terms.models import BreakKind

PASSWORD = "demo"
MUNICIPALITY = ("0180", "Stockholms stad")
DISTRICTS = [("NORRVIKEN", "Norrviken"), ("SODERBY", "Söderby")]

CITY_DOMAIN = "stockholm.example"        # the district and city administrations
SCHOOL_DOMAIN = "edu.stockholm.example"  # municipal schools
POLICE_DOMAIN = "polisen.example"


def email_for(name: str, domain: str) -> str:
    """firstname.lastname@domain in plain ASCII, as Swedish organisations write addresses."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return f"{re.sub(r'[^a-z0-9.-]', '', ascii_name.replace(' ', '.'))}@{domain}"


@dataclass(frozen=True)
class UnitData:
    key: str                # how the people below name their unit
    name: str
    kind: UnitKind
    district: str | None    # district code; None for the city's own administrations
    domain: str = CITY_DOMAIN


def _district_units(code: str, name: str) -> list[UnitData]:
    return [
        UnitData(f"{code}/kansli", f"Stadsdelsförvaltningen {name}, ledning och kansli",
                 UnitKind.ADMINISTRATION, code),
        UnitData(f"{code}/ifo", f"Individ- och familjeomsorgen {name}", UnitKind.SOCIAL_SERVICES, code),
        UnitData(f"{code}/fritid", f"Fritid {name}", UnitKind.LEISURE, code),
        UnitData(f"{code}/forskola", f"Förskola {name}", UnitKind.PRESCHOOL, code),
        UnitData(f"{code}/falt", f"Fältassistenterna {name}", UnitKind.FIELD_WORKERS, code),
        UnitData(f"{code}/polis", f"Lokalpolisområde {name}", UnitKind.POLICE, code, POLICE_DOMAIN),
    ]


UNITS = [
    UnitData("socialforvaltningen", "Socialförvaltningen", UnitKind.CITY_ADMINISTRATION, None),
    UnitData("utbildningsforvaltningen", "Utbildningsförvaltningen", UnitKind.CITY_ADMINISTRATION, None),
    *_district_units("NORRVIKEN", "Norrviken"),
    *_district_units("SODERBY", "Söderby"),
]


@dataclass(frozen=True)
class SchoolData:
    unit_code: str
    name: str
    district: str
    organiser_type: OrganiserType
    school_forms: tuple[str, ...]
    address: str
    organiser_name: str | None = None  # an independent school's huvudman
    domain: str = SCHOOL_DOMAIN         # of the staff's email addresses

    @property
    def email(self) -> str:
        return email_for(self.name, self.domain)


M, I = OrganiserType.MUNICIPAL, OrganiserType.INDEPENDENT
SCHOOLS = [
    SchoolData("99900101", "Norrvikens skola", "NORRVIKEN", M, ("FKLASS", "GR"), "Skolvägen 4, 199 01 Stockholm"),
    SchoolData("99900102", "Ekbackens skola", "NORRVIKEN", M, ("FKLASS", "GR"), "Ekbacken 2, 199 02 Stockholm"),
    SchoolData("99900103", "Sjöängsskolan", "NORRVIKEN", M, ("GR", "GRAN"), "Sjöängsvägen 11, 199 03 Stockholm"),
    SchoolData("99900104", "Norrvikens gymnasium", "NORRVIKEN", M, ("GY", "GYAN"),
               "Gymnasievägen 1, 199 04 Stockholm"),
    SchoolData("99900105", "Friskolan Lärkan", "NORRVIKEN", I, ("FKLASS", "GR"), "Lärkstigen 7, 199 05 Stockholm",
               "Lärkan Utbildning AB", "larkan.example"),
    SchoolData("99900106", "Norrviken International School", "NORRVIKEN", I, ("FKLASS", "GR"),
               "Hamngatan 20, 199 06 Stockholm", "Nordic International Schools AB", "nis.example"),
    SchoolData("99900107", "Tekniska gymnasiet Norrviken", "NORRVIKEN", I, ("GY",),
               "Verkstadsgatan 3, 199 07 Stockholm", "Kunskapsvägen Gymnasium AB", "kunskapsvagen.example"),
    SchoolData("99900201", "Söderbyskolan", "SODERBY", M, ("FKLASS", "GR"), "Söderbyvägen 30, 199 21 Stockholm"),
    SchoolData("99900202", "Tallåsens skola", "SODERBY", M, ("FKLASS", "GR"), "Tallåsvägen 5, 199 22 Stockholm"),
    SchoolData("99900203", "Strandviksskolan", "SODERBY", M, ("GR", "GRAN"), "Strandvägen 9, 199 23 Stockholm"),
    SchoolData("99900204", "Söderby gymnasium", "SODERBY", M, ("GY",), "Torget 1, 199 24 Stockholm"),
    SchoolData("99900205", "Montessoriskolan Solrosen", "SODERBY", I, ("FKLASS", "GR"),
               "Solrosvägen 2, 199 25 Stockholm", "Solrosens Montessori ekonomisk förening", "solrosen.example"),
    SchoolData("99900206", "Söderby Friskola", "SODERBY", I, ("FKLASS", "GR"), "Kvarngatan 14, 199 26 Stockholm",
               "Söderby Friskola AB", "soderbyfriskola.example"),
    SchoolData("99900207", "Kompassenskolan", "SODERBY", I, ("GRAN",), "Kompassvägen 8, 199 27 Stockholm",
               "Stiftelsen Kompassen", "kompassen.example"),
]


@dataclass(frozen=True)
class PersonData:
    name: str
    functions: tuple[F, ...]
    school: str | None = None   # school-unit code
    unit: str | None = None     # unit key
    language: Language = Language.SV
    email: str | None = None    # derived from the name and the workplace when not given


def _school_staff(unit_code: str, *staff: tuple[F, str] | tuple[F, str, Language]) -> list[PersonData]:
    """A school's leadership and student-health team (elevhälsoteam)."""
    return [PersonData(name, (function,), school=unit_code, language=rest[0] if rest else Language.SV)
            for function, name, *rest in staff]


EN = Language.EN
PEOPLE = [
    *_school_staff("99900101", (F.PRINCIPAL, "Annika Berg"), (F.DEPUTY_PRINCIPAL, "Per Olsson"),
                   (F.KURATOR, "Sofia Lindberg"), (F.SCHOOL_NURSE, "Elin Strömberg"),
                   (F.SPECIAL_NEEDS_TEACHER, "Henrik Dahl")),
    *_school_staff("99900102", (F.PRINCIPAL, "Mats Hedlund"), (F.KURATOR, "Jenny Ahlgren"),
                   (F.SCHOOL_NURSE, "Camilla Nord"), (F.SPECIAL_NEEDS_TEACHER, "Ulrika Falk")),
    *_school_staff("99900103", (F.PRINCIPAL, "Fredrik Sundin"), (F.KURATOR, "Amra Hodžić"),
                   (F.SCHOOL_NURSE, "Ingrid Påhlsson"), (F.SPECIAL_NEEDS_TEACHER, "Malin Björk")),
    *_school_staff("99900104", (F.PRINCIPAL, "Katarina Öberg"), (F.DEPUTY_PRINCIPAL, "Daniel Wikström"),
                   (F.KURATOR, "Yusuf Demir"), (F.SCHOOL_NURSE, "Therese Granqvist"),
                   (F.SPECIAL_NEEDS_TEACHER, "Oskar Malm"), (F.SCHOOL_PSYCHOLOGIST, "Nina Rydén")),
    *_school_staff("99900105", (F.PRINCIPAL, "Linnea Åkesson"), (F.KURATOR, "Emma Söderlund"),
                   (F.SCHOOL_NURSE, "Marie Nyberg"), (F.SPECIAL_NEEDS_TEACHER, "Jonas Hagström")),
    *_school_staff("99900106", (F.PRINCIPAL, "James Whitfield", EN), (F.KURATOR, "Hanna Lilja"),
                   (F.SCHOOL_NURSE, "Sarah O'Connor", EN), (F.SPECIAL_NEEDS_TEACHER, "Patrik Ekman")),
    *_school_staff("99900107", (F.PRINCIPAL, "Stefan Borg"), (F.KURATOR, "Leila Karimi"),
                   (F.SCHOOL_NURSE, "Anna-Karin Svärd"), (F.SPECIAL_NEEDS_TEACHER, "Viktor Nordin")),
    *_school_staff("99900201", (F.PRINCIPAL, "Helena Westin"), (F.DEPUTY_PRINCIPAL, "Erik Sandström"),
                   (F.KURATOR, "Sanna Eklund"), (F.SCHOOL_NURSE, "Petra Lundgren"),
                   (F.SPECIAL_NEEDS_TEACHER, "Magnus Hellström")),
    *_school_staff("99900202", (F.PRINCIPAL, "Cecilia Norén"), (F.KURATOR, "Adam Persson"),
                   (F.SCHOOL_NURSE, "Louise Hermansson"), (F.SPECIAL_NEEDS_TEACHER, "Ida Blom")),
    *_school_staff("99900203", (F.PRINCIPAL, "Roger Lindahl"), (F.KURATOR, "Mirja Koskinen"),
                   (F.SCHOOL_NURSE, "Åsa Törnqvist"), (F.SPECIAL_NEEDS_TEACHER, "Elisabeth Sjögren")),
    *_school_staff("99900204", (F.PRINCIPAL, "Gunilla Ahl"), (F.DEPUTY_PRINCIPAL, "Martin Carlsson"),
                   (F.KURATOR, "Ahmed Yilmaz"), (F.SCHOOL_NURSE, "Sofie Bergqvist"),
                   (F.SPECIAL_NEEDS_TEACHER, "Karl Jonsson"), (F.SCHOOL_PSYCHOLOGIST, "Lena Boström")),
    *_school_staff("99900205", (F.PRINCIPAL, "Birgitta Lund"), (F.KURATOR, "Johanna Franzén"),
                   (F.SCHOOL_NURSE, "Rebecka Ström"), (F.SPECIAL_NEEDS_TEACHER, "Tove Lindholm")),
    *_school_staff("99900206", (F.PRINCIPAL, "Niklas Hammar"), (F.KURATOR, "Fatima Ali"),
                   (F.SCHOOL_NURSE, "Emelie Kjellberg"), (F.SPECIAL_NEEDS_TEACHER, "Jakob Forsman")),
    *_school_staff("99900207", (F.PRINCIPAL, "Susanne Wahlberg"), (F.KURATOR, "Robin Ekholm"),
                   (F.SCHOOL_NURSE, "Maja Lindén"), (F.SPECIAL_NEEDS_TEACHER, "Pia Roos")),
    # Norrviken's administration and units
    PersonData("Eva Lindqvist", (F.DISTRICT_DIRECTOR,), unit="NORRVIKEN/kansli"),
    PersonData("Karin Wallin", (F.COMMITTEE_SECRETARY,), unit="NORRVIKEN/kansli"),
    PersonData("Johan Berglund", (F.HEAD_OF_IFO,), unit="NORRVIKEN/ifo"),
    PersonData("Anders Nyström", (F.SOCIAL_SERVICES_CONTACT,), unit="NORRVIKEN/ifo"),
    PersonData("Lina Sjöberg", (F.SOCIAL_WORKER,), unit="NORRVIKEN/ifo"),
    # a shared mailbox: people change jobs, the intake group stays
    PersonData("Mottagningsgruppen Norrviken", (F.INTAKE_GROUP,), unit="NORRVIKEN/ifo",
               email=f"mottagningsgruppen.norrviken@{CITY_DOMAIN}"),
    PersonData("Sara Holmgren", (F.HEAD_OF_LEISURE,), unit="NORRVIKEN/fritid"),
    PersonData("Lena Mattsson", (F.HEAD_OF_PRESCHOOL,), unit="NORRVIKEN/forskola"),
    PersonData("Omar Haddad", (F.FIELD_WORKER,), unit="NORRVIKEN/falt"),
    PersonData("Peter Lundberg", (F.POLICE_CONTACT,), unit="NORRVIKEN/polis"),
    # Söderby's administration and units; Söderby names the intake group as its contact
    PersonData("Thomas Ekström", (F.DISTRICT_DIRECTOR,), unit="SODERBY/kansli"),
    PersonData("Jessica Palm", (F.COMMITTEE_SECRETARY,), unit="SODERBY/kansli"),
    PersonData("Marianne Lindgren", (F.HEAD_OF_IFO,), unit="SODERBY/ifo"),
    PersonData("Hanna Virtanen", (F.SOCIAL_WORKER,), unit="SODERBY/ifo"),
    PersonData("Mottagningsgruppen Söderby", (F.INTAKE_GROUP, F.SOCIAL_SERVICES_CONTACT), unit="SODERBY/ifo",
               email=f"mottagningsgruppen.soderby@{CITY_DOMAIN}"),
    PersonData("Ali Hassan", (F.HEAD_OF_LEISURE,), unit="SODERBY/fritid"),
    PersonData("Kristina Nilsson", (F.HEAD_OF_PRESCHOOL,), unit="SODERBY/forskola"),
    PersonData("Alexander Lööf", (F.FIELD_WORKER,), unit="SODERBY/falt"),
    PersonData("Elsa Grahn", (F.FIELD_WORKER,), unit="SODERBY/falt"),
    PersonData("Maria Åberg", (F.POLICE_CONTACT,), unit="SODERBY/polis"),
    # the city's central administrations
    PersonData("Helena Forsberg", (F.SOCIAL_ADMINISTRATION_CHIEF,), unit="socialforvaltningen"),
    PersonData("Mikael Strand", (F.EDUCATION_ADMINISTRATION_CHIEF,), unit="utbildningsforvaltningen"),
    PersonData("Annika Sandberg", (F.DEPUTY_SCHOOL_CHIEF,), unit="utbildningsforvaltningen"),
    PersonData("Tobias Engström", (F.DEPUTY_SCHOOL_CHIEF,), unit="utbildningsforvaltningen"),
]

# person -> their deputy (ersättare), by name
DEPUTIES = {
    "Annika Berg": "Per Olsson",
    "Katarina Öberg": "Daniel Wikström",
    "Helena Westin": "Erik Sandström",
    "Gunilla Ahl": "Martin Carlsson",
    "Eva Lindqvist": "Johan Berglund",
    "Thomas Ekström": "Marianne Lindgren",
    "Anders Nyström": "Mottagningsgruppen Norrviken",
    "Alexander Lööf": "Elsa Grahn",
    "Elsa Grahn": "Alexander Lööf",
    "Peter Lundberg": "Maria Åberg",
    "Maria Åberg": "Peter Lundberg",
    "Annika Sandberg": "Tobias Engström",
    "Tobias Engström": "Annika Sandberg",
}


@dataclass(frozen=True)
class VersionData:
    """One version of an agreement: its validity, its next revision, the day the schools signed it and,
    for the demo with history, the day it was activated."""
    activated_on: date
    valid_from_on: date
    valid_to_on: date | None
    revision_due_on: date
    signed_on: date | None = None  # by each party school's principal (a district's agreement)


@dataclass(frozen=True)
class AgreementData:
    """An agreement; a district's is signed by each of its schools' principal.

    Without history the demo loads `version` alone, activated when the demo is loaded. With history
    it loads every version of `earlier`, `version` and `later` activated by then, each on its day,
    so the version in force for each past term is the one that was in force then.
    """
    title: str
    district: str | None
    version: VersionData
    contact: str                                   # a person's name
    forms: list[tuple[FormKind, dict[str, Any]]]   # each kind with its changes to the defaults
    earlier: tuple[VersionData, ...] = ()
    later: tuple[VersionData, ...] = ()

    @property
    def versions(self) -> tuple[VersionData, ...]:
        return (*self.earlier, self.version, *self.later)


def _district_forms(
    place: str, video_url: str, weekdays: dict[FormKind, int]
) -> list[tuple[FormKind, dict[str, Any]]]:
    """The meeting forms of DOMAIN.md a district runs, with its place, video link and weekdays."""
    kinds = [FormKind.OVERARCHING_FORUM, FormKind.OPERATIVE_FORUM, FormKind.STUDENT_HEALTH_CONFERENCE,
             FormKind.REPORT_MEETING, FormKind.CONSULTATION, FormKind.BUS_GROUP, FormKind.STAFF_MEETING_VISIT]
    forms: list[tuple[FormKind, dict[str, Any]]] = []
    for kind in kinds:
        changes: dict[str, Any] = {"preferred_weekday": weekdays.get(kind)}
        if kind in (FormKind.OVERARCHING_FORUM, FormKind.OPERATIVE_FORUM, FormKind.BUS_GROUP):
            changes["place"] = place
        if kind is FormKind.CONSULTATION:
            changes["video_url"] = video_url
        forms.append((kind, changes))
    return forms


MONDAY, TUESDAY, WEDNESDAY, THURSDAY = 0, 1, 2, 3
# Norrviken revises its agreement every June, before it falls due. Söderby let its first version's
# revision date pass (15 June 2026) and activated the revised text only in January 2027.
AGREEMENTS = [
    AgreementData(
        "Lokal samverkansöverenskommelse skola–socialtjänst, Norrviken", "NORRVIKEN",
        VersionData(date(2026, 6, 15), date(2026, 7, 1), date(2028, 6, 30), date(2027, 6, 15), date(2026, 6, 10)),
        "Anders Nyström",
        _district_forms("Norrvikens stadsdelshus, sal Ekén",
                        "https://video.stockholm.example/norrviken-konsultation",
                        {FormKind.OVERARCHING_FORUM: TUESDAY, FormKind.OPERATIVE_FORUM: THURSDAY,
                         FormKind.BUS_GROUP: MONDAY}),
        earlier=(VersionData(date(2025, 6, 12), date(2025, 7, 1), date(2027, 6, 30), date(2026, 6, 15),
                             date(2025, 6, 11)),),
        later=(VersionData(date(2027, 6, 14), date(2027, 7, 1), date(2029, 6, 30), date(2028, 6, 15),
                           date(2027, 6, 9)),),
    ),
    AgreementData(
        "Lokal samverkansöverenskommelse skola–socialtjänst, Söderby", "SODERBY",
        VersionData(date(2027, 1, 20), date(2026, 7, 1), date(2028, 6, 30), date(2027, 6, 15), date(2026, 6, 12)),
        "Mottagningsgruppen Söderby",
        _district_forms("Söderby stadsdelshus, Torget 3", "https://video.stockholm.example/soderby-konsultation",
                        {FormKind.OVERARCHING_FORUM: WEDNESDAY, FormKind.OPERATIVE_FORUM: TUESDAY,
                         FormKind.BUS_GROUP: THURSDAY}),
        earlier=(VersionData(date(2025, 6, 13), date(2025, 7, 1), date(2027, 6, 30), date(2026, 6, 15),
                             date(2025, 6, 12)),),
    ),
    # The city's steering group has no schools as parties. Its revision date has passed on
    # purpose, so the demo shows how an overdue revision is flagged.
    AgreementData(
        "Styrande samverkansgrupp för skolsociala team", None,
        VersionData(date(2025, 6, 5), date(2026, 1, 1), None, date(2026, 10, 31)), "Helena Forsberg",
        [(FormKind.STEERING_GROUP, {"place": "Socialförvaltningen, Swedenborgsgatan 20",
                                    "preferred_weekday": THURSDAY,
                                    "window_start": time(13, 0), "window_end": time(16, 0)})],
    ),
]


@dataclass(frozen=True)
class LoginData:
    role: Role
    district: str | None = None
    person: str | None = None   # the person's name: the login uses their email and language
    email: str | None = None    # for logins that are nobody in the organisation tables


LOGINS = [
    LoginData(Role.CITY_ADMIN, email=f"admin@{CITY_DOMAIN}"),
    LoginData(Role.DISTRICT_DIRECTOR, "NORRVIKEN", "Eva Lindqvist"),
    LoginData(Role.DISTRICT_ADMIN, "NORRVIKEN", "Karin Wallin"),
    LoginData(Role.DISTRICT_DIRECTOR, "SODERBY", "Thomas Ekström"),
    LoginData(Role.DISTRICT_ADMIN, "SODERBY", "Jessica Palm"),
    LoginData(Role.PARTICIPANT, person="Annika Berg"),
    LoginData(Role.AUDITOR, email=f"revisor@{CITY_DOMAIN}"),
    LoginData(Role.INTAKE_OFFICER, "NORRVIKEN", "Mottagningsgruppen Norrviken"),
]


def person_email(person: PersonData) -> str:
    """The person's address: given, or firstname.lastname at their school's or unit's domain."""
    if person.email is not None:
        return person.email
    if person.school is not None:
        domain = next(s.domain for s in SCHOOLS if s.unit_code == person.school)
    else:
        domain = next(u.domain for u in UNITS if u.key == person.unit)
    return email_for(person.name, domain)


def login_email(login: LoginData) -> str:
    if login.email is not None:
        return login.email
    return person_email(next(p for p in PEOPLE if p.name == login.person))


@dataclass(frozen=True)
class TermData:
    name: str
    starts_on: date
    ends_on: date
    breaks: tuple[tuple[BreakKind, str, date, date], ...]


# Stockholm-county school years 2025/26 to 2027/28 (each organiser sets its own; these are typical).
# The demo with history holds the meetings of the previous school year and of the current term so far.
TERMS = [
    TermData("HT2025", date(2025, 8, 18), date(2025, 12, 19), (
        (BreakKind.STUDY_DAY, "Studiedag", date(2025, 9, 26), date(2025, 9, 26)),
        (BreakKind.HOSTLOV, "Höstlov", date(2025, 10, 27), date(2025, 10, 31)),
    )),
    TermData("VT2026", date(2026, 1, 8), date(2026, 6, 11), (
        (BreakKind.SPORTLOV, "Sportlov", date(2026, 2, 23), date(2026, 2, 27)),
        (BreakKind.PASKLOV, "Påsklov", date(2026, 4, 6), date(2026, 4, 10)),
        (BreakKind.STUDY_DAY, "Studiedag", date(2026, 5, 15), date(2026, 5, 15)),
    )),
    TermData("HT2026", date(2026, 8, 18), date(2026, 12, 22), (
        (BreakKind.STUDY_DAY, "Studiedag", date(2026, 9, 25), date(2026, 9, 25)),
        (BreakKind.HOSTLOV, "Höstlov", date(2026, 10, 26), date(2026, 10, 30)),
    )),
    TermData("VT2027", date(2027, 1, 11), date(2027, 6, 11), (
        (BreakKind.SPORTLOV, "Sportlov", date(2027, 3, 1), date(2027, 3, 5)),
        (BreakKind.PASKLOV, "Påsklov", date(2027, 3, 29), date(2027, 4, 2)),
        (BreakKind.STUDY_DAY, "Studiedag", date(2027, 5, 7), date(2027, 5, 7)),
    )),
    TermData("HT2027", date(2027, 8, 19), date(2027, 12, 21), (
        (BreakKind.STUDY_DAY, "Studiedag", date(2027, 10, 8), date(2027, 10, 8)),
        (BreakKind.HOSTLOV, "Höstlov", date(2027, 11, 1), date(2027, 11, 5)),
    )),
    TermData("VT2028", date(2028, 1, 10), date(2028, 6, 13), (
        (BreakKind.SPORTLOV, "Sportlov", date(2028, 2, 28), date(2028, 3, 3)),
        (BreakKind.PASKLOV, "Påsklov", date(2028, 4, 10), date(2028, 4, 14)),
        (BreakKind.STUDY_DAY, "Studiedag", date(2028, 5, 26), date(2028, 5, 26)),
    )),
]


@dataclass(frozen=True)
class ConsultationHoursData:
    """A district's consultation hours over the demo's school years, and a booking link for each of its schools."""
    district: str
    weekday: int
    window_start: time
    window_end: time
    slot_minutes: int
    officer: str        # a person's name
    video_url: str


CONSULTATION_HOURS = [
    ConsultationHoursData("NORRVIKEN", TUESDAY, time(13, 0), time(15, 0), 20, "Mottagningsgruppen Norrviken",
                          "https://video.stockholm.example/norrviken-konsultation"),
]
