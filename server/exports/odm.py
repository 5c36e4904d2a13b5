"""CDISC ODM 1.3.2 XML: the study's metadata from the study file and instruments, and its clinical data.

``Study/MetaDataVersion`` is generated (StudyEventDef per visit plus one for adverse events,
FormDef/ItemGroupDef per instrument, ItemDef per item and score, CodeList per choice item).
``ClinicalData`` nests SubjectData > StudyEventData > FormData > ItemGroupData > ItemData; every
FormData carries the AuditRecord of the stored revision (who entered it, at which site, when the
server received it and, for a correction, the reason). Subjects are written one at a time with
``lxml.etree.xmlfile`` into a part file that is then appended after Study and AdminData (which must
come first but list every user seen), so memory holds one participant at a time.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from lxml import etree
from sqlalchemy import Connection

from server.exports.current import ALL, ExportScope, ParticipantData, participants_with_data
from server.exports.odm_clinical_record import COMMON_EVENTS, FORM_KINDS, FORMS, add_clinical_metadata, clinical_values
from server.exports.odm_course import COURSE_EVENT, FORM_OF_KIND, form_values
from server.exports.odm_course import FORMS as COURSE_FORMS
from server.exports.odm_pharmacovigilance import PvAnnotator
from server.exports.odm_pharmacovigilance import add_codelists as add_pv_codelists
from server.exports.odm_queries import QueryAnnotator, add_codelists
from server.exports.odm_signatures import SignatureWriter
from shared.adverse_events import CAUSALITY, CTCAE_GRADES, OUTCOMES, ae_fields, flat_ae
from shared.home_entries import DIARY_DATE, HOME
from shared.instruments import export_items, export_score_names, get_instrument
from shared.instruments.model import Instrument, Item, ResponseType, Text
from shared.records import utc_now
from shared.study.model import Study

NS = "http://www.cdisc.org/ns/odm/v1.3"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
NSMAP = {None: NS}
ITEM_DATA = f"{{{NS}}}ItemData"
T = {t: f"{{{NS}}}{t}" for t in ("AuditRecord", "UserRef", "LocationRef", "DateTimeStamp", "ReasonForChange",
                                 "SourceID", "FormData", "ItemGroupData")}
FILE_NAME = "study.odm.xml"
MDV = "MDV.1"
AE_EVENT = "SE.AE"
HOME_EVENT = "SE.HOME"     # issue 24: the entries of the participant's home diaries (at no visit)
ENROL_FORM = "F.ENROLMENT"
LAB_FORM = "F.LAB"
ENROL_ITEMS = (("year_of_birth", "Year of birth", "integer"), ("sex", "Sex", "text"),
               ("arm", "Randomised arm", "text"), ("allocation_number", "Allocation number", "integer"),
               ("screening_date", "Screening date", "date"), ("consent_date", "Consent date", "date"))


# issue 15: the screening log and the randomisation, each a form of the visit the study file names for it
KIND_FORMS: dict[str, tuple[str, str, str, tuple[tuple[str, str, str], ...]]] = {
    "screening": ("SCREENING", "Screening", "screening", (
        ("consent_date", "Consent date", "date"), ("screening_date", "Screening date", "date"),
        ("sex", "Sex", "text"), ("birth_year_month", "Birth year-month", "text"),
        ("age_at_consent", "Age at consent", "integer"), ("screening_score", "Score at screening", "float"),
        ("outcome", "Screening outcome", "text"), ("failed_criteria", "Criteria not met", "text"))),
    "randomisation": ("RANDOMISATION", "Randomisation", "randomisation", (
        ("arm", "Randomised arm", "text"), ("randomisation_number", "Randomisation number", "integer"),
        ("allocation_list_id", "Allocation list", "text"),
        ("eligibility_score", "Score at the eligibility visit", "float"),
        ("eligibility_record_id", "Record of that score", "text"))),
}


def _kind_values(items: tuple[tuple[str, str, str], ...]) -> Any:
    return lambda r: [(f, ";".join(v) if isinstance(v := r["data"].get(f), list) else v) for f, *_ in items]


def enrol_items(study: Study) -> tuple[tuple[str, str, str], ...]:
    """(field, label, ODM data type) of the enrolment form, with the score the study's criterion checks."""
    criterion = study.score_criterion()
    if criterion is None:
        return ENROL_ITEMS
    short = study.instrument(str(criterion.instrument)).short.en
    return (*ENROL_ITEMS, (str(criterion.field), f"{short} at screening", "integer"))


def _e(parent: etree._Element | None, tag: str, attrib: dict[str, Any] | None = None,
       text: str | None = None) -> etree._Element:
    attrs = {k: v if type(v) is str else str(v) for k, v in attrib.items() if v is not None} if attrib else {}
    el = etree.Element(f"{{{NS}}}{tag}", attrs, nsmap=NSMAP) if parent is None else \
        etree.SubElement(parent, f"{{{NS}}}{tag}", attrs)
    if text is not None:
        el.text = text
    return el


def _translated(parent: etree._Element, tag: str, text: Text | str) -> None:
    holder = _e(parent, tag)
    if isinstance(text, Text):
        for lang in ("en", "zh"):
            _e(holder, "TranslatedText", {XML_LANG: lang}, text.in_language(lang))
    else:
        _e(holder, "TranslatedText", {XML_LANG: "en"}, text)


def item_oid(form: str, item: str) -> str:
    return f"IT.{form}.{item}"


def _data_type(item: Item) -> str:
    if item.response in (ResponseType.VAS_MM, ResponseType.INTEGER):
        return "integer"
    if item.response is ResponseType.NUMBER:
        return "float"
    if item.response is ResponseType.BOOLEAN:
        return "boolean"
    if item.response is ResponseType.CHOICE:
        return "integer" if all(isinstance(c, int) for c in item.choice_codes()) else "text"
    return "text"


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, list):
        return ",".join(str(x) for x in v)
    if isinstance(v, dict):   # a dose calendar: date -> drugs taken, as compact JSON
        return json.dumps(v, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return str(v)


def _codelist(mdv: etree._Element, oid: str, name: str, dtype: str, codes: Iterable[tuple[Any, Text | str]]) -> None:
    cl = _e(mdv, "CodeList", {"OID": oid, "Name": name, "DataType": dtype})
    for code, label in codes:
        _translated(_e(cl, "CodeListItem", {"CodedValue": code}), "Decode", label)


def _ae_items(study: Study) -> list[tuple[str, str, str, str | None]]:
    """(field, label, ODM data type, code list OID or None) of the AE form: one causality and one action item
    per study drug."""
    types = {"onset_date": "date", "end_date": "date", "grade": "integer", "serious": "boolean"}
    lists = {"grade": "CL.AE.grade", "outcome": "CL.AE.outcome",
             **{f"causality_{d}": "CL.AE.causality" for d in study.drug_ids}}
    return [(f, f.replace("_", " "), types.get(f, "text"), lists.get(f)) for f in ae_fields(study)]


def study_metadata(study: Study) -> etree._Element:
    """The ``Study`` element: global variables and the MetaDataVersion generated from the study file."""
    s = _e(None, "Study", {"OID": study.study.id})
    gv = _e(s, "GlobalVariables")
    _e(gv, "StudyName", text=study.study.title)
    _e(gv, "StudyDescription", text=f"{study.study.design}; {study.study.phase}; study file {study.study.version}")
    _e(gv, "ProtocolName", text=study.study.id)
    mdv = _e(s, "MetaDataVersion", {"OID": MDV, "Name": f"{study.study.id} {study.study.version}",
                                     "Description": "generated by trialpro from the study file and instruments"})
    protocol = _e(mdv, "Protocol")
    for n, v in enumerate(study.visits, start=1):
        _e(protocol, "StudyEventRef", {"StudyEventOID": f"SE.{v.id}", "OrderNumber": n, "Mandatory":
                                       "Yes" if v.scheduled else "No"})
    _e(protocol, "StudyEventRef", {"StudyEventOID": AE_EVENT, "OrderNumber": len(study.visits) + 1,
                                   "Mandatory": "No"})
    _e(protocol, "StudyEventRef", {"StudyEventOID": COURSE_EVENT, "OrderNumber": len(study.visits) + 2,
                                   "Mandatory": "No"})
    if study.home.diaries:
        _e(protocol, "StudyEventRef", {"StudyEventOID": HOME_EVENT, "OrderNumber": len(study.visits) + 3,
                                       "Mandatory": "No"})
    for v in study.visits:
        ev = _e(mdv, "StudyEventDef", {"OID": f"SE.{v.id}", "Name": v.label, "Repeating": "No" if v.scheduled
                                       else "Yes", "Type": "Scheduled" if v.scheduled else "Unscheduled"})
        forms = list(v.instruments) + ([ENROL_FORM[2:]] if v.number == min(x.number for x in study.visits) else [])
        forms += [form for form, _n, role, _i in KIND_FORMS.values() if study.visit_with_role(role) is v]
        for n, form in enumerate(forms, start=1):
            _e(ev, "FormRef", {"FormOID": f"F.{form}", "OrderNumber": n, "Mandatory": "No"})
        _e(ev, "FormRef", {"FormOID": LAB_FORM, "OrderNumber": len(forms) + 1, "Mandatory": "No"})
    ae = _e(mdv, "StudyEventDef", {"OID": AE_EVENT, "Name": "Adverse events", "Repeating": "Yes", "Type": "Common"})
    _e(ae, "FormRef", {"FormOID": "F.AE", "OrderNumber": 1, "Mandatory": "Yes"})
    course = _e(mdv, "StudyEventDef", {"OID": COURSE_EVENT, "Name": "Course of the study", "Repeating": "Yes",
                                       "Type": "Common"})
    for n, form in enumerate(COURSE_FORMS, start=1):
        _e(course, "FormRef", {"FormOID": f"F.{form}", "OrderNumber": n, "Mandatory": "No"})
    if study.home.diaries:
        home = _e(mdv, "StudyEventDef", {"OID": HOME_EVENT, "Name": "Home diary (the participant's phone)",
                                         "Repeating": "Yes", "Type": "Common"})
        for n, d in enumerate(study.home.diaries, start=1):
            _e(home, "FormRef", {"FormOID": f"F.{d.instrument}", "OrderNumber": n, "Mandatory": "No"})
    forms: list[tuple[str, str, list[str]]] = []
    for inst in study.instrument_definitions():
        forms.append((inst.id, f"{inst.title.en} (version {inst.version})",
                      [item_oid(inst.id, it.id) for it in export_items(inst)]
                      + [item_oid(inst.id, DIARY_DATE)] * (study.home.diary(inst.id) is not None)
                      + [item_oid(inst.id, f"score_{s}") for s in export_score_names(inst)]))
    forms.append(("ENROLMENT", "Enrolment", [item_oid("ENROLMENT", f) for f, *_ in enrol_items(study)]))
    forms += [(form, name, [item_oid(form, f) for f, *_ in items]) for form, name, _r, items in KIND_FORMS.values()]
    forms.append(("AE", "Adverse event", [item_oid("AE", f) for f, *_ in _ae_items(study)]))
    forms.append(("LAB", "Laboratory results", [item_oid("LAB", "sample_date")]
                  + [item_oid("LAB", code) for code in study.lab_tests]))
    forms += [(form, name, [item_oid(form, f) for f, *_ in items]) for form, (_k, name, items) in COURSE_FORMS.items()]
    for form, name, _items in forms:
        fd = _e(mdv, "FormDef", {"OID": f"F.{form}", "Name": name, "Repeating": "Yes"})
        _e(fd, "ItemGroupRef", {"ItemGroupOID": f"IG.{form}", "Mandatory": "Yes"})
    for form, name, items in forms:
        ig = _e(mdv, "ItemGroupDef", {"OID": f"IG.{form}", "Name": name, "Repeating": "No"})
        for n, oid in enumerate(items, start=1):
            _e(ig, "ItemRef", {"ItemOID": oid, "OrderNumber": n, "Mandatory": "No"})
    for inst in study.instrument_definitions():
        _instrument_items(mdv, inst)
        if study.home.diary(inst.id) is not None:     # issue 24: the date a home entry is about
            idef = _e(mdv, "ItemDef", {"OID": item_oid(inst.id, DIARY_DATE), "Name": f"{inst.id} {DIARY_DATE}",
                                       "DataType": "date"})
            _e(_e(idef, "Description"), "TranslatedText", {XML_LANG: "en"},
               "the site-local date the home entry is about (YYYY-MM-DD)")
    for f, label, dtype in enrol_items(study):
        idef = _e(mdv, "ItemDef", {"OID": item_oid("ENROLMENT", f), "Name": label, "DataType": dtype})
        if f in ("sex", "arm"):
            _e(idef, "CodeListRef", {"CodeListOID": f"CL.ENROLMENT.{f}"})
    for form, _name, _role, items in KIND_FORMS.values():
        for f, label, dtype in items:
            idef = _e(mdv, "ItemDef", {"OID": item_oid(form, f), "Name": label, "DataType": dtype})
            if f in ("sex", "arm"):
                _e(idef, "CodeListRef", {"CodeListOID": f"CL.ENROLMENT.{f}"})
    for f, label, dtype, cl in _ae_items(study):
        idef = _e(mdv, "ItemDef", {"OID": item_oid("AE", f), "Name": label, "DataType": dtype})
        if cl:
            _e(idef, "CodeListRef", {"CodeListOID": cl})
    _e(mdv, "ItemDef", {"OID": item_oid("LAB", "sample_date"), "Name": "Sample date", "DataType": "date"})
    for code, t in study.lab_tests.items():
        idef = _e(mdv, "ItemDef", {"OID": item_oid("LAB", code), "Name": t.name, "DataType": "float",
                                   "SignificantDigits": t.decimals})
        _translated(idef, "Question", f"{t.name} ({t.unit})")
        for comp, val in (("GE", t.minimum), ("LE", t.maximum)):
            _e(_e(idef, "RangeCheck", {"Comparator": comp, "SoftHard": "Hard"}), "CheckValue", text=f"{val:g}")
    for form, (_kind, _name, items) in COURSE_FORMS.items():
        for f, label, dtype, codes in items:
            idef = _e(mdv, "ItemDef", {"OID": item_oid(form, f), "Name": label, "DataType": dtype})
            if codes:
                _e(idef, "CodeListRef", {"CodeListOID": f"CL.{form}.{f}"})
    for inst in study.instrument_definitions():
        for it in export_items(inst):
            if it.choices:
                _codelist(mdv, f"CL.{inst.id}.{it.id}", f"{inst.id} {it.id}", _data_type(it),
                          ((c.code, c.label) for c in it.choices))
    _codelist(mdv, "CL.ENROLMENT.sex", "Sex", "text", (("F", "Female"), ("M", "Male")))
    _codelist(mdv, "CL.ENROLMENT.arm", "Arm", "text", ((a.code, Text(en=a.name, zh=a.name_zh)) for a in study.arms))
    _codelist(mdv, "CL.AE.grade", "CTCAE v5.0 grade", "integer", CTCAE_GRADES.items())
    _codelist(mdv, "CL.AE.outcome", "Outcome", "text", OUTCOMES.items())
    _codelist(mdv, "CL.AE.causality", "WHO-UMC causality", "text", CAUSALITY.items())
    add_clinical_metadata(mdv, study)   # issue 18: medications, history, vital signs, pregnancy tests
    for form, (_kind, _name, items) in COURSE_FORMS.items():
        for f, label, _dtype, codes in items:
            if codes:
                _codelist(mdv, f"CL.{form}.{f}", label, "text", codes.items())
    return s


def _instrument_items(mdv: etree._Element, inst: Instrument) -> None:
    """ItemDefs of every item and score any installed version of ``inst`` has (stored older records use them)."""
    for it in export_items(inst):
        attrs: dict[str, Any] = {"OID": item_oid(inst.id, it.id), "Name": f"{inst.id} {it.id}",
                                 "DataType": _data_type(it)}
        if it.response is ResponseType.NUMBER:
            attrs.update(Length=6, SignificantDigits=it.decimals)
        elif it.response is ResponseType.TEXT:
            attrs["Length"] = it.max_length
        idef = _e(mdv, "ItemDef", attrs)
        _e(_e(idef, "Description"), "TranslatedText", {XML_LANG: "en"}, it.allowed_text())
        _translated(idef, "Question", it.label)
        if it.minimum is not None and it.maximum is not None and not it.choices:
            for comp, val in (("GE", it.minimum), ("LE", it.maximum)):
                _e(_e(idef, "RangeCheck", {"Comparator": comp, "SoftHard": "Hard"}), "CheckValue",
                   text=f"{val:g}")
        if it.choices and it.response is not ResponseType.DRUG_DOSES:   # per-drug answers are JSON text
            _e(idef, "CodeListRef", {"CodeListOID": f"CL.{inst.id}.{it.id}"})
    for s in export_score_names(inst):
        idef = _e(mdv, "ItemDef", {"OID": item_oid(inst.id, f"score_{s}"), "Name": f"{inst.id} score {s}",
                                   "DataType": "float"})
        _e(_e(idef, "Description"), "TranslatedText", {XML_LANG: "en"}, f"{s}: computed by trialpro")


def user_oid(name: str) -> str:
    return f"USR.{name}"


def _audit(parent: etree._Element, *, user: str, site: str, at: str, reason: str | None, source: str) -> None:
    sub = etree.SubElement      # written once per form: plain SubElement calls with prebuilt tags
    ar = sub(parent, T["AuditRecord"])
    sub(ar, T["UserRef"], {"UserOID": user_oid(user)})
    sub(ar, T["LocationRef"], {"LocationOID": f"LOC.{site}"})
    sub(ar, T["DateTimeStamp"]).text = at
    if reason:
        sub(ar, T["ReasonForChange"]).text = reason
    sub(ar, T["SourceID"]).text = source


def _form(parent: etree._Element, form: str, repeat: int, values: Iterable[tuple[str, Any]], audit: dict[str, Any],
          transaction: str = "Insert", before: dict[str, Any] | None = None) -> dict[str, Any]:
    """One FormData (one stored revision) with its AuditRecord; returns its item values.

    An item that had a value in the revision ``before`` and has none now is written ``IsNull="Yes"``, so a
    correction to "no value" is in the archive too.
    """
    fd = etree.SubElement(parent, T["FormData"], {"FormOID": f"F.{form}", "FormRepeatKey": str(repeat),
                                                  "TransactionType": transaction})
    _audit(fd, **audit)
    ig = etree.SubElement(fd, T["ItemGroupData"], {"ItemGroupOID": f"IG.{form}", "TransactionType": transaction})
    seen: dict[str, Any] = {}
    for item, v in values:     # the innermost loop of the export: SubElement directly
        seen[item] = v
        if v is not None and v != []:
            etree.SubElement(ig, ITEM_DATA, {"ItemOID": f"IT.{form}.{item}", "Value": _value(v)})
        elif before and before.get(item) not in (None, []):
            etree.SubElement(ig, ITEM_DATA, {"ItemOID": f"IT.{form}.{item}", "IsNull": "Yes"})
    return seen


def _revisions(parent: etree._Element, form: str, repeat: int, revisions: list[dict[str, Any]],
               values: Any) -> None:
    """Every stored revision of one record, oldest first: Insert, then one Update per correction."""
    before = None
    for rec in revisions:
        before = _form(parent, form, repeat, values(rec), _record_audit(rec),
                       "Insert" if before is None else "Update", before)


def _record_audit(rec: dict[str, Any]) -> dict[str, Any]:
    """SourceID ``record <uuid> revision <n>``, followed by `` home`` for a record made on the participant's
    phone (issue 24: the source the server derived from the stored device kind)."""
    source = f"record {rec['record_id']} revision {rec['revision']}"
    return {"user": rec["entered_by"], "site": rec["site_id"], "at": rec["received_at"],
            "reason": rec.get("correction_reason"),
            "source": f"{source} {HOME}" if rec.get("source") == HOME else source}


def _by_record(records: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """The revisions of each record together, oldest first, records in order of first appearance."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for rec in records:
        groups.setdefault(rec["record_id"], []).append(rec)
    return [sorted(g, key=lambda r: r["revision"]) for g in groups.values()]


def subject_data(study: Study, pdata: ParticipantData, users: set[str]) -> etree._Element:
    """One participant's SubjectData with every stored revision of each record; adds its users to ``users``."""
    p = pdata.participant
    subj = _e(None, "SubjectData", {"SubjectKey": p["participant_id"], "TransactionType": "Upsert"})
    _e(subj, "SiteRef", {"LocationOID": f"LOC.{p['site_id']}"})
    order = {v.id: v.number for v in study.visits}
    enrol_fields = [f for f, *_ in enrol_items(study)]
    kind_items = {form: items for form, _n, _r, items in KIND_FORMS.values()}
    events: dict[str, list[tuple[str, list[dict[str, Any]]]]] = {}
    aes: list[list[dict[str, Any]]] = []
    common: dict[str, list[list[dict[str, Any]]]] = {}
    course: list[tuple[str, list[dict[str, Any]]]] = []
    home: list[tuple[str, list[dict[str, Any]]]] = []
    for revisions in _by_record(pdata.records):
        rec = revisions[-1]
        users.update(r["entered_by"] for r in revisions)
        if rec["kind"] == "adverse_event":
            aes.append(revisions)
        elif rec["kind"] in COMMON_EVENTS:
            common.setdefault(rec["kind"], []).append(revisions)
        elif rec["kind"] in FORMS and rec.get("visit_id") in order:
            events.setdefault(rec["visit_id"], []).append((FORMS[rec["kind"]][0], revisions))
        elif rec["kind"] == "enrolment":
            events.setdefault(min(study.visits, key=lambda v: v.number).id, []).append(("ENROLMENT", revisions))
        elif rec["kind"] in KIND_FORMS and (at := study.visit_with_role(KIND_FORMS[rec["kind"]][2])) is not None:
            events.setdefault(at.id, []).append((KIND_FORMS[rec["kind"]][0], revisions))
        elif rec["kind"] in FORM_OF_KIND:
            course.append((FORM_OF_KIND[rec["kind"]], revisions))
        elif rec["kind"] == "instrument_response" and rec.get("visit_id") in order:
            events.setdefault(rec["visit_id"], []).append((rec["instrument_id"], revisions))
        elif rec["kind"] == "instrument_response" and study.home.diary(rec.get("instrument_id")) is not None:
            home.append((rec["instrument_id"], revisions))
    for lab in pdata.labs:
        users.add(lab["imported_by"])
        if lab["visit_id"] in order:
            events.setdefault(lab["visit_id"], []).append(("LAB", [lab]))
    for visit_id in sorted(events, key=order.__getitem__):
        ev = _e(subj, "StudyEventData", {"StudyEventOID": f"SE.{visit_id}", "TransactionType": "Upsert",
                                        "StudyEventRepeatKey": None if study.visit(visit_id).scheduled else 1})
        repeats: dict[str, int] = {}
        for form, revisions in events[visit_id]:
            repeats[form] = n = repeats.get(form, 0) + 1
            if form == "LAB":
                rec = revisions[0]
                _form(ev, "LAB", n, [("sample_date", rec["sample_date"]), (rec["test_code"], rec["value"])],
                      {"user": rec["imported_by"], "site": rec["site_id"], "at": rec["imported_at"],
                       "reason": rec.get("reason"), "source": f"lab file {rec['source_file']} row {rec['source_row']}"})
            elif form == "ENROLMENT":
                _revisions(ev, form, n, revisions, lambda r: [(f, r["data"].get(f)) for f in enrol_fields])
            elif form in kind_items:
                _revisions(ev, form, n, revisions, _kind_values(kind_items[form]))
            else:
                _revisions(ev, form, n, revisions, clinical_values if form in FORM_KINDS else _instrument_values)
    for n, revisions in enumerate(aes, start=1):
        ev = _e(subj, "StudyEventData", {"StudyEventOID": AE_EVENT, "StudyEventRepeatKey": n,
                                        "TransactionType": "Upsert"})
        _revisions(ev, "AE", 1, revisions, lambda r: list(flat_ae(r["data"], study).items()))
    for kind, entries in common.items():
        for n, revisions in enumerate(entries, start=1):
            ev = _e(subj, "StudyEventData", {"StudyEventOID": COMMON_EVENTS[kind], "StudyEventRepeatKey": n,
                                            "TransactionType": "Upsert"})
            _revisions(ev, FORMS[kind][0], 1, revisions, clinical_values)
    for n, (form, revisions) in enumerate(home, start=1):     # one repeat per home entry, in time order
        ev = _e(subj, "StudyEventData", {"StudyEventOID": HOME_EVENT, "StudyEventRepeatKey": n,
                                        "TransactionType": "Upsert"})
        _revisions(ev, form, 1, revisions, _instrument_values)
    for n, (form, revisions) in enumerate(course, start=1):
        ev = _e(subj, "StudyEventData", {"StudyEventOID": COURSE_EVENT, "StudyEventRepeatKey": n,
                                        "TransactionType": "Upsert"})
        _revisions(ev, form, 1, revisions, lambda r, f=form: form_values(f, r))
    return subj


def _instrument_values(rec: dict[str, Any]) -> list[tuple[str, Any]]:
    inst = get_instrument(rec["instrument_id"], rec.get("instrument_version"))
    scores = inst.score(rec["data"])
    return ([(it.id, rec["data"].get(it.id)) for it in inst.items]
            + ([(DIARY_DATE, rec["data"][DIARY_DATE])] if DIARY_DATE in rec["data"] else [])
            + [(f"score_{s}", scores.get(s)) for s in inst.score_names])


def admin_data(study: Study, users: set[str]) -> etree._Element:
    """Users (every author named in the data) and Locations (sites) the AuditRecords refer to."""
    admin = _e(None, "AdminData", {"StudyOID": study.study.id})
    for u in sorted(users):
        user = _e(admin, "User", {"OID": user_oid(u)})
        _e(user, "LoginName", text=u)
    for s in study.sites:
        loc = _e(admin, "Location", {"OID": f"LOC.{s.id}", "Name": s.name, "LocationType": "Site"})
        _e(loc, "MetaDataVersionRef", {"StudyOID": study.study.id, "MetaDataVersionOID": MDV,
                                       "EffectiveDate": "2022-11-01"})
    return admin


def export_odm(conn: Connection, study: Study, out_dir: Path, *, scope: ExportScope = ALL) -> dict[str, int]:
    """Write ``study.odm.xml`` (a Transactional archive: every revision) into ``out_dir``; returns SubjectData."""
    out_dir.mkdir(parents=True, exist_ok=True)
    users: set[str] = set()
    subjects = 0
    signed = SignatureWriter(conn, scope.site_id, user_oid)
    annotated = QueryAnnotator(conn, scope.site_id)   # issue 19: query threads and SDV as Annotations
    reviewed = PvAnnotator(conn, study, scope.site_id)   # issue 17: MedDRA, emergence, SUSAR, SAE report mark
    with tempfile.TemporaryFile(dir=out_dir) as part:
        with etree.xmlfile(part, encoding="utf-8") as xf:
            with xf.element(f"{{{NS}}}ClinicalData", {"StudyOID": study.study.id, "MetaDataVersionOID": MDV},
                            nsmap=NSMAP):
                for pdata in participants_with_data(conn, scope, every_revision=True, screened=True):
                    subj = reviewed.annotate(subject_data(study, pdata, users), pdata)
                    for element in signed.subject(annotated.annotate(subj), users):
                        xf.write(element)
                    subjects += 1
        part.seek(0)
        with open(out_dir / FILE_NAME, "wb") as out:
            root = _e(None, "ODM", {"FileType": "Transactional", "FileOID": f"{study.study.id}.{utc_now()}",
                                    "CreationDateTime": utc_now(), "ODMVersion": "1.3.2",
                                    "Originator": "trialpro", "SourceSystem": "trialpro"})
            opening = etree.tostring(root, encoding="unicode").replace("/>", ">")
            out.write(b'<?xml version="1.0" encoding="UTF-8"?>\n' + opening.encode() + b"\n")
            metadata = study_metadata(study)
            add_codelists(metadata.find(f"{{{NS}}}MetaDataVersion"))
            add_pv_codelists(metadata.find(f"{{{NS}}}MetaDataVersion"))
            out.write(etree.tostring(metadata, encoding="utf-8") + b"\n")
            out.write(etree.tostring(signed.admin(admin_data(study, users)), encoding="utf-8") + b"\n")
            shutil.copyfileobj(part, out)
            out.write(b"\n</ODM>\n")
    return {FILE_NAME: subjects}
