"""FHIR R4 resources as JSON Bundles: one study Bundle and one Bundle per participant (NDJSON).

FHIR R4 4.0.1: the tests parse every resource with ``fhir.resources.R4B`` and with the pure 4.0.1 models of
fhir.resources 6.1 (in their own venv, tests/fhir_r4/). ``study-bundle.json``: ResearchStudy (with arms), a
Questionnaire per participant-reported instrument (English texts with the frozen Chinese wording in the standard
``translation`` extension; arm-specific items enabled by the arm) and the local CodeSystems (``fhir_terms``).
``participants.ndjson``: per participant, Patient (pseudonymous: id, sex, birth year; no name),
ResearchSubject (assigned arm), QuestionnaireResponse per PRO answer set, Observation per score
(the first score of each SDTM-questionnaire instrument) and per Treg % result, AdverseEvent with
seriousness, severity (from the CTCAE grade), outcome and WHO-UMC causality per drug of the arm;
MedicationStatement, Condition and vital-signs / pregnancy-test Observations (``fhir_clinical_record``); staff
appear only as pseudonymous Practitioners.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Connection

from server.exports import fhir_home
from server.exports.current import ALL, ExportScope, ParticipantData, participants_with_data
from server.exports.dosing import first_dose_of
from server.exports.fhir_clinical_record import clinical_resources
from server.exports.fhir_labs import lab_observation
from server.exports.fhir_terms import (
    BASE,
    CS,
    CTCAE_GRADE_DISPLAY,
    choice_system,
    code_systems,
    score_observation,
    source_tag,
)
from server.services.ae_causality import Confirmations, confirmation
from server.services.ae_review import AeReview, AeReviewer
from shared.adverse_events import CAUSALITY, OUTCOMES, per_drug
from shared.disposition import FHIR_ON_STUDY, disposition_of
from shared.home_entries import HOME
from shared.instruments import get_instrument
from shared.instruments.model import Instrument, Item, ResponseType
from shared.pharmacovigilance import TREATMENT_EMERGENT, submission_term
from shared.site_time import site_local_iso_date
from shared.study.model import Study

UCUM = "http://unitsofmeasure.org"
TRANSLATION = "http://hl7.org/fhir/StructureDefinition/translation"
TERMINOLOGY = "http://terminology.hl7.org/CodeSystem"
SEVERITY = {1: "mild", 2: "moderate", 3: "severe", 4: "severe", 5: "severe"}
OUTCOME = {"recovered": "resolved", "recovering": "recovering", "not_recovered": "ongoing",
           "recovered_with_sequelae": "resolvedWithSequelae", "fatal": "fatal", "unknown": "unknown"}
CAUSALITY_ASSESS = {"certain": "Certain", "probable": "Probably-Likely", "possible": "Possible",
                    "unlikely": "Unlikely", "conditional": "Conditional-Classified",
                    "unassessable": "Unassessable-Unclassifiable"}
ITEM_TYPE = {ResponseType.VAS_MM: "integer", ResponseType.INTEGER: "integer", ResponseType.NUMBER: "decimal",
             ResponseType.BOOLEAN: "boolean", ResponseType.CHOICE: "choice", ResponseType.TEXT: "string"}


def pro_instruments(study: Study) -> list[Instrument]:
    """The participant-reported instruments (each gets a Questionnaire)."""
    return [i for i in study.instrument_definitions() if i.respondent == "participant"]


def _entry(resource: dict[str, Any]) -> dict[str, Any]:
    return {"fullUrl": f"{BASE}/{resource['resourceType']}/{resource['id']}", "resource": resource}


def _bundle(bundle_id: str, resources: list[dict[str, Any]], timestamp: str | None = None) -> dict[str, Any]:
    b: dict[str, Any] = {"resourceType": "Bundle", "id": bundle_id, "type": "collection",
                         "entry": [_entry(r) for r in resources]}
    if timestamp:
        b["timestamp"] = timestamp
    return b


def research_subject(study: Study, pd: ParticipantData, patient_ref: dict[str, Any]) -> dict[str, Any]:
    """ResearchSubject: status (R4 4.0.1 required binding research-subject-status) on-study until a
    disposition, then withdrawn (withdrawal by subject) or off-study (completed or any other reason), with
    the period from randomisation to the disposition date."""
    p = pd.participant
    ended = disposition_of(pd.records)
    period = {"start": site_local_iso_date(p["enrolled_at"], study, p["site_id"])}   # the site's day, as DS
    if ended is not None:
        period["end"] = ended.day.isoformat()
    return {"resourceType": "ResearchSubject", "id": _fhir_id(f"rs-{p['participant_id']}"),
            "status": ended.fhir_status if ended else FHIR_ON_STUDY, "period": period,
            "study": _ref("ResearchStudy", study.study.id), "individual": patient_ref,
            "assignedArm": p["arm"], "actualArm": p["arm"]}


_NOT_IN_ID = re.compile(r"[^0-9A-Za-z.\-]")


def _fhir_id(text: str) -> str:
    """``text`` as a FHIR id: other characters than letters, digits, '-' and '.' become '-', at most 64."""
    if text.isascii():        # the usual case: one C-level substitution (ASCII letters and digits are isalnum)
        return _NOT_IN_ID.sub("-", text)[:64]
    return "".join(c if c.isalnum() or c in "-." else "-" for c in text)[:64]


def questionnaire_id(inst: Instrument) -> str:
    return _fhir_id(f"{inst.id}-{inst.version}")


def _drug_coding(study: Study, drug_id: str) -> dict[str, Any]:
    try:
        display = study.drug(drug_id).name
    except KeyError:
        display = drug_id
    return {"system": f"{CS}/drug", "code": drug_id, "display": display}


def _calendar_q_item(item: Item, study: Study) -> dict[str, Any]:
    """A dose calendar as a repeating group: one date and the study drugs taken that day."""
    return {"linkId": item.id, "text": item.label.en, "_text": _zh(item.label.zh), "type": "group",
            "repeats": True, "required": item.required,
            "item": [{"linkId": f"{item.id}.date", "text": "Date", "_text": _zh("日期"), "type": "date",
                      "required": True},
                     {"linkId": f"{item.id}.taken", "text": "Study drugs taken", "_text": _zh("当天使用的研究药物"),
                      "type": "choice", "repeats": True,
                      "answerOption": [{"valueCoding": _drug_coding(study, d)} for d in study.drug_ids]}]}


def _calendar_qr_items(item: Item, value: Any, study: Study, lang: str) -> list[dict[str, Any]]:
    """A dose-calendar answer as one group per date (the drugs item left out on a day with none taken)."""
    out = []
    for day in sorted(value) if isinstance(value, dict) else ():
        children: list[dict[str, Any]] = [{"linkId": f"{item.id}.date", "answer": [{"valueDate": day}]}]
        if value[day]:
            children.append({"linkId": f"{item.id}.taken",
                             "answer": [{"valueCoding": _drug_coding(study, d)} for d in value[day]]})
        out.append({"linkId": item.id, "text": item.label.in_language(lang), "item": children})
    return out


def _q_item(item: Item, inst: Instrument, study: Study | None = None) -> dict[str, Any]:
    if item.response is ResponseType.DOSE_CALENDAR and study is not None:
        return _calendar_q_item(item, study)
    if item.response is ResponseType.DRUG_DOSES and study is not None:   # issue 24: the home dosing diary
        return fhir_home.q_item(item, study, _drug_coding, _zh, choice_system(inst))
    q: dict[str, Any] = {"linkId": item.id, "text": item.label.en, "_text": _zh(item.label.zh),
                         "type": ITEM_TYPE[item.response], "required": item.required}
    if item.choices:
        q["answerOption"] = [{"valueInteger": c.code} if isinstance(c.code, int) else
                             {"valueCoding": {"system": choice_system(inst), "code": c.code, "display": c.label.en}}
                             for c in item.choices]
    if item.response is ResponseType.TEXT:
        q["maxLength"] = item.max_length
    return q


def _zh(text: str) -> dict[str, Any]:
    """The Chinese wording as the standard translation extension on an English text element."""
    return {"extension": [{"url": TRANSLATION, "extension": [{"url": "lang", "valueCode": "zh-CN"},
                                                             {"url": "content", "valueString": text}]}]}


ARM_ITEM = "arm"      # linkId of the read-only item that carries the participant's arm in arm-specific forms


def _arm_coding(study: Study, code: str) -> dict[str, Any]:
    return {"system": f"{CS}/arm", "code": code, "display": study.arm(code).name}


def questionnaire(inst: Instrument, study: Study) -> dict[str, Any]:
    """An instrument as a Questionnaire; items asked only in some arms are enabled by the read-only arm item."""
    items = []
    if inst.arm_specific:
        items.append({"linkId": ARM_ITEM, "text": "Study arm", "_text": _zh("研究分组"), "type": "choice",
                      "required": True, "readOnly": True,
                      "answerOption": [{"valueCoding": _arm_coding(study, a.code)} for a in study.arms]})
    for it in inst.items:
        q = _q_item(it, inst, study)
        arms = [a.code for a in study.arms if set(it.tags) & a.drugs] if inst.arm_specific and it.tags else []
        if arms:
            q["enableWhen"] = [{"question": ARM_ITEM, "operator": "=", "answerCoding": _arm_coding(study, a)}
                               for a in arms]
            if len(arms) > 1:
                q["enableBehavior"] = "any"
        items.append(q)
    items += fhir_home.diary_date_q_item(inst, study, _zh)      # issue 24: the day a home entry is about
    return {"resourceType": "Questionnaire", "id": questionnaire_id(inst), "url": f"{BASE}/Questionnaire/{inst.id}",
            "version": inst.version, "name": inst.id.upper().replace("_", ""), "title": inst.title.en,
            "_title": _zh(inst.title.zh), "status": "active", "subjectType": ["Patient"], "item": items}


def research_study(study: Study) -> dict[str, Any]:
    return {"resourceType": "ResearchStudy", "id": study.study.id,
            "identifier": [{"system": "https://clinicaltrials.gov", "value": study.study.id}],
            "title": study.study.title, "status": "active",
            "phase": {"coding": [{"system": f"{TERMINOLOGY}/research-study-phase", "code": "phase-1",
                                  "display": "Phase 1"}]},
            "description": study.study.design,
            "arm": [{"name": a.code, "description": a.name} for a in study.arms]}


def _ref(kind: str, rid: str, display: str | None = None) -> dict[str, Any]:
    r = {"reference": f"{kind}/{rid}"}
    if display:
        r["display"] = display
    return r


def _answer(item: Item, value: Any, inst: Instrument) -> dict[str, Any]:
    if item.response is ResponseType.CHOICE:
        if isinstance(value, int):
            return {"valueInteger": value}
        label = next((c.label.en for c in item.choices if c.code == value), str(value))
        return {"valueCoding": {"system": choice_system(inst), "code": str(value), "display": label}}
    if item.response is ResponseType.BOOLEAN:
        return {"valueBoolean": bool(value)}
    if item.response is ResponseType.NUMBER:
        return {"valueDecimal": value}
    if item.response in (ResponseType.INTEGER, ResponseType.VAS_MM):
        return {"valueInteger": int(value)}
    return {"valueString": str(value)}


BCP47 = {"en": "en", "zh": "zh-CN"}  # the kiosk's languages as FHIR (BCP-47) language codes


def practitioner_id(study: Study, entered_by: str) -> str:
    """A pseudonymous, stable Practitioner id for a staff author: never the login name itself."""
    digest = hashlib.sha256(f"{study.study.id}:{entered_by}".encode()).hexdigest()
    return f"staff-{digest[:16]}"


def _author(study: Study, rec: dict[str, Any], patient: dict[str, Any]) -> dict[str, Any]:
    entered_by = rec.get("entered_by") or ""
    if entered_by.startswith("staff:"):
        return _ref("Practitioner", practitioner_id(study, entered_by))
    return patient


def questionnaire_response(rec: dict[str, Any], inst: Instrument, patient: dict[str, Any], study: Study,
                           arm: str | None) -> dict[str, Any]:
    """One answer set; in the language the participant read (item texts too) when the kiosk recorded it.

    Arm-specific forms carry the participant's arm (the item that enables the arm's questions); the author is
    the Patient, or a pseudonymous Practitioner for staff entries; ``source`` is the Patient for a home entry
    (made on the participant's phone), and ``meta.tag`` (local CodeSystem ``record-source``) says home or
    clinic for every response, from the device kind the server stored.
    """
    data = rec["data"]
    lang = rec.get("language")
    resource: dict[str, Any] = {"resourceType": "QuestionnaireResponse", "id": rec["record_id"],
                                "meta": {"tag": [source_tag(rec.get("source"))]}}
    if lang in BCP47:
        resource["language"] = BCP47[lang]
    resource.update({
        "questionnaire": f"{BASE}/Questionnaire/{inst.id}|{inst.version}",
        "status": "amended" if rec["revision"] > 1 else "completed", "subject": patient,
        "authored": rec["collected_at"], "author": _author(study, rec, patient),
        **({"source": patient} if rec.get("source") == HOME else {}),
        "item": ([{"linkId": ARM_ITEM, "text": "Study arm", "answer": [{"valueCoding": _arm_coding(study, arm)}]}]
                 if inst.arm_specific and arm else [])
        + [entry for it in inst.items if data.get(it.id) is not None
           for entry in (_calendar_qr_items(it, data[it.id], study, lang if lang in BCP47 else "en")
                         if it.response is ResponseType.DOSE_CALENDAR else
                         fhir_home.qr_items(it, data[it.id], study, lang if lang in BCP47 else "en", _drug_coding,
                                            inst, choice_system(inst))
                         if it.response is ResponseType.DRUG_DOSES else
                         [{"linkId": it.id, "text": it.label.in_language(lang if lang in BCP47 else "en"),
                           "answer": [_answer(it, data[it.id], inst)]}])]
        + fhir_home.diary_date_qr_items(rec, BCP47.get(lang, "en"))})
    return resource


def _observation(oid: str, patient: dict[str, Any], code: str, display: str, when: str, value: float, unit: str,
                 ucum: str, category: str, derived: str | None = None) -> dict[str, Any]:
    obs = {"resourceType": "Observation", "id": _fhir_id(oid), "status": "final",
           "category": [{"coding": [{"system": f"{TERMINOLOGY}/observation-category", "code": category}]}],
           "code": {"coding": [{"system": f"{CS}/trialpro-scores", "code": code, "display": display}], "text": display},
           "subject": patient, "effectiveDateTime": when,
           "valueQuantity": {"value": value, "unit": unit, "system": UCUM, "code": ucum}}
    if derived:
        obs["derivedFrom"] = [_ref("QuestionnaireResponse", derived)]
    return obs


WHO_UMC = "WHO-UMC system for standardised case causality assessment"


MEDDRA = "http://terminology.hl7.org/CodeSystem/mdr"


def _pv_extensions(d: dict[str, Any], review: AeReview | None) -> list[dict[str, Any]]:
    """Issue 17 facts as extensions: treatment emergence, the SUSAR flag, the site's awareness moment."""
    out: list[dict[str, Any]] = []
    if review is not None and review.emergence is not None:
        out.append({"url": f"{BASE}/StructureDefinition/treatment-emergent",
                    "valueBoolean": review.emergence == TREATMENT_EMERGENT})
    if review is not None:
        out.append({"url": f"{BASE}/StructureDefinition/susar", "valueBoolean": review.susar})
    if isinstance(d.get("awareness_at"), str):
        out.append({"url": f"{BASE}/StructureDefinition/site-awareness", "valueDateTime": d["awareness_at"]})
    return out


def _event(d: dict[str, Any], review: AeReview | None) -> dict[str, Any]:
    """The event: its MedDRA codes (PT, then LLT) when coded, and the submission term as text."""
    event: dict[str, Any] = {"text": submission_term(d)}
    c = review.coding if review is not None else None
    if c is not None:
        event["coding"] = [{"system": MEDDRA, "code": str(c["pt_code"]), "display": c["pt_name"]},
                           {"system": MEDDRA, "code": str(c["llt_code"]), "display": c["llt_name"]}]
    return event


def adverse_event(rec: dict[str, Any], patient: dict[str, Any], study: Study, arm: str | None,
                  review: AeReview | None = None, confirmed_by: str | None = None) -> dict[str, Any]:
    """R4 AdverseEvent: seriousness Serious/Non-serious, severity from the CTCAE grade (the grade itself in a
    coded extension), per drug of the participant's arm a suspectEntity with its WHO-UMC causality (its author
    the pseudonymous Practitioner ``confirmed_by`` when an investigator confirmed this revision's causality);
    the MedDRA coding, treatment emergence, SUSAR flag and site awareness from ``review``."""
    d = rec["data"]
    suspects = []
    treatments = study.arm(arm).treatments if arm else []
    for t in treatments:
        code = per_drug(d, "causality", t.drug)
        if code in CAUSALITY_ASSESS:
            suspects.append({"instance": {"display": t.name}, "causality": [{
                "assessment": {"coding": [{"system": f"{TERMINOLOGY}/adverse-event-causality-assess",
                                           "code": CAUSALITY_ASSESS[code], "display": CAUSALITY[code].en}]},
                # R4's method codes (ProbabilityScale, Bayesian, Checklist) do not name WHO-UMC: text only
                "method": {"text": WHO_UMC},
                **({"author": _ref("Practitioner", practitioner_id(study, confirmed_by))} if confirmed_by else {})}]})
    serious = bool(d.get("serious"))
    grade = d["grade"]
    ae: dict[str, Any] = {
        "resourceType": "AdverseEvent", "id": rec["record_id"], "actuality": "actual", "subject": patient,
        "extension": [{"url": f"{BASE}/StructureDefinition/ctcae-grade", "valueCodeableConcept": {"coding": [
            {"system": f"{CS}/ctcae-grade", "code": str(grade), "display": CTCAE_GRADE_DISPLAY[grade]}]}},
            *_pv_extensions(d, review)],
        "event": _event(d, review), "date": d["onset_date"], "recordedDate": rec["collected_at"],
        "seriousness": {"coding": [{"system": f"{TERMINOLOGY}/adverse-event-seriousness",
                                    "code": "Serious" if serious else "Non-serious",
                                    "display": "Serious" if serious else "Non-serious"}]},
        "severity": {"coding": [{"system": f"{TERMINOLOGY}/adverse-event-severity",
                                 "code": SEVERITY[grade], "display": SEVERITY[grade].capitalize()}]},
        "outcome": {"coding": [{"system": f"{TERMINOLOGY}/adverse-event-outcome", "code": OUTCOME[d["outcome"]],
                                "display": OUTCOMES[d["outcome"]].en}]},
        "study": [_ref("ResearchStudy", study.study.id)]}
    if (rec.get("entered_by") or "").startswith("staff:"):
        ae["recorder"] = _ref("Practitioner", practitioner_id(study, rec["entered_by"]))
    if suspects:
        ae["suspectEntity"] = suspects
    return ae


def participant_bundle(study: Study, pd: ParticipantData, reviewer: AeReviewer | None = None,
                       confirmations: Confirmations | None = None) -> dict[str, Any]:
    """Every resource of one participant, as a collection Bundle (the Patient deceased on the death date of a
    fatal AE; ``confirmations``: the export's read of the AE causality confirmations, else each is looked up)."""
    p = pd.participant
    pid = p["participant_id"]
    patient_ref = _ref("Patient", pid)
    patient: dict[str, Any] = {
        "resourceType": "Patient", "id": pid, "identifier": [{"system": f"{BASE}/participant-id", "value": pid}],
        "gender": {"F": "female", "M": "male"}.get(p["sex"], "unknown"), "birthDate": str(p["year_of_birth"])}
    died = sorted(r["data"]["death_date"] for r in pd.records
                  if r["kind"] == "adverse_event" and isinstance(r["data"].get("death_date"), str))
    if died:
        patient["deceasedDateTime"] = died[0]
    out: list[dict[str, Any]] = [
        patient,
        research_subject(study, pd, patient_ref)]
    staff: dict[str, dict[str, Any]] = {}
    for rec in pd.records:
        entered_by = rec.get("entered_by") or ""
        if entered_by.startswith("staff:") and entered_by not in staff:
            staff[entered_by] = practitioner(study, entered_by)
        if rec["kind"] == "adverse_event":
            review = reviewer.review(rec, p.get("arm")) if reviewer is not None else None
            confirmed = (confirmations.of(rec) if confirmations is not None
                         else confirmation(reviewer.conn, rec) if reviewer is not None else None)
            # the confirming investigator under the same pseudonym as their staff entries (user:x is staff:x)
            by = f"staff:{confirmed['by'].removeprefix('user:')}" if confirmed else None
            if by and by not in staff:
                staff[by] = practitioner(study, by)
            out.append(adverse_event(rec, patient_ref, study, p.get("arm"), review, by))
        out += clinical_resources(rec, patient_ref, study)   # issue 18: conmed, history, vital signs, pregnancy
        if rec["kind"] != "instrument_response":
            continue
        inst = get_instrument(rec["instrument_id"], rec.get("instrument_version"))
        derived = None
        if inst.respondent == "participant":
            out.append(questionnaire_response(rec, inst, patient_ref, study, p.get("arm")))
            derived = rec["record_id"]
        if obs := score_observation(inst):
            score, code, display, ucum, unit = obs
            value = inst.score(rec["data"]).get(score)
            if value is not None:
                out.append(_observation(f"obs-{rec['record_id']}", patient_ref, code, display, rec["collected_at"],
                                        value, unit, ucum, "survey", derived))
    for lab in pd.labs:
        if obs := lab_observation(study, lab, _fhir_id(f"lab-{lab['result_id']}"), patient_ref, p.get("sex")):
            out.append(obs)
    return _bundle(_fhir_id(f"participant-{pid}"), out + list(staff.values()))


def practitioner(study: Study, entered_by: str) -> dict[str, Any]:
    """A staff author as a pseudonymous Practitioner: an opaque id, no name, no login."""
    pr_id = practitioner_id(study, entered_by)
    return {"resourceType": "Practitioner", "id": pr_id, "active": True,
            "identifier": [{"system": f"{BASE}/staff-pseudonym", "value": pr_id}]}


def export_fhir(conn: Connection, study: Study, out_dir: Path, *, scope: ExportScope = ALL) -> dict[str, int]:
    """Write study-bundle.json and participants.ndjson (one Bundle per line); returns resources per file."""
    out_dir.mkdir(parents=True, exist_ok=True)
    study_resources = ([research_study(study)] + [questionnaire(i, study) for i in pro_instruments(study)]
                       + code_systems(study))
    (out_dir / "study-bundle.json").write_text(
        json.dumps(_bundle(_fhir_id(f"study-{study.study.id}"), study_resources), ensure_ascii=False, indent=1),
        encoding="utf-8")
    n = 0
    # the AE review's first doses from each participant's records, read here anyway (with a date range the
    # records are cut, so the reviewer reads them itself)
    first_doses: dict[str, date | None] | None = {} if scope.date_from is None and scope.date_to is None else None
    reviewer = AeReviewer(conn, study, site_id=scope.site_id, first_doses=first_doses)
    confirmed = Confirmations(conn)
    with open(out_dir / "participants.ndjson", "wb") as fh:
        for pd in participants_with_data(conn, scope):
            if first_doses is not None and any(r["kind"] == "adverse_event" for r in pd.records):
                first_doses[pd.participant["participant_id"]] = first_dose_of(
                    study, pd.records, randomised=bool(pd.participant["arm"]))
            bundle = participant_bundle(study, pd, reviewer, confirmed)
            # orjson: compact UTF-8 like json.dumps(ensure_ascii=False, separators=(",", ":")), ~10x faster
            fh.write(orjson.dumps(bundle, option=orjson.OPT_APPEND_NEWLINE))
            n += len(bundle["entry"])
    return {"study-bundle.json": len(study_resources), "participants.ndjson": n}
