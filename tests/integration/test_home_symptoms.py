"""Symptoms at home (issue 24 review, point 3): the phone's "symptoms when they occur" diary is the study file's
home symptom instrument (role home_symptoms), worded for the day of the entry, not the clinic's checklist ("since
your last visit"). Over real HTTP: the config gives it with its items, schema and its one rule (at least one
symptom); a report of one symptom and its severity is stored, one with none is refused naming the field and the
rule; an old app still sending the clinic checklist is refused as no home diary; the exports carry the entry
with its diary_date and source home."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import httpx
from jsonschema import Draft202012Validator
from lxml import etree
from pypdf import PdfReader
from sqlalchemy import select

from server.exports.registry import run_export
from server.services.casebook import export_casebooks
from server.storage.tables import participants
from shared.site_time import site_today
from tests.integration.test_home_app_api import _entry, _phone, _stored, _sync, clinic  # noqa: F401
from tests.live_server import ThreadServer

ODM = "{http://www.cdisc.org/ns/odm/v1.3}"


def _symptom_diary(server: ThreadServer, pid: str) -> tuple[Any, frozenset[str]]:
    study = server.ctx.study
    inst = study.instrument_with_role("home_symptoms")
    assert inst is not None and study.home.diary(inst.id) is not None
    with server.ctx.engine.connect() as conn:
        arm = conn.execute(select(participants.c.arm).where(participants.c.participant_id == pid)).scalar_one()
    return inst, study.arm(arm).drugs


def test_the_home_symptom_diary_flows_from_the_config_to_every_export(clinic: dict, server: ThreadServer,  # noqa: F811
                                                                      tmp_path: Path) -> None:
    phone = _phone(server, clinic["a"])
    inst, drugs = _symptom_diary(server, clinic["a"])
    config = httpx.get(f"{server.url}/api/v1/app/config", headers={"Authorization": f"Bearer {phone['token']}"},
                       timeout=30).json()
    (diary,) = [d for d in config["diaries"] if d["schedule"] == "when_occurs"]
    assert (diary["instrument_id"], diary["role"]) == (inst.id, "home_symptoms")
    assert diary["title"] == {"en": "Symptoms on this day", "zh": "当天的症状"}
    assert "visit" not in json.dumps(diary, ensure_ascii=False) and "访视" not in json.dumps(diary, ensure_ascii=False)
    asked = [it.id for it in inst.items_for(drugs)]
    assert [it["id"] for it in diary["items"]] == asked and all(not it.get("required", True) for it in diary["items"])
    flags = [i for i in asked if i.endswith("_present")]
    assert diary["at_least_one"]["items"] == flags and diary["at_least_one"]["message"]["zh"]
    one = {"diary_date": site_today(server.ctx.study).isoformat(), flags[0]: True,
           flags[0].replace("_present", "_severity"): "moderate"}
    schema = Draft202012Validator(diary["schema"], format_checker=Draft202012Validator.FORMAT_CHECKER)
    assert schema.is_valid(one) and not schema.is_valid({"diary_date": one["diary_date"]})

    stored = _entry(server, phone, instrument=inst.id, data=one)
    none = _entry(server, phone, instrument=inst.id, data={"diary_date": one["diary_date"], flags[0]: False})
    clinic_list = server.ctx.study.instrument_with_role("symptoms")
    assert clinic_list is not None
    old_app = _entry(server, phone, instrument=clinic_list.id, data=one)   # a phone holding the former config
    old_app["instrument_version"] = clinic_list.version
    results = _sync(server, phone["token"], [stored, none, old_app]).json()["results"]
    assert [r["status"] for r in results] == ["stored", "rejected", "rejected"]
    (problem,) = results[1]["problems"]
    assert (problem["field"], problem["code"], problem["value"]) == (
        f"data.{flags[0]}", "value.at_least_one", {f: (False if f == flags[0] else None) for f in flags})
    assert results[2]["code"] == "app.instrument_not_home"
    assert _stored(server, none["record_id"]) == _stored(server, old_app["record_id"]) == 0

    study = server.ctx.study
    for fmt in ("csv", "fhir", "odm"):
        run_export(server.ctx.engine, study, fmt, tmp_path / fmt, actor="staff:test")
    (row,) = [r for r in csv.DictReader(open(tmp_path / "csv" / f"{inst.id}.csv", encoding="utf-8-sig"))]
    assert (row["record_id"], row["source"], row["diary_date"], row[flags[0]]) == (
        stored["record_id"], "home", one["diary_date"], "true") and row["instrument_version"] == inst.version
    bundle = json.loads((tmp_path / "fhir" / "study-bundle.json").read_text(encoding="utf-8"))
    (q,) = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Questionnaire"
            and e["resource"]["url"].endswith(inst.id)]
    assert q["title"] == inst.title.en and any(i["linkId"] == "diary_date" for i in q["item"])
    responses = [e["resource"] for line in open(tmp_path / "fhir" / "participants.ndjson", encoding="utf-8")
                 for e in json.loads(line)["entry"] if e["resource"]["resourceType"] == "QuestionnaireResponse"]
    (qr,) = [r for r in responses if r["id"] == stored["record_id"]]
    answers = {i["linkId"]: i.get("answer", [{}])[0] for i in qr["item"]}
    assert answers["diary_date"] == {"valueDate": one["diary_date"]} and qr["meta"]["tag"][0]["code"] == "home"
    doc = etree.parse(str(tmp_path / "odm" / "study.odm.xml"))
    sources = {a.findtext(f"{ODM}SourceID") for a in doc.getroot().iter(f"{ODM}AuditRecord")}
    assert f"record {stored['record_id']} revision 1 home" in sources
    export_casebooks(server.ctx.engine, study, tmp_path / "casebook", participant_id=clinic["a"], actor="staff:test")
    pages = PdfReader(tmp_path / "casebook" / f"{clinic['a']}.pdf").pages
    book = " ".join(" ".join(page.extract_text() for page in pages).replace("\x00", "").split())
    assert f"{inst.id} · Revision 1 · {stored['record_id']} · at home, on the participant's phone" in book
    assert f"diary_date {one['diary_date']}" in book
