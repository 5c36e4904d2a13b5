"""ODM clinical data (``server/exports/odm.py``): one participant's ``SubjectData`` with every stored revision of
each record (Insert, then one Update per correction), each FormData with the AuditRecord of its revision (who
entered it, at which site, when the server received it, the reason of a correction and the source: the record
and revision, and ``home`` for a record from the participant's phone)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Protocol

from server.exports.current import ParticipantData
from server.exports.odm_clinical_record import COMMON_EVENTS, FORM_KINDS, FORMS, clinical_values
from server.exports.odm_course import COURSE_EVENT, FORM_OF_KIND, form_values
from server.exports.odm_metadata import AE_EVENT, HOME_EVENT, KIND_FORMS, enrol_items
from server.exports.odm_xml import NS, attr, item_oid_attr, item_oids, text_element, user_oid, value_attr
from shared.adverse_events import flat_ae
from shared.home_entries import DIARY_DATE, HOME
from shared.instruments import get_instrument
from shared.study.model import Study

# The notes of one revision (record id, revision): Annotations on its ItemGroupData, then (field, Annotation)
# pairs that go on the first ItemData of that field (on the ItemGroupData when the field holds no ItemData).
Notes = Callable[[str, int], tuple[list[str], list[tuple[str, str]]]]


class Signatures(Protocol):
    """Where one participant's signatures go (``odm_signatures.SubjectSignatures``)."""

    head: str

    def in_event(self, oid: str) -> str: ...

    def tail(self) -> str: ...


def _kind_values(items: tuple[tuple[str, str, str], ...]) -> Any:
    return lambda r: [(f, ";".join(v) if isinstance(v := r["data"].get(f), list) else v) for f, *_ in items]


def _audit(*, user: str, site: str, at: str | None, reason: str | None, source: str) -> str:
    """The AuditRecord of one FormData, as text (written once per form)."""
    return (f'<AuditRecord><UserRef UserOID="{attr(user_oid(user))}"/>'
            f'<LocationRef LocationOID="{attr(f"LOC.{site}")}"/>'
            f'{text_element("DateTimeStamp", at)}{text_element("ReasonForChange", reason) if reason else ""}'
            f'{text_element("SourceID", source)}</AuditRecord>')


def _form(out: list[str], form: str, repeat: int, values: Iterable[tuple[str, Any]], audit: dict[str, Any],
          transaction: str = "Insert", before: dict[str, Any] | None = None,
          notes: tuple[list[str], list[tuple[str, str]]] | None = None) -> dict[str, Any]:
    """One FormData (one stored revision) with its AuditRecord and ``notes``; returns its item values.

    An item that had a value in the revision ``before`` and has none now is written ``IsNull="Yes"``, so a
    correction to "no value" is in the archive too.
    """
    form_attr = attr(form)
    out.append(f'<FormData FormOID="F.{form_attr}" FormRepeatKey="{repeat}" TransactionType="{transaction}">')
    out.append(_audit(**audit))
    seen: dict[str, Any] = {}
    oids: list[str] = []
    items: list[str] = []
    oid_of = item_oids(form)
    for item, v in values:     # the innermost loop of the export
        seen[item] = v
        if v is not None and v != []:
            oids.append(item)
            items.append(f'<ItemData ItemOID="{oid_of.get(item) or item_oid_attr(form, item)}" '
                         f'Value="{value_attr(v)}"')
        elif before and before.get(item) not in (None, []):
            oids.append(item)
            items.append(f'<ItemData ItemOID="{oid_of.get(item) or item_oid_attr(form, item)}" IsNull="Yes"')
    group = f'<ItemGroupData ItemGroupOID="IG.{form_attr}" TransactionType="{transaction}"'
    head: list[str] = []
    on_item: dict[int, list[str]] = {}
    if notes is not None:
        head = list(notes[0])
        for field, note in notes[1]:
            suffix = f".{field}"          # the first ItemData whose OID IT.<form>.<item> ends with .<field>
            at = None if field is None else next((i for i, item in enumerate(oids)
                                                  if f"IT.{form}.{item}".endswith(suffix)), None)
            if at is None:
                head.append(note)
            else:
                on_item.setdefault(at, []).append(note)
    if not items and not head:
        out.append(group + "/></FormData>")
        return seen
    out.append(group + ">")
    out.extend(head)
    for i, item_xml in enumerate(items):
        out.append(f'{item_xml}>{"".join(on_item[i])}</ItemData>' if i in on_item else item_xml + "/>")
    out.append("</ItemGroupData></FormData>")
    return seen


def _revisions(out: list[str], form: str, repeat: int, revisions: list[dict[str, Any]], values: Any,
               notes: Notes) -> None:
    """Every stored revision of one record, oldest first: Insert, then one Update per correction."""
    before = None
    for rec in revisions:
        before = _form(out, form, repeat, values(rec), _record_audit(rec), "Insert" if before is None else "Update",
                       before, notes(rec["record_id"], rec["revision"]))


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


def subject_data(study: Study, pdata: ParticipantData, users: set[str], notes: Notes, signed: Signatures) -> str:
    """One participant's SubjectData (as XML text) with every stored revision of each record, each revision's
    ``notes`` and the participant's signatures ``signed``; adds its users to ``users``."""
    p = pdata.participant
    out = [f'<SubjectData xmlns="{NS}" SubjectKey="{attr(p["participant_id"])}" TransactionType="Upsert">',
           signed.head, f'<SiteRef LocationOID="{attr("LOC." + p["site_id"])}"/>']

    def event(oid: str, repeat: Any = None, *, repeat_first: bool = True) -> None:
        key = "" if repeat is None else f' StudyEventRepeatKey="{repeat}"'
        out.append(f'<StudyEventData StudyEventOID="{attr(oid)}"{key} TransactionType="Upsert">' if repeat_first
                   else f'<StudyEventData StudyEventOID="{attr(oid)}" TransactionType="Upsert"{key}>')
        out.append(signed.in_event(oid))

    order = {v.id: v.number for v in study.visits}
    _instrument_values = _instrument_reader()
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
        event(f"SE.{visit_id}", None if study.visit(visit_id).scheduled else 1, repeat_first=False)
        repeats: dict[str, int] = {}
        for form, revisions in events[visit_id]:
            repeats[form] = n = repeats.get(form, 0) + 1
            if form == "LAB":
                rec = revisions[0]
                _form(out, "LAB", n, [("sample_date", rec["sample_date"]), (rec["test_code"], rec["value"])],
                      {"user": rec["imported_by"], "site": rec["site_id"], "at": rec["imported_at"],
                       "reason": rec.get("reason"), "source": f"lab file {rec['source_file']} row {rec['source_row']}"})
            elif form == "ENROLMENT":
                _revisions(out, form, n, revisions, lambda r: [(f, r["data"].get(f)) for f in enrol_fields], notes)
            elif form in kind_items:
                _revisions(out, form, n, revisions, _kind_values(kind_items[form]), notes)
            else:
                _revisions(out, form, n, revisions, clinical_values if form in FORM_KINDS else _instrument_values,
                           notes)
        out.append("</StudyEventData>")
    for n, revisions in enumerate(aes, start=1):
        event(AE_EVENT, n)
        _revisions(out, "AE", 1, revisions, lambda r: list(flat_ae(r["data"], study).items()), notes)
        out.append("</StudyEventData>")
    for kind, entries in common.items():
        for n, revisions in enumerate(entries, start=1):
            event(COMMON_EVENTS[kind], n)
            _revisions(out, FORMS[kind][0], 1, revisions, clinical_values, notes)
            out.append("</StudyEventData>")
    for n, (form, revisions) in enumerate(home, start=1):     # one repeat per home entry, in time order
        event(HOME_EVENT, n)
        _revisions(out, form, 1, revisions, _instrument_values, notes)
        out.append("</StudyEventData>")
    for n, (form, revisions) in enumerate(course, start=1):
        event(COURSE_EVENT, n)
        _revisions(out, form, 1, revisions, lambda r, f=form: form_values(f, r), notes)
        out.append("</StudyEventData>")
    out.append(signed.tail())
    out.append("</SubjectData>")
    return "".join(out)


def _instrument_reader() -> Callable[[dict[str, Any]], list[tuple[str, Any]]]:
    """The item values of an instrument response (answers, diary date, then each score ``score_<name>``), each
    instrument's item ids and score names looked up once per reader (one reader per participant)."""
    shapes: dict[tuple[str, str | None], tuple[Any, list[str], list[tuple[str, str]]]] = {}

    def values(rec: dict[str, Any]) -> list[tuple[str, Any]]:
        key = (rec["instrument_id"], rec.get("instrument_version"))
        shape = shapes.get(key)
        if shape is None:
            inst = get_instrument(*key)
            shape = shapes[key] = (inst, [it.id for it in inst.items], [(n, f"score_{n}") for n in inst.score_names])
        inst, items, score_items = shape
        data = rec["data"]
        scores = inst.score(data)
        return ([(i, data.get(i)) for i in items] + ([(DIARY_DATE, data[DIARY_DATE])] if DIARY_DATE in data else [])
                + [(item, scores.get(n)) for n, item in score_items])

    return values
