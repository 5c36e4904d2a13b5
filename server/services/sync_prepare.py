"""The part of a sync batch's checks that needs no write lock, worked out first on a read snapshot.

Checking a record's shape, validating it with shared/ and hashing its canonical JSON are most of a sync's
work, and none of it changes the database. ``prepare`` does it before the writing transaction starts, so a
kiosk's batch holds the SQLite write lock (or the PostgreSQL chain head) only to check the server's state and
store. Nothing is taken on trust from the snapshot: the validation of a record is reused under the lock only
when the participant state it depends on (arm and consent date, from the server or from earlier records of the
batch) is the same there; otherwise it is done again. Which revisions are stored already (a retry is answered
from the primary key alone) is read under the lock, with the histories the store needs (``sync.ingest``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection

from server.storage import participants as participant_store
from server.storage import screenings as screening_store
from server.storage.participants import Enrolled
from server.storage.screenings import Screened
from shared import plain_response
from shared.errors import RecordInvalid
from shared.study.model import Study
from shared.sync.intake import take
from shared.sync.protocol import SyncRequest
from shared.validation import validate_record
from shared.xml_text import check_record as check_xml_text

Inputs = tuple[str | None, date | None]   # what a record's validation depends on: the arm and the consent date


@dataclass
class Prepared:
    """Per sent item (same order): its shape refusal, its canonical body and hash (None: not worked out), its
    validation with the inputs it used.
    ``not_xml``: the items holding a character XML cannot carry (shared/xml_text.py), refused whatever else."""

    now: datetime
    shape: list[RecordInvalid | None]
    canonical: list[str | None]
    digests: list[str | None]
    validated: list[tuple[Inputs, RecordInvalid | None] | None]
    not_xml: dict[int, RecordInvalid] = field(default_factory=dict)

    def validation(self, index: int, rec: Mapping[str, Any], study: Study, inputs: Inputs) -> RecordInvalid | None:
        """The validation of item ``index`` with ``inputs``: the prepared one when its inputs are the same."""
        if self.not_xml and index in self.not_xml:
            return self.not_xml[index]
        done = self.validated[index]
        if done is not None and done[0] == inputs:
            return done[1]
        return validated(rec, study, inputs, self.now)


def inputs_of(rec: Mapping[str, Any], enrolled: Mapping[str, Enrolled], screened: Mapping[str, Screened]) -> Inputs:
    """The participant state a record is validated against: the arm, and the consent date (randomised, else
    screened)."""
    pid = rec.get("participant_id")
    pid = pid if isinstance(pid, str) else ""
    known, seen = enrolled.get(pid), screened.get(pid)
    consent = known.consent_date if known and known.consent_date else (seen.consent_date if seen else None)
    return (known.arm if known else None), consent


def validated(rec: Mapping[str, Any], study: Study, inputs: Inputs, now: datetime) -> RecordInvalid | None:
    """validate_record's refusal of ``rec``, None when it passes (most records: plain_response's quick yes)."""
    if plain_response.passes(rec, study, arm_code=inputs[0], consent_date=inputs[1], now=now):
        return None
    try:
        validate_record(rec, study, arm_code=inputs[0], consent_date=inputs[1], now=now)
    except RecordInvalid as exc:
        return exc
    return None


def note_person(rec: Mapping[str, Any], screened: dict[str, Screened], enrolled: dict[str, Enrolled]) -> None:
    """What an accepted screening, randomisation or enrolment tells the checks of the batch's later records."""
    pid, d = rec["participant_id"], rec["data"]
    if rec["kind"] == "screening" and pid not in screened:
        screened[pid] = Screened(pid, rec["site_id"], rec["record_id"], d["outcome"],
                                 date.fromisoformat(d["consent_date"]))
    elif rec["kind"] == "randomisation" and pid not in enrolled and pid in screened:
        enrolled[pid] = Enrolled(pid, rec["site_id"], rec["record_id"], d["arm"], d["randomisation_number"],
                                 screened[pid].consent_date)
    elif rec["kind"] == "enrolment" and pid not in enrolled:
        enrolled[pid] = Enrolled(pid, rec["site_id"], rec["record_id"], d["arm"], d["allocation_number"],
                                 date.fromisoformat(d["consent_date"]))


def stored_key(rec: Any) -> tuple[str, int] | None:
    """(record id, revision) as sent when they have the types a stored revision's key has; else None (also
    for a "record" that is not an object at all: it is refused later, alone, by the envelope check)."""
    if type(rec) is not dict and not isinstance(rec, Mapping):   # dict first: no ABC check per record
        return None
    rid, rev = rec.get("record_id"), rec.get("revision")
    return (rid, rev) if isinstance(rid, str) and type(rev) is int else None


def prepare(conn: Connection, study: Study, request: SyncRequest, now: datetime | None = None, *,
            texts_checked: bool = False) -> Prepared:
    """Shape, validation and hash of every sent record against the state ``conn`` sees (a read snapshot).

    ``texts_checked``: the raw body showed no record holds a character XML cannot carry
    (``shared.xml_text.body_may_hold``); otherwise every record's texts are walked for one."""
    now = now or datetime.now(UTC)
    items = request.items
    people = {p for p in (i.record.get("participant_id") for i in items if isinstance(i.record, dict))
              if isinstance(p, str)}
    enrolled = participant_store.enrolled(conn, people)
    screened = screening_store.screened(conn, people)
    out = Prepared(now, [], [], [], [])
    for index, item in enumerate(items):
        rec = item.record
        shape, raw, digest = take(rec)   # shape check, canonical JSON and hash in one walk of the record
        out.shape.append(shape)
        if shape is not None:
            out.canonical.append(None)
            out.digests.append(None)
            out.validated.append(None)
            continue
        inputs = inputs_of(rec, enrolled, screened)
        refused = None if texts_checked else check_xml_text(rec)
        if refused is not None:
            out.not_xml[index] = refused
        else:
            refused = validated(rec, study, inputs, now)
        out.validated.append((inputs, refused))
        # also for a refused one: a retry of a stored revision is answered by its hash
        if raw is None:   # not canonical JSON (rfc8785's refusals): left to the checks under the lock
            out.canonical.append(None)
            out.digests.append(None)
            continue
        out.canonical.append(raw.decode("utf-8"))
        out.digests.append(digest)
        if refused is None:
            note_person(rec, screened, enrolled)   # as if accepted: checked again under the lock
    return out
