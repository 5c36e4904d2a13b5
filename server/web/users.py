"""Staff accounts page (admins): list, add with a one-time password, disable, reset. Same services as the CLI."""

from __future__ import annotations

from flask import current_app, render_template, request
from flask.typing import ResponseReturnValue

from server.services import accounts, users
from server.storage.engine import reading, writing
from server.web.blueprint import bp
from server.web.session import require, staff
from shared.errors import InvalidInput, NotFound


def _page(**shown: object) -> ResponseReturnValue:
    ctx = current_app.extensions["trialpro"]
    mine = staff().sites
    with reading(ctx.engine) as conn:
        rows = [u for u in accounts.list_users(conn) if accounts.may_manage(mine, u["sites"])]
    return render_template("users.html", users=rows, roles=users.ROLES,
                           sites=[s for s in ctx.study.sites if s.id in mine], **shown)


def _own(conn: object, username: str) -> None:
    """NotFound unless every site of the account is one of the admin's (never says whether it exists)."""
    for u in accounts.list_users(conn):  # type: ignore[arg-type]
        if u["username"] == username and accounts.may_manage(staff().sites, u["sites"]):
            return
    raise NotFound(f"No account {username!r} that you manage: an admin manages only accounts all of whose "
                   "sites are theirs.")


@bp.get("/users")
@require("user.manage")
def users_page() -> ResponseReturnValue:
    return _page()


@bp.post("/users")
@require("user.manage")
def add_user() -> ResponseReturnValue:
    ctx = current_app.extensions["trialpro"]
    username = request.form.get("username", "").strip()
    password = accounts.new_password()
    with writing(ctx.engine) as conn:
        users.add_user(conn, username=username, password=password, roles=request.form.getlist("role"),
                       sites=request.form.getlist("site"), actor=staff().actor,
                       display_name=request.form.get("display_name", "").strip() or None,
                       valid_site_ids=set(staff().sites))
    return _page(shown_password={"username": username, "password": password})


@bp.post("/users/<username>/disable")
@require("user.manage")
def disable_user(username: str) -> ResponseReturnValue:
    if username == staff().username:
        raise InvalidInput("You cannot disable your own account here; ask another admin.")
    with writing(current_app.extensions["trialpro"].engine) as conn:
        _own(conn, username)
        accounts.disable_user(conn, username, actor=staff().actor, reason=request.form.get("reason") or None)
    return _page()


@bp.post("/users/<username>/reset")
@require("user.manage")
def reset_user(username: str) -> ResponseReturnValue:
    with writing(current_app.extensions["trialpro"].engine) as conn:
        _own(conn, username)
        password = accounts.reset_password(conn, username, actor=staff().actor,
                                           reason=request.form.get("reason") or None)
    return _page(shown_password={"username": username, "password": password})
