"""JSON Schema (2020-12) of what a participant's app sends, generated from the instrument files and the rules
in ``shared/``: the schema of a home entry's ``data`` (per instrument, as asked of the participant's arm) and of
the record envelope. The phone validates with these before it saves; the server runs ``shared.validation`` on
what arrives. ``tests/unit/test_json_schema_agrees.py`` feeds both the same answers and asserts they agree.

``format`` is asserted (``"date"``: a real calendar date). What a schema cannot say is listed beside it by
``server_rules`` (the server checks it; the phone may show it): the diary date's place in time (not after today
at the site, not before consent or activation), one entry per day of a daily diary, and, for number types the
home diaries do not use, decimals and whole numbers written with a fraction (5.0: JSON cannot tell it from 5).
"""

from __future__ import annotations

from typing import Any

from shared.home import DATE_PATTERN, DIARY_DATE
from shared.home_dosing import ENTRY_KEYS, TIME_PATTERN
from shared.instruments.model import Instrument, Item, ResponseType
from shared.records import ENVELOPE_FIELDS, LANGUAGES
from shared.study.home_settings import HomeDiary
from shared.validation import MAX_REASON

DIALECT = "https://json-schema.org/draft/2020-12/schema"
UUID_PATTERN = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
UTC_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?Z$"
LOCAL_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?[+-][0-9]{2}:[0-9]{2}$"
# A pattern's "$" also matches before a final newline in Python's re (not in JavaScript): the lengths make it exact
DIARY_DATE_SCHEMA = {"type": "string", "pattern": DATE_PATTERN, "minLength": 10, "maxLength": 10, "format": "date"}
AT_LEAST_ONE = "at_least_one"   # the $comment of the allOf entry holding the rule (the app finds it by this)
TIME_SCHEMA = {"type": "string", "pattern": TIME_PATTERN, "minLength": 5, "maxLength": 5}


def _drug_doses(item: Item, drugs: frozenset[str] | None) -> dict[str, Any]:
    """Exactly one entry per drug: taken with its time, or not taken with a reason (shared/home_dosing.py)."""
    entry = {
        "type": "object", "required": ["taken"], "additionalProperties": False,
        "properties": {"taken": {"type": "boolean"}, "time_taken": TIME_SCHEMA,
                       "missed_reason": {"enum": list(item.choice_codes())}},
        "if": {"properties": {"taken": {"const": True}}},
        "then": {"required": ["time_taken"], "not": {"required": ["missed_reason"]}},
        "else": {"required": ["missed_reason"], "not": {"required": ["time_taken"]}},
    }
    assert set(entry["properties"]) == set(ENTRY_KEYS)
    if drugs is None:
        return {"type": "object", "minProperties": 1, "additionalProperties": entry}
    wanted = sorted(drugs)
    return {"type": "object", "properties": {d: entry for d in wanted}, "required": wanted,
            "additionalProperties": False}


def _value(item: Item, drugs: frozenset[str] | None) -> dict[str, Any]:
    """The schema of one non-null answer of ``item``."""
    rt = item.response
    if rt is ResponseType.BOOLEAN:
        return {"type": "boolean"}
    if rt is ResponseType.CHOICE:
        return {"enum": list(item.choice_codes())}
    if rt is ResponseType.TEXT:
        return {"type": "string", "maxLength": item.max_length}
    if rt in (ResponseType.INTEGER, ResponseType.VAS_MM):
        return {"type": "integer", "minimum": item.minimum, "maximum": item.maximum}
    if rt is ResponseType.NUMBER:
        return {"type": "number", "minimum": item.minimum, "maximum": item.maximum}
    if rt is ResponseType.DRUG_DOSES:
        return _drug_doses(item, drugs)
    # a dose calendar (clinic diaries only): dates to lists of drugs; "consecutive days" is a server rule
    listed = {"enum": sorted(drugs)} if drugs is not None else {"type": "string"}
    return {"type": "object", "minProperties": 1, "propertyNames": DIARY_DATE_SCHEMA,
            "additionalProperties": {"type": "array", "uniqueItems": True, "items": listed}}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [{"type": "null"}, schema]}


def answers_schema(instrument: Instrument, drugs: frozenset[str] | None, *, dated: bool = True) -> dict[str, Any]:
    """The schema of ``data`` of ``instrument`` as asked of a participant taking ``drugs``; with ``dated``,
    ``diary_date`` is required beside the answers (a home entry). null is an unanswered item, as in
    ``shared.validation.validate_answers``."""
    asked = instrument.items_for(drugs)
    properties: dict[str, Any] = {DIARY_DATE: DIARY_DATE_SCHEMA} if dated else {}
    required = [DIARY_DATE] if dated else []
    conditions: list[dict[str, Any]] = []
    for item in asked:
        value = _value(item, drugs)
        if item.required:
            properties[item.id] = value
            required.append(item.id)
        else:
            properties[item.id] = _nullable(value)
        cond = item.required_if
        if cond is not None and not item.required:   # required when the other item holds one of the values, else empty
            conditions.append({
                "if": {"properties": {cond.item_id: {"enum": list(cond.values)}}, "required": [cond.item_id]},
                "then": {"properties": {item.id: value}, "required": [item.id]},
                "else": {"properties": {item.id: {"type": "null"}}}})
    rule = instrument.at_least_one
    held_by = rule.asked(tuple(it.id for it in asked)) if rule is not None else ()
    if rule is not None and held_by:   # shared.instruments.model.AtLeastOne: one of them answered with the value
        conditions.append({"$comment": AT_LEAST_ONE, "anyOf": [
            {"properties": {i: {"const": rule.value}}, "required": [i]} for i in held_by]})
    schema: dict[str, Any] = {"$schema": DIALECT, "title": f"{instrument.id} {instrument.version}",
                              "type": "object", "properties": properties, "required": required,
                              "additionalProperties": False}
    if conditions:
        schema["allOf"] = conditions
    return schema


def envelope_schema(*, study_id: str, site_id: str, participant_id: str, device_id: str,
                    diaries: list[HomeDiary]) -> dict[str, Any]:
    """The schema of a home entry's envelope from this participant's app (``data``: see ``answers_schema``)."""
    versions = [{"properties": {"instrument_id": {"const": d.instrument}, "instrument_version": {"const": d.version}}}
                for d in diaries]
    properties: dict[str, Any] = {
        "record_id": {"type": "string", "pattern": UUID_PATTERN, "maxLength": 36},
        "revision": {"type": "integer", "minimum": 1},
        "kind": {"const": "instrument_response"},
        "study_id": {"const": study_id},
        "study_version": {"type": "string"},
        "site_id": {"const": site_id},
        "participant_id": {"const": participant_id},
        "visit_id": {"type": "null"},
        "instrument_id": {"enum": [d.instrument for d in diaries]},
        "instrument_version": {"type": "string"},
        "data": {"type": "object"},
        "collected_at": {"type": "string", "pattern": UTC_PATTERN},
        "collected_at_local": {"type": "string", "pattern": LOCAL_PATTERN},
        "entered_by": {"const": "participant"},
        "device_id": {"const": device_id},
        "correction_reason": {"anyOf": [{"type": "null"}, {"type": "string", "minLength": 1,
                                                           "maxLength": MAX_REASON}]},
        "language": {"enum": list(LANGUAGES)},
    }
    assert set(properties) == set(ENVELOPE_FIELDS)
    return {"$schema": DIALECT, "title": "home diary record envelope", "type": "object",
            "properties": properties, "required": list(ENVELOPE_FIELDS), "additionalProperties": False,
            "allOf": [{"oneOf": versions},
                      {"if": {"properties": {"revision": {"const": 1}}},
                       "then": {"properties": {"correction_reason": {"type": "null"}}},
                       "else": {"properties": {"correction_reason": {"type": "string", "pattern": r"\S"}}}}]}


def server_rules(instrument: Instrument, schedule: str) -> list[dict[str, str]]:
    """The rules of a home entry the schema cannot state; the server checks each (code: the problem's code)."""
    rules = [
        {"code": "home.diary_date_future", "field": "data.diary_date",
         "rule": "not after today at the site (the day the entry is made, in the site's time zone)"},
        {"code": "home.diary_date_too_early", "field": "data.diary_date",
         "rule": "not before the participant's consent, nor before the day the app was activated"},
    ]
    if schedule == "daily":
        rules.append({"code": "record.already_submitted", "field": "record_id",
                      "rule": "one entry per participant and diary_date: a change is a new revision of that "
                              "record, with a correction_reason"})
    types = {it.response for it in instrument.items}
    if types & {ResponseType.INTEGER, ResponseType.VAS_MM, ResponseType.NUMBER}:
        rules.append({"code": "value.not_whole_number", "field": "data",
                      "rule": "whole numbers are written without a fraction (5, not 5.0)"})
    if ResponseType.NUMBER in types:
        rules.append({"code": "value.too_many_decimals", "field": "data",
                      "rule": "numbers have at most the item's decimals"})
    if ResponseType.DOSE_CALENDAR in types:
        rules.append({"code": "dosing.period_not_contiguous", "field": "data",
                      "rule": "a dose calendar lists consecutive days"})
    return rules
