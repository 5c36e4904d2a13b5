"""Who is signed in, what they may do, and the CSRF token: the glue between Flask and services/sessions.py.

Flask's signed cookie carries only the session token (``sid``), the CSRF token and
the language. Whether the token still works is decided on every request by its
``staff_sessions`` row (services/sessions.py: idle timeout, absolute lifetime,
ended by sign-out, disable, reset, role change); the staff member is re-read from
the database every time.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any, TypeVar

from flask import current_app, g, render_template, request, session
from flask.typing import ResponseReturnValue

from server.services import sessions
from server.services.auth import Staff, load_staff
from server.storage.engine import reading, writing
from shared.errors import CsrfRefused, InvalidInput, NotAuthenticated

F = TypeVar("F", bound=Callable[..., ResponseReturnValue])


def start_session(staff: Staff) -> None:
    """Open a new server-side session (a new id: whatever the browser held before is forgotten)."""
    ctx = current_app.extensions["trialpro"]
    lang = session.get("lang")
    with writing(ctx.engine) as conn:
        token = sessions.open_session(conn, staff.username, request.remote_addr or "unknown",
                                      lifetime=timedelta(hours=ctx.config.session_hours),
                                      replaces=session.get("sid"))
    session.clear()
    session.update(sid=token, csrf=secrets.token_urlsafe(32))
    if lang:
        session["lang"] = lang
    session.permanent = True


def end_browser_session() -> None:
    """Forget this browser's session (the server-side rows are ended by auth.sign_out)."""
    lang = session.get("lang")
    token = session.get("sid")
    if token:
        with writing(current_app.extensions["trialpro"].engine) as conn:
            sessions.end_session(conn, token)
    session.clear()
    if lang:
        session["lang"] = lang


def current_staff() -> Staff | None:
    """The signed-in staff member, or None (no session, ended, idle, expired, account disabled)."""
    if "staff" in g:
        return g.staff
    staff = None
    token = session.get("sid")
    if isinstance(token, str) and token:
        ctx = current_app.extensions["trialpro"]
        username = sessions.session_user(ctx.engine, token,
                                         idle=timedelta(minutes=ctx.config.session_idle_minutes))
        if username is not None:
            try:
                with reading(ctx.engine) as conn:
                    staff = load_staff(conn, username)
            except NotAuthenticated:
                staff = None
        if staff is None:
            session.pop("sid", None)
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
    if not expected or not secrets.compare_digest(sent.encode("utf-8", "replace"), expected.encode("utf-8")):
        raise CsrfRefused("This form has expired or did not come from this site. Reload the page and try again.")


def check_request_text() -> None:
    """Raise InvalidInput naming the field when the path, a query parameter or a form field holds a NUL.

    No stored value may contain one (PostgreSQL refuses it in text), so it is refused here, once, with the
    field's name, instead of failing deep inside a query.
    """
    if "\x00" in request.path:
        raise InvalidInput("path: a NUL character (%00) is not allowed in an address.")
    for where, fields in (("query parameter", request.args), ("form field", request.form)):
        for name, values in fields.lists():
            if "\x00" in name or any("\x00" in v for v in values):
                raise InvalidInput(f"{where} {name[:40]!r}: a NUL character is not allowed; remove it and send again.")


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
