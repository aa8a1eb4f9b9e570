"""Benchmark: a subscription feed of 500 meetings, against bare icalendar serialisation of the same events.

Issue 4's target: `coordinator.invitations.ics.feed` of 500 meetings costs at most 1.3 times
building the same 500 `icalendar.Event`s directly in one `icalendar.Calendar` and calling
`to_ical()`. Both sides start from the same `CalendarEvent` values and write the same
properties; the feed adds only what it must (one VTIMEZONE, the feed headers, the checks).
The two are timed alternately in this process, after a warm-up; each figure is kept as min /
median / max over the runs, the ratio per pair of runs. Prints the figures and writes
bench/results/feed.json (`--name` elsewhere) through `bench.recording.write_result`.

    python -m bench.feed [--runs 15] [--meetings 500] [--name feed]
"""
from __future__ import annotations

import argparse
import gc
import os
import random
import statistics
import sys
from datetime import UTC, datetime, timedelta
from time import perf_counter
from zoneinfo import ZoneInfo

import icalendar

from bench.recording import figure, load_average, ratios, spread, write_result
from coordinator.invitations.ics import CalendarEvent, Party, feed

TARGET_RATIO = 1.3  # issue 4
TIMEZONE = "Europe/Stockholm"
DTSTAMP = datetime(2027, 8, 1, 6, 0, tzinfo=UTC)
SCHOOLS = ["Årstaskolan", "Högdalsskolan", "Älvsjöskolan", "Sjöängsskolan", "Östbergaskolan", "Bandhagens skola"]
FORMS = ["Samverkansmöte skola–socialtjänst", "Elevhälsomöte med socialtjänsten", "Övergripande samverkansforum",
         "Uppföljning av överenskommelse"]
AGENDA = ("Dagordning:\n1. Öppnande och närvaro\n2. Föregående mötes åtgärder\n3. Elever med hög frånvaro, "
          "åk 7–9\n4. Orosanmälningar: återkoppling från socialtjänsten\n5. Övriga frågor och nästa möte")


def meetings(count: int, seed: int = 1) -> list[CalendarEvent]:
    """`count` weekday meetings over a school year, some with a video link and a few cancelled."""
    chosen = random.Random(seed)
    stockholm = ZoneInfo(TIMEZONE)
    first = datetime(2027, 8, 23, tzinfo=stockholm)
    events = []
    for n in range(count):
        day = first + timedelta(days=chosen.randrange(0, 290))
        if day.weekday() >= 5:  # a weekend: the Monday after
            day += timedelta(days=7 - day.weekday())
        starts_at = day.replace(hour=chosen.choice([8, 9, 10, 13, 14]), minute=chosen.choice([0, 30]))
        school = chosen.choice(SCHOOLS)
        events.append(CalendarEvent(
            uid=f"meeting-{n}@samverkan.example.se", sequence=chosen.randrange(0, 3), starts_at=starts_at,
            ends_at=starts_at + timedelta(minutes=chosen.choice([60, 90, 120])),
            summary=f"{chosen.choice(FORMS)} – {school}",
            organizer=Party(f"Rektor {school}", f"rektor{n % 40}@skola.example.se"),
            location=f"Konferensrummet, {school}",
            video_url="https://meet.example.se/j/" + str(n) if n % 3 == 0 else None,
            description=AGENDA, url=f"https://samverkan.example.se/meetings/{n}",
            cancelled=n % 25 == 0,
        ))
    return events


def bare_icalendar(events: list[CalendarEvent]) -> bytes:
    """The baseline: the same properties written with icalendar directly, nothing else."""
    zone = ZoneInfo(TIMEZONE)
    calendar = icalendar.Calendar()
    calendar.add("PRODID", "-//Samverkan coordinator//SV")
    calendar.add("VERSION", "2.0")
    for event in events:
        vevent = icalendar.Event()
        vevent.add("UID", event.uid)
        vevent.add("DTSTAMP", DTSTAMP)
        vevent.add("SEQUENCE", event.sequence)
        vevent.add("DTSTART", event.starts_at.astimezone(zone))
        vevent.add("DTEND", event.ends_at.astimezone(zone))
        vevent.add("SUMMARY", event.summary)
        vevent.add("LOCATION", ", ".join(p for p in (event.location, event.video_url) if p))
        vevent.add("DESCRIPTION", event.description if not event.video_url
                   else f"{event.description}\n\n{event.video_url}")
        vevent.add("URL", event.url)
        vevent.add("ORGANIZER", icalendar.vCalAddress(f"mailto:{event.organizer.email}"),
                   parameters={"CN": event.organizer.name})
        vevent.add("STATUS", "CANCELLED" if event.cancelled else "CONFIRMED")
        vevent.add("TRANSP", "OPAQUE")
        calendar.add_component(vevent)
    return calendar.to_ical()


def ours(events: list[CalendarEvent]) -> bytes:
    return feed(events, name="Samverkan – Söderort", dtstamp=DTSTAMP, timezone=TIMEZONE)


def timed(build, events: list[CalendarEvent]) -> tuple[float, bytes]:  # type: ignore[no-untyped-def]
    gc.collect()
    started = perf_counter()
    data = build(events)
    return perf_counter() - started, data


def measure(count: int, runs: int) -> dict[str, object]:
    events = meetings(count)
    for build in (bare_icalendar, ours):  # warm-up: imports, caches, the zone rules
        build(events)
    baseline_times, feed_times = [], []
    for run in range(runs):
        order = (bare_icalendar, ours) if run % 2 == 0 else (ours, bare_icalendar)  # alternate who goes first
        for build in order:
            seconds, data = timed(build, events)
            (baseline_times if build is bare_icalendar else feed_times).append(seconds)
            assert data.count(b"BEGIN:VEVENT") == count
    ratio = ratios(feed_times, baseline_times)
    return {
        "meetings": count, "runs": runs,
        "baseline_ms": spread([t * 1000 for t in baseline_times]), "feed_ms": spread([t * 1000 for t in feed_times]),
        "ratio": spread(ratio),
        "feed_bytes": len(ours(events)), "baseline_bytes": len(bare_icalendar(events)),
        "baseline_runs": [round(t, 5) for t in baseline_times], "feed_runs": [round(t, 5) for t in feed_times],
        "figures": [figure(f"`ics.feed()` of {count} meetings", [t * 1000 for t in feed_times], "ms",
                           baseline=f"the same {count} `icalendar.Event`s in one Calendar, `to_ical()`",
                           baseline_values=[t * 1000 for t in baseline_times], ratio=ratio,
                           target=f"≤ {TARGET_RATIO:g}×", met=statistics.median(ratio) <= TARGET_RATIO)],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--meetings", type=int, default=500)
    parser.add_argument("--name", default="feed", help="the results file's name (the tests' smoke run: feed_tiny)")
    args = parser.parse_args()
    print(f"A calendar feed of {args.meetings} meetings against bare icalendar serialisation", flush=True)
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at the start", flush=True)
    load_before = load_average()
    result = measure(args.meetings, args.runs)
    ratio = result["ratio"]
    verdict = ratio["median"] <= TARGET_RATIO
    print(f"\n  bare icalendar  {result['baseline_ms']['median']:8.1f} ms  ({result['baseline_bytes']:,} bytes)")
    print(f"  feed()          {result['feed_ms']['median']:8.1f} ms  ({result['feed_bytes']:,} bytes)")
    print(f"  (median of {args.runs} runs each, alternating; the ratio per pair {ratio['min']:.2f}–{ratio['max']:.2f})")
    print(f"\ntarget (issue 4): feed <= {TARGET_RATIO:g} x bare icalendar -> {ratio['median']:.2f} x, "
          f"{'met' if verdict else 'NOT met'}\n")
    write_result(args.name, {"title": f"A calendar feed of {args.meetings} meetings against bare icalendar serialisation",
                             "target_ratio": TARGET_RATIO, "target_met": verdict, **result}, load_at_start=load_before)
    return 0


if __name__ == "__main__":
    sys.exit(main())
