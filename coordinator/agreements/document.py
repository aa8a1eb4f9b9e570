"""The agreement in words: a version's plain values, their Swedish texts, and the document model.

Pure: no database and no Flask. `build_document(values, today=...)` turns a version's plain
values into the document the printable page and the PDF both render, so the two cannot
disagree. Texts are Swedish templates marked with `N_`; functions take `translate` (a
gettext) when the UI wants them in the user's language, and default to Swedish, the
language of the signed document.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, time
from coordinator.agreements.models import Cadence, FormKind, IndividualCases, Scope, VersionStatus
from coordinator.i18n import N_
from coordinator.org.functions import Function

Translate = Callable[[str], str]


def swedish(text: str) -> str:
    """The identity translation: the msgids are Swedish."""
    return text


# --- a version as plain values -----------------------------------------------------------

@dataclass(frozen=True)
class Contact:
    id: int
    name: str
    email: str
    phone: str | None = None


@dataclass(frozen=True)
class PartyValues:
    school_id: int
    school: str
    is_independent: bool
    organiser_name: str | None = None
    signed_on: date | None = None
    signed_by: str | None = None


@dataclass(frozen=True)
class FormValues:
    """Every field of a meeting form, with the group by name and the functions as tuples."""
    kind: FormKind
    name: str
    scope: Scope
    cadence: Cadence
    convener_function: Function
    individual_cases: IndividualCases
    purpose: str = ""
    group: str | None = None
    cadence_count: int = 1
    duration_minutes: int = 90
    preferred_weekday: int | None = None
    window_start: time | None = None
    window_end: time | None = None
    place: str | None = None
    video_url: str | None = None
    minutes_keeper_function: Function | None = None
    invited: tuple[Function, ...] = ()   # every invited function, required ones included
    required: tuple[Function, ...] = ()
    requires_minutes: bool = True
    minutes_due_days: int = 14
    requires_approval: bool = True
    reports_to_committee: bool = False
    invite_lead_days: int = 21
    rsvp_reminder_days: int | None = 7
    pre_meeting_reminder_hours: int | None = 24
    minutes_reminder_days: int | None = 3
    minutes_reminder_repeat_days: int | None = 3
    minutes_escalation_days: int | None = 14


@dataclass(frozen=True)
class VersionValues:
    title: str
    owner: str                 # the district's name, or the municipality's for a city-level agreement
    municipality: str
    is_city_level: bool
    number: int
    status: VersionStatus
    valid_from_on: date | None = None
    valid_to_on: date | None = None
    revision_due_on: date | None = None
    contact: Contact | None = None
    activated_on: date | None = None
    superseded_on: date | None = None
    parties: tuple[PartyValues, ...] = ()
    forms: tuple[FormValues, ...] = ()


# --- words -------------------------------------------------------------------------------

FORM_KINDS = {
    FormKind.OVERARCHING_FORUM: N_("Övergripande samverkansforum"),
    FormKind.OPERATIVE_FORUM: N_("Lokalt operativt samverkansforum"),
    FormKind.STUDENT_HEALTH_CONFERENCE: N_("Elevhälsokonferens"),
    FormKind.REPORT_MEETING: N_("Anmälningsmöte"),
    FormKind.CONSULTATION: N_("Konsultation"),
    FormKind.BUS_GROUP: N_("BUS-grupp"),
    FormKind.STEERING_GROUP: N_("Styrande samverkansgrupp för skolsociala team"),
    FormKind.STAFF_MEETING_VISIT: N_("Socialtjänsten besöker skolans APT"),
    FormKind.OTHER: N_("Annat möte"),
}
SCOPES = {
    Scope.DISTRICT: N_("Hela stadsdelen"), Scope.PER_SCHOOL: N_("Varje skola som är part"),
    Scope.GROUP: N_("En grupp av skolor"), Scope.CITY: N_("Hela staden"),
}
CADENCES = {
    Cadence.PER_TERM: N_("Ett antal gånger per termin"), Cadence.PER_YEAR: N_("Ett antal gånger per år"),
    Cadence.MONTHLY: N_("Varje månad"), Cadence.ON_DEMAND: N_("Vid behov"),
}
INDIVIDUAL_CASES = {
    IndividualCases.NONE: N_("Inga enskilda ärenden"),
    IndividualCases.UNIDENTIFIED: N_("Endast avidentifierade elever"),
    IndividualCases.WITH_CONSENT: N_("Enskilda ärenden med samtycke"),
}
WEEKDAYS = (N_("måndag"), N_("tisdag"), N_("onsdag"), N_("torsdag"), N_("fredag"), N_("lördag"), N_("söndag"))
VERSION_STATUSES = {
    VersionStatus.DRAFT: N_("Utkast"), VersionStatus.ACTIVE: N_("Gällande"),
    VersionStatus.SUPERSEDED: N_("Ersatt"),
}
MUNICIPAL, INDEPENDENT = N_("Kommunal"), N_("Fristående")


def _counted(one: str, many: str, count: int, translate: Translate) -> str:
    """Swedish (and English) have one plural rule: one, or anything else."""
    return translate(one if count == 1 else many) % {"num": count}


def clock(value: time) -> str:
    return value.strftime("%H:%M")


def cadence_text(cadence: Cadence, count: int, translate: Translate = swedish) -> str:
    if cadence is Cadence.PER_TERM:
        return _counted(N_("%(num)d gång per termin"), N_("%(num)d gånger per termin"), count, translate)
    if cadence is Cadence.PER_YEAR:
        return _counted(N_("%(num)d gång per år"), N_("%(num)d gånger per år"), count, translate)
    return translate(CADENCES[cadence])


def how_often_text(form: FormValues, translate: Translate = swedish) -> str:
    text = cadence_text(form.cadence, form.cadence_count, translate)
    if form.scope is Scope.PER_SCHOOL:
        return translate(N_("%(how_often)s, för varje skola")) % {"how_often": text}
    if form.scope is Scope.GROUP and form.group:
        return translate(N_("%(how_often)s, för gruppen %(group)s")) % {"how_often": text, "group": form.group}
    return text


def when_text(form: FormValues, translate: Translate = swedish) -> str:
    parts = []
    if form.preferred_weekday is not None:
        parts.append(translate(N_("helst på %(weekday)s")) % {"weekday": translate(WEEKDAYS[form.preferred_weekday])})
    if form.window_start is not None and form.window_end is not None:
        parts.append(translate(N_("mellan %(start)s och %(end)s")) % {
            "start": clock(form.window_start), "end": clock(form.window_end)})
    parts.append(_counted(N_("%(num)d minut"), N_("%(num)d minuter"), form.duration_minutes, translate))
    text = ", ".join(parts)
    return text[:1].upper() + text[1:]


def functions_text(functions: tuple[Function, ...], language: str = "sv") -> str:
    return ", ".join(f.label(language) for f in functions)


def participants_text(form: FormValues, translate: Translate = swedish, language: str = "sv") -> str:
    required = tuple(f for f in form.invited if f in form.required)
    invited = tuple(f for f in form.invited if f not in form.required)
    parts = []
    if required:
        parts.append(functions_text(required, language))
    if invited:
        parts.append(translate(N_("även inbjudna: %(functions)s")) % {"functions": functions_text(invited, language)})
    return "; ".join(parts)


def minutes_text(form: FormValues, translate: Translate = swedish, language: str = "sv") -> str:
    if not form.requires_minutes:
        return translate(N_("Inget protokoll förs i tjänsten"))
    parts = [_counted(N_("Protokoll inom %(num)d dag"), N_("Protokoll inom %(num)d dagar"),
                      form.minutes_due_days, translate)]
    if form.minutes_keeper_function is not None:
        parts.append(translate(N_("förs av %(function)s")) % {"function": form.minutes_keeper_function.label(language)})
    if form.requires_approval:
        parts.append(translate(N_("justeras")))
    if form.reports_to_committee:
        parts.append(translate(N_("rapporteras till stadsdelsnämnden")))
    return ", ".join(parts)


def reminders_text(form: FormValues, translate: Translate = swedish) -> str:
    parts = [_counted(N_("Kallelse %(num)d dag före mötet"), N_("Kallelse %(num)d dagar före mötet"),
                      form.invite_lead_days, translate)]
    if form.rsvp_reminder_days is not None:
        parts.append(_counted(N_("påminnelse om svar %(num)d dag före"), N_("påminnelse om svar %(num)d dagar före"),
                              form.rsvp_reminder_days, translate))
    if form.pre_meeting_reminder_hours is not None:
        parts.append(_counted(N_("påminnelse %(num)d timme före"), N_("påminnelse %(num)d timmar före"),
                              form.pre_meeting_reminder_hours, translate))
    if form.requires_minutes and form.minutes_reminder_days is not None:
        parts.append(_counted(N_("protokollet påminns om %(num)d dag efter mötet"),
                              N_("protokollet påminns om %(num)d dagar efter mötet"),
                              form.minutes_reminder_days, translate))
    return ", ".join(parts)


def validity_text(start: date | None, end: date | None, translate: Translate = swedish) -> str:
    if start is not None and end is not None:
        return translate(N_("%(start)s till %(end)s")) % {"start": start.isoformat(), "end": end.isoformat()}
    if start is not None:
        return translate(N_("från %(start)s, tills vidare")) % {"start": start.isoformat()}
    return translate(N_("Inte angiven"))


def status_text(values: VersionValues, translate: Translate = swedish) -> str:
    if values.status is VersionStatus.ACTIVE and values.activated_on is not None:
        return translate(N_("Gällande sedan %(date)s")) % {"date": values.activated_on.isoformat()}
    if values.status is VersionStatus.SUPERSEDED and values.superseded_on is not None:
        return translate(N_("Ersatt %(date)s")) % {"date": values.superseded_on.isoformat()}
    if values.status is VersionStatus.DRAFT:
        return translate(N_("Utkast, gäller inte ännu"))
    return translate(VERSION_STATUSES[values.status])


def contact_text(contact: Contact | None, translate: Translate = swedish) -> str:
    if contact is None:
        return translate(N_("Ingen kontakt angiven"))
    return ", ".join(part for part in (contact.name, contact.email, contact.phone) if part)


def organiser_text(party: PartyValues, translate: Translate = swedish) -> str:
    if not party.is_independent:
        return translate(MUNICIPAL)
    if party.organiser_name:
        return translate(N_("Fristående (%(organiser)s)")) % {"organiser": party.organiser_name}
    return translate(INDEPENDENT)


# --- the document model ------------------------------------------------------------------

@dataclass(frozen=True)
class Fact:
    label: str
    value: str


@dataclass(frozen=True)
class DocumentParty:
    school: str
    organiser: str
    signed_on: str
    signed_by: str


@dataclass(frozen=True)
class DocumentForm:
    """A meeting form as a row of the meeting-structure table, and its details below the table."""
    name: str
    how_often: str
    convener: str
    participants: str
    individual_cases: str
    minutes: str
    details: tuple[Fact, ...]


@dataclass(frozen=True)
class AgreementDocument:
    title: str
    intro: str
    is_draft: bool
    facts: tuple[Fact, ...]
    headings: Mapping[str, str]
    party_columns: tuple[str, ...]
    parties: tuple[DocumentParty, ...]
    no_parties: str
    form_columns: tuple[str, ...]
    forms: tuple[DocumentForm, ...]
    signature_for: str
    signature_lines: tuple[str, ...]
    footer: str
    page_label: str  # with %(page)s and %(pages)s


def build_document(
    values: VersionValues, *, today: date, translate: Translate = swedish, language: str = "sv",
) -> AgreementDocument:
    """The document of an agreement version: what a district signs and publishes."""
    t = translate
    if values.is_city_level:
        intro = t(N_("Överenskommelsen gäller den stadsövergripande samverkan mellan skola och socialtjänst i "
                     "%(municipality)s. Den anger vilka mötesformer som finns, hur ofta de hålls, vem som "
                     "kallar, vilka funktioner som deltar, om enskilda ärenden får tas upp och hur protokoll "
                     "förs och följs upp.")) % {"municipality": values.municipality}
        owner = Fact(t(N_("Kommun")), values.municipality)
        signature_for = t(N_("För %(municipality)s")) % {"municipality": values.municipality}
    else:
        intro = t(N_("Överenskommelsen gäller samverkan mellan socialtjänsten i stadsdelsförvaltningen "
                     "%(district)s och skolorna i stadsdelen, kommunala och fristående. Den anger vilka "
                     "mötesformer som finns, hur ofta de hålls, vem som kallar, vilka funktioner som deltar, "
                     "om enskilda ärenden får tas upp och hur protokoll förs och följs upp. Skolorna ansluter "
                     "sig som parter.")) % {"district": values.owner}
        owner = Fact(t(N_("Stadsdelsförvaltning")), f"{values.owner}, {values.municipality}")
        signature_for = t(N_("För stadsdelsförvaltningen %(district)s")) % {"district": values.owner}
    facts = (
        owner,
        Fact(t(N_("Version")), f"{values.number} ({status_text(values, t)})"),
        Fact(t(N_("Giltighet")), validity_text(values.valid_from_on, values.valid_to_on, t)),
        Fact(t(N_("Revideras senast")),
             values.revision_due_on.isoformat() if values.revision_due_on else t(N_("Inte angivet"))),
        Fact(t(N_("Kontakt i socialtjänsten")), contact_text(values.contact, t)),
    )
    parties = tuple(
        DocumentParty(p.school, organiser_text(p, t), p.signed_on.isoformat() if p.signed_on else "–",
                      p.signed_by or "–")
        for p in sorted(values.parties, key=lambda p: p.school)
    )
    forms = tuple(_document_form(form, t, language) for form in values.forms)
    return AgreementDocument(
        title=values.title,
        intro=intro,
        is_draft=values.status is VersionStatus.DRAFT,
        facts=facts,
        headings={
            "parties": t(N_("Parter")), "forms": t(N_("Mötesstruktur")),
            "details": t(N_("Mötesformerna i detalj")), "signatures": t(N_("Underskrift")),
            "draft": t(N_("UTKAST – gäller inte")),
        },
        party_columns=(t(N_("Skola")), t(N_("Huvudman")), t(N_("Undertecknad")), t(N_("Undertecknad av"))),
        parties=parties,
        no_parties=t(N_("Överenskommelsen har inga skolor som parter.")),
        form_columns=(t(N_("Mötesform")), t(N_("Hur ofta")), t(N_("Sammankallande")), t(N_("Deltagare")),
                      t(N_("Enskilda ärenden")), t(N_("Protokoll och uppföljning"))),
        forms=forms,
        signature_for=signature_for,
        signature_lines=(t(N_("Ort och datum")), t(N_("Namnteckning")), t(N_("Namnförtydligande"))),
        footer=t(N_("%(title)s, version %(number)d. Utskriven %(date)s.")) % {
            "title": values.title, "number": values.number, "date": today.isoformat()},
        page_label=t(N_("Sida %(page)s av %(pages)s")),
    )


def _document_form(form: FormValues, t: Translate, language: str) -> DocumentForm:
    kind = t(FORM_KINDS[form.kind])
    details = [] if kind == form.name else [Fact(t(N_("Typ")), kind)]
    if form.purpose:
        details.append(Fact(t(N_("Syfte")), form.purpose))
    scope = t(SCOPES[form.scope])
    if form.scope is Scope.GROUP and form.group:
        scope = f"{scope}: {form.group}"
    details.append(Fact(t(N_("Omfattning")), scope))
    details.append(Fact(t(N_("När")), when_text(form, t)))
    if form.place:
        details.append(Fact(t(N_("Plats")), form.place))
    if form.video_url:
        details.append(Fact(t(N_("Videolänk")), form.video_url))
    details.append(Fact(t(N_("Kallelser och påminnelser")), reminders_text(form, t)))
    return DocumentForm(
        name=form.name,
        how_often=how_often_text(form, t),
        convener=form.convener_function.label(language),
        participants=participants_text(form, t, language),
        individual_cases=t(INDIVIDUAL_CASES[form.individual_cases]),
        minutes=minutes_text(form, t, language),
        details=tuple(details),
    )
