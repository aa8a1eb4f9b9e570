"""The web app as `bench.web` serves it with gunicorn: the product, plus the benchmark's baseline.

`/bench/baseline`: one SELECT of a municipality by its primary key, rendered as a line of text: what
a request costs on this stack (gunicorn, Flask, SQLAlchemy, the database) when it does almost nothing.
Every page's figures are read as ratios to it. It exists only here, never in the product.
"""
from __future__ import annotations

from flask import Flask

from coordinator import create_app
from coordinator.auth.routes import ANYONE, permission
from coordinator.org.models import Municipality
from coordinator.web import db


def baseline() -> str:
    """One indexed primary-key SELECT."""
    municipality = db().get(Municipality, 1)
    return f"{municipality.code if municipality else '-'}\n"


def bench_app() -> Flask:
    app = create_app()
    app.add_url_rule("/bench/baseline", "bench_baseline", permission(ANYONE)(baseline))  # through the access check
    return app


app = bench_app()
