"""Laboratory results: the primary endpoint (Treg cells as a percentage of CD4+ cells, flow cytometry).

The lab sends a CSV (participant, visit, date, value, unit). These rules say what
a row may hold; the server's import (server/services/lab_import.py) applies them
to every row and refuses the whole file when any row is wrong, so a file is
either imported completely or not at all.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from shared.errors import FieldProblem
from shared.study.model import PARTICIPANT_ID, Study


@dataclass(frozen=True)
class LabTest:
    """One laboratory test the study imports, with its unit and the values it may take."""

    code: str                 # SDTM LBTESTCD style: <= 8 characters
    name: str
    units: tuple[str, ...]    # spellings accepted in the lab file; the first is the stored one
    minimum: float
    maximum: float
    decimals: int
    loinc: str | None = None


TREG_PCT = LabTest(code="TREGPCT", name="Treg cells (CD4+CD25+FOXP3+) / CD4+ cells", units=("%", "percent"),
                   minimum=0.0, maximum=100.0, decimals=2)
LAB_TESTS: dict[str, LabTest] = {TREG_PCT.code: TREG_PCT}
LAB_COLUMNS = ("participant", "visit", "date", "value", "unit")


@dataclass(frozen=True)
class LabRow:
    """One validated row of a lab file."""

    row: int
    participant_id: str
    visit_id: str
    sample_date: str
    value: float
    unit: str
    test_code: str = TREG_PCT.code


def validate_lab_row(raw: Mapping[str, str | None], row: int, study: Study, *, today: date,
                     test: LabTest = TREG_PCT) -> tuple[LabRow | None, list[FieldProblem]]:
    """Check one CSV row (``row`` counts the header as row 1); returns the row or every problem in it."""
    problems: list[FieldProblem] = []

    def bad(field: str, allowed: str, why: str) -> None:
        value = raw.get(field)
        problems.append(FieldProblem(f"row {row}.{field}", value, allowed,
                                     f"row {row}, {field}: {why} (got {value!r}; allowed: {allowed})"))

    pid = (raw.get("participant") or "").strip()
    if not PARTICIPANT_ID.fullmatch(pid):
        bad("participant", "a participant id like PKU-001", "is not a participant id")
    visit = (raw.get("visit") or "").strip()
    visit_ids = [v.id for v in study.visits]
    if visit not in visit_ids:
        bad("visit", ", ".join(visit_ids), "is not a visit of the study")
    sample: date | None = None
    text = (raw.get("date") or "").strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        try:
            sample = date.fromisoformat(text)
        except ValueError:
            sample = None
    if sample is None:
        bad("date", "a date YYYY-MM-DD", "is not a valid date")
    elif sample > today:
        bad("date", f"a date on or before {today.isoformat()}", "is in the future")
    value: float | None = None
    vtext = (raw.get("value") or "").strip()
    if re.fullmatch(r"\d+(\.\d+)?", vtext):
        value = float(vtext)
        places = len(vtext.split(".")[1]) if "." in vtext else 0
        if not test.minimum <= value <= test.maximum:
            bad("value", f"a number from {test.minimum:g} to {test.maximum:g} {test.units[0]}", "is out of range")
            value = None
        elif places > test.decimals:
            bad("value", f"at most {test.decimals} decimal places", "has too many decimal places")
            value = None
    else:
        bad("value", f"a number from {test.minimum:g} to {test.maximum:g}", "is not a number")
    unit = (raw.get("unit") or "").strip()
    if unit not in test.units:
        bad("unit", " or ".join(repr(u) for u in test.units), "is not the unit of this test")
    if problems or sample is None or value is None:
        return None, problems
    return LabRow(row=row, participant_id=pid, visit_id=visit, sample_date=sample.isoformat(), value=value,
                  unit=test.units[0], test_code=test.code), []


def synthetic_treg_pct(rng: random.Random, *, arm_gain: float, weeks: int) -> float:
    """A plausible synthetic Treg % for demo data: rises by ``arm_gain`` (the arm's ``demo_lab_gain``) over
    12 weeks. Not data."""
    gain = arm_gain * min(weeks, 12) / 12
    return round(max(0.5, rng.gauss(4.5 + gain, 1.0)), 2)
