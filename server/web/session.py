"""Who is signed in, what they may do, and the CSRF token: the glue between Flask and services/auth.py.

The session lives in Flask's signed cookie (no server-side state): the user
name, the account's ``password_changed_at`` (a reset or disable ends the
session) and the sign-in time (sessions last ``SESSION_HOURS``). The staff
member is re-read from the database on every request.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import wraps
from typing import Any, TypeVar

from flask import current_app, g, render_template, request, session
from flask.typing import ResponseReturnValue

from server.services.auth import Staff, load_staff
from server.services.errors import NotAuthenticated
from server.storage.engine import reading
from shared.errors import TrialproError

SESSION_HOURS = 8
F = TypeVar("F", bound=Callable[..., ResponseReturnValue])


class CsrfRefused(TrialproError):
    """A form or admin API call came without the session's CSRF token."""

    code = "auth.csrf"
    status = 400
    title = "Form expired"


def start_session(staff: Staff) -> None:
    session.clear()
    session.update(user=staff.username, epoch=staff.session_epoch,
                   since=datetime.now(UTC).isoformat(), csrf=secrets.token_urlsafe(32))
    session.permanent = True


def current_staff() -> Staff | None:
    """The signed-in staff member, or None (no session, expired, account changed or disabled)."""
    if "staff" in g:
        return g.staff
    staff = None
    username, epoch, since = session.get("user"), session.get("epoch"), session.get("since")
    if username and epoch and since:
        if datetime.now(UTC) - datetime.fromisoformat(since) < timedelta(hours=SESSION_HOURS):
            try:
                with reading(current_app.extensions["trialpro"].engine) as conn:
                    staff = load_staff(conn, username, epoch)
            except NotAuthenticated:
                staff = None
        if staff is None:
            session.clear()
    g.staff = staff
    return staff


def csrf_token() -> str:
    """The session's CSRF token (made on first use)."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def check_csrf() -> None:
    """Raise CsrfRefused unless a state-changing request carries the session's token."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    sent = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token") or ""
    expected = session.get("csrf") or ""
    if not expected or not secrets.compare_digest(sent, expected):
        raise CsrfRefused("This form has expired or did not come from this site. Reload the page and try again.")


def _is_api() -> bool:
    return request.path.startswith("/api/")


def require(permission: str) -> Callable[[F], F]:
    """Route decorator: 401 when nobody is signed in, 403 when the role lacks ``permission``."""
    def decorate(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> ResponseReturnValue:
            staff = current_staff()
            if staff is None:
                if _is_api():
                    raise NotAuthenticated("Sign in at /signin first; this admin API uses the session cookie.")
                return render_template("signin.html", next=request.full_path.rstrip("?"),
                                       notice="signin.required"), 401
            staff.require(permission)
            return view(*args, **kwargs)
        return wrapped  # type: ignore[return-value]
    return decorate


def staff() -> Staff:
    """The signed-in staff member inside a @require view."""
    s = current_staff()
    assert s is not None
    return s
