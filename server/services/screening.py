"""The screening log on the server: screening numbers granted to kiosks, the checks a screening and a
randomisation must pass before they are stored, and the counts of the report's flow diagram.

A kiosk gives participant ids offline, so the server grants each kiosk ranges of screening numbers (like
allocation blocks): two offline kiosks never give the same id. A randomisation is believed only when the
participant was screened, the eligibility holds from the participant's own stored records (the scored
eligibility-visit score and every criterion, ``shared.eligibility.assess_randomisation``) and its arm and
number are an unused entry of a signed block granted to the sending kiosk.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from server.services import allocation
from server.services.audit import AuditEntry, append_many
from server.services.devices import Device
from server.storage import participants as participant_store
from server.storage import records as record_store
from server.storage import screenings as stored
from shared.eligibility import ELIGIBLE, PENDING, SCREEN_FAILURE, assess_randomisation, eligibility_scores
from shared.errors import FieldProblem, RecordInvalid, RecordRandomisationRefused, RecordScreeningRefused
from shared.records import utc_now
from shared.study.model import PARTICIPANT_ID, Study

NUMBERS_PER_GRANT = 10
KEEP_NUMBERS = 20  # unused screening numbers a kiosk holds after every sync (above its allocations: screen failures)


def numbers_for(conn: Connection, site_id: str, device_id: str) -> list[int]:
    """The unused screening numbers granted to this kiosk, topped up to ``KEEP_NUMBERS`` (audited).

    Every sync tops up, in the sync's writing transaction: so only this kiosk's ranges and the numbers used in
    them are read (not the whole site's), the site's highest number only when a top-up is due, and the new
    ranges are audited together."""
    ranges = stored.number_grants(conn, site_id, device_id)
    used = stored.numbers_used_in(conn, site_id, ranges)
    mine = [n for a, b in ranges for n in range(a, b + 1) if n not in used]
    entries: list[AuditEntry] = []
    grants: list[dict[str, Any]] = []   # the new ranges, inserted together
    last = None
    while len(mine) < KEEP_NUMBERS:
        if last is None:
            last = max(stored.highest_granted_number(conn, site_id), stored.highest_legacy_number(conn, site_id))
        first, last = last + 1, last + NUMBERS_PER_GRANT
        grants.append({"site_id": site_id, "first_number": first, "last_number": last, "device_id": device_id,
                       "granted_at": utc_now()})
        entries.append(AuditEntry(actor="system", action="screening.numbers_grant", entity_type="device",
                                  entity_id=device_id, new={"site_id": site_id, "first": first, "last": last}))
        mine += list(range(first, last + 1))
    stored.add_number_grants(conn, grants)
    append_many(conn, entries)
    return mine


def _refuse(cls: type[RecordInvalid], field: str, value: Any, allowed: str, message: str,
            code: str = "", **params: Any) -> RecordInvalid:
    return cls([FieldProblem(field, value, allowed, f"{field}: {message} (got {value!r}; allowed: {allowed})",
                             code, params)])


def check_screening(conn: Connection, device: Device, rec: Mapping[str, Any],
                    holder: str | None) -> RecordInvalid | None:
    """Refusal of a sent screening revision: ``holder`` is the record id already holding its participant id."""
    pid = rec["participant_id"]
    if holder is not None:
        if holder != rec["record_id"]:
            return _refuse(RecordScreeningRefused, "participant_id", pid, "an unused participant id",
                           f"participant id {pid} is already given to someone; ids are never reused")
        return None  # a retry or a correction of the same screening: the store checks its order
    if rec["revision"] != 1:
        return None  # a later revision of a screening the server does not hold: the store refuses it
    match = PARTICIPANT_ID.match(pid)
    number = int(match["number"]) if match else -1
    granted = stored.number_grants(conn, device.site_id, device.device_id)
    if not any(a <= number <= b for a, b in granted):
        ranges = ", ".join(f"{a}-{b}" for a, b in granted) or "none"
        return _refuse(RecordScreeningRefused, "participant_id", pid,
                       f"{device.site_id}-NNN with NNN a screening number granted to this kiosk ({ranges})",
                       "is not made from a screening number granted to this kiosk")
    return None


@dataclass(frozen=True)
class RandomisationContext:
    """What the randomisation check needs of the batch: who is screened or randomised, the records of the
    participant accepted earlier in this batch, and the site's signed list entries by number."""

    screened: Mapping[str, Any]
    randomised_record: str | None            # the record id of this participant's randomisation, if any
    batch_records: Sequence[Mapping[str, Any]]
    slot: Callable[[int], dict[str, Any] | None]


def check_randomisation(conn: Connection, study: Study, device: Device, rec: Mapping[str, Any],
                        ctx: RandomisationContext) -> RecordInvalid | None:
    """Refusal of a sent randomisation revision, naming the field, the value and the rule; None when it holds."""
    pid, data = rec["participant_id"], rec["data"]
    if ctx.randomised_record is not None:
        if ctx.randomised_record != rec["record_id"]:
            return _refuse(RecordRandomisationRefused, "participant_id", pid, "a participant not yet randomised",
                           f"participant {pid} is already randomised; a participant is randomised once")
        return None  # a retry or a correction: the store keeps the arm and number fixed
    if rec["revision"] != 1:
        return None
    if pid not in ctx.screened:
        return _refuse(RecordRandomisationRefused, "participant_id", pid, "a participant screened on the server",
                       f"participant {pid} has no screening record: sync the screening first",
                       "randomisation.not_screened")
    number = data["randomisation_number"]
    slot = ctx.slot(number)
    if slot is None or slot["arm"] != data["arm"]:
        return _refuse(RecordRandomisationRefused, "data.arm", data["arm"],
                       f"the arm at randomisation number {number} of the site's signed list",
                       "does not match the signed allocation list")
    if allocation.granted_to(conn, device.site_id, slot["block"]) != device.device_id:
        return _refuse(RecordRandomisationRefused, "data.randomisation_number", number,
                       "a number from a block granted to this kiosk", f"block {slot['block']} was not granted to "
                       "this kiosk")
    if participant_store.allocation_number_used(conn, device.site_id, number):
        return _refuse(RecordRandomisationRefused, "data.randomisation_number", number, "an unused number",
                       "was already given to another participant")
    return _check_eligibility(conn, study, rec, ctx)


def _check_eligibility(conn: Connection, study: Study, rec: Mapping[str, Any],
                       ctx: RandomisationContext) -> RecordInvalid | None:
    pid, data = rec["participant_id"], rec["data"]
    records = [*record_store.current_of_participant(conn, pid), *ctx.batch_records]
    on = datetime.fromisoformat(rec["collected_at_local"]).date()
    failures = assess_randomisation(study, records, on)
    if failures:
        return RecordRandomisationRefused([FieldProblem(
            f"eligibility.{f.criterion_id}", data.get("eligibility_score") if f.code.startswith("eligibility.score")
            else None, "met before randomisation",
            f"eligibility.{f.criterion_id}: {f.text}: {f.reason}; eligibility is not confirmed, so participant "
            f"{pid} cannot be randomised", f.code, {"criterion": f.criterion_id, **f.params}) for f in failures])
    scores = eligibility_scores(study, records)
    if data["eligibility_record_id"] != scores.baseline_record_id:
        return _refuse(RecordRandomisationRefused, "data.eligibility_record_id", data["eligibility_record_id"],
                       str(scores.baseline_record_id), "is not the participant's score of the eligibility visit")
    if data["eligibility_score"] != scores.baseline:
        return _refuse(RecordRandomisationRefused, "data.eligibility_score", data["eligibility_score"],
                       f"{scores.baseline:g} (the scored eligibility-visit record)",
                       "is not the score of the eligibility visit's record")
    return None


def screening_log(conn: Connection, site_ids: Iterable[str]) -> list[dict[str, Any]]:
    """Everyone screened at these sites, by participant id, whatever the outcome (arm once randomised)."""
    sites = set(site_ids)
    return [row for row in stored.of_site(conn) if row["site_id"] in sites]


@dataclass(frozen=True)
class ScreeningCounts:
    """The first boxes of the flow diagram: screened, screen failures, pending, eligible, randomised."""

    screened: int
    screen_failures: int
    pending: int
    eligible_not_randomised: int
    randomised: int


def screening_counts(conn: Connection, site_ids: Iterable[str] | None = None) -> ScreeningCounts:
    """How many people were screened and what became of them (of the given sites, or of the study); people
    enrolled by the one-step enrolment of earlier releases count as screened and randomised."""
    sites = list(site_ids) if site_ids is not None else None
    by = stored.outcome_counts(conn, sites)
    randomised = stored.randomised_count(conn, sites)
    legacy = participant_store.count_without_screening(conn, sites)
    return ScreeningCounts(screened=sum(by.values()) + legacy, screen_failures=by.get(SCREEN_FAILURE, 0),
                           pending=by.get(PENDING, 0), eligible_not_randomised=by.get(ELIGIBLE, 0) - randomised,
                           randomised=randomised + legacy)
