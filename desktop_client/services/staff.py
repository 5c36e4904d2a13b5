"""Staff sign-in on the kiosk, offline, against the Argon2id hashes synced from the server."""

from __future__ import annotations

from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from desktop_client.services.station import Station
from shared.errors import SignInFailed

_hasher = PasswordHasher()


@dataclass(frozen=True)
class StaffSession:
    """Who is signed in; recorded as ``staff:<username>`` on every action."""

    username: str
    display_name: str
    roles: tuple[str, ...]

    @property
    def actor(self) -> str:
        return f"staff:{self.username}"


def sign_in(station: Station, username: str, password: str) -> StaffSession:
    """Check the password against the locally stored hash. Raises SignInFailed."""
    rows = station.store.query("SELECT * FROM staff WHERE username = ?", (username.strip(),))
    failed = SignInFailed("Sign-in failed: check the user name and password. Accounts are synced from the "
                          "server; a new account works on this station after the next sync.")
    if not rows or rows[0]["disabled"]:
        _hasher.hash(password)  # spend the same time as a real check
        raise failed
    try:
        _hasher.verify(rows[0]["password_hash"], password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        raise failed from None
    row = rows[0]
    return StaffSession(username=row["username"], display_name=row["display_name"],
                        roles=tuple(r for r in row["roles"].split(",") if r))
