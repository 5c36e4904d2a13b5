"""The clinical record in the ODM 1.3.2 archive (issue 18): a form per kind. Vital signs and pregnancy tests
are forms of the visits the study file names; medications and medical history belong to no visit, so each is
a repeating common StudyEvent (like adverse events), one repeat per entry. ``odm.py`` calls
``add_clinical_metadata`` once and writes each entry's revisions with ``clinical_values``."""

from __future__ import annotations

from typing import Any

from lxml import etree

from shared import conmed, medical_history, pregnancy, vital_signs
from shared.study.model import Study

NS = "http://www.cdisc.org/ns/odm/v1.3"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
Item = tuple[str, str, str, dict[str, str] | None]   # field, label, ODM DataType, code list (code -> decode)

FORMS: dict[str, tuple[str, str, list[Item]]] = {     # kind -> (form, name, items)
    conmed.KIND: ("CONMED", "Concomitant medication", [
        ("name", "Medication (verbatim)", "text", None), ("atc_class", "ATC class", "text", None),
        ("dose", "Dose", "float", None), ("dose_unit", "Dose unit", "text", {k: v.en for k, v in
                                                                            conmed.DOSE_UNITS.items()}),
        ("route", "Route", "text", {k: v.en for k, v in conmed.ROUTES.items()}),
        ("frequency", "Frequency", "text", {k: v.en for k, v in conmed.FREQUENCIES.items()}),
        ("start_date", "Start date", "partialDate", None), ("end_date", "End date", "partialDate", None),
        ("ongoing", "Ongoing", "boolean", None), ("indication", "Indication", "text", None)]),
    medical_history.KIND: ("MEDHIST", "Medical history", [
        ("condition", "Condition (verbatim)", "text", None), ("start_date", "Start date", "partialDate", None),
        ("ongoing", "Ongoing", "boolean", None)]),
    vital_signs.KIND: ("VITALS", "Vital signs", [
        (v.field, f"{v.label.en} [{v.ucum}]", "integer" if v.decimals == 0 else "float", None)
        for v in vital_signs.VITAL_SIGNS]),
    pregnancy.KIND: ("PREGNANCY", "Pregnancy test", [
        ("test_date", "Test date", "date", None),
        ("method", "Method", "text", {k: v.en for k, v in pregnancy.METHODS.items()}),
        ("result", "Result", "text", {k: v.en for k, v in pregnancy.RESULTS.items()})]),
}
COMMON_EVENTS = {conmed.KIND: "SE.CONMED", medical_history.KIND: "SE.MEDHIST"}
FORM_KINDS = {form: kind for kind, (form, _n, _i) in FORMS.items()}


def _el(parent: etree._Element, tag: str, **attrs: Any) -> etree._Element:
    return etree.SubElement(parent, f"{{{NS}}}{tag}", {k: str(v) for k, v in attrs.items()})


def _new(tag: str, **attrs: Any) -> etree._Element:
    return etree.Element(f"{{{NS}}}{tag}", {k: str(v) for k, v in attrs.items()})


def _after_last(mdv: etree._Element, tag: str, elements: list[etree._Element]) -> None:
    """Insert ``elements`` after the last child ``tag`` of ``mdv`` (the XSD fixes the order of the kinds)."""
    last = mdv.findall(f"{{{NS}}}{tag}")[-1]
    at = mdv.index(last) + 1
    for n, element in enumerate(elements):
        mdv.insert(at + n, element)


def _visits_of(study: Study, kind: str) -> list[str]:
    if kind == vital_signs.KIND:
        return vital_signs.vital_signs_visits(study)
    return pregnancy.pregnancy_test_visits(study)


def add_clinical_metadata(mdv: etree._Element, study: Study) -> None:
    """Add the forms, items, code lists and common events of the clinical record to a MetaDataVersion."""
    if study.clinical_record is None:
        return
    protocol = mdv.find(f"{{{NS}}}Protocol")
    events = []
    for kind, oid in COMMON_EVENTS.items():
        form, name, _items = FORMS[kind]
        _el(protocol, "StudyEventRef", StudyEventOID=oid, OrderNumber=len(protocol) + 1, Mandatory="No")
        ev = _new("StudyEventDef", OID=oid, Name=f"{name}s" if kind == conmed.KIND else name, Repeating="Yes",
                  Type="Common")
        _el(ev, "FormRef", FormOID=f"F.{form}", OrderNumber=1, Mandatory="Yes")
        events.append(ev)
    for kind in (vital_signs.KIND, pregnancy.KIND):
        for visit_id in _visits_of(study, kind):
            ev = mdv.find(f"{{{NS}}}StudyEventDef[@OID='SE.{visit_id}']")
            _el(ev, "FormRef", FormOID=f"F.{FORMS[kind][0]}", OrderNumber=len(ev) + 1, Mandatory="No")
    _after_last(mdv, "StudyEventDef", events)
    form_defs, groups, item_defs, lists = [], [], [], []
    for form, name, items in FORMS.values():
        fd = _new("FormDef", OID=f"F.{form}", Name=name, Repeating="Yes")
        _el(fd, "ItemGroupRef", ItemGroupOID=f"IG.{form}", Mandatory="Yes")
        form_defs.append(fd)
        ig = _new("ItemGroupDef", OID=f"IG.{form}", Name=name, Repeating="No")
        groups.append(ig)
        for n, (field, label, dtype, codes) in enumerate(items, start=1):
            _el(ig, "ItemRef", ItemOID=f"IT.{form}.{field}", OrderNumber=n, Mandatory="No")
            idef = _new("ItemDef", OID=f"IT.{form}.{field}", Name=label, DataType=dtype)
            item_defs.append(idef)
            if codes:
                _el(idef, "CodeListRef", CodeListOID=f"CL.{form}.{field}")
                cl = _new("CodeList", OID=f"CL.{form}.{field}", Name=f"{name}: {label}", DataType="text")
                for code, decode in codes.items():
                    _el(_el(_el(cl, "CodeListItem", CodedValue=code), "Decode"), "TranslatedText",
                        **{XML_LANG: "en"}).text = decode
                lists.append(cl)
    for tag, elements in (("FormDef", form_defs), ("ItemGroupDef", groups), ("ItemDef", item_defs),
                          ("CodeList", lists)):
        _after_last(mdv, tag, elements)


def clinical_values(rec: dict[str, Any]) -> list[tuple[str, Any]]:
    """(item, value) of one revision of a clinical-record entry, in form order."""
    return [(field, rec["data"].get(field)) for field, *_ in FORMS[rec["kind"]][2]]
