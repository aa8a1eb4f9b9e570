"""The benchmark's organisation as plain values, drawn from a seed: municipalities, districts, units, schools,
people, deputies and agreements. Pure: no database.

Each municipality is drawn from a `random.Random` of its own (the seed and its code), so the city is
the same whether it is generated alone (`city`) or as the first of the country's (`national`): the
district the follow-up benchmark compares has one shape in both databases.
"""
from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from coordinator.demo import data as demo_data
from coordinator.agreements.models import FormKind
from coordinator.bench.scales import UNIT_CODE_PREFIX, MunicipalityShape, Scale, scale_named
from coordinator.org.functions import Function as F
from coordinator.org.models import Language, OrganiserType, UnitKind

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


def build(scale: str | Scale, seed: int = 1) -> CityPlan:
    """The organisation of `scale` as plain values; the same seed gives the same organisation."""
    scale = scale if isinstance(scale, Scale) else scale_named(scale)
    return _Builder(scale, seed).build()


class _Builder:
    """Draws each municipality from a `random.Random` of its own, in a fixed order, so a seed gives one result."""

    def __init__(self, scale: Scale, seed: int) -> None:
        self.scale = scale
        self.seed = seed
        self.rng = random.Random(seed)  # replaced by each municipality's own while it is drawn
        self.places = [first + second for first in _PLACE_FIRST for second in _PLACE_SECOND]
        self.used_places: set[str] = set()
        self.emails: set[str] = set()
        self.school_names: set[str] = set()
        self.school_count = 0
        self.deputies: dict[str, str] = {}

    def build(self) -> CityPlan:
        municipalities = [self._municipality(shape) for shape in self.scale.municipalities]
        # a small municipality's one district is named for its place, as the municipality is
        municipalities += [self._municipality(shape, [shape.name.removesuffix(" kommun")])
                           for shape in self._small_municipalities()]
        return CityPlan(self.scale.name, self.seed, municipalities, self.deputies)

    def _municipality(self, shape: MunicipalityShape, district_names: Sequence[str] = ()) -> MunicipalityPlan:
        self.rng = rng = random.Random(f"{self.seed}:{shape.code}")
        names = list(district_names) or rng.sample([p for p in self.places if p not in self.used_places],
                                                   shape.districts)
        self.used_places.update(names)
        kinds = _school_kinds(rng, shape.compulsory_schools, shape.upper_secondary_schools,
                              self.scale.independent_share)
        sizes = _split(rng, len(kinds), shape.districts)
        municipality = MunicipalityPlan(shape.code, shape.name, shape.domain)
        self._city(municipality)
        for district_name, size in zip(names, sizes):
            self._district(municipality, district_name, kinds[:size])
            kinds = kinds[size:]
        return municipality

    def _small_municipalities(self) -> list[MunicipalityShape]:
        """The country's other municipalities: one district each, named for a place, of very different sizes."""
        count = self.scale.small_municipalities
        if not count:
            return []
        rng = random.Random(f"{self.seed}:small")
        places = rng.sample([p for p in self.places if p not in self.used_places], count)
        weights = [rng.lognormvariate(0, 0.9) for _ in range(count)]
        compulsory = _weighted_split(self.scale.small_schools[0], weights, minimum=1)
        upper_secondary = _weighted_split(self.scale.small_schools[1], weights, minimum=0)
        return [MunicipalityShape(f"9{n:03d}", f"{place} kommun", f"{_slug(place)}.example", 1, c, u)
                for n, (place, c, u) in enumerate(zip(places, compulsory, upper_secondary), 1)]

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


def _school_kinds(rng: random.Random, compulsory: int, upper_secondary: int, share: float) -> list[_SchoolKind]:
    """Every school's kind, shuffled: exactly the numbers of each kind, and the share of independents rounded."""
    total = compulsory + upper_secondary
    independent = set(rng.sample(range(total), round(total * share)))
    kinds = [_SchoolKind(i < upper_secondary, i in independent) for i in range(total)]
    rng.shuffle(kinds)
    return kinds


def _weighted_split(total: int, weights: Sequence[float], *, minimum: int) -> list[int]:
    """`total` in parts proportional to `weights`, each at least `minimum` (largest remainders get the rest)."""
    spare = total - minimum * len(weights)
    shares = [spare * w / sum(weights) for w in weights]
    sizes = [minimum + int(s) for s in shares]
    by_remainder = sorted(range(len(weights)), key=lambda i: shares[i] - int(shares[i]), reverse=True)
    for i in by_remainder[:total - sum(sizes)]:
        sizes[i] += 1
    return sizes


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


