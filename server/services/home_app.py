"""The participant's phone (issue 24): one-time activation codes staff issue, their exchange for a participant
credential, and who may keep a home diary.

A code is typable (``shared/enrolment_code.py``: Crockford base32 in groups) and lives ``[home]
activation_hours``; only its digest is stored. Activation is once only and rate-limited exactly as kiosk
enrolment is (the same attempts table, its own counter per address with a higher limit: phones share a
hospital's network; failures with one code as for kiosks; a malformed code is refused and not counted). The phone
gets a device id, a bearer token (only its digest is kept, as for kiosks) and a ``device_secret`` (32 random
bytes, base64url) that the server keeps NOTHING of: the app wraps its data key with it and the PIN.

Who may keep a home diary: a participant who is randomised (``participants`` row, so the arm and its drugs are
known) and still on study (neither completed nor discontinued). Anyone else is refused
``app.activation_refused`` naming that rule, when the code is made and again when it is used.
"""

from __future__ import annotations

import base64
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine

from server.services import devices as device_service
from server.services.audit import AuditEntry, append
from server.services.auth import PERMISSIONS
from server.storage import devices as stored
from server.storage import participants as participant_store
from server.storage import users as user_store
from shared import enrolment_code
from shared.crypto import new_token, token_digest
from shared.disposition import STATUSES
from shared.errors import (
    AppActivationCodeInvalid,
    AppActivationCodeMalformed,
    AppActivationRefused,
    FieldProblem,
    Forbidden,
    InvalidInput,
    NotFound,
    RecordInvalid,
    TooManyAppActivations,
)
from shared.records import utc_now
from shared.study.model import Study

MAX_FAILURES_PER_ADDRESS = 30   # phones of one hospital's network share an address; the per-code limit stays 5
RULE = "a home diary is for a participant who is randomised and still on study (neither completed nor discontinued)"


@dataclass(frozen=True)
class ActivationCode:
    """A code as shown once to staff: the code, whose it is, until when, and what the phone opens."""

    code: str
    participant_id: str
    site_id: str
    expires_at: str

    def link(self, server_url: str) -> str:
        """The address the QR code holds: the app, told the code in the fragment (never sent to a server log)."""
        return f"{server_url.rstrip('/')}/app/#activate={self.code}"


@dataclass(frozen=True)
class Activated:
    """What the phone gets once: its credential and the secret only it keeps."""

    device: device_service.Device
    token: str
    device_secret: str


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _may_keep_diary(conn: Connection, participant_id: str, sites: Iterable[str] | None) -> dict[str, Any]:
    """The participant's row when they may keep a home diary; raises NotFound or AppActivationRefused."""
    row = participant_store.details(conn, participant_id)
    allowed = set(sites) if sites is not None else None
    if row is None:
        raise AppActivationRefused(f"Participant {participant_id!r} is not randomised: {RULE}.",
                                   details={"field": "participant_id", "value": participant_id, "rule": RULE})
    if allowed is not None and row["site_id"] not in allowed:
        raise NotFound(f"No participant {participant_id!r} at your site(s).")
    if row["status"] in STATUSES:
        raise AppActivationRefused(f"Participant {participant_id} is {row['status']}: {RULE}.",
                                   details={"field": "status", "value": row["status"], "rule": RULE})
    return row


def create_code(conn: Connection, study: Study, *, participant_id: str, actor: str,
                sites: Iterable[str] | None = None) -> ActivationCode:
    """A new one-time activation code for ``participant_id`` (of ``sites`` when given: the staff member's),
    audited ``app.code_create``. Raises NotFound or AppActivationRefused."""
    row = _may_keep_diary(conn, participant_id, sites)
    code = enrolment_code.new_code()
    hours = study.home.activation_hours
    now = datetime.now(UTC)
    expires_at = _iso(now + timedelta(hours=hours))
    _void_earlier_codes(conn, participant_id, at=_iso(now), actor=actor)
    stored.add_activation_code(conn, code_digest=token_digest(code), participant_id=participant_id,
                               site_id=row["site_id"], created_by=actor, created_at=utc_now(), expires_at=expires_at)
    append(conn, AuditEntry(actor=actor, action="app.code_create", entity_type="participant",
                            entity_id=participant_id, new={"expires_at": expires_at, "valid_hours": hours}))
    return ActivationCode(code, participant_id, row["site_id"], expires_at)


def _void_earlier_codes(conn: Connection, participant_id: str, *, at: str, actor: str) -> None:
    """A new code replaces the participant's earlier unused ones (they expire now, audited ``app.code_void``):
    only the newest code handed out can make a phone, so codes do not pile up into phones."""
    voided = stored.void_unused_activation_codes(conn, participant_id, at)
    if voided:
        append(conn, AuditEntry(actor=actor, action="app.code_void", entity_type="participant",
                                entity_id=participant_id, new={"codes_voided": voided, "expired_at": at},
                                reason="a new activation code was issued"))


PHONE_RULE = ("staff who issue activation codes may revoke the app devices (phones) of the participant whose page "
              "they are on; an admin revokes any other device on the devices page")


def revoke_phone(conn: Connection, *, participant_id: str, device_id: str, actor: str,
                 sites: Iterable[str] | None, reason: str | None = None) -> None:
    """Revoke one of ``participant_id``'s phones (audited ``device.revoke``) for staff with ``app.activate`` at
    ``sites``. Raises NotFound (no such participant at the sites) or Forbidden naming PHONE_RULE (the device is
    not an app device of this participant)."""
    row = participant_store.details(conn, participant_id)
    if row is None or (sites is not None and row["site_id"] not in set(sites)):
        raise NotFound(f"No participant {participant_id!r} at your site(s).")
    if device_id not in {p["device_id"] for p in stored.apps_of_participant(conn, participant_id)}:
        raise Forbidden(f"Device {device_id!r} is not a phone of participant {participant_id}: {PHONE_RULE}.",
                        details={"field": "device_id", "value": device_id, "rule": PHONE_RULE})
    device_service.revoke(conn, device_id, actor=actor, reason=reason)


APP_CODE = device_service.CodeKind(
    stored.ACTIVATION, AppActivationCodeInvalid, TooManyAppActivations,
    ask="Give the activation code the clinic gave you (on paper or as a QR code).",
    unusable="This activation code is unknown, already used or expired: ask the clinic for a new one.",
    raced="This activation code was just used on another phone: ask for a new one.",
    too_many_text="Too many failed activations from this phone's network or with this code in the last {minutes} "
                  "minutes. Wait {minutes} minutes, check the code with the clinic, then try again.",
    also_failed=(AppActivationRefused,), counter="app:", max_per_address=MAX_FAILURES_PER_ADDRESS)


def create_code_on_kiosk(conn: Connection, study: Study, device: device_service.Device, *, participant_id: Any,
                         staff: Any) -> ActivationCode:
    """``create_code`` asked by a kiosk in nurse mode for the staff member signed in there (``staff``: their user
    name), for a participant of the kiosk's site. The kiosk checked the password; the server checks that the
    account exists, is active, is of that site and may activate a home diary (the web page's rule), as it checks
    a record's ``entered_by``. Raises InvalidInput, Forbidden, NotFound or AppActivationRefused."""
    if device.is_app:
        raise Forbidden("A participant's app cannot issue activation codes; staff do, on a kiosk or the web.")
    if not isinstance(participant_id, str) or not participant_id or len(participant_id) > 64:
        raise InvalidInput("'participant_id' must be the id of the participant who gets the code.",
                           details={"field": "participant_id", "value": participant_id})
    if not isinstance(staff, str) or not staff or len(staff) > 100:
        raise InvalidInput("'staff' must be the user name of the staff member signed in on the kiosk.",
                           details={"field": "staff", "value": staff})
    account = user_store.staff_accounts(conn, [staff]).get(staff)
    roles = PERMISSIONS["app.activate"]
    rule = f"an active {' or '.join(sorted(roles))} account of site {device.site_id}"
    if account is None or account.disabled or device.site_id not in account.sites or not account.roles & roles:
        raise Forbidden(f"{staff!r} may not issue a home diary activation code here: it must be {rule}.",
                        details={"field": "staff", "value": staff, "rule": rule})
    return create_code(conn, study, participant_id=participant_id, actor=f"user:{staff}", sites=[device.site_id])


def _activate(conn: Connection, *, code: Any, label: Any) -> Activated:
    if label is None:
        label = "phone"
    if not isinstance(label, str) or not label.strip() or len(label) > 200:
        raise InvalidInput("'label' must name the phone (1-200 characters), e.g. 'phone'.")
    now = utc_now()
    device_id = f"app-{uuid.uuid4().hex[:12]}"
    row = device_service.claim_code(conn, APP_CODE, code, device_id=device_id, now=now)
    _may_keep_diary(conn, row["participant_id"], None)   # a refusal rolls the claim back with the transaction
    device = device_service.Device(device_id=device_id, site_id=row["site_id"], label=label.strip(),
                                   kind=stored.PARTICIPANT_APP, participant_id=row["participant_id"])
    token = new_token()
    stored.add_device(conn, device_id=device.device_id, site_id=device.site_id, label=device.label,
                      token_digest=token_digest(token), enrolled_at=now, participant_id=row["participant_id"])
    append(conn, AuditEntry(actor=f"device:{device.device_id}", action="app.activate", entity_type="device",
                            entity_id=device.device_id,
                            new={"participant_id": row["participant_id"], "site_id": device.site_id,
                                 "label": device.label, "kind": stored.PARTICIPANT_APP}))
    secret = base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode("ascii")
    return Activated(device, token, secret)


def _shaped(code: Any) -> None:
    """Refuse, in the phone's words and before any attempt is counted, what is not shaped like a code: junk
    cannot use up the address's failures (the phone checks the same shape before it sends)."""
    try:
        enrolment_code.parse(code)
    except RecordInvalid as refused:
        shown = refused.problems[0].value
        raise AppActivationCodeMalformed([FieldProblem(
            field="code", value=shown, allowed=enrolment_code.ALLOWED,
            message=f"code: {shown!r} is not an activation code; type the 16 letters and digits the clinic gave "
                    "you (dashes and spaces may be left out)")], context="activation code") from None


def activate(engine: Engine, *, code: Any, label: Any, remote_addr: str) -> Activated:
    """Exchange a one-time activation code for the phone's credential, behind the kiosk enrolment's rate limit
    (``devices.exchange``: every attempt remembered). Raises TooManyAppActivations (429),
    AppActivationCodeInvalid (403), AppActivationRefused (409), RecordInvalid or InvalidInput.
    """
    if code is not None:   # no code at all is the claim's to refuse (AppActivationCodeInvalid, counted)
        _shaped(code)
    return device_service.exchange(engine, APP_CODE, code=code, remote_addr=remote_addr,
                                   work=lambda conn: _activate(conn, code=code, label=label))
