"""The clinical record in nurse mode (issue 18): one tab per kind for the chosen participant — concomitant
medication, medical history, vital signs, pregnancy tests. Each tab lists the saved entries, takes a new one
or corrects the selected one (a reason is required; the old values stay in the audit). The rules are
shared/'s: a field the validator refuses is named with its label here and the reason in the screen's language.

Nothing typed is fixed up: a dose or measurement that is not a number is sent as typed and refused by name.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop_client.services import clinical_record as service
from desktop_client.services import overview, visit_choice
from desktop_client.ui.nurse.field_errors import FieldErrors
from desktop_client.ui.nurse.problems import problem_text, save_in_background
from desktop_client.ui.nurse.widgets import (
    MessageLabel,
    NurseContext,
    ParticipantPicker,
    in_language,
    page_layout,
    pydate,
    qdate,
    study_text,
)
from desktop_client.ui.widgets.visit_window import confirm_outside_window
from shared import conmed, pregnancy, vital_signs
from shared.errors import RecordInvalid, TrialproError

# Rule codes of shared/conmed.py, vital_signs.py and values.py, worded for staff ({0}: params, see RULE_PARAMS).
RULES = {
    "conmed.atc_class_unknown": QT_TRANSLATE_NOOP("Nurse", "choose a drug class of the study's list"),
    "conmed.dose_needs_unit": QT_TRANSLATE_NOOP("Nurse", "a dose needs its unit, and a unit its dose"),
    "conmed.end_required": QT_TRANSLATE_NOOP("Nurse", "give the date it was stopped, or tick 'ongoing'"),
    "conmed.end_while_ongoing": QT_TRANSLATE_NOOP("Nurse", "an ongoing medication has no end date"),
    "conmed.end_before_start": QT_TRANSLATE_NOOP("Nurse", "must be on or after the start date"),
    "value.partial_date_invalid": QT_TRANSLATE_NOOP("Nurse", "write YYYY-MM-DD, or YYYY-MM or YYYY if only that "
                                                             "is known"),
    "vitals.empty": QT_TRANSLATE_NOOP("Nurse", "enter at least one measurement"),
    "vitals.implausible": QT_TRANSLATE_NOOP("Nurse", "{0} is not plausible (allowed {1}-{2}); check the value "
                                                     "and the unit"),
    "vitals.bp_incomplete": QT_TRANSLATE_NOOP("Nurse", "enter systolic and diastolic pressure together"),
    "vitals.diastolic_not_below_systolic": QT_TRANSLATE_NOOP("Nurse", "must be below the systolic pressure"),
    "value.not_whole_number": QT_TRANSLATE_NOOP("Nurse", "{0} is not a whole number"),
    "value.too_many_decimals": QT_TRANSLATE_NOOP("Nurse", "{0} has too many decimal places"),
    "value.not_number": QT_TRANSLATE_NOOP("Nurse", "{0} is not a number"),
}


def _t(text: str) -> str:
    return QCoreApplication.translate("Nurse", text)


def describe_problem(labels: Mapping[str, str], problem: Any) -> str:
    """One refused field of this screen: its label here and the reason by rule code, in the screen's language
    (a field this form does not show keeps the shared wording)."""
    label = labels.get(problem.field)
    if label is None:
        return problem_text(problem)
    if problem.code in RULES:
        params = problem.params or {}
        why = _t(RULES[problem.code]).format(problem.value, params.get("minimum", ""), params.get("maximum", ""))
    elif problem.value is None or problem.value == "":
        why = _t("required, not filled in")
    else:
        why = _t("{0} is not allowed (allowed: {1})").format(problem.value, problem.allowed)
    return f"{label}: {why}"


def _number(text: str) -> Any:
    """A typed number as a number, empty as None; anything else as typed (the validator names it)."""
    text = text.strip()
    if not text:
        return None
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            continue
    return text


@dataclass
class Field:
    """One form field: the body key, its widget, how to read and show a value."""

    key: str
    label: str
    widget: QWidget
    get: Callable[[], Any]
    put: Callable[[Any], None]


def text_field(key: str, label: str, *, placeholder: str = "") -> Field:
    edit = QLineEdit()
    edit.setMaxLength(200)
    edit.setPlaceholderText(placeholder)
    return Field(key, label, edit, lambda: edit.text().strip() or None, lambda v: edit.setText("" if v is None
                                                                                              else str(v)))


def number_field(key: str, label: str) -> Field:
    edit = QLineEdit()
    return Field(key, label, edit, lambda: _number(edit.text()), lambda v: edit.setText("" if v is None
                                                                                       else f"{v:g}"))


def choice_field(key: str, label: str, options: Mapping[str, str], *, empty: str | None = None) -> Field:
    combo = QComboBox()
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(16)      # long class names must not widen the page past the screen
    if empty is not None:
        combo.addItem(empty, None)
    for code, text in options.items():
        combo.addItem(text, code)

    def put(value: Any) -> None:
        combo.setCurrentIndex(max(combo.findData(value), 0) if value is not None else 0)

    return Field(key, label, combo, combo.currentData, put)


def bool_field(key: str, label: str, text: str) -> Field:
    box = QCheckBox(text)
    return Field(key, label, box, box.isChecked, lambda v: box.setChecked(v is True))


def date_field(key: str, label: str, today: date) -> Field:
    """A date picker that starts (and resets) on ``today``: the site's day, not this machine's."""
    edit = QDateEdit(qdate(today))
    edit.setDisplayFormat("yyyy-MM-dd")
    edit.setCalendarPopup(True)
    return Field(key, label, edit, lambda: pydate(edit.date()).isoformat(),
                 lambda v: edit.setDate(qdate(date.fromisoformat(v) if isinstance(v, str) else today)))


class EntryTab(QWidget):
    """Saved entries of one kind for the participant, and the form for a new entry or a correction."""

    def __init__(self, ctx: NurseContext, kind: str, fields: list[Field], columns: list[str],
                 participant: Callable[[], str | None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.kind, self.fields, self._participant = ctx, kind, fields, participant
        self.editing: dict[str, Any] | None = None
        self.window_warning: QMessageBox | None = None
        self._saved: list[dict[str, Any]] = []
        layout = QVBoxLayout(self)
        self.visit: QComboBox | None = None
        self.table = QTableWidget(0, len(columns) + 2)
        self.table.setHorizontalHeaderLabels([*(f.label for f in fields if f.key in columns),
                                              self.tr("Visit"), self.tr("Revision")])
        self._columns = [f for f in fields if f.key in columns]
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.setMaximumHeight(220)
        layout.addWidget(self.table)
        buttons = QHBoxLayout()
        self.new_button = QPushButton(self.tr("New entry"))
        self.new_button.clicked.connect(self.new_entry)
        self.correct_button = QPushButton(self.tr("Correct the selected entry"))
        self.correct_button.clicked.connect(self.correct_selected)
        buttons.addWidget(self.new_button)
        buttons.addWidget(self.correct_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.form_box = QGroupBox(self.tr("New entry"))
        self.form = QFormLayout(self.form_box)
        visits = service.visits_for(ctx.station, kind)
        if visits:
            self.visit = QComboBox()
            for v in visits:
                visit = ctx.station.study.visit(v)
                self.visit.addItem(study_text(visit.label, visit.label_zh), v)
            self.form.addRow(self.tr("Visit"), self.visit)
        for f in fields:
            self.form.addRow(f.label, f.widget)
        self.reason = QLineEdit()
        self.reason.setPlaceholderText(self.tr("why the entry changes"))
        self.form.addRow(self.tr("Reason for the correction"), self.reason)
        self.field_errors = FieldErrors(self.form)         # each refusal beside its field, the first in view
        for f in fields:
            self.field_errors.register(f"data.{f.key}", f.widget)
        if self.visit is not None:
            self.field_errors.register("visit_id", self.visit)
        self.field_errors.register("correction_reason", self.reason)
        self.save_button = QPushButton(self.tr("Save"))
        self.save_button.clicked.connect(self.save)
        self.form.addRow(self.save_button)
        self.message = MessageLabel()
        self.form.addRow(self.message)
        layout.addWidget(self.form_box)
        self.labels = {f"data.{f.key}": f.label for f in fields} | {"visit_id": self.tr("Visit"),
                                                                     "correction_reason": self.tr("Reason for the "
                                                                                                  "correction")}
        self.new_entry()

    def data(self) -> dict[str, Any]:
        """The body as the form holds it."""
        return {f.key: f.get() for f in self.fields}

    def reload(self) -> None:
        pid = self._participant()
        self._saved = service.entries_of(self.ctx.station, pid, self.kind) if pid else []
        self.table.setRowCount(len(self._saved))
        for r, rec in enumerate(self._saved):
            cells = [self._shown(f, rec["data"].get(f.key)) for f in self._columns]
            cells += [rec.get("visit_id") or "—", str(rec["revision"])]
            for c, text in enumerate(cells):
                self.table.setItem(r, c, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.correct_button.setEnabled(bool(self._saved))
        self.form_box.setEnabled(pid is not None)

    def _shown(self, field: Field, value: Any) -> str:
        if isinstance(field.widget, QComboBox):
            index = field.widget.findData(value)
            return field.widget.itemText(index) if index >= 0 else str(value or "—")
        if isinstance(value, bool):
            return self.tr("yes") if value else self.tr("no")
        return "—" if value is None else (f"{value:g}" if isinstance(value, float) else str(value))

    def new_entry(self) -> None:
        self.editing = None
        self.reload()
        for f in self.fields:
            f.put(None)
        if self.visit is not None:
            self.visit.setEnabled(True)
            due = visit_choice.due_visit(self.ctx.station, self._participant(),
                                         [str(self.visit.itemData(i)) for i in range(self.visit.count())])
            self.visit.setCurrentIndex(max(self.visit.findData(due), 0))
        self.form_box.setTitle(self.tr("New entry"))
        self.reason.clear()
        self.reason.setEnabled(False)
        self.message.clear_message()
        self.field_errors.clear()

    def correct_selected(self) -> None:
        row = self.table.currentRow()
        if row < 0:
            self.message.problem(self.tr("Select a saved entry to correct."))
            return
        self.edit(self._saved[row])

    def edit(self, record: dict[str, Any]) -> None:
        self.editing = record
        for f in self.fields:
            f.put(record["data"].get(f.key))
        if self.visit is not None:
            self.visit.setCurrentIndex(max(self.visit.findData(record.get("visit_id")), 0))
            self.visit.setEnabled(False)        # a record's visit is fixed by its first revision
        self.form_box.setTitle(self.tr("Correcting revision {0}").format(record["revision"]))
        self.reason.clear()
        self.reason.setEnabled(True)
        self.message.clear_message()
        self.field_errors.clear()

    def describe(self, exc: Exception) -> str:
        if isinstance(exc, RecordInvalid):
            self.field_errors.show(exc.problems, lambda p: describe_problem(self.labels, p))
            return _t("Not saved. Please correct:") + "\n" + "\n".join(
                f"• {describe_problem(self.labels, p)}" for p in exc.problems)
        if isinstance(exc, TrialproError):
            return _t("Not done:") + " " + exc.message
        return _t("Not done:") + f" {exc.__class__.__name__}: {exc}"

    def save(self) -> None:
        pid = self._participant()
        if pid is None:
            return
        data, station, actor, kind = self.data(), self.ctx.station, self.ctx.actor, self.kind
        visit = self.visit.currentData() if self.visit is not None else None
        if self.editing is None:
            def call() -> dict[str, Any]:
                return service.record_entry(station, pid, kind, data, actor=actor, visit_id=visit)
        else:
            reason, record_id = self.reason.text().strip(), self.editing["record_id"]
            if not reason:
                self.message.problem(self.tr("A correction needs a reason: say why the entry changes."))
                return

            def call() -> dict[str, Any]:
                return service.correct_entry(station, record_id, data, reason=reason, actor=actor)

        def saved(record: dict[str, Any]) -> None:
            self.reload()
            self.edit(record)
            self.message.success(self.tr("Saved (revision {0}). To change it, correct it here with a reason.")
                                 .format(record["revision"]))

        def start() -> None:
            self.field_errors.clear()
            save_in_background(call, button=self.save_button, message=self.message, study=station.study,
                               on_saved=saved, describe=self.describe)

        window = visit_choice.outside_window(station, pid, visit) if visit and self.editing is None else None
        if window is None:
            start()
            return
        self.window_warning = confirm_outside_window(
            self, window, self.tr("Save against {0}").format(in_language(window.label)), start)


class ClinicalRecordPage(QWidget):
    """Medications, medical history, vital signs and pregnancy tests of one participant, a tab each."""

    def __init__(self, ctx: NurseContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        layout = page_layout(self, self.tr("Medications, history, vital signs"))
        top = QFormLayout()
        self.participant = ParticipantPicker(ctx.station)
        top.addRow(self.tr("Participant"), self.participant)
        layout.addLayout(top)
        self.tabs = QTabWidget()
        layout.addWidget(self.tabs)
        pid = self.participant.participant_id
        section = ctx.station.study.clinical_record
        classes = {c.code: f"{c.code} {study_text(c.name, c.name_zh)}" for c in section.atc_classes} \
            if section else {}
        partial = self.tr("YYYY-MM-DD, or YYYY-MM / YYYY")
        self.medications = EntryTab(ctx, conmed.KIND, [
            text_field("name", self.tr("Medication")),
            choice_field("atc_class", self.tr("Drug class (ATC)"), classes, empty=self.tr("choose…")),
            number_field("dose", self.tr("Dose")),
            choice_field("dose_unit", self.tr("Unit"), {k: in_language(v) for k, v in conmed.DOSE_UNITS.items()},
                         empty="—"),
            choice_field("route", self.tr("Route"), {k: in_language(v) for k, v in conmed.ROUTES.items()},
                         empty=self.tr("choose…")),
            choice_field("frequency", self.tr("Frequency"),
                         {k: in_language(v) for k, v in conmed.FREQUENCIES.items()}, empty=self.tr("choose…")),
            text_field("start_date", self.tr("Start date"), placeholder=partial),
            bool_field("ongoing", self.tr("Ongoing"), self.tr("still taken")),
            text_field("end_date", self.tr("End date"), placeholder=partial),
            text_field("indication", self.tr("Indication"))], ["name", "atc_class", "start_date", "ongoing"], pid)
        self.history = EntryTab(ctx, "medical_history", [
            text_field("condition", self.tr("Condition")),
            text_field("start_date", self.tr("Start date"), placeholder=partial),
            bool_field("ongoing", self.tr("Ongoing"), self.tr("still present"))],
            ["condition", "start_date", "ongoing"], pid)
        self.vitals = EntryTab(ctx, vital_signs.KIND, [number_field(v.field, in_language(v.label))
                                                       for v in vital_signs.VITAL_SIGNS],
                               [v.field for v in vital_signs.VITAL_SIGNS], pid)
        self.pregnancy = EntryTab(ctx, pregnancy.KIND, [
            date_field("test_date", self.tr("Test date"), overview.site_today(ctx.station)),
            choice_field("method", self.tr("Method"), {k: in_language(v) for k, v in pregnancy.METHODS.items()},
                         empty=self.tr("choose…")),
            choice_field("result", self.tr("Result"), {k: in_language(v) for k, v in pregnancy.RESULTS.items()},
                         empty=self.tr("choose…"))], ["test_date", "method", "result"], pid)
        for tab, title in ((self.medications, self.tr("Medications")), (self.history, self.tr("Medical history")),
                           (self.vitals, self.tr("Vital signs")), (self.pregnancy, self.tr("Pregnancy tests"))):
            self.tabs.addTab(tab, title)
        self.participant.participant_changed.connect(lambda _p: self.reload())

    def reload(self) -> None:
        for tab in (self.medications, self.history, self.vitals, self.pregnancy):
            tab.new_entry()
