"""The answer of a ``drug_doses`` item (the home dosing diary, issue 24): for one day, each study drug of the
participant's arm taken or not, when, or why not.

The answer is an object with exactly one entry per drug of the arm (the study file's treatments)::

    {"<drug id>": {"taken": true, "time_taken": "08:30"},
     "<drug id>": {"taken": false, "missed_reason": "<one of the item's choices>"}}

``time_taken`` is the site-local time of day (24-hour ``HH:MM``); it is given exactly when the drug was taken,
``missed_reason`` exactly when it was not. No other keys, no nulls (leave a key out instead). The same rules are
stated as JSON Schema for the phone by ``shared.json_schema``; a test feeds both the same answers.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from shared.errors import FieldProblem
from shared.instruments.model import Item
from shared.values import problem

TIME_OF_DAY = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]")   # fullmatch; [0-9], not \d (no other digits)
TIME_PATTERN = "^" + TIME_OF_DAY.pattern + "$"                # the same rule for JSON Schema
ENTRY_KEYS = ("taken", "time_taken", "missed_reason")


def check_drug_doses(item: Item, value: Any, field: str, drugs: frozenset[str] | None) -> FieldProblem | None:
    """The first problem with a ``drug_doses`` answer for a participant taking ``drugs``; None when it is fine.

    ``drugs`` None (no arm known) is refused by the caller for an arm-specific instrument; here it allows any
    drug id, checked entry by entry.
    """
    wanted = sorted(drugs) if drugs is not None else None
    allowed = (f"an object with one entry for each of {', '.join(wanted)}" if wanted is not None
               else "an object with one entry per study drug of the participant's arm")
    if type(value) is not dict and not isinstance(value, Mapping):
        return problem(field, value, allowed, "must give an answer for each study drug", "dosing.not_per_drug")
    if wanted is not None:
        missing = [d for d in wanted if d not in value]
        if missing:
            return problem(f"{field}.{missing[0]}", None, item.allowed_text(),
                           "is required but was not answered", "value.required")
        extra = sorted(str(k) for k in value if k not in drugs)
        if extra:
            return problem(f"{field}.{extra[0]}", value[extra[0]], ", ".join(wanted),
                           "is not a study drug of the participant's arm", "dosing.drug_not_in_arm")
    codes = item.choice_codes()
    for drug in sorted(value, key=str):
        found = _check_entry(value[drug], f"{field}.{drug}", codes)
        if found is not None:
            return found
    return None


def _check_entry(entry: Any, field: str, codes: tuple[str | int, ...]) -> FieldProblem | None:
    shape = ("{\"taken\": true, \"time_taken\": \"HH:MM\"} or {\"taken\": false, \"missed_reason\": one of "
             + ", ".join(repr(c) for c in codes) + "}")
    if type(entry) is not dict and not isinstance(entry, Mapping):
        return problem(field, entry, shape, "must say whether the drug was taken", "dosing.not_a_dose_entry")
    unknown = sorted(str(k) for k in entry if k not in ENTRY_KEYS)
    if unknown:
        return problem(f"{field}.{unknown[0]}", entry[unknown[0]], ", ".join(ENTRY_KEYS),
                       "is not a part of a dose entry", "dosing.not_a_dose_entry")
    taken = entry.get("taken")
    if not isinstance(taken, bool):
        return problem(f"{field}.taken", taken, "true or false", "must be true or false",
                       "value.not_true_or_false")
    time_taken, reason = entry.get("time_taken"), entry.get("missed_reason")
    if taken:
        if not isinstance(time_taken, str) or not TIME_OF_DAY.fullmatch(time_taken):
            return problem(f"{field}.time_taken", time_taken, "a time of day HH:MM (00:00-23:59, site-local)",
                           "is required when the drug was taken", "dosing.time_taken_invalid")
        if "missed_reason" in entry:
            return problem(f"{field}.missed_reason", reason, "no answer (the drug was taken)",
                           "must be left out when the drug was taken", "value.only_with", item="taken")
        return None
    if reason not in codes or type(reason) is not type(codes[0]):
        return problem(f"{field}.missed_reason", reason, "one of " + ", ".join(repr(c) for c in codes),
                       "is required when the drug was not taken", "dosing.missed_reason_required")
    if "time_taken" in entry:
        return problem(f"{field}.time_taken", time_taken, "no answer (the drug was not taken)",
                       "must be left out when the drug was not taken", "value.only_with", item="taken")
    return None
