"""The web app as `bench.followup` serves it with gunicorn: the product, plus two endpoints of the benchmark's own.

- `/bench/baseline`: one SELECT of a municipality by its primary key, rendered as a line of text: what a
  request costs on this stack (gunicorn, Flask, the session cookie and its user, SQLAlchemy, PostgreSQL)
  when it does almost nothing. The follow-up's figures are read as ratios to it.
- `/bench/city?term=HT2026`: until the product's city view (`/followup?term=…`) is merged, a stand-in
  that does what that view does per request: `followup.services.city_followup` once, for the logged-in
  city administrator's municipality, rendered as a table of every district's headline figures.

They exist only here (`gunicorn bench.followup_app:app`), never in the product.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import Flask, abort, render_template_string, request

from coordinator import create_app
from coordinator.auth.access import current_user
from coordinator.auth.models import Role
from coordinator.auth.routes import CITY_FOLLOWUP, SIGNED_IN, permission
from coordinator.clock import utcnow
from coordinator.followup.services import city_followup
from coordinator.org.models import Municipality
from coordinator.terms.models import Term
from coordinator.web import db

CITY_TABLE = """<!doctype html><html lang="sv"><title>{{ city.municipality.name }} {{ city.term.name }}</title>
<table><thead><tr><th>Stadsdel</th>{% for i in city.indicators %}<th>{{ i.name_sv }}</th>{% endfor %}</tr></thead>
<tbody>{% for row in city.rows %}<tr><th>{{ row.district.name }}</th>
{% for r in row.readings %}<td class="{{ r.status.name }}">{{ r.figure.value }}</td>{% endfor %}</tr>{% endfor %}
<tr><th>Median</th>{% for s in city.spreads %}<td>{{ s.median }} ({{ s.lowest }}–{{ s.highest }})</td>{% endfor %}</tr>
</tbody></table></html>"""


def baseline() -> str:
    """One indexed primary-key SELECT."""
    municipality = db().get(Municipality, 1)
    return f"{municipality.code if municipality else '-'}\n"


def city() -> str:
    """The city's districts side by side for a term, as the city view computes them."""
    user = current_user()
    if user is None or user.role not in (Role.CITY_ADMIN, Role.AUDITOR):
        abort(403)
    session = db()
    municipality = session.scalars(sa.select(Municipality).where(
        Municipality.code == request.args.get("municipality", "0180"))).one_or_none()
    term = session.scalars(sa.select(Term).where(
        Term.municipality_id == (municipality.id if municipality else None),
        Term.name == request.args.get("term", ""))).one_or_none()
    if municipality is None or term is None:
        abort(404)
    return render_template_string(CITY_TABLE, city=city_followup(session, municipality, term, utcnow()))


def bench_app() -> Flask:
    app = create_app()
    app.add_url_rule("/bench/baseline", "bench_baseline", permission(SIGNED_IN)(baseline))  # behind the login
    app.add_url_rule("/bench/city", "bench_city", permission(CITY_FOLLOWUP)(city))
    return app


app = bench_app()
