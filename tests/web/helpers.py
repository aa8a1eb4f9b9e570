"""Helpers for web tests: CSRF tokens from rendered forms, users in the app's database, logging in.

Import as `from tests.web.helpers import ...`.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from html import unescape

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from coordinator.auth import services
from coordinator.auth.models import Role, User
from coordinator.org.models import District, Municipality
from coordinator.web import db

PASSWORD = "korrekt häst batteri häftklammer"
NOW = datetime(2027, 9, 1, 8, 0, tzinfo=timezone.utc)

_CSRF_INPUT = re.compile(r'<input\b[^>]*\bname="csrf_token"[^>]*>')
_VALUE = re.compile(r'\bvalue="([^"]*)"')


def text(response: TestResponse) -> str:
    return response.get_data(as_text=True)


def csrf_token(html: str) -> str:
    """The CSRF token of the first form in `html` that carries one."""
    tag = _CSRF_INPUT.search(html)
    assert tag is not None, "the page has no form with a CSRF token"
    value = _VALUE.search(tag.group(0))
    assert value is not None
    return unescape(value.group(1))


def _municipality(session: Session) -> Municipality:
    municipality = session.scalars(sa.select(Municipality).where(Municipality.code == "0180")).one_or_none()
    if municipality is None:
        municipality = Municipality(code="0180", name="Stockholms stad")
        session.add(municipality)
        session.flush()
    return municipality


def add_district(app: Flask, code: str, name: str) -> int:
    """A district of Stockholm (the municipality is created on first use); its id."""
    with app.app_context():
        session = db()
        district = District(code=code, name=name, municipality=_municipality(session), is_active=True)
        session.add(district)
        session.commit()
        return district.id


def add_user(app: Flask, email: str, role: str = "city_admin", district_code: str | None = None, *,
             name: str | None = None, language: str = "sv", password: str = PASSWORD,
             is_active: bool = True) -> int:
    """A user created through the service the CLI uses (in Stockholm, for the person's name); their id."""
    with app.app_context():
        session = db()
        _municipality(session)
        user = services.create_user(session, email, role, district_code, password, NOW,
                                    name=name, language=language)
        user.is_active = is_active
        session.commit()
        return user.id


def set_active(app: Flask, user_id: int, is_active: bool) -> None:
    with app.app_context():
        session = db()
        session.get_one(User, user_id).is_active = is_active
        session.commit()


def get_user(app: Flask, user_id: int) -> User:
    with app.app_context():
        session = db()
        user = session.get_one(User, user_id)
        session.expunge(user)
        return user


def log_in(client: FlaskClient, email: str, password: str = PASSWORD, next_url: str | None = None,
           follow_redirects: bool = False) -> TestResponse:
    """Fill in and send the login form as a browser would."""
    page = client.get("/login", query_string={"next": next_url} if next_url else None)
    form = {"csrf_token": csrf_token(text(page)), "email": email, "password": password}
    if next_url is not None:
        form["next"] = next_url
    return client.post("/login", data=form, follow_redirects=follow_redirects)


def log_out(client: FlaskClient) -> TestResponse:
    token = csrf_token(text(client.get("/")))
    return client.post("/logout", data={"csrf_token": token})


def page(response: TestResponse) -> str:
    """The response's text with HTML entities resolved, as a reader sees it."""
    return unescape(text(response))


def log_in_as(client: FlaskClient, app: Flask, role: Role, district_code: str | None = None) -> User:
    """Log in as the first user of `role` without the login form (the auth blueprint loads
    `g.user` from the session's user id)."""
    with app.app_context():
        query = sa.select(User).where(User.role == role)
        if district_code is not None:
            query = query.where(User.district.has(code=district_code))
        user = db().scalars(query).first()
    with client.session_transaction() as session:
        session["user_id"] = user.id
    return user


@contextmanager
def statements_of(app: Flask) -> Iterator[list[str]]:
    """The SQL statements the app sends while the block runs (the pool's pre-ping not included), for ceilings
    on a page's statements."""
    engine = app.extensions["coordinator.engine"]
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)


def get_counting_statements(app: Flask, client: FlaskClient, url: str) -> tuple[TestResponse, list[str]]:
    """The response to GET `url` and the SQL statements it took (for the pages' statement ceilings, issue 16)."""
    with statements_of(app) as statements:
        response = client.get(url)
    return response, statements
