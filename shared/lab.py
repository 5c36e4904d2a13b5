"""Laboratory results: what a row of a lab file may hold, for every test of the study file's lab panel.

One generic layout: ``participant, visit, date, test_code, value, unit`` (+ optional ``reason``, which makes
the row a correction of the result stored for the same participant, visit, test and date). The first
release's Treg-only layout (``participant, visit, date, value, unit``: no test_code column) still imports: its
rows are the study's primary test. The server's import (server/services/lab_import.py) applies these rules to
every row and refuses the whole file when any row is wrong, so a file is imported completely or not at all.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date

from shared.errors import FieldProblem
from shared.study.lab_panel import LabTest
from shared.study.model import PARTICIPANT_ID, Study

LEGACY_COLUMNS = ("participant", "visit", "date", "value", "unit")   # the first release's Treg-only file
LAB_COLUMNS = ("participant", "visit", "date", "test_code", "value", "unit")
OPTIONAL_COLUMNS = ("reason",)
_NUMBER = re.compile(r"[0-9]+(\.[0-9]+)?")


@dataclass(frozen=True)
class LabRow:
    """One validated row of a lab file (``reason`` set: a correction of the stored result with this key)."""

    row: int
    participant_id: str
    visit_id: str
    sample_date: str
    value: float
    unit: str
    test_code: str
    reason: str | None = None

    @property
    def key(self) -> tuple[str, str, str, str]:
        """What names one result: participant, visit, test and sample date (a correction keeps it)."""
        return self.participant_id, self.visit_id, self.test_code, self.sample_date


def missing_columns(header: list[str]) -> list[str]:
    """The required columns a header lacks: the generic layout, or the Treg-only one when it has no test_code."""
    wanted = LAB_COLUMNS if "test_code" in header else LEGACY_COLUMNS
    return [c for c in wanted if c not in header]


def validate_lab_row(raw: Mapping[str, str | None], row: int, study: Study, *,
                     today: date) -> tuple[LabRow | None, list[FieldProblem]]:
    """Check one CSV row (``row`` counts the header as row 1); returns the row or every problem in it.

    A row without a ``test_code`` key is a row of the Treg-only layout: the study's primary test.
    """
    problems: list[FieldProblem] = []

    def bad(field: str, allowed: str, why: str) -> None:
        value = raw.get(field)
        problems.append(FieldProblem(f"row {row}.{field}", value, allowed,
                                     f"row {row}, {field}: {why} (got {value!r}; allowed: {allowed})"))

    test: LabTest | None
    if "test_code" in raw:
        code = (raw.get("test_code") or "").strip().upper()
        test = study.lab_tests.get(code)
        if test is None:
            bad("test_code", ", ".join(study.lab_tests) or "no test (the study file has no lab panel)",
                "is not a test of the study's lab panel")
    else:
        test = study.primary_lab_test()
        if test is None:
            bad("test_code", "a test_code column", "is missing and the study file marks no test primary")
    pid = (raw.get("participant") or "").strip()
    if not PARTICIPANT_ID.fullmatch(pid):
        bad("participant", "a participant id like PKU-001", "is not a participant id")
    visit = (raw.get("visit") or "").strip()
    visit_ids = [v.id for v in study.visits]
    if visit not in visit_ids:
        bad("visit", ", ".join(visit_ids), "is not a visit of the study")
    sample: date | None = None
    text = (raw.get("date") or "").strip()
    if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
        try:
            sample = date.fromisoformat(text)
        except ValueError:
            sample = None
    if sample is None:
        bad("date", "a date YYYY-MM-DD", "is not a valid date")
    elif sample > today:
        bad("date", f"a date on or before {today.isoformat()}", "is in the future")
    value = _value(raw, test, bad)
    unit = (raw.get("unit") or "").strip()
    if test is not None and unit not in test.units:
        bad("unit", " or ".join(repr(u) for u in test.units), f"is not the unit of {test.code}")
    reason = (raw.get("reason") or "").strip() or None
    if problems or sample is None or value is None or test is None:
        return None, problems
    return LabRow(row=row, participant_id=pid, visit_id=visit, sample_date=sample.isoformat(), value=value,
                  unit=test.unit, test_code=test.code, reason=reason), []


def _value(raw: Mapping[str, str | None], test: LabTest | None,
           report: Callable[[str, str, str], None]) -> float | None:
    """The row's value as a number within the test's plausible limits and decimals, or None (reported)."""
    vtext = (raw.get("value") or "").strip()
    if test is None:
        return float(vtext) if _NUMBER.fullmatch(vtext) else None
    span = f"a number from {test.minimum:g} to {test.maximum:g} {test.unit}"
    if not _NUMBER.fullmatch(vtext):
        report("value", span, "is not a number")
        return None
    value = float(vtext)
    places = len(vtext.split(".")[1]) if "." in vtext else 0
    if not test.minimum <= value <= test.maximum:
        report("value", span, "is out of range")
        return None
    if places > test.decimals:
        report("value", f"at most {test.decimals} decimal places", "has too many decimal places")
        return None
    return value


def synthetic_treg_pct(rng: random.Random, *, arm_gain: float, weeks: int) -> float:
    """A plausible synthetic Treg % for demo data: rises by ``arm_gain`` (the arm's ``demo_lab_gain``) over
    12 weeks. Not data."""
    gain = arm_gain * min(weeks, 12) / 12
    return round(max(0.5, rng.gauss(4.5 + gain, 1.0)), 2)
