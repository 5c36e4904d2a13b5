"""Ingesting a kiosk's sync batch: validate every record with shared/, store the good ones in one
transaction keyed by (record id, revision), acknowledge retries, keep conflicts aside, answer downstream."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, and_, insert, select, update

from server.services import allocation, checkpoints
from server.services import devices as device_service
from server.services.audit import AuditEntry, append_many
from server.services.devices import Device
from server.storage.bulk import insert_many
from server.storage.tables import allocation_lists, corrections, participants, records, sync_conflicts, users
from shared.canonical import canonical_fields_json
from shared.errors import FieldProblem, RecordInvalid
from shared.records import ENVELOPE_FIELDS, utc_now
from shared.study.model import Study
from shared.sync.protocol import (
    ALREADY_STORED,
    CONFLICT,
    MAX_REVISION,
    PROTOCOL_VERSION,
    REJECTED,
    STORED,
    SyncRequest,
)
from shared.validation import validate_record

MAX_CORRECTIONS_PER_ANSWER = 500
KIOSK_ROLES = {"nurse", "investigator"}  # staff who may sign in on a kiosk of their site
_SORTED_ENVELOPE = tuple(sorted(ENVELOPE_FIELDS))  # ASCII names: code point order is RFC 8785's key order


@dataclass
class _Outcome:
    results: list[dict[str, Any]] = field(default_factory=list)
    audit: list[AuditEntry] = field(default_factory=list)


def _ids(rec: Any) -> tuple[Any, Any]:
    if type(rec) is dict or isinstance(rec, Mapping):
        return rec.get("record_id"), rec.get("revision")
    return None, None


def _participant_id(rec: Any) -> str | None:
    """The participant id of a record as sent, when it is a string (anything else fails validation)."""
    pid = rec.get("participant_id") if type(rec) is dict or isinstance(rec, Mapping) else None
    return pid if isinstance(pid, str) else None


def _reject(rec: Any, problems: list[FieldProblem]) -> dict[str, Any]:
    rid, rev = _ids(rec)
    return {"record_id": rid, "revision": rev, "status": REJECTED,
            "reason": "; ".join(p.message for p in problems), "problems": [p.as_dict() for p in problems]}


def _problem(field_name: str, value: Any, allowed: str, message: str) -> list[FieldProblem]:
    return [FieldProblem(field_name, value, allowed, message)]


@dataclass(frozen=True)
class _Enrolled:
    record_id: str
    arm: str
    allocation_number: int


@dataclass
class _BatchContext:
    """Server state one batch needs, read once per batch (not once per record)."""

    enrolled: dict[str, _Enrolled]
    _slots: dict[int, dict[str, Any]] | None = None
    canonical: dict[int, str] = field(default_factory=dict)  # id(record) -> its canonical JSON, made once

    def hashed(self, rec: Mapping[str, Any]) -> str:
        """The content hash of a validated record; its canonical JSON is kept to be stored as the body."""
        raw = canonical_fields_json(rec, _SORTED_ENVELOPE)
        self.canonical[id(rec)] = raw.decode("utf-8")
        return "sha256:" + hashlib.sha256(raw).hexdigest()

    def slot(self, conn: Connection, site_id: str, number: int) -> dict[str, Any] | None:
        if self._slots is None:
            self._slots = {}
            for row in conn.execute(select(allocation_lists.c.signed).where(allocation_lists.c.site_id == site_id)):
                for e in json.loads(row.signed)["body"]["entries"]:
                    self._slots[e["number"]] = e
        return self._slots.get(number)


def _check_enrolment(conn: Connection, device: Device, rec: Mapping[str, Any],
                     ctx: _BatchContext) -> list[FieldProblem]:
    pid = rec["participant_id"]
    data = rec["data"]
    number = data["allocation_number"]
    known = ctx.enrolled.get(pid)
    if known is not None:
        if known.record_id != rec["record_id"]:
            return _problem("participant_id", pid, "an unused participant id",
                            f"participant id {pid} is already enrolled; ids are never reused")
        # a retry or a later revision of the same enrolment: the randomisation itself never changes
        if (data["arm"], number) != (known.arm, known.allocation_number):
            return _problem("data.arm", data["arm"], f"arm {known.arm} with allocation number "
                            f"{known.allocation_number}", "the arm and allocation number of an enrolment "
                            "cannot be corrected; tell the data manager")
        return []
    if pid != f"{device.site_id}-{number:03d}":
        return _problem("participant_id", pid, f"{device.site_id}-{number:03d}",
                        "the participant id must be the site prefix and the allocation number")
    slot = ctx.slot(conn, device.site_id, number)
    if slot is None or slot["arm"] != data["arm"]:
        return _problem("data.arm", data["arm"], f"the arm at allocation number {number}",
                        "the arm does not match the site's signed allocation list")
    if allocation.granted_to(conn, device.site_id, slot["block"]) != device.device_id:
        return _problem("data.allocation_number", number, "a number from a block granted to this kiosk",
                        f"allocation number {number} was not granted to this kiosk")
    taken = conn.execute(select(participants.c.participant_id).where(
        participants.c.site_id == device.site_id, participants.c.allocation_number == number)).first()
    if taken is not None:
        return _problem("data.allocation_number", number, "an unused number",
                        f"allocation number {number} was already used")
    return []


def _check_in_context(conn: Connection, device: Device, rec: Mapping[str, Any], claimed_hash: Any,
                      ctx: _BatchContext) -> list[FieldProblem]:
    """Rules that need the server's state: hash, device, site, enrolment and allocation."""
    if rec["revision"] > MAX_REVISION:
        return _problem("revision", rec["revision"], f"a whole number from 1 to {MAX_REVISION}",
                        f"revision: {rec['revision']} is above the largest revision number {MAX_REVISION}")
    if claimed_hash != ctx.hashed(rec):
        return _problem("content_hash", claimed_hash, "the SHA-256 of the record's canonical JSON",
                        "content_hash does not match the record (changed in transit): the kiosk will resend it")
    if rec["device_id"] != device.device_id:
        return _problem("device_id", rec["device_id"], device.device_id,
                        "device_id is not the device that sent the record")
    if rec["site_id"] != device.site_id:
        return _problem("site_id", rec["site_id"], device.site_id,
                        f"this kiosk is enrolled for site {device.site_id}, not {rec['site_id']}")
    if rec["kind"] == "enrolment":
        return _check_enrolment(conn, device, rec, ctx)
    pid = rec["participant_id"]
    if pid not in ctx.enrolled:
        return _problem("participant_id", pid, "an enrolled participant",
                        f"participant {pid} is not enrolled on the server: sync the enrolment first")
    return []


def ingest(conn: Connection, study: Study, device: Device, request: SyncRequest) -> dict[str, Any]:
    """Store one batch in the caller's transaction and build the answer (results + downstream)."""
    now = utc_now()
    pids = {p for p in map(_participant_id, (i.record for i in request.items)) if p is not None}
    ctx = _BatchContext(enrolled={})
    if pids:
        for row in conn.execute(select(participants.c.participant_id, participants.c.arm,
                                       participants.c.enrolment_record_id, participants.c.allocation_number)
                                .where(participants.c.participant_id.in_(pids))):
            ctx.enrolled[row.participant_id] = _Enrolled(row.enrolment_record_id, row.arm, row.allocation_number)
    out = _Outcome()
    valid: list[tuple[dict[str, Any], str]] = []
    for item in request.items:
        rec = item.record
        pid = _participant_id(rec)
        known = ctx.enrolled.get(pid) if pid is not None else None
        try:
            validate_record(rec, study, arm_code=known.arm if known else None)
        except RecordInvalid as exc:
            out.results.append(_reject(rec, exc.problems))
            continue
        problems = _check_in_context(conn, device, rec, item.content_hash, ctx)
        if problems:
            out.results.append(_reject(rec, problems))
            continue
        if rec["kind"] == "enrolment":
            ctx.enrolled[rec["participant_id"]] = _Enrolled(rec["record_id"], rec["data"]["arm"],
                                                            rec["data"]["allocation_number"])
        valid.append((rec, item.content_hash))
    _store(conn, device, valid, out, now, ctx.canonical)
    rejected = sum(1 for r in out.results if r["status"] == REJECTED)
    counts = {s: sum(1 for r in out.results if r["status"] == s) for s in (STORED, ALREADY_STORED, CONFLICT)}
    out.audit.append(AuditEntry(actor=f"device:{device.device_id}", action="sync.batch", entity_type="device",
                                entity_id=device.device_id, new={**counts, REJECTED: rejected,
                                                                  "received": len(request.items)}))
    append_many(conn, out.audit, at=now)
    device_service.touch(conn, device.device_id)
    return {"protocol_version": PROTOCOL_VERSION, "results": out.results,
            "downstream": downstream(conn, study, device, request.corrections_cursor,
                                     held_blocks=request.allocation_blocks)}


def _store(conn: Connection, device: Device, valid: list[tuple[dict[str, Any], str]], out: _Outcome,
           now: str, bodies: dict[int, str]) -> None:
    if not valid:
        return
    record_ids = {r["record_id"] for r, _ in valid}
    existing: dict[tuple[str, int], str] = {}
    previous: dict[str, tuple[int, Any]] = {}
    for row in conn.execute(select(records.c.record_id, records.c.revision, records.c.content_hash, records.c.body)
                            .where(records.c.record_id.in_(record_ids))):
        existing[(row.record_id, row.revision)] = row.content_hash
        if row.record_id not in previous or previous[row.record_id][0] < row.revision:
            previous[row.record_id] = (row.revision, json.loads(row.body)["data"])
    new_rows: list[dict[str, Any]] = []
    new_participants: list[dict[str, Any]] = []
    corrected_people: list[dict[str, Any]] = []
    for rec, digest in valid:
        key = (rec["record_id"], rec["revision"])
        ident = {"record_id": key[0], "revision": key[1]}
        if key in existing:
            if existing[key] == digest:
                out.results.append({**ident, "status": ALREADY_STORED})
                continue
            already_kept = conn.execute(select(sync_conflicts.c.id).where(
                sync_conflicts.c.record_id == key[0], sync_conflicts.c.revision == key[1],
                sync_conflicts.c.received_hash == digest)).first()
            if already_kept is None:
                conn.execute(insert(sync_conflicts).values(
                    record_id=key[0], revision=key[1], device_id=device.device_id, received_hash=digest,
                    stored_hash=existing[key], body=bodies[id(rec)], received_at=now))
            reason = (f"record {key[0]} revision {key[1]} is already stored with different content; "
                      "it was kept aside for a data manager and not merged")
            out.results.append({**ident, "status": CONFLICT, "reason": reason})
            out.audit.append(AuditEntry(actor=f"device:{device.device_id}", action="sync.conflict",
                                        entity_type="record", entity_id=f"{key[0]}#{key[1]}",
                                        new={"received_hash": digest, "stored_hash": existing[key]}))
            continue
        existing[key] = digest
        old = previous.get(rec["record_id"])
        previous[rec["record_id"]] = (rec["revision"], rec["data"])
        new_rows.append({
            "record_id": key[0], "revision": key[1], "kind": rec["kind"], "site_id": rec["site_id"],
            "participant_id": rec["participant_id"], "visit_id": rec.get("visit_id"),
            "instrument_id": rec.get("instrument_id"), "instrument_version": rec.get("instrument_version"),
            "content_hash": digest, "body": bodies[id(rec)], "device_id": device.device_id,
            "collected_at": rec["collected_at"], "received_at": now,
            "serious": bool(rec["kind"] == "adverse_event" and rec["data"].get("serious") is True)})
        if rec["kind"] == "enrolment" and rec["revision"] > 1:
            corrected_people.append(rec)
        if rec["kind"] == "enrolment" and rec["revision"] == 1:
            d = rec["data"]
            new_participants.append({"participant_id": rec["participant_id"], "site_id": rec["site_id"],
                                     "arm": d["arm"], "status": "enrolled", "enrolled_at": rec["collected_at"],
                                     "enrolment_record_id": rec["record_id"],
                                     "allocation_number": d["allocation_number"], "year_of_birth": d["year_of_birth"],
                                     "sex": d["sex"]})
        action = "create" if rec["revision"] == 1 else "correct"
        out.audit.append(AuditEntry(actor=rec["entered_by"], action=f"{rec['kind']}.{action}", entity_type="record",
                                    entity_id=f"{key[0]}#{key[1]}", old=None if old is None else old[1],
                                    new=rec["data"], reason=rec.get("correction_reason")))
        out.results.append({**ident, "status": STORED})
    insert_many(conn, records, new_rows)
    if new_participants:
        conn.execute(insert(participants), new_participants)
    for rec in sorted(corrected_people, key=lambda r: r["revision"]):
        conn.execute(update(participants).where(participants.c.participant_id == rec["participant_id"])
                     .values(year_of_birth=rec["data"]["year_of_birth"], sex=rec["data"]["sex"]))


def downstream(conn: Connection, study: Study, device: Device, cursor: int,
               held_blocks: frozenset[int] | None = None) -> dict[str, Any]:
    """What the kiosk needs back: its site's participants, the study version, data-manager corrections.

    The signed allocation lists are left out when the kiosk already holds every block granted to it
    (``held_blocks``), so a routine sync over a slow clinic network stays small.
    """
    people = [dict(r._mapping) for r in conn.execute(
        select(participants.c.participant_id, participants.c.arm, participants.c.status)
        .where(participants.c.site_id == device.site_id).order_by(participants.c.participant_id))]
    rows = conn.execute(
        select(corrections.c.seq, records.c.body, records.c.content_hash)
        .join(records, and_(records.c.record_id == corrections.c.record_id,
                            records.c.revision == corrections.c.revision))
        .where(corrections.c.site_id == device.site_id, corrections.c.seq > cursor)
        .order_by(corrections.c.seq).limit(MAX_CORRECTIONS_PER_ANSWER + 1)).all()
    more = len(rows) > MAX_CORRECTIONS_PER_ANSWER
    rows = rows[:MAX_CORRECTIONS_PER_ANSWER]
    staff = [{"username": u.username, "display_name": u.display_name, "password_hash": u.password_hash,
              "roles": u.roles.split(","), "disabled": bool(u.disabled)}
             for u in conn.execute(select(users).order_by(users.c.username))
             if device.site_id in u.sites.split(",") and set(u.roles.split(",")) & KIOSK_ROLES]
    grants = allocation.grants_for(conn, study, site_id=device.site_id, device_id=device.device_id)
    if held_blocks is not None and set(grants["blocks"]) <= held_blocks:
        grants["lists"] = []
    return {"study_version": study.study.version, "participants": people, "staff": staff, "allocation": grants,
            "corrections": [{"record": json.loads(r.body), "content_hash": r.content_hash} for r in rows],
            "corrections_cursor": rows[-1].seq if rows else cursor, "more_corrections": more,
            "audit_head": checkpoints.for_witness(conn)}

