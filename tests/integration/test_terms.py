"""Term services on both databases: create, update, breaks, calendars, each broken rule refused with nothing written."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
import sqlalchemy as sa

from coordinator.audit import AuditEvent
from coordinator.i18n import DomainError
from coordinator.org.models import Municipality
from coordinator.terms.calendar import Break
from coordinator.terms.models import BreakKind, Term, TermBreak
from coordinator.terms.services import (
    InvalidTerm, add_break, calendar_for, check_term, create_term, delete_break, find_term, get_term,
    municipality_for, update_term,
)

NOW = datetime(2027, 6, 1, 9, 0, tzinfo=timezone.utc)
ACTOR = "admin@stockholm.example"
HOSTLOV = Break("hostlov", date(2027, 11, 1), date(2027, 11, 5))
STUDY_DAY = Break("study_day", date(2027, 10, 8), date(2027, 10, 8), "Studiedag för personalen")


@pytest.fixture
def city(session) -> Municipality:
    city = Municipality(code="0180", name="Stockholms stad")
    session.add(city)
    session.commit()
    return city


def ht2027(session, city, *breaks: Break, **changes) -> Term:
    values = {"name": "HT2027", "starts_on": date(2027, 8, 19), "ends_on": date(2027, 12, 21), **changes}
    return create_term(session, city, values["name"], values["starts_on"], values["ends_on"], breaks,
                       actor=ACTOR, now=NOW)


def count(session, model) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(model))


def assert_nothing_written(session, *, terms: int = 0, breaks: int = 0, events: int = 0) -> None:
    assert not (session.new or session.dirty or session.deleted)
    assert (count(session, Term), count(session, TermBreak), count(session, AuditEvent)) == (terms, breaks, events)


# --- creating ---------------------------------------------------------------------------------

def test_a_new_term_is_stored_with_its_breaks_and_audited(session, city):
    term = ht2027(session, city, HOSTLOV, STUDY_DAY, name=" ht2027")
    session.commit()
    session.expire_all()

    stored = find_term(session, city, "HT2027")
    assert stored is not None and stored.id == term.id
    assert (stored.name, stored.starts_on, stored.ends_on) == ("HT2027", date(2027, 8, 19), date(2027, 12, 21))
    assert [(b.kind, b.name, b.starts_on) for b in stored.breaks] == [
        (BreakKind.STUDY_DAY, "Studiedag för personalen", date(2027, 10, 8)),
        (BreakKind.HOSTLOV, "Höstlov", date(2027, 11, 1)),  # the kind's name when none is given
    ]
    event = session.scalars(sa.select(AuditEvent)).one()
    assert (event.action, event.entity_type, event.entity_id) == ("term.create", "Term", str(term.id))
    assert event.actor == ACTOR
    assert event.before is None
    assert event.after == {"name": "HT2027", "starts_on": "2027-08-19", "ends_on": "2027-12-21", "breaks": [
        {"kind": "study_day", "name": "Studiedag för personalen", "starts_on": "2027-10-08", "ends_on": "2027-10-08"},
        {"kind": "hostlov", "name": "Höstlov", "starts_on": "2027-11-01", "ends_on": "2027-11-05"},
    ]}


def test_the_calendar_of_a_term_skips_its_breaks_and_the_swedish_holidays(session, city):
    term = ht2027(session, city, HOSTLOV, STUDY_DAY)

    calendar = calendar_for(session, term)

    assert calendar.name == "HT2027"
    days = calendar.teaching_days()
    assert days[0] == date(2027, 8, 19) and days[-1] == date(2027, 12, 21)
    assert date(2027, 10, 8) not in days and not set(days) & {date(2027, 11, d) for d in range(1, 6)}
    assert len(days) == 83
    assert calendar.half_days[date(2027, 11, 5)].startswith("Allahelgonsafton")
    vt = create_term(session, city, "VT2028", date(2028, 1, 10), date(2028, 6, 13), (), actor=ACTOR, now=NOW)
    spring = calendar_for(session, vt)
    assert spring.holidays[date(2028, 6, 6)] == "Nationaldagen"
    assert not spring.is_teaching_day(date(2028, 4, 14))  # Långfredagen
    assert spring.is_half_day(date(2028, 4, 13))          # Skärtorsdagen


# --- every broken rule: a Swedish message, and nothing written --------------------------------

@pytest.mark.parametrize(("changes", "breaks", "field", "message"), [
    ({"ends_on": date(2027, 8, 1)}, (), "ends_on", "Terminen HT2027 slutar 2027-08-01, före sin början 2027-08-19."),
    ({"name": "H2027"}, (), "name", "Okänt terminsnamn ”H2027”: skriv HT eller VT följt av året"),
    ({"name": "HT27"}, (), "name", "Okänt terminsnamn ”HT27”"),
    ({}, (Break("hostlov", date(2027, 12, 20), date(2027, 12, 30)),), "ends_on",
     "Höstlov 2027-12-20–2027-12-30 ligger utanför terminen HT2027 (2027-08-19–2027-12-21)."),
    ({}, (Break("study_day", date(2027, 8, 18), date(2027, 8, 18)),), "starts_on",
     "Studiedag 2027-08-18–2027-08-18 ligger utanför terminen HT2027"),
    ({"starts_on": date(2027, 6, 20)}, (), "starts_on",
     "HT2027 är en hösttermin och ska börja mellan 2027-07-01 och 2027-12-31, inte 2027-06-20."),
    ({"name": "HT2026"}, (), "starts_on", "HT2026 är en hösttermin och ska börja mellan 2026-07-01"),
    ({"ends_on": date(2028, 2, 10)}, (), "ends_on", "HT2027 är en hösttermin och ska sluta senast 2028-01-31"),
    ({"name": "VT2027"}, (), "starts_on", "VT2027 är en vårtermin och ska börja mellan 2027-01-01 och 2027-06-30, "
                                          "inte 2027-08-19."),
], ids=["end-before-start", "bad-name", "two-digit-year", "break-after-term", "break-before-term",
        "autumn-term-in-june", "wrong-year", "autumn-term-into-february", "spring-term-in-autumn"])
def test_a_broken_rule_is_refused_with_a_swedish_message_and_nothing_is_written(
        session, city, changes, breaks, field, message):
    with pytest.raises(InvalidTerm) as refused:
        ht2027(session, city, *breaks, **changes)

    assert message in str(refused.value)
    assert isinstance(refused.value, DomainError)
    assert refused.value.problems[0].field == field
    assert_nothing_written(session)


def test_a_break_ending_before_it_starts_is_refused_before_anything_is_written(session, city):
    with pytest.raises(DomainError, match="Sportlov slutar 2028-02-28, före sin början 2028-03-03."):
        create_term(session, city, "VT2028", date(2028, 1, 10), date(2028, 6, 13),
                    [Break("sportlov", date(2028, 3, 3), date(2028, 2, 28))], actor=ACTOR, now=NOW)
    assert_nothing_written(session)


def test_every_problem_of_a_term_is_listed_with_the_break_it_is_about():
    problems = check_term("HT2027", date(2027, 6, 20), date(2027, 12, 21), [
        HOSTLOV, Break("jullov", date(2027, 12, 22), date(2028, 1, 7)),
        Break("study_day", date(2027, 6, 10), date(2027, 6, 10))])

    assert [(p.field, p.break_index) for p in problems] == [("starts_on", None), ("ends_on", 1), ("starts_on", 2)]


def test_a_term_overlapping_another_of_the_municipality_is_refused(session, city):
    ht2027(session, city, ends_on=date(2028, 1, 14))  # an autumn term may run on into January
    session.commit()

    with pytest.raises(InvalidTerm) as refused:
        create_term(session, city, "VT2028", date(2028, 1, 10), date(2028, 6, 13), (), actor=ACTOR, now=NOW)

    assert str(refused.value) == ("Terminerna HT2027 (2027-08-19–2028-01-14) och VT2028 (2028-01-10–2028-06-13) "
                                  "överlappar.")
    assert refused.value.problems[0].field == "starts_on"
    assert_nothing_written(session, terms=1, events=1)


def test_the_same_term_twice_is_refused_but_another_municipality_may_have_it(session, city):
    ht2027(session, city)
    with pytest.raises(InvalidTerm, match="Terminen HT2027 finns redan.") as refused:
        ht2027(session, city, starts_on=date(2027, 8, 20))
    assert refused.value.problems[0].field == "name"

    other = Municipality(code="0114", name="Upplands Väsby")
    session.add(other)
    ht2027(session, other)
    assert count(session, Term) == 2


# --- updating ---------------------------------------------------------------------------------

def test_an_update_sets_the_dates_replaces_the_breaks_and_audits_before_and_after(session, city):
    term = ht2027(session, city, HOSTLOV, STUDY_DAY)
    session.commit()
    jullov = Break("jullov", date(2027, 12, 22), date(2028, 1, 7), "Jullov")

    changed = update_term(session, term, date(2027, 8, 18), date(2028, 1, 14), [HOSTLOV, jullov],
                          actor=ACTOR, now=NOW)
    session.commit()
    session.expire_all()

    assert changed is True
    stored = find_term(session, city, "ht2027")
    assert (stored.starts_on, stored.ends_on) == (date(2027, 8, 18), date(2028, 1, 14))
    assert [(b.kind, b.starts_on, b.ends_on) for b in stored.breaks] == [
        (BreakKind.HOSTLOV, date(2027, 11, 1), date(2027, 11, 5)),
        (BreakKind.JULLOV, date(2027, 12, 22), date(2028, 1, 7))]
    assert count(session, TermBreak) == 2
    update = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "term.update")).one()
    assert (update.before["starts_on"], update.after["starts_on"]) == ("2027-08-19", "2027-08-18")
    assert [b["kind"] for b in update.before["breaks"]] == ["study_day", "hostlov"]
    assert [b["kind"] for b in update.after["breaks"]] == ["hostlov", "jullov"]


def test_an_update_to_what_is_stored_changes_nothing_and_writes_no_audit_event(session, city):
    term = ht2027(session, city, HOSTLOV, STUDY_DAY)
    session.commit()
    break_ids = [b.id for b in term.breaks]

    changed = update_term(session, term, term.starts_on, term.ends_on, [STUDY_DAY, HOSTLOV], actor=ACTOR, now=NOW)

    assert changed is False
    assert [b.id for b in term.breaks] == break_ids
    assert_nothing_written(session, terms=1, breaks=2, events=1)


def test_a_refused_update_leaves_the_term_as_it_was(session, city):
    ht2027(session, city)
    spring = create_term(session, city, "VT2028", date(2028, 1, 10), date(2028, 6, 13), [
        Break("sportlov", date(2028, 2, 28), date(2028, 3, 3))], actor=ACTOR, now=NOW)
    session.commit()

    for starts_on, breaks, reason in [
        (date(2028, 1, 10), [Break("pasklov", date(2028, 6, 12), date(2028, 6, 16))], "ligger utanför terminen"),
        (date(2027, 12, 1), [], "VT2028 är en vårtermin och ska börja mellan"),
    ]:
        with pytest.raises(InvalidTerm, match=reason):
            update_term(session, spring, starts_on, date(2028, 6, 13), breaks, actor=ACTOR, now=NOW)
        assert_nothing_written(session, terms=2, breaks=1, events=2)

    session.expire_all()
    assert (spring.starts_on, [b.kind for b in spring.breaks]) == (date(2028, 1, 10), [BreakKind.SPORTLOV])


def test_moving_a_term_into_its_neighbour_is_refused(session, city):
    autumn = ht2027(session, city)
    create_term(session, city, "VT2028", date(2028, 1, 10), date(2028, 6, 13), (), actor=ACTOR, now=NOW)
    session.commit()

    with pytest.raises(InvalidTerm, match="överlappar") as refused:
        update_term(session, autumn, autumn.starts_on, date(2028, 1, 12), [], actor=ACTOR, now=NOW)

    assert refused.value.problems[0].field == "ends_on"
    assert_nothing_written(session, terms=2, events=2)


def test_breaks_are_added_and_deleted_one_at_a_time(session, city):
    term = ht2027(session, city, HOSTLOV)
    session.commit()

    assert add_break(session, term, STUDY_DAY, actor=ACTOR, now=NOW) is True
    session.commit()
    assert [b.kind for b in term.breaks] == [BreakKind.STUDY_DAY, BreakKind.HOSTLOV]
    with pytest.raises(InvalidTerm, match="ligger utanför terminen"):
        add_break(session, term, Break("jullov", date(2027, 12, 22), date(2028, 1, 7)), actor=ACTOR, now=NOW)

    hostlov = next(b for b in term.breaks if b.kind is BreakKind.HOSTLOV)
    assert delete_break(session, hostlov, actor=ACTOR, now=NOW) is True
    session.commit()
    session.expire_all()

    assert [b.kind for b in find_term(session, city, "HT2027").breaks] == [BreakKind.STUDY_DAY]
    assert count(session, TermBreak) == 1
    assert session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)).all() == [
        "term.create", "term.update", "term.update"]


# --- finding terms and municipalities ------------------------------------------------------------

def test_an_unknown_term_is_a_clear_error_naming_the_terms_there_are(session, city):
    ht2027(session, city)

    assert find_term(session, city, "VT2028") is None
    assert find_term(session, city, "nonsense") is None
    with pytest.raises(DomainError, match=r"Terminen VT2028 finns inte i Stockholms stad. Terminer som finns: HT2027."):
        get_term(session, city, "vt2028")
    with pytest.raises(DomainError, match="Okänt terminsnamn"):
        get_term(session, city, "hösten")


def test_the_municipality_is_the_only_one_or_named_by_its_code(session, city):
    assert municipality_for(session, None) is city
    assert municipality_for(session, "0180") is city
    with pytest.raises(DomainError, match="Ingen kommun har koden 9999."):
        municipality_for(session, "9999")
    session.add(Municipality(code="0114", name="Upplands Väsby"))
    session.flush()
    with pytest.raises(DomainError, match=r"flera kommuner \(0114, 0180\): ange kommunens kod med --municipality"):
        municipality_for(session, None)
