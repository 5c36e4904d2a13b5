"""Kiosk devices: one-time enrolment codes, device credentials (stored as digests), revocation.

A one-time code is exchanged for a credential the same way for a kiosk (enrolment) and a participant's phone
(activation, ``server.services.home_app``): ``exchange`` (the rate limit and the record of every attempt) around
``claim_code`` (parse, digest, look up, unused and unexpired, claim); a ``CodeKind`` says which codes and which
errors and words."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine

from server.services.audit import AuditEntry, append
from server.storage import devices as stored
from server.storage import enrolment_attempts as attempts
from server.storage.engine import reading, writing
from shared import enrolment_code
from shared.crypto import new_token, token_digest
from shared.errors import (
    AppCredentialRequired,
    DeviceRevoked,
    EnrolmentCodeInvalid,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    RecordInvalid,
    TooManyEnrolmentAttempts,
    TrialproError,
)
from shared.records import utc_now

T = TypeVar("T")
CODE_VALIDITY = timedelta(hours=72)
ATTEMPT_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_ADDRESS = 10   # kiosks; a CodeKind may allow more (phones)
MAX_FAILURES_PER_CODE = 5


@dataclass(frozen=True)
class CodeKind:
    """Which one-time codes (``stored.ENROLMENT`` or ``stored.ACTIVATION``), the error classes of a refused code
    (``invalid``) and of too many failures (``too_many``), and the words that say what to do."""

    which: str
    invalid: type[TrialproError]
    too_many: type[TrialproError]
    ask: str          # no code given, or not text
    unusable: str     # unknown, used or expired
    raced: str        # claimed by another device a moment before
    too_many_text: str   # {minutes}: the window
    also_failed: tuple[type[TrialproError], ...] = ()   # refusals counted as failed attempts besides a bad code
    counter: str = ""    # its own failure counter per address ("" kiosks, "app:" phones): one never blocks the other
    max_per_address: int = MAX_FAILURES_PER_ADDRESS   # per address in ATTEMPT_WINDOW (phones behind a NAT: more)


KIOSK_CODE = CodeKind(
    stored.ENROLMENT, EnrolmentCodeInvalid, TooManyEnrolmentAttempts,
    ask="Give the enrolment code printed by `trialpro-server device code`.",
    unusable="This enrolment code is unknown, already used or expired: ask an admin for a new one.",
    raced="This enrolment code was just used by another kiosk: ask for a new one.",
    too_many_text="Too many failed enrolments from this kiosk or with this code in the last {minutes} minutes. "
                  "Wait {minutes} minutes, check the code with the data manager, then try again.")


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def claim_code(conn: Connection, kind: CodeKind, code: Any, *, device_id: str, now: str) -> dict[str, Any]:
    """Claim the one-time code ``code`` (typed in any case, with I/L/O for 1/0) for ``device_id``: its stored row.

    Raises ``kind.invalid`` when no code is given, or it is unknown, used, expired or claimed by another device
    in a racing transaction (the caller's transaction rolls the claim back if a later step refuses), and
    RecordInvalid when it is not shaped like a code."""
    if not isinstance(code, str) or not code or len(code) > 200:
        raise kind.invalid(kind.ask)
    digest = token_digest(enrolment_code.parse(code))
    row = stored.one_time_code(conn, kind.which, digest)
    if row is None or row["used_at"] is not None or row["expires_at"] < now:
        raise kind.invalid(kind.unusable)
    if not stored.claim_one_time_code(conn, kind.which, digest, device_id=device_id, used_at=now):
        raise kind.invalid(kind.raced)
    return row


def exchange(engine: Engine, kind: CodeKind, *, code: Any, remote_addr: str,
             work: Callable[[Connection], T]) -> T:
    """``work(conn)`` (which calls ``claim_code``) behind the rate limit of one-time codes, in one transaction.

    Every attempt is remembered (a refused one in its own transaction, so the refusal cannot roll it back).
    Raises ``kind.too_many`` (429) after ``kind.max_per_address`` failures from ``remote_addr`` or
    MAX_FAILURES_PER_CODE failures with this code within ATTEMPT_WINDOW (one table of attempts; each kind
    counts per address under its own ``counter`` prefix, so junk app codes never block kiosk enrolment or the
    reverse); otherwise what ``work`` raises. A failure is a bad code, a malformed request or one of
    ``kind.also_failed``; any other error (the server's own) is not held against the client."""
    remote_addr = (kind.counter + (remote_addr or "unknown"))[:64]
    try:
        digest: str | None = token_digest(enrolment_code.parse(code))
    except RecordInvalid:
        digest = None
    now = datetime.now(UTC)
    since, at = _iso(now - ATTEMPT_WINDOW), _iso(now)
    minutes = int(ATTEMPT_WINDOW.total_seconds() // 60)
    with reading(engine) as conn:   # only counts: no write lock (the attempt is written with the exchange)
        from_address, of_code = attempts.failures_from_and_of_code(conn, remote_addr, digest, since)
        if from_address >= kind.max_per_address or of_code >= MAX_FAILURES_PER_CODE:
            raise kind.too_many(kind.too_many_text.format(minutes=minutes), details={"window_minutes": minutes})
    try:
        with writing(engine) as conn:
            done = work(conn)
            attempts.add_attempt(conn, remote_addr=remote_addr, code_digest=digest, at=at, succeeded=True)
    except (kind.invalid, RecordInvalid, InvalidInput, *kind.also_failed):
        with writing(engine) as conn:
            attempts.add_attempt(conn, remote_addr=remote_addr, code_digest=digest, at=at, succeeded=False)
        raise
    return done


@dataclass(frozen=True)
class Device:
    """An authenticated device: a kiosk, or (issue 24) a participant's phone bound to ``participant_id``."""

    device_id: str
    site_id: str
    label: str
    kind: str = stored.KIOSK
    participant_id: str | None = None
    enrolled_at: str | None = None

    @property
    def is_app(self) -> bool:
        return self.kind == stored.PARTICIPANT_APP


def create_enrolment_code(conn: Connection, *, site_id: str, actor: str, valid_site_ids: set[str]) -> str:
    """A new one-time code for ``site_id`` (shown once; only its digest is kept)."""
    if site_id not in valid_site_ids:
        raise InvalidInput(f"Site {site_id!r} is not a site of this study; sites: {', '.join(sorted(valid_site_ids))}.")
    code = enrolment_code.new_code()
    now = datetime.now(UTC)
    stored.add_enrolment_code(conn, code_digest=token_digest(code), site_id=site_id, created_by=actor,
                              created_at=utc_now(),
                              expires_at=(now + CODE_VALIDITY).isoformat().replace("+00:00", "Z"))
    append(conn, AuditEntry(actor=actor, action="device.code_create", entity_type="site", entity_id=site_id,
                            new={"expires_in_hours": CODE_VALIDITY.total_seconds() / 3600}))
    return code


def enrol_device(conn: Connection, *, code: Any, label: Any) -> tuple[Device, str]:
    """Exchange a one-time code for a device credential. Returns (device, token); the token is shown once."""
    if not isinstance(label, str) or not label.strip() or len(label) > 200:
        raise InvalidInput("'label' must name the kiosk (1-200 characters), e.g. 'PKU clinic room 3'.")
    now = utc_now()
    device_id = f"dev-{uuid.uuid4().hex[:12]}"
    row = claim_code(conn, KIOSK_CODE, code, device_id=device_id, now=now)
    device = Device(device_id=device_id, site_id=row["site_id"], label=label.strip())
    token = new_token()
    stored.add_device(conn, device_id=device.device_id, site_id=device.site_id, label=device.label,
                      token_digest=token_digest(token), enrolled_at=now)
    append(conn, AuditEntry(actor=f"device:{device.device_id}", action="device.enrol", entity_type="device",
                            entity_id=device.device_id, new={"site_id": device.site_id, "label": device.label}))
    return device, token


def authenticate(conn: Connection, authorization: str | None) -> Device:
    """The device behind an ``Authorization: Bearer`` header. Raises NotAuthenticated or DeviceRevoked."""
    if not authorization or not authorization.startswith("Bearer ") or len(authorization) > 500:
        raise NotAuthenticated("This request needs the kiosk's device credential "
                               "(Authorization: Bearer …). Enrol the kiosk with a code first.")
    row = stored.device_by_token(conn, token_digest(authorization[len("Bearer "):].strip()))
    if row is None:
        raise NotAuthenticated("This device credential is not known to the server: enrol the kiosk again.")
    if row["revoked_at"] is not None:
        raise _revoked(row["kind"])
    return Device(device_id=row["device_id"], site_id=row["site_id"], label=row["label"], kind=row["kind"],
                  participant_id=row["participant_id"], enrolled_at=row["enrolled_at"])


def authenticate_app(conn: Connection, authorization: str | None) -> Device:
    """``authenticate`` for the participant app's addresses, in the phone's words: AppCredentialRequired (401)
    instead of the kiosk's 'enrol the kiosk', DeviceRevoked as for every device."""
    try:
        return authenticate(conn, authorization)
    except NotAuthenticated:
        raise AppCredentialRequired("This phone has no home diary credential the study server knows: activate the "
                                    "app with the code the clinic gives you.") from None


def _revoked(kind: str) -> DeviceRevoked:
    if kind == stored.PARTICIPANT_APP:
        return DeviceRevoked("This phone's home diary was switched off by the clinic: ask the clinic for a new "
                             "activation code.")
    return DeviceRevoked("This kiosk was revoked by an admin and may not sync. Contact the data manager.")


def touch(conn: Connection, device: Device) -> None:
    """Remember that the device synced just now, in the sync's writing transaction; raises DeviceRevoked when
    it was revoked since it was authenticated (the caller's transaction then rolls back: the revocation wins).

    One UPDATE is the sync's check of the credential under the write lock: on SQLite writers are serialised, on
    PostgreSQL the UPDATE sees (or waits for) a revocation committed before it, so a sync needs no second
    ``authenticate`` in its writing transaction."""
    if not stored.mark_seen(conn, device.device_id, utc_now()):
        raise _revoked(device.kind)


def revoke(conn: Connection, device_id: str, *, actor: str, reason: str | None = None) -> None:
    """Revoke a device; its next sync gets 403 and stores nothing."""
    row = stored.device(conn, device_id)
    if row is None:
        raise NotFound(f"No device {device_id!r}; `trialpro-server device list` shows the enrolled ones.")
    if row["revoked_at"] is not None:
        return
    now = utc_now()
    stored.mark_revoked(conn, device_id, now)
    append(conn, AuditEntry(actor=actor, action="device.revoke", entity_type="device", entity_id=device_id,
                            old={"revoked_at": None}, new={"revoked_at": now}, reason=reason))


def list_devices(conn: Connection) -> list[dict[str, Any]]:
    """Every kiosk (no credential digests), in order of enrolment."""
    return stored.all_devices(conn)


def enrol(engine: Engine, *, code: Any, label: Any, remote_addr: str,
          then: Callable[[Connection, Device], T]) -> tuple[Device, str, T]:
    """``enrol_device`` behind the rate limit of ``exchange``; ``then(conn, device)`` adds to the answer in the
    same transaction. Raises TooManyEnrolmentAttempts (429), otherwise what ``enrol_device`` raises."""
    def work(conn: Connection) -> tuple[Device, str, T]:
        device, token = enrol_device(conn, code=code, label=label)
        return device, token, then(conn, device)

    return exchange(engine, KIOSK_CODE, code=code, remote_addr=remote_addr, work=work)
