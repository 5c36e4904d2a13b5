"""ODM forms of the course of the study (issue 16): disposition, protocol deviation and missed visit, each a
repeating form of the common study event ``SE.COURSE`` (one StudyEventData per record, every revision)."""

from __future__ import annotations

from typing import Any

from shared.deviations import CATEGORIES, KIND, MISSED_KIND, SEVERITIES
from shared.disposition import KIND as DISPOSITION_KIND
from shared.disposition import REASONS, STATUSES

COURSE_EVENT = "SE.COURSE"
# form → (record kind, name, items as (field, label, ODM data type, code list: {code: label} or None))
FORMS: dict[str, tuple[str, str, tuple[tuple[str, str, str, dict[str, str] | None], ...]]] = {
    "DISPOSITION": (DISPOSITION_KIND, "Disposition", (
        ("status", "Disposition status", "text", {s: s for s in STATUSES}),
        ("date", "Date of completion or discontinuation", "date", None),
        ("reason", "Reason for discontinuation (CDISC NCOMPLT)", "text",
         {code: label.en for code, (_t, _c, label) in REASONS.items()}),
        ("reason_text", "Reason in words", "text", None))),
    "DEVIATION": (KIND, "Protocol deviation", (
        ("category", "Category", "text", {code: label.en for code, (_c, _d, label) in CATEGORIES.items()}),
        ("description", "Description", "text", None), ("date", "Date", "date", None),
        ("severity", "Severity", "text", {s: s for s in SEVERITIES}),
        ("visit_id", "Visit", "text", None))),
    "VISIT_MISSED": (MISSED_KIND, "Visit missed", (
        ("visit_id", "Visit", "text", None), ("reason", "Reason", "text", None))),
}
FORM_OF_KIND = {kind: form for form, (kind, _name, _items) in FORMS.items()}


def form_values(form: str, rec: dict[str, Any]) -> list[tuple[str, Any]]:
    """The item values of one revision of a course record (the visit from the envelope)."""
    data = {**rec["data"], "visit_id": rec.get("visit_id")}
    return [(f, data.get(f)) for f, *_ in FORMS[form][2]]
