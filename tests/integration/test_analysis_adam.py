"""ADaM datasets from the seeded demo (server/analysis/): ADSL is the randomised participants with the arm code
of participants.csv, BDS baselines and changes hold, treatment emergence is pharmacovigilance's, one scope."""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from server.analysis.adam import AdamDatasets, build_adam
from server.analysis.adsl import baseline_covariates
from server.app import ServerContext, open_context
from server.config import ServerConfig
from server.exports.current import ALL, ExportScope, current_records, enrolled_participants
from server.exports.registry import run_export
from server.exports.sdtm import usubjid
from server.services.exposure import first_dose_dates
from server.storage.engine import reading
from shared.pharmacovigilance import TREATMENT_EMERGENT, treatment_emergence
from tests.demo_template import DemoTemplates
from tests.studies import STUDY_FILES


@pytest.fixture(scope="module", params=[*sorted(STUDY_FILES), pytest.param("postgresql", marks=pytest.mark.postgres)])
def demo(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
         demo_templates: DemoTemplates) -> Iterator[ServerContext]:
    """A copy of the seeded demo of each study on SQLite, and of NCT05605665 on PostgreSQL."""
    mp = pytest.MonkeyPatch()
    mp.delenv("DATABASE_URL", raising=False)
    cluster = request.getfixturevalue("pg_cluster") if request.param == "postgresql" else None
    ctx = demo_templates.context(tmp_path_factory.mktemp("adam"), admin_password="synthetic-demo-pass",
                                 cluster=cluster, study_file=STUDY_FILES.get(request.param))
    if ctx.config.database_url:
        mp.setenv("DATABASE_URL", ctx.config.database_url)
    yield ctx
    mp.undo()


def _adam(ctx: ServerContext, scope: ExportScope = ALL) -> AdamDatasets:
    with reading(ctx.engine) as conn:
        return build_adam(conn, ctx.study, scope=scope)


def test_adsl_is_the_randomised_participants_with_the_arm_code_of_participants_csv(
        demo: ServerContext, tmp_path: Path) -> None:
    adam = _adam(demo)
    run_export(demo.engine, demo.study, "csv", tmp_path / "csv", actor="staff:test.admin")
    with open(tmp_path / "csv" / "participants.csv", encoding="utf-8", newline="") as fh:
        people = {r["participant_id"]: r for r in csv.DictReader(fh)}
    assert len(adam.adsl) == len(people) >= 6
    by_subject = {(r["SITEID"], r["SUBJID"]): r for r in adam.adsl}
    for pid, person in people.items():
        row = by_subject[(person["site_id"], pid.rsplit("-", 1)[-1])]
        assert row["ARMCD"] == person["arm"] and row["ARM"] == demo.study.arm(person["arm"]).name
        assert row["RANDFL"] == "Y" and row["SEX"] == person["sex"]
    assert [r["USUBJID"] for r in adam.adsl] == sorted(r["USUBJID"] for r in adam.adsl)
    assert {r["EOSSTT"] for r in adam.adsl} <= {"COMPLETED", "DISCONTINUED", "ONGOING"}
    for r in adam.adsl:
        assert (r["EOSSTT"] == "DISCONTINUED") == bool(r["DCSREAS"])
        assert (r["COMPLFL"] == "Y") == (r["EOSSTT"] == "COMPLETED")


def test_saffl_and_trtsdt_are_the_first_dose_and_trtemfl_is_pharmacovigilance_s_emergence(
        demo: ServerContext) -> None:
    adam = _adam(demo)
    with reading(demo.engine) as conn:
        first = first_dose_dates(conn, demo.study)
        events = {r["record_id"]: r for r in current_records(conn, kind="adverse_event")}
        pid_of = {usubjid(demo.study, p["participant_id"], p["site_id"]): p["participant_id"]
                  for p in enrolled_participants(conn)}
    by_usubjid = {r["USUBJID"]: r for r in adam.adsl}
    assert set(pid_of) == set(by_usubjid)
    for r in adam.adsl:
        assert r["TRTSDT"] == first.get(pid_of[r["USUBJID"]])
        assert (r["SAFFL"] == "Y") == (r["TRTSDT"] is not None)
        assert r["TRT01A"] == (r["TRT01P"] if r["SAFFL"] == "Y" else "")
    assert adam.adae and len(adam.adae) == len(events)
    for ae in adam.adae:
        rec = events[ae["AESPID"]]
        expected = treatment_emergence(rec["data"], first.get(rec["participant_id"]))
        assert ae["TRTEMFL"] == ("Y" if expected == TREATMENT_EMERGENT else "")
        assert ae["TRTA"] == by_usubjid[ae["USUBJID"]]["TRT01A"]
        assert ae["ARELFL"] == ("Y" if any(ae[k] == "Y" for k in ae if k.startswith("AREL") and k.endswith("FL")
                                            and k != "ARELFL") else "")
    per_subject = Counter(ae["USUBJID"] for ae in adam.adae)
    for subject, n in per_subject.items():
        assert sorted(ae["AESEQ"] for ae in adam.adae if ae["USUBJID"] == subject) == list(range(1, n + 1))


def test_bds_change_is_aval_minus_base_with_one_baseline_and_one_analysis_record_per_visit(
        demo: ServerContext) -> None:
    adam = _adam(demo)
    assert adam.adqs and adam.adlb
    primary = demo.study.primary_lab_test()
    assert primary is not None and any(r["PARAMCD"] == primary.code for r in adam.adlb)
    for rows in (adam.adqs, adam.adlb):
        baselines = Counter((r["USUBJID"], r["PARAMCD"]) for r in rows if r["ABLFL"] == "Y")
        with_base = {(r["USUBJID"], r["PARAMCD"]) for r in rows if r["BASE"] is not None}
        assert set(baselines) == with_base and set(baselines.values()) == {1}
        for r in rows:
            if r["CHG"] is not None:
                assert r["CHG"] == r["AVAL"] - r["BASE"]
                assert r["PCHG"] is None if r["BASE"] == 0 else r["PCHG"] == 100 * r["CHG"] / r["BASE"]
            if r["ABLFL"] == "Y":
                assert r["AVAL"] == r["BASE"] and r["CHG"] is None
                assert r["ADY"] is None or r["ADY"] <= 1                 # on or before the first dose
            if r["AVISITN"] is None:
                assert r["ANL01FL"] == ""
        analysed = Counter((r["USUBJID"], r["PARAMCD"], r["AVISIT"]) for r in rows if r["ANL01FL"] == "Y")
        assert set(analysed.values()) == {1}
        visits = {v.label: v.day for v in demo.study.visits if v.is_timepoint}
        assert all(visits[r["AVISIT"]] == r["AVISITN"] for r in rows if r["AVISITN"] is not None)
    adsl = {r["USUBJID"]: r for r in adam.adsl}
    for cov in baseline_covariates(demo.study):
        rows = adam.adqs if cov.dataset == "ADQS" else adam.adlb
        base = {r["USUBJID"]: r["BASE"] for r in rows if r["PARAMCD"] == cov.paramcd}
        assert len(cov.name) <= 8 and all(adsl[u][cov.name] == base.get(u) for u in adsl)
        assert any(adsl[u][cov.name] is not None for u in adsl)
    fas = {u for u, r in adsl.items() if r["FASFL"] == "Y"}
    assert fas == {r["USUBJID"] for r in adam.adlb if r["PARAMCD"] == primary.code and r["CHG"] is not None}
    assert all(r["FASFL"] == adsl[r["USUBJID"]]["FASFL"] for r in adam.adqs)


def test_the_same_data_give_equal_datasets_and_a_data_cut_holds_only_what_it_covers(demo: ServerContext) -> None:
    whole = _adam(demo)
    assert _adam(demo) == whole
    randomised = sorted(r["RANDDT"] for r in whole.adsl)
    cut = randomised[len(randomised) // 2]
    part = _adam(demo, ExportScope(date_to=cut))
    assert {r["USUBJID"] for r in part.adsl} == {r["USUBJID"] for r in whole.adsl if r["RANDDT"] <= cut}
    assert all(r["ADT"] <= cut for r in part.adlb)
    assert all(r["ADT"] <= cut + timedelta(days=1) for r in part.adqs)     # collected by the cut (UTC day)
    assert len(part.adqs) < len(whole.adqs)
    site = demo.study.sites[0].id
    assert {r["SITEID"] for r in _adam(demo, ExportScope(site_id=site)).adsl} == {site}
    assert all(isinstance(r["RANDDT"], date) for r in whole.adsl)


VENDOR = Path(__file__).resolve().parents[2] / "vendor" / "cdisc"
ODM, DEF = "{http://www.cdisc.org/ns/odm/v1.3}", "{http://www.cdisc.org/ns/def/v2.1}"
CLASSES = {"ADSL": "SUBJECT LEVEL ANALYSIS DATASET", "ADQS": "BASIC DATA STRUCTURE",
           "ADLB": "BASIC DATA STRUCTURE", "ADAE": "OCCURRENCE DATA STRUCTURE"}


def test_export_adam_writes_xpt_dataset_json_and_a_valid_define_that_describe_the_same_values(
        demo: ServerContext, tmp_path: Path) -> None:
    import json

    import pyreadstat
    from jsonschema import Draft201909Validator
    from lxml import etree

    from server.analysis.variables import dataset_variables
    from server.cli import main

    out = tmp_path / "adam"
    assert main(["export", "adam", "--data-dir", str(demo.config.data_dir), "--out", str(out)]) == 0
    adam = _adam(demo)
    schema = etree.XMLSchema(etree.parse(str(VENDOR / "schemas" / "define" / "2.1" / "define2-1-0.xsd")))
    doc = etree.parse(str(out / "define.xml"))
    assert schema.validate(doc), schema.error_log
    mdv = doc.getroot().find(f"{ODM}Study/{ODM}MetaDataVersion")
    items = {e.get("OID"): e for e in mdv.iter(f"{ODM}ItemDef")}
    methods = {e.get("OID") for e in mdv.iter(f"{ODM}MethodDef")}
    codelists = {e.get("OID"): e for e in mdv.iter(f"{ODM}CodeList")}
    groups = {g.get("Name"): g for g in mdv.iter(f"{ODM}ItemGroupDef")}
    assert set(groups) == set(CLASSES) == {p.stem.upper() for p in out.glob("*.xpt")}
    assert {s.get("Name"): s.get("Version") for s in mdv.iter(f"{DEF}Standard")}["ADaMIG"] == "1.3"
    validator = Draft201909Validator(json.loads((VENDOR / "dataset-json-1.1" / "dataset.schema.json").read_text()))
    variables = dataset_variables(demo.study)
    for name, group in groups.items():
        assert group.find(f"{DEF}Class").get("Name") == CLASSES[name] and group.get("Purpose") == "Analysis"
        assert group.get(f"{DEF}Structure")
        rows = getattr(adam, name.lower())
        assert all(set(r) == {v.name for v in variables[name][1]} for r in rows), name   # builders' = metadata
        xpt, meta = pyreadstat.read_xport(str(out / f"{name.lower()}.xpt"))
        refs = group.findall(f"{ODM}ItemRef")
        assert [items[r.get("ItemOID")].get("Name") for r in refs] == list(xpt.columns)
        assert len(xpt) == len(rows)
        for ref in refs:
            item = items[ref.get("ItemOID")]
            origin = item.find(f"{DEF}Origin")
            assert origin is not None
            if origin.get("Type") == "Derived":
                assert ref.get("MethodOID") in methods, ref.get("ItemOID")
            if origin.get("Type") == "Predecessor":                         # names the SDTM variable
                assert origin.find(f"{ODM}Description/{ODM}TranslatedText").text, ref.get("ItemOID")
            column = xpt[item.get("Name")]
            if ref.get("Mandatory") == "Yes":
                assert not column.isna().any() and not (column.astype(str) == "").any(), item.get("OID")
            cl_ref = item.find(f"{ODM}CodeListRef")
            codelist = None if cl_ref is None else codelists[cl_ref.get("CodeListOID")]
            if codelist is not None and codelist.find(f"{ODM}ExternalCodeList") is None:   # values in the codelist
                allowed = {c.get("CodedValue") for c in codelist.iter(f"{ODM}CodeListItem")}
                assert set(column) - {""} <= allowed, (item.get("OID"), set(column) - allowed)
        dataset_json = json.loads((out / f"{name.lower()}.json").read_text(encoding="utf-8"))
        assert not list(validator.iter_errors(dataset_json)), name
        assert [c["itemOID"] for c in dataset_json["columns"]] == [r.get("ItemOID") for r in refs]
        assert dataset_json["records"] == len(rows)
        names = [c["name"] for c in dataset_json["columns"]]
        for row, (_i, back), values in zip(rows, xpt.iterrows(), dataset_json["rows"], strict=True):
            for v in variables[name][1]:
                value, read, written = row[v.name], back[v.name], values[names.index(v.name)]
                if v.kind == "D":
                    assert meta.original_variable_types[v.name] == "DATE9"
                    assert (read if value is not None else None) == value and written == (
                        value.isoformat() if value else None), (name, v.name)
                elif v.kind == "C":
                    assert read == written and (value == read or not str(value).isascii()), (name, v.name)
                elif value is None:
                    assert read != read and written is None, (name, v.name)     # NaN: missing
                else:
                    assert float(read) == float(value) == float(written), (name, v.name)


def test_adae_relatedness_is_per_drug_of_the_arm_and_a_causality_for_a_drug_outside_it_is_flagged(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An AE body of the first release (flat causality_<drug> fields, stored before the arm was checked) can carry
    a causality for a drug the arm never receives: ADAE keeps it in AREL<n> but never counts it as related."""
    from server.analysis.adae import adae_rows, drug_variables
    from server.exports.current import ParticipantData
    from server.services.ae_review import AeReviewer

    monkeypatch.delenv("DATABASE_URL", raising=False)
    ctx = open_context(ServerConfig(data_dir=tmp_path / "server", testing=True))
    study = ctx.study
    arm = next(a for a in study.arms if len(a.drugs) < len(study.drug_ids))
    inside, outside = next(iter(arm.drugs)), next(d for d in study.drug_ids if d not in arm.drugs)
    number = {drug: n for n, drug, _name in drug_variables(study)}
    site = study.sites[0].id
    body = {"record_id": "ae-1", "participant_id": f"{site}-001", "kind": "adverse_event", "site_id": site,
            "collected_at": "2026-03-10T02:00:00.000Z",
            "data": {"term": "Headache", "onset_date": "2026-03-09", "grade": 3, "serious": True,
                     "serious_criteria": ["hospitalisation"], "outcome": "recovering",
                     f"causality_{inside}": "unlikely", f"causality_{outside}": "probable"}}
    pd = ParticipantData({"participant_id": f"{site}-001", "site_id": site, "arm": arm.code}, [body], [])
    with reading(ctx.engine) as conn:
        before, after = (adae_rows(study, pd, {"USUBJID": "X"}, AeReviewer(conn, study), first_dose=first)[0]
                         for first in (date(2026, 3, 1), date(2026, 3, 10)))
    assert before["AREL" + str(number[outside])] == "PROBABLY RELATED" and before["ARELINC"] == "Y"
    assert before["AREL" + str(number[outside]) + "FL"] == "" and before["AEXP" + str(number[outside])] == ""
    assert before["AREL" + str(number[inside])] == "UNLIKELY RELATED" and before["ARELFL"] == ""
    assert before["AEXP" + str(number[inside])] == "N" and before["AESUSAR"] == "N"     # not related: no SUSAR
    assert (before["TRTEMFL"], before["ASTDY"], after["TRTEMFL"], after["ASTDY"]) == ("Y", 9, "", -1)
    assert (before["AESER"], before["AESDTH"], before["ATOXGRN"], before["AESEQ"]) == ("Y", "N", 3, 1)
