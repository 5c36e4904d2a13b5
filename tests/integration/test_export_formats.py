"""Every export of the demo study, on SQLite and on a real PostgreSQL, run through the CLI as an admin would.

The demo data plus one correction (revision 2 with a reason) and Treg lab values. Each format is checked
against its standard: ODM against the official 1.3.2 XML Schema, SDTM .xpt read back with pyreadstat and
compared with the CSV, FHIR resources parsed with fhir.resources.R4B and every required-binding code checked
by our own tables below (the library does not reject unknown codes).
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pyreadstat
import pytest
from lxml import etree
from sqlalchemy import select

from server.app import ServerContext
from server.cli import main
from server.exports.sdtm_qs import qs_tests
from server.services import devices as device_service
from server.services import sync as sync_service
from server.services.audit import verify_chain
from server.storage.tables import audit_log, devices, lab_results, participants, records, screenings
from shared.records import corrected, record_hash
from shared.study import default_study
from shared.sync.protocol import SyncItem, SyncRequest
from tests.demo_template import DemoTemplates
from tests.integration.test_export_sdtm_submission import assert_define_describes
from tests.studies import STUDY_FILES

ODM_XSD = Path(etree.__file__).parent.parent / "odmlib" / "schemas" / "odm" / "1.3.2" / "ODM1-3-2.xsd"
ODM = "{http://www.cdisc.org/ns/odm/v1.3}"
REASON = "participant touched the line at the wrong place"


class Seeded:
    """A migrated database with the demo study, one corrected VAS and the CLI arguments to reach it."""

    def __init__(self, ctx: ServerContext, data_dir: Path, database_url: str | None) -> None:
        self.ctx, self.data_dir, self.database_url = ctx, data_dir, database_url

    def export(self, fmt: str, out: Path, *extra: str, monkeypatch: pytest.MonkeyPatch) -> Path:
        if self.database_url:
            monkeypatch.setenv("DATABASE_URL", self.database_url)
        else:
            monkeypatch.delenv("DATABASE_URL", raising=False)
        assert main(["export", fmt, "--data-dir", str(self.data_dir), "--out", str(out), *extra]) == 0
        return out


@pytest.fixture(scope="module", params=[
    ("sqlite", "nct05605665"), ("sqlite", "synthetic_two_arm"),
    pytest.param(("postgresql", "nct05605665"), marks=pytest.mark.postgres),
    pytest.param(("postgresql", "synthetic_two_arm"), marks=pytest.mark.postgres)], ids=lambda p: "-".join(p))
def seeded(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
           demo_templates: DemoTemplates) -> Iterator[Seeded]:
    """The demo data of each study (the shipped one and the synthetic second one) on each database."""
    kind, study_name = request.param
    cluster = None if kind == "sqlite" else request.getfixturevalue("pg_cluster")
    data_dir = tmp_path_factory.mktemp(f"export-{kind}-{study_name}")
    ctx = demo_templates.context(data_dir, admin_password="synthetic-demo-pass", cluster=cluster,
                                 study_file=STUDY_FILES[study_name])
    url = ctx.config.database_url
    with ctx.engine.begin() as conn:
        row = conn.execute(select(records.c.body, records.c.device_id)
                           .where(records.c.instrument_id == "patient_global_vas")
                           .order_by(records.c.participant_id, records.c.collected_at)).first()
        dev = conn.execute(select(devices).where(devices.c.device_id == row.device_id)).first()
        device = device_service.Device(device_id=dev.device_id, site_id=dev.site_id, label=dev.label)
        fixed = corrected(json.loads(row.body), data={"activity": 33}, reason=REASON, entered_by="staff:demo.nurse")
        answer = sync_service.ingest(conn, ctx.study, device, SyncRequest(
            study_version=ctx.study.study.version, corrections_cursor=0, items=[SyncItem(fixed, record_hash(fixed))]))
        assert answer["results"][0]["status"] == "stored"
    yield Seeded(ctx, data_dir, url)
    ctx.engine.dispose()


def _csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def _count(seeded: Seeded, table: object) -> int:
    with seeded.ctx.engine.connect() as conn:
        return len(conn.execute(select(table)).all())  # type: ignore[arg-type]


def _stored_labs(seeded: Seeded) -> list[Any]:
    with seeded.ctx.engine.connect() as conn:
        return list(conn.execute(select(lab_results)))


def _current_labs(seeded: Seeded, test_code: str | None = None) -> int:
    """Lab results (not revisions) stored, of one test or all."""
    with seeded.ctx.engine.connect() as conn:
        return len({r.result_id for r in conn.execute(select(lab_results.c.result_id, lab_results.c.test_code))
                    if test_code in (None, r.test_code)})


def _audit_actions(seeded: Seeded) -> list[str]:
    with seeded.ctx.engine.connect() as conn:
        assert verify_chain(conn).ok
        return [r.action for r in conn.execute(select(audit_log.c.action).order_by(audit_log.c.seq))]


# ---------------------------------------------------------------------------------------------- CSV
def test_csv_has_every_domain_iso_dates_the_newest_revision_and_an_audit_entry(
        seeded: Seeded, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = seeded.export("csv", tmp_path / "csv", "--bom", monkeypatch=monkeypatch)
    names = {p.name for p in out.iterdir()}
    study = seeded.ctx.study
    assert {"participants.csv", "visits.csv", "adverse_events.csv", "dosing.csv", "lab_results.csv",
            "data_dictionary.csv"} | {f"{i.id}.csv" for i in study.instruments} <= names
    assert not {f"{i.id}.csv" for i in default_study().instruments if i.id not in
                {j.id for j in study.instruments}} & names       # only the study's own instruments
    assert (out / "participants.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert len(_csv(out / "participants.csv")) == _count(seeded, participants)
    vas = _csv(out / "patient_global_vas.csv")
    fixed = [r for r in vas if r["revision"] == "2"]
    assert len(fixed) == 1 and fixed[0]["activity"] == "33" and fixed[0]["correction_reason"] == REASON
    assert len({r["record_id"] for r in vas}) == len(vas)          # newest revision only, once
    iso = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
    assert all(iso.match(r["collected_at"]) and iso.match(r["collected_at_local"]) for r in vas)
    labs = _csv(out / "lab_results.csv")
    primary = study.primary_lab_test()
    assert primary is not None
    assert len(labs) == _current_labs(seeded) > 0 and primary.code in {r["test_code"] for r in labs} <= set(
        study.lab_tests)
    assert {r["range_indicator"] for r in labs} <= {"LOW", "NORMAL", "HIGH", ""}
    assert any(r["revision"] == "2" and r["reason"] for r in labs)        # the demo's corrected result
    visits = _csv(out / "visits.csv")
    assert visits and all(r["visit_date"] and r["forms_expected"] for r in visits)
    dosing = _csv(out / "dosing.csv")
    if study.instrument_with_role("dosing") is not None:
        twice = next(t for a in study.arms for t in a.treatments if t.frequency == "twice weekly")
        second = study.scheduled_visits[2]                             # 2 weeks after baseline: the first diary
        lines = [r for r in dosing if r["drug"] == twice.drug and r["visit_id"] == second.id]
        # the first diary covers the baseline day (first dose) to its own day: 15 actual dates, 2 of 7 dose days
        assert lines and all(int(r["days"]) == second.day + 1 and float(r["doses_expected"]) == 4.3
                             and len(r["dates_taken"].split(";")) == int(r["doses_reported"]) for r in lines)
        # a % wherever a dose was expected; none on a home day answered "no dose was due" (issue 24 review)
        assert all(r["period_start"] <= r["period_end"] and (r["compliance_pct"] or float(r["doses_expected"]) == 0)
                   for r in dosing)
        assert all(r["compliance_pct"] == "" and r["doses_expected"] == "0.0" for r in dosing
                   if r["missed_reason"] == "not_due")
    else:           # no clinic dosing diary in this study: its dosing lines are the home diary's (issue 24)
        assert all(r["source"] == "home" and r["days"] == "1" for r in dosing)
    ae_header = next(csv.reader(open(out / "adverse_events.csv", encoding="utf-8-sig")))
    confirmed = ["causality_confirmed_by", "causality_confirmed_at"]   # issue 17: the investigator's confirmation
    assert ae_header[-2:] == confirmed
    assert [c for c in ae_header if c.startswith(("causality_", "action_")) and c not in confirmed] == [
        f"{k}_{d}" for k in ("causality", "action") for d in study.drug_ids]      # one pair per study drug
    dictionary = _csv(out / "data_dictionary.csv")
    assert set(dictionary[0]) >= {"variable", "label", "type", "allowed_values", "instrument_version"}
    vas_item = next(r for r in dictionary if r["file"] == "patient_global_vas.csv" and r["variable"] == "activity")
    assert vas_item["allowed_values"] == "a whole number from 0 to 100 mm" and vas_item["instrument_version"] == "1.0"
    grade = next(r for r in dictionary if r["file"] == "adverse_events.csv" and r["variable"] == "grade")
    assert grade["type"] == "integer" and grade["allowed_values"].endswith("1, 2, 3, 4, 5")
    assert "export.csv" in _audit_actions(seeded)


def test_csv_headers_are_unique_every_column_is_in_the_dictionary_and_local_times_are_the_sites(
        seeded: Seeded, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from zoneinfo import ZoneInfo

    out = seeded.export("csv", tmp_path / "csv", monkeypatch=monkeypatch)
    dictionary = {(r["file"], r["variable"]): r for r in _csv(out / "data_dictionary.csv")}
    for path in sorted(out.glob("*.csv")):
        with open(path, encoding="utf-8", newline="") as fh:
            header = next(csv.reader(fh))
        assert len(header) == len(set(header)), (path.name, sorted(c for c in header if header.count(c) > 1))
        for column in header:
            entry = dictionary.get((path.name, column))
            assert entry and entry["label"] and entry["type"], (path.name, column)
    ae_header = next(csv.reader(open(out / "adverse_events.csv", encoding="utf-8")))
    assert "visit_id" in ae_header and "ae_visit_id" in ae_header
    dosing = seeded.ctx.study.instrument_with_role("dosing")
    if dosing is not None:
        diary = next(csv.reader(open(out / f"{dosing.id}.csv", encoding="utf-8")))
        assert {"score_" + c for c in diary if "score_" + c in diary}  # a score named like its item is kept apart
    zone = {s.id: ZoneInfo(s.timezone) for s in seeded.ctx.study.sites}
    vas = _csv(out / "patient_global_vas.csv")
    for r in vas:
        utc = datetime.fromisoformat(r["collected_at"])
        local = datetime.fromisoformat(r["collected_at_local"])
        assert local == utc and local.utcoffset() == utc.astimezone(zone[r["site_id"]]).utcoffset(), r
        assert r["collected_at_device"]                                  # the kiosk's own statement is kept


def test_csv_from_to_keeps_only_records_collected_in_the_range(seeded: Seeded, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    whole = _csv(seeded.export("csv", tmp_path / "all", monkeypatch=monkeypatch) / "esspri.csv")
    days = sorted({r["collected_at"][:10] for r in whole})
    start, end = days[1], days[-2]
    part = _csv(seeded.export("csv", tmp_path / "part", "--from", start, "--to", end, monkeypatch=monkeypatch)
                / "esspri.csv")
    expected = [r["record_id"] for r in whole if start <= r["collected_at"][:10] <= end]
    assert sorted(r["record_id"] for r in part) == sorted(expected) and 0 < len(part) < len(whole)


def test_bad_export_options_are_refused_with_the_field_value_and_what_is_allowed(
        seeded: Seeded, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    if seeded.database_url:
        monkeypatch.setenv("DATABASE_URL", seeded.database_url)
    before = _audit_actions(seeded).count("export.csv")
    site = seeded.ctx.study.sites[0].id
    for extra, words in ((["--site", "XYZ"], ["site", "'XYZ'", site]),
                         (["--from", "2026-13-01"], ["from", "'2026-13-01'", "YYYY-MM-DD"]),
                         (["--from", "2026-05-02", "--to", "2026-05-01"], ["after", "from on or before to"])):
        code = main(["export", "csv", "--data-dir", str(seeded.data_dir), "--out", str(tmp_path / "x"), *extra])
        err = capsys.readouterr().err
        assert code == 2 and all(w in err for w in words), err
    assert _audit_actions(seeded).count("export.csv") == before      # a refused export is not audited


# ---------------------------------------------------------------------------------------------- ODM
def test_odm_validates_against_the_official_1_3_2_schema_and_carries_the_audit_trail(
        seeded: Seeded, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = seeded.export("odm", tmp_path / "odm", monkeypatch=monkeypatch)
    schema = etree.XMLSchema(etree.parse(str(ODM_XSD)))
    doc = etree.parse(str(out / "study.odm.xml"))
    assert schema.validate(doc), schema.error_log
    root = doc.getroot()
    mdv = root.find(f"{ODM}Study/{ODM}MetaDataVersion")
    assert {e.get("OID") for e in mdv.iter(f"{ODM}StudyEventDef")} >= {f"SE.{v.id}" for v in seeded.ctx.study.visits}
    assert mdv.find(f"{ODM}CodeList[@OID='CL.essdai.central_nervous']") is not None
    subjects = root.findall(f"{ODM}ClinicalData/{ODM}SubjectData")
    assert len(subjects) == _count(seeded, screenings)   # everyone screened (issue 15), randomised or not
    users = {u.get("OID") for u in root.iter(f"{ODM}User")}
    locations = {loc.get("OID") for loc in root.iter(f"{ODM}Location")}
    audits = list(root.iter(f"{ODM}AuditRecord"))
    assert audits and all(a.find(f"{ODM}UserRef").get("UserOID") in users
                          and a.find(f"{ODM}LocationRef").get("LocationOID") in locations for a in audits)
    reasons = [a for a in audits if a.findtext(f"{ODM}ReasonForChange") == REASON]
    assert len(reasons) == 1
    form = reasons[0].getparent()
    assert form.get("FormOID") == "F.patient_global_vas"
    assert form.find(f".//{ODM}ItemData[@ItemOID='IT.patient_global_vas.activity']").get("Value") == "33"
    tregs = list(root.iter(f"{ODM}ItemData"))
    primary = seeded.ctx.study.primary_lab_test()
    assert primary is not None
    assert sum(1 for i in tregs if i.get("ItemOID") == f"IT.LAB.{primary.code}") == len(
        [r for r in _stored_labs(seeded) if r.test_code == primary.code])          # every revision
    assert "export.odm" in _audit_actions(seeded)


# --------------------------------------------------------------------------------------------- SDTM
AE_TERMS = {"AESER": {"Y", "N"}, "AESEV": {"MILD", "MODERATE", "SEVERE"}, "AETOXGR": {"1", "2", "3", "4", "5"},
            "AEREL": {"RELATED", "PROBABLY RELATED", "POSSIBLY RELATED", "UNLIKELY RELATED", "NOT ASSESSABLE",
                      "NOT RELATED"},
            "AEOUT": {"RECOVERED/RESOLVED", "RECOVERING/RESOLVING", "NOT RECOVERED/NOT RESOLVED",
                      "RECOVERED/RESOLVED WITH SEQUELAE", "FATAL", "UNKNOWN"}}
DTC = re.compile(r"^\d{4}(-\d{2}(-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$")


def test_sdtm_xpt_reads_back_identical_to_csv_with_sdtmig_names_labels_and_terms(
        seeded: Seeded, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = seeded.export("sdtm", tmp_path / "sdtm", monkeypatch=monkeypatch)
    define = _csv(out / "define.csv")
    study = seeded.ctx.study
    study_id, site = study.study.id, study.sites[0].id
    dosed = study.instrument_with_role("dosing") is not None
    for domain in ("dm", "ae", "qs", "ex", "ds", "lb", "dv"):
        meta_rows = [r for r in define if r["dataset"] == domain.upper()]
        xpt, meta = pyreadstat.read_xport(str(out / f"{domain}.xpt"), encoding="utf-8")
        text = pd.read_csv(out / f"{domain}.csv", dtype=str, keep_default_na=False)
        assert list(xpt.columns) == list(text.columns) == [r["variable"] for r in meta_rows]
        assert meta.column_labels == [r["label"] for r in meta_rows] and meta.table_name == domain.upper()
        assert len(xpt) == len(text) > (0 if dosed or domain != "ex" else -1), domain  # EX needs a diary
        for r in meta_rows:
            col = r["variable"]
            assert len(col) <= 8 and len(r["label"]) <= 40
            if r["type"] == "Num":
                assert xpt[col].equals(pd.to_numeric(text[col].replace("", None)).astype(float)), (domain, col)
            else:
                assert list(xpt[col]) == list(text[col]), (domain, col)
                if col.endswith("DTC"):
                    assert all(DTC.match(v) for v in text[col] if v), (domain, col)
        assert all(re.fullmatch(rf"{study_id}-{site}-\d{{3,6}}", u) for u in text["USUBJID"])
        assert set(text["STUDYID"]) <= {study_id} and set(text["DOMAIN"]) <= {domain.upper()}
    ae = pd.read_csv(out / "ae.csv", dtype=str, keep_default_na=False)
    for col, allowed in AE_TERMS.items():
        assert set(ae[col]) <= allowed, col
    assert ((ae["AESER"] == "Y") == (ae[["AESDTH", "AESLIFE", "AESHOSP", "AESDISAB", "AESCONG", "AESMIE"]]
                                     == "Y").any(axis=1)).all()
    qs = pd.read_csv(out / "qs.csv", dtype=str, keep_default_na=False)
    assert all(re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,7}", c) for c in qs["QSTESTCD"])
    assert set(qs["QSTESTCD"]) <= {t[2] for t in qs_tests(study)}       # the instrument files' test codes
    assert {t[3] for t in qs_tests(study)} >= set(qs["QSTEST"]) and len(set(qs["QSTESTCD"])) > 4
    assert all(len(t) <= 40 for t in qs["QSTEST"])
    lb = pd.read_csv(out / "lb.csv", dtype=str, keep_default_na=False)
    lb = lb[lb["LBTESTCD"] != "HCG"]        # pregnancy tests (issue 18): test_export_clinical_record.py
    assert len(lb) == _current_labs(seeded) and set(lb["LBTESTCD"]) <= set(study.lab_tests)
    assert set(lb["LBNRIND"]) <= {"LOW", "NORMAL", "HIGH", ""} and set(lb["LBTOXGR"]) <= {"", "0", "1", "2", "3", "4"}
    graded = {t.code for t in study.lab_tests.values() if t.ctcae}
    assert set(lb.loc[lb["LBTESTCD"].isin(graded), "LBTOXGR"]) - {""}          # every graded test has a grade
    assert (lb["LBORNRLO"] != "").any() and set(lb["LBSPEC"]) <= {t.specimen for t in study.lab_tests.values()}
    assert "export.sdtm" in _audit_actions(seeded)


# --------------------------------------------------------------------------------------------- FHIR
# Required bindings in FHIR R4 (hl7.org/fhir/R4), copied from the specification, not from our code.
REQUIRED = {
    ("Bundle", "type"): {"document", "message", "transaction", "transaction-response", "batch", "batch-response",
                         "history", "searchset", "collection"},
    ("Patient", "gender"): {"male", "female", "other", "unknown"},
    ("ResearchStudy", "status"): {"active", "administratively-completed", "approved", "closed-to-accrual",
                                  "closed-to-accrual-and-intervention", "completed", "disapproved", "in-review",
                                  "temporarily-closed-to-accrual", "temporarily-closed-to-accrual-and-intervention",
                                  "withdrawn"},
    ("ResearchSubject", "status"): {"candidate", "eligible", "follow-up", "ineligible", "not-registered",
                                    "off-study", "on-study", "on-study-intervention", "on-study-observation",
                                    "pending-on-study", "potential-candidate", "screening", "withdrawn"},
    ("Questionnaire", "status"): {"draft", "active", "retired", "unknown"},
    ("QuestionnaireResponse", "status"): {"in-progress", "completed", "amended", "entered-in-error", "stopped"},
    ("Observation", "status"): {"registered", "preliminary", "final", "amended", "corrected", "cancelled",
                                "entered-in-error", "unknown"},
    ("AdverseEvent", "actuality"): {"actual", "potential"},
    ("CodeSystem", "status"): {"draft", "active", "retired", "unknown"},
    ("CodeSystem", "content"): {"not-present", "example", "fragment", "complete", "supplement"},
}
ENABLE_WHEN_OPERATORS = {"exists", "=", "!=", ">", "<", ">=", "<="}                       # required
ENABLE_BEHAVIOR = {"all", "any"}                                                          # required
R4_CAUSALITY_METHOD = {"ProbabilityScale", "Bayesian", "Checklist"}
ITEM_TYPES = {"group", "display", "boolean", "decimal", "integer", "date", "dateTime", "time", "string", "text",
              "url", "choice", "open-choice", "attachment", "reference", "quantity"}
AE_SEVERITY = {"mild", "moderate", "severe"}                                              # required
AE_OUTCOME = {"resolved", "recovering", "ongoing", "resolvedWithSequelae", "fatal", "unknown"}  # required
AE_SERIOUSNESS = {"Serious", "Non-serious"}                  # R4 4.0.1 spelling (R5 has serious/non-serious)
CAUSALITY = {"Certain", "Probably-Likely", "Possible", "Unlikely", "Conditional-Classified",
             "Unassessable-Unclassifiable"}


def _codes(concept: dict, system_suffix: str) -> list[str]:
    return [c["code"] for c in concept.get("coding", []) if c["system"].endswith(system_suffix)]


def test_fhir_resources_parse_as_r4b_and_every_required_binding_code_is_valid(
        seeded: Seeded, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from fhir.resources.R4B import get_fhir_model_class

    out = seeded.export("fhir", tmp_path / "fhir", monkeypatch=monkeypatch)
    bundles = [json.loads((out / "study-bundle.json").read_text(encoding="utf-8"))]
    bundles += [json.loads(line) for line in (out / "participants.ndjson").read_text(encoding="utf-8").splitlines()]
    assert len(bundles) == 1 + _count(seeded, participants)
    seen: dict[str, int] = {}
    ids: set[str] = set()
    for bundle in bundles:
        get_fhir_model_class("Bundle").model_validate(bundle)
        assert bundle["type"] in REQUIRED[("Bundle", "type")]
        for entry in bundle["entry"]:
            res = entry["resource"]
            kind = res["resourceType"]
            get_fhir_model_class(kind).model_validate(res)        # raises on any structural error
            seen[kind] = seen.get(kind, 0) + 1
            ids.add(f"{kind}/{res['id']}")
            for (rtype, element), allowed in REQUIRED.items():
                if rtype == kind and element in res:
                    assert res[element] in allowed, (kind, element, res[element])
            if kind == "Questionnaire":
                assert all(i["type"] in ITEM_TYPES for i in res["item"])
                for i in res["item"]:
                    assert all(w["operator"] in ENABLE_WHEN_OPERATORS for w in i.get("enableWhen", []))
                    assert i.get("enableBehavior", "all") in ENABLE_BEHAVIOR
                parsed = get_fhir_model_class(kind).model_validate(res)
                zh = parsed.item[0].text__ext.extension[0].extension[1].valueString
                assert zh and not zh.isascii()          # the frozen Chinese wording travels with the item
            if kind == "AdverseEvent":
                assert set(_codes(res["severity"], "adverse-event-severity")) <= AE_SEVERITY
                assert len(_codes(res["severity"], "adverse-event-severity")) == 1
                assert len(_codes(res["outcome"], "adverse-event-outcome")) == 1
                assert set(_codes(res["outcome"], "adverse-event-outcome")) <= AE_OUTCOME
                assert set(_codes(res["seriousness"], "adverse-event-seriousness")) <= AE_SERIOUSNESS
                grade = res["extension"][0]["valueCodeableConcept"]["coding"][0]
                assert grade["system"].endswith("/ctcae-grade") and grade["code"] in {"1", "2", "3", "4", "5"}
                assert _codes(res["severity"], "adverse-event-severity") == [
                    {"1": "mild", "2": "moderate"}.get(grade["code"], "severe")]
                for s in res.get("suspectEntity", []):
                    for c in s["causality"]:
                        assert set(_codes(c["assessment"], "adverse-event-causality-assess")) <= CAUSALITY
                        assert set(_codes(c.get("method", {"coding": []}), "adverse-event-causality-method")) \
                            <= R4_CAUSALITY_METHOD
            if kind == "Observation":       # a quantity, a blood-pressure panel of quantities, or a coded result
                quantities = [c["valueQuantity"] for c in [res, *res.get("component", [])] if "valueQuantity" in c]
                assert quantities or res["valueCodeableConcept"]["coding"][0]["system"] == "http://snomed.info/sct"
                assert all(q["system"] == "http://unitsofmeasure.org" and q["code"] in
                           {"mm", "%", "{score}", "mm[Hg]", "/min", "Cel", "kg"}
                           | {t.unit for t in seeded.ctx.study.lab_tests.values()} for q in quantities)
                assert _codes(res["category"][0], "observation-category")[0] in {"survey", "laboratory",
                                                                                "vital-signs"}
            if kind == "Patient":
                assert "name" not in res and "telecom" not in res and "address" not in res   # pseudonymous
    assert {"Patient", "ResearchStudy", "ResearchSubject", "Questionnaire", "QuestionnaireResponse", "Observation",
            "AdverseEvent"} <= set(seen)
    assert seen["Patient"] == seen["ResearchSubject"] == _count(seeded, participants)
    for bundle in bundles[1:]:                       # references resolve within the export
        for entry in bundle["entry"]:
            for ref in re.findall(r'"reference": ?"([^"]+)"', json.dumps(entry["resource"])):
                assert ref in ids, ref
    labs = [e["resource"] for b in bundles for e in b["entry"] if e["resource"]["resourceType"] == "Observation"
            and e["resource"]["id"].startswith("lab-")]                  # lab results (not pregnancy tests)
    assert len(labs) == _current_labs(seeded)
    tests = seeded.ctx.study.lab_tests
    for obs in labs:
        local = obs["code"]["coding"][-1]["code"].upper()
        loinc = [c["code"] for c in obs["code"]["coding"] if c["system"] == "http://loinc.org"]
        assert loinc == ([tests[local].loinc] if tests[local].loinc else [])
        assert obs["valueQuantity"]["system"] == "http://unitsofmeasure.org"
    assert "export.fhir" in _audit_actions(seeded)


def test_a_date_cut_reaches_every_format(seeded: Seeded, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cut = (datetime.now(UTC).date() - timedelta(days=20)).isoformat()
    odm = seeded.export("odm", tmp_path / "odm", "--to", cut, monkeypatch=monkeypatch)
    stamps = [e.get("Value") for e in etree.parse(str(odm / "study.odm.xml")).iter(f"{ODM}ItemData")
              if e.get("ItemOID") == "IT.LAB.sample_date"]
    assert stamps and max(stamps) <= cut
    sdtm = seeded.export("sdtm", tmp_path / "sdtm", "--to", cut, monkeypatch=monkeypatch)
    qs = pd.read_csv(sdtm / "qs.csv", dtype=str, keep_default_na=False)
    assert len(qs) and max(qs["QSDTC"].str[:10]) <= cut


ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def fhir_r4_python() -> Path:
    """The Python of .venv-fhir (fhir.resources 6.1.x: pure FHIR 4.0.1 on pydantic 1), made on first use."""
    import subprocess

    subprocess.run(["bash", str(ROOT / "scripts" / "fhir-venv.sh")], check=True, capture_output=True)
    return ROOT / ".venv-fhir" / "bin" / "python"


def test_fhir_parses_with_pure_r4_4_0_1_models_questionnaires_complete_authors_pseudonymous(
        seeded: Seeded, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fhir_r4_python: Path) -> None:
    import subprocess

    out = seeded.export("fhir", tmp_path / "fhir", monkeypatch=monkeypatch)
    run = subprocess.run([str(fhir_r4_python), str(ROOT / "tests" / "fhir_r4" / "validate.py"),
                          str(out / "study-bundle.json"), str(out / "participants.ndjson")],
                         capture_output=True, text=True, timeout=240)
    result = json.loads(run.stdout)
    assert run.returncode == 0 and result["errors"] == [], result["errors"][:5]
    assert result["fhir_version"] == "4.0.1" and result["package"].startswith("6.1.")
    assert {"CodeSystem", "Practitioner", "AdverseEvent", "QuestionnaireResponse", "ResearchSubject",   # issue 20:
            "MedicationStatement", "Condition", "Observation"} <= set(result["resources"])  # new types parsed too

    study_bundle = json.loads((out / "study-bundle.json").read_text(encoding="utf-8"))
    study_resources = [e["resource"] for e in study_bundle["entry"]]
    questionnaires = {f"{r['url']}|{r['version']}": r for r in study_resources if r["resourceType"] == "Questionnaire"}
    systems = {r["url"]: {c["code"] for c in r["concept"]} for r in study_resources
               if r["resourceType"] == "CodeSystem"}
    text = (out / "participants.ndjson").read_text(encoding="utf-8")
    assert "staff:" not in text                                         # no staff login name anywhere
    arm_specific = home_entries = 0
    for line in text.splitlines():
        resources = [e["resource"] for e in json.loads(line)["entry"]]
        ids = {f"{r['resourceType']}/{r['id']}" for r in resources}
        for res in resources:
            for coding in re.findall(r'\{"system": ?"(https://trialpro[^"]+)", ?"code": ?"([^"]+)"', json.dumps(res)):
                assert coding[1] in systems[coding[0]], coding          # every local code is defined
            if res["resourceType"] != "QuestionnaireResponse":
                continue
            author = res["author"]["reference"]
            assert author in ids and author.split("/")[0] in {"Patient", "Practitioner"}
            q = questionnaires[res["questionnaire"]]
            # a dose calendar is a repeating group (one per date, its date child always answered); a home dosing
            # entry's per-drug answer (issue 24) one per drug, its drug child always answered
            answers = {i["linkId"]: i["answer"][0] if "answer" in i else i for i in res["item"]}
            for group in (i for i in res["item"] if "item" in i):
                first = group["item"][0]
                assert (first["linkId"].endswith(".date") and first["answer"][0]["valueDate"]) or (
                    first["linkId"].endswith(".drug") and first["answer"][0]["valueCoding"]["code"])
            tags = res["meta"]["tag"]
            assert [t["code"] for t in tags] in (["home"], ["clinic"]), tags   # issue 24: the record's source
            assert ("source" in res) == (tags[0]["code"] == "home")
            if tags[0]["code"] == "home":        # issue 24 review: the day a home entry is about, as its Questionnaire
                home_entries += 1                # asks it (a date item)
                day = answers["diary_date"]["valueDate"]
                assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", day), day
                assert {"linkId": "diary_date", "type": "date"}.items() <= next(
                    i for i in q["item"] if i["linkId"] == "diary_date").items()
            for item in q["item"]:
                conditions = item.get("enableWhen", [])
                enabled = not conditions or any(
                    answers.get(c["question"], {}).get("valueCoding", {}).get("code") == c["answerCoding"]["code"]
                    for c in conditions)
                if item["required"] and enabled:
                    assert item["linkId"] in answers, (res["id"], item["linkId"])   # complete for its arm
                if conditions:
                    arm_specific += 1
                    if not enabled:
                        assert item["linkId"] not in answers
    assert home_entries > 0                                  # the demo's phone entries are in the export
    # items asked in some arms only (tags); a drug_doses item (issue 24) is per drug of the arm by its answer
    if any(i.arm_specific and any(it.tags for it in i.items) for i in seeded.ctx.study.instrument_definitions()):
        assert arm_specific > 0                              # arm-specific items exist and carry enableWhen


FDA_TS = {"ADDON", "AGEMAX", "AGEMIN", "LENGTH", "PLANSUB", "RANDOM", "SEXPOP", "STOPRULE", "TBLIND", "TCNTRL",
          "TITLE", "TPHASE", "TTYPE", "TRT", "SDTIGVER", "STYPE", "ACTSUB", "HLTSUBJI", "REGID", "FCNTRY", "NARMS"}


def test_sdtm_has_trial_design_reference_dates_study_days_epochs_baseline_flags_and_unbroken_exposure(
        seeded: Seeded, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = seeded.export("sdtm", tmp_path / "sdtm", monkeypatch=monkeypatch)
    study = seeded.ctx.study

    def read(name: str) -> pd.DataFrame:
        return pd.read_csv(out / f"{name}.csv", dtype=str, keep_default_na=False)

    ts = read("ts")
    assert FDA_TS <= set(ts["TSPARMCD"])
    assert ((ts["TSVAL"] != "") | (ts["TSVALNF"] != "")).all()
    assert ts.set_index("TSPARMCD").loc["ACTSUB", "TSVAL"] == str(_count(seeded, participants))
    ta, te, tv, ti = read("ta"), read("te"), read("tv"), read("ti")
    assert len(ta) == 2 * len(study.arms) and set(ta["EPOCH"]) == {"SCREENING", "TREATMENT"}
    assert set(ta["ETCD"]) == set(te["ETCD"])
    assert "0" not in set(tv["VISITDY"]) and len(tv) == len(study.scheduled_visits)
    assert len(ti) == len(study.inclusion) + len(study.exclusion)
    everyone = read("dm").set_index("USUBJID")
    assert (everyone["RFICDTC"] != "").all()
    failed = everyone[everyone["ARMNRS"] == "SCREEN FAILURE"]       # issue 15: screen failures are in DM too
    no_arm = failed[["ARMCD", "ARM", "ACTARMCD", "ACTARM", "RFSTDTC", "RFXSTDTC"]]
    assert len(failed) == 3 and (no_arm == "").all().all()
    dm = everyone[everyone["ARMCD"] != ""]
    assert (dm["ARMNRS"] == "").all() and (dm["RFICDTC"] <= dm["RFSTDTC"]).all()
    assert (dm["RFXSTDTC"] == dm["RFSTDTC"]).all() and (dm["RACE"] == "NOT REPORTED").all()
    assert set(dm["DTHFL"]) <= {"", "Y"}
    for name, dtc, dy in (("qs", "QSDTC", "QSDY"), ("lb", "LBDTC", "LBDY"), ("ae", "AESTDTC", "AESTDY"),
                          ("ds", "DSSTDTC", "DSSTDY"), ("ex", "EXSTDTC", "EXSTDY")):
        frame = read(name)
        for _i, row in frame.iterrows():
            if not row[dtc]:
                continue
            if not everyone.loc[row["USUBJID"], "RFSTDTC"]:    # a screen failure: no reference start, no --DY
                assert row[dy] == "" and row["USUBJID"] in failed.index, (name, row["USUBJID"])
                continue
            start = datetime.fromisoformat(dm.loc[row["USUBJID"], "RFSTDTC"]).date()
            delta = (datetime.fromisoformat(row[dtc][:10]).date() - start).days
            assert int(row[dy]) == (delta + 1 if delta >= 0 else delta) and row[dy] != "0", (name, row[dy])
            assert row["EPOCH"] == ("SCREENING" if delta < 0 else "TREATMENT"), name
    qs = read("qs")
    flagged = qs[qs["QSLOBXFL"] == "Y"]
    assert (flagged["QSBLFL"] == "Y").all() and len(flagged) > 0
    assert not flagged.duplicated(["USUBJID", "QSTESTCD"]).any()           # one baseline per test
    for (usubjid, code), group in qs.groupby(["USUBJID", "QSTESTCD"]):
        before = group[group["QSDTC"].str[:10] <= dm.loc[usubjid, "RFXSTDTC"]]
        if len(before):
            assert group.loc[before["QSDTC"].idxmax(), "QSLOBXFL"] == "Y", (usubjid, code)
    essdai = {i.qs_category for i in study.instrument_definitions() if i.respondent == "clinician"}
    assert set(qs[qs["QSCAT"].isin(essdai)]["QSEVAL"]) == {"INVESTIGATOR"}
    assert set(qs[~qs["QSCAT"].isin(essdai)]["QSEVAL"]) == {"STUDY SUBJECT"}
    lb = read("lb")
    lb = lb[lb["LBTESTCD"] != "HCG"]        # pregnancy tests are not in the lab panel (test_export_clinical_record)
    by_code = study.lab_tests                               # LBCAT, LBSPEC, LBMETHOD come from the lab panel
    assert all(row["LBCAT"] == by_code[row["LBTESTCD"]].category and row["LBSPEC"] == by_code[row["LBTESTCD"]].specimen
               and row["LBMETHOD"] == by_code[row["LBTESTCD"]].method for _i, row in lb.iterrows())
    assert not lb.duplicated(["USUBJID", "LBTESTCD", "LBDTC"]).any()          # one current value per result
    ex = read("ex")
    for (_u, _t), group in ex.groupby(["USUBJID", "EXTRT"]):
        days = sorted((int(a), int(b)) for a, b in zip(group["EXSTDY"], group["EXENDY"], strict=True))
        assert all(a <= b for a, b in days) and all(days[i][1] < days[i + 1][0] for i in range(len(days) - 1))
    se = read("se")
    assert set(se["ETCD"]) <= set(te["ETCD"]) and len(read("sv")) > 0
    ie = read("ie")                            # only the screen failures' criteria not met
    assert set(ie["USUBJID"]) == set(failed.index) and set(ie["IEORRES"]) <= {"N", "Y"}
    assert_define_describes(out)               # define.xml describes every dataset, codes within codelists


def test_odm_is_a_transactional_archive_of_every_revision_with_corrections_and_nulls(
        seeded: Seeded, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with seeded.ctx.engine.begin() as conn:        # an AE corrected twice: an end date added, then removed
        row = conn.execute(select(records.c.body, records.c.device_id).where(records.c.kind == "adverse_event")
                           .order_by(records.c.record_id, records.c.revision.desc())).first()
        dev = conn.execute(select(devices).where(devices.c.device_id == row.device_id)).first()
        device = device_service.Device(device_id=dev.device_id, site_id=dev.site_id, label=dev.label)
        body = json.loads(row.body)
        for end, why in ((body["data"]["onset_date"], "end date reported late"), (None, "end date was wrong")):
            body = corrected(body, data={**body["data"], "end_date": end, "outcome": "recovered" if end else
                                         "recovering"}, reason=why, entered_by="staff:demo.nurse")
            answer = sync_service.ingest(conn, seeded.ctx.study, device, SyncRequest(
                study_version=seeded.ctx.study.study.version, corrections_cursor=0,
                items=[SyncItem(body, record_hash(body))]))
            assert answer["results"][0]["status"] == "stored", answer
        ae_id = body["record_id"]
        stored = conn.execute(select(records.c.record_id, records.c.revision, devices.c.kind)
                              .outerjoin(devices, devices.c.device_id == records.c.device_id)).all()
    out = seeded.export("odm", tmp_path / "odm", monkeypatch=monkeypatch)
    schema = etree.XMLSchema(etree.parse(str(ODM_XSD)))
    doc = etree.parse(str(out / "study.odm.xml"))
    assert schema.validate(doc), schema.error_log
    assert doc.getroot().get("FileType") == "Transactional"
    sources = [a.findtext(f"{ODM}SourceID") for a in doc.getroot().iter(f"{ODM}AuditRecord")]
    revisions = {s for s in sources if s.startswith("record ")}
    # every revision, once; a record from a participant's phone says so (issue 24: source from the device kind)
    assert revisions == {f"record {r.record_id} revision {r.revision}" + (" home" if r.kind == "participant_app"
                                                                          else "") for r in stored}
    assert any(s.endswith(" home") for s in revisions)          # the demo's home diary entries
    assert len(revisions) == len([s for s in sources if s.startswith("record ")])
    forms = [a.getparent() for a in doc.getroot().iter(f"{ODM}AuditRecord")
             if a.findtext(f"{ODM}SourceID", "").startswith(f"record {ae_id} ")]
    assert [f.get("TransactionType") for f in forms] == ["Insert", "Update", "Update"]
    assert [f.find(f"{ODM}AuditRecord").findtext(f"{ODM}ReasonForChange") for f in forms] == [
        None, "end date reported late", "end date was wrong"]
    end = [f.find(f".//{ODM}ItemData[@ItemOID='IT.AE.end_date']") for f in forms]
    assert end[1].get("Value") == body["data"]["onset_date"] and end[2].get("IsNull") == "Yes"
    users = {u.get("OID") for u in doc.getroot().iter(f"{ODM}User")}
    assert "USR.staff:demo.nurse" in users  # the kiosk nurse who corrected it
