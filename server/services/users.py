"""Staff accounts: Argon2id password hashes, roles and sites."""

from __future__ import annotations

from collections.abc import Iterable

from argon2 import PasswordHasher
from sqlalchemy import Connection

from server.services.audit import AuditEntry, append
from server.storage import users as user_rows
from shared.actors import STAFF_ROLES
from shared.errors import InvalidInput
from shared.passwords import check_password
from shared.records import utc_now

ROLES = STAFF_ROLES
hasher = PasswordHasher()  # argon2-cffi defaults: Argon2id


def add_user(conn: Connection, *, username: str, password: str, roles: Iterable[str], sites: Iterable[str],
             actor: str, display_name: str | None = None, valid_site_ids: set[str] | None = None,
             password_hasher: PasswordHasher = hasher) -> None:
    """Create an account. Raises InvalidInput naming what is wrong (``valid_site_ids``: the sites the actor may
    give) or WeakPassword (shared/passwords.py) saying why the password is refused. ``password_hasher``: tests'
    throwaway accounts only (cheaper Argon2id parameters; a sign-in reads them from the hash itself)."""
    roles, sites = list(roles), list(sites)
    if not sites or (valid_site_ids is not None and not set(sites) <= valid_site_ids):
        raise InvalidInput(f"Sites must be among {', '.join(sorted(valid_site_ids or []))}; "
                           f"got {', '.join(sites) or 'none'}.")
    if not username or not username.replace("_", "").replace(".", "").isalnum() or len(username) > 64:
        raise InvalidInput("A username is 1-64 letters, digits, '.' or '_'.")
    if display_name is not None and (len(display_name) > 200 or not display_name.isprintable()):
        raise InvalidInput(f"display_name: {display_name[:40]!r}… is not allowed; write at most 200 printable "
                           "characters.")
    bad = [r for r in roles if r not in ROLES]
    if not roles or bad:
        raise InvalidInput(f"Roles must be among {', '.join(ROLES)}; got {', '.join(roles) or 'none'}.")
    check_password(password, known_words=(username, display_name or ""))
    if user_rows.find(conn, username) is not None:
        raise InvalidInput(f"User {username!r} already exists; use `trialpro-server user reset` to change it.")
    now = utc_now()
    user_rows.add(conn, username=username, display_name=display_name or username,
                  password_hash=password_hasher.hash(password), roles=",".join(roles), sites=",".join(sites),
                  created_at=now)
    append(conn, AuditEntry(actor=actor, action="user.create", entity_type="user", entity_id=username,
                            new={"roles": roles, "sites": sites}))
