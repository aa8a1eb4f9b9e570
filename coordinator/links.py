"""The addresses mail links to: every page a recipient acts on, absolute under the one configured base URL.

No Flask: mail is composed by jobs and CLI commands as well as by the web app, outside any
request, so the paths are written here once; tests/unit/test_links.py checks each against the
app's routes, so a renamed route cannot leave mail pointing at nothing. A page that needs a
login sends a visitor without one to the login page and back (auth/access.py), so the links
are the pages themselves.
"""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlencode


@dataclass(frozen=True)
class Links:
    base_url: str  # COORDINATOR_BASE_URL, without a trailing slash

    def url(self, path: str, anchor: str | None = None, **query: str | None) -> str:
        """`path` (starting with /) under the base URL, with the query parameters that have a value."""
        given = {k: v for k, v in query.items() if v is not None}
        return (f"{self.base_url.rstrip('/')}{path}{'?' + urlencode(given) if given else ''}"
                f"{'#' + anchor if anchor else ''}")

    def path(self, url: str) -> str:
        """The site path of a link built here (what a `next=` after a sign-in takes)."""
        return url.removeprefix(self.base_url.rstrip("/")) or "/"

    def minutes(self, meeting_id: int, anchor: str | None = None) -> str:
        """A meeting's minutes: to write, to approve, its action items."""
        return self.url(f"/meetings/{meeting_id}/minutes", anchor)

    def meeting(self, district_code: str, term_name: str, meeting_id: int) -> str:
        """The organiser's page of a meeting: who answered what."""
        return self.url(f"/districts/{_segment(district_code)}/terms/{_segment(term_name)}/meetings/{meeting_id}")

    def term_plan(self, district_code: str, term_name: str) -> str:
        return self.url(f"/districts/{_segment(district_code)}/terms/{_segment(term_name)}/plan")

    def register(self, district_code: str, term_name: str | None = None) -> str:
        """The protocol register of a district (and term)."""
        return self.url(f"/districts/{_segment(district_code)}/minutes", term=term_name)

    def committee(self, district_code: str) -> str:
        """The committee bundle, where approved minutes are reported to the committee."""
        return self.url(f"/districts/{_segment(district_code)}/minutes/committee")

    def agreement(self, agreement_id: int) -> str:
        return self.url(f"/agreements/{agreement_id}")

    def outbox(self, state: str | None = None) -> str:
        """The administrators' "Utskick" page (e.g. state="dead": mail that could not be delivered)."""
        return self.url("/outbox", state=state)

    def set_password(self, token: str) -> str:
        """Where an invitation, a reset or a first-login link lets a person choose a password."""
        return self.url(f"/password/{token}")

    def login(self) -> str:
        return self.url("/login")


def _segment(value: str) -> str:
    return quote(value, safe="")
