"""Staff sign-in: Argon2id check, lock-out per account, rate limit per client address, and who may do what.

Everything is kept in the database (``login_attempts``, ``users.failed_logins``,
``users.locked_until``), never in process memory, so several server workers
enforce the same limits. The account is read in a snapshot, the password is
checked outside any transaction (Argon2 takes tens of milliseconds and must
never hold the write lock a kiosk sync is waiting for), then the attempt and its
audit entry are written in one short transaction before the answer is given.

Two counters, kept apart: ``MAX_FAILURES`` consecutive wrong passwords lock that
account (from any address); ``MAX_PER_ADDRESS`` failures from one client address
in ``WINDOW`` hold back that address only (whatever names it tries). An unknown
name, a wrong password, a locked and a disabled account all get the same answer,
so the answer never tells which accounts exist.
"""

from __future__ import annotations

import functools
import os
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, Engine

from server.services.audit import AuditEntry, append
from server.services.users import ROLES, hasher
from server.storage import users as user_rows
from server.storage.engine import reading, writing
from shared.errors import Forbidden, InvalidInput, NotAuthenticated, SignInRefused, TooManyAttempts, WeakPassword
from shared.queries import ROLES as QUERY_ROLES

MAX_FAILURES = 5                       # consecutive wrong passwords before the account is locked
LOCK_FOR = timedelta(minutes=15)
WINDOW = timedelta(minutes=15)         # rate-limit window per client address
MAX_PER_ADDRESS = 30                   # failed attempts per client address in the window


@functools.cache
def _dummy_hash() -> str:
    """What an unknown user name is checked against, so it takes as long as a wrong password. Made on first use,
    not at import: every CLI command imports this module, and an Argon2 hash costs a fraction of a second."""
    return hasher.hash("timing-equaliser-not-a-password")


# Argon2 checks run at most this many at once per server process, at the lowest CPU priority: a burst of
# sign-ins queues (sleeping) instead of taking the CPU a kiosk sync needs. Process infrastructure, not state.
VERIFY_SLOTS = max(1, (os.cpu_count() or 2) // 2)
_verifier: ThreadPoolExecutor | None = None
_verifier_lock = threading.Lock()
REFUSED = (f"Wrong user name or password, or the account is locked or disabled. After {MAX_FAILURES} wrong "
           f"passwords an account is locked for {LOCK_FOR.seconds // 60} minutes; an admin can unlock it at once "
           "(Staff page, or `trialpro-server user reset`).")

# permission -> roles holding it. A monitor writes nothing but data queries and source data verification marks.
PERMISSIONS: dict[str, frozenset[str]] = {
    "study.view": frozenset(ROLES),
    "participant.view": frozenset(ROLES),
    "record.correct": frozenset({"admin", "data_manager"}),
    "device.view": frozenset({"admin", "data_manager", "monitor"}),
    "device.manage": frozenset({"admin"}),
    "audit.view": frozenset({"admin", "data_manager", "monitor"}),
    "export.run": frozenset({"admin", "data_manager", "monitor"}),
    "user.manage": frozenset({"admin"}),
    "signature.sign": frozenset({"investigator"}),
    "lock.manage": frozenset({"data_manager"}),
    # --- data queries and SDV (issue 19): the roles of each query step come from shared/queries.py
    **{f"query.{step}": roles for step, roles in QUERY_ROLES.items()},
    "record.verify": frozenset({"monitor"}),
    "ae.code": frozenset({"admin", "data_manager"}),                           # MedDRA coding, translations
    "sae.report": frozenset({"admin", "data_manager", "investigator", "nurse"}),  # mark an SAE reported
    "ae.causality_confirm": frozenset({"investigator"}),   # WHO-UMC: a physician confirms the causality
    "app.activate": frozenset({"investigator", "nurse"}),   # issue 24: site staff who enter data, never a monitor
}


@dataclass(frozen=True)
class Staff:
    """A signed-in staff member: roles and the sites whose participants they may see."""

    username: str
    display_name: str
    roles: frozenset[str]
    sites: frozenset[str]

    def can(self, permission: str) -> bool:
        return bool(self.roles & PERMISSIONS[permission])

    def require(self, permission: str) -> None:
        """Raise Forbidden unless one of the staff member's roles holds ``permission``."""
        if not self.can(permission):
            allowed = ", ".join(sorted(PERMISSIONS[permission]))
            raise Forbidden(f"Your role ({', '.join(sorted(self.roles))}) may not do this; it needs one of: "
                            f"{allowed}.")

    @property
    def actor(self) -> str:
        return f"user:{self.username}"


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(t: datetime) -> str:
    return t.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _staff(row: object) -> Staff:
    return Staff(username=row.username, display_name=row.display_name,  # type: ignore[attr-defined]
                 roles=frozenset(r for r in row.roles.split(",") if r),  # type: ignore[attr-defined]
                 sites=frozenset(s for s in row.sites.split(",") if s))  # type: ignore[attr-defined]


def load_staff(conn: Connection, username: str) -> Staff:
    """The staff member behind a live session; NotAuthenticated when the account is disabled or gone."""
    row = user_rows.find(conn, username)
    if row is None or row.disabled:
        raise NotAuthenticated("Your session has ended (account changed or disabled). Sign in again.")
    return _staff(row)


def sign_in(engine: Engine, username: str, password: str, remote_addr: str) -> Staff:
    """Check a user name and password; record the attempt and its audit entry whatever the outcome.

    Raises TooManyAttempts (this client address failed too often) or SignInRefused (anything else).
    """
    username = (username or "").strip()[:64]
    remote_addr = (remote_addr or "unknown")[:64]
    now = _now()
    with reading(engine) as conn:
        row = user_rows.find(conn, username)
        address_failures = user_rows.failures_since(conn, since=_iso(now - WINDOW), remote_addr=remote_addr)
    if address_failures >= MAX_PER_ADDRESS:
        outcome = "rate_limited"
    else:
        matches = _password_matches(row.password_hash if row is not None else _dummy_hash(), password)
        outcome = ("unknown_user" if row is None else "disabled" if row.disabled
                   else "locked" if row.locked_until and row.locked_until > _iso(now)
                   else "ok" if matches else "wrong_password")
    with writing(engine) as conn:
        _record(conn, username, remote_addr, now, outcome)
    if outcome == "rate_limited":
        raise TooManyAttempts(f"Too many failed sign-ins from your address in the last {WINDOW.seconds // 60} "
                              "minutes. Wait and try again, or ask an admin.")
    if outcome != "ok":
        raise SignInRefused(REFUSED)
    return _staff(row)


def _record(conn: Connection, username: str, remote_addr: str, now: datetime, outcome: str) -> None:
    """The attempt, the account's failure count (and lock), and the audit entry: one short transaction."""
    user_rows.add_attempt(conn, username=username, remote_addr=remote_addr, at=_iso(now),
                          succeeded=outcome == "ok")
    if outcome == "ok":
        user_rows.clear_failures(conn, username)
    elif outcome == "wrong_password":
        failures = user_rows.count_failure(conn, username)
        if failures >= MAX_FAILURES:
            locked = _iso(now + LOCK_FOR)
            user_rows.lock(conn, username, locked)
            append(conn, AuditEntry(actor="system", action="user.lock", entity_type="user", entity_id=username,
                                    new={"locked_until": locked}, reason=f"{failures} failed sign-ins"))
    append(conn, AuditEntry(actor=f"user:{username}" if outcome == "ok" else "anonymous",
                            action="user.sign_in" if outcome == "ok" else "user.sign_in_failed",
                            entity_type="user", entity_id=username or "(empty)",
                            new={"remote_addr": remote_addr, **({} if outcome == "ok" else {"refusal": outcome})}))


def _lowest_priority() -> None:
    """Make the calling verifier thread (and Argon2's own threads, which inherit it) yield the CPU to requests."""
    if sys.platform.startswith("linux"):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)   # on Linux: this thread only


def _check(password_hash: str, password: str) -> bool:
    try:
        return hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _password_matches(password_hash: str, password: str) -> bool:
    """Argon2 check on one of VERIFY_SLOTS low-priority threads (the caller sleeps meanwhile, holding no lock)."""
    global _verifier
    with _verifier_lock:
        if _verifier is None:
            _verifier = ThreadPoolExecutor(max_workers=VERIFY_SLOTS, thread_name_prefix="argon2-verify",
                                           initializer=_lowest_priority)
    return _verifier.submit(_check, password_hash, password or "").result()


def change_own_password(engine: Engine, staff: Staff, current: str, new: str, remote_addr: str) -> None:
    """A signed-in staff member sets a new password after proving the current one.

    The current password is checked like a sign-in (outside any transaction; a wrong one counts towards the
    account's lock-out); the new one must pass ``shared.passwords.check_password`` (WeakPassword names the
    reason). Every session of the account ends; the caller opens a new one for this browser.
    """
    from server.services.sessions import end_all_sessions
    from shared.passwords import check_password

    with reading(engine) as conn:
        row = user_rows.find(conn, staff.username)
    if row is None or row.disabled:
        raise NotAuthenticated("Your session has ended (account changed or disabled). Sign in again.")
    now = _now()
    if not _password_matches(row.password_hash, current):
        with writing(engine) as conn:
            _record(conn, staff.username, remote_addr[:64], now, "wrong_password")
        raise InvalidInput("current_password: this is not your current password; nothing was changed. After "
                           f"{MAX_FAILURES} wrong passwords the account is locked for {LOCK_FOR.seconds // 60} "
                           "minutes.")
    if new == current:
        raise WeakPassword("password: the new password is the current one; choose another one.")
    check_password(new, known_words=(staff.username, staff.display_name, current))
    new_hash = hasher.hash(new)                              # Argon2 outside the write transaction
    with writing(engine) as conn:
        user_rows.set_password_hash(conn, staff.username, password_hash=new_hash, changed_at=_iso(now))
        end_all_sessions(conn, staff.username)
        append(conn, AuditEntry(actor=staff.actor, action="user.password_change", entity_type="user",
                                entity_id=staff.username, new={"password": "changed", "remote_addr": remote_addr}))


def sign_out(conn: Connection, staff: Staff) -> int:
    """End every session of the staff member (all browsers at once) and record it in the audit trail."""
    from server.services.sessions import end_all_sessions

    ended = end_all_sessions(conn, staff.username)
    append(conn, AuditEntry(actor=staff.actor, action="user.sign_out", entity_type="user",
                            entity_id=staff.username, new={"sessions_ended": ended}))
    return ended


def confirm_signer(engine: Engine, staff: Staff, *, username: str | None, password: str, remote_addr: str) -> None:
    """Check the components an e-signature is made with (21 CFR 11.200(a)): the signed-in account's own user id
    (when ``username`` is asked for) and its password, exactly as a sign-in checks them (outside any
    transaction; a wrong password counts towards the account's lock-out and is audited).

    Raises SignatureCredentials when either is not the signed-in account's; the account may be locked then.
    """
    from shared.errors import SignatureCredentials

    with reading(engine) as conn:
        row = user_rows.find(conn, staff.username)
    if row is None or row.disabled:
        raise NotAuthenticated("Your session has ended (account changed or disabled). Sign in again.")
    now = _now()
    locked = bool(row.locked_until and row.locked_until > _iso(now))
    same_user = username is None or username.strip() == staff.username
    if locked or not same_user or not _password_matches(row.password_hash, password):
        with writing(engine) as conn:
            _record(conn, staff.username, remote_addr[:64], now, "locked" if locked else "wrong_password")
        raise SignatureCredentials("The user id or password is not yours (or the account is locked); nothing was "
                                   f"signed. After {MAX_FAILURES} wrong passwords the account is locked for "
                                   f"{LOCK_FOR.seconds // 60} minutes.")
