"""Queries on staff accounts (``users``) and their sign-in attempts (``login_attempts``).

Counters are changed with one UPDATE each (``failed_logins = failed_logins + 1``), so two
workers recording failures at once never lose one.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, bindparam, delete, func, insert, select, update

from server.storage.tables import login_attempts, users
from shared.actors import KIOSK_ROLES, StaffAccount


def find(conn: Connection, username: str) -> Any:
    """The account row (hash included), or None."""
    return conn.execute(select(users).where(users.c.username == username)).first()


def failures_since(conn: Connection, *, since: str, remote_addr: str) -> int:
    """Failed sign-ins from one client address since ``since``, whatever the account name."""
    return conn.execute(select(func.count()).select_from(login_attempts).where(
        login_attempts.c.remote_addr == remote_addr, login_attempts.c.succeeded.is_(False),
        login_attempts.c.at >= since)).scalar_one()


def add_attempt(conn: Connection, *, username: str, remote_addr: str, at: str, succeeded: bool) -> None:
    conn.execute(insert(login_attempts).values(username=username, remote_addr=remote_addr, at=at,
                                               succeeded=succeeded))


def count_failure(conn: Connection, username: str) -> int:
    """Add one to the account's consecutive failures; returns the new count (0 for an unknown name)."""
    conn.execute(update(users).where(users.c.username == username)
                 .values(failed_logins=func.coalesce(users.c.failed_logins, 0) + 1))
    return int(conn.execute(select(users.c.failed_logins).where(users.c.username == username)).scalar() or 0)


def lock(conn: Connection, username: str, until: str) -> None:
    conn.execute(update(users).where(users.c.username == username).values(locked_until=until))


def clear_failures(conn: Connection, username: str) -> None:
    conn.execute(update(users).where(users.c.username == username).values(failed_logins=0, locked_until=None))


def set_roles(conn: Connection, username: str, *, roles: str, sites: str, changed_at: str) -> None:
    """New roles and sites (comma-separated), stamped as an account change."""
    conn.execute(update(users).where(users.c.username == username)
                 .values(roles=roles, sites=sites, password_changed_at=changed_at))


def purge_sign_in_attempts_before(conn: Connection, before: str) -> int:
    """Delete sign-in attempts made before ``before`` (ISO UTC; the job runner's purge); returns how many went."""
    return conn.execute(delete(login_attempts).where(login_attempts.c.at < before)).rowcount


def add(conn: Connection, *, username: str, display_name: str, password_hash: str, roles: str, sites: str,
        created_at: str) -> None:
    """Store a new, enabled account (roles and sites comma-separated); a taken name raises IntegrityError."""
    conn.execute(insert(users).values(username=username, display_name=display_name, password_hash=password_hash,
                                      roles=roles, sites=sites, disabled=False, failed_logins=0,
                                      created_at=created_at, password_changed_at=created_at))


def disable(conn: Connection, username: str, *, changed_at: str) -> None:
    """Disable the account, stamped as an account change."""
    conn.execute(update(users).where(users.c.username == username)
                 .values(disabled=True, password_changed_at=changed_at))


def set_password(conn: Connection, username: str, *, password_hash: str, changed_at: str) -> None:
    """A new password hash; the account is also unlocked, its failures cleared and re-enabled."""
    conn.execute(update(users).where(users.c.username == username).values(
        password_hash=password_hash, password_changed_at=changed_at, failed_logins=0, locked_until=None,
        disabled=False))


def listing(conn: Connection) -> list[dict[str, Any]]:
    """Every account without its password hash, by user name."""
    return [dict(r._mapping) for r in conn.execute(
        select(users.c.username, users.c.display_name, users.c.roles, users.c.sites, users.c.disabled,
               users.c.failed_logins, users.c.locked_until, users.c.created_at).order_by(users.c.username))]


def set_password_hash(conn: Connection, username: str, *, password_hash: str, changed_at: str) -> None:
    """A new Argon2 hash for the account; also clears its failure count and lock."""
    conn.execute(update(users).where(users.c.username == username).values(
        password_hash=password_hash, password_changed_at=changed_at, failed_logins=0, locked_until=None))


def staff_accounts(conn: Connection, usernames: Iterable[str]) -> dict[str, StaffAccount]:
    """The accounts among ``usernames`` (one query), by username: what the entered_by rule checks."""
    names = set(usernames)
    if not names:
        return {}
    return {r.username: StaffAccount(r.username, frozenset(r.roles.split(",")), frozenset(r.sites.split(",")),
                                     bool(r.disabled))
            for r in conn.execute(_STAFF_ACCOUNTS, {"names": list(names)})}


# read by every sync, built once (building it and working out its cache key costs more than running it)
_STAFF_ACCOUNTS = select(users.c.username, users.c.roles, users.c.sites, users.c.disabled).where(
    users.c.username.in_(bindparam("names", expanding=True)))


_BY_NAME = select(users).order_by(users.c.username)   # every sync's staff list: built once


def kiosk_staff(conn: Connection, site_id: str) -> list[dict[str, Any]]:
    """The staff accounts that may sign in on a kiosk of ``site_id`` (with their Argon2id hashes)."""
    return [{"username": u.username, "display_name": u.display_name, "password_hash": u.password_hash,
             "roles": u.roles.split(","), "disabled": bool(u.disabled)}
            for u in conn.execute(_BY_NAME)
            if site_id in u.sites.split(",") and set(u.roles.split(",")) & KIOSK_ROLES]


def set_display_name(conn: Connection, username: str, *, display_name: str) -> None:
    """The account's printed name (shown with its e-signatures)."""
    conn.execute(update(users).where(users.c.username == username).values(display_name=display_name))
