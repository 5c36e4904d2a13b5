"""ODM clinical data (``server/exports/odm.py``): one participant's ``SubjectData`` with every stored revision of
each record (Insert, then one Update per correction), each FormData with the AuditRecord of its revision (who
entered it, at which site, when the server received it, the reason of a correction and the source: the record
and revision, and ``home`` for a record from the participant's phone)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from lxml import etree

from server.exports.current import ParticipantData
from server.exports.odm_clinical_record import COMMON_EVENTS, FORM_KINDS, FORMS, clinical_values
from server.exports.odm_course import COURSE_EVENT, FORM_OF_KIND, form_values
from server.exports.odm_metadata import AE_EVENT, HOME_EVENT, KIND_FORMS, enrol_items
from server.exports.odm_xml import ITEM_DATA, T, el, odm_value, user_oid
from shared.adverse_events import flat_ae
from shared.home_entries import DIARY_DATE, HOME
from shared.instruments import get_instrument
from shared.study.model import Study


def _kind_values(items: tuple[tuple[str, str, str], ...]) -> Any:
    return lambda r: [(f, ";".join(v) if isinstance(v := r["data"].get(f), list) else v) for f, *_ in items]


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
            etree.SubElement(ig, ITEM_DATA, {"ItemOID": f"IT.{form}.{item}", "Value": odm_value(v)})
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
    subj = el(None, "SubjectData", {"SubjectKey": p["participant_id"], "TransactionType": "Upsert"})
    el(subj, "SiteRef", {"LocationOID": f"LOC.{p['site_id']}"})
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
        ev = el(subj, "StudyEventData", {"StudyEventOID": f"SE.{visit_id}", "TransactionType": "Upsert",
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
        ev = el(subj, "StudyEventData", {"StudyEventOID": AE_EVENT, "StudyEventRepeatKey": n,
                                        "TransactionType": "Upsert"})
        _revisions(ev, "AE", 1, revisions, lambda r: list(flat_ae(r["data"], study).items()))
    for kind, entries in common.items():
        for n, revisions in enumerate(entries, start=1):
            ev = el(subj, "StudyEventData", {"StudyEventOID": COMMON_EVENTS[kind], "StudyEventRepeatKey": n,
                                            "TransactionType": "Upsert"})
            _revisions(ev, FORMS[kind][0], 1, revisions, clinical_values)
    for n, (form, revisions) in enumerate(home, start=1):     # one repeat per home entry, in time order
        ev = el(subj, "StudyEventData", {"StudyEventOID": HOME_EVENT, "StudyEventRepeatKey": n,
                                        "TransactionType": "Upsert"})
        _revisions(ev, form, 1, revisions, _instrument_values)
    for n, (form, revisions) in enumerate(course, start=1):
        ev = el(subj, "StudyEventData", {"StudyEventOID": COURSE_EVENT, "StudyEventRepeatKey": n,
                                        "TransactionType": "Upsert"})
        _revisions(ev, form, 1, revisions, lambda r, f=form: form_values(f, r))
    return subj


def _instrument_values(rec: dict[str, Any]) -> list[tuple[str, Any]]:
    inst = get_instrument(rec["instrument_id"], rec.get("instrument_version"))
    scores = inst.score(rec["data"])
    return ([(it.id, rec["data"].get(it.id)) for it in inst.items]
            + ([(DIARY_DATE, rec["data"][DIARY_DATE])] if DIARY_DATE in rec["data"] else [])
            + [(f"score_{s}", scores.get(s)) for s in inst.score_names])
