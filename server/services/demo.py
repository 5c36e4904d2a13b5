"""The demo study: synthetic participants and several weeks of entries, stored through the real sync path."""

from __future__ import annotations

import random
import secrets
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection

from server.services import allocation, demo_clinical_record, demo_screening
from server.services import devices as device_service
from server.services import sync as sync_service
from server.services.demo_adverse_events import seed_demo_adverse_events
from server.services.demo_course import seed_course
from server.services.demo_dosing import DiaryDays
from server.services.demo_home_entries import seed_demo_home_entries
from server.services.demo_labs import DemoPerson, seed_demo_labs
from server.services.demo_timeline import demo_timeline
from server.services.users import add_user
from server.storage.settings import add_setting, setting
from shared.records import new_record, record_hash, timestamps
from shared.study.model import Study
from shared.sync.protocol import SyncItem, SyncRequest
from shared.synthetic import synthetic_adverse_event, synthetic_answers

DEMO_PARTICIPANTS = 12   # 6 complete, 2 discontinue, 4 on study (demo_timeline)
DEMO_ADMIN = "demo.admin"
SEEDED = "demo_seeded"   # settings key: when the demo data were stored


def demo_visits(study: Study) -> list[str]:
    """The visits a demo participant attends, in order: the scheduled ones from day 0 (baseline) on, as far as
    each one's course (``demo_timeline``) reaches."""
    return [v.id for v in study.scheduled_visits if (v.day or 0) >= 0 and "screening" not in v.roles]


def is_seeded(conn: Connection) -> bool:
    """Whether this database holds the synthetic demo data (the report says so on every page)."""
    return setting(conn, SEEDED) is not None


DEMO_STAFF = (("demo.nurse", "nurse", "Demo nurse"), ("demo.investigator", "investigator", "Demo investigator"))


def _at(day: date, hour: int, timezone: str) -> tuple[str, str]:
    """Both timestamps of ``hour`` UTC on ``day`` (never later than now), the local one at the site's offset."""
    return timestamps(timezone, min(datetime.combine(day, time(hour, 0), tzinfo=UTC), datetime.now(UTC)))


def seed_demo(conn: Connection, study: Study, *, admin_password: str, seed: int = 5605665,
              as_of: date | None = None) -> dict[str, Any]:
    """Create the demo admin, a demo kiosk and synthetic data, unless already done. Returns a summary.

    ``as_of`` (default today) is the day the demo's dates count back from: an earlier day leaves the visits
    after it due or overdue today (the dashboard tests of issue 23)."""
    if is_seeded(conn):
        return {"seeded": False}
    rng = random.Random(seed)
    site = study.sites[0].id
    add_user(conn, username=DEMO_ADMIN, password=admin_password, roles=["admin"],
             sites=[s.id for s in study.sites], actor="system", display_name="Demo administrator")
    for username, role, name in DEMO_STAFF:  # who the demo records say entered them (nobody signs in as them)
        add_user(conn, username=username, password=secrets.token_urlsafe(24), roles=[role], sites=[site],
                 actor="system", display_name=name)
    code = device_service.create_enrolment_code(conn, site_id=site, actor="system",
                                                valid_site_ids={s.id for s in study.sites})
    device, _token = device_service.enrol_device(conn, code=code, label="Demo kiosk (synthetic data)")
    allocation.seed_demo_list(conn, study, site, random.Random(seed + 7))  # the same arms on every machine
    today = as_of or datetime.now(UTC).date()
    dosing = study.instrument_with_role("dosing")
    total = 0
    recs: list[dict[str, Any]] = []
    people: list[DemoPerson] = []
    taken: set[str] = set()
    index_id = getattr(study.instrument_with_role("clinician_index"), "id", None)

    def make(kind: str, pid: str, data: dict[str, Any], day: date, hour: int, actor: str,
             **kw: Any) -> dict[str, Any]:
        rec = new_record(kind=kind, study_id=study.study.id, study_version=study.study.version, site_id=site,
                         participant_id=pid, data=data, entered_by=actor, device_id=device.device_id, **kw)
        rec["collected_at"], rec["collected_at_local"] = _at(day, hour, study.sites[0].timezone)
        recs.append(rec)
        return rec

    for n in range(DEMO_PARTICIPANTS):
        recs.clear()

        pid = demo_screening.next_participant_id(conn, site, device.device_id, taken)  # PKU-001, PKU-002, ...
        taken.add(pid)
        course = demo_timeline(study, n, today)   # completed, discontinued or on study (issue 21 point 9)
        baseline, until = course.baseline, course.horizon(today)
        screened = demo_screening.screen(make, study, rng, pid, baseline - timedelta(days=7))["data"]
        # what randomisation is decided on (a pregnancy test among them) before it, the rest after (issue 18)
        demo_clinical_record.add_entries(study, make, pid, screened, baseline, until, random.Random(seed + 100 + n),
                                         index=n, until=baseline)
        arm_code, scored_at = demo_screening.randomise(conn, make, study, rng, pid=pid, site_id=site,
                                                       device_id=device.device_id, baseline=baseline)
        arm = study.arm(arm_code)
        diary_days = DiaryDays(baseline)
        for v_index, visit_id in enumerate(demo_visits(study)):
            visit = study.visit(visit_id)
            day = baseline + timedelta(days=visit.day or 0)
            if day > until:
                break
            dose_dates = diary_days.at_visit(day, has_diary=dosing is not None and dosing.id in visit.instruments)
            for inst_id in visit.instruments:
                inst = study.instrument(inst_id)
                if visit_id == scored_at and inst.id == index_id:
                    continue  # scored before the randomisation above
                actor = "participant" if inst.respondent == "participant" else "staff:demo.investigator"
                make("instrument_response", pid,
                     synthetic_answers(inst, drugs=arm.drugs, rng=rng, visit_index=v_index, arm_code=arm.code,
                                       study=study, dose_dates=dose_dates),
                     day, 2, actor, visit_id=visit_id, instrument_id=inst.id, instrument_version=inst.version)
        if n % 3 == 0 or course.reason == "adverse_event":
            make("adverse_event", pid, synthetic_adverse_event(study, rng=rng, onset=baseline + timedelta(days=10),
                                                              serious=(n == 3), drugs=arm.drugs),
                 baseline + timedelta(days=21), 3, "staff:demo.nurse")  # after the AE ended
        demo_clinical_record.add_entries(study, make, pid, screened, baseline, until, random.Random(seed + 100 + n),
                                         index=n, after=baseline)
        answer = sync_service.ingest(conn, study, device, SyncRequest(
            study_version=study.study.version, corrections_cursor=0,
            items=[SyncItem(r, record_hash(r)) for r in recs]))
        bad = [r for r in answer["results"] if r["status"] != "stored"]
        if bad:
            raise RuntimeError(f"demo data did not store cleanly: {bad[:3]}")
        total += len(recs)
        people.append(DemoPerson(pid, arm.code, baseline, screened["sex"],
                                 date.fromisoformat(screened["screening_date"]), course.last_day))
    recs.clear()
    total += demo_screening.screen_failures(conn, make, study, rng, site_id=site, device_id=device.device_id,
                                            taken=taken, today=today)
    _ingest(conn, study, device, recs)
    seed_demo_labs(conn, study, people, site=site, today=today, seed=seed + 1)  # own stream: the rest stays as it was
    total += seed_course(conn, study, device, today)   # dispositions, a missed visit, deviations (issue 16)
    seed_demo_adverse_events(conn, study, device, today)   # issue 17: coded, SUSAR, SAE awaiting report
    total += seed_demo_home_entries(conn, study, today)   # issue 24: two phones' home diaries, a few days missed
    add_setting(conn, SEEDED, datetime.now(UTC).isoformat())
    return {"seeded": True, "participants": DEMO_PARTICIPANTS, "records": total, "admin": DEMO_ADMIN}


def _ingest(conn: Connection, study: Study, device: Any, recs: list[dict[str, Any]]) -> None:
    """Store the demo records through the real sync path; any refusal is a bug of the demo."""
    answer = sync_service.ingest(conn, study, device, SyncRequest(
        study_version=study.study.version, corrections_cursor=0, items=[SyncItem(r, record_hash(r)) for r in recs]))
    bad = [r for r in answer["results"] if r["status"] != "stored"]
    if bad:
        raise RuntimeError(f"demo data did not store cleanly: {bad[:3]}")


def signed_list_id(grants: dict[str, Any], number: int) -> str:
    """The id of the signed list holding allocation ``number``."""
    return next(s["body"]["list_id"] for s in grants["lists"]
                if any(e["number"] == number for e in s["body"]["entries"]))
