"""The one validator both the kiosk and the server call.

Every refusal names the field, the value given and what is allowed. Nothing is
coerced: "5" is not 5, 5.0 is not a whole number, true is not 1. A silent fix
would change what the participant meant.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from shared import answer_plan
from shared.adverse_events import validate_adverse_event
from shared.clinical_record import CLINICAL_KINDS, validate_clinical_record
from shared.deviations import validate_deviation, validate_visit_missed
from shared.disposition import validate_disposition
from shared.errors import FieldProblem, RecordInvalid, RecordTimeImplausible, UnknownInstrument
from shared.exposure import check_calendar
from shared.home import home_entry_problems
from shared.home_dosing import check_drug_doses
from shared.instruments import get_instrument
from shared.instruments.model import AtLeastOne, Instrument, Item, ResponseType
from shared.queries import validate_query_response
from shared.record_times import check_record_times
from shared.records import ENVELOPE_FIELDS, KINDS, LANGUAGES
from shared.screening import validate_enrolment_data, validate_randomisation_data, validate_screening_data
from shared.study.model import PARTICIPANT_ID, Study
from shared.values import is_int, is_number, parses_as_timestamp, problem

# [0-9], not \d: \d also matches other scripts' digits (slower), which fromisoformat refuses anyway
UTC_TIMESTAMP = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?Z$")
RECORD_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")  # str(uuid.UUID(x)) form
_ENVELOPE = frozenset(ENVELOPE_FIELDS)
LOCAL_TIMESTAMP = re.compile(
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?[+-][0-9]{2}:[0-9]{2}$")
MAX_REASON = 500


_CODES: dict[int, tuple[Item, tuple[str | int, ...]]] = {}
_DRUGS: dict[tuple[int, str], tuple[Study, frozenset[str]]] = {}


def _drugs(study: Study, arm_code: str) -> frozenset[str]:
    """``study.arm(arm_code).drugs`` made once per study and arm (KeyError for an unknown arm, as there)."""
    key = (id(study), arm_code)
    hit = _DRUGS.get(key)
    if hit is None or hit[0] is not study:
        drugs = study.arm(arm_code).drugs
        if len(_DRUGS) > 1000:
            _DRUGS.clear()
        hit = _DRUGS[key] = (study, drugs)
    return hit[1]


_SITES: dict[int, tuple[Study, frozenset[str]]] = {}


def _site_ids(study: Study) -> frozenset[str]:
    """The ids of the study's sites, gathered once per study (every record's site is checked against them)."""
    hit = _SITES.get(id(study))
    if hit is None or hit[0] is not study:
        if len(_SITES) > 100:
            _SITES.clear()
        hit = _SITES[id(study)] = (study, frozenset(s.id for s in study.sites))
    return hit[1]


def _choice_codes(item: Item) -> tuple[str | int, ...]:
    """``item.choice_codes()`` made once per item (the cache holds the item, so its id stays its own)."""
    hit = _CODES.get(id(item))
    if hit is None or hit[0] is not item:
        if len(_CODES) > 10_000:
            _CODES.clear()
        hit = _CODES[id(item)] = (item, item.choice_codes())
    return hit[1]


def check_answer(item: Item, value: Any, field: str) -> FieldProblem | None:
    """Check one non-missing answer against its item; None when acceptable."""

    def bad(why: str, code: str, **params: Any) -> FieldProblem:
        # allowed_text() is built only for a refusal: this runs for every answer of every sync
        return problem(field, value, item.allowed_text(), why, code, **params)

    rt = item.response
    if rt in (ResponseType.INTEGER, ResponseType.VAS_MM):
        if not is_int(value):
            return bad("must be a whole number", "value.not_whole_number")
    elif rt is ResponseType.NUMBER:
        if not is_number(value):
            return bad("must be a number", "value.not_number")
        if round(float(value), item.decimals) != float(value):
            return bad(f"has more than {item.decimals} decimal place(s)", "value.too_many_decimals",
                       decimals=item.decimals)
    elif rt is ResponseType.CHOICE:
        codes = _choice_codes(item)
        if value not in codes or type(value) is not type(codes[0]):
            return bad("is not one of the allowed answers", "value.not_a_choice")
        return None
    elif rt is ResponseType.BOOLEAN:
        return None if isinstance(value, bool) else bad("must be true or false", "value.not_true_or_false")
    elif rt is ResponseType.TEXT:
        if not isinstance(value, str):
            return bad("must be text", "value.not_text")
        if len(value) > item.max_length:
            return bad("is too long", "value.too_long", max_length=item.max_length)
        return None
    if item.minimum is not None and value < item.minimum:
        return bad("is below the allowed range", "value.below_range", minimum=item.minimum)
    if item.maximum is not None and value > item.maximum:
        return bad("is above the allowed range", "value.above_range", maximum=item.maximum)
    return None


_Asked = tuple[dict[str, Item], tuple[answer_plan.Step, ...]]   # the asked items by id, and their steps
_ASKED: dict[tuple[int, frozenset[str] | None], tuple[Instrument, dict[str, Item], tuple[answer_plan.Step, ...]]] = {}


def _asked(instrument: Instrument, drugs: frozenset[str] | None) -> _Asked:
    """The items asked of a participant taking ``drugs``, by id, and the steps that check them: made once per
    instrument and arm, as every answer of every sync is checked against them (the cache holds the instrument,
    so its id stays its own)."""
    key = (id(instrument), drugs)
    hit = _ASKED.get(key)
    if hit is None or hit[0] is not instrument:
        if len(_ASKED) > 1000:
            _ASKED.clear()
        asked = {it.id: it for it in instrument.items_for(drugs)}
        hit = _ASKED[key] = (instrument, asked, answer_plan.steps(instrument, asked))
    return hit[1], hit[2]


def validate_answers(instrument: Instrument, answers: Any, *, drugs: frozenset[str] | None,
                     prefix: str = "data") -> list[FieldProblem]:
    """Every problem with ``answers`` for ``instrument`` as asked of a participant taking ``drugs``."""
    if type(answers) is not dict and not isinstance(answers, Mapping):  # dict first: no ABC check
        return [FieldProblem(prefix, answers, "an object of item answers",
                             f"{prefix}: must be an object of item answers")]
    if instrument.arm_specific and drugs is None:
        return [FieldProblem("participant_id", None, "an enrolled participant with an arm",
                             f"{instrument.id} depends on the participant's arm, which is not known: "
                             "sync or record the enrolment first")]
    asked, steps = _asked(instrument, drugs)
    problems: list[FieldProblem] = []
    for key in answers:
        if key not in asked:
            why = ("is not asked of this participant's arm" if key in {i.id for i in instrument.items}
                   else f"is not an item of {instrument.id} {instrument.version}")
            problems.append(FieldProblem(f"{prefix}.{key}", answers[key], ", ".join(asked),
                                         f"{prefix}.{key}: {why}; allowed items: {', '.join(asked)}"))
    for item, item_id, required, if_item, if_values, accepts in steps:
        value = answers.get(item_id)
        if value is None:
            if required or (if_item is not None and answers.get(if_item) in if_values):
                field = f"{prefix}.{item_id}"
                problems.append(FieldProblem(field, None, item.allowed_text(),
                                             f"{field}: is required but was not answered "
                                             f"(allowed: {item.allowed_text()})", "value.required"))
            continue   # an optional item left empty: nothing to check (the field's name is made only for a refusal)
        if if_item is not None and not required and answers.get(if_item) not in if_values:
            field = f"{prefix}.{item_id}"
            problems.append(FieldProblem(field, value, "no answer",
                                         f"{field}: must be empty unless {if_item} is "
                                         f"{' or '.join(map(repr, if_values))}",
                                         "value.only_with", {"item": if_item}))
            continue
        if accepts is not None and accepts(value):
            continue   # most answers: a plain value within the item's rule (answer_plan says only yes)
        field = f"{prefix}.{item_id}"
        problem = (check_calendar(value, field, drugs) if item.response is ResponseType.DOSE_CALENDAR
                   else check_drug_doses(item, value, field, drugs) if item.response is ResponseType.DRUG_DOSES
                   else check_answer(item, value, field))
        if problem:
            problems.append(problem)
    rule = instrument.at_least_one
    if rule is not None:
        problems += _at_least_one(rule, answers, rule.asked(asked), prefix)
    return problems


def _at_least_one(rule: AtLeastOne, answers: Mapping[str, Any], items: tuple[str, ...],
                  prefix: str) -> list[FieldProblem]:
    """The refusal of an entry that answers none of the rule's asked items with its value (named at the first)."""
    if rule.holds(answers, items):
        return []
    allowed = f"at least one of {', '.join(items)} answered {rule.value!r}"
    field = f"{prefix}.{items[0]}"
    return [FieldProblem(field, {i: answers.get(i) for i in items}, allowed,
                         f"{field}: {allowed} ({rule.message.en})", "value.at_least_one",
                         {"items": list(items), "value": rule.value})]


def _check_envelope(record: Mapping[str, Any], study: Study) -> list[FieldProblem]:
    p: list[FieldProblem] = []

    def add(field: str, allowed: str, why: str) -> None:
        p.append(problem(field, record.get(field), allowed, why))

    unknown = () if _ENVELOPE.issuperset(record) else sorted(record.keys() - _ENVELOPE)
    for key in unknown:
        p.append(FieldProblem(key, record[key], "the record envelope fields",
                              f"{key}: is not a field of a record"))
    rid = record.get("record_id")
    if not isinstance(rid, str) or not RECORD_ID.fullmatch(rid):  # what str(uuid.UUID(rid)) == rid accepts
        add("record_id", "a lower-case UUID string", "is not a UUID in canonical form")
    rev = record.get("revision")
    if not is_int(rev) or rev < 1:
        add("revision", "a whole number >= 1", "is not a valid revision")
    if record.get("kind") not in KINDS:
        add("kind", " or ".join(KINDS), "is not a known kind of record")
    if record.get("study_id") != study.study.id:
        add("study_id", study.study.id, "is not this study")
    if not isinstance(record.get("study_version"), str):
        add("study_version", "a study file version string", "is missing")
    site_id = record.get("site_id")
    if not isinstance(site_id, str) or site_id not in _site_ids(study):
        add("site_id", ", ".join(sorted({s.id for s in study.sites})), "is not a site of this study")
    pid = record.get("participant_id")
    match = PARTICIPANT_ID.match(pid) if isinstance(pid, str) else None
    if not match:
        add("participant_id", "SITE-NNN, e.g. PKU-001", "is not a participant id")
    elif match["site"] != record.get("site_id"):
        add("participant_id", f"an id starting with {record.get('site_id')}-",
            "does not belong to the record's site")
    for field, pattern, allowed in (("collected_at", UTC_TIMESTAMP, "UTC ISO 8601 like 2026-03-01T08:00:00Z"),
                                    ("collected_at_local", LOCAL_TIMESTAMP,
                                     "ISO 8601 with offset like 2026-03-01T16:00:00+08:00")):
        value = record.get(field)
        if not isinstance(value, str) or not pattern.match(value) or not parses_as_timestamp(value):
            add(field, allowed, "is not a valid timestamp")
    for field in ("entered_by", "device_id"):
        value = record.get(field)
        if not isinstance(value, str) or not value.strip() or len(value) > 100:
            add(field, "a non-empty identifier of at most 100 characters", "is missing or invalid")
    if record.get("language") not in (None, *LANGUAGES):
        add("language", "null, " + " or ".join(LANGUAGES), "is not a language the questions exist in")
    reason = record.get("correction_reason")
    if is_int(rev) and rev > 1:
        if not isinstance(reason, str) or not reason.strip() or len(reason) > MAX_REASON:
            add("correction_reason", f"a reason of 1-{MAX_REASON} characters",
                "is required for a correction (revision > 1)")
    elif reason is not None:
        add("correction_reason", "null for a first entry", "must be empty on revision 1")
    return p


def validate_record(record: Any, study: Study, *, arm_code: str | None = None, consent_date: date | None = None,
                    now: datetime | None = None) -> None:
    """Check a whole record envelope and its data. Raises RecordInvalid listing every problem.

    ``arm_code`` is the participant's arm where known (needed for arm-specific instruments); ``consent_date``
    the participant's consent where known (no record of the participant may be older). A record whose fields
    are all valid but whose times cannot be true (shared/record_times.py; ``now`` defaults to the clock)
    raises RecordTimeImplausible.
    """
    if type(record) is not dict and not isinstance(record, Mapping):  # dict first: no ABC check
        raise RecordInvalid([FieldProblem("record", record, "an object", "record: must be a JSON object")])
    problems = _check_envelope(record, study)
    kind = record.get("kind")
    if kind == "instrument_response":
        problems += _check_instrument_response(record, study, arm_code)
    elif kind == "enrolment":
        problems += validate_enrolment_data(record.get("data"), study)
    elif kind == "screening":
        problems += validate_screening_data(record.get("data"), study)
    elif kind == "randomisation":
        problems += validate_randomisation_data(record.get("data"), study) + _check_visit_role(record, study)
    elif kind == "adverse_event":
        drugs = None
        if arm_code is not None and any(a.code == arm_code for a in study.arms):
            drugs = _drugs(study, arm_code)
        problems += validate_adverse_event(record.get("data"), study, drugs)
    elif kind in CLINICAL_KINDS:
        problems += validate_clinical_record(record, study)
    elif kind == "query_response":
        problems += validate_query_response(record.get("data"))
    elif kind == "disposition":
        problems += validate_disposition(record)
    elif kind == "protocol_deviation":
        problems += validate_deviation(record, study)
    elif kind == "visit_missed":
        problems += validate_visit_missed(record, study)
    if problems:
        raise RecordInvalid(problems)
    implausible = check_record_times(record, study, now=now or datetime.now(UTC), consent_date=consent_date)
    if implausible:
        raise RecordTimeImplausible(implausible)


def _check_visit_role(record: Mapping[str, Any], study: Study, role: str = "randomisation") -> list[FieldProblem]:
    """A record made at the visit the study file names for ``role`` carries that visit's id."""
    visit = study.visit_with_role(role)
    expected = visit.id if visit else None
    if record.get("visit_id") != expected:
        return [problem("visit_id", record.get("visit_id"), repr(expected), f"is not the study's {role} visit")]
    return []


def _check_instrument_response(record: Mapping[str, Any], study: Study,
                               arm_code: str | None) -> list[FieldProblem]:
    problems: list[FieldProblem] = []
    visit_id = record.get("visit_id")
    if visit_id is None:   # a home diary entry (issue 24): shared/home.py
        problems, answers = home_entry_problems(record, study)
        if answers is None:
            return problems
        drugs, refused = _arm_drugs(study, arm_code)
        if refused:
            return problems + refused
        return problems + validate_answers(get_instrument(record["instrument_id"], record["instrument_version"]),
                                           answers, drugs=drugs)
    try:
        visit = study.visit(visit_id) if isinstance(visit_id, str) else None
    except KeyError:
        visit = None
    if visit is None:
        ids = ", ".join(v.id for v in study.visits)
        return [FieldProblem("visit_id", visit_id, ids, f"visit_id: {visit_id!r} is not a visit; allowed: {ids}")]
    try:
        version = record.get("instrument_version")
        instrument = get_instrument(str(record.get("instrument_id")), version if isinstance(version, str)
                                    else "?")
    except UnknownInstrument as exc:
        return [FieldProblem("instrument_id", record.get("instrument_id"), "a defined instrument",
                             exc.message)]
    if instrument.id not in visit.instruments:
        return [FieldProblem("instrument_id", instrument.id, ", ".join(visit.instruments),
                             f"instrument_id: {instrument.id} is not due at visit {visit.id}; "
                             f"due are {', '.join(visit.instruments)}")]
    drugs, refused = _arm_drugs(study, arm_code)
    if refused:
        return refused
    problems += validate_answers(instrument, record.get("data"), drugs=drugs)
    return problems


def _arm_drugs(study: Study, arm_code: str | None) -> tuple[frozenset[str] | None, list[FieldProblem]]:
    """The drugs of the participant's arm (None when not known), or the refusal of an arm the study lacks."""
    if arm_code is None:
        return None, []
    try:
        return _drugs(study, arm_code), []
    except KeyError:
        return None, [FieldProblem("arm", arm_code, ", ".join(a.code for a in study.arms),
                                   f"arm {arm_code!r} is not an arm of this study")]

