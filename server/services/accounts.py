"""Changes to staff accounts after creation: disable, reset password (which also unlocks), list.

Creating an account is ``server.services.users.add_user``. Every change here is
audited beside it; a reset or disable moves ``password_changed_at`` so every
session opened before it ends at its next request.
"""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import Connection, select, update

from server.services.audit import AuditEntry, append
from server.services.errors import InvalidInput, NotFound
from server.services.users import MIN_PASSWORD, hasher
from server.storage.tables import users
from shared.records import utc_now


def _existing(conn: Connection, username: str) -> Any:
    row = conn.execute(select(users).where(users.c.username == username)).first()
    if row is None:
        raise NotFound(f"No user {username!r}; `trialpro-server user list` shows the accounts.")
    return row


def new_password() -> str:
    """A random password for a new or reset account (shown once)."""
    return secrets.token_urlsafe(12)


def disable_user(conn: Connection, username: str, *, actor: str, reason: str | None = None) -> None:
    """Disable an account: no more sign-ins, and its open sessions end."""
    row = _existing(conn, username)
    if row.disabled:
        return
    conn.execute(update(users).where(users.c.username == username)
                 .values(disabled=True, password_changed_at=utc_now()))
    append(conn, AuditEntry(actor=actor, action="user.disable", entity_type="user", entity_id=username,
                            old={"disabled": False}, new={"disabled": True}, reason=reason))


def reset_password(conn: Connection, username: str, *, actor: str, password: str | None = None,
                   reason: str | None = None) -> str:
    """Set a new password (random when none is given), unlock and re-enable. Returns the password."""
    row = _existing(conn, username)
    password = password or new_password()
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"A password has at least {MIN_PASSWORD} characters; this one has {len(password)}.")
    conn.execute(update(users).where(users.c.username == username).values(
        password_hash=hasher.hash(password), password_changed_at=utc_now(), failed_logins=0, locked_until=None,
        disabled=False))
    append(conn, AuditEntry(actor=actor, action="user.reset", entity_type="user", entity_id=username,
                            old={"disabled": bool(row.disabled), "locked_until": row.locked_until},
                            new={"disabled": False, "locked_until": None, "password": "changed"}, reason=reason))
    return password


def list_users(conn: Connection) -> list[dict[str, Any]]:
    """Every account without its password hash."""
    return [dict(r._mapping) for r in conn.execute(
        select(users.c.username, users.c.display_name, users.c.roles, users.c.sites, users.c.disabled,
               users.c.failed_logins, users.c.locked_until, users.c.created_at).order_by(users.c.username))]
