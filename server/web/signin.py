"""Sign-in, sign-out and the language switch."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue

from server.services import auth
from server.storage.engine import writing
from server.web.blueprint import bp
from server.web.i18n import LANGUAGES, problem_message, t
from server.web.session import current_staff, end_browser_session, require, staff, start_session
from shared.errors import InvalidInput, WeakPassword


def _safe_next(target: str | None) -> str:
    """Only a path on this site (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or urlsplit(target).netloc:
        return url_for("web.dashboard")
    return target


@bp.get("/")
def home() -> ResponseReturnValue:
    return redirect(url_for("web.dashboard"))


@bp.route("/signin", methods=["GET", "POST"])
def signin() -> ResponseReturnValue:
    """Show the form; on POST check the password (rate-limited, audited) and open a session."""
    nxt = _safe_next(request.values.get("next"))
    if request.method == "GET":
        if current_staff() is not None:
            return redirect(nxt)
        return render_template("signin.html", next=nxt)
    ctx = current_app.extensions["trialpro"]
    try:
        staff = auth.sign_in(ctx.engine, request.form.get("username", ""), request.form.get("password", ""),
                             request.remote_addr or "unknown")
    except (auth.SignInRefused, auth.TooManyAttempts) as exc:
        return render_template("signin.html", next=nxt, error=problem_message(exc),
                               username=request.form.get("username", "")[:64]), exc.status
    start_session(staff)
    return redirect(nxt)


@bp.post("/signout")
def signout() -> ResponseReturnValue:
    """End every session of the signed-in account (a cookie copied before stops working too)."""
    staff = current_staff()
    if staff is not None:
        with writing(current_app.extensions["trialpro"].engine) as conn:
            auth.sign_out(conn, staff)
    end_browser_session()
    return redirect(url_for("web.signin"))


@bp.route("/account/password", methods=["GET", "POST"])
@require("study.view")
def change_password() -> ResponseReturnValue:
    """Any signed-in staff member: set a new password (the reason is shown when one is refused)."""
    if request.method == "GET":
        return render_template("password.html")
    me = staff()
    try:
        auth.change_own_password(current_app.extensions["trialpro"].engine, me,
                                 request.form.get("current_password", ""), request.form.get("password", ""),
                                 request.remote_addr or "unknown")
    except (InvalidInput, WeakPassword) as exc:
        return render_template("password.html", error=problem_message(exc)), exc.status
    start_session(me)                          # every other session of the account has ended
    flash(t("password.changed"))
    return redirect(url_for("web.dashboard"))


@bp.get("/lang/<code>")
def switch_language(code: str) -> ResponseReturnValue:
    """Remember the chosen language and go back to the page the switch was clicked on."""
    if code in LANGUAGES:
        session["lang"] = code
    return redirect(_safe_next(request.args.get("next")))
