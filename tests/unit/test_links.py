"""The addresses mail links to are the app's own pages, absolute under the base URL."""
from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest

from coordinator import create_app
from coordinator.config import Settings
from coordinator.links import Links

LINKS = Links("https://samverkan.example.se/stad")


@pytest.fixture(scope="module")
def routes(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The app's URL map (the app is built, nothing connects to its database)."""
    instance = tmp_path_factory.mktemp("instance")
    app = create_app(Settings.from_env({"COORDINATOR_INSTANCE_PATH": str(Path(instance)),
                                        "COORDINATOR_SECRET_KEY": "s"}))
    yield app.url_map.bind("samverkan.example.se")
    app.extensions["coordinator.engine"].dispose()


@pytest.mark.parametrize(("link", "endpoint", "arguments"), [
    (LINKS.minutes(7), "minutes.show", {"meeting_id": 7}),
    (LINKS.minutes(7, "items"), "minutes.show", {"meeting_id": 7}),
    (LINKS.meeting("NORRVIKEN", "HT2027", 7), "planning.meeting_page",
     {"code": "NORRVIKEN", "term": "HT2027", "meeting_id": 7}),
    (LINKS.term_plan("NORRVIKEN", "VT2028"), "planning.plan", {"code": "NORRVIKEN", "term": "VT2028"}),
    (LINKS.register("NORRVIKEN"), "protocol_register.register", {"code": "NORRVIKEN"}),
    (LINKS.register("NORRVIKEN", "HT2027"), "protocol_register.register", {"code": "NORRVIKEN"}),
    (LINKS.committee("NORRVIKEN"), "protocol_register.committee", {"code": "NORRVIKEN"}),
    (LINKS.agreement(3), "agreements.agreement", {"agreement_id": 3}),
    (LINKS.outbox("dead"), "outbox.index", {}),
    (LINKS.set_password("abc.def"), "auth.set_password", {"token": "abc.def"}),
    (LINKS.login(), "auth.login", {}),
])
def test_each_link_is_a_page_of_the_app_under_the_base_url(routes, link, endpoint, arguments):
    assert urlsplit(link).scheme == "https" and link.startswith("https://samverkan.example.se/stad/")
    path = LINKS.path(link.split("?")[0].split("#")[0])
    assert routes.match(path, method="GET") == (endpoint, arguments)


def test_query_and_anchor_are_kept_and_empty_values_left_out():
    assert LINKS.outbox("dead") == "https://samverkan.example.se/stad/outbox?state=dead"
    assert LINKS.outbox() == "https://samverkan.example.se/stad/outbox"
    assert LINKS.register("SÖDER", "HT2027") == "https://samverkan.example.se/stad/districts/S%C3%96DER/minutes?term=HT2027"
    assert LINKS.minutes(7, "items").endswith("/meetings/7/minutes#items")
    assert LINKS.path(LINKS.minutes(7)) == "/meetings/7/minutes"
