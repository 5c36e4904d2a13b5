"""Refusals from the shared validator, worded for staff in the screen's language.

shared/validation.py names each refused field with its path (``data.causality.<drug>``), an English rule
text and a stable rule code with its params (``FieldProblem.code``). Staff see the field as it is labelled on
the form and the reason, chosen by code, in their language; a field or rule not known here falls back to the
validator's own message, so nothing is ever hidden.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication
from PySide6.QtWidgets import QAbstractButton

from desktop_client.ui.nurse.widgets import MessageLabel, in_language, study_text
from desktop_client.ui.workers import run_in_background
from shared.errors import FieldProblem, RecordInvalid, TrialproError
from shared.study.model import Study

FIELD_LABELS = {
    "data.term": QT_TRANSLATE_NOOP("Nurse", "Adverse event term"),
    "data.onset_date": QT_TRANSLATE_NOOP("Nurse", "Onset date"),
    "data.end_date": QT_TRANSLATE_NOOP("Nurse", "End date"),
    "data.grade": QT_TRANSLATE_NOOP("Nurse", "CTCAE grade"),
    "data.serious": QT_TRANSLATE_NOOP("Nurse", "Seriousness"),
    "data.serious_criteria": QT_TRANSLATE_NOOP("Nurse", "Seriousness criteria"),
    "data.outcome": QT_TRANSLATE_NOOP("Nurse", "Outcome"),
    "data.term_en": QT_TRANSLATE_NOOP("Nurse", "English translation of the term"),
    "data.awareness_at": QT_TRANSLATE_NOOP("Nurse", "Site became aware"),
    "data.death_date": QT_TRANSLATE_NOOP("Nurse", "Date of death"),
    "data.nonserious_reason": QT_TRANSLATE_NOOP("Nurse", "Reason it is not serious"),
    "data.activity": QT_TRANSLATE_NOOP("Nurse", "Physician Global VAS score"),
    "correction_reason": QT_TRANSLATE_NOOP("Nurse", "Reason for the correction"),
}
# The cross-field rules of shared/adverse_events.py, by their rule code (FieldProblem.code).
RULES = {
    "ae.grade5_needs_death":
        QT_TRANSLATE_NOOP("Nurse", "grade 5 needs the event to be serious with 'Results in death' ticked"),
    "ae.death_needs_grade5": QT_TRANSLATE_NOOP("Nurse", "'Results in death' needs CTCAE grade 5"),
    "ae.fatal_needs_grade5":
        QT_TRANSLATE_NOOP("Nurse", "the outcome 'Fatal' goes with grade 5, and grade 5 with 'Fatal'"),
    "ae.end_before_onset": QT_TRANSLATE_NOOP("Nurse", "must be on or after the onset date"),
    "ae.term_en_invalid": QT_TRANSLATE_NOOP("Nurse", "give the term in English (Latin letters)"),
    "ae.end_date_required":
        QT_TRANSLATE_NOOP("Nurse", "required when the outcome is recovered, recovered with sequelae or fatal"),
    "ae.death_date_required": QT_TRANSLATE_NOOP("Nurse", "required when the outcome is 'Fatal'"),
    "ae.death_date_not_fatal": QT_TRANSLATE_NOOP("Nurse", "only given when the outcome is 'Fatal'"),
    "ae.death_before_onset": QT_TRANSLATE_NOOP("Nurse", "must be on or after the onset date"),
    "ae.end_after_death": QT_TRANSLATE_NOOP("Nurse", "must not be after the date of death"),
    "ae.awareness_required":
        QT_TRANSLATE_NOOP("Nurse", "required for a serious event (the 24-hour clock starts there)"),
    "ae.awareness_invalid": QT_TRANSLATE_NOOP("Nurse", "not a valid date and time"),
    "ae.awareness_before_onset": QT_TRANSLATE_NOOP("Nurse", "must not be before the onset date"),
    "ae.nonserious_reason_required":
        QT_TRANSLATE_NOOP("Nurse", "grade 4 or 5 recorded as not serious: confirm why"),
    "ae.nonserious_reason_unexpected":
        QT_TRANSLATE_NOOP("Nurse", "only given for grade 4 or 5 recorded as not serious"),
    "ae.causality_needed_for_arm_drug":
        QT_TRANSLATE_NOOP("Nurse", "the participant receives this drug: choose a causality"),
    "ae.drug_not_in_arm": QT_TRANSLATE_NOOP("Nurse", "not asked: the participant's arm does not receive this drug"),
}


# Per-drug fields of an AE ({0} = the drug's name from the study file).
PER_DRUG_LABELS = {"causality": QT_TRANSLATE_NOOP("Nurse", "Causality to {0}"),
                   "action": QT_TRANSLATE_NOOP("Nurse", "Action taken with {0}")}


def _study_label(field: str, study: Study | None) -> str | None:
    """The form label of a per-drug AE field or of a clinician-rated item, from the study file."""
    if study is None:
        return None
    for kind, template in PER_DRUG_LABELS.items():
        for d in study.drugs:
            if field in (f"data.{kind}.{d.id}", f"data.{kind}_{d.id}"):
                return _t(template).format(study_text(d.label, d.label_zh))
    scored = study.instrument_with_role("clinician_index")
    for it in scored.items if scored else ():
        if field == f"data.{it.id}":
            return f"{in_language(scored.short)} {in_language(it.label)}"
    return None


def _t(text: str) -> str:
    return QCoreApplication.translate("Nurse", text)


def problem_text(p: FieldProblem, study: Study | None = None) -> str:
    """One refused field: its label on the form (``study`` names drugs and rated items) and why, in the
    screen's language."""
    label = _study_label(p.field, study)
    if label is not None:
        pass
    elif p.field in FIELD_LABELS:
        label = _t(FIELD_LABELS[p.field])
    else:
        return p.message
    if p.code in RULES:
        why = _t(RULES[p.code])
    elif p.code == "value.required" or p.value is None or (isinstance(p.value, str) and not p.value.strip()) \
            or p.value == []:
        why = QCoreApplication.translate("Nurse", "required, not filled in")
    else:
        why = QCoreApplication.translate("Nurse", "{0} is not allowed (allowed: {1})").format(p.value, p.allowed)
    return f"{label}: {why}"


def error_text(exc: TrialproError, study: Study | None = None) -> str:
    """A refusal for staff: what happened, then each refused field (or the service's own message)."""
    if isinstance(exc, RecordInvalid):
        lead = QCoreApplication.translate("Nurse", "Not saved. Please correct:")
        return lead + "\n" + "\n".join(f"• {problem_text(p, study)}" for p in exc.problems)
    return QCoreApplication.translate("Nurse", "Not done:") + " " + exc.message


def failure_text(exc: Exception, study: Study | None = None) -> str:
    """Any failure of a save for staff: a refusal worded by ``error_text``, an unexpected crash by its name."""
    if isinstance(exc, TrialproError):
        return error_text(exc, study)
    return QCoreApplication.translate("Nurse", "Not done:") + f" {exc.__class__.__name__}: {exc}"


def save_in_background(call: Callable[[], Any], *, button: QAbstractButton, message: MessageLabel,
                       study: Study | None, on_saved: Callable[[Any], None],
                       on_ended: Callable[[], None] | None = None,
                       describe: Callable[[Exception], str] | None = None) -> None:
    """Run one nurse-mode save off the UI thread (desktop_client/ui/workers.py).

    The button is disabled and "Saving…" shown until the service returns; ``on_saved(result)`` runs on the
    UI thread after COMMIT; a refusal or failure is shown in ``message`` and the button works again.
    ``on_ended()`` runs first in either case (the screen's own "saving" state ends there). ``describe``
    words a failure when the screen knows its fields better than ``failure_text``.
    """
    button.setEnabled(False)
    message.working(QCoreApplication.translate("Nurse", "Saving…"))

    def ended() -> None:
        button.setEnabled(True)
        if on_ended is not None:
            on_ended()

    def saved(result: Any) -> None:
        ended()
        on_saved(result)

    def failed(exc: Exception) -> None:
        ended()
        message.problem(describe(exc) if describe is not None else failure_text(exc, study))

    run_in_background(call, on_done=saved, on_failed=failed)
