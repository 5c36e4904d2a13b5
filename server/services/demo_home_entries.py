"""Demo home diary (issue 24): two participants still on study keep the daily dosing diary on a phone, so the
exports, the report and the pages show home entries with their source, a clinic diary day the phone also has
(home wins), and a few missed diary days; now and then a symptom reported on the home symptom diary. Stored
through the real sync path with each phone as the device.
Deterministic: the same participants, days, gaps and answers every time (dates count back from ``today``).
"""

from __future__ import annotations

import hashlib
import random
import secrets
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection

from server.services import sync as sync_service
from server.services.demo_timeline import demo_timeline
from server.services.devices import Device
from server.storage import dashboard as dashboard_store
from server.storage import devices as device_store
from shared.exposure import scheduled_on
from shared.home_entries import HOME_DOSING_ROLE, HOME_SYMPTOMS_ROLE
from shared.instruments.model import Instrument, ResponseType
from shared.records import new_record, record_hash, timestamps
from shared.study.model import Study
from shared.sync.protocol import SyncItem, SyncRequest

PHONES = 2            # participants with the app
DAYS = 21             # the phone was activated this many days before ``today``
MISSED_EVERY = 6      # every sixth day of the diary is left empty (the missed diary days)
SYMPTOM_EVERY = 5     # every fifth day a symptom is reported on the home symptom diary (when the study has one)


def _dose(rng: random.Random, *, due: bool) -> dict[str, Any]:
    """One drug's answer on one day: taken (mostly) when the schedule puts a dose on it, else not due."""
    if due and rng.random() > 0.12:
        return {"taken": True, "time_taken": f"{rng.randint(7, 21):02d}:{rng.choice((0, 15, 30, 45)):02d}"}
    return {"taken": False, "missed_reason": "forgot" if due else "not_due"}


def _symptom(inst: Instrument, drugs: frozenset[str], n: int) -> dict[str, Any] | None:
    """On every ``SYMPTOM_EVERY``-th diary day, one symptom of the arm (in turn) with a severity, else None."""
    if n % SYMPTOM_EVERY != SYMPTOM_EVERY - 1:
        return None
    asked = {it.id for it in inst.items_for(drugs)}
    groups = [items for items in inst.groups().values() if all(it.id in asked for it in items)]
    if not groups:
        return None
    answers: dict[str, Any] = {}
    for it in groups[(n // SYMPTOM_EVERY) % len(groups)]:
        if it.response is ResponseType.BOOLEAN:
            answers[it.id] = True
        elif it.response is ResponseType.CHOICE:
            answers[it.id] = it.choice_codes()[(n // SYMPTOM_EVERY) % len(it.choices)]
    return answers


def _entry(study: Study, device: Device, pid: str, instrument_id: str, version: str, answers: dict[str, Any],
           day: date, n: int) -> dict[str, Any]:
    """One home entry about ``day`` from the demo phone ``device``, made that evening."""
    zone = study.site(device.site_id).timezone
    rec = new_record(kind="instrument_response", study_id=study.study.id, study_version=study.study.version,
                     site_id=device.site_id, participant_id=pid, data={**answers, "diary_date": day.isoformat()},
                     entered_by="participant", device_id=device.device_id, instrument_id=instrument_id,
                     instrument_version=version, language="zh" if n % 2 else "en", timezone=zone)
    at = min(datetime.combine(day, time(13, 0), tzinfo=UTC), datetime.now(UTC))   # 21:00 in Beijing
    rec["collected_at"], rec["collected_at_local"] = timestamps(zone, at)
    return rec


def seed_demo_home_entries(conn: Connection, study: Study, today: date, *, seed: int = 24) -> int:
    """Give the first ``PHONES`` participants still on study an app device and a home entry on most days since
    its activation; returns how many records were stored (0 when the study has no home dosing diary)."""
    inst = study.instrument_with_role(HOME_DOSING_ROLE)
    if inst is None or not study.sites:
        return 0
    symptoms = study.instrument_with_role(HOME_SYMPTOMS_ROLE)   # None when the study has no home symptom diary
    site = study.sites[0].id
    rng = random.Random(seed)
    rows = sorted(dashboard_store.participants_of(conn, [site]), key=lambda p: p["participant_id"])
    on_study = [p for n, p in enumerate(rows) if demo_timeline(study, n, today).status is None and p["arm"]]
    total = 0
    for p in on_study[:PHONES]:
        pid = p["participant_id"]
        enrolled = datetime.fromisoformat(p["enrolled_at"].replace("Z", "+00:00")).date()
        first = max(today - timedelta(days=DAYS), enrolled + timedelta(days=1))
        activated = datetime.combine(first, time(1, 0), tzinfo=UTC).isoformat(timespec="milliseconds")
        activated = activated.replace("+00:00", "Z")
        device = Device(f"demo-app-{pid}", site, "Demo phone (synthetic data)", kind=device_store.PARTICIPANT_APP,
                        participant_id=pid, enrolled_at=activated)
        device_store.add_device(conn, device_id=device.device_id, site_id=site, label=device.label,
                                token_digest=hashlib.sha256(secrets.token_bytes(32)).hexdigest(),
                                enrolled_at=activated, participant_id=pid)
        treatments = study.arm(p["arm"]).treatments
        recs: list[dict[str, Any]] = []
        for n in range((today - first).days):
            day = first + timedelta(days=n)
            answers = {"doses": {t.drug: _dose(rng, due=scheduled_on(n, t.doses_per_week)) for t in treatments}}
            if n % MISSED_EVERY == MISSED_EVERY - 2:
                continue                                     # a missed diary day
            recs.append(_entry(study, device, pid, inst.id, inst.version, answers, day, n))
            symptom = _symptom(symptoms, study.arm(p["arm"]).drugs, n) if symptoms is not None else None
            if symptom is not None:                          # now and then a symptom reported that day
                recs.append(_entry(study, device, pid, symptoms.id, symptoms.version, symptom, day, n))
        answer = sync_service.ingest(conn, study, device, SyncRequest(
            study_version=study.study.version, corrections_cursor=0,
            items=[SyncItem(r, record_hash(r)) for r in recs]))
        bad = [r for r in answer["results"] if r["status"] != "stored"]
        if bad:
            raise RuntimeError(f"demo home entries did not store cleanly: {bad[:3]}")
        total += len(recs)
    return total
