"""The validator's quick yes for the record most syncs carry: a plain instrument response at a visit.

``validate_record`` looks at every envelope field with its own check, then the answers, then the times
(``record_times.check_record_times``), parsing both timestamps twice on the way; for the many thousands of
questionnaire answers a sync brings that walk was the biggest part of its work before the write. ``passes``
asks the same rules of such a record in fewer steps: the four patterned fields (record id, both timestamps,
participant id) in one match, each timestamp parsed once for its format and its time rules, the visit,
instrument, arm and dose-calendar look-ups once per (study, visit, instrument, arm), the answers with
``validate_answers`` itself. It only ever says yes: for anything else (another kind, a home diary entry, a
dated dose calendar, a missing field, a value of another type, anything refused) it says no, and the caller
runs ``validate_record``, so every refusal keeps its words and code. tests/unit/test_plain_response.py fuzzes
both and checks that a yes here is never a refusal there.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any, NamedTuple

from shared.errors import UnknownInstrument
from shared.exposure import calendar_item
from shared.instruments import get_instrument
from shared.instruments.model import Instrument
from shared.record_times import MAX_CLOCK_SKEW, MAX_LOCAL_DRIFT
from shared.records import ENVELOPE_FIELDS, LANGUAGES
from shared.site_time import zone
from shared.study.model import PARTICIPANT_ID, Study
from shared.validation import LOCAL_TIMESTAMP, MAX_REASON, RECORD_ID, UTC_TIMESTAMP, validate_answers


def _bare(pattern: re.Pattern[str]) -> str:
    return pattern.pattern.removeprefix("^").removesuffix("$")


# record id | collected_at | collected_at_local | participant id, each the validator's own pattern; none of them
# matches "|", so each part of the joined text is exactly its field
_PATTERNED = re.compile(r"\|".join(f"(?:{_bare(p)})"
                                   for p in (RECORD_ID, UTC_TIMESTAMP, LOCAL_TIMESTAMP, PARTICIPANT_ID)))
_FIELDS = frozenset(ENVELOPE_FIELDS)


class _Asked(NamedTuple):
    """What the answers of one (visit, instrument, arm) are checked against."""

    instrument: Instrument
    drugs: frozenset[str] | None


class _Plan:
    """What one study gives every record's quick check: its id, start, sites' zones and (filled as records
    come) the look-ups of each (visit, instrument, version, arm): None where the long way must decide."""

    def __init__(self, study: Study) -> None:
        self.study = study
        self.study_id = study.study.id
        self.start: date = study.study.start_date
        self.zones = {s.id: zone(s.timezone) for s in reversed(study.sites)}   # the first of an id wins
        self.asked: dict[tuple[str, str, str, str | None], _Asked | None] = {}

    def answers_for(self, visit_id: str, instrument_id: str, version: str, arm_code: str | None) -> _Asked | None:
        key = (visit_id, instrument_id, version, arm_code)
        try:
            return self.asked[key]
        except KeyError:
            pass
        if len(self.asked) > 10_000:
            self.asked.clear()
        hit = self.asked[key] = self._look_up(*key)
        return hit

    def _look_up(self, visit_id: str, instrument_id: str, version: str, arm_code: str | None) -> _Asked | None:
        """As ``_check_instrument_response`` and the time checks look them up; None where either would refuse
        or has more to check (an instrument with a dated dose calendar)."""
        study = self.study
        try:
            visit = study.visit(visit_id)
            instrument = get_instrument(instrument_id, version)
            drugs = None if arm_code is None else study.arm(arm_code).drugs
        except (KeyError, UnknownInstrument):
            return None
        if instrument.id not in visit.instruments or calendar_item(instrument) is not None:
            return None
        return _Asked(instrument, drugs)


_PLANS: dict[int, _Plan] = {}


def _plan(study: Study) -> _Plan:
    """The study's plan, made once per study (the plan holds the study, so its id stays its own)."""
    plan = _PLANS.get(id(study))
    if plan is None or plan.study is not study:
        if len(_PLANS) > 100:
            _PLANS.clear()
        plan = _PLANS[id(study)] = _Plan(study)
    return plan


def _language(value: Any) -> bool:
    return value is None or (type(value) is str and value in LANGUAGES)


def _identifier(value: Any) -> bool:
    return type(value) is str and 0 < len(value) <= 100 and not value.isspace()


def passes(record: Any, study: Study, *, arm_code: str | None, consent_date: date | None,
           now: datetime | None) -> bool:
    """True only when ``validate_record(record, study, arm_code=…, consent_date=…, now=…)`` raises nothing;
    False for any record it cannot vouch for that quickly (``validate_record`` then decides)."""
    if type(record) is not dict or record.keys() != _FIELDS or record["kind"] != "instrument_response":
        return False
    get = record.__getitem__
    site_id, rev, reason = get("site_id"), get("revision"), get("correction_reason")
    plan = _plan(study)
    site_zone = plan.zones.get(site_id) if type(site_id) is str else None
    if (site_zone is None or type(rev) is not int or get("study_id") != plan.study_id
            or type(get("study_version")) is not str
            or not _language(get("language")) or not _identifier(get("entered_by"))
            or not _identifier(get("device_id"))):
        return False
    if rev == 1:
        if reason is not None:
            return False
    elif not (1 < rev and type(reason) is str and 0 < len(reason) <= MAX_REASON and not reason.isspace()):
        return False
    collected, local_text = get("collected_at"), get("collected_at_local")
    try:
        patterned = _PATTERNED.fullmatch("|".join((get("record_id"), collected, local_text,
                                                   get("participant_id"))))
    except TypeError:   # one of them is not text
        return False
    if patterned is None or patterned["site"] != site_id:
        return False
    visit_id, instrument_id, version = get("visit_id"), get("instrument_id"), get("instrument_version")
    if type(visit_id) is not str or type(instrument_id) is not str or type(version) is not str:
        return False   # a home diary entry (no visit), or a refusal: the long way
    asked = plan.answers_for(visit_id, instrument_id, version, arm_code)
    if asked is None:
        return False
    try:   # the envelope's format check reads them with "Z" as +00:00; Python reads "Z" so itself
        utc = datetime.fromisoformat(collected)
        local = datetime.fromisoformat(local_text)
    except ValueError:
        return False
    at_site = utc.astimezone(site_zone)
    if (utc > (now or datetime.now(UTC)).astimezone(UTC) + MAX_CLOCK_SKEW or abs(local - utc) > MAX_LOCAL_DRIFT
            or local.utcoffset() != at_site.utcoffset() or at_site.date() < (consent_date or plan.start)):
        return False
    return not validate_answers(asked.instrument, get("data"), drugs=asked.drugs)
