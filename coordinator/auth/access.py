"""The permission check as views use it: the logged-in user, 404 outside scope (signing in is asked for by the
route's declared permission, `coordinator.auth.routes`)."""
from __future__ import annotations

from flask import abort, g

from coordinator.auth.models import User
from coordinator.auth.permissions import Action, allows

def current_user() -> User | None:
    """The logged-in user of this request (loaded by the auth blueprint), or None."""
    return getattr(g, "user", None)


def require(action: Action, district_id: int | None) -> User:
    """The current user if allowed; 404 otherwise, so other districts' data is not even seen to exist."""
    user = current_user()
    if user is None:
        abort(401)
    if not allows(user, action, district_id):
        abort(404)
    return user
