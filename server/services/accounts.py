"""Changes to staff accounts after creation: disable, reset password (which also unlocks), roles, list.

Creating an account is ``server.services.users.add_user``. Every change here is
audited beside it and ends every open session of the account in the same
transaction (``staff_sessions``), so a copied cookie stops working at once.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection

from server.services.audit import AuditEntry, append
from server.services.sessions import end_all_sessions
from server.services.users import ROLES, hasher
from server.storage import users as user_rows
from shared.errors import InvalidInput, NotFound
from shared.passwords import check_password
from shared.records import utc_now


def _existing(conn: Connection, username: str) -> Any:
    row = user_rows.find(conn, username)
    if row is None:
        raise NotFound(f"No user {username!r}; `trialpro-server user list` shows the accounts.")
    return row


def may_manage(admin_sites: Iterable[str], account_sites: str) -> bool:
    """Least privilege: an admin manages an account only when every one of its sites is one of theirs.

    (Sharing one site is not enough: resetting a two-site admin's password would hand over the other site.)
    """
    theirs = {s for s in account_sites.split(",") if s}
    return bool(theirs) and theirs <= set(admin_sites)


def new_password() -> str:
    """A random password for a new or reset account (shown once)."""
    return secrets.token_urlsafe(12)


def disable_user(conn: Connection, username: str, *, actor: str, reason: str | None = None) -> None:
    """Disable an account: no more sign-ins, and its open sessions end."""
    row = _existing(conn, username)
    if row.disabled:
        return
    user_rows.disable(conn, username, changed_at=utc_now())
    end_all_sessions(conn, username)
    append(conn, AuditEntry(actor=actor, action="user.disable", entity_type="user", entity_id=username,
                            old={"disabled": False}, new={"disabled": True}, reason=reason))


def reset_password(conn: Connection, username: str, *, actor: str, password: str | None = None,
                   reason: str | None = None) -> str:
    """Set a new password (random when none is given), unlock and re-enable. Returns the password."""
    row = _existing(conn, username)
    password = password or new_password()
    check_password(password, known_words=(username, row.display_name))
    user_rows.set_password(conn, username, password_hash=hasher.hash(password), changed_at=utc_now())
    end_all_sessions(conn, username)
    append(conn, AuditEntry(actor=actor, action="user.reset", entity_type="user", entity_id=username,
                            old={"disabled": bool(row.disabled), "locked_until": row.locked_until},
                            new={"disabled": False, "locked_until": None, "password": "changed"}, reason=reason))
    return password


def change_roles(conn: Connection, username: str, *, roles: Iterable[str], sites: Iterable[str], actor: str,
                 valid_site_ids: set[str], reason: str | None = None) -> None:
    """Give an account new roles and sites; its open sessions end (it signs in again with the new rights).

    Raises InvalidInput naming a role or site that is not allowed, NotFound for an unknown account.
    """
    row = _existing(conn, username)
    roles, sites = list(dict.fromkeys(roles)), list(dict.fromkeys(sites))
    bad_roles = [r for r in roles if r not in ROLES]
    if not roles or bad_roles:
        raise InvalidInput(f"role: {', '.join(bad_roles) or 'none'} is not allowed; roles are {', '.join(ROLES)}.")
    if not sites or not set(sites) <= valid_site_ids:
        raise InvalidInput(f"site: {', '.join(sorted(set(sites) - valid_site_ids)) or 'none'} is not allowed; "
                           f"sites are {', '.join(sorted(valid_site_ids))}.")
    user_rows.set_roles(conn, username, roles=",".join(roles), sites=",".join(sites), changed_at=utc_now())
    end_all_sessions(conn, username)
    append(conn, AuditEntry(actor=actor, action="user.roles", entity_type="user", entity_id=username,
                            old={"roles": row.roles.split(","), "sites": row.sites.split(",")},
                            new={"roles": roles, "sites": sites}, reason=reason))


def list_users(conn: Connection) -> list[dict[str, Any]]:
    """Every account without its password hash."""
    return user_rows.listing(conn)


def set_display_name(conn: Connection, username: str, *, display_name: str, actor: str,
                     reason: str | None = None) -> None:
    """Set the printed name an account's e-signatures show (21 CFR 11.50(a)(1)); audited with old and new.

    Raises NotFound (no such account) or InvalidInput (empty, too long or not printable). Signatures already
    made keep the name they were made with.
    """
    row = _existing(conn, username)
    name = (display_name or "").strip()
    if not name or len(name) > 200 or not name.isprintable():
        raise InvalidInput("display_name: write the signer's printed name, 1 to 200 printable characters.")
    user_rows.set_display_name(conn, username, display_name=name)
    append(conn, AuditEntry(actor=actor, action="user.display_name", entity_type="user", entity_id=username,
                            old={"display_name": row.display_name}, new={"display_name": name}, reason=reason))
