"""Rules of a home diary entry (issue 24): a record the participant makes on their own phone.

A home entry is an ``instrument_response`` with ``visit_id`` null, of one of the study file's ``[home]``
diaries at its version, whose ``data`` holds the instrument's answers plus ``diary_date`` (the site-local date
the entry is about, ``YYYY-MM-DD``). The date is plausible: not after the day the entry was made at the site,
not before the participant's consent (the study start when unknown) and, checked by the server that knows it,
not before the day the app was activated. A ``daily`` diary has one entry per participant and diary date (a
change is a correction of that record); a ``when_occurs`` diary any number, each dated.

What a participant's app may send at all (``check_app_scope``): records of its own participant, its own
device id, entered by the participant, home entries only. Every refusal names the field, the value and the rule.

When the participant leaves the study (``after_disposition``, their disposition as the server holds it): a
withdrawal by subject (consent withdrawn) closes the app: nothing more is taken, whatever day it is about; any
other end (completed, or discontinued for another reason) ends the diary days: entries about days on or before
the disposition date are still taken (a phone that was offline sends its last days late), later days are not.
This study has no follow-up epoch (a disposition ends the participant's part in it), so there is no state
"treatment stopped, still followed up" with symptoms-only diaries.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from shared.disposition import COMPLETED, Disposition
from shared.errors import (
    AppDiaryAfterStudyEnd,
    AppEnteredByRefused,
    AppInstrumentNotHome,
    AppParticipantMismatch,
    AppParticipantWithdrawn,
    FieldProblem,
    RecordInvalid,
    RecordWrongDevice,
)
from shared.study.home_settings import HomeDiary
from shared.study.model import Study
from shared.values import problem

DIARY_DATE = "diary_date"
DATE_PATTERN = r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"   # and a real calendar date
_DATE = re.compile(DATE_PATTERN)
PARTICIPANT = "participant"
WITHDRAWAL = "withdrawal_by_subject"


def is_home_entry(record: Mapping[str, Any]) -> bool:
    """An instrument response made at no visit: an entry of a home diary."""
    return record.get("kind") == "instrument_response" and record.get("visit_id") is None


def home_diary(study: Study, record: Mapping[str, Any]) -> HomeDiary | None:
    """The study's home diary the record is an entry of, or None."""
    return study.home.diary(record.get("instrument_id"))


def parse_diary_date(value: Any) -> date | None:
    """The diary date given, or None when it is not a calendar date ``YYYY-MM-DD``."""
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def diary_date_of(record: Mapping[str, Any]) -> str | None:
    """The ``data.diary_date`` of a home entry as stored (None for every other record, or when it is unusable)."""
    if not is_home_entry(record):
        return None
    data = record.get("data")
    value = data.get(DIARY_DATE) if isinstance(data, Mapping) else None
    return value if parse_diary_date(value) is not None else None


def home_entry_problems(record: Mapping[str, Any], study: Study) -> tuple[list[FieldProblem], Mapping[str, Any] | None]:
    """The envelope problems of a home entry, and its answers without ``diary_date`` for the instrument's
    validation (None when they cannot be validated: not a home diary, wrong version, data not an object)."""
    diary = home_diary(study, record)
    instrument_id, version = record.get("instrument_id"), record.get("instrument_version")
    if diary is None:
        homes = ", ".join(f"{d.instrument} {d.version}" for d in study.home.diaries)
        if not homes:
            ids = ", ".join(v.id for v in study.visits)
            return [FieldProblem("visit_id", None, ids, f"visit_id: None is not a visit; allowed: {ids}")], None
        return [problem("instrument_id", instrument_id, f"a home diary of the study: {homes}",
                        "is not kept at home, so it needs the visit it was made at (visit_id)",
                        "app.instrument_not_home")], None
    if version != diary.version:
        return [problem("instrument_version", version, diary.version,
                        f"is not the version of the home diary {diary.instrument}", "home.version_not_home")], None
    data = record.get("data")
    if type(data) is not dict and not isinstance(data, Mapping):
        return [FieldProblem("data", data, "an object of item answers",
                             "data: must be an object of item answers")], None
    problems: list[FieldProblem] = []
    value = data.get(DIARY_DATE)
    if value is None:
        problems.append(problem("data.diary_date", None, "the site-local date the entry is about, YYYY-MM-DD",
                                "is required on a home diary entry", "home.diary_date_required"))
    elif parse_diary_date(value) is None:
        problems.append(problem("data.diary_date", value, "a date YYYY-MM-DD", "is not a valid date",
                                "value.date_invalid"))
    return problems, {k: v for k, v in data.items() if k != DIARY_DATE}


def diary_date_times(record: Mapping[str, Any], *, day: date, floor: date, floor_name: str) -> list[FieldProblem]:
    """Time plausibility of a home entry (called by ``shared.record_times``): its diary date no later than
    ``day`` (the site-local day it was made) and no earlier than ``floor`` (the consent, or the study start)."""
    given = parse_diary_date(record["data"].get(DIARY_DATE)) if is_home_entry(record) else None
    if given is None:
        return []
    if given > day:
        return [problem("data.diary_date", given.isoformat(), f"on or before {day.isoformat()} (the day the entry "
                        "was made at the site)", "is in the future at the site", "home.diary_date_future")]
    if given < floor:
        return [problem("data.diary_date", given.isoformat(), f"on or after {floor.isoformat()} ({floor_name})",
                        f"is before {floor_name}", "home.diary_date_too_early")]
    return []


def diary_date_before_activation(record: Mapping[str, Any], activated_on: date) -> FieldProblem | None:
    """The refusal of a home entry dated before the site-local day its app was activated; None when it is not."""
    given = parse_diary_date(record["data"].get(DIARY_DATE)) if is_home_entry(record) else None
    if given is None or given >= activated_on:
        return None
    return problem("data.diary_date", given.isoformat(), f"on or after {activated_on.isoformat()} (the day the "
                   "participant's app was activated)", "is before the app was activated", "home.diary_date_too_early")


def home_submission_key(record: Mapping[str, Any], study: Study) -> tuple[str, ...] | None:
    """One entry per participant × instrument × diary date for a ``daily`` diary; None (any number) otherwise."""
    diary = home_diary(study, record)
    day = diary_date_of(record)
    if diary is None or diary.schedule != "daily" or day is None:
        return None
    return (str(record.get("participant_id")), "instrument_response", "", str(diary.instrument), day)


def check_app_scope(record: Any, study: Study, *, participant_id: str, device_id: str) -> RecordInvalid | None:
    """What a participant's app (credential of ``participant_id`` on ``device_id``) may send; None when the
    record is within it. Checked before anything else, so a record outside it is refused for that reason."""
    if not isinstance(record, Mapping):
        return None   # the shape check refuses it
    pid = record.get("participant_id")
    if pid != participant_id:
        return AppParticipantMismatch([problem("participant_id", pid, participant_id,
                                               "is not the participant this app was activated for",
                                               "app.participant_mismatch")])
    if record.get("device_id") != device_id:
        return RecordWrongDevice([problem("device_id", record.get("device_id"), device_id,
                                          "is not the device id given to this app at activation",
                                          "record.wrong_device")])
    homes = ", ".join(f"{d.instrument} {d.version}" for d in study.home.diaries) or "none"
    if record.get("kind") != "instrument_response":
        return AppInstrumentNotHome([problem("kind", record.get("kind"), "instrument_response",
                                             "is not a home diary entry", "app.instrument_not_home")])
    diary = home_diary(study, record)
    if diary is None:
        return AppInstrumentNotHome([problem("instrument_id", record.get("instrument_id"),
                                             f"a home diary of the study: {homes}",
                                             "is not a diary kept at home", "app.instrument_not_home")])
    if record.get("visit_id") is not None:
        return AppInstrumentNotHome([problem("visit_id", record.get("visit_id"), "null (a home entry)",
                                             "is a clinic visit; a home entry belongs to none",
                                             "app.instrument_not_home")])
    if record.get("instrument_version") != diary.version:
        return AppInstrumentNotHome([problem("instrument_version", record.get("instrument_version"), diary.version,
                                             f"is not the version of the home diary {diary.instrument}",
                                             "app.instrument_not_home")])
    if record.get("entered_by") != PARTICIPANT:
        return AppEnteredByRefused([problem("entered_by", record.get("entered_by"), PARTICIPANT,
                                            "is not the participant", "app.entered_by_not_participant")])
    return None


def withdrew_consent(ended: Disposition | None) -> bool:
    """True when the participant's disposition is a withdrawal by subject: their app is closed."""
    return ended is not None and ended.status != COMPLETED and ended.reason == WITHDRAWAL


def withdrawn_problem(participant_id: str, ended: Disposition) -> FieldProblem:
    """The refusal of anything from the app of a participant who withdrew consent on ``ended.day``."""
    return problem("participant_id", participant_id, "a participant still on study",
                   f"withdrew consent on {ended.day.isoformat()} (disposition: withdrawal by subject), so the study "
                   "takes nothing more from their app", "app.participant_withdrawn", date=ended.day.isoformat())


def after_disposition(record: Any, ended: Disposition | None) -> RecordInvalid | None:
    """The refusal of a home entry its participant's disposition ``ended`` excludes; None when it is taken."""
    if ended is None or not isinstance(record, Mapping):
        return None
    if withdrew_consent(ended):
        return AppParticipantWithdrawn([withdrawn_problem(str(record.get("participant_id")), ended)])
    data = record.get("data")
    given = parse_diary_date(data.get(DIARY_DATE)) if isinstance(data, Mapping) else None
    if given is None or given <= ended.day:
        return None
    what = "completed the study" if ended.status == COMPLETED else "left the study (discontinued)"
    return AppDiaryAfterStudyEnd([problem("data.diary_date", given.isoformat(),
                                          f"on or before {ended.day.isoformat()} (the participant {what} that day)",
                                          f"is after the participant {what}", "app.diary_after_study_end",
                                          end=ended.day.isoformat())])
