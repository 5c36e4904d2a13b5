"""The simulator: drives the same services as the UI, without Qt, for demos, tests and load benchmarks.

Deterministic in *what* it records: participants are this station's first N randomised people (each screened,
scored at the eligibility visit, then randomised, as staff do), visits the first V scheduled visits after
screening, and ``screen_failures`` more people screened who fail a criterion chosen at random. An entry
(participant, visit, instrument) already saved is never saved again, so a second run only finishes what the
first left undone (after a sync granted more allocations, say).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from desktop_client.services import course, dosing, enrolment, recording
from desktop_client.services.station import Station
from shared.disposition import DISCONTINUED
from shared.study.model import Study, Visit
from shared.synthetic import synthetic_answers, synthetic_eligibility_score
from shared.synthetic_screening import answers_scoring, attested, date_of_birth, failable_criteria

DEFAULT_STAFF = "demo.nurse"  # the nurse account `trialpro-server demo` creates; the server checks entered_by


def _local(station: Station, where: str) -> list[str]:
    return [p["participant_id"] for p in station.store.query(
        f"SELECT participant_id FROM participants WHERE source = 'local' AND {where} ORDER BY participant_id")]


def _screening(station: Station, rng: random.Random, unmet: tuple[str, ...] = (),
               too_old: bool = False) -> enrolment.Screening:
    today = datetime.now(UTC).date()
    consent = today - timedelta(days=1)
    return enrolment.Screening(date_of_birth=date_of_birth(station.study, rng, consent, eligible_age=not too_old),
                               sex=rng.choice("FFFM"), screening_date=today, consent_date=consent,
                               screening_score=synthetic_eligibility_score(station.study, rng),
                               attested=attested(station.study, unmet),
                               # simulated people are not of childbearing potential: no pregnancy test is due
                               childbearing_potential=False)


def _score_eligibility(station: Station, pid: str, rng: random.Random, staff: str) -> str | None:
    """Record the scored clinician index of the eligibility visit unless already there; its record id."""
    if enrolment.eligibility_scores_of(station, pid).baseline is not None:
        return None
    inst = station.study.instrument_with_role("clinician_index")
    visit = station.study.visit_with_role("eligibility")
    criterion = station.study.score_criterion()
    if inst is None or visit is None:
        return None
    floor = (criterion.minimum or 0) + rng.randint(1, 6) if criterion else 0
    rec = recording.record_instrument(station, participant_id=pid, visit_id=visit.id, instrument_id=inst.id,
                                      answers=answers_scoring(inst, floor, rng), entered_by=staff)
    return str(rec["record_id"])


def _ensure_participants(station: Station, n: int, rng: random.Random, emit: Callable[[str], None],
                         staff: str) -> list[str]:
    """Screen, score and randomise until this station randomised ``n`` people. Raises AllocationError (the
    station's own blocks ran out) or ScreeningNumberUnavailable; what was saved stays saved."""
    mine = _local(station, "arm IS NOT NULL")
    waiting = enrolment.waiting_for_randomisation(station)
    while len(mine) < n:
        if waiting:
            pid = waiting.pop(0)
        else:
            rec = enrolment.screen(station, _screening(station, rng), actor=staff)
            emit(rec["record_id"])
            pid = rec["participant_id"]
        scored = _score_eligibility(station, pid, rng, staff)
        if scored:
            emit(scored)
        emit(enrolment.randomise(station, pid, actor=staff)["record_id"])
        mine.append(pid)
    return mine[:n]


def _withdraw(station: Station, pid: str, schedule: list[Visit], actor: str) -> str | None:
    """Record "withdrawal by subject" for ``pid`` once its first visit after baseline is in ``schedule``
    (and done); the record id, or None when that visit is not reached or a disposition exists."""
    after = [v for v in schedule if (v.day or 0) > 0]
    if not after or course.disposition_of(station, pid) is not None:
        return None
    today = datetime.now(ZoneInfo(station.site_timezone)).date()
    data = course.disposition_data(DISCONTINUED, today, "withdrawal_by_subject")
    return str(course.record_disposition(station, pid, data, actor=actor)["record_id"])


def simulated_schedule(study: Study, visits: int) -> list[Visit]:
    """The first ``visits`` scheduled visits after screening: what simulate records for each participant."""
    screening = study.visits_with_role("screening")
    return [v for v in study.scheduled_visits if v not in screening][:visits]


def withdrawal_refusal(study: Study, *, participants: int, visits: int, withdrawals: int) -> str | None:
    """Why ``--withdrawals`` cannot be done as asked (None: it can): never fewer withdrawals than asked."""
    if withdrawals > participants:
        return (f"--withdrawals: {withdrawals} is more than --participants {participants} "
                "(allowed: 0 to the number of randomised participants)")
    if withdrawals and not any((v.day or 0) > 0 for v in simulated_schedule(study, visits)):
        return (f"--withdrawals: {withdrawals} needs a visit after baseline, but --visits {visits} records "
                "none (allowed: --visits of at least the baseline and the first visit after it)")
    return None


def _withdrawn_schedule(schedule: list[Visit]) -> list[Visit]:
    """The visits a withdrawing participant still has: up to their first visit after baseline."""
    first = next((i for i, v in enumerate(schedule) if (v.day or 0) > 0), len(schedule) - 1)
    return schedule[:first + 1]


def _ensure_screen_failures(station: Station, n: int, rng: random.Random, emit: Callable[[str], None],
                            staff: str) -> None:
    """Screen people who fail (a criterion chosen at random) until this station logged ``n`` screen failures."""
    failed = len(_local(station, "status = 'screen_failure'"))
    failable = failable_criteria(station.study)
    ages = {c.id for c in station.study.inclusion if c.check == "age"}
    while failed < n:
        criterion = rng.choice(failable)
        s = _screening(station, rng, too_old=True) if criterion in ages else _screening(station, rng, (criterion,))
        emit(enrolment.screen(station, s, actor=staff)["record_id"])
        failed += 1


def simulate(station: Station, *, participants: int, visits: int, emit: Callable[[str], None],
             seed: int | None = None, staff: str = DEFAULT_STAFF, withdrawals: int = 0,
             screen_failures: int = 0) -> int:
    """Record what is missing for ``participants`` x ``visits`` and ``screen_failures``; returns how many
    records were saved.

    Staff entries (screenings, randomisations, clinician-rated instruments) are made as ``staff:<staff>``: a
    nurse or investigator account of the station's site on the server, or the server refuses them. The first
    ``withdrawals`` participants discontinue ("withdrawal by subject") after their first visit after
    baseline: no later visit of theirs is recorded. A participant with a disposition gets no more visits.
    Raises AllocationError when the station's allocations run out (sync, then run again to finish)."""
    actor_staff = f"staff:{staff}"
    rng = random.Random(seed)
    saved = 0

    def count(record_id: str) -> None:
        nonlocal saved
        saved += 1
        emit(record_id)

    _ensure_screen_failures(station, screen_failures, rng, count, actor_staff)
    pids = _ensure_participants(station, participants, rng, count, actor_staff)
    schedule = simulated_schedule(station.study, visits)
    for n, pid in enumerate(pids):
        withdrawing = n < withdrawals
        if not withdrawing and course.disposition_of(station, pid) is not None:
            continue                       # completed or discontinued: no visit is due any more
        visits_of = _withdrawn_schedule(schedule) if withdrawing else schedule
        arm = station.study.arm(station.participant_arm(pid) or "")
        done = {(r["visit_id"], r["instrument_id"]) for r in station.store.query(
            "SELECT DISTINCT visit_id, instrument_id FROM records WHERE participant_id = ? "
            "AND kind = 'instrument_response'", (pid,))}
        for index, visit in enumerate(visits_of):
            for inst_id in visit.instruments:
                if (visit.id, inst_id) in done:
                    continue
                inst = station.study.instrument(inst_id)
                answers = synthetic_answers(inst, drugs=arm.drugs, rng=rng, visit_index=index, arm_code=arm.code,
                                            study=station.study, dose_dates=dosing.dates_if_dated(station, pid, inst))
                actor = "participant" if inst.respondent == "participant" else actor_staff
                rec = recording.record_instrument(station, participant_id=pid, visit_id=visit.id,
                                                  instrument_id=inst_id, answers=answers, entered_by=actor)
                count(rec["record_id"])
        if withdrawing and (rid := _withdraw(station, pid, visits_of, actor_staff)):
            count(rid)
    return saved
