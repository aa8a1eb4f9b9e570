"""How each demo district keeps its agreement: the chances and delays the demo's history is drawn from.

Norrviken keeps its agreement well: it publishes its terms weeks ahead, holds every agreed
meeting, its schools answer within days and come (independent ones as much as municipal ones),
its minutes are registered on time, approved within the week, reported to the district committee
and archived when the school year ends, and its action items are done by their day.

Söderby lags, as the city audits found districts do: it publishes late, lets the overarching
forum pass in the spring, two of its three independent schools hardly ever answer or come,
deputies are sent more often, minutes are missing or late, are approved slowly and reach the
committee months after the meeting, and action items run over or are forgotten.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from coordinator.agreements.models import FormKind

# whom an invitee stands for: the district or the city, a municipal school, an independent school,
# or a school that seldom comes to anything
STAFF, MUNICIPAL, INDEPENDENT, RARELY = "staff", "municipal", "independent", "rarely"


@dataclass(frozen=True)
class Habits:
    plan_days_before: int                 # a term is planned this many days before it starts,
    publish_days_before: int              # and published this many
    answer_rate: Mapping[str, float]      # chance an invitee answers, by whom they stand for
    answer_days: tuple[int, int]          # an answer comes between these days after publishing
    answer_via: Mapping[str, float]       # how answers come: "link", "calendar", "organiser" (weights)
    deputy_rate: float                    # chance an invitee with a named deputy sends them instead
    attend_required: Mapping[str, float]  # chance someone invited for a required function comes
    attend_optional: float                # chance someone invited for another function comes
    not_held: Mapping[FormKind, float]    # chance a meeting of the kind passes with nothing recorded
    cancelled_rate: float                 # chance a meeting is cancelled beforehand
    minutes_missing: float                # held, but minutes never written
    minutes_left_draft: float             # started, never registered
    minutes_late: float                   # registered after the form's deadline
    minutes_days: tuple[int, int]         # registered this many days after the meeting when on time,
    late_days: tuple[int, int]            # or this many days after the deadline when late
    confirm_days: tuple[int, int]         # each adjuster confirms this many days after registration
    left_unconfirmed: float               # chance registered minutes wait for an adjuster for ever
    report_after_days: int                # the committee takes them at its first meeting this many days after approval
    archives: bool                        # final minutes are archived when their school year ends
    action_items: Mapping[str, float]     # what becomes of an item: "on_time", "late", "dropped", "open" (weights)
    forum_skipped_in_spring: bool = False  # the overarching forum is not held in spring terms
    rarely_attending: frozenset[str] = frozenset()  # school-unit codes of schools that seldom come,
    rarely_hosting: float = 0.0           # and the chance their own meetings (conferences, visits) are not held


HABITS: Mapping[str, Habits] = {
    "NORRVIKEN": Habits(
        plan_days_before=56, publish_days_before=49,
        answer_rate={STAFF: 0.97, MUNICIPAL: 0.95, INDEPENDENT: 0.93, RARELY: 0.93},
        answer_days=(0, 5), answer_via={"link": 0.6, "calendar": 0.3, "organiser": 0.1},
        deputy_rate=0.03,
        attend_required={STAFF: 0.995, MUNICIPAL: 0.99, INDEPENDENT: 0.99, RARELY: 0.99},
        attend_optional=0.8,
        not_held={}, cancelled_rate=0.0,
        minutes_missing=0.0, minutes_left_draft=0.0, minutes_late=0.03,
        minutes_days=(1, 5), late_days=(1, 4), confirm_days=(1, 4), left_unconfirmed=0.0,
        report_after_days=7, archives=True,
        action_items={"on_time": 0.85, "late": 0.07, "dropped": 0.05, "open": 0.03},
    ),
    "SODERBY": Habits(
        plan_days_before=21, publish_days_before=12,
        answer_rate={STAFF: 0.8, MUNICIPAL: 0.65, INDEPENDENT: 0.5, RARELY: 0.03},
        answer_days=(2, 25), answer_via={"link": 0.45, "calendar": 0.2, "organiser": 0.35},
        deputy_rate=0.15,
        attend_required={STAFF: 0.93, MUNICIPAL: 0.9, INDEPENDENT: 0.75, RARELY: 0.03},
        attend_optional=0.5,
        not_held={FormKind.OPERATIVE_FORUM: 0.1, FormKind.STUDENT_HEALTH_CONFERENCE: 0.05,
                  FormKind.BUS_GROUP: 0.15, FormKind.STAFF_MEETING_VISIT: 0.2},
        cancelled_rate=0.04,
        minutes_missing=0.12, minutes_left_draft=0.08, minutes_late=0.5,
        minutes_days=(2, 7), late_days=(2, 30), confirm_days=(3, 21), left_unconfirmed=0.1,
        report_after_days=75, archives=False,
        forum_skipped_in_spring=True,
        # Söderby Friskola and Kompassenskolan
        rarely_attending=frozenset({"99900206", "99900207"}), rarely_hosting=0.85,
        action_items={"on_time": 0.4, "late": 0.3, "dropped": 0.1, "open": 0.2},
    ),
}
