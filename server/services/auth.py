"""Staff sign-in: Argon2id check, rate limiting per account and per address, lock-out, and who may do what.

Everything is kept in the database (``login_attempts``, ``users.failed_logins``,
``users.locked_until``), never in process memory, so several server workers
enforce the same limits. A failed attempt is committed (with its audit entry)
before the refusal is raised, so a refusal can never roll back its own record.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, Engine, func, insert, select, update

from server.services.audit import AuditEntry, append
from server.services.errors import NotAuthenticated
from server.services.users import ROLES, hasher
from server.storage.tables import login_attempts, users
from shared.errors import TrialproError

MAX_FAILURES = 5                       # consecutive failures before the account is locked
LOCK_FOR = timedelta(minutes=15)
WINDOW = timedelta(minutes=15)         # rate-limit window
MAX_PER_ACCOUNT = 10                   # failed attempts per account name in the window
MAX_PER_ADDRESS = 30                   # failed attempts per client address in the window
_DUMMY_HASH = hasher.hash("timing-equaliser-not-a-password")

# permission -> roles holding it. "monitor" is read-only: it never appears on a write permission.
PERMISSIONS: dict[str, frozenset[str]] = {
    "study.view": frozenset(ROLES),
    "participant.view": frozenset(ROLES),
    "record.correct": frozenset({"admin", "data_manager"}),
    "device.view": frozenset({"admin", "data_manager", "monitor"}),
    "device.manage": frozenset({"admin"}),
    "audit.view": frozenset({"admin", "data_manager", "monitor"}),
    "export.run": frozenset({"admin", "data_manager", "monitor"}),
    "user.manage": frozenset({"admin"}),
}


class SignInRefused(TrialproError):
    """Wrong user name or password (deliberately not saying which)."""

    code = "auth.sign_in_refused"
    status = 401
    title = "Sign-in refused"


class AccountLocked(TrialproError):
    """Too many failed sign-ins, or the account is disabled."""

    code = "auth.locked"
    status = 423
    title = "Account locked"


class TooManyAttempts(TrialproError):
    """Too many failed sign-ins from this address or for this name in a short time."""

    code = "auth.rate_limited"
    status = 429
    title = "Too many sign-in attempts"


class Forbidden(TrialproError):
    """Signed in, but this role may not do this."""

    code = "auth.forbidden"
    status = 403
    title = "Not allowed"


@dataclass(frozen=True)
class Staff:
    """A signed-in staff member: roles and the sites whose participants they may see."""

    username: str
    display_name: str
    roles: frozenset[str]
    sites: frozenset[str]
    session_epoch: str          # password_changed_at: a reset or disable ends every older session

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
                 sites=frozenset(s for s in row.sites.split(",") if s),  # type: ignore[attr-defined]
                 session_epoch=row.password_changed_at)  # type: ignore[attr-defined]


def load_staff(conn: Connection, username: str, session_epoch: str) -> Staff:
    """The staff member behind a session; NotAuthenticated when disabled, reset or gone since sign-in."""
    row = conn.execute(select(users).where(users.c.username == username)).first()
    if row is None or row.disabled or row.password_changed_at != session_epoch:
        raise NotAuthenticated("Your session has ended (account changed or disabled). Sign in again.")
    return _staff(row)


def _recent_failures(conn: Connection, column: object, value: str, since: str) -> int:
    return conn.execute(select(func.count()).select_from(login_attempts).where(
        column == value, login_attempts.c.succeeded.is_(False), login_attempts.c.at >= since)).scalar_one()


def sign_in(engine: Engine, username: str, password: str, remote_addr: str) -> Staff:
    """Check a user name and password; record the attempt and its audit entry whatever the outcome.

    Raises TooManyAttempts (rate limit), AccountLocked (locked or disabled) or
    SignInRefused (unknown name or wrong password).
    """
    username = (username or "").strip()[:64]
    remote_addr = (remote_addr or "unknown")[:64]
    now = _now()
    refusal: TrialproError | None = None
    staff: Staff | None = None
    with engine.begin() as conn:
        since = _iso(now - WINDOW)
        row = conn.execute(select(users).where(users.c.username == username)).first()
        if (_recent_failures(conn, login_attempts.c.remote_addr, remote_addr, since) >= MAX_PER_ADDRESS
                or _recent_failures(conn, login_attempts.c.username, username, since) >= MAX_PER_ACCOUNT):
            refusal = TooManyAttempts(f"Too many failed sign-ins in the last {WINDOW.seconds // 60} minutes. "
                                      "Wait and try again, or ask an admin.")
        elif row is not None and row.locked_until and row.locked_until > _iso(now):
            refusal = AccountLocked(f"This account is locked after {MAX_FAILURES} failed sign-ins until "
                                    f"{row.locked_until} UTC; an admin can unlock it with "
                                    "`trialpro-server user reset`.")
        else:
            ok = _password_matches(row.password_hash if row is not None else _DUMMY_HASH, password)
            if row is not None and ok and row.disabled:
                refusal = AccountLocked("This account is disabled. Ask an admin.")
            elif row is not None and ok:
                staff = _staff(row)
                conn.execute(update(users).where(users.c.username == username)
                             .values(failed_logins=0, locked_until=None))
            else:
                refusal = SignInRefused("Wrong user name or password.")
                if row is not None:
                    failures = int(row.failed_logins or 0) + 1
                    locked = _iso(now + LOCK_FOR) if failures >= MAX_FAILURES else None
                    conn.execute(update(users).where(users.c.username == username)
                                 .values(failed_logins=failures, locked_until=locked))
                    if locked:
                        append(conn, AuditEntry(actor="system", action="user.lock", entity_type="user",
                                                entity_id=username, new={"locked_until": locked},
                                                reason=f"{failures} failed sign-ins"))
        conn.execute(insert(login_attempts).values(username=username, remote_addr=remote_addr, at=_iso(now),
                                                   succeeded=staff is not None))
        action = "user.sign_in" if staff is not None else "user.sign_in_failed"
        append(conn, AuditEntry(actor=f"user:{username}" if staff else "anonymous", action=action,
                                entity_type="user", entity_id=username or "(empty)",
                                new={"remote_addr": remote_addr,
                                     **({"refusal": refusal.code} if refusal else {})}))
    if refusal is not None:
        raise refusal
    assert staff is not None
    return staff


def _password_matches(password_hash: str, password: str) -> bool:
    try:
        return hasher.verify(password_hash, password or "")
    except (VerificationError, InvalidHashError):
        return False


def sign_out(conn: Connection, staff: Staff) -> None:
    """Record the end of a session in the audit trail."""
    append(conn, AuditEntry(actor=staff.actor, action="user.sign_out", entity_type="user",
                            entity_id=staff.username))
