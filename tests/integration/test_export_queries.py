"""Queries and SDV in the exports: queries.csv and query_messages.csv with their dictionary entries, an SDV
column on every record file, and the ODM archive's Annotations (Comment + Flag), valid against ODM 1.3.2."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import select

from server.cli import main
from server.services import queries as service
from server.services import sdv
from server.services.auth import Staff
from server.services.corrections import correct_record
from server.storage.tables import records
from tests.demo_template import DemoTemplates
from tests.integration.test_export_formats import ODM, ODM_XSD
from tests.postgres import PostgresCluster

MONITOR = Staff("mon.x", "Monitor X", frozenset({"monitor"}), frozenset({"PKU"}))
NURSE = Staff("nurse.x", "Nurse X", frozenset({"nurse"}), frozenset({"PKU"}))


def _csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def test_queries_and_sdv_reach_csv_and_odm(tmp_path: Path, demo_templates: DemoTemplates,
                                           demo_cluster: PostgresCluster | None,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    data_dir = tmp_path / "server"
    ctx = demo_templates.context(data_dir, admin_password="synthetic-demo-pass", cluster=demo_cluster)
    database_url = ctx.config.database_url
    with ctx.engine.begin() as conn:
        vas_id, other_id = conn.execute(select(records.c.record_id).where(
            records.c.instrument_id == "patient_global_vas", records.c.site_id == "PKU")
            .order_by(records.c.participant_id, records.c.collected_at).limit(2)).scalars().all()
    with ctx.engine.begin() as conn:
        qid = service.raise_query(conn, MONITOR, vas_id, "activity", "Please check against the paper form.")
        service.act(conn, NURSE, qid, "answer", "Checked: the paper form agrees.")
        service.act(conn, MONITOR, qid, "close", "")
        sdv.verify(conn, MONITOR, vas_id, 1)
        sdv.verify(conn, MONITOR, other_id, 1)
        correct_record(conn, ctx.study, other_id, {"activity": 12}, "paper form says 12", "user:dm.x")
    ctx.engine.dispose()
    if database_url:
        monkeypatch.setenv("DATABASE_URL", database_url)
    else:
        monkeypatch.delenv("DATABASE_URL", raising=False)

    out = tmp_path / "csv"
    assert main(["export", "csv", "--data-dir", str(data_dir), "--out", str(out)]) == 0
    (query,) = [q for q in _csv(out / "queries.csv") if q["query_id"] == qid]
    assert (query["query_target_id"], query["query_field"], query["query_value"], query["query_state"],
            query["query_messages"], query["query_closed_by"]) == (vas_id, "activity", json.dumps(
                query and json.loads(query["query_value"])), "closed", "3", "user:mon.x")
    steps = [(m["message_action"], m["message_author"]) for m in _csv(out / "query_messages.csv")
             if m["query_id"] == qid]
    assert steps == [("raise", "user:mon.x"), ("answer", "user:nurse.x"), ("close", "user:mon.x")]
    vas = {r["record_id"]: r["sdv_status"] for r in _csv(out / "patient_global_vas.csv")}
    assert (vas[vas_id], vas[other_id]) == ("verified", "changed")
    assert set(vas.values()) <= {"verified", "changed", "not_verified"}
    described = {(d["file"], d["variable"]): d["label"] for d in _csv(out / "data_dictionary.csv")}
    for file in ("queries.csv", "query_messages.csv"):
        header = next(csv.reader(open(out / file, encoding="utf-8-sig")))
        assert all(described.get((file, col)) for col in header), file
    assert described[("patient_global_vas.csv", "sdv_status")]

    odm_dir = tmp_path / "odm"
    assert main(["export", "odm", "--data-dir", str(data_dir), "--out", str(odm_dir)]) == 0
    doc = etree.parse(str(odm_dir / "study.odm.xml"))
    schema = etree.XMLSchema(etree.parse(str(ODM_XSD)))
    assert schema.validate(doc), schema.error_log
    notes = doc.findall(f".//{ODM}ItemData/{ODM}Annotation")
    flags = [(a.findtext(f"{ODM}Flag/{ODM}FlagValue"), a.find(f"{ODM}Comment").get("SponsorOrSite")) for a in notes
             if qid in (a.findtext(f"{ODM}Comment") or "")]
    assert flags == [("open", "Sponsor"), ("answered", "Site"), ("closed", "Sponsor")]
    verified = [a for a in doc.findall(f".//{ODM}ItemGroupData/{ODM}Annotation")
                if a.findtext(f"{ODM}Flag/{ODM}FlagType") == "SDV"]
    assert len(verified) == 2 and all(a.findtext(f"{ODM}Flag/{ODM}FlagValue") == "VERIFIED" for a in verified)
    assert {c.get("OID") for c in doc.findall(f".//{ODM}CodeList")} >= {"CL.QUERY_STATE", "CL.SDV_STATUS"}



def test_odm_carries_each_aes_meddra_coding_emergence_susar_and_sae_report(tmp_path: Path,
                                                                           demo_templates: DemoTemplates) -> None:
    """Issue 17 point 5 in ODM: the newest revision of each demo AE has a pharmacovigilance Annotation (valid
    ODM 1.3.2): the SUSAR flagged, MedDRA coded or not, treatment emergence, the SAE awaiting or reported."""
    data_dir = tmp_path / "server"
    ctx = demo_templates.context(data_dir, admin_password="synthetic-demo-pass")
    with ctx.engine.begin() as conn:
        n_aes = len({r for r in conn.execute(select(records.c.record_id).where(
            records.c.kind == "adverse_event")).scalars()})
    ctx.engine.dispose()
    odm_dir = tmp_path / "odm"
    assert main(["export", "odm", "--data-dir", str(data_dir), "--out", str(odm_dir)]) == 0
    doc = etree.parse(str(odm_dir / "study.odm.xml"))
    schema = etree.XMLSchema(etree.parse(str(ODM_XSD)))
    assert schema.validate(doc), schema.error_log
    notes = {a.findtext(f"{ODM}Comment"): {f.findtext(f"{ODM}FlagValue") for f in a.findall(f"{ODM}Flag")}
             for a in doc.findall(f".//{ODM}ItemGroupData/{ODM}Annotation")
             if a.findtext(f"{ODM}Flag/{ODM}FlagType") == "PHARMACOVIGILANCE"}
    assert len(notes) == n_aes
    susar = [(c, f) for c, f in notes.items() if "SUSAR" in f]
    assert any("SAE_REPORTED" in f and "DEMO-SUSAR-0001" in c for c, f in susar)
    assert any("SAE_AWAITING_REPORT" in f for f in notes.values())
    assert any("MEDDRA_CODED" in f and "(manual)" in c for c, f in notes.items())
    assert any("NOT_MEDDRA_CODED" in f for f in notes.values())
    assert any("TRANSLATION_MISSING" in f for f in notes.values())
    assert all(f & {"TREATMENT_EMERGENT", "PRE_TREATMENT"} for f in notes.values())
    assert {c.get("OID") for c in doc.findall(f".//{ODM}CodeList")} >= {"CL.PV_FLAG", "CL.PV_ANNOTATION_TYPE"}
