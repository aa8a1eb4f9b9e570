"""Sensible defaults per meeting-form kind, from the seeds' meeting structure (DOMAIN.md).

`default_form(kind)` gives the field values of a new meeting form, so a new agreement is a
few clicks: every column of `MeetingForm` except ids and position, plus `functions`
(function -> whether it is required). The values are starting points a district edits.
Conventions kept for every kind: the convener and the minutes keeper are among the
invited functions, and forms that may not keep minutes have no minutes reminders.
"""
from __future__ import annotations

from datetime import time
from typing import Any

from coordinator.agreements.models import Cadence, FormKind, IndividualCases, Scope
from coordinator.org.functions import Function as F

REQUIRED, INVITED = True, False

# Field values common to most forms; each kind below overrides what differs.
_BASE: dict[str, Any] = {
    "purpose": "",
    "scope": Scope.DISTRICT,
    "group_id": None,
    "cadence": Cadence.PER_TERM,
    "cadence_count": 1,  # on-demand forms keep 1 too: it is not read there, and 0 reads as an error
    "duration_minutes": 90,
    "preferred_weekday": None,
    "window_start": time(9, 0),
    "window_end": time(16, 0),
    "place": None,
    "video_url": None,
    "minutes_keeper_function": None,
    "individual_cases": IndividualCases.NONE,
    "requires_minutes": True,
    "minutes_due_days": 14,
    "requires_approval": True,
    "reports_to_committee": False,
    "invite_lead_days": 21,
    "rsvp_reminder_days": 7,
    "pre_meeting_reminder_hours": 24,
    "minutes_reminder_days": 3,
    "minutes_reminder_repeat_days": 3,
    "minutes_escalation_days": 14,
}

# Forms whose minutes live elsewhere (or nowhere): no minutes, so no minutes reminders.
_NO_MINUTES: dict[str, Any] = {
    "requires_minutes": False,
    "requires_approval": False,
    "minutes_reminder_days": None,
    "minutes_reminder_repeat_days": None,
    "minutes_escalation_days": None,
}

_KINDS: dict[FormKind, dict[str, Any]] = {
    FormKind.OVERARCHING_FORUM: {
        "name": "Övergripande samverkansforum",
        "purpose": "Samarbete i generella frågor mellan stadsdelsförvaltningen och skolorna; "
                   "följer upp samverkansöverenskommelsen varje termin. Inga enskilda ärenden.",
        "cadence": Cadence.PER_TERM, "cadence_count": 1,
        "duration_minutes": 120, "window_start": time(13, 0), "window_end": time(16, 0),
        "convener_function": F.DISTRICT_DIRECTOR,
        "minutes_keeper_function": F.COMMITTEE_SECRETARY,
        "individual_cases": IndividualCases.NONE,
        "reports_to_committee": True,  # the minutes go to the stadsdelsnämnd
        "invite_lead_days": 28,
        "functions": {
            F.DISTRICT_DIRECTOR: REQUIRED, F.HEAD_OF_IFO: REQUIRED, F.HEAD_OF_LEISURE: REQUIRED,
            F.HEAD_OF_PRESCHOOL: REQUIRED, F.PRINCIPAL: REQUIRED, F.DEPUTY_SCHOOL_CHIEF: REQUIRED,
            F.POLICE_CONTACT: INVITED,  # "ideally police": welcome, not a gap when absent
            F.COMMITTEE_SECRETARY: INVITED,
        },
    },
    FormKind.OPERATIVE_FORUM: {
        "name": "Lokalt operativt samverkansforum",
        "purpose": "Gemensam lägesbild i området och konkreta ärenden (med samtycke).",
        "cadence": Cadence.MONTHLY, "cadence_count": 1,
        "duration_minutes": 90, "window_start": time(9, 0), "window_end": time(12, 0),
        "convener_function": F.SOCIAL_SERVICES_CONTACT,
        "minutes_keeper_function": F.SOCIAL_SERVICES_CONTACT,
        "individual_cases": IndividualCases.WITH_CONSENT,
        "minutes_due_days": 7,  # monthly: the minutes are needed before the next meeting
        "requires_approval": False,
        "invite_lead_days": 14,
        "functions": {
            F.SOCIAL_SERVICES_CONTACT: REQUIRED, F.FIELD_WORKER: REQUIRED, F.PRINCIPAL: REQUIRED,
            F.POLICE_CONTACT: INVITED,  # "where possible"
            F.KURATOR: INVITED, F.HEAD_OF_LEISURE: INVITED,
        },
    },
    FormKind.STUDENT_HEALTH_CONFERENCE: {
        "name": "Elevhälsokonferens",
        "purpose": "Skolans elevhälsoteam och socialtjänsten: elevhälsan och samverkan kring "
                   "elever i behov av stöd. Endast avidentifierade elever.",
        "scope": Scope.PER_SCHOOL,
        "cadence": Cadence.PER_TERM, "cadence_count": 3,
        "duration_minutes": 60, "window_start": time(8, 30), "window_end": time(16, 0),
        "convener_function": F.PRINCIPAL,
        "minutes_keeper_function": F.KURATOR,
        "individual_cases": IndividualCases.UNIDENTIFIED,
        "minutes_due_days": 7,
        "requires_approval": False,
        "invite_lead_days": 14,
        "functions": {
            F.PRINCIPAL: REQUIRED, F.KURATOR: REQUIRED, F.SCHOOL_NURSE: REQUIRED,
            F.SPECIAL_NEEDS_TEACHER: REQUIRED, F.SOCIAL_SERVICES_CONTACT: REQUIRED,
            F.SCHOOL_PSYCHOLOGIST: INVITED,
        },
    },
    FormKind.REPORT_MEETING: {
        "name": "Anmälningsmöte",
        "purpose": "Möte med barnet, vårdnadshavarna och den anmälande skolan efter en "
                   "orosanmälan, inom 14 dagar enligt socialtjänstlagen.",
        "scope": Scope.PER_SCHOOL,
        "cadence": Cadence.ON_DEMAND,
        "duration_minutes": 60, "window_start": time(8, 0), "window_end": time(17, 0),
        "convener_function": F.SOCIAL_WORKER,
        "individual_cases": IndividualCases.WITH_CONSENT,
        # the case is documented in social services' own records, never here
        **_NO_MINUTES,
        "invite_lead_days": 3,  # the 14 days leave no room for a long lead time
        "rsvp_reminder_days": 1,
        "functions": {
            F.SOCIAL_WORKER: REQUIRED,
            F.PRINCIPAL: INVITED, F.KURATOR: INVITED,
        },
    },
    FormKind.CONSULTATION: {
        "name": "Konsultation",
        "purpose": "Skolan frågar, socialtjänstens mottagningsgrupp svarar. Anonymt; gärna digitalt.",
        "scope": Scope.PER_SCHOOL,
        "cadence": Cadence.ON_DEMAND,
        "duration_minutes": 45, "window_start": time(8, 0), "window_end": time(16, 0),
        "convener_function": F.INTAKE_GROUP,
        "individual_cases": IndividualCases.UNIDENTIFIED,
        **_NO_MINUTES,
        "invite_lead_days": 2,
        "rsvp_reminder_days": None,
        "functions": {
            F.INTAKE_GROUP: REQUIRED,
            F.KURATOR: INVITED, F.PRINCIPAL: INVITED,
        },
    },
    FormKind.BUS_GROUP: {
        "name": "BUS-grupp",
        "purpose": "Barn och unga i samverkan (region och stad): styrning och arbetsgrupp. "
                   "Enskilda ärenden endast i individforum, med samtycke.",
        "cadence": Cadence.PER_TERM, "cadence_count": 1,
        "duration_minutes": 120, "window_start": time(9, 0), "window_end": time(12, 0),
        "convener_function": F.HEAD_OF_IFO,
        "minutes_keeper_function": F.SOCIAL_WORKER,
        "functions": {
            F.HEAD_OF_IFO: REQUIRED, F.HEAD_OF_PRESCHOOL: REQUIRED, F.PRINCIPAL: REQUIRED,
            F.SOCIAL_WORKER: INVITED, F.SCHOOL_PSYCHOLOGIST: INVITED,
        },
    },
    FormKind.STEERING_GROUP: {
        "name": "Styrande samverkansgrupp för skolsociala team",
        "purpose": "Chefer från social-, utbildnings- och stadsdelsförvaltningarna styr och "
                   "följer upp de skolsociala teamen.",
        "scope": Scope.CITY,
        "cadence": Cadence.PER_YEAR, "cadence_count": 4,
        "duration_minutes": 120, "window_start": time(13, 0), "window_end": time(16, 0),
        "convener_function": F.SOCIAL_ADMINISTRATION_CHIEF,
        "minutes_keeper_function": F.SOCIAL_ADMINISTRATION_CHIEF,
        "invite_lead_days": 28,
        "functions": {
            F.SOCIAL_ADMINISTRATION_CHIEF: REQUIRED, F.EDUCATION_ADMINISTRATION_CHIEF: REQUIRED,
            F.DISTRICT_DIRECTOR: REQUIRED,
            F.DEPUTY_SCHOOL_CHIEF: INVITED,
        },
    },
    FormKind.STAFF_MEETING_VISIT: {
        "name": "Socialtjänsten besöker skolans APT",
        "purpose": "Socialtjänsten presenterar sig och samverkan för skolans personal på "
                   "arbetsplatsträffen.",
        "scope": Scope.PER_SCHOOL,
        "cadence": Cadence.PER_YEAR, "cadence_count": 1,
        "duration_minutes": 60, "window_start": time(15, 0), "window_end": time(17, 0),
        "convener_function": F.SOCIAL_SERVICES_CONTACT,
        **_NO_MINUTES,
        "functions": {
            F.SOCIAL_SERVICES_CONTACT: REQUIRED, F.PRINCIPAL: REQUIRED,
        },
    },
    FormKind.OTHER: {
        "name": "Övrigt möte",
        "cadence": Cadence.ON_DEMAND,
        "duration_minutes": 60,
        "convener_function": F.DISTRICT_DIRECTOR,
        "functions": {F.DISTRICT_DIRECTOR: REQUIRED},
    },
}


def default_form(kind: FormKind) -> dict[str, Any]:
    """The default field values of a new meeting form of `kind` (a fresh dict, safe to change)."""
    values = {**_BASE, "kind": kind, **_KINDS[kind]}
    values["functions"] = dict(values["functions"])
    return values
