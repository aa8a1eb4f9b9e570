"""Every page a role can reach is accessible: as each demo role (and signed out) the browser follows the links
from the landing page, one page per kind of page (the route it is served by), and on each runs axe-core's
WCAG 2.1 A and AA rules, checks the page's frame (lang, title, one h1, a skip link first, labelled fields, a
visible focus) and that at 320 px the page itself does not scroll sideways and every box that scrolls can be
reached with the keyboard. The full axe-core run (about 1.5 s a page, four fifths of it the colour-contrast
rule) is done once per kind of page in a test process, by the first role that reaches it; the frame and 320 px
checks, which are where roles differ, on every page of every role. That keeps the walk near a minute and a half.

Only links are followed (GET): forms and their buttons, which change things, are not used. Files (exports,
PDFs, calendar feeds, attachments) are not pages and are not opened. The walk is bounded by the number of
page kinds (`LIMIT` per role).
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

import pytest
from werkzeug.exceptions import HTTPException

from coordinator.agreements.models import FormKind
from coordinator.auth.models import Role
from tests.e2e.accessibility import frame_problems, serious_violations, narrow_problems, with_axe
from tests.e2e.conftest import LiveServer, serve
from tests.e2e.test_director_journey import log_in
from tests.e2e.world import a_forum_held, email_of

AXE_CHECKED: set[str] = set()  # the endpoints axe-core has checked in this test process
LIMIT = 60  # page kinds per role; the app has about 70 GET routes in all
FILES = re.compile(r"\.(pdf|ics|csv|xlsx)$|\.<")  # a route that answers with a file, not a page
ROLES = [None, Role.CITY_ADMIN, Role.DISTRICT_DIRECTOR, Role.DISTRICT_ADMIN, Role.INTAKE_OFFICER, Role.PARTICIPANT,
         Role.AUDITOR]


@pytest.fixture(scope="module")
def walk_server(demo_database: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One server for the whole walk (it changes nothing): the demo with Norrviken's HT2027 planned and
    published, and a forum held in HT2026 with its minutes begun."""
    with serve(demo_database, tmp_path_factory.mktemp("walk")) as server:
        held = a_forum_held(server.app, FormKind.OVERARCHING_FORUM)
        _plan_publish_and_write_minutes(server.app, held)
        yield server


def _plan_publish_and_write_minutes(app, meeting_id: int) -> None:  # type: ignore[no-untyped-def]
    from datetime import datetime, timezone

    from coordinator.minutes.services import start_minutes
    from coordinator.planning.models import Meeting
    from coordinator.planning.services import plan_district_term, publish
    from coordinator.web import db

    now = datetime.now(timezone.utc)
    with app.app_context():
        session = db()
        plan_district_term(session, "NORRVIKEN", "HT2027", actor="e2e", now=now)
        publish(session, "NORRVIKEN", "HT2027", actor="e2e", now=now)
        start_minutes(session, session.get_one(Meeting, meeting_id), actor="e2e", now=now)
        session.commit()


def file_routes(app) -> set[str]:  # type: ignore[no-untyped-def]
    """The endpoints that answer with a file, read from the app's URL map."""
    return {rule.endpoint for rule in app.url_map.iter_rules()
            if FILES.search(rule.rule) or rule.endpoint in ("static", "minutes.download")}


def walk(page, server: LiveServer) -> Iterator[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """Visit the pages reachable by links from the landing page, one per endpoint; yields (endpoint, url) with
    the page loaded."""
    adapter = server.app.url_map.bind("127.0.0.1")
    files = file_routes(server.app)
    origin = urlsplit(server.url).netloc
    queue, queued, seen = [f"{server.url}/"], {f"{server.url}/"}, set()
    while queue and len(seen) < LIMIT:
        url = queue.pop(0)
        parts = urlsplit(url)
        try:
            endpoint, _ = adapter.match(parts.path, method="GET")
        except HTTPException:
            continue
        if endpoint in seen or endpoint in files or "lang=" in parts.query:  # ?lang= switches the language
            continue
        seen.add(endpoint)
        response = page.goto(url)
        assert response is not None and response.status == 200, f"{url} answers {response and response.status}"
        yield endpoint, url
        for href in page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)"):
            href = urldefrag(href).url
            if urlsplit(href).netloc == origin and href not in queued:
                queued.add(href)
                queue.append(href)


@pytest.mark.parametrize("role", ROLES, ids=lambda role: role.value if role else "anonymous")
def test_every_page_a_role_reaches_is_accessible(walk_server, browser, role) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(locale="sv-SE", timezone_id="Europe/Stockholm",
                                  viewport={"width": 1280, "height": 800})
    with_axe(context)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        if role is not None:
            log_in(page, walk_server.url, email_of(role))
        problems, visited = [], []
        for endpoint, url in walk(page, walk_server):
            visited.append(endpoint)
            found = serious_violations(page) if endpoint not in AXE_CHECKED else []
            AXE_CHECKED.add(endpoint)
            found += frame_problems(page) + narrow_problems(page)
            problems += [f"{endpoint} {url}: {problem}" for problem in found]
        assert len(visited) >= 3, visited  # the walk found the role's pages
        assert problems == [], "\n".join(problems)
    finally:
        context.close()
