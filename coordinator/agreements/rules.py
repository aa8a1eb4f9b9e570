"""What a meeting form and an agreement version must satisfy, in words: pure rules, field -> message.

The editor's forms call these before saving and the services call them again before
writing, so a rule holds whichever way a change comes in. Values are plain: enum fields
may be given as members or as their codes (what a browser sends), numbers as int or None,
times as `datetime.time` or None. A message is a Swedish template marked for translation
with its parameters; the UI translates the template and fills them in.
"""
from __future__ import annotations

import enum
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, time
from typing import Any

from coordinator.agreements.models import Cadence, FormKind, IndividualCases, Scope
from coordinator.i18n import N_, DomainError
from coordinator.org.functions import Function
from coordinator.planning.planner import DEFAULT_WINDOW_END, DEFAULT_WINDOW_START

# A school term is about 20 teaching weeks; a reminder or deadline further away than that
# belongs to another term and is almost always a typing mistake (140 for 14).
TERM_DAYS = 20 * 7
# At most about one meeting per school week.
MAX_PER_TERM = 20
MAX_PER_YEAR = 40
CONTACT_NOT_LISTED = N_("Välj kontakten bland personerna i listan.")
MAX_LENGTHS = {"name": 200, "place": 300, "video_url": 500, "purpose": 4000}


@dataclass(frozen=True)
class Message:
    """A rule broken, in words: a Swedish template (the msgid) and its parameters."""
    template: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def text(self, translate: Callable[[str], str] = lambda s: s) -> str:
        template = translate(self.template)
        return template % dict(self.params) if self.params else template

    def __str__(self) -> str:
        return self.text()


class RulesBroken(DomainError):
    """Raised by a service when values break the rules; `problems` maps each field to its message."""

    def __init__(self, problems: Mapping[str, Message]) -> None:
        self.problems = dict(problems)
        first = next(iter(self.problems.values()))
        super().__init__(first.template, **first.params)


@dataclass(frozen=True)
class FormContext:
    """What the rules need to know of the version a meeting form belongs to."""
    party_count: int
    group_ids: frozenset[int] = frozenset()  # the school groups the form may name
    is_city_level: bool = False
    bus_group_ids: frozenset[int] = frozenset()  # those of them that are BUS groups (cases only with consent)


def _code(value: Any) -> Any:
    return value.value if isinstance(value, enum.Enum) else value


def _member(enum_cls: type[enum.Enum], value: Any) -> Any:
    """The member of `enum_cls` for a member or a code; None when it is neither."""
    if isinstance(value, enum_cls):
        return value
    try:
        return enum_cls(value)
    except ValueError:
        return None


def _label(function: Function, language: str) -> str:
    return function.label(language)


def _clock(value: time) -> str:
    return value.strftime("%H:%M")


def _minutes(value: time) -> int:
    return value.hour * 60 + value.minute


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def check_meeting_form(
    values: Mapping[str, Any], context: FormContext, *, language: str = "sv"
) -> dict[str, Message]:
    """Each field of a meeting form that breaks a rule, with why, in the order of the editor's fields.

    `values` has the keys of `default_form(kind)`, except that the functions may come as
    `invited_functions` and `required_functions` (lists of codes, as the editor sends them)
    instead of `functions` (function -> whether it is required).
    """
    problems: dict[str, Message] = {}

    def problem(name: str, template: str, **params: Any) -> None:
        problems.setdefault(name, Message(template, params))

    kind = _member(FormKind, values.get("kind"))
    if kind is None:
        problem("kind", N_("Välj vilken typ av mötesform det är."))
    _check_texts(values, problem)
    _check_scope(values, context, problem)
    _check_cadence(values, problem)
    _check_time(values, problem)
    _check_functions(values, problem, language)
    _check_individual_cases_and_minutes(values, kind, context, problem)
    _check_reminders(values, problem)
    order = list(FIELD_ORDER)
    return dict(sorted(problems.items(), key=lambda item: order.index(item[0]) if item[0] in order else len(order)))


FIELD_ORDER = (
    "kind", "name", "purpose", "scope", "group_id", "cadence", "cadence_count", "duration_minutes",
    "preferred_weekday", "window_start", "window_end", "place", "video_url", "convener_function",
    "minutes_keeper_function", "invited_functions", "required_functions", "individual_cases",
    "requires_minutes", "minutes_due_days", "requires_approval", "reports_to_committee",
    "invite_lead_days", "rsvp_reminder_days", "pre_meeting_reminder_hours", "minutes_reminder_days",
    "minutes_reminder_repeat_days", "minutes_escalation_days",
)

Problem = Callable[..., None]


def _check_texts(values: Mapping[str, Any], problem: Problem) -> None:
    if _blank(values.get("name")):
        problem("name", N_("Ange mötesformens namn, som det ska stå i överenskommelsen."))
    for name, limit in MAX_LENGTHS.items():
        text = values.get(name) or ""
        if len(text) > limit:
            problem(name, N_("Texten är %(length)d tecken lång; högst %(max)d får plats."),
                    length=len(text), max=limit)
    url = (values.get("video_url") or "").strip()
    if url and not url.lower().startswith(("https://", "http://")):
        problem("video_url", N_("Ange videolänken som en webbadress som börjar med https://."))


def _check_scope(values: Mapping[str, Any], context: FormContext, problem: Problem) -> None:
    scope = _member(Scope, values.get("scope"))
    group_id = values.get("group_id")
    if scope is None:
        problem("scope", N_("Välj vilka mötesformen gäller: hela stadsdelen, varje skola, en grupp av "
                            "skolor eller hela staden."))
    elif scope is Scope.PER_SCHOOL and context.party_count == 0:
        problem("scope", N_("En mötesform för varje skola behöver skolor som är parter, och versionen har "
                            "inga ännu. Lägg till parterna först, eller välj en annan omfattning."))
    elif scope is Scope.CITY and not context.is_city_level:
        problem("scope", N_("”Hela staden” gäller bara stadsövergripande överenskommelser. Välj en "
                            "omfattning inom stadsdelen."))
    elif scope is Scope.GROUP and group_id is None:
        if context.group_ids:
            problem("group_id", N_("En mötesform för en grupp av skolor behöver en grupp. Välj gruppen."))
        else:
            problem("scope", N_("Det finns inga skolgrupper i stadsdelen ännu. Välj en annan omfattning."))
    if group_id is not None and group_id not in context.group_ids:
        problem("group_id", N_("Den valda gruppen finns inte i stadsdelen. Välj en grupp i listan."))


# whole sentences per cadence, so that each translates as a sentence
_COUNT_MISSING = {
    Cadence.PER_TERM: N_("Ange hur många gånger per termin mötet hålls."),
    Cadence.PER_YEAR: N_("Ange hur många gånger per år mötet hålls."),
}
_COUNT_TOO_LOW = {
    Cadence.PER_TERM: N_("Ett planerat möte hålls minst en gång per termin; %(count)d går inte. "
                         "Ange 1 eller fler, eller välj ”vid behov”."),
    Cadence.PER_YEAR: N_("Ett planerat möte hålls minst en gång per år; %(count)d går inte. "
                         "Ange 1 eller fler, eller välj ”vid behov”."),
}
_COUNT_TOO_HIGH = {
    Cadence.PER_TERM: N_("%(count)d gånger per termin är oftare än en gång i veckan. Ange högst %(max)d."),
    Cadence.PER_YEAR: N_("%(count)d gånger per år är oftare än en gång i veckan. Ange högst %(max)d."),
}
_COUNT_MAX = {Cadence.PER_TERM: MAX_PER_TERM, Cadence.PER_YEAR: MAX_PER_YEAR}


def _check_cadence(values: Mapping[str, Any], problem: Problem) -> None:
    cadence = _member(Cadence, values.get("cadence"))
    count = values.get("cadence_count")
    if cadence is None:
        problem("cadence", N_("Välj hur ofta mötet hålls."))
    elif cadence in _COUNT_MAX:  # monthly and on-demand forms do not read the count
        if count is None:
            problem("cadence_count", _COUNT_MISSING[cadence])
        elif count < 1:
            problem("cadence_count", _COUNT_TOO_LOW[cadence], count=count)
        elif count > _COUNT_MAX[cadence]:
            problem("cadence_count", _COUNT_TOO_HIGH[cadence], count=count, max=_COUNT_MAX[cadence])


def _check_time(values: Mapping[str, Any], problem: Problem) -> None:
    duration = values.get("duration_minutes")
    start, end = values.get("window_start"), values.get("window_end")
    weekday = values.get("preferred_weekday")
    if duration is None:
        problem("duration_minutes", N_("Ange hur många minuter mötet tar."))
    elif duration <= 0:
        problem("duration_minutes", N_("Ett möte tar mer än 0 minuter; %(minutes)d går inte."), minutes=duration)
    if weekday is not None and weekday not in range(7):
        problem("preferred_weekday", N_("Välj en veckodag i listan, eller ingen."))
    if (start is None) != (end is None):
        missing = "window_start" if start is None else "window_end"
        problem(missing, N_("Ange både när tidsfönstret börjar och när det slutar, eller lämna båda tomma "
                            "(då gäller 09:00–16:00)."))
        return
    if start is not None and end is not None and _minutes(end) <= _minutes(start):
        problem("window_end", N_("Tidsfönstret måste sluta efter att det börjar: %(end)s är inte efter "
                                 "%(start)s."), start=_clock(start), end=_clock(end))
        return
    first, last = (start, end) if start is not None else (DEFAULT_WINDOW_START, DEFAULT_WINDOW_END)
    room = _minutes(last) - _minutes(first)
    if duration is not None and duration > 0 and duration > room:
        problem("duration_minutes", N_("Mötet tar %(minutes)d minuter, men tidsfönstret %(start)s–%(end)s "
                                       "rymmer bara %(room)d. Korta mötet eller vidga tidsfönstret."),
                minutes=duration, start=_clock(first), end=_clock(last), room=room)


def _functions(values: Mapping[str, Any]) -> tuple[list[Any], list[Any]]:
    """The invited and the required function codes (or members), from either shape of `values`."""
    if "functions" in values:
        functions: Mapping[Any, bool] = values["functions"] or {}
        return list(functions), [f for f, required in functions.items() if required]
    return list(values.get("invited_functions") or []), list(values.get("required_functions") or [])


def _check_functions(values: Mapping[str, Any], problem: Problem, language: str) -> None:
    invited, required = _functions(values)
    invited_members = {_member(Function, f) for f in invited} - {None}

    unknown = [str(_code(f)) for f in invited if _member(Function, f) is None]
    if unknown:
        problem("invited_functions", N_("”%(codes)s” finns inte i funktionskatalogen."), codes="”, ”".join(unknown))
    elif not invited:
        problem("invited_functions", N_("Bjud in minst en funktion."))

    unknown = [str(_code(f)) for f in required if _member(Function, f) is None]
    if unknown:
        problem("required_functions", N_("”%(codes)s” finns inte i funktionskatalogen och kan inte krävas."),
                codes="”, ”".join(unknown))
    else:
        not_invited = [_member(Function, f) for f in required if _member(Function, f) not in invited_members]
        if not_invited:
            problem("required_functions", N_("%(functions)s krävs men är inte inbjuden. Bjud in funktionen "
                                             "eller ta bort kravet."),
                    functions=", ".join(_label(f, language) for f in not_invited))

    for name, template_missing, template_not_invited in (
        ("convener_function", N_("Välj vilken funktion som kallar till mötet."),
         N_("Den sammankallande, %(function)s, måste vara bland de inbjudna funktionerna.")),
        ("minutes_keeper_function", None,
         N_("Den som för protokollet, %(function)s, måste vara bland de inbjudna funktionerna.")),
    ):
        value = values.get(name)
        if _blank(value):
            if template_missing:
                problem(name, template_missing)
            continue
        function = _member(Function, value)
        if function is None:
            problem(name, N_("”%(code)s” finns inte i funktionskatalogen."), code=str(_code(value)))
        elif invited_members and function not in invited_members:
            problem(name, template_not_invited, function=_label(function, language))


def _check_individual_cases_and_minutes(
    values: Mapping[str, Any], kind: FormKind | None, context: FormContext, problem: Problem
) -> None:
    cases = _member(IndividualCases, values.get("individual_cases"))
    requires_minutes = bool(values.get("requires_minutes"))
    if cases is None:
        problem("individual_cases", N_("Välj om enskilda ärenden får tas upp."))
    elif kind is FormKind.OVERARCHING_FORUM and cases is not IndividualCases.NONE:
        problem("individual_cases", N_("I det övergripande samverkansforumet tas enskilda ärenden aldrig upp. "
                                       "Välj ”Inga enskilda ärenden”."))
    elif (_member(Scope, values.get("scope")) is Scope.GROUP and values.get("group_id") in context.bus_group_ids
          and cases is not IndividualCases.WITH_CONSENT):
        problem("individual_cases", N_("En BUS-grupp tar upp enskilda ärenden med vårdnadshavarnas samtycke. "
                                       "Välj ”Enskilda ärenden med samtycke”."))
    if kind is FormKind.OVERARCHING_FORUM and not requires_minutes:
        problem("requires_minutes", N_("Det övergripande samverkansforumet för alltid protokoll."))
    if requires_minutes:
        due = values.get("minutes_due_days")
        if due is None or due < 1:
            problem("minutes_due_days", N_("Ange inom hur många dagar efter mötet protokollet ska vara klart "
                                           "(minst 1)."))
        elif due > TERM_DAYS:
            problem("minutes_due_days", N_("%(days)d dagar är längre än en termin (ungefär 20 veckor). "
                                           "Ange högst %(max)d dagar."), days=due, max=TERM_DAYS)
    else:
        for name in ("requires_approval", "reports_to_committee"):
            if values.get(name):
                problem(name, N_("Utan protokoll finns inget att justera eller rapportera. Kryssa i att "
                                 "protokoll förs, eller kryssa ur det här."))
    if (kind is FormKind.OVERARCHING_FORUM and requires_minutes and not context.is_city_level
            and not values.get("reports_to_committee")):
        problem("reports_to_committee", N_("Protokollet från det övergripande samverkansforumet rapporteras "
                                           "till stadsdelsnämnden."))


# reminder fields: (name, required, smallest allowed, unit is hours)
_REMINDERS = (
    ("invite_lead_days", True, 1, False),
    ("rsvp_reminder_days", False, 0, False),
    ("pre_meeting_reminder_hours", False, 0, True),
    ("minutes_reminder_days", False, 0, False),
    ("minutes_reminder_repeat_days", False, 1, False),
    ("minutes_escalation_days", False, 0, False),
)


def _check_reminders(values: Mapping[str, Any], problem: Problem) -> None:
    for name, required, smallest, in_hours in _REMINDERS:
        value = values.get(name)
        if value is None:
            if required:
                problem(name, N_("Ange hur många dagar före mötet inbjudan skickas."))
            continue
        if value < smallest:
            problem(name, N_("Ange %(min)d eller fler, eller lämna tomt för ingen påminnelse.")
                    if not required else N_("Ange %(min)d eller fler."), min=smallest)
        elif in_hours and value > TERM_DAYS * 24:
            problem(name, N_("%(hours)d timmar är längre än en termin (ungefär 20 veckor). "
                             "Ange högst %(max)d timmar."), hours=value, max=TERM_DAYS * 24)
        elif not in_hours and value > TERM_DAYS:
            problem(name, N_("%(days)d dagar är längre än en termin (ungefär 20 veckor). "
                             "Ange högst %(max)d dagar."), days=value, max=TERM_DAYS)
    # the reminder to answer comes after the invitation, so it is fewer days before the meeting
    invite, rsvp = values.get("invite_lead_days"), values.get("rsvp_reminder_days")
    if invite is not None and rsvp is not None and 1 <= invite <= TERM_DAYS and 0 <= rsvp <= TERM_DAYS \
            and rsvp >= invite:
        problem("rsvp_reminder_days", N_("Påminnelsen om att svara (%(rsvp)d dagar före mötet) måste komma "
                                         "efter inbjudan (%(invite)d dagar före). Ange färre dagar."),
                rsvp=rsvp, invite=invite)


def check_next_revision(revision: date | None, *, current: date | None, today: date,
                        required: bool = False) -> Message | None:
    """What is wrong with a version's revision date, if anything: it must come after the revision date
    of the version in force (`current`), which it replaces, and after `today`; `required` for a revision."""
    if revision is None:
        return Message(N_("Ange när den nya versionen ska revideras senast.")) if required else None
    if current is not None and revision <= current:
        return Message(N_("Nästa revision måste vara senare än den gällande versionens, %(current)s."),
                       {"current": current.isoformat()})
    if revision <= today:
        return Message(N_("Nästa revision måste vara efter i dag, %(today)s."), {"today": today.isoformat()})
    return None


def check_header(
    values: Mapping[str, Any], *, contact_ids: Collection[int], today: date | None = None,
    current_revision_due_on: date | None = None,
) -> dict[str, Message]:
    """The header fields (validity, revision date, contact) that break a rule, with why.

    Given `today`, the revision date must also be later than today and than the revision date of the
    version in force (`current_revision_due_on`) — the services give it; a form alone cannot know it.
    """
    problems: dict[str, Message] = {}
    start: date | None = values.get("valid_from_on")
    end: date | None = values.get("valid_to_on")
    revision: date | None = values.get("revision_due_on")
    contact = values.get("contact_person_id")
    if start is not None and end is not None and end <= start:
        problems["valid_to_on"] = Message(
            N_("Överenskommelsen måste sluta gälla efter att den börjar gälla (%(start)s)."),
            {"start": start.isoformat()})
    if revision is not None and start is not None and revision < start:
        problems["revision_due_on"] = Message(
            N_("Revisionen kan inte vara före dagen då överenskommelsen börjar gälla (%(start)s)."),
            {"start": start.isoformat()})
    elif revision is not None and end is not None and "valid_to_on" not in problems and revision > end:
        problems["revision_due_on"] = Message(
            N_("Revidera senast när överenskommelsen slutar gälla (%(end)s)."), {"end": end.isoformat()})
    if today is not None and "revision_due_on" not in problems:
        late = check_next_revision(revision, current=current_revision_due_on, today=today)
        if late is not None:
            problems["revision_due_on"] = late
    if contact is not None and contact not in contact_ids:
        problems["contact_person_id"] = Message(CONTACT_NOT_LISTED)
    return problems


@dataclass(frozen=True)
class ActivationProblem:
    """Why a version cannot be activated yet; `form` names the meeting form it concerns, if any."""
    message: Message
    form: str | None = None


def check_activation(
    header: Mapping[str, Any], forms: Iterable[tuple[str, Mapping[str, Any]]], context: FormContext,
    *, contact_ids: Collection[int], language: str = "sv", today: date | None = None,
    current_revision_due_on: date | None = None,
) -> list[ActivationProblem]:
    """Everything that stops a draft from coming into force; empty when it may be activated.

    `forms` are the version's meeting forms as (name, values); `context` is the version's;
    `today` and `current_revision_due_on` as for `check_header`.
    """
    problems: list[ActivationProblem] = []
    if header.get("valid_from_on") is None:
        problems.append(ActivationProblem(Message(N_("Ange från vilket datum versionen gäller."))))
    if header.get("revision_due_on") is None:
        problems.append(ActivationProblem(Message(N_("Ange när versionen ska revideras senast."))))
    if header.get("contact_person_id") is None:
        problems.append(ActivationProblem(Message(N_("Ange en kontakt i socialtjänsten för skolorna."))))
    problems.extend(ActivationProblem(m) for m in check_header(
        header, contact_ids=contact_ids, today=today, current_revision_due_on=current_revision_due_on).values())
    if not context.is_city_level and context.party_count == 0:
        problems.append(ActivationProblem(Message(N_("Ingen skola är part i versionen ännu."))))
    forms = list(forms)
    if not forms:
        problems.append(ActivationProblem(Message(N_("Versionen har inga mötesformer."))))
    for name, values in forms:
        problems.extend(ActivationProblem(m, name)
                        for m in check_meeting_form(values, context, language=language).values())
    return problems


def check_party(values: Mapping[str, Any], *, school_ids: Collection[int]) -> dict[str, Message]:
    """A school joining a version: one of `school_ids` (the schools that may still join)."""
    problems: dict[str, Message] = {}
    school_id = values.get("school_id")
    if school_id is None:
        problems["school_id"] = Message(N_("Välj skolan som ansluter sig."))
    elif school_id not in school_ids:
        problems["school_id"] = Message(N_("Skolan kan inte bli part: den är redan part, nedlagd eller hör till "
                                           "en annan stadsdel. Välj en skola i listan."))
    signed_by = values.get("signed_by") or ""
    if len(signed_by) > 200:
        problems["signed_by"] = Message(N_("Texten är %(length)d tecken lång; högst %(max)d får plats."),
                                        {"length": len(signed_by), "max": 200})
    return problems


def check_title(title: str | None) -> dict[str, Message]:
    """The title of a new agreement."""
    if _blank(title):
        return {"title": Message(N_("Ange överenskommelsens titel."))}
    if len(title or "") > 200:
        return {"title": Message(N_("Texten är %(length)d tecken lång; högst %(max)d får plats."),
                                 {"length": len(title or ""), "max": 200})}
    return {}


def normalise_form_values(values: Mapping[str, Any]) -> dict[str, Any]:
    """The values as they are stored: what a field means nothing for is set to what it means nothing as.

    A group only for a group-scoped form; the count of a monthly or on-demand form is not
    read, so a blank or zero becomes 1 (the planner refuses 0); a form without minutes has
    no minutes reminders, and keeps the stored default of its minutes deadline.
    """
    result = dict(values)
    if _member(Scope, result.get("scope")) is not Scope.GROUP:
        result["group_id"] = None
    if _member(Cadence, result.get("cadence")) in (Cadence.MONTHLY, Cadence.ON_DEMAND):
        count = result.get("cadence_count")
        if count is None or count < 1:
            result["cadence_count"] = 1
    if "requires_minutes" in result and not result["requires_minutes"]:
        for name in ("minutes_reminder_days", "minutes_reminder_repeat_days", "minutes_escalation_days"):
            result[name] = None
        if result.get("minutes_due_days") is None:
            result["minutes_due_days"] = 14
    for name in ("name", "place", "video_url", "purpose"):
        if isinstance(result.get(name), str):
            result[name] = result[name].strip()
    for name in ("place", "video_url"):
        if name in result and not result[name]:
            result[name] = None
    return result
