"""Clinician scores per visit: the study's rated index (domains, levels and weights shown, total computed live)
and the clinician's global assessment. A visit that already has an entry is corrected, with a reason."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from desktop_client.services import clinician, visit_choice
from desktop_client.ui.nurse.field_errors import FieldErrors
from desktop_client.ui.nurse.problems import failure_text, problem_text, save_in_background
from desktop_client.ui.nurse.widgets import (
    MessageLabel,
    NurseContext,
    ParticipantPicker,
    in_language,
    note,
    page_layout,
    tr,
    visit_picker,
)
from desktop_client.ui.theme import set_role
from desktop_client.ui.widgets.visit_window import confirm_outside_window
from shared.errors import RecordInvalid
from shared.site_time import site_local_text

BANDS = {"low": QT_TRANSLATE_NOOP("Nurse", "low activity"),
         "moderate": QT_TRANSLATE_NOOP("Nurse", "moderate activity"),
         "high": QT_TRANSLATE_NOOP("Nurse", "high activity")}


class _Definition(QLabel):
    """A level's definition beside its radio button: touching the text chooses the level too."""

    def __init__(self, text: str, button: QRadioButton) -> None:
        super().__init__(text)
        self.setWordWrap(True)
        self.setMinimumHeight(44)
        self._button = button

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._button.click()
        super().mouseReleaseEvent(event)


class ClinicianPage(QWidget):
    """The clinician-rated index (rated domains) and global assessment for one participant and visit."""

    def __init__(self, ctx: NurseContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        layout = page_layout(self, self.tr("Clinician scores"))
        top = QFormLayout()
        self.participant = ParticipantPicker(ctx.station)
        top.addRow(self.tr("Participant"), self.participant)
        study = ctx.station.study
        self.index = clinician.index_instrument(study)
        self.global_assessment = clinician.global_instrument(study)
        rated = [i.id for i in (self.index, self.global_assessment) if i is not None]
        self.visit = visit_picker([v for i in rated[-1:] for v in clinician.visits_due(ctx.station, i)], self.load)
        top.addRow(self.tr("Visit"), self.visit)
        layout.addLayout(top)

        self.index_box = QGroupBox(in_language(self.index.title) if self.index else "")
        grid = QVBoxLayout(self.index_box)
        grid.addWidget(note(self.tr("Each level with its definition from the instrument file: touch the level "
                                    "or its definition.")))
        self.levels: dict[str, QButtonGroup] = {}
        self.level_buttons: dict[str, dict[int, QRadioButton]] = {}
        self.level_definitions: dict[str, dict[int, QLabel]] = {}
        self.row_scores: dict[str, QLabel] = {}
        self.index_errors = FieldErrors(grid)       # each refused domain framed, its reason on the line below it
        for domain in self._domains():
            domain_box = self._domain_box(domain)
            grid.addWidget(domain_box)
            self.index_errors.register(f"data.{domain.id}", domain_box)
        self.total = QLabel("")
        self.total.setWordWrap(True)
        set_role(self.total, "heading")
        grid.addWidget(self.total)
        self.index_state = note("")
        grid.addWidget(self.index_state)
        self.index_reason = QLineEdit()
        self.index_reason.setPlaceholderText(self.tr("Reason for the correction (required)"))
        grid.addWidget(self.index_reason)
        self.index_errors.register("correction_reason", self.index_reason)
        self.save_index_button = QPushButton(self.tr("Save {0}").format(self._short()))
        self.save_index_button.clicked.connect(self.save_index)
        grid.addWidget(self.save_index_button)
        self.index_message = MessageLabel()
        grid.addWidget(self.index_message)
        layout.addWidget(self.index_box)

        self.pga_box = QGroupBox(in_language(self.global_assessment.title) if self.global_assessment else "")
        form = QFormLayout(self.pga_box)
        item = self.global_assessment.items[0] if self.global_assessment else None
        form.addRow(note(in_language(item.label) if item else ""))
        self.pga = QDoubleSpinBox()
        self.pga.setRange(-0.1, 10.0)
        self.pga.setDecimals(1)
        self.pga.setSingleStep(0.1)
        self.pga.setSpecialValueText(self.tr("not rated"))
        self.pga.setValue(-0.1)
        anchors = item.anchors if item else None
        row = QHBoxLayout()
        row.addWidget(self.pga)
        if anchors:
            row.addWidget(note(f"0 = {in_language(anchors[0])}   10 = {in_language(anchors[1])}"), 1)
        form.addRow(self.tr("Score (0-10)"), row)
        self.pga_errors = FieldErrors(form)
        if item is not None:
            self.pga_errors.register(f"data.{item.id}", self.pga, row)
        self.pga_state = note("")
        form.addRow(self.pga_state)
        self.pga_reason = QLineEdit()
        self.pga_reason.setPlaceholderText(self.tr("Reason for the correction (required)"))
        form.addRow(self.pga_reason)
        self.pga_errors.register("correction_reason", self.pga_reason)
        self.save_pga_button = QPushButton(self.tr("Save Physician Global VAS"))
        self.save_pga_button.clicked.connect(self.save_pga)
        form.addRow(self.save_pga_button)
        self.pga_message = MessageLabel()
        form.addRow(self.pga_message)
        layout.addWidget(self.pga_box)
        layout.addStretch(1)
        self.index_box.setVisible(self.index is not None)
        self.pga_box.setVisible(self.global_assessment is not None)
        self.participant.participant_changed.connect(lambda _p: self.choose_due_visit())
        self.window_warning: QMessageBox | None = None
        self.choose_due_visit()

    def choose_due_visit(self) -> None:
        """Start on the participant's due visit (never simply the first visit of the list), then show it."""
        candidates = [str(self.visit.itemData(i)) for i in range(self.visit.count())]
        due = visit_choice.due_visit(self.ctx.station, self.participant.participant_id(), candidates)
        if due is not None:
            self.visit.blockSignals(True)
            self.visit.setCurrentIndex(self.visit.findData(due))
            self.visit.blockSignals(False)
        self.load()

    def _confirm_window(self, save: Any) -> None:
        """Save now, or first ask when today lies outside the chosen visit's window."""
        pid = self.participant.participant_id()
        window = visit_choice.outside_window(self.ctx.station, pid, self.visit_id()) if pid else None
        if window is None:
            save()
            return
        label = in_language(window.label)
        self.window_warning = confirm_outside_window(self, window, self.tr("Save against {0}").format(label), save)

    def _domain_box(self, domain: clinician.RatedDomain) -> QGroupBox:
        """One domain: each level as a large radio button with its definition beside it (touch screens have no
        hover, so nothing is only in a tooltip), and the domain's score."""
        box = QGroupBox(f"{in_language(domain.label)}  (× {domain.weight})")
        rows = QGridLayout(box)
        rows.setColumnStretch(1, 1)
        group = QButtonGroup(box)
        self.level_buttons[domain.id] = {}
        self.level_definitions[domain.id] = {}
        for row, (level, text, description) in enumerate(domain.levels):
            button = QRadioButton(f"{level}  {in_language(text)}")
            button.setAccessibleName(f"{in_language(domain.label)}: {level} {in_language(text)}")
            group.addButton(button, level)
            rows.addWidget(button, row, 0)
            self.level_buttons[domain.id][level] = button
            if description is not None:
                definition = _Definition(in_language(description), button)
                rows.addWidget(definition, row, 1)
                self.level_definitions[domain.id][level] = definition
        group.idToggled.connect(lambda _id, _on: self._update_total())
        self.levels[domain.id] = group
        score = QLabel("—")
        set_role(score, "heading")
        self.row_scores[domain.id] = score
        rows.addWidget(score, 0, 2, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        return box

    def _short(self) -> str:
        return in_language(self.index.short) if self.index else ""

    def _domains(self) -> list[clinician.RatedDomain]:
        return clinician.rated_domains(self.ctx.station.study) if self.index else []

    # ---- state -------------------------------------------------------------------------------
    def visit_id(self) -> str:
        return str(self.visit.currentData())

    def selected_levels(self) -> dict[str, int | None]:
        return {d: (g.checkedId() if g.checkedId() >= 0 else None) for d, g in self.levels.items()}

    def _update_total(self) -> None:
        levels = self.selected_levels()
        weights = {d.id: d.weight for d in self._domains()}
        for d, level in levels.items():
            self.row_scores[d].setText("—" if level is None else str(level * weights[d]))
        if self.index is None:
            return
        study = self.ctx.station.study
        total = clinician.domains_total(study, levels)
        if total is None:
            rated = sum(v is not None for v in levels.values())
            self.total.setText(self.tr("{0} total: rate all {1} domains ({2} rated)").format(
                self._short(), len(levels), rated))
        else:
            band = clinician.activity_band(study, total)
            self.total.setText(self.tr("{0} total: {1} of {2} ({3})").format(
                self._short(), total, clinician.max_total(study), tr(BANDS[band]) if band in BANDS else band))

    def _existing_note(self, existing: dict[str, Any] | None) -> str:
        if existing is None:
            return ""
        when = site_local_text(existing["collected_at"], self.ctx.station.study, existing.get("site_id"))
        return self.tr("Already recorded (revision {0}, {1}, by {2}). Saving makes a correction: give a "
                       "reason.").format(existing["revision"], when, existing["entered_by"])

    def load(self) -> None:
        """Show what is already recorded for the participant and visit (a new entry then corrects it)."""
        pid = self.participant.participant_id()
        visit_id = self.visit_id()
        due = self.ctx.station.study.visit(visit_id).instruments if visit_id != "None" else []
        index_due = self.index is not None and self.index.id in due
        self.index_box.setEnabled(index_due and pid is not None)
        self.pga_box.setEnabled(pid is not None)
        self.index_message.clear_message()
        self.pga_message.clear_message()
        self.index_errors.clear()
        self.pga_errors.clear()
        station = self.ctx.station
        entry = clinician.existing_entry(station, pid, visit_id, self.index.id) if pid and self.index else None
        pga = (clinician.existing_entry(station, pid, visit_id, self.global_assessment.id)
               if pid and self.global_assessment else None)
        for d, group in self.levels.items():
            group.setExclusive(False)
            for button in group.buttons():
                button.setChecked(False)
            group.setExclusive(True)
            level = entry["data"].get(d) if entry else None
            if level is not None:
                self.level_buttons[d][level].setChecked(True)
        self.index_state.setText(self._existing_note(entry) if index_due else
                                  self.tr("{0} is not due at this visit (study file).").format(self._short()))
        self.index_reason.setVisible(entry is not None)
        self.index_reason.clear()
        first = self.global_assessment.items[0].id if self.global_assessment else ""
        self.pga.setValue(pga["data"][first] if pga else self.pga.minimum())
        self.pga_state.setText(self._existing_note(pga))
        self.pga_reason.setVisible(pga is not None)
        self.pga_reason.clear()
        self._update_total()

    # ---- actions -----------------------------------------------------------------------------
    def save_index(self) -> None:
        pid = self.participant.participant_id()
        if pid is None:
            return
        if not self.index_reason.isHidden() and not self.index_reason.text().strip():
            self.index_message.problem(self.tr("This visit already has {0}: give the reason for the "
                                               "correction.").format(self._short()))
            self.index_errors.say([("correction_reason",
                                    QCoreApplication.translate("Nurse", "required, not filled in"))])
            return
        self._confirm_window(self._save_index)

    def _save_index(self) -> None:
        pid = self.participant.participant_id()
        station, visit_id, levels = self.ctx.station, self.visit_id(), self.selected_levels()
        actor, reason = self.ctx.actor, self.index_reason.text().strip() or None

        def saved(record: dict[str, Any]) -> None:
            total = clinician.domains_total(station.study, record["data"])
            self.load()
            self.index_message.success(self.tr("Saved: {0} {1} for {2}.").format(self._short(), total, pid))

        self.index_errors.clear()
        save_in_background(lambda: clinician.record_domains(station, pid, visit_id, levels, actor=actor,
                                                            reason=reason),
                           button=self.save_index_button, message=self.index_message, study=station.study,
                           on_saved=saved, describe=self._beside_fields(self.index_errors))

    def save_pga(self) -> None:
        pid = self.participant.participant_id()
        if pid is None:
            return
        value = self.pga.value()
        activity = None if value < 0 else round(value, 1)
        if not self.pga_reason.isHidden() and not self.pga_reason.text().strip():
            self.pga_message.problem(self.tr("This visit already has a Physician Global VAS: give the reason for "
                                             "the correction."))
            self.pga_errors.say([("correction_reason", QCoreApplication.translate("Nurse", "required, not filled in"))])
            return
        self._confirm_window(lambda: self._save_pga(activity))

    def _save_pga(self, activity: float | None) -> None:
        pid = self.participant.participant_id()
        station, visit_id = self.ctx.station, self.visit_id()
        actor, reason = self.ctx.actor, self.pga_reason.text().strip() or None

        def saved(_record: dict[str, Any]) -> None:
            self.load()
            self.pga_message.success(self.tr("Saved: Physician Global VAS {0} for {1}.").format(activity, pid))

        self.pga_errors.clear()
        save_in_background(lambda: clinician.record_global(station, pid, visit_id, activity, actor=actor,
                                                           reason=reason),
                           button=self.save_pga_button, message=self.pga_message, study=station.study,
                           on_saved=saved, describe=self._beside_fields(self.pga_errors))

    def _beside_fields(self, errors: FieldErrors) -> Any:
        """A refusal's fields framed with their reasons below them (first in view); the summary stays by Save."""
        study = self.ctx.station.study

        def describe(exc: Exception) -> str:
            if isinstance(exc, RecordInvalid):
                errors.show(exc.problems, lambda p: problem_text(p, study))
            return failure_text(exc, study)
        return describe
