"""Pages of the organisation: the home page with the districts."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, render_template

from coordinator.org.models import District
from coordinator.web import db

bp = Blueprint("org", __name__)


@bp.get("/")
def home() -> str:
    """The home page: the municipality's districts."""
    districts = db().scalars(sa.select(District).where(District.is_active).order_by(District.name)).all()
    return render_template("org/home.html", districts=districts)
