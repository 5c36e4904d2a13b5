"""Screening and enrolment on the kiosk: eligibility from shared/, offline randomisation from the signed list.

The participant id is the site prefix and the allocation number (PKU-007), so
ids are never reused. The allocation entry is revealed, the participant row
and the enrolment record are written in ONE transaction, and the reveal is audited.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from desktop_client.services.station import Station
from desktop_client.store import records as store_records
from shared.eligibility import Failure, assess_eligibility
from shared.errors import AllocationError, NotEligible
from shared.records import new_record, utc_now
from shared.validation import validate_record

# An enrolment is sent before anything else, even a serious adverse event: the server refuses every record
# of a participant it has not enrolled yet, and a refused record is held, not resent.
PRIORITY_ENROLMENT = store_records.PRIORITY_SERIOUS + 10


@dataclass(frozen=True)
class Screening:
    """What staff enter on the screening screen (pseudonymous: no name, only the year of birth)."""

    year_of_birth: int
    sex: str
    screening_date: date
    consent_date: date | None
    eligibility_score: int | None        # the score the study's "score" criterion checks (None: not entered)
    attested: Mapping[str, bool]


def screen(station: Station, s: Screening) -> list[Failure]:
    """The failed criteria of a screening (empty = eligible)."""
    return assess_eligibility(station.study, year_of_birth=s.year_of_birth, screening_date=s.screening_date,
                              consent_date=s.consent_date, score=s.eligibility_score,
                              attested=s.attested)


def _next_allocation(station: Station) -> dict[str, Any]:
    rows = station.store.query("SELECT list_id, number, arm FROM allocation WHERE participant_id IS NULL "
                               "ORDER BY number LIMIT 1")
    if not rows:
        raise AllocationError("No allocation left on this station: sync with the server to fetch the list, "
                              "then try again. Nothing was saved.")
    return rows[0]


def enrol(station: Station, s: Screening, *, actor: str) -> dict[str, Any]:
    """Enrol an eligible participant: reveal the next allocation and save. Raises NotEligible (naming
    every failed criterion) or AllocationError; nothing is saved then."""
    failures = screen(station, s)
    if failures:
        raise NotEligible("Cannot enrol: " + "; ".join(f"{f.criterion_id} {f.text}: {f.reason}" for f in failures),
                          details={"failures": [f.__dict__ for f in failures]})
    slot = _next_allocation(station)
    participant_id = f"{station.site_id}-{slot['number']:03d}"
    data = {"year_of_birth": s.year_of_birth, "sex": s.sex, "screening_date": s.screening_date.isoformat(),
            "consent_date": s.consent_date.isoformat() if s.consent_date else None,
            "criteria": dict(s.attested)}
    criterion = station.study.score_criterion()
    if criterion is not None:
        data[str(criterion.field)] = s.eligibility_score
    data |= {"arm": slot["arm"], "allocation_number": slot["number"], "allocation_list_id": slot["list_id"]}
    record = new_record(kind="enrolment", study_id=station.study.study.id, study_version=station.study.study.version,
                        site_id=station.site_id, participant_id=participant_id, data=data, entered_by=actor,
                        device_id=station.device_id, timezone=station.site_timezone)
    validate_record(record, station.study)
    now = utc_now()

    def reveal(conn: Any) -> None:
        taken = conn.execute("UPDATE allocation SET participant_id = ?, revealed_at = ?, revealed_by = ? "
                             "WHERE list_id = ? AND number = ? AND participant_id IS NULL",
                             (participant_id, now, actor, slot["list_id"], slot["number"])).rowcount
        if taken != 1:
            raise AllocationError("That allocation was just used: try again.")
        conn.execute("INSERT INTO participants (participant_id, site_id, arm, status, enrolled_at, source) "
                     "VALUES (?, ?, ?, 'enrolled', ?, 'local')", (participant_id, station.site_id, slot["arm"], now))
        conn.execute("INSERT INTO audit (at, actor, action, record_id, revision, old, new, reason) "
                     "VALUES (?, ?, 'allocation.reveal', ?, 1, NULL, ?, NULL)",
                     (now, actor, record["record_id"], f'{{"number": {slot["number"]}, "arm": "{slot["arm"]}"}}'))

    store_records.save_record(station.store, record, actor=actor, extra=reveal, priority=PRIORITY_ENROLMENT)
    return record
