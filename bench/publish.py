"""Benchmark: composing the invitations a term's publishing queues, against a bare build of the same mail.

Publishing a district's term composes one invitation per invitee inside the publishing request
(1,897 for a city-scale district). Each message is timed as `invitation_message(...).as_bytes()`
— templates, calendar and MIME, what the outbox stores — against a baseline that writes the same
content with no product code: the same VCALENDAR (a VTIMEZONE and the VEVENT) built with icalendar
and serialised, put with prebuilt bodies into a minimal `email.mime` multipart/alternative.
Both run alternately in this process, after a warm-up; each figure is kept as min / median / max
over the runs, the ratio per pair. Prints the per-message costs and their ratio and writes
bench/results/publish.json (`--name` elsewhere) through `bench.recording.write_result`.

The publish request (issue 16.5): a city-scale district (`coordinator.bench.generate(scale="city")`,
its largest district's autumn term planned) published with `planning.services.publish` and
committed, in a fresh copy of the SQLite database per run: the invitations queued to be composed
by the sender (now) against composed inside the request (`compose_later=False`, as before),
alternately; `--publish-runs 0` leaves it out.

    python -m bench.publish [--messages 2000] [--runs 5] [--publish-runs 3] [--name publish]
"""
from __future__ import annotations

import argparse
import gc
import shutil
import tempfile
import statistics
import sys
from datetime import UTC, datetime
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from pathlib import Path
from time import perf_counter
from zoneinfo import ZoneInfo

import icalendar
import sqlalchemy as sa

from bench.feed import AGENDA, meetings
from bench.recording import figure, load_average, ratios, spread, write_result
from coordinator.invitations.ics import Attendee, CalendarEvent, Party, vtimezone
from coordinator.invitations.messages import MailContext
from coordinator.invitations.tokens import rsvp_links
from coordinator.outbox.compose import invitation_message

TIMEZONE = "Europe/Stockholm"
DTSTAMP = datetime(2027, 5, 4, 9, 30, tzinfo=UTC)
SENDER = Party("Samverkan skola–socialtjänst", "samverkan@example.se")
CONVENER = Party("Eva Lindqvist", "eva.lindqvist@stockholm.example")
PUBLISH_TARGET_S = 1.0  # issue 16.5: the publish request of a city-scale district under 1 s
MAIL = MailContext(sender=SENDER, base_url="https://samverkan.example.se", secret_key="bench", timezone=TIMEZONE,
                   message_domain="samverkan.example.se")


def invitations(count: int) -> list[tuple[CalendarEvent, Party]]:
    """`count` (event, recipient) pairs: a score of invitees per meeting, each the one ATTENDEE."""
    events = meetings(count // 20 + 1)
    pairs = []
    for n in range(count):
        recipient = Party(f"Åsa Öberg {n}", f"person{n}@skola.example.se")
        event = events[n // 20]
        pairs.append((CalendarEvent(uid=event.uid, sequence=event.sequence, starts_at=event.starts_at,
                                    ends_at=event.ends_at, summary=event.summary,
                                    organizer=Party(CONVENER.name, SENDER.email),
                                    attendees=(Attendee(recipient.name, recipient.email),),
                                    location=event.location, video_url=event.video_url), recipient))
    return pairs


def ours(pairs: list[tuple[CalendarEvent, Party]]) -> int:
    size = 0
    for n, (event, recipient) in enumerate(pairs):
        message = invitation_message(
            event, recipient, language="sv" if n % 5 else "en", sender=SENDER, message_id=f"<{n}@bench>",
            dtstamp=DTSTAMP, timezone=TIMEZONE, agenda=AGENDA, rsvp=rsvp_links("https://samverkan.example.se", f"T{n}"),
            reply_to=CONVENER)
        size += len(message.as_bytes())
    return size


def bare(pairs: list[tuple[CalendarEvent, Party]]) -> int:
    """The baseline: the same calendar with icalendar alone, prebuilt bodies, a minimal email.mime message."""
    zone = ZoneInfo(TIMEZONE)
    text, html = "Du är inbjuden.\n\n" + AGENDA + "\n", "<p>Du är inbjuden.</p><pre>" + AGENDA + "</pre>\n"
    size = 0
    for n, (event, recipient) in enumerate(pairs):
        calendar = icalendar.Calendar()
        for name, value in (("PRODID", "-//Samverkan coordinator//SV"), ("VERSION", "2.0"),
                            ("CALSCALE", "GREGORIAN"), ("METHOD", "REQUEST")):
            calendar.add(name, value)
        calendar.add_component(vtimezone(TIMEZONE))
        vevent = icalendar.Event()
        vevent.add("UID", event.uid)
        vevent.add("DTSTAMP", DTSTAMP)
        vevent.add("SEQUENCE", event.sequence)
        vevent.add("DTSTART", event.starts_at.astimezone(zone))
        vevent.add("DTEND", event.ends_at.astimezone(zone))
        vevent.add("SUMMARY", event.summary)
        vevent.add("LOCATION", ", ".join(p for p in (event.location, event.video_url) if p))
        vevent.add("DESCRIPTION", AGENDA)
        vevent.add("ORGANIZER", icalendar.vCalAddress(f"mailto:{event.organizer.email}"),
                   parameters={"CN": event.organizer.name})
        vevent.add("ATTENDEE", icalendar.vCalAddress(f"mailto:{recipient.email}"),
                   parameters={"CN": recipient.name, "ROLE": "REQ-PARTICIPANT", "PARTSTAT": "NEEDS-ACTION",
                               "RSVP": "TRUE", "CUTYPE": "INDIVIDUAL"})
        vevent.add("STATUS", "CONFIRMED")
        vevent.add("TRANSP", "OPAQUE")
        calendar.add_component(vevent)
        message = MIMEMultipart("alternative")
        message["From"], message["To"] = SENDER.email, recipient.email
        message["Subject"], message["Message-ID"] = event.summary, f"<{n}@bench>"
        message.attach(MIMEText(text, "plain", "utf-8"))
        message.attach(MIMEText(html, "html", "utf-8"))
        part = MIMEBase("text", "calendar", method="REQUEST", charset="UTF-8")
        part.set_payload(calendar.to_ical())
        message.attach(part)
        size += len(message.as_bytes())
    return size


def measure(count: int, runs: int) -> dict[str, object]:
    pairs = invitations(count)
    ours(pairs[:100]), bare(pairs[:100])  # warm-up: imports, templates, caches
    times: dict[str, list[float]] = {"ours": [], "bare": []}
    for run in range(runs):
        for build in ((ours, bare) if run % 2 == 0 else (bare, ours)):
            gc.collect()
            started = perf_counter()
            build(pairs)
            times[build.__name__].append((perf_counter() - started) / count)
    ms = {name: [v * 1000 for v in values] for name, values in times.items()}
    ratio = ratios(ms["ours"], ms["bare"])
    return {"messages": count, "runs": runs,
            "invitation_ms": spread(ms["ours"]), "baseline_ms": spread(ms["bare"]), "ratio": spread(ratio),
            "city_district_seconds": round(statistics.median(times["ours"]) * 1897, 2),
            "runs_ms": {name: [round(v, 3) for v in values] for name, values in ms.items()},
            "figures": [figure("composing one invitation (text, HTML, calendar, bytes), per message", ms["ours"], "ms",
                               baseline="a bare icalendar + email.mime message of the same content",
                               baseline_values=ms["bare"], ratio=ratio)]}


def planned_city(planned: Path) -> str:
    """A city-scale SQLite database at `planned` with every district's autumn planned; the district inviting most."""
    from bench.plan_city import GENERATED_AT, PLANNED_AT, TERM
    from coordinator.bench import generate
    from coordinator.db import make_engine, make_session_factory
    from coordinator.migrate import upgrade
    from coordinator.org.models import District
    from coordinator.planning.models import Invitation, Meeting
    from coordinator.planning.services import plan_district_term

    upgrade(f"sqlite:///{planned}")
    engine = make_engine(f"sqlite:///{planned}")
    with make_session_factory(engine)() as session:
        generate(session, scale="city", now=GENERATED_AT, seed=1)
        session.commit()
        for code in session.scalars(sa.select(District.code).order_by(District.code)).all():
            plan_district_term(session, code, TERM, actor="bench", now=PLANNED_AT)
            session.commit()
        invitations = dict(session.execute(sa.select(District.code, sa.func.count()).select_from(Invitation)
                                           .join(Meeting).join(District).group_by(District.code)).all())
    engine.dispose()
    return max(invitations, key=lambda code: invitations[code])


def publish_request(runs: int) -> dict[str, object]:
    """Seconds to publish a city-scale district's term and commit, invitations composed later vs in the request."""
    from bench.plan_city import PLANNED_AT, TERM
    from coordinator.db import make_engine, make_session_factory
    from coordinator.outbox.models import OutboxMessage
    from coordinator.planning.services import publish

    with tempfile.TemporaryDirectory(prefix="coordinator-publish-") as folder:
        planned = Path(folder) / "planned.sqlite3"
        district = planned_city(planned)
        times: dict[str, list[float]] = {"later": [], "in_request": []}
        queued = 0
        for run in range(runs):
            for way in (("later", "in_request") if run % 2 == 0 else ("in_request", "later")):
                copy = Path(folder) / f"{way}-{run}.sqlite3"
                shutil.copy(planned, copy)
                engine = make_engine(f"sqlite:///{copy}")
                with make_session_factory(engine)() as session:
                    gc.collect()
                    started = perf_counter()
                    publish(session, district, TERM, actor="bench", now=PLANNED_AT, mail=MAIL,
                            compose_later=way == "later")
                    session.commit()
                    times[way].append(perf_counter() - started)
                    queued = session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) or 0
                engine.dispose()
                copy.unlink()
    later, in_request = times["later"], times["in_request"]
    return {"district": district, "invitations_queued": queued, "runs": runs,
            "seconds_composed_later": spread(later), "seconds_composed_in_request": spread(in_request),
            "later_to_in_request": spread(ratios(later, in_request)),
            "runs_seconds": {way: [round(v, 3) for v in values] for way, values in times.items()},
            "figures": [figure(f"publishing {district}'s term and committing, {queued:,} invitations queued to be "
                               "composed by the sender (SQLite, city scale)", later, "s",
                               baseline="the same, composed in the request", baseline_values=in_request,
                               ratio=ratios(later, in_request), target=f"< {PUBLISH_TARGET_S:g} s",
                               met=statistics.median(later) < PUBLISH_TARGET_S)]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--publish-runs", type=int, default=3, help="runs of the city-scale publish (0: none)")
    parser.add_argument("--name", default="publish", help="the results file's name (the tests' smoke run: publish_tiny)")
    args = parser.parse_args()
    title = f"Composing {args.messages:,} invitations against a bare icalendar + email.mime build"
    print(title, flush=True)
    load_before = load_average()
    result = measure(args.messages, args.runs)
    ours, baseline, ratio = result["invitation_ms"], result["baseline_ms"], result["ratio"]
    print(f"  invitation_message + as_bytes  {ours['median']:.3f} ms per message ({ours['min']:.3f}–{ours['max']:.3f})")
    print(f"  bare icalendar + email.mime    {baseline['median']:.3f} ms per message "
          f"({baseline['min']:.3f}–{baseline['max']:.3f})")
    print(f"  ratio {ratio['median']:.2f} ({ratio['min']:.2f}–{ratio['max']:.2f} per pair); a city-scale district "
          f"(1,897 messages): {result['city_district_seconds']:.2f} s")
    if args.publish_runs:
        print("Publishing a city-scale district's term (SQLite), invitations composed by the sender vs in the request",
              flush=True)
        request = publish_request(args.publish_runs)
        result["publish_request"] = request
        result["figures"] += request["figures"]
        later, in_request = request["seconds_composed_later"], request["seconds_composed_in_request"]
        print(f"  district {request['district']}: {request['invitations_queued']:,} invitations queued; publish and "
              f"commit {later['median']:.2f} s ({later['min']:.2f}–{later['max']:.2f}, composed by the sender) vs "
              f"{in_request['median']:.2f} s ({in_request['min']:.2f}–{in_request['max']:.2f}, composed in the "
              f"request); target < {PUBLISH_TARGET_S:g} s -> "
              f"{'met' if later['median'] < PUBLISH_TARGET_S else 'NOT met'}")
    write_result(args.name, {"title": title, **result}, engine="sqlite", load_at_start=load_before)
    return 0


if __name__ == "__main__":
    sys.exit(main())
