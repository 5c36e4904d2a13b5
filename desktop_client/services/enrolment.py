"""Screening and randomisation on the kiosk, as two steps (issue 15).

1. ``screen``: after consent, whatever the outcome (eligible, screen failure, pending), a screening record is
   saved. It gives the participant id (site prefix + a screening number the server granted this station) that
   every later record of that person names. The full date of birth is typed but only the age at consent and
   the birth year-month are kept. A pending screening is completed by ``complete_screening`` (a correction).
2. ``randomise``: at the eligibility visit, once ``randomisation_failures`` is empty (every criterion again,
   the score from the scored eligibility-visit record, every extra check of ``shared/eligibility_checks.py``),
   the next allocation of this station's own blocks is revealed and the randomisation record saved, in ONE
   transaction, audited. Nothing shows the next allocation before that.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from desktop_client.services.station import Station
from desktop_client.store import records as store_records
from shared.eligibility import (
    EligibilityScores,
    Failure,
    age_on,
    assess_randomisation,
    assess_screening,
    birth_year_month,
    eligibility_scores,
    screening_of,
    screening_outcome,
)
from shared.errors import AllocationError, FieldProblem, NotEligible, RecordInvalid, ScreeningNumberUnavailable
from shared.records import new_record, utc_now
from shared.validation import validate_record

# A screening is sent before anything else, even a serious adverse event: the server refuses every record of
# a person it has not screened, and a refused record is held, not resent. A randomisation follows the records
# it was decided on (they are raised to PRIORITY_DECIDED_ON when it is saved), and precedes the rest.
PRIORITY_SCREENING = store_records.PRIORITY_SERIOUS + 20
PRIORITY_DECIDED_ON = store_records.PRIORITY_SERIOUS + 15
PRIORITY_ENROLMENT = store_records.PRIORITY_SERIOUS + 10   # the randomisation (and enrolments of old releases)


@dataclass(frozen=True)
class Screening:
    """What staff enter on the screening screen (pseudonymous: no name; the date of birth is not stored)."""

    date_of_birth: date | None
    sex: str
    screening_date: date
    consent_date: date | None
    screening_score: int | None          # the screening value of the study's "score" criterion (None: not known)
    attested: Mapping[str, bool]
    childbearing_potential: bool | None = None   # issue 18: asked of women; None = not recorded

    @property
    def age_at_consent(self) -> int | None:
        if self.date_of_birth is None or self.consent_date is None:
            return None
        return age_on(self.date_of_birth, self.consent_date)


def assess(station: Station, s: Screening) -> list[Failure]:
    """The failed criteria of a screening as entered (empty = eligible so far)."""
    return assess_screening(station.study, age_at_consent=s.age_at_consent, screening_date=s.screening_date,
                            consent_date=s.consent_date, score=s.screening_score, attested=s.attested)


def _data(station: Station, s: Screening) -> dict[str, Any]:
    if s.date_of_birth is None or s.consent_date is None:
        missing = "date_of_birth" if s.date_of_birth is None else "consent_date"
        raise RecordInvalid([FieldProblem(f"data.{missing}", None, "a date YYYY-MM-DD",
                                          f"data.{missing}: is required: a person is screened after consent, "
                                          "with the date of birth", "value.required")])
    failures = assess(station, s)
    return {"consent_date": s.consent_date.isoformat(), "screening_date": s.screening_date.isoformat(),
            "sex": s.sex, "birth_year_month": birth_year_month(s.date_of_birth), "age_at_consent": s.age_at_consent,
            "criteria": dict(s.attested), "screening_score": s.screening_score,
            "outcome": screening_outcome(failures), "failed_criteria": [f.criterion_id for f in failures],
            "childbearing_potential": s.childbearing_potential}


def free_screening_numbers(station: Station) -> int:
    """How many screening numbers (participant ids) this station may still give."""
    return int(station.store.query("SELECT COUNT(*) AS n FROM screening_numbers WHERE participant_id IS NULL")
               [0]["n"])


def screen(station: Station, s: Screening, *, actor: str) -> dict[str, Any]:
    """Save the screening whatever its outcome and give the person their participant id. Raises RecordInvalid
    (no date of birth or consent, a bad entry) or ScreeningNumberUnavailable; nothing is saved then."""
    data = _data(station, s)
    rows = station.store.query("SELECT number FROM screening_numbers WHERE participant_id IS NULL "
                               "ORDER BY number LIMIT 1")
    if not rows:
        raise ScreeningNumberUnavailable("This station holds no unused screening number: sync with the server to "
                                         "fetch more, then screen again. Nothing was saved.")
    number = rows[0]["number"]
    participant_id = f"{station.site_id}-{number:03d}"
    record = new_record(kind="screening", study_id=station.study.study.id, study_version=station.study.study.version,
                        site_id=station.site_id, participant_id=participant_id, data=data, entered_by=actor,
                        device_id=station.device_id, timezone=station.site_timezone)
    validate_record(record, station.study)
    now = utc_now()

    def give_id(conn: Any) -> None:
        taken = conn.execute("UPDATE screening_numbers SET participant_id = ?, used_at = ? "
                             "WHERE number = ? AND participant_id IS NULL", (participant_id, now, number)).rowcount
        if taken != 1:
            raise ScreeningNumberUnavailable("That screening number was just used: screen again.")
        conn.execute("INSERT INTO participants (participant_id, site_id, arm, status, enrolled_at, source) "
                     "VALUES (?, ?, NULL, ?, NULL, 'local')", (participant_id, station.site_id, data["outcome"]))

    store_records.save_record(station.store, record, actor=actor, extra=give_id, priority=PRIORITY_SCREENING)
    return record


def participant_records(station: Station, participant_id: str) -> list[dict[str, Any]]:
    """Every revision of every record of a participant held on this station."""
    return [json.loads(r["body"]) for r in station.store.query(
        "SELECT body FROM records WHERE participant_id = ? ORDER BY saved_at, revision", (participant_id,))]


def screening_record(station: Station, participant_id: str) -> dict[str, Any] | None:
    """The newest revision of the participant's screening record held here, or None."""
    found = screening_of(participant_records(station, participant_id))
    return dict(found) if found else None


def complete_screening(station: Station, participant_id: str, s: Screening, *, actor: str,
                       reason: str) -> dict[str, Any]:
    """A new revision of a screening (a pending one completed, an entry corrected), with its new outcome."""
    previous = screening_record(station, participant_id)
    if previous is None:
        raise NotEligible(f"{participant_id} was not screened on this station; screen there or sync first.")
    data = _data(station, s)
    saved = store_records.save_correction(station.store, previous["record_id"], data=data, reason=reason,
                                          actor=actor, priority=PRIORITY_SCREENING,
                                          validate=lambda r: validate_record(r, station.study))
    with station.store.transaction() as conn:
        conn.execute("UPDATE participants SET status = ? WHERE participant_id = ? AND arm IS NULL",
                     (data["outcome"], participant_id))
    return saved


def _today(station: Station) -> date:
    return datetime.now(ZoneInfo(station.site_timezone)).date()


def eligibility_scores_of(station: Station, participant_id: str) -> EligibilityScores:
    """The participant's screening and eligibility-visit scores held on this station."""
    return eligibility_scores(station.study, participant_records(station, participant_id))


def randomisation_failures(station: Station, participant_id: str) -> list[Failure]:
    """Why the participant may not be randomised now (empty list: eligibility confirmed)."""
    return assess_randomisation(station.study, participant_records(station, participant_id), _today(station))


def waiting_for_randomisation(station: Station) -> list[str]:
    """Screened on this station, eligible at screening and not randomised yet."""
    return [r["participant_id"] for r in station.store.query(
        "SELECT participant_id FROM participants WHERE arm IS NULL AND status = 'eligible' AND source = 'local' "
        "ORDER BY participant_id")]


def _next_allocation(station: Station) -> dict[str, Any]:
    rows = station.store.query("SELECT list_id, number, arm FROM allocation WHERE participant_id IS NULL "
                               "ORDER BY number LIMIT 1")
    if not rows:
        raise AllocationError("This station's allocations have run out: sync with the server to be granted "
                              "another block, then randomise again. Nothing was saved.")
    return rows[0]


def free_allocations(station: Station) -> int:
    """How many allocations of its own blocks this station may still reveal (never which ones)."""
    return int(station.store.query("SELECT COUNT(*) AS n FROM allocation WHERE participant_id IS NULL")[0]["n"])


def randomise(station: Station, participant_id: str, *, actor: str) -> dict[str, Any]:
    """Randomise a participant whose eligibility is confirmed: reveal the next allocation and save. Raises
    NotEligible (naming every failed criterion) or AllocationError; nothing is saved then."""
    if station.participant_arm(participant_id):
        raise NotEligible(f"{participant_id} is already randomised; a participant is randomised once.")
    records = participant_records(station, participant_id)
    failures = assess_randomisation(station.study, records, _today(station))
    if failures:
        raise NotEligible("Cannot randomise: " + "; ".join(f"{f.criterion_id} {f.text}: {f.reason}"
                                                          for f in failures),
                          details={"failures": [f.__dict__ for f in failures]})
    scores = eligibility_scores(station.study, records)
    slot = _next_allocation(station)
    visit = station.study.visit_with_role("randomisation")
    record = new_record(kind="randomisation", study_id=station.study.study.id,
                        study_version=station.study.study.version, site_id=station.site_id,
                        participant_id=participant_id, visit_id=visit.id if visit else None, entered_by=actor,
                        device_id=station.device_id, timezone=station.site_timezone,
                        data={"arm": slot["arm"], "randomisation_number": slot["number"],
                              "allocation_list_id": slot["list_id"], "eligibility_score": scores.baseline,
                              "eligibility_record_id": scores.baseline_record_id})
    validate_record(record, station.study)
    now = utc_now()

    def reveal(conn: Any) -> None:
        taken = conn.execute("UPDATE allocation SET participant_id = ?, revealed_at = ?, revealed_by = ? "
                             "WHERE list_id = ? AND number = ? AND participant_id IS NULL",
                             (participant_id, now, actor, slot["list_id"], slot["number"])).rowcount
        if taken != 1:
            raise AllocationError("That allocation was just used: try again.")
        conn.execute("UPDATE participants SET arm = ?, status = 'enrolled', enrolled_at = ? WHERE participant_id = ?",
                     (slot["arm"], now, participant_id))
        # what the randomisation was decided on reaches the server before it
        conn.execute("UPDATE outbox SET priority = ? WHERE state = 'pending' AND priority < ? AND record_id IN "
                     "(SELECT record_id FROM records WHERE participant_id = ?)",
                     (PRIORITY_DECIDED_ON, PRIORITY_DECIDED_ON, participant_id))
        conn.execute("INSERT INTO audit (at, actor, action, record_id, revision, old, new, reason) "
                     "VALUES (?, ?, 'allocation.reveal', ?, 1, NULL, ?, NULL)",
                     (now, actor, record["record_id"], json.dumps({"number": slot["number"], "arm": slot["arm"]})))

    store_records.save_record(station.store, record, actor=actor, extra=reveal, priority=PRIORITY_ENROLMENT)
    return record
