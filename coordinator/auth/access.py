"""The permission check as views use it: the logged-in user, login required, 404 outside scope."""
from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from flask import abort, g, redirect, request, url_for

from coordinator.auth.models import User
from coordinator.auth.permissions import Action, allows

F = TypeVar("F", bound=Callable[..., Any])


def current_user() -> User | None:
    """The logged-in user of this request (loaded by the auth blueprint), or None."""
    return getattr(g, "user", None)


def login_required(view: F) -> F:
    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if current_user() is None:
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)
    return wrapped  # type: ignore[return-value]


def require(action: Action, district_id: int | None) -> User:
    """The current user if allowed; 404 otherwise, so other districts' data is not even seen to exist."""
    user = current_user()
    if user is None:
        abort(401)
    if not allows(user, action, district_id):
        abort(404)
    return user
