"""What changes when a version comes into force: a pure diff of two versions' plain values, and its words.

Meeting forms have no identity across versions (a new version copies them with new ids),
so a form is matched by its name (ignoring case and spacing), and a form left over on both
sides is matched by its kind when it is the only one of that kind left on each side: a
renamed form then shows as changed, not as removed and added. Parties are matched by school.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, time
from typing import Any

from coordinator.agreements.document import (
    CADENCES, FORM_KINDS, INDIVIDUAL_CASES, SCOPES, WEEKDAYS, Contact, FormValues, PartyValues, Translate,
    VersionValues, cadence_text, clock, swedish,
)
from coordinator.agreements.models import Cadence, FormKind, IndividualCases, Scope
from coordinator.i18n import N_
from coordinator.org.functions import Function


@dataclass(frozen=True)
class FieldChange:
    """One field that differs. `field` is a field of the values, or a combined one (see FORM_FIELDS)."""
    field: str
    before: Any
    after: Any


@dataclass(frozen=True)
class FormChange:
    name: str  # the form's name in the new version
    changes: tuple[FieldChange, ...]


@dataclass(frozen=True)
class PartyChange:
    school: str
    changes: tuple[FieldChange, ...]


@dataclass(frozen=True)
class VersionDiff:
    header: tuple[FieldChange, ...] = ()
    forms_added: tuple[FormValues, ...] = ()
    forms_removed: tuple[FormValues, ...] = ()
    forms_changed: tuple[FormChange, ...] = ()
    parties_added: tuple[PartyValues, ...] = ()
    parties_removed: tuple[PartyValues, ...] = ()
    parties_changed: tuple[PartyChange, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not any(getattr(self, f.name) for f in dataclasses.fields(self))


def _frequency(form: FormValues) -> tuple[Cadence, int | None]:
    # the count means nothing for monthly and on-demand forms, so a change of it is no change
    counted = form.cadence in (Cadence.PER_TERM, Cadence.PER_YEAR)
    return form.cadence, form.cadence_count if counted else None


def _window(form: FormValues) -> tuple[time | None, time | None]:
    return form.window_start, form.window_end


def _field(name: str) -> Callable[[FormValues], Any]:
    return lambda form: getattr(form, name)


# The compared fields of a meeting form, in the order a reader meets them. Cadence and count
# read as one ("3 gånger per termin"), so do the window's start and end, and the invited and
# required functions compare as sets.
FORM_FIELDS: tuple[tuple[str, Callable[[FormValues], Any]], ...] = (
    ("name", _field("name")), ("kind", _field("kind")), ("purpose", _field("purpose")),
    ("scope", _field("scope")), ("group", _field("group")),
    ("frequency", _frequency), ("duration_minutes", _field("duration_minutes")),
    ("preferred_weekday", _field("preferred_weekday")), ("window", _window),
    ("place", _field("place")), ("video_url", _field("video_url")),
    ("convener_function", _field("convener_function")),
    ("minutes_keeper_function", _field("minutes_keeper_function")),
    ("invited", lambda form: frozenset(form.invited)), ("required", lambda form: frozenset(form.required)),
    ("individual_cases", _field("individual_cases")),
    ("requires_minutes", _field("requires_minutes")), ("minutes_due_days", _field("minutes_due_days")),
    ("requires_approval", _field("requires_approval")), ("reports_to_committee", _field("reports_to_committee")),
    ("invite_lead_days", _field("invite_lead_days")), ("rsvp_reminder_days", _field("rsvp_reminder_days")),
    ("pre_meeting_reminder_hours", _field("pre_meeting_reminder_hours")),
    ("minutes_reminder_days", _field("minutes_reminder_days")),
    ("minutes_reminder_repeat_days", _field("minutes_reminder_repeat_days")),
    ("minutes_escalation_days", _field("minutes_escalation_days")),
)
# the fields of FormValues each compared field reads (a test keeps this complete)
FORM_FIELDS_READ = {
    "frequency": ("cadence", "cadence_count"), "window": ("window_start", "window_end"),
}
HEADER_FIELDS = ("valid_from_on", "valid_to_on", "revision_due_on", "contact")
PARTY_FIELDS = ("signed_on", "signed_by")


def _contact_id(contact: Contact | None) -> int | None:
    return contact.id if contact is not None else None


def diff_versions(before: VersionValues | None, after: VersionValues) -> VersionDiff:
    """What `after` changes against `before` (None: there is no version in force, so all is new)."""
    if before is None:
        return VersionDiff(forms_added=after.forms, parties_added=after.parties)
    header = tuple(
        FieldChange(name, getattr(before, name), getattr(after, name))
        for name in HEADER_FIELDS
        if (_contact_id(before.contact) != _contact_id(after.contact) if name == "contact"
            else getattr(before, name) != getattr(after, name))
    )
    pairs, added, removed = match_forms(before.forms, after.forms)
    changed = []
    for old, new in pairs:
        changes = tuple(FieldChange(name, read(old), read(new))
                        for name, read in FORM_FIELDS if read(old) != read(new))
        if changes:
            changed.append(FormChange(new.name, changes))
    old_parties = {p.school_id: p for p in before.parties}
    new_parties = {p.school_id: p for p in after.parties}
    party_changes = []
    for school_id, new_party in new_parties.items():
        old_party = old_parties.get(school_id)
        if old_party is None:
            continue
        changes = tuple(FieldChange(name, getattr(old_party, name), getattr(new_party, name))
                        for name in PARTY_FIELDS if getattr(old_party, name) != getattr(new_party, name))
        if changes:
            party_changes.append(PartyChange(new_party.school, changes))
    return VersionDiff(
        header=header,
        forms_added=tuple(added), forms_removed=tuple(removed), forms_changed=tuple(changed),
        parties_added=tuple(p for s, p in new_parties.items() if s not in old_parties),
        parties_removed=tuple(p for s, p in old_parties.items() if s not in new_parties),
        parties_changed=tuple(party_changes),
    )


def _name_key(form: FormValues) -> str:
    return " ".join(form.name.split()).casefold()


def match_forms(
    before: Sequence[FormValues], after: Sequence[FormValues]
) -> tuple[list[tuple[FormValues, FormValues]], list[FormValues], list[FormValues]]:
    """(old, new) pairs in the new order, the new forms left over, and the old forms left over."""
    unmatched_before = list(before)
    pairs: dict[int, FormValues] = {}  # index in `after` -> its old form
    for i, form in enumerate(after):
        old = next((o for o in unmatched_before if _name_key(o) == _name_key(form)), None)
        if old is not None:
            pairs[i] = old
            unmatched_before.remove(old)
    unmatched_after = [i for i in range(len(after)) if i not in pairs]
    for i in unmatched_after:
        kind = after[i].kind
        same_after = [j for j in unmatched_after if after[j].kind is kind and j not in pairs]
        same_before = [o for o in unmatched_before if o.kind is kind]
        if len(same_after) == 1 and len(same_before) == 1:
            pairs[i] = same_before[0]
            unmatched_before.remove(same_before[0])
    return ([(pairs[i], after[i]) for i in range(len(after)) if i in pairs],
            [after[i] for i in range(len(after)) if i not in pairs],
            unmatched_before)


# --- in words -----------------------------------------------------------------------------

FIELD_LABELS = {
    "name": N_("Namn"), "kind": N_("Typ"), "purpose": N_("Syfte"), "scope": N_("Omfattning"),
    "group": N_("Grupp"), "frequency": N_("Hur ofta"), "duration_minutes": N_("Längd"),
    "preferred_weekday": N_("Veckodag"), "window": N_("Tidsfönster"), "place": N_("Plats"),
    "video_url": N_("Videolänk"), "convener_function": N_("Sammankallande"),
    "minutes_keeper_function": N_("Protokollförare"), "invited": N_("Inbjudna funktioner"),
    "required": N_("Funktioner som krävs"), "individual_cases": N_("Enskilda ärenden"),
    "requires_minutes": N_("Protokollföring"), "minutes_due_days": N_("Tid för protokollet"),
    "requires_approval": N_("Justering av protokollet"),
    "reports_to_committee": N_("Rapportering till stadsdelsnämnden"),
    "invite_lead_days": N_("Kallelse före mötet"), "rsvp_reminder_days": N_("Påminnelse om svar"),
    "pre_meeting_reminder_hours": N_("Påminnelse före mötet"),
    "minutes_reminder_days": N_("Påminnelse om protokollet"),
    "minutes_reminder_repeat_days": N_("Upprepad påminnelse om protokollet"),
    "minutes_escalation_days": N_("Eskalering av saknat protokoll"),
    "valid_from_on": N_("Gäller från"), "valid_to_on": N_("Gäller till och med"),
    "revision_due_on": N_("Revideras senast"), "contact": N_("Kontakt i socialtjänsten"),
    "signed_on": N_("Undertecknad"), "signed_by": N_("Undertecknad av"),
}
_DAYS = ("invite_lead_days", "rsvp_reminder_days", "minutes_reminder_days", "minutes_reminder_repeat_days",
         "minutes_escalation_days", "minutes_due_days")
_LONG_TEXT = 80


def value_text(name: str, value: Any, translate: Translate = swedish, language: str = "sv") -> str:
    """A field's value as a reader says it."""
    t = translate
    if name == "window":
        start, end = value
        return f"{clock(start)}–{clock(end)}" if start is not None and end is not None else t(N_("inget"))
    if name == "frequency":
        cadence, count = value
        return cadence_text(cadence, count or 1, t)
    if value is None or value == "":
        return t(N_("inget"))
    if isinstance(value, bool):
        return t(N_("ja")) if value else t(N_("nej"))
    if isinstance(value, Function):
        return value.label(language)
    if isinstance(value, FormKind):
        return t(FORM_KINDS[value])
    if isinstance(value, Scope):
        return t(SCOPES[value])
    if isinstance(value, Cadence):
        return t(CADENCES[value])
    if isinstance(value, IndividualCases):
        return t(INDIVIDUAL_CASES[value])
    if isinstance(value, Contact):
        return value.name
    if isinstance(value, date):
        return value.isoformat()
    if name == "preferred_weekday":
        return t(WEEKDAYS[value])
    if name == "duration_minutes":
        return t(N_("%(num)d minuter")) % {"num": value}
    if name == "pre_meeting_reminder_hours":
        return t(N_("%(num)d timmar")) % {"num": value}
    if name in _DAYS:
        return t(N_("%(num)d dagar")) % {"num": value}
    text = str(value)
    if len(text) > _LONG_TEXT:
        text = text[:_LONG_TEXT - 1].rstrip() + "…"
    return f"”{text}”"


def describe(change: FieldChange, translate: Translate = swedish, language: str = "sv") -> str:
    """One change as a sentence, e.g. "Längd ändras från 120 minuter till 90 minuter."."""
    t = translate
    label = t(FIELD_LABELS[change.field])
    if change.field in ("invited", "required"):
        order = list(Function)
        added = sorted(change.after - change.before, key=order.index)
        removed = sorted(change.before - change.after, key=order.index)
        names = {"added": ", ".join(f.label(language) for f in added),
                 "removed": ", ".join(f.label(language) for f in removed), "field": label}
        if added and removed:
            return t(N_("%(field)s: %(added)s läggs till, %(removed)s tas bort.")) % names
        if added:
            return t(N_("%(field)s: %(added)s läggs till.")) % names
        return t(N_("%(field)s: %(removed)s tas bort.")) % names
    return t(N_("%(field)s ändras från %(before)s till %(after)s.")) % {
        "field": label,
        "before": value_text(change.field, change.before, t, language),
        "after": value_text(change.field, change.after, t, language),
    }
