"""Adverse events stored in the first kiosk release's body (flat ``causality_<drug>`` / ``action_<drug>``) are
still accepted by sync and export exactly like the current body (``causality`` / ``action`` keyed by drug)."""

from __future__ import annotations

import csv
import json
import uuid
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import select

from server.cli import main
from server.services import devices as device_service
from server.services import sync as sync_service
from server.storage.tables import devices, records
from shared.records import record_hash
from shared.sync.protocol import SyncItem, SyncRequest
from tests.demo_template import DemoTemplates


def _ae(base: dict, record_id: str, data: dict) -> dict:
    return {**base, "record_id": record_id, "revision": 1, "kind": "adverse_event", "visit_id": None,
            "instrument_id": None, "instrument_version": None, "correction_reason": None, "language": None,
            "data": data}


def test_a_first_release_ae_body_syncs_and_exports_like_the_current_one(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, demo_templates: DemoTemplates) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    data_dir = tmp_path / "server"
    ctx = demo_templates.context(data_dir, admin_password="synthetic-demo-pass")
    study = ctx.study
    first, second = study.drug_ids[0], study.drug_ids[1]
    common = {"term": "Headache", "onset_date": "2026-11-03", "end_date": None, "grade": 2, "serious": False,
              "serious_criteria": [], "outcome": "recovering", "source_symptom": None, "visit_id": None}
    old = {**common, f"causality_{first}": "probable", f"causality_{second}": "unlikely",
           f"action_{first}": "reduced", f"action_{second}": "none"}
    new = {**common, "causality": {first: "probable", second: "unlikely"},
           "action": {first: "reduced", second: "none"}}
    with ctx.engine.begin() as conn:
        # a participant whose arm takes both drugs, so both bodies name a causality and an action for each
        row = next(r for r in conn.execute(select(records.c.body, records.c.device_id)
                                           .where(records.c.kind == "randomisation"))
                   if study.arm(json.loads(r.body)["data"]["arm"]).drugs == {first, second})
        enrolment = json.loads(row.body)
        dev = conn.execute(select(devices).where(devices.c.device_id == row.device_id)).first()
        device = device_service.Device(device_id=dev.device_id, site_id=dev.site_id, label=dev.label)
        base = {k: enrolment[k] for k in ("study_id", "study_version", "site_id", "participant_id", "collected_at",
                                          "collected_at_local", "entered_by", "device_id")}
        for body in (old, new):  # a plausible onset: on the randomisation day, not after the day of the report
            body["onset_date"] = enrolment["collected_at_local"][:10]
        ids = {"old": str(uuid.uuid4()), "new": str(uuid.uuid4())}
        items = [_ae(base, ids["old"], old), _ae(base, ids["new"], new)]
        answer = sync_service.ingest(conn, study, device, SyncRequest(
            study_version=study.study.version, corrections_cursor=0,
            items=[SyncItem(r, record_hash(r)) for r in items]))
    assert [r["status"] for r in answer["results"]] == ["stored", "stored"], answer["results"]
    ctx.engine.dispose()

    assert main(["export", "csv", "--data-dir", str(data_dir), "--out", str(tmp_path / "csv")]) == 0
    with open(tmp_path / "csv" / "adverse_events.csv", encoding="utf-8") as fh:
        rows = {r["record_id"]: r for r in csv.DictReader(fh)}
    columns = [f"{k}_{d}" for k in ("causality", "action") for d in study.drug_ids]
    assert [rows[ids["old"]][c] for c in columns] == [rows[ids["new"]][c] for c in columns] == \
        ["probable", "unlikely", "reduced", "none"]

    assert main(["export", "sdtm", "--data-dir", str(data_dir), "--out", str(tmp_path / "sdtm")]) == 0
    ae = pd.read_csv(tmp_path / "sdtm" / "ae.csv", dtype=str, keep_default_na=False).set_index("AESPID")
    assert ae.loc[ids["old"], "AEREL"] == ae.loc[ids["new"], "AEREL"] == "PROBABLY RELATED"
    assert ae.loc[ids["old"], "AEACN"] == ae.loc[ids["new"], "AEACN"]

    for fmt in ("odm", "fhir"):
        assert main(["export", fmt, "--data-dir", str(data_dir), "--out", str(tmp_path / fmt)]) == 0
    fhir = (tmp_path / "fhir" / "participants.ndjson").read_text(encoding="utf-8")
    for record_id in ids.values():
        event = next(e["resource"] for line in fhir.splitlines() for e in json.loads(line)["entry"]
                     if e["resource"]["id"] == record_id)
        assert [s["causality"][0]["assessment"]["coding"][0]["code"] for s in event["suspectEntity"]] == \
            ["Probably-Likely", "Unlikely"]
