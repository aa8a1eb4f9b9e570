"""Every follow-up indicator, defined once: id, Swedish and English name, a one-sentence definition shown
next to each figure, its unit, how its value comes from a term's facts, and how its status (green,
amber, red) follows from the agreement. Pure: no database, no Flask.

A new indicator is one `Indicator` entry here (plus, if it needs new facts, its query in
`queries.py`). Indicators marked `per_form` are also shown for each meeting form of the agreement.
"""
from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from coordinator.followup.facts import ReportCounts, SchoolCounts, TermFacts


class Status(enum.Enum):
    GREEN = "green"   # the agreement is kept
    AMBER = "amber"   # partly kept: look into it
    RED = "red"       # not kept
    NONE = "none"     # nothing to judge (nothing counted yet, or a figure for information)


class Unit(enum.Enum):
    YES_NO = "yes_no"
    COUNT = "count"
    SHARE = "share"                  # a fraction 0..1, shown as per cent
    PERCENTAGE_POINTS = "pp"         # a difference between two shares
    DAYS = "days"
    FUNCTION = "function"            # the name of a function
    PER_SCHOOL = "per_school"        # a count divided by a number of schools


class Section(enum.Enum):
    AGREEMENT = "agreement"
    MEETINGS = "meetings"
    FUNCTIONS = "functions"
    SCHOOLS = "schools"
    ANSWERS = "answers"
    MINUTES = "minutes"
    ACTIONS = "actions"
    REPORTS = "reports"
    CONSULTATIONS = "consultations"
    VISITS = "visits"


STATUS_NAMES = {
    Status.GREEN: ("uppfyllt", "met"),
    Status.AMBER: ("delvis uppfyllt", "partly met"),
    Status.RED: ("inte uppfyllt", "not met"),
    Status.NONE: ("–", "–"),
}

SECTION_NAMES = {
    Section.AGREEMENT: ("Överenskommelsen", "The agreement"),
    Section.MEETINGS: ("Möten", "Meetings"),
    Section.FUNCTIONS: ("Krävda funktioner", "Required functions"),
    Section.SCHOOLS: ("Skolornas deltagande", "Schools taking part"),
    Section.ANSWERS: ("Svar på kallelser", "Answers to invitations"),
    Section.MINUTES: ("Protokoll", "Minutes"),
    Section.ACTIONS: ("Åtgärdspunkter", "Action items"),
    Section.REPORTS: ("Anmälningsmöten", "Report meetings"),
    Section.CONSULTATIONS: ("Konsultationer", "Consultations"),
    Section.VISITS: ("Socialtjänstens besök på APT", "Social services' staff-meeting visits"),
}


@dataclass(frozen=True)
class Figure:
    """An indicator's value: a share with its parts, a count, days, yes/no; None when nothing was counted."""
    value: Any
    numerator: int | None = None
    denominator: int | None = None


@dataclass(frozen=True)
class Indicator:
    id: str
    section: Section
    name_sv: str
    name_en: str
    definition_sv: str
    definition_en: str
    unit: Unit
    value: Callable[[Any], Figure]          # from TermFacts (or FormFacts, where per_form)
    status: Callable[[Figure], Status]
    drill: str | None = None                # what the number opens: see services.drill
    per_form: bool = False
    headline: bool = False                  # shown in the trend and the city table

    def name(self, language: str = "sv") -> str:
        return self.name_en if language == "en" else self.name_sv

    def definition(self, language: str = "sv") -> str:
        return self.definition_en if language == "en" else self.definition_sv

    def evaluate(self, facts: Any) -> tuple[Figure, Status]:
        figure = self.value(facts)
        return figure, (Status.NONE if figure.value is None else self.status(figure))


# -- values -------------------------------------------------------------------------------------------

def share(numerator: int, denominator: int) -> Figure:
    """numerator / denominator; None (nothing counted) when the denominator is zero, never a division by zero."""
    return Figure(numerator / denominator if denominator else None, numerator, denominator)


def count(value: int | None) -> Figure:
    return Figure(value)


def gap(schools: Callable[[SchoolCounts], frozenset[int]]) -> Callable[[TermFacts], Figure]:
    """Municipal minus independent share of party schools, in percentage points."""
    def value(facts: TermFacts) -> Figure:
        municipal = share(len(schools(facts.municipal) & facts.municipal.parties), len(facts.municipal.parties))
        independent = share(len(schools(facts.independent) & facts.independent.parties),
                            len(facts.independent.parties))
        if municipal.value is None or independent.value is None:
            return Figure(None)
        return Figure(round(100 * (municipal.value - independent.value), 1))
    return value


def school_share(kind: str, schools: Callable[[SchoolCounts], frozenset[int]]) -> Callable[[TermFacts], Figure]:
    def value(facts: TermFacts) -> Figure:
        counts: SchoolCounts = getattr(facts, kind)
        return share(len(schools(counts) & counts.parties), len(counts.parties))
    return value


# -- statuses -----------------------------------------------------------------------------------------

def at_least(green: float, amber: float) -> Callable[[Figure], Status]:
    def status(figure: Figure) -> Status:
        return Status.GREEN if figure.value >= green else Status.AMBER if figure.value >= amber else Status.RED
    return status


def at_most(green: float, amber: float) -> Callable[[Figure], Status]:
    def status(figure: Figure) -> Status:
        return Status.GREEN if figure.value <= green else Status.AMBER if figure.value <= amber else Status.RED
    return status


def yes_green(figure: Figure) -> Status:
    return Status.GREEN if figure.value else Status.RED


def no_status(_figure: Figure) -> Status:
    return Status.NONE


def gap_status(figure: Figure) -> Status:
    """Independent schools taking part to the same extent: within 10 points green, 20 amber."""
    return at_most(10, 20)(Figure(abs(figure.value)))


def meetings_status(figure: Figure) -> Status:
    return at_least(1.0, 0.75)(figure)


# -- the registry -------------------------------------------------------------------------------------

def _held_share(facts: Any) -> Figure:
    return share(facts.meetings.held, facts.meetings.agreed)


def _on_course(facts: Any) -> Figure:
    """Held and still to come, against what was agreed: can the term still keep the agreement?"""
    m = facts.meetings
    return share(m.held + m.upcoming, m.agreed)


def _agreement(attribute: str) -> Callable[[TermFacts], Figure]:
    def value(facts: TermFacts) -> Figure:
        return Figure(getattr(facts.agreement, attribute))
    return value


def _parties(kind: str) -> Callable[[TermFacts], Figure]:
    def value(facts: TermFacts) -> Figure:
        if not facts.agreement.has_agreement:
            return Figure(None)
        counts: SchoolCounts = getattr(facts, kind)
        schools = facts.agreement.schools_municipal if kind == "municipal" else facts.agreement.schools_independent
        return share(len(counts.parties), schools)
    return value


def _revised(facts: TermFacts) -> Figure:
    return Figure(facts.agreement.is_revised_on_time if facts.agreement.has_agreement else None)


def _contact(facts: TermFacts) -> Figure:
    return Figure(facts.agreement.contact_name is not None if facts.agreement.has_agreement else None)


def _most_missing(facts: Any) -> Figure:
    found = facts.coverage.most_missing
    return Figure(found[0] if found else None, found[1] if found else None)


def days(value: float | None) -> Figure:
    return Figure(None if value is None else round(value, 1))


# -- reports of concern and their report meetings, for all schools and per organiser type ----------------

_REPORT_SCOPES = (  # (id suffix, TermFacts attribute, Swedish and English words for the schools)
    ("", "reports", "skolor", "schools"),
    (".municipal", "reports_municipal", "kommunala skolor", "municipal schools"),
    (".independent", "reports_independent", "fristående skolor", "independent schools"),
)


def _reports(attribute: str, value: Callable[[ReportCounts], Figure]) -> Callable[[TermFacts], Figure]:
    def read(facts: TermFacts) -> Figure:
        return value(getattr(facts, attribute))
    return read


def _report_indicators() -> tuple[Indicator, ...]:
    """Reports received, the shares offered, held and held in time, and the median days, for every school and
    per organiser type (likställighet: independent schools' pupils are to be reached as municipal ones')."""
    found: list[Indicator] = []
    for suffix, attribute, sv, en in _REPORT_SCOPES:
        found += [
            Indicator(f"reports.received{suffix}", Section.REPORTS, f"Orosanmälningar från {sv}",
                      f"Reports of concern from {en}",
                      f"Orosanmälningar från stadsdelens {sv} som räknas till terminen (inkomna från dess början till "
                      f"nästa termins början); återtagna räknas inte.",
                      f"Reports of concern from the district's {en} counted in the term (received from its start to "
                      f"the next term's start); withdrawn ones are not counted.",
                      Unit.COUNT, _reports(attribute, lambda r: count(r.received)), no_status),
            Indicator(f"reports.offered{suffix}", Section.REPORTS, f"Anmälningsmöte erbjudet, {sv}",
                      f"Report meeting offered, {en}",
                      f"Andel av anmälningarna från {sv} där ett anmälningsmöte bokades eller erbjöds och avböjdes.",
                      f"Share of the reports from {en} where a report meeting was booked, or offered and declined.",
                      Unit.SHARE, _reports(attribute, lambda r: share(r.offered, r.received)), at_least(0.9, 0.7),
                      headline=not suffix),
            Indicator(f"reports.held{suffix}", Section.REPORTS, f"Anmälningsmöte hållet, {sv}",
                      f"Report meeting held, {en}",
                      f"Andel av anmälningarna från {sv} där anmälningsmötet hölls (familjen kan avböja).",
                      f"Share of the reports from {en} where the report meeting was held (the family may decline).",
                      Unit.SHARE, _reports(attribute, lambda r: share(r.held, r.received)), no_status),
            Indicator(f"reports.in_time{suffix}", Section.REPORTS, f"Hållna inom 14 dagar, {sv}",
                      f"Held within 14 days, {en}",
                      f"Andel av de hållna anmälningsmötena ({sv}) som hölls senast 14 dagar efter att anmälan kom in, "
                      f"tiden för beslut om utredning enligt socialtjänstlagen.",
                      f"Share of the report meetings held ({en}) that were held at most 14 days after the report came "
                      f"in, the time for the decision on an investigation under the Social Services Act.",
                      Unit.SHARE, _reports(attribute, lambda r: share(r.held_in_time, r.held)), at_least(1.0, 0.9)),
            Indicator(f"reports.median_days{suffix}", Section.REPORTS, f"Dagar från anmälan till möte (median), {sv}",
                      f"Days from report to meeting (median), {en}",
                      f"Mediantiden från att anmälan ({sv}) kom in till dagen då anmälningsmötet hölls, i dagar.",
                      f"The median time from the report ({en}) coming in to the day the report meeting was held, in "
                      f"days.",
                      Unit.DAYS, _reports(attribute, lambda r: days(r.median_days)), at_most(10, 14)),
        ]
    found.append(Indicator(
        "reports.booked_late", Section.REPORTS, "Möten bokade efter sista dagen", "Meetings booked after the deadline",
        "Anmälningar vars möte bokades på en tid efter de 14 dagarna, med ett angivet skäl (skälen visas i listan).",
        "Reports whose meeting was booked on a time after the 14 days, with a stated reason (the list shows the "
        "reasons).",
        Unit.COUNT, lambda f: count(f.reports.booked_late), no_status, drill="reports.late"))
    return tuple(found)


def _consultations_per_school(kind: str) -> Callable[[TermFacts], Figure]:
    """Consultations booked by the district's schools of one organiser type, per such school."""
    def value(facts: TermFacts) -> Figure:
        booked = getattr(facts.consultations, kind)
        schools = facts.agreement.schools_municipal if kind == "municipal" else facts.agreement.schools_independent
        return Figure(round(booked / schools, 2) if schools else None, booked, schools)
    return value


def _schools_consulting(kind: str) -> Callable[[TermFacts], Figure]:
    def value(facts: TermFacts) -> Figure:
        booked: frozenset[int] = getattr(facts.consultations, f"schools_{kind}")
        schools = facts.agreement.schools_municipal if kind == "municipal" else facts.agreement.schools_independent
        return share(len(booked), schools)
    return value


def _visits_done(kind: str) -> Callable[[TermFacts], Figure]:
    """The party schools of one organiser type visited at their staff meeting in the school year, of those due."""
    def value(facts: TermFacts) -> Figure:
        counts: SchoolCounts = getattr(facts, kind)
        visited: frozenset[int] = getattr(facts.visits, f"schools_{kind}")
        return share(len(visited & counts.parties), len(counts.parties))
    return value


def _visit_indicators() -> tuple[Indicator, ...]:
    found = []
    for kind, sv, en in (("municipal", "kommunala", "municipal"), ("independent", "fristående", "independent")):
        found.append(Indicator(
            f"visits.done.{kind}", Section.VISITS, f"APT-besök gjorda på {sv} skolor",
            f"Staff-meeting visits done at {en} schools",
            f"Andel av de {sv} skolor som är parter där socialtjänsten har besökt APT under läsåret, till och med "
            "terminen (ett besök per skola och läsår; på hösten är halva läsåret kvar).",
            f"Share of the {en} party schools whose staff meeting social services visited in the school year, up to "
            "the term (one visit per school and school year; in the autumn half the year remains).",
            Unit.SHARE, _visits_done(kind), no_status, headline=True))
    return tuple(found)


INDICATORS: tuple[Indicator, ...] = (
    # the agreement
    Indicator("agreement.active", Section.AGREEMENT, "Gällande överenskommelse", "Agreement in force",
              "Stadsdelen har en aktiverad samverkansöverenskommelse för terminen.",
              "The district has an activated collaboration agreement for the term.",
              Unit.YES_NO, _agreement("has_agreement"), yes_green, headline=True),
    Indicator("agreement.revised", Section.AGREEMENT, "Reviderad i tid", "Revised on time",
              "Överenskommelsens nästa revisionsdatum har inte passerat.",
              "The agreement's next revision date has not passed.",
              Unit.YES_NO, _revised, yes_green),
    Indicator("agreement.parties_municipal", Section.AGREEMENT, "Kommunala skolor som är parter",
              "Municipal schools that are parties",
              "Andel av stadsdelens kommunala skolor som har skrivit under överenskommelsen.",
              "Share of the district's municipal schools that have signed the agreement.",
              Unit.SHARE, _parties("municipal"), at_least(1.0, 0.8), drill="schools.not_joined.municipal"),
    Indicator("agreement.parties_independent", Section.AGREEMENT, "Fristående skolor som är parter",
              "Independent schools that are parties",
              "Andel av stadsdelens fristående skolor som har skrivit under överenskommelsen.",
              "Share of the district's independent schools that have signed the agreement.",
              Unit.SHARE, _parties("independent"), at_least(1.0, 0.8), drill="schools.not_joined.independent"),
    Indicator("agreement.contact", Section.AGREEMENT, "Namngiven kontakt i socialtjänsten",
              "Named social-services contact",
              "Överenskommelsen namnger en kontaktperson i socialtjänsten för skolorna.",
              "The agreement names a contact in social services for the schools.",
              Unit.YES_NO, _contact, yes_green),
    # meetings
    Indicator("meetings.held", Section.MEETINGS, "Hållna möten av överenskomna", "Meetings held of those agreed",
              "Hållna möten (närvaro eller protokoll registrerat) delat med de möten överenskommelsen kräver under "
              "terminen.",
              "Meetings held (attendance or minutes recorded) divided by the meetings the agreement asks for in "
              "the term.",
              Unit.SHARE, _held_share, meetings_status, drill="meetings.held", per_form=True, headline=True),
    Indicator("meetings.on_course", Section.MEETINGS, "Hållna och kommande av överenskomna",
              "Held and coming of those agreed",
              "Hållna möten plus planerade möten som ännu inte har börjat, delat med de överenskomna.",
              "Meetings held plus planned meetings not yet begun, divided by those agreed.",
              Unit.SHARE, _on_course, meetings_status, drill="meetings.planned", per_form=True),
    Indicator("meetings.not_held", Section.MEETINGS, "Möten som inte hölls", "Meetings not held",
              "Möten som har passerat utan att vara inställda och där varken närvaro eller protokoll finns.",
              "Meetings that have passed, were not cancelled, and have neither attendance nor minutes.",
              Unit.COUNT, lambda f: count(f.meetings.not_held), at_most(0, 0), drill="meetings.not_held",
              per_form=True, headline=True),
    Indicator("meetings.cancelled", Section.MEETINGS, "Inställda möten", "Meetings cancelled",
              "Möten som arrangören har ställt in under terminen.",
              "Meetings the organiser cancelled during the term.",
              Unit.COUNT, lambda f: count(f.meetings.cancelled), no_status, drill="meetings.cancelled",
              per_form=True),
    # required functions
    Indicator("functions.complete", Section.FUNCTIONS, "Möten med alla krävda funktioner",
              "Meetings with every required function",
              "Andel av hållna möten med registrerad närvaro där varje krävd funktion var företrädd (en ersättare "
              "räknas; en skolfunktion krävs från varje inbjuden skola).",
              "Share of held meetings with attendance recorded where every required function was represented "
              "(a deputy counts; a school function is required of every invited school).",
              Unit.SHARE, lambda f: share(f.coverage.complete, f.coverage.counted), at_least(0.9, 0.7),
              drill="meetings.incomplete", per_form=True, headline=True),
    Indicator("functions.most_missing", Section.FUNCTIONS, "Oftast saknad funktion", "Function most often missing",
              "Den krävda funktion som saknades vid flest hållna möten.",
              "The required function missing at the most held meetings.",
              Unit.FUNCTION, _most_missing, no_status, drill="meetings.incomplete"),
    # schools
    Indicator("schools.invited.municipal", Section.SCHOOLS, "Kommunala skolor inbjudna", "Municipal schools invited",
              "Andel av de kommunala partsskolorna som bjöds in till minst ett möte under terminen.",
              "Share of the municipal party schools invited to at least one meeting in the term.",
              Unit.SHARE, school_share("municipal", lambda s: s.invited), at_least(1.0, 0.8),
              drill="schools.invited.municipal"),
    Indicator("schools.invited.independent", Section.SCHOOLS, "Fristående skolor inbjudna",
              "Independent schools invited",
              "Andel av de fristående partsskolorna som bjöds in till minst ett möte under terminen.",
              "Share of the independent party schools invited to at least one meeting in the term.",
              Unit.SHARE, school_share("independent", lambda s: s.invited), at_least(1.0, 0.8),
              drill="schools.invited.independent"),
    Indicator("schools.invited.gap", Section.SCHOOLS, "Skillnad inbjudna, kommunala − fristående",
              "Gap invited, municipal − independent",
              "Andelen inbjudna kommunala skolor minus andelen inbjudna fristående, i procentenheter.",
              "The share of municipal schools invited minus that of independent ones, in percentage points.",
              Unit.PERCENTAGE_POINTS, gap(lambda s: s.invited), gap_status),
    Indicator("schools.answered.municipal", Section.SCHOOLS, "Kommunala skolor som svarade",
              "Municipal schools that answered",
              "Andel av de kommunala partsskolorna där någon inbjuden svarade på minst en kallelse.",
              "Share of the municipal party schools where someone invited answered at least one invitation.",
              Unit.SHARE, school_share("municipal", lambda s: s.answered), at_least(0.9, 0.7),
              drill="schools.answered.municipal"),
    Indicator("schools.answered.independent", Section.SCHOOLS, "Fristående skolor som svarade",
              "Independent schools that answered",
              "Andel av de fristående partsskolorna där någon inbjuden svarade på minst en kallelse.",
              "Share of the independent party schools where someone invited answered at least one invitation.",
              Unit.SHARE, school_share("independent", lambda s: s.answered), at_least(0.9, 0.7),
              drill="schools.answered.independent"),
    Indicator("schools.answered.gap", Section.SCHOOLS, "Skillnad svarade, kommunala − fristående",
              "Gap answered, municipal − independent",
              "Andelen kommunala skolor som svarade minus andelen fristående, i procentenheter.",
              "The share of municipal schools that answered minus that of independent ones, in percentage points.",
              Unit.PERCENTAGE_POINTS, gap(lambda s: s.answered), gap_status),
    Indicator("schools.attended.municipal", Section.SCHOOLS, "Kommunala skolor som deltog",
              "Municipal schools that attended",
              "Andel av de kommunala partsskolorna som var företrädda (en ersättare räknas) vid minst ett hållet möte.",
              "Share of the municipal party schools represented (a deputy counts) at at least one held meeting.",
              Unit.SHARE, school_share("municipal", lambda s: s.attended), at_least(0.9, 0.7),
              drill="schools.attended.municipal", headline=True),
    Indicator("schools.attended.independent", Section.SCHOOLS, "Fristående skolor som deltog",
              "Independent schools that attended",
              "Andel av de fristående partsskolorna som var företrädda (en ersättare räknas) vid minst ett hållet möte.",
              "Share of the independent party schools represented (a deputy counts) at at least one held meeting.",
              Unit.SHARE, school_share("independent", lambda s: s.attended), at_least(0.9, 0.7),
              drill="schools.attended.independent", headline=True),
    Indicator("schools.attended.gap", Section.SCHOOLS, "Skillnad deltagande, kommunala − fristående",
              "Gap attended, municipal − independent",
              "Andelen kommunala skolor som deltog minus andelen fristående, i procentenheter; fristående skolor "
              "ska delta i samma utsträckning.",
              "The share of municipal schools that attended minus that of independent ones, in percentage points; "
              "independent schools are to take part to the same extent.",
              Unit.PERCENTAGE_POINTS, gap(lambda s: s.attended), gap_status, headline=True),
    # answers
    Indicator("answers.rate", Section.ANSWERS, "Svarsfrekvens", "Response rate",
              "Andel av kallelserna till publicerade möten som har besvarats (kommer, kanske, kommer inte eller "
              "ersättare).",
              "Share of the invitations to published meetings that were answered (accept, tentative, decline or "
              "deputy).",
              Unit.SHARE, lambda f: share(f.answers.answered, f.answers.invitations), at_least(0.9, 0.7),
              drill="people.unanswered", headline=True),
    Indicator("answers.median_days", Section.ANSWERS, "Tid till svar (median)", "Time to answer (median)",
              "Mediantiden från att mötet publicerades till att den inbjudna svarade, i dagar.",
              "The median time from the meeting's publishing to the invitee's answer, in days.",
              Unit.DAYS, lambda f: days(f.answers.median_days), at_most(7, 14)),
    Indicator("answers.by_link", Section.ANSWERS, "Svar via länken", "Answers by link",
              "Svar som gavs med ett klick på länken i kallelsen.",
              "Answers given with one click on the invitation's link.",
              Unit.COUNT, lambda f: count(f.answers.by_link), no_status),
    Indicator("answers.by_calendar", Section.ANSWERS, "Svar via kalendern", "Answers by calendar",
              "Svar som kom från den inbjudnas kalender (Outlook, Google, Apple).",
              "Answers that came from the invitee's calendar (Outlook, Google, Apple).",
              Unit.COUNT, lambda f: count(f.answers.by_calendar), no_status),
    Indicator("answers.by_organiser", Section.ANSWERS, "Svar registrerade av arrangören", "Answers recorded by the organiser",
              "Svar som arrangören registrerade åt den inbjudna.",
              "Answers the organiser recorded for the invitee.",
              Unit.COUNT, lambda f: count(f.answers.by_organiser), no_status),
    Indicator("answers.deputies", Section.ANSWERS, "Skickade ersättare", "Deputies sent",
              "Inbjudna som skickade en ersättare i sitt ställe.",
              "Invitees who sent a deputy in their place.",
              Unit.COUNT, lambda f: count(f.answers.deputies), no_status, drill="people.deputies"),
    # minutes
    Indicator("minutes.kept", Section.MINUTES, "Protokoll förda", "Minutes kept",
              "Andel av hållna möten som ska ha protokoll, och vars sista dag har passerat, där protokollet är "
              "registrerat.",
              "Share of held meetings that keep minutes, past their deadline, whose minutes are registered.",
              Unit.SHARE, lambda f: share(f.minutes.kept, f.minutes.due), at_least(0.9, 0.7),
              drill="meetings.minutes_missing", per_form=True, headline=True),
    Indicator("minutes.on_time", Section.MINUTES, "Protokoll i tid", "Minutes on time",
              "Andel av samma möten där protokollet registrerades senast den sista dag mötesformen anger.",
              "Share of the same meetings whose minutes were registered by the deadline the meeting form sets.",
              Unit.SHARE, lambda f: share(f.minutes.on_time, f.minutes.due), at_least(0.9, 0.7),
              drill="meetings.minutes_late", per_form=True, headline=True),
    Indicator("minutes.approved", Section.MINUTES, "Protokoll justerade", "Minutes approved",
              "Andel av de registrerade protokoll som ska justeras som har justerats.",
              "Share of the registered minutes that need approval which have been approved.",
              Unit.SHARE, lambda f: share(f.minutes.approved, f.minutes.to_approve), at_least(0.9, 0.7),
              drill="meetings.not_approved", per_form=True),
    Indicator("minutes.reported", Section.MINUTES, "Protokoll anmälda till nämnden", "Minutes reported to the committee",
              "Andel av de färdiga protokoll som ska anmälas till stadsdelsnämnden som har anmälts.",
              "Share of the final minutes that are to be reported to the district committee which have been "
              "reported.",
              Unit.SHARE, lambda f: share(f.minutes.reported, f.minutes.to_report), at_least(1.0, 0.5),
              drill="meetings.not_reported", per_form=True),
    Indicator("minutes.days_to_approval", Section.MINUTES, "Dagar till justering (median)",
              "Days to approval (median)",
              "Mediantiden från mötet till att protokollet justerades första gången, i dagar.",
              "The median time from the meeting to the first approval of its minutes, in days.",
              Unit.DAYS, lambda f: days(f.median_days_to_approval), no_status),
    Indicator("minutes.days_to_report", Section.MINUTES, "Dagar till anmälan (median)", "Days to report (median)",
              "Mediantiden från mötet till att protokollet anmäldes till nämnden första gången, i dagar.",
              "The median time from the meeting to the first report of its minutes to the committee, in days.",
              Unit.DAYS, lambda f: days(f.median_days_to_report), no_status),
    # action items
    Indicator("actions.open", Section.ACTIONS, "Öppna åtgärdspunkter", "Open action items",
              "Åtgärdspunkter från terminens möten som ännu inte är klara eller strukna.",
              "Action items from the term's meetings not yet done or dropped.",
              Unit.COUNT, lambda f: count(f.actions.open), no_status, drill="actions.open"),
    Indicator("actions.overdue", Section.ACTIONS, "Försenade åtgärdspunkter", "Overdue action items",
              "Öppna åtgärdspunkter vars klardatum har passerat.",
              "Open action items past their due day.",
              Unit.COUNT, lambda f: count(f.actions.overdue), at_most(0, 2), drill="actions.overdue"),
    Indicator("actions.closed_on_time", Section.ACTIONS, "Klara i tid", "Done on time",
              "Andel av de klara åtgärdspunkterna som blev klara senast sitt klardatum.",
              "Share of the action items done that were done by their due day.",
              Unit.SHARE, lambda f: share(f.actions.closed_on_time, f.actions.closed), at_least(0.9, 0.7),
              drill="actions.closed"),
    *_report_indicators(),
    # consultations: booked on demand, so counted, not judged
    Indicator("consultations.booked", Section.CONSULTATIONS, "Bokade konsultationer", "Consultations booked",
              "Konsultationer som stadsdelens skolor har bokat med sina bokningslänkar för terminens dagar; "
              "avbokade räknas inte.",
              "Consultations the district's schools booked with their booking links for the term's days; "
              "cancelled ones are not counted.",
              Unit.COUNT, lambda f: count(f.consultations.booked), no_status),
    Indicator("consultations.per_school.municipal", Section.CONSULTATIONS, "Konsultationer per kommunal skola",
              "Consultations per municipal school",
              "Bokade konsultationer från stadsdelens kommunala skolor delat med antalet kommunala skolor.",
              "Consultations booked by the district's municipal schools divided by the number of municipal schools.",
              Unit.PER_SCHOOL, _consultations_per_school("municipal"), no_status, headline=True),
    Indicator("consultations.per_school.independent", Section.CONSULTATIONS,
              "Konsultationer per fristående skola", "Consultations per independent school",
              "Bokade konsultationer från stadsdelens fristående skolor delat med antalet fristående skolor.",
              "Consultations booked by the district's independent schools divided by the number of independent "
              "schools.",
              Unit.PER_SCHOOL, _consultations_per_school("independent"), no_status, headline=True),
    Indicator("consultations.schools.municipal", Section.CONSULTATIONS, "Kommunala skolor som bokat konsultation",
              "Municipal schools that booked a consultation",
              "Andel av stadsdelens kommunala skolor som bokade minst en konsultation för terminen.",
              "Share of the district's municipal schools that booked at least one consultation for the term.",
              Unit.SHARE, _schools_consulting("municipal"), no_status),
    Indicator("consultations.schools.independent", Section.CONSULTATIONS,
              "Fristående skolor som bokat konsultation", "Independent schools that booked a consultation",
              "Andel av stadsdelens fristående skolor som bokade minst en konsultation för terminen.",
              "Share of the district's independent schools that booked at least one consultation for the term.",
              Unit.SHARE, _schools_consulting("independent"), no_status),
    Indicator("consultations.cancelled", Section.CONSULTATIONS, "Avbokade konsultationer", "Consultations cancelled",
              "Konsultationer för terminens dagar som bokaren eller mottagningsgruppen avbokade.",
              "Consultations for the term's days that the booker or the intake group cancelled.",
              Unit.COUNT, lambda f: count(f.consultations.cancelled), no_status),
    *_visit_indicators(),
)

BY_ID: dict[str, Indicator] = {indicator.id: indicator for indicator in INDICATORS}
HEADLINE: tuple[Indicator, ...] = tuple(i for i in INDICATORS if i.headline)
PER_FORM: tuple[Indicator, ...] = tuple(i for i in INDICATORS if i.per_form)


def status_name(status: Status, language: str = "sv") -> str:
    sv, en = STATUS_NAMES[status]
    return en if language == "en" else sv


def section_name(section: Section, language: str = "sv") -> str:
    sv, en = SECTION_NAMES[section]
    return en if language == "en" else sv


def in_section(section: Section) -> Sequence[Indicator]:
    return [i for i in INDICATORS if i.section is section]


def shown(figure: Figure, unit: Unit, language: str = "sv") -> str:
    """A figure as the views and the report write it: "75 %", "3 av 4", "ja", "4,5 dagar", "–"."""
    value = figure.value
    if value is None:
        return "–"
    if unit is Unit.YES_NO:
        return ("yes" if value else "no") if language == "en" else ("ja" if value else "nej")
    if unit is Unit.SHARE:
        return _decimal(f"{100 * value:.0f} %", language)
    if unit is Unit.PERCENTAGE_POINTS:
        return _decimal(f"{value:+.0f} pp" if language == "en" else f"{value:+.0f} procentenheter", language)
    if unit is Unit.DAYS:
        text = f"{value:.1f}".removesuffix(".0")
        return _decimal(f"{text} days" if language == "en" else f"{text} dagar", language)
    if unit is Unit.FUNCTION:
        return f"{value.label(language)} ({figure.numerator})"
    if unit is Unit.PER_SCHOOL:
        text = f"{value:.1f}".removesuffix(".0")
        return _decimal(f"{text} per school" if language == "en" else f"{text} per skola", language)
    return str(value)


def _decimal(text: str, language: str) -> str:
    return text if language == "en" else text.replace(".", ",").replace("-", "−")
