"""What the one-click answer page (`GET /rsvp/<token>`) shows, read in one statement of plain columns.

The page is what a whole district opens from its mail on a Monday morning, so it is read without ORM
objects: the invitation, its meeting (title, time, place), the invitee's name and language, whom they
sent, the convener (the invitee holding the form's convener function, one still coming first, else the
district's director: `events.convener_of`'s rule, as subqueries) and whether anyone could be sent in
their place (`services.deputy_choices`' rule, as an EXISTS). The deputies themselves are read only on
the deputy step (`/rsvp/<token>/ersattare`). A link in any other state than open is shown by the ORM
path (`rsvp.open_link`), as before: those pages are rare.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from coordinator.agreements.models import MeetingForm
from coordinator.invitations.events import describe_stand_in
from coordinator.invitations.rsvp import LinkState, link_state
from coordinator.invitations.tokens import InvalidToken, read_token
from coordinator.org.functions import Function
from coordinator.org.models import District, Person, PersonFunction, School, SchoolGroup, Unit
from coordinator.planning.models import Answer, Invitation, Meeting, MeetingStatus


@dataclass(frozen=True)
class MeetingShown:
    """What `_meeting.html` shows of a meeting."""
    starts_at: datetime
    ends_at: datetime
    place: str | None
    video_url: str | None


@dataclass(frozen=True)
class ConvenerShown:
    name: str
    email: str | None


@dataclass(frozen=True)
class AnswerPage:
    state: LinkState
    meeting_id: int
    person_id: int
    name: str                   # the invitee
    language: str
    answer: Answer
    answered_at: datetime | None
    deputy_name: str | None     # whom they sent (answer DELEGATED)
    delegated_from_id: int | None
    meeting: MeetingShown
    title: str
    convener: ConvenerShown
    anyone_to_send: bool        # someone could be sent in their place (before the meeting starts)

    @property
    def delegated(self) -> bool:
        return self.answer is Answer.DELEGATED

    def may_delegate(self, now: datetime) -> bool:
        return self.anyone_to_send and now < self.meeting.starts_at


def _statement() -> sa.Select:
    """The page's one SELECT, built once (bound to the link's meeting and person)."""
    i, m, f, p = Invitation.__table__, Meeting.__table__, MeetingForm.__table__, Person.__table__
    school, group, district = School.__table__.alias("meeting_school"), SchoolGroup.__table__, District.__table__
    sent = p.alias("sent_deputy")
    # the convener: the invitee holding the form's convener function, one still coming first, by name
    hi, hp = i.alias("holder_invitation"), p.alias("holder")
    holder = (sa.select(hi.c.person_id).join(hp, hp.c.id == hi.c.person_id)
              .where(hi.c.meeting_id == m.c.id, hi.c.function == f.c.convener_function, hi.c.removed_at.is_(None))
              .order_by(sa.case((hi.c.answer == Answer.DELEGATED, 1), else_=0), hp.c.name, hp.c.id)
              .limit(1).correlate(m, f).scalar_subquery())
    # else the district's director (`events.district_directors`)
    dp, df = p.alias("director"), PersonFunction.__table__
    ds, du = School.__table__.alias("director_school"), Unit.__table__.alias("director_unit")
    director = (sa.select(dp.c.id).join(df, df.c.person_id == dp.c.id)
                .outerjoin(ds, ds.c.id == dp.c.school_id).outerjoin(du, du.c.id == dp.c.unit_id)
                .where(df.c.function == Function.DISTRICT_DIRECTOR, dp.c.is_active,
                       sa.func.coalesce(dp.c.district_id, ds.c.district_id, du.c.district_id) == m.c.district_id)
                .order_by(dp.c.name, dp.c.id).limit(1).correlate(m).scalar_subquery())
    # (two scalar subqueries rather than a join: PostgreSQL cannot look a join on a subquery up by the index)
    convener_id = sa.func.coalesce(holder, director)
    cp, cq = p.alias("convener"), p.alias("convener_address")
    convener_name = sa.select(cp.c.name).where(cp.c.id == convener_id).correlate(m, f).scalar_subquery()
    convener_email = sa.select(cq.c.email).where(cq.c.id == convener_id).correlate(m, f).scalar_subquery()
    # anyone to send: the named deputy or a colleague of the school (else unit), active, not invited already
    # (except the deputy sent) — `deputy_choices`' rule
    cand, ci = p.alias("candidate"), i.alias("candidate_invitation")
    colleague = sa.or_(sa.and_(p.c.school_id.is_not(None), cand.c.school_id == p.c.school_id),
                       sa.and_(p.c.school_id.is_(None), cand.c.unit_id == p.c.unit_id))
    invited = sa.exists().where(ci.c.meeting_id == sa.bindparam("meeting_id"), ci.c.person_id == cand.c.id,
                                ci.c.removed_at.is_(None))
    is_sent = sa.and_(i.c.answer == Answer.DELEGATED, cand.c.id == i.c.delegated_to_id)
    anyone = (sa.exists().where(sa.or_(colleague, cand.c.id == p.c.deputy_id), cand.c.is_active,
                                cand.c.id != p.c.id, sa.or_(is_sent, ~invited))
              .correlate(i, p))
    return (
        sa.select(i.c.rsvp_key, i.c.answer, i.c.answered_at, i.c.delegated_from_id,
                  m.c.published_at, m.c.status, m.c.starts_at, m.c.ends_at, m.c.place, m.c.video_url,
                  f.c.name.label("form_name"), school.c.name.label("school_name"), group.c.name.label("group_name"),
                  district.c.name.label("district_name"), p.c.name, p.c.language, sent.c.name.label("deputy_name"),
                  convener_name.label("convener_name"), convener_email.label("convener_email"),
                  anyone.label("anyone_to_send"))
        .select_from(i.join(m, m.c.id == i.c.meeting_id).join(f, f.c.id == m.c.meeting_form_id)
                     .join(p, p.c.id == i.c.person_id)
                     .outerjoin(school, school.c.id == m.c.school_id).outerjoin(group, group.c.id == m.c.group_id)
                     .outerjoin(district, district.c.id == m.c.district_id)
                     .outerjoin(sent, sa.and_(sent.c.id == i.c.delegated_to_id, i.c.answer == Answer.DELEGATED)))
        .where(i.c.meeting_id == sa.bindparam("meeting_id"), i.c.person_id == sa.bindparam("person_id"))
    )


_PAGE = _statement()


def answer_page(session: Session, secret_key: str, token: str, *, now: datetime) -> AnswerPage | None:
    """The answer page's facts, or None for a link that is not ours or whose invitation is gone."""
    try:
        signed = read_token(secret_key, token)
    except InvalidToken:
        return None
    row = session.connection().execute(
        _PAGE, {"meeting_id": signed.meeting_id, "person_id": signed.person_id}).one_or_none()
    if row is None:
        return None
    state = link_state(published=row.published_at is not None, current=row.rsvp_key == signed.rsvp_key,
                       cancelled=row.status is MeetingStatus.CANCELLED, starts_at=row.starts_at, ends_at=row.ends_at,
                       delegated=row.answer is Answer.DELEGATED, now=now)
    where = row.school_name or row.group_name
    return AnswerPage(
        state=state, meeting_id=signed.meeting_id, person_id=signed.person_id, name=row.name,
        language=row.language.value, answer=row.answer, answered_at=row.answered_at, deputy_name=row.deputy_name,
        delegated_from_id=row.delegated_from_id,
        meeting=MeetingShown(row.starts_at, row.ends_at, row.place, row.video_url),
        title=f"{row.form_name} ({where})" if where else row.form_name,
        convener=ConvenerShown(row.convener_name or row.district_name or "", row.convener_email),
        anyone_to_send=bool(row.anyone_to_send))


def load_stands_in_for(session: Session, page: AnswerPage, language: str) -> str | None:
    """For a deputy's page, whom they replace (`events.stands_in_for`): the meeting's chain of senders read as
    plain columns (two statements, on a deputy's page only)."""
    if page.delegated_from_id is None:
        return None
    i = Invitation.__table__
    rows = {r.person_id: r for r in session.connection().execute(
        sa.select(i.c.person_id, i.c.delegated_from_id, i.c.function).where(i.c.meeting_id == page.meeting_id))}
    chain: list[int] = []
    current = rows.get(page.person_id)
    while current is not None and current.delegated_from_id is not None:
        sender = rows.get(current.delegated_from_id)
        if sender is None or sender.person_id in chain:
            break
        chain.append(sender.person_id)
        current = sender
    if not chain:
        return None
    first = rows[chain[-1]]
    p, school, unit = Person.__table__, School.__table__, Unit.__table__
    person = session.connection().execute(
        sa.select(p.c.name, school.c.name.label("school_name"), unit.c.name.label("unit_name"))
        .select_from(p.outerjoin(school, school.c.id == p.c.school_id).outerjoin(unit, unit.c.id == p.c.unit_id))
        .where(p.c.id == first.person_id)).one()
    return describe_stand_in(person.name, first.function, person.school_name or person.unit_name or "", language)
