"""Demo content of issue 17: a synthetic dictionary (NOT MedDRA) so demo AEs are coded, one AE coded by the
data manager, one SUSAR (reported to the sponsor), one Chinese term with its English translation and one still
without, besides the demo's serious AE that awaits its report. Deterministic: no random draws.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from server.services import sync as sync_service
from server.services.demo_timeline import demo_timeline
from server.services.meddra import SYNTHETIC_DICTIONARY, code_adverse_event, import_release
from server.services.sae_reports import mark_reported
from server.storage import participants as participant_store
from shared.records import new_record, record_hash, timestamps
from shared.study.model import Study
from shared.sync.protocol import SyncItem, SyncRequest

NURSE, MANAGER = "staff:demo.nurse", "system:demo"


def _ae(study: Study, drugs: frozenset[str], *, term: str, onset: date, grade: int, causality: str,
        serious: bool, term_en: str | None = None) -> dict[str, Any]:
    zone = ZoneInfo(study.sites[0].timezone)
    data: dict[str, Any] = {
        "term": term, "term_en": term_en, "onset_date": onset.isoformat(), "end_date": None, "grade": grade,
        "serious": serious, "serious_criteria": ["hospitalisation"] if serious else [],
        "causality": {d: causality for d in study.drug_ids if d in drugs},
        "action": {d: "interrupted" if serious else "none" for d in study.drug_ids if d in drugs},
        "outcome": "recovering", "source_symptom": None, "visit_id": None}
    if serious:
        data["awareness_at"] = datetime.combine(onset + timedelta(days=1), time(8, 30), zone).isoformat()
    return data


def seed_demo_adverse_events(conn: Connection, study: Study, device: Any, today: date) -> dict[str, int]:
    """Store the issue-17 demo AEs for the first demo participants of the first site (through the sync path,
    like every demo record), import the synthetic dictionary, code one AE by hand and mark the SUSAR reported."""
    import_release(conn, SYNTHETIC_DICTIONARY, actor=MANAGER)
    participant_ids = [p["participant_id"] for p in participant_store.of_site(conn, study.sites[0].id)]
    people = participant_store.enrolled(conn, participant_ids)
    pids = [p for p in participant_ids if p in people][:3]
    if len(pids) < 3:
        return {"adverse_events": 0}
    onset = today - timedelta(days=5)
    for index in range(len(pids)):   # during treatment, also for those whose course ended
        onset = min(onset, demo_timeline(study, index, today).baseline + timedelta(days=20))
    bodies = [
        # a serious, related event no drug of the arm lists as expected: a SUSAR
        (pids[0], _ae(study, study.arm(people[pids[0]].arm).drugs, term="Interstitial pneumonitis", onset=onset,
                      grade=3, causality="probable", serious=True)),
        # a Chinese verbatim term with its English translation, coded by exact match of the translation
        (pids[1], _ae(study, study.arm(people[pids[1]].arm).drugs, term="发热", term_en="Fever", onset=onset,
                      grade=1, causality="possible", serious=False)),
        # a Chinese term still without its translation: listed on the coding page and in the export report
        (pids[2], _ae(study, study.arm(people[pids[2]].arm).drugs, term="口腔疼痛", onset=onset, grade=1,
                      causality="unlikely", serious=False)),
        # a verbatim term with no exact match: the data manager codes it by hand
        (pids[2], _ae(study, study.arm(people[pids[2]].arm).drugs, term="Sores in the mouth", onset=onset,
                      grade=1, causality="possible", serious=False)),
    ]
    moment = min(datetime.combine(today, time(3, 0), tzinfo=UTC), datetime.now(UTC) - timedelta(minutes=5))
    recs = []
    for n, (pid, data) in enumerate(bodies):
        rec = new_record(kind="adverse_event", study_id=study.study.id, study_version=study.study.version,
                         site_id=study.sites[0].id, participant_id=pid, data=data, entered_by=NURSE,
                         device_id=device.device_id)
        rec["collected_at"], rec["collected_at_local"] = timestamps(study.sites[0].timezone,
                                                                    moment + timedelta(seconds=n))
        recs.append(rec)
    answer = sync_service.ingest(conn, study, device, SyncRequest(
        study_version=study.study.version, corrections_cursor=0, items=[SyncItem(r, record_hash(r)) for r in recs]))
    bad = [r for r in answer["results"] if r["status"] != "stored"]
    if bad:
        raise RuntimeError(f"demo adverse events did not store cleanly: {bad[:3]}")
    sites = [s.id for s in study.sites]
    code_adverse_event(conn, recs[3]["record_id"], _oral_ulcer_code(), actor=MANAGER, sites=sites)
    aware = datetime.fromisoformat(recs[0]["data"]["awareness_at"])
    mark_reported(conn, study, recs[0]["record_id"], reported_at=(aware + timedelta(hours=20)).isoformat(),
                  reference="DEMO-SUSAR-0001 (synthetic)", actor=NURSE, sites=sites)
    return {"adverse_events": len(recs)}


def _oral_ulcer_code() -> int:
    """The synthetic dictionary's LLT "Oral ulcer" (read from its file: no code is typed twice)."""
    for line in (SYNTHETIC_DICTIONARY / "llt.asc").read_text(encoding="utf-8").splitlines():
        fields = line.split("$")
        if fields[1] == "Oral ulcer":
            return int(fields[0])
    raise LookupError("Oral ulcer is not in the synthetic dictionary")
