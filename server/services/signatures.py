"""Investigator e-signatures (21 CFR 11.50, 11.70, 11.100, 11.200): sign a visit or a whole casebook, and show
every signature with its manifestation and whether it still holds.

Signing checks the signer's components first (``auth.confirm_signer``: user id and password at the first
signing of a session, the password at every later one), then, in one transaction: the study is not locked,
the participant is the signer's site's, the signer has a printed name on record, there is something to sign;
the manifest (every covered item's revision and content hash) is hashed, the signature row stored and its
``signature.sign`` audit entry appended to the hash chain beside it.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine

from server.services import auth, sessions
from server.services.audit import AuditEntry, append
from server.services.auth import Staff
from server.storage import audit as audit_store
from server.storage import locks as lock_store
from server.storage import participants as participant_store
from server.storage import screenings as screening_store
from server.storage import signatures as signature_store
from server.storage import users as user_store
from server.storage.engine import reading, writing
from shared.canonical import canonical_json
from shared.errors import NotFound, SignatureRefused
from shared.records import timestamps
from shared.signatures import (
    CASEBOOK,
    MEANING_OF_SCOPE,
    SCOPES,
    VISIT,
    Item,
    Verdict,
    compare,
    manifest,
    manifest_hash,
    meaning_text,
    signature_hash,
)
from shared.study.model import Study


@dataclass(frozen=True)
class SignRequest:
    """What the signing page sends: what to sign, and the signer's components."""

    participant_id: str
    scope: str
    visit_id: str | None
    username: str | None      # asked at the first signing of a session only
    password: str
    language: str


def needs_user_id(engine: Engine, session_token: str) -> bool:
    """Whether the next signing in this session must take the user id as well as the password."""
    return not sessions.has_signed(engine, session_token)


def _check_target(conn: Connection, study: Study, staff: Staff, req: SignRequest) -> Any:
    if req.scope not in SCOPES:
        raise SignatureRefused(f"scope: {req.scope!r} is not allowed; sign a visit or a casebook.")
    person = participant_store.enrolled(conn, [req.participant_id]).get(req.participant_id)
    if person is None:      # never randomised (screen failure, pending, eligible): a casebook too, signed whole
        person = screening_store.screened(conn, [req.participant_id]).get(req.participant_id)
        if person is not None and req.scope != CASEBOOK:
            raise SignatureRefused(f"scope: {req.scope!r} is not allowed for {req.participant_id}, screened "
                                   f"({person.outcome.replace('_', ' ')}) and never randomised: sign the whole "
                                   "casebook (scope casebook).")
    if person is None or person.site_id not in staff.sites:
        raise NotFound(f"No participant {req.participant_id!r} at your sites.")
    if req.scope == VISIT and req.visit_id not in {v.id for v in study.visits}:
        raise SignatureRefused(f"visit: {req.visit_id!r} is not a visit of the study; choose one from the "
                               "participant page.")
    lock = lock_store.study_lock(conn)
    if lock is not None:
        raise SignatureRefused(f"The study was locked on {lock.locked_at} ({lock.reason}); nothing can be signed "
                               "until a data manager unlocks it.")
    return person


PASSWORD_SET = ("user.create", "user.reset", "user.password_change")


def _own_password(conn: Connection, staff: Staff) -> None:
    """Refuse a signature made with a password someone else set (an admin creating or resetting the account knows
    it): only a password the signer chose themself signs, so using another's signature takes more than one person
    (21 CFR 11.200(a)(3))."""
    last = audit_store.newest_about(conn, "user", staff.username, PASSWORD_SET)
    if last is None or last["action"] != "user.password_change" or last["actor"] != staff.actor:
        raise SignatureRefused("Your password was set by an administrator (account created or reset), so it is "
                               "not yours alone yet: change it first (Change password, at the top of the page), "
                               "then sign.")


def sign(engine: Engine, study: Study, staff: Staff, req: SignRequest, *, session_token: str,
         remote_addr: str) -> dict[str, Any]:
    """Make one e-signature and return its view. Raises SignatureCredentials (user id or password not the
    signer's), SignatureRefused (nothing to sign, no printed name, study locked), NotFound (not the signer's
    participant) or Forbidden (the role may not sign)."""
    staff.require("signature.sign")
    with reading(engine) as conn:      # what is asked for first: no password is checked for a bad request
        _check_target(conn, study, staff, req)
    first = needs_user_id(engine, session_token)
    auth.confirm_signer(engine, staff, username=(req.username or "") if first else None, password=req.password,
                        remote_addr=remote_addr)
    with writing(engine) as conn:
        person = _check_target(conn, study, staff, req)
        account = user_store.find(conn, staff.username)
        printed = (account.display_name or "").strip() if account is not None else ""
        if not printed or printed == staff.username:
            raise SignatureRefused(f"Your account has no printed name on record; an admin sets it "
                                   f"(`trialpro-server user name {staff.username} --display-name \"…\"`) before "
                                   "you can sign.")
        _own_password(conn, staff)
        visit_id = req.visit_id if req.scope == VISIT else None
        items = signature_store.current_items(conn, req.participant_id, visit_id)
        if not items:
            raise SignatureRefused(f"There is nothing to sign for {req.participant_id}"
                                   f"{' at visit ' + str(visit_id) if visit_id else ''} yet.")
        site = next(s for s in study.sites if s.id == person.site_id)
        at, at_local = timestamps(site.timezone)
        m = manifest(req.participant_id, req.scope, visit_id, items)
        row: dict[str, Any] = {
            "signature_id": str(uuid.uuid4()), "participant_id": req.participant_id, "site_id": person.site_id,
            "scope": req.scope, "visit_id": visit_id, "signer": staff.username, "printed_name": printed,
            "meaning": MEANING_OF_SCOPE[req.scope], "meaning_text": meaning_text(req.scope, req.language),
            "signed_at": at, "signed_at_local": at_local, "manifest_hash": manifest_hash(m)}
        row["signature_hash"] = signature_hash(row)
        signature_store.add(conn, {**row, "manifest": canonical_json(m).decode("utf-8")})
        append(conn, AuditEntry(actor=staff.actor, action="signature.sign", entity_type="signature",
                                entity_id=row["signature_id"],
                                new={k: row[k] for k in ("participant_id", "scope", "visit_id", "printed_name",
                                                         "meaning", "meaning_text", "signed_at", "signed_at_local",
                                                         "manifest_hash", "signature_hash")}
                                | {"items": len(items), "remote_addr": remote_addr[:64]}))
        sessions.note_signing(conn, session_token, at)
    return {**row, "manifest": m, "verdict": Verdict(True)}


def signature_views(conn: Connection, participant_id: str,
                    by_visit: dict[str | None, list[Item]] | None = None) -> list[dict[str, Any]]:
    """Every signature of a participant, oldest first, each with its ``verdict`` against the data now and
    ``current`` (whether it is the newest of its visit or casebook). ``by_visit``: the participant's current
    items by visit (``signature_store.current_items_by_visit``) when the caller has read them already."""
    rows = signature_store.of_participant(conn, participant_id)
    audited = signature_store.audited_hashes(conn, [r["signature_id"] for r in rows])
    items: dict[str | None, list[Any]] = {}
    newest: dict[tuple[str, str | None], str] = {}
    for r in rows:
        key = r["visit_id"] if r["scope"] == VISIT else None
        if key not in items:
            items[key] = (signature_store.current_items(conn, participant_id, key) if by_visit is None
                          else [i for group in by_visit.values() for i in group] if key is None
                          else by_visit.get(key, []))
        r["verdict"] = compare(r, items[key], audited_hash=audited.get(r["signature_id"]))
        newest[(r["scope"], key)] = r["signature_id"]
    for r in rows:
        r["current"] = newest[(r["scope"], r["visit_id"] if r["scope"] == VISIT else None)] == r["signature_id"]
    return rows


def casebook_signed(views: list[dict[str, Any]]) -> bool:
    """Whether the newest casebook signature among ``views`` holds for the data now."""
    books = [v for v in views if v["scope"] == CASEBOOK and v["current"]]
    return bool(books) and books[-1]["verdict"].holds


def manifest_json(view: dict[str, Any]) -> str:
    return json.dumps(view["manifest"], ensure_ascii=False, sort_keys=True)


def signoff_summary(conn: Connection, study: Study, participant_id: str) -> dict[str, Any]:
    """What the participant page and the casebook show of sign-off: each visit with data and its newest
    signature, the newest casebook signature, every signature (oldest first) and the locks in force."""
    from server.services.locks import lock_state

    by_visit = signature_store.current_items_by_visit(conn, participant_id)   # one read, not one per visit
    views = signature_views(conn, participant_id, by_visit)
    newest = {(v["scope"], v["visit_id"]): v for v in views if v["current"]}
    visits = []
    for v in study.visits:
        if by_visit.get(v.id) or (VISIT, v.id) in newest:
            visits.append({"visit": v, "signature": newest.get((VISIT, v.id))})
    return {"visits": visits, "casebook": newest.get((CASEBOOK, None)), "signatures": views,
            "has_data": any(by_visit.values()), **lock_state(conn, participant_id)}


def covering(conn: Connection, participant_id: str, record_id: str) -> list[dict[str, Any]]:
    """The newest signatures (visit or casebook) that hold and cover this record: what a correction breaks."""
    ref = f"record:{record_id}"
    return [v for v in signature_views(conn, participant_id) if v["current"] and v["verdict"].holds
            and any(i["ref"] == ref for i in v["manifest"]["items"])]
