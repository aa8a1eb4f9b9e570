"""The follow-up pages' content rendered once and kept with its facts (decision 73): a kept page is served only
for the same view, district, term or year, sort and language, only while its facts are the facts cache's
answer (an audited change shows at once in a district's view), only to whom the page itself would be shown,
and around the reader's own layout (menu, name, CSRF token)."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from tests.followup_world import NOW
from tests.web.helpers import add_user, log_in_as, page

from coordinator import audit
from coordinator.auth.models import Role
from coordinator.planning.models import MeetingStatus

EKDAL = "/districts/EKDAL/followup"
TERM = {"term": "HT2027"}


def kept(app):  # type: ignore[no-untyped-def]
    """How many requests were served from kept content so far."""
    pages = app.extensions.get("coordinator.followup_pages")
    return pages.hits if pages is not None else 0


def conference(html: str) -> str:
    """The Elevhälsokonferens row of the district view's meeting forms, as a reader reads it."""
    forms = html.split('class="followup-forms"')[1].split("</table>")[0]
    row = next(r for r in forms.split("<tr>") if "Elevhälsokonferens" in r)
    return " ".join(re.sub(r"<[^>]+>", " ", row).split())


def tokenless(html: str) -> str:
    """The page without its CSRF tokens: a token carries the second it was made, so two renders a second apart
    differ there and nowhere else."""
    return re.sub(r'name="csrf_token" value="[^"]+"', 'name="csrf_token" value=""', html)


def test_a_kept_page_is_the_page_rendered_afresh_around_the_readers_own_layout(client, app, followup_world):
    admin = log_in_as(client, app, Role.DISTRICT_ADMIN, "EKDAL")
    first = client.get(EKDAL, query_string=TERM).get_data(as_text=True)
    again = client.get(EKDAL, query_string=TERM).get_data(as_text=True)
    assert kept(app) == 1 and tokenless(again) == tokenless(first)
    title = "<title>Uppföljning HT2027 – Ekdal – Samverkan skola–socialtjänst</title>"
    assert title in page(client.get(EKDAL, query_string=TERM))

    director = app.test_client()
    log_in_as(director, app, Role.DISTRICT_DIRECTOR, "EKDAL")
    theirs = director.get(EKDAL, query_string=TERM).get_data(as_text=True)
    assert kept(app) == 3
    content = lambda html: html.split('<main id="content"')[1].split("</main>")[0]  # noqa: E731
    assert content(theirs) == content(first)
    token = lambda html: re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)  # noqa: E731
    assert token(theirs) != token(first)  # the layout is the reader's own
    assert admin.email not in theirs


def test_a_kept_page_is_not_served_in_another_language(client, app, followup_world):
    log_in_as(client, app, Role.CITY_ADMIN)
    swedish = page(client.get(EKDAL, query_string=TERM))
    assert "Hållna möten av överenskomna" in swedish

    add_user(app, "english@stockholm.example", "auditor", language="en")
    english_reader = app.test_client()
    from tests.web.test_followup_pages import log_in_by_email
    log_in_by_email(english_reader, app, "english@stockholm.example")
    english = page(english_reader.get(EKDAL, query_string=TERM))
    assert "Meetings held (attendance or minutes recorded)" in english and "Hållna möten av överenskomna" not in english
    assert "(4 of 6)" in english and "(4 av 6)" not in english
    city = page(english_reader.get("/followup", query_string=TERM))
    assert "City median" in city

    assert "Hållna möten av överenskomna" in page(client.get(EKDAL, query_string=TERM))  # and back, kept
    assert "Median i staden" in page(client.get("/followup", query_string=TERM))


def test_a_kept_page_is_not_served_for_another_district_term_year_or_sort(client, app, followup_world):
    log_in_as(client, app, Role.CITY_ADMIN)
    assert "<h1>Uppföljning HT2027: Ekdal</h1>" in page(client.get(EKDAL, query_string=TERM))
    assert "<h1>Uppföljning HT2027: Lunda</h1>" in page(client.get("/districts/LUNDA/followup", query_string=TERM))
    assert "<h1>Uppföljning VT2028: Ekdal</h1>" in page(client.get(EKDAL, query_string={"term": "VT2028"}))
    assert "<h1>Uppföljning HT2027: Ekdal</h1>" in page(client.get(EKDAL))  # the current term, its own entry
    year = {"year": 2027}
    assert "<h1>Skolorna läsåret 2027/28: Ekdal</h1>" in page(client.get(f"{EKDAL}/schools", query_string=year))
    lunda = page(client.get("/districts/LUNDA/followup/schools", query_string=year))
    assert "<h1>Skolorna läsåret 2027/28: Lunda</h1>" in lunda

    def order(query):  # type: ignore[no-untyped-def]
        html = page(client.get("/followup", query_string={**TERM, **query}))
        table = html.split('class="followup-city"')[1].split("<tbody>")[1].split("</tbody>")[0]
        return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r'<th scope="row">(.*?)</th>', table, re.S)]
    for _ in range(2):  # counted, then kept
        assert order({}) == ["Ekdal", "Kvarn", "Lunda"]
        assert order({"order": "desc"}) == ["Lunda", "Kvarn", "Ekdal"]
    assert kept(app) >= 2


def test_an_audited_change_shows_at_once_and_an_unaudited_one_is_what_the_kept_page_shows(client, app, session,
                                                                                          followup_world):
    log_in_as(client, app, Role.DISTRICT_DIRECTOR, "EKDAL")
    # agreed, planned, published, held, cancelled, not held: c2 at Norra was not held
    before = conference(page(client.get(EKDAL, query_string=TERM)))
    assert before.startswith("Elevhälsokonferens 3 3 3 1 0 Inte uppfyllt 1")

    meeting = followup_world.meetings["c2"]
    meeting.status = MeetingStatus.CANCELLED
    session.commit()
    served = kept(app)
    stale = conference(page(client.get(EKDAL, query_string=TERM)))
    assert kept(app) == served + 1 and stale.startswith("Elevhälsokonferens 3 3 3 1 0 ")  # nobody audited it

    audit.record(session, at=NOW, actor="dora@ekdal.example", action="meeting.cancelled", entity=meeting,
                 district_id=followup_world.district.id)
    session.commit()
    fresh = conference(page(client.get(EKDAL, query_string=TERM)))
    assert kept(app) == served + 1  # counted and rendered again
    assert fresh.startswith("Elevhälsokonferens 3 2 2 1 1 Uppfyllt 0 ")
    assert conference(page(client.get(EKDAL, query_string=TERM))) == fresh and kept(app) == served + 2


@pytest.mark.parametrize(("role", "district", "expected"), [
    (Role.DISTRICT_DIRECTOR, "LUNDA", {"district": 404, "schools": 404, "city": 404}),
    (Role.DISTRICT_ADMIN, "EKDAL", {"district": 200, "schools": 200, "city": 404}),
    (Role.AUDITOR, None, {"district": 200, "schools": 200, "city": 200}),
    (Role.PARTICIPANT, None, {"district": 404, "schools": 404, "city": 404}),
], ids=["another-district", "own-district", "auditor", "participant"])
def test_a_kept_page_is_shown_only_to_whom_the_page_itself_is(client, app, followup_world, role, district, expected):
    urls = {"district": f"{EKDAL}?term=HT2027", "schools": f"{EKDAL}/schools?year=2027",
            "city": "/followup?term=HT2027"}
    log_in_as(client, app, Role.CITY_ADMIN)
    assert all(client.get(url).status_code == 200 for url in urls.values())  # rendered and kept

    reader = app.test_client()
    log_in_as(reader, app, role, district)
    assert {name: reader.get(url).status_code for name, url in urls.items()} == expected
    logged_out = app.test_client()
    assert all(logged_out.get(url).status_code == 302 for url in urls.values())


def test_a_kept_district_view_takes_the_users_statements_and_one_for_the_version(client, app, followup_world):
    """Served from kept content, the district view reads the data's version and nothing of the follow-up (the
    rest is the user and the layout's menu, whatever the district's size); the city's within its 10 s, not even
    the version."""
    log_in_as(client, app, Role.CITY_ADMIN)
    client.get("/tillganglighet")
    engine = app.extensions["coordinator.engine"]
    statements: list[str] = []

    def count(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    client.get(EKDAL, query_string=TERM)
    client.get("/followup", query_string=TERM)
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        layout = len(statements)
        client.get("/tillganglighet")
        layout = len(statements) - layout
        statements.clear()
        district = client.get(EKDAL, query_string=TERM)
        by_district = list(statements)
        statements.clear()
        city = client.get("/followup", query_string=TERM)
        by_city = list(statements)
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)

    assert district.status_code == city.status_code == 200 and kept(app) == 2
    assert len(by_district) <= layout + 1, by_district
    assert sum("audit_event" in s for s in by_district) == 1
    assert len(by_city) <= layout, by_city


def test_the_kept_page_its_exports_and_the_committee_report_agree_after_an_audited_change(client, app, session,
                                                                                           followup_world):
    log_in_as(client, app, Role.DISTRICT_DIRECTOR, "EKDAL")

    def cancelled_everywhere() -> tuple[str, str, str]:
        view = page(client.get(EKDAL, query_string=TERM))
        shown = " ".join(re.sub(r"<[^>]+>", " ", view.split('id="indicator-meetings-cancelled"')[1]
                                .split("</tr>")[0]).split())
        export = client.get(f"{EKDAL}/export/indikatorer.csv", query_string=TERM).get_data(as_text=True)
        row = next(line for line in export.splitlines() if ";Inställda möten;" in line)
        report = " ".join(re.sub(r"<[^>]+>", " ", page(client.get(f"{EKDAL}/report", query_string=TERM))).split())
        return re.search(r"Inställda möten Ingen bedömning (\d+)", shown).group(1), row.split(";")[2], \
            re.search(r"Inställda möten Möten som arrangören har ställt in under terminen\. (\d+)", report).group(1)

    assert cancelled_everywhere() == ("1", "1", "1")  # m3
    meeting = followup_world.meetings["c2"]
    meeting.status = MeetingStatus.CANCELLED
    audit.record(session, at=NOW, actor="dora@ekdal.example", action="meeting.cancelled", entity=meeting,
                 district_id=followup_world.district.id)
    session.commit()
    assert cancelled_everywhere() == ("2", "2", "2")
