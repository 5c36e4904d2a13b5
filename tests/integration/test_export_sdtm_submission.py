"""SDTM for submission, end to end: a kiosk reports through a real server over HTTP, the SDTM export runs.

Stored text a transport file cannot hold (Chinese, typographic punctuation, longer than 200 bytes) never
aborts the export: the stated rules of server/exports/submission_text.py apply, every file holds the same
values, the .xpt is pure ASCII and every change is listed with its original text in export-report.csv.
"""

from __future__ import annotations

import csv
import json
import time
from datetime import date
from pathlib import Path

import pandas as pd
import pyreadstat
import pytest
from jsonschema import Draft201909Validator

from desktop_client.services import adverse_events, recording
from desktop_client.services.adverse_events import AdverseEventEntry
from server.exports.registry import run_export
from server.exports.sdtm_ae import MISSING_TRANSLATION
from server.exports.submission_text import PLACEHOLDER
from tests.factories import enrol_participant, enrolled_station
from tests.live_server import ThreadServer

# 77 Chinese characters: 231 bytes in UTF-8, longer than the 200 bytes an XPT value may hold.
CHINESE_TERM = ("注射部位出现红肿热痛并伴有局部硬结和明显瘙痒感，持续数日未见好转，" * 3)[:77]
# 199 ASCII characters and an ellipsis (200 characters, allowed): 202 once folded to ASCII ("..."): SUPPAE.
VENDOR = Path(__file__).resolve().parents[2] / "vendor" / "cdisc"
DATASET_JSON_SCHEMA = VENDOR / "dataset-json-1.1" / "dataset.schema.json"
LONG_TERM = ("Injection site erythema with induration and pruritus spreading along the upper arm " * 3)[:199] \
    + "\u2026"


def _csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture
def reported(tmp_path: Path, server: ThreadServer) -> tuple[ThreadServer, str]:
    station, engine = enrolled_station(tmp_path / "kiosk", server)
    pid = enrol_participant(station)
    recording.record_vas(station, participant_id=pid, visit_id="baseline", vas_mm=41)
    drugs = station.study.arm(station.participant_arm(pid)).drugs   # causality is asked for the arm's drugs only
    for term in (CHINESE_TERM, LONG_TERM, "Headache"):
        adverse_events.record_adverse_event(station, pid, AdverseEventEntry(
            term=term, onset_date=date(2026, 11, 20), grade=2, causality=dict.fromkeys(drugs, "possible"),
            action=dict.fromkeys(drugs, "none"), outcome="recovering"), actor="staff:nurse.a")
        time.sleep(0.005)  # each its own collected_at millisecond: exports order by it (record id breaks ties)
    report = engine.sync()
    # enrolment, screening, randomisation (issue 15), the VAS and the three AEs
    assert report.acknowledged == 7 and not report.rejected and not report.conflicts
    engine.close()
    station.store.close()
    return server, pid


def test_a_long_chinese_ae_term_never_aborts_sdtm_and_every_change_is_reported(
        reported: tuple[ThreadServer, str], tmp_path: Path) -> None:
    server, _pid = reported
    out = tmp_path / "sdtm"
    summary = run_export(server.ctx.engine, server.ctx.study, "sdtm", out, actor="staff:test.admin")
    assert summary.files["ae.xpt"] == 3
    for xpt in out.glob("*.xpt"):                                     # submission XPT text is pure ASCII
        frame, meta = pyreadstat.read_xport(str(xpt), encoding="latin1")   # latin1: any byte reads as itself
        text = [v for col in frame.columns if frame[col].dtype == object for v in frame[col]]
        assert all(v.isascii() for v in text + meta.column_labels + [meta.file_label or ""]), xpt.name
    ae, _meta = pyreadstat.read_xport(str(out / "ae.xpt"))
    # Three AEs with the same onset saved within moments: find each by its value, not by its row position.
    seq = {term: str(int(n)) for term, n in zip(ae["AETERM"], ae["AESEQ"], strict=True)}
    assert PLACEHOLDER in seq and "Headache" in seq and len(seq) == 3
    head = next(t for t in seq if t not in (PLACEHOLDER, "Headache"))
    folded = LONG_TERM.replace("\u2026", "...")
    assert len(head) <= 200 and folded.startswith(head)
    supp = pd.read_csv(out / "suppae.csv", dtype=str, keep_default_na=False)
    overflow = supp[supp["QNAM"] == "AETERM1"]
    assert len(overflow) == 1 and overflow.iloc[0]["IDVAR"] == "AESEQ"
    assert overflow.iloc[0]["IDVARVAL"] == seq[head]
    assert head + overflow.iloc[0]["QVAL"] == folded                  # nothing lost, nothing cut
    report = _csv(out / "export-report.csv")
    replaced = [r for r in report if r["variable"] == "AETERM" and r["rule"] == "replaced"]
    assert [r["original_value"] for r in replaced] == [CHINESE_TERM]   # the original text kept in the report
    assert replaced[0]["exported_value"] == PLACEHOLDER and replaced[0]["idvarval"] == seq[PLACEHOLDER]
    assert {r["rule"] for r in report if r["variable"] == "AETERM" and r["idvarval"] == seq[head]} == {
        "transliterated", "split into SUPPAE", MISSING_TRANSLATION}   # neither term has its English translation
    assert summary.files["export-report.csv"] == len(report)


def test_suppae_keeps_each_drug_of_the_arm_and_aerel_only_counts_those_drugs(
        reported: tuple[ThreadServer, str], tmp_path: Path) -> None:
    server, _pid = reported
    study = server.ctx.study
    out = tmp_path / "sdtm"
    run_export(server.ctx.engine, study, "sdtm", out, actor="staff:test.admin")
    with server.ctx.engine.connect() as conn:
        from sqlalchemy import select

        from server.storage.tables import participants
        arm = study.arm(conn.execute(select(participants.c.arm)).scalar_one())
    supp = pd.read_csv(out / "suppae.csv", dtype=str, keep_default_na=False)
    rel = supp[supp["QNAM"].str.startswith("AEREL")]
    assert len(rel) == 3 * len(arm.drugs) and set(rel["QVAL"]) == {"POSSIBLY RELATED"}
    assert all(label.startswith("Causality to ") and len(label) <= 40
               and any(t.name.startswith(label[13:]) for t in arm.treatments) for label in rel["QLABEL"])
    assert set(supp["RDOMAIN"]) == {"AE"} and set(supp[supp["QNAM"].str.match(r"AE(REL|ACN)\d")]["QORIG"]) == {"CRF"}
    # treatment emergence (SDTMIG 3.4: SUPPAE QNAM AETRTEM) and the SUSAR flag are derived, one per AE
    derived = supp[supp["QNAM"].isin(["AETRTEM", "AESUSAR"])]
    assert len(derived) == 6 and set(derived["QORIG"]) == {"Derived"} and set(derived["QVAL"]) <= {"Y", "N"}
    ae = pd.read_csv(out / "ae.csv", dtype=str, keep_default_na=False)
    assert set(ae["AEREL"]) == {"POSSIBLY RELATED"} and set(ae["AEACN"]) == {"DOSE NOT CHANGED"}
    # no MedDRA release imported: AEDECOD and the hierarchy stay empty, never the verbatim term
    assert set(ae["AEDECOD"]) == {""} and set(ae["AEBODSYS"]) == {""} and set(ae["AELLTCD"]) == {""}
    report = pd.read_csv(out / "export-report.csv", dtype=str, keep_default_na=False)
    missing = report[report["rule"].str.startswith("missing English translation")]
    assert sorted(missing["original_value"]) == sorted([CHINESE_TERM, LONG_TERM])
    uncoded = report[report["rule"].str.startswith("not MedDRA-coded")]   # AEDECOD is Req: every gap listed
    assert set(uncoded["variable"]) == {"AEDECOD"} and len(uncoded) == len(ae)


def test_every_dataset_json_is_valid_v1_1_and_equals_its_xpt_row_for_row(
        reported: tuple[ThreadServer, str], tmp_path: Path) -> None:
    server, _pid = reported
    out = tmp_path / "sdtm"
    run_export(server.ctx.engine, server.ctx.study, "sdtm", out, actor="staff:test.admin")
    assert_dataset_json_equals_xpt(out)


def assert_dataset_json_equals_xpt(out: Path) -> None:
    """Every .xpt in ``out`` has a valid Dataset-JSON 1.1 beside it with the same columns and rows."""
    validator = Draft201909Validator(json.loads(DATASET_JSON_SCHEMA.read_text(encoding="utf-8")))
    assert sorted(p.stem for p in out.glob("*.json")) == sorted(p.stem for p in out.glob("*.xpt"))
    for xpt_path in out.glob("*.xpt"):
        doc = json.loads(xpt_path.with_suffix(".json").read_text(encoding="utf-8"))   # one JSON document
        errors = [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(doc)]
        assert not errors, (xpt_path.name, errors[:5])
        assert doc["datasetJSONVersion"].startswith("1.1.") and doc["itemGroupOID"] == f"IG.{doc['name']}"
        assert list(validator.iter_errors({**doc, "datasetJSONVersion": "1.0.0"}))   # the schema does check
        xpt, meta = pyreadstat.read_xport(str(xpt_path))
        assert doc["name"] == meta.table_name and xpt_path.stem == doc["name"].lower()
        assert [c["name"] for c in doc["columns"]] == list(xpt.columns)
        assert [c["label"] for c in doc["columns"]] == meta.column_labels
        assert doc["records"] == len(doc["rows"]) == len(xpt)
        for row, (_i, expected) in zip(doc["rows"], xpt.iterrows(), strict=True):
            for value, col, name in zip(row, doc["columns"], xpt.columns, strict=True):
                if col["dataType"] == "string":
                    assert value == expected[name], (xpt_path.name, name)
                elif value is None:
                    assert pd.isna(expected[name]), (xpt_path.name, name)
                else:
                    assert float(value) == expected[name], (xpt_path.name, name)


DEFINE_XSD = VENDOR / "schemas" / "define" / "2.1" / "define2-1-0.xsd"
ODM, DEF = "{http://www.cdisc.org/ns/odm/v1.3}", "{http://www.cdisc.org/ns/def/v2.1}"


def test_define_xml_is_valid_define_2_1_and_describes_every_dataset_variable_codelist_and_method(
        reported: tuple[ThreadServer, str], tmp_path: Path) -> None:
    server, _pid = reported
    out = tmp_path / "sdtm"
    run_export(server.ctx.engine, server.ctx.study, "sdtm", out, actor="staff:test.admin")
    assert_define_describes(out)


def assert_define_describes(out: Path) -> None:
    """define.xml in ``out`` is valid Define-XML 2.1 and describes every dataset file beside it exactly."""
    from lxml import etree

    schema = etree.XMLSchema(etree.parse(str(DEFINE_XSD)))
    doc = etree.parse(str(out / "define.xml"))
    assert schema.validate(doc), schema.error_log
    mdv = doc.getroot().find(f"{ODM}Study/{ODM}MetaDataVersion")
    assert mdv.get(f"{DEF}DefineVersion") == "2.1.0"
    items = {e.get("OID"): e for e in mdv.iter(f"{ODM}ItemDef")}
    codelists = {e.get("OID"): e for e in mdv.iter(f"{ODM}CodeList")}
    methods = {e.get("OID") for e in mdv.iter(f"{ODM}MethodDef")}
    groups = {g.get("Name"): g for g in mdv.iter(f"{ODM}ItemGroupDef")}
    assert set(groups) == {p.stem.upper() for p in out.glob("*.xpt")} >= {"DM", "AE", "QS", "DS", "TS", "TA",
                                                                           "TE", "TV", "TI", "SE"}
    for name, group in groups.items():
        leaf = group.find(f"{DEF}leaf")
        assert (out / leaf.get("{http://www.w3.org/1999/xlink}href")).exists()
        xpt, _meta = pyreadstat.read_xport(str(out / f"{name.lower()}.xpt"))
        refs = group.findall(f"{ODM}ItemRef")
        assert [items[r.get("ItemOID")].get("Name") for r in refs] == list(xpt.columns), name   # IG order
        dataset_json = json.loads((out / f"{name.lower()}.json").read_text(encoding="utf-8"))
        assert [c["itemOID"] for c in dataset_json["columns"]] == [r.get("ItemOID") for r in refs]
        assert dataset_json["metaDataVersionOID"] == mdv.get("OID")
        for ref in refs:
            item = items[ref.get("ItemOID")]
            origin = item.find(f"{DEF}Origin")
            assert origin is not None, item.get("OID")                          # every variable has an origin
            if origin.get("Type") == "Derived":
                assert ref.get("MethodOID") in methods, item.get("OID")         # and a method when derived
            column = xpt[item.get("Name")]
            if ref.get("Mandatory") == "Yes":
                assert not column.isna().any() and not (column.astype(str) == "").any(), item.get("OID")
            cl_ref = item.find(f"{ODM}CodeListRef")
            external = None if cl_ref is None else codelists[cl_ref.get("CodeListOID")].find(f"{ODM}ExternalCodeList")
            if external is not None:                                            # a dictionary: MedDRA, LOINC…
                assert external.get("Dictionary") and codelists[cl_ref.get("CodeListOID")].get("DataType") == (
                    item.get("DataType")), item.get("OID")
            elif cl_ref is not None:                                            # data values are in the codelist
                allowed = {c.get("CodedValue") for c in codelists[cl_ref.get("CodeListOID")]}
                assert set(column) - {""} <= allowed, (item.get("OID"), set(column) - allowed)
    assert {"CL.MEDDRA", "CL.COUNTRY"} <= set(codelists)                      # external dictionaries named
    ny = codelists["CL.NY"]
    assert ny.find(f"{ODM}Alias").get("Name") == "C66742"                        # CDISC CT C-code named
    standards = {s.get("Name"): s.get("Version") for s in mdv.iter(f"{DEF}Standard")}
    assert standards == {"SDTMIG": "3.4", "CDISC/NCI": "2024-03-29"}
