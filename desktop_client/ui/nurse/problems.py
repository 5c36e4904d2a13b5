"""Refusals from the shared validator, worded for staff in the screen's language.

shared/validation.py names each refused field with its path (``data.causality_il2``) and an English
rule text. Staff see the field as it is labelled on the form and the reason in their language; a field
or rule not known here falls back to the validator's own message, so nothing is ever hidden.
"""

from __future__ import annotations

from functools import cache

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

from desktop_client.ui.nurse.widgets import in_language
from shared.errors import FieldProblem, RecordInvalid, TrialproError
from shared.instruments import get_instrument
from shared.instruments.model import Text

FIELD_LABELS = {
    "data.term": QT_TRANSLATE_NOOP("Nurse", "Adverse event term"),
    "data.onset_date": QT_TRANSLATE_NOOP("Nurse", "Onset date"),
    "data.end_date": QT_TRANSLATE_NOOP("Nurse", "End date"),
    "data.grade": QT_TRANSLATE_NOOP("Nurse", "CTCAE grade"),
    "data.serious": QT_TRANSLATE_NOOP("Nurse", "Seriousness"),
    "data.serious_criteria": QT_TRANSLATE_NOOP("Nurse", "Seriousness criteria"),
    "data.causality_il2": QT_TRANSLATE_NOOP("Nurse", "Causality to IL-2"),
    "data.causality_rapamycin": QT_TRANSLATE_NOOP("Nurse", "Causality to rapamycin"),
    "data.action_il2": QT_TRANSLATE_NOOP("Nurse", "Action taken with IL-2"),
    "data.action_rapamycin": QT_TRANSLATE_NOOP("Nurse", "Action taken with rapamycin"),
    "data.outcome": QT_TRANSLATE_NOOP("Nurse", "Outcome"),
    "data.activity": QT_TRANSLATE_NOOP("Nurse", "Physician Global VAS score"),
    "correction_reason": QT_TRANSLATE_NOOP("Nurse", "Reason for the correction"),
}
# The cross-field rules of shared/adverse_events.py, by their "allowed" text.
RULES = {
    "grade 5 only with serious = yes and 'death' ticked":
        QT_TRANSLATE_NOOP("Nurse", "grade 5 needs the event to be serious with 'Results in death' ticked"),
    "'death' only with grade 5": QT_TRANSLATE_NOOP("Nurse", "'Results in death' needs CTCAE grade 5"),
    "'fatal' exactly when grade is 5":
        QT_TRANSLATE_NOOP("Nurse", "the outcome 'Fatal' goes with grade 5, and grade 5 with 'Fatal'"),
    "on or after the onset date": QT_TRANSLATE_NOOP("Nurse", "must be on or after the onset date"),
}


@cache
def _domain_labels() -> dict[str, Text]:
    return {f"data.{it.id}": it.label for it in get_instrument("essdai").items}


def _t(text: str) -> str:
    return QCoreApplication.translate("Nurse", text)


def problem_text(p: FieldProblem) -> str:
    """One refused field: its label on the form and why, in the screen's language."""
    if p.field in _domain_labels():
        label = "ESSDAI " + in_language(_domain_labels()[p.field])
    elif p.field in FIELD_LABELS:
        label = _t(FIELD_LABELS[p.field])
    else:
        return p.message
    if p.allowed in RULES:
        why = _t(RULES[p.allowed])
    elif p.value is None or (isinstance(p.value, str) and not p.value.strip()) or p.value == []:
        why = QCoreApplication.translate("Nurse", "required, not filled in")
    else:
        why = QCoreApplication.translate("Nurse", "{0} is not allowed (allowed: {1})").format(p.value, p.allowed)
    return f"{label}: {why}"


def error_text(exc: TrialproError) -> str:
    """A refusal for staff: what happened, then each refused field (or the service's own message)."""
    if isinstance(exc, RecordInvalid):
        lead = QCoreApplication.translate("Nurse", "Not saved. Please correct:")
        return lead + "\n" + "\n".join(f"• {problem_text(p)}" for p in exc.problems)
    return QCoreApplication.translate("Nurse", "Not done:") + " " + exc.message
