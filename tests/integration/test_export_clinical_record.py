"""Concomitant medication, medical history, vital signs and pregnancy tests in every export (issue 18), from
the demo data of both studies (so a newcomer sees them), through the CLI as an admin runs it: SDTM CM, MH, VS
with define.xml and Dataset-JSON, CSV with dictionary entries, FHIR R4 (R4B and pure 4.0.1 models), ODM."""

from __future__ import annotations

import csv
import json
import subprocess
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import func, select

from server.storage.tables import records
from tests.integration import test_export_formats as formats
from tests.integration.test_export_formats import ODM, ODM_XSD, ROOT, Seeded
from tests.integration.test_export_sdtm_submission import assert_define_describes

seeded = formats.seeded                   # the demo data of both studies, as every export test uses them
fhir_r4_python = formats.fhir_r4_python
KINDS = ("concomitant_medication", "medical_history", "vital_signs", "pregnancy_test")


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def _stored(seeded: Seeded) -> dict[str, int]:
    """Records (newest revisions counted once) per clinical kind."""
    with seeded.ctx.engine.connect() as conn:
        return dict(conn.execute(select(records.c.kind, func.count(func.distinct(records.c.record_id)))
                                 .where(records.c.kind.in_(KINDS)).group_by(records.c.kind)).all())


def test_the_demo_holds_every_kind_of_the_clinical_record(seeded: Seeded) -> None:
    stored = _stored(seeded)
    assert set(stored) == set(KINDS) and all(stored.values()), stored


def test_sdtm_cm_mh_vs_follow_sdtmig_and_define_describes_them(seeded: Seeded, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    out = seeded.export("sdtm", tmp_path / "sdtm", monkeypatch=monkeypatch)
    assert_define_describes(out)        # Define-XML 2.1 valid, every variable and codelist value described
    stored = _stored(seeded)
    cm, mh, vs = (_rows(out / f"{d}.csv") for d in ("cm", "mh", "vs"))
    assert len(cm) == stored["concomitant_medication"] and len(mh) == stored["medical_history"]
    classes = {c.code: c.name for c in seeded.ctx.study.clinical_record.atc_classes}
    assert all(classes[r["CMCLASCD"]] == r["CMCLAS"] for r in cm)
    assert all((r["CMENRTPT"] == "ONGOING") == (r["CMENDTC"] == "") for r in cm)
    assert {r["MHENRTPT"] for r in mh} <= {"ONGOING", "BEFORE"}
    assert {r["VSTESTCD"] for r in vs} == {"SYSBP", "DIABP", "PULSE", "TEMP", "WEIGHT"}
    units = {r["VSTESTCD"]: r["VSORRESU"] for r in vs}
    assert units == {"SYSBP": "mmHg", "DIABP": "mmHg", "PULSE": "beats/min", "TEMP": "C", "WEIGHT": "kg"}
    flagged = [r for r in vs if r["VSBLFL"] == "Y"]
    assert flagged and len({(r["USUBJID"], r["VSTESTCD"]) for r in flagged}) == len(flagged)   # one per test
    hcg = [r for r in _rows(out / "lb.csv") if r["LBTESTCD"] == "HCG"]     # pregnancy tests belong in LB
    assert len(hcg) == stored["pregnancy_test"]
    assert {(r["LBSPEC"], r["LBCAT"], r["LBLOINC"]) for r in hcg} <= {("SERUM", "CHEMISTRY", "2118-8"),
                                                                     ("URINE", "URINALYSIS", "2106-3")}
    assert {r["LBORRES"] for r in hcg} <= {"NEGATIVE", "POSITIVE"} and all(r["LBSTRESN"] == "" for r in hcg)
    dataset_json = json.loads((out / "vs.json").read_text(encoding="utf-8"))
    assert dataset_json["records"] == len(vs) and dataset_json["name"] == "VS"


def test_csv_has_a_file_per_kind_and_a_dictionary_entry_for_every_column(seeded: Seeded, tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    out = seeded.export("csv", tmp_path / "csv", monkeypatch=monkeypatch)
    stored = _stored(seeded)
    files = {"concomitant_medication": "concomitant_medications.csv", "medical_history": "medical_history.csv",
             "vital_signs": "vital_signs.csv", "pregnancy_test": "pregnancy_tests.csv"}
    for kind, name in files.items():
        assert len(_rows(out / name)) == stored[kind], name
    meds = _rows(out / "concomitant_medications.csv")
    assert all(r["atc_class_name"] for r in meds) and {r["ongoing"] for r in meds} <= {"true", "false"}
    dictionary = [r for r in _rows(out / "data_dictionary.csv") if r["file"] in files.values()]
    assert dictionary and all(r["label"] for r in dictionary)
    temp = next(r for r in dictionary if r["file"] == "vital_signs.csv" and r["variable"] == "temperature")
    assert "8310-5" in temp["label"] and "Cel" in temp["allowed_values"]


def _fhir(seeded: Seeded, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, list[dict]]:
    out = seeded.export("fhir", tmp_path / "fhir", monkeypatch=monkeypatch)
    resources = [e["resource"] for line in (out / "participants.ndjson").read_text(encoding="utf-8").splitlines()
                 for e in json.loads(line)["entry"]]
    return out, resources


def test_fhir_has_medication_statements_conditions_and_vital_sign_observations(
        seeded: Seeded, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fhir_r4_python: Path) -> None:
    from fhir.resources.R4B import get_fhir_model_class

    out, resources = _fhir(seeded, tmp_path, monkeypatch)
    run = subprocess.run([str(fhir_r4_python), str(ROOT / "tests" / "fhir_r4" / "validate.py"),
                          str(out / "participants.ndjson")], capture_output=True, text=True, timeout=240)
    result = json.loads(run.stdout)
    assert run.returncode == 0 and result["errors"] == [], result["errors"][:5]     # pure FHIR 4.0.1 models
    assert {"MedicationStatement", "Condition", "Observation"} <= set(result["resources"])
    stored = _stored(seeded)
    statements = [r for r in resources if r["resourceType"] == "MedicationStatement"]
    conditions = [r for r in resources if r["resourceType"] == "Condition"]
    assert len(statements) == stored["concomitant_medication"] and len(conditions) == stored["medical_history"]
    for ms in statements:
        get_fhir_model_class("MedicationStatement").model_validate(ms)
        assert ms["status"] in {"active", "completed"}
        assert ms["medicationCodeableConcept"]["coding"][0]["system"] == "http://www.whocc.no/atc"
    for c in conditions:
        assert c["clinicalStatus"]["coding"][0]["code"] in {"active", "resolved"}
    vitals = [r for r in resources if r["resourceType"] == "Observation"
              and r["category"][0]["coding"][0]["code"] == "vital-signs"]
    codes = {c["code"] for r in vitals for part in [r, *r.get("component", [])] for c in part["code"]["coding"]}
    assert {"8480-6", "8462-4", "8867-4", "8310-5", "29463-7", "85354-9"} == codes
    units = {c["code"]["coding"][0]["code"]: c["valueQuantity"]["code"] for r in vitals
             for c in [r, *r.get("component", [])] if "valueQuantity" in c}
    assert units == {"8480-6": "mm[Hg]", "8462-4": "mm[Hg]", "8867-4": "/min", "8310-5": "Cel", "29463-7": "kg"}
    assert all(r["meta"]["profile"][0] == "http://hl7.org/fhir/StructureDefinition/vitalsigns" for r in vitals)
    tests = [r for r in resources if r["resourceType"] == "Observation" and r["id"].startswith("hcg-")]
    assert len(tests) == stored["pregnancy_test"]
    assert {r["code"]["coding"][0]["code"] for r in tests} <= {"2106-3", "2118-8"}


def test_odm_keeps_every_entry_as_a_form_valid_against_the_schema(seeded: Seeded, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    out = seeded.export("odm", tmp_path / "odm", monkeypatch=monkeypatch)
    doc = etree.parse(str(out / "study.odm.xml"))
    schema = etree.XMLSchema(etree.parse(str(ODM_XSD)))
    assert schema.validate(doc), schema.error_log
    forms = [f.get("FormOID") for f in doc.iter(f"{ODM}FormData")]
    stored = _stored(seeded)
    assert forms.count("F.CONMED") == stored["concomitant_medication"]
    assert forms.count("F.MEDHIST") == stored["medical_history"]
    assert forms.count("F.VITALS") == stored["vital_signs"] and forms.count("F.PREGNANCY") == stored["pregnancy_test"]
    conmed_events = {e.get("StudyEventOID") for e in doc.iter(f"{ODM}StudyEventData")
                     if e.find(f"{ODM}FormData").get("FormOID") == "F.CONMED"}
    assert conmed_events == {"SE.CONMED"}


def test_the_demo_entries_split_at_randomisation_are_exactly_the_whole() -> None:
    import random
    from datetime import date

    from server.services.demo_clinical_record import add_entries
    from shared.study import default_study

    study, baseline, today = default_study(), date(2026, 10, 22), date(2026, 12, 1)
    screened = {"screening_date": "2026-10-15", "sex": "F", "age_at_consent": 30, "childbearing_potential": True}

    def queued(**kw: object) -> list[tuple]:
        got: list[tuple] = []
        add_entries(study, lambda kind, pid, data, day, *rest, **env: got.append((kind, data, day, env)), "PKU-001",
                    screened, baseline, today, random.Random(7), index=1, **kw)
        return got

    before, after = queued(until=baseline), queued(after=baseline)
    assert sorted(before + after, key=repr) == sorted(queued(), key=repr)
    assert any(k == "pregnancy_test" and day == baseline for k, _d, day, _e in before)   # tested before dosing
    assert all(day > baseline for _k, _d, day, _e in after) and after


def test_no_demo_finding_is_dated_before_the_participants_informed_consent(seeded: Seeded, tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """GCP (ICH E6 4.8.8): no study procedure before consent, so no lab draw, vital sign or entry dated before
    DM.RFICDTC (the demo's screening labs once sat at the screening visit's planned day, weeks before it)."""
    out = seeded.export("sdtm", tmp_path / "sdtm", monkeypatch=monkeypatch)
    consent = {r["USUBJID"]: r["RFICDTC"] for r in _rows(out / "dm.csv")}
    assert all(consent.values())
    early = [(d, r["USUBJID"], r.get("VISIT"), r[f"{d.upper()}DTC"][:10], consent[r["USUBJID"]])
             for d in ("lb", "vs", "cm", "mh") for r in _rows(out / f"{d}.csv")
             if r[f"{d.upper()}DTC"][:10] < consent[r["USUBJID"]]]
    assert early == []
