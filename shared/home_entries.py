"""Home diary entries (issue 24) as the clinic side reads them: where a record came from, the date a home entry is
about, which study drugs it says were taken, and which diary days are missing. Pure rules, no I/O.

- **Source**: a record is ``home`` when the server stored it from a participant's app device (device kind
  ``participant_app``), ``clinic`` otherwise (a kiosk, or staff on the web). The server derives it from the
  device kind it stored at activation, never from anything in the envelope (``record_source``).
- **Home wins**: a daily home dosing entry (the study instrument with role ``home_dosing``) is about one
  site-local date, ``data.diary_date``; for that date it replaces what a clinic recall diary says
  (``shared.exposure.taken_by_date``), and the kiosk's recall asks only about dates without one.
- **Missed diary days** (``missed_days``): every site-local day from the home diary's start (the activation day,
  or the first dose when later) to yesterday without a daily home entry; none on or after a disposition or the
  day the app was revoked.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import Any

from shared.home import DIARY_DATE, parse_diary_date
from shared.instruments.model import Instrument, ResponseType
from shared.study.model import Study

HOME, CLINIC = "home", "clinic"
SOURCES = (HOME, CLINIC)
APP_DEVICE_KIND = "participant_app"   # devices.kind of a participant's phone (issue 24)
HOME_DOSING_ROLE = "home_dosing"
HOME_SYMPTOMS_ROLE = "home_symptoms"   # symptoms on a day at home (the study file's when_occurs diary)
MAX_MISSED_LISTED = 366            # a missed-days list never grows beyond a year (older gaps are not chased)


def record_source(device_kind: str | None) -> str:
    """``home`` for a record stored from an app device, ``clinic`` for any other (kiosk, web, unknown)."""
    return HOME if device_kind == APP_DEVICE_KIND else CLINIC


def entry_date(rec: Mapping[str, Any]) -> date | None:
    """The site-local date a home entry is about (``data.diary_date``), None when it names none or an odd one."""
    return parse_diary_date((rec.get("data") or {}).get(DIARY_DATE))


def home_dosing_id(study: Study) -> str | None:
    """The id of the study's daily home dosing diary (role ``home_dosing``), None when the study has none."""
    inst = study.instrument_with_role(HOME_DOSING_ROLE)
    return inst.id if inst else None


def taken_drugs(instrument: Instrument, data: Mapping[str, Any]) -> frozenset[str] | None:
    """The study drugs a home dosing entry says were taken on its date: its ``drug_doses`` answer
    (``{"<drug id>": {"taken": true, ...}}``, ``shared.home_dosing``); None when the instrument has no such item
    (a symptoms entry made at home is no dosing day) or the answer is unreadable."""
    items = [it for it in instrument.items if it.response is ResponseType.DRUG_DOSES]
    answers = [data.get(it.id) for it in items if isinstance(data.get(it.id), Mapping)]
    if not answers:
        return None
    taken = {drug for value in answers for drug, entry in value.items()
             if isinstance(drug, str) and isinstance(entry, Mapping) and entry.get("taken") is True}
    return frozenset(taken)


def missed_days(*, start: date | None, today: date, entered: Iterable[date], first_dose: date | None = None,
                ended: date | None = None) -> list[date]:
    """Days without a daily home entry, oldest first: from ``start`` (the activation day; the first dose when
    later) up to yesterday, and before ``ended`` (a disposition's date, or the day the app was revoked).
    Empty without a start (no home diary). Today is never missed yet: the day is not over."""
    if start is None:
        return []
    first = max(start, first_dose) if first_dose else start
    last = today - timedelta(days=1)
    if ended is not None:
        last = min(last, ended - timedelta(days=1))
    first = max(first, last - timedelta(days=MAX_MISSED_LISTED - 1))
    have = set(entered)
    return [d for d in (first + timedelta(days=n) for n in range((last - first).days + 1)) if d not in have]
