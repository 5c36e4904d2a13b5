"""Ingesting a kiosk's sync batch: validate every record with shared/, store the good ones in one
transaction keyed by (record id, revision), acknowledge retries, keep conflicts aside, answer downstream."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from server.services import allocation, checkpoints, lab_results, screening, site_state
from server.services import devices as device_service
from server.services import queries as query_service
from server.services.audit import AuditEntry, append_many
from server.services.devices import Device
from server.services.sync_home import app_downstream, home_scope
from server.services.sync_prepare import Prepared, inputs_of, note_person, prepare, stored_key
from server.storage import participants as participant_store
from server.storage import records as record_store
from server.storage import screenings as screening_store
from server.storage import users as user_store
from server.storage.participants import Enrolled
from server.storage.screenings import Screened
from shared.actors import StaffAccount, check_entered_by, staff_username
from shared.errors import (
    FieldProblem,
    RecordAlreadySubmitted,
    RecordEnrolmentRefused,
    RecordEnrolmentRetired,
    RecordHashMismatch,
    RecordInvalid,
    RecordNotEnrolled,
    RecordWrongDevice,
    RecordWrongSite,
    SyncOutcomeUnknown,
)
from shared.instruments import get_instrument
from shared.records import canonical_record, hash_of_canonical, utc_now
from shared.study.model import Study
from shared.submissions import submission_key
from shared.sync.protocol import (
    ALREADY_STORED,
    CONFLICT,
    MAX_REVISION,
    PROTOCOL_VERSION,
    REJECTED,
    STORED,
    SyncRequest,
)

MAX_CORRECTIONS_PER_ANSWER = 500


@dataclass
class _Outcome:
    results: list[dict[str, Any]] = field(default_factory=list)
    audit: list[AuditEntry] = field(default_factory=list)


def _ids(rec: Any) -> tuple[Any, Any]:
    if type(rec) is dict or isinstance(rec, Mapping):
        rid, rev = rec.get("record_id"), rec.get("revision")
        return (rid if isinstance(rid, str) else None), (rev if type(rev) is int else None)
    return None, None


def _sent_ids(sent: list[Any]) -> tuple[set[str], set[str], list[str | None]]:
    """The participant ids and record ids of the sent records (text, not empty), and each record's staff user
    name (``staff_username`` of its ``entered_by``), in one pass over the batch (``_field`` of each, as sent)."""
    people: set[str] = set()
    record_ids: set[str] = set()
    names: list[str | None] = []
    for rec in sent:
        if type(rec) is dict or isinstance(rec, Mapping):
            pid, rid, by = rec.get("participant_id"), rec.get("record_id"), rec.get("entered_by")
            if isinstance(pid, str) and pid:
                people.add(pid)
            if isinstance(rid, str) and rid:
                record_ids.add(rid)
            names.append(staff_username(by) if isinstance(by, str) else None)
        else:
            names.append(None)
    return people, record_ids, names


def _reject(rec: Any, error: RecordInvalid) -> dict[str, Any]:
    rid, rev = _ids(rec)
    answer = {"record_id": rid, "revision": rev, "status": REJECTED, "code": error.code, "rule": error.rule,
              "reason": "; ".join(p.message for p in error.problems),
              "problems": [p.as_dict() for p in error.problems]}
    if isinstance(error, RecordAlreadySubmitted):
        answer["existing_record_id"] = error.existing_record_id
    return answer


def _problem(cls: type[RecordInvalid], field_name: str, value: Any, allowed: str, message: str) -> RecordInvalid:
    return cls([FieldProblem(field_name, value, allowed, message)])


@dataclass
class _BatchContext:
    """Server state one batch needs, read once per batch (not once per record)."""

    enrolled: dict[str, Enrolled]
    screened: dict[str, Screened]
    staff: dict[str, StaffAccount]
    now: datetime
    batch_records: dict[str, list[Mapping[str, Any]]] = field(default_factory=dict)  # accepted so far, by person

    @staticmethod
    def hashed(prepared: Prepared, index: int, rec: Mapping[str, Any]) -> str:
        """The content hash of validated item ``index``, made once (before the lock, or here when it could not
        be made there); its canonical JSON is kept in ``prepared`` to be stored as the body."""
        digest = prepared.digests[index]
        if digest is None:
            raw = canonical_record(rec)
            prepared.canonical[index] = raw.decode("utf-8")
            prepared.digests[index] = digest = hash_of_canonical(raw)
        return digest

    def slot(self, conn: Connection, site_id: str, number: int) -> dict[str, Any] | None:
        return allocation.entry(conn, site_id, number)   # the site's lists as parsed once per process


def _check_enrolment(conn: Connection, device: Device, rec: Mapping[str, Any],
                     ctx: _BatchContext) -> RecordInvalid | None:
    """A one-step enrolment of an earlier release: its retries and corrections are still taken (the store keeps
    its randomisation fixed), a new one is refused (issue 15: screening, then randomisation)."""
    pid = rec["participant_id"]
    known = ctx.enrolled.get(pid)
    if known is not None:
        if known.record_id != rec["record_id"]:
            return _problem(RecordEnrolmentRefused, "participant_id", pid, "an unused participant id",
                            f"participant id {pid} is already enrolled; ids are never reused")
        return None
    if rec["revision"] != 1:
        return None  # a later revision of an enrolment the server does not hold: the store refuses it
    return _problem(RecordEnrolmentRetired, "kind", "enrolment", "screening, then randomisation",
                    "a new one-step enrolment is no longer accepted: screen the participant (a screening record), "
                    "then randomise at the eligibility visit (a randomisation record)")


def _respondent(rec: Mapping[str, Any]) -> str | None:
    if rec["kind"] != "instrument_response":
        return None
    return get_instrument(rec["instrument_id"], rec["instrument_version"]).respondent


def _check_person(conn: Connection, study: Study, device: Device, rec: Mapping[str, Any],
                  ctx: _BatchContext) -> RecordInvalid | None:
    """The rules of who the record is about: screened (by this kiosk's numbers), randomised once, known."""
    pid, kind = rec["participant_id"], rec["kind"]
    if kind == "enrolment":
        return _check_enrolment(conn, device, rec, ctx)
    if kind == "screening":
        holder = ctx.screened[pid].record_id if pid in ctx.screened else (
            ctx.enrolled[pid].record_id if pid in ctx.enrolled else None)
        return screening.check_screening(conn, device, rec, holder)
    if kind == "randomisation":
        known = ctx.enrolled.get(pid)
        return screening.check_randomisation(conn, study, device, rec, screening.RandomisationContext(
            screened=ctx.screened, randomised_record=known.record_id if known else None,
            batch_records=ctx.batch_records.get(pid, []), slot=lambda n: ctx.slot(conn, device.site_id, n)))
    if pid not in ctx.enrolled and pid not in ctx.screened:
        return _problem(RecordNotEnrolled, "participant_id", pid, "a screened or enrolled participant",
                        f"participant {pid} is not screened on the server: sync the screening first")
    return None


def _check_in_context(conn: Connection, study: Study, device: Device, rec: Mapping[str, Any], claimed_hash: Any,
                      ctx: _BatchContext, digest: str, staff: str | None) -> RecordInvalid | None:
    """Rules that need the server's state: hash, device, site, enrolment, allocation and who entered it
    (``digest``: the record's content hash; ``staff``: the user name its ``entered_by`` names, if any)."""
    if rec["revision"] > MAX_REVISION:
        return _problem(RecordInvalid, "revision", rec["revision"], f"a whole number from 1 to {MAX_REVISION}",
                        f"revision: {rec['revision']} is above the largest revision number {MAX_REVISION}")
    if claimed_hash != digest:
        return _problem(RecordHashMismatch, "content_hash", claimed_hash,
                        "the SHA-256 of the record's canonical JSON",
                        "content_hash does not match the record (changed in transit): the device sends it again")
    if rec["device_id"] != device.device_id:
        return _problem(RecordWrongDevice, "device_id", rec["device_id"], device.device_id,
                        "device_id is not the device that sent the record")
    if rec["site_id"] != device.site_id:
        return _problem(RecordWrongSite, "site_id", rec["site_id"], device.site_id,
                        f"this device is enrolled for site {device.site_id}, not {rec['site_id']}")
    refused = _check_person(conn, study, device, rec, ctx)
    if refused is not None:
        return refused
    return (check_entered_by(rec, ctx.staff.get(staff) if staff else None, respondent=_respondent(rec))
            or query_service.check_kiosk_answer(conn, rec))


def _checked(conn: Connection, study: Study, device: Device, rec: Any, claimed_hash: Any,
             ctx: _BatchContext, prepared: Prepared, index: int, staff: str | None) -> RecordInvalid | None:
    """Every rule one sent record must pass before the store looks at it; None when it passes (shape and
    validation as prepared before the lock, when the participant state they used is still the same)."""
    unprocessable = prepared.shape[index]
    if unprocessable is not None:
        return unprocessable
    refused = home_scope(conn, study, device, rec)   # issue 24: a phone sends its participant's home entries only
    if refused is not None:
        return refused
    refused = prepared.validation(index, rec, study, inputs_of(rec, ctx.enrolled, ctx.screened))
    if refused is not None:
        return refused
    return _check_in_context(conn, study, device, rec, claimed_hash, ctx, ctx.hashed(prepared, index, rec), staff)


def _retried(device: Device, rec: Any, claimed_hash: Any, prepared: Prepared, index: int,
             stored: record_store.Histories) -> bool:
    """A revision this kiosk sent before and the server holds with the same hash (the body hashes to it, and
    ``stored`` was read under the write lock): answered already_stored from the primary key, without
    validating it again."""
    digest = prepared.digests[index]
    key = stored_key(rec) if digest is not None else None   # no digest: not even an object (shape refused)
    return (digest is not None and claimed_hash == digest and key is not None
            and stored.stored_hash(*key) == digest
            and rec["device_id"] == device.device_id and rec["site_id"] == device.site_id)


def ingest(conn: Connection, study: Study, device: Device, request: SyncRequest,
           prepared: Prepared | None = None, *, with_downstream: bool = True) -> dict[str, Any]:
    """Store one batch in the caller's transaction and build the answer (results + downstream).

    ``prepared``: the batch's lock-free checks (``sync_prepare.prepare``), done on a read snapshot before the
    writing transaction began; without it they are done here, on ``conn``. Without ``with_downstream`` the
    answer has no downstream part: the caller tops up (``top_ups``) in this transaction and reads the rest
    (``downstream``) after the commit, when the write lock is free again.
    """
    prepared = prepared or prepare(conn, study, request)
    now = utc_now()
    people, record_ids, names = _sent_ids([i.record for i in request.items])
    ctx = _BatchContext(
        enrolled=participant_store.enrolled(conn, people), screened=screening_store.screened(conn, people),
        staff=user_store.staff_accounts(conn, {n for n in names if n}), now=prepared.now)
    # what is stored of the sent records, read once under the lock: for the retries here and for the store
    history = record_store.histories(conn, record_ids, study.study.id)
    out = _Outcome()
    answers: list[dict[str, Any] | None] = []
    valid: list[record_store.Revision] = []
    for index, item in enumerate(request.items):
        rec = item.record
        if history and _retried(device, rec, item.content_hash, prepared, index, history):
            _remember(rec, ctx)
            answers.append({"record_id": rec["record_id"], "revision": rec["revision"], "status": ALREADY_STORED})
            continue
        staff = names[index]
        refused = _checked(conn, study, device, rec, item.content_hash, ctx, prepared, index, staff)
        if refused is not None:
            answers.append(_reject(rec, refused))
            continue
        _remember(rec, ctx)
        answers.append(None)
        body = prepared.canonical[index]
        assert body is not None   # hashed under _checked
        valid.append(record_store.Revision(rec, item.content_hash, body, device.device_id, staff, device.site_id))
    outcomes = iter(record_store.store_revisions(conn, valid, study_id=study.study.id, received_at=now,
                                                 submission_key=lambda r: submission_key(r, study),
                                                 history=history))
    for item, answer in zip(request.items, answers, strict=True):
        out.results.append(answer if answer is not None
                           else _answer(device, item.record, item.content_hash, next(outcomes), out))
    tally = Counter(r["status"] for r in out.results)
    counts = {s: tally[s] for s in (STORED, ALREADY_STORED, CONFLICT)}
    out.audit.append(AuditEntry(actor=f"device:{device.device_id}", action="sync.batch", entity_type="device",
                                entity_id=device.device_id, new={**counts, REJECTED: tally[REJECTED],
                                                                  "received": len(request.items)}))
    append_many(conn, out.audit, at=now)
    query_service.apply_kiosk_answers(conn, device.device_id, [  # after the records' own audit entries
        i.record for i, r in zip(request.items, out.results, strict=True) if r["status"] == STORED])
    device_service.touch(conn, device)   # raises DeviceRevoked (all of this rolls back) if revoked meanwhile
    answer: dict[str, Any] = {"protocol_version": PROTOCOL_VERSION, "results": out.results}
    if with_downstream and device.is_app:   # issue 24: a phone gets its own entries back, nothing of the site
        answer["downstream"] = app_downstream(conn, study, device)
    elif with_downstream:
        answer["downstream"] = downstream(conn, study, device, request.corrections_cursor,
                                          held_blocks=request.allocation_blocks, labs_cursor=request.labs_cursor,
                                          state_cursor=request.state_cursor)
    return answer


def _remember(rec: Mapping[str, Any], ctx: _BatchContext) -> None:
    """What a record accepted into this batch tells the checks of the records after it."""
    ctx.batch_records.setdefault(rec["participant_id"], []).append(rec)
    note_person(rec, ctx.screened, ctx.enrolled)


def _answer(device: Device, rec: dict[str, Any], digest: str, outcome: record_store.Outcome,
            out: _Outcome) -> dict[str, Any]:
    """The result of one stored, retried, conflicting or refused revision, with its audit entry."""
    key = (rec["record_id"], rec["revision"])
    if outcome.status == STORED:   # most records: their answer and audit entry first
        out.audit.append(AuditEntry(actor=f"{rec['entered_by']} via device:{device.device_id}",
                                    action=f"{rec['kind']}.{'create' if key[1] == 1 else 'correct'}",
                                    entity_type="record", entity_id=f"{key[0]}#{key[1]}", old=outcome.previous_data,
                                    new=rec["data"], reason=rec.get("correction_reason")))
        return {"record_id": key[0], "revision": key[1], "status": STORED}
    ident = {"record_id": key[0], "revision": key[1]}
    if outcome.status == ALREADY_STORED:
        return {**ident, "status": ALREADY_STORED}
    if outcome.status == REJECTED and outcome.error is not None:
        return _reject(rec, outcome.error)
    if outcome.status == CONFLICT:
        out.audit.append(AuditEntry(actor=f"device:{device.device_id}", action="sync.conflict",
                                    entity_type="record", entity_id=f"{key[0]}#{key[1]}",
                                    new={"received_hash": digest,
                                         "stored_hash": outcome.stored_hash}))
        return {**ident, "status": CONFLICT, "reason": f"record {key[0]} revision {key[1]} is already stored "
                "with different content; it was kept aside for a data manager and not merged"}
    raise SyncOutcomeUnknown(   # also a rejection without its rule: a kiosk never gets a refusal that names none
        f"The server could not answer record {key[0]} revision {key[1]} (its store said {outcome.status!r}"
        f"{' without the rule broken' if outcome.status == REJECTED else ''}) and stored nothing of this batch. "
        "The kiosk retries by itself; if it happens again, tell the trialpro administrators.",
        details={"record_id": key[0], "revision": key[1], "outcome": outcome.status})


Granted = tuple[dict[str, Any], list[int]]


def top_ups(conn: Connection, study: Study, device: Device) -> Granted:
    """The kiosk's allocation blocks and screening numbers, topped up (written and audited when one is due):
    the only part of the answer that writes, so it runs in the sync's writing transaction."""
    return (allocation.grants_for(conn, study, site_id=device.site_id, device_id=device.device_id),
            screening.numbers_for(conn, device.site_id, device.device_id))


def downstream(conn: Connection, study: Study, device: Device, cursor: int,
               held_blocks: frozenset[int] | None = None, labs_cursor: int = 0,
               granted: Granted | None = None, state_cursor: int | None = None) -> dict[str, Any]:
    """What the kiosk needs back: its site's participants, the study version, data-manager corrections.

    The signed allocation lists are left out when the kiosk already holds every block granted to it
    (``held_blocks``), so a routine sync over a slow clinic network stays small. ``granted``: what
    ``top_ups`` gave in the sync's transaction (then ``conn`` may be a read snapshot after its commit).
    """
    people = participant_store.of_site(conn, device.site_id) + participant_store.screened_of_site(conn, device.site_id)
    rows = record_store.corrections_after(conn, device.site_id, cursor, MAX_CORRECTIONS_PER_ANSWER + 1)
    more = len(rows) > MAX_CORRECTIONS_PER_ANSWER
    rows = rows[:MAX_CORRECTIONS_PER_ANSWER]
    staff = user_store.kiosk_staff(conn, device.site_id)
    grants, numbers = granted or top_ups(conn, study, device)
    if held_blocks is not None and set(grants["blocks"]) <= held_blocks:
        grants["lists"] = []
    return {"study_version": study.study.version, "participants": people, "staff": staff, "allocation": grants,
            "screening_numbers": numbers,
            "corrections": [{"record": json.loads(r.body), "content_hash": r.content_hash} for r in rows],
            "corrections_cursor": rows[-1].seq if rows else cursor, "more_corrections": more,
            "audit_head": checkpoints.for_witness(conn),
            "queries": query_service.for_kiosk(conn, device.site_id),
            **lab_results.downstream(conn, study, device.site_id, labs_cursor),
            **site_state.downstream(conn, device.site_id, state_cursor)}

