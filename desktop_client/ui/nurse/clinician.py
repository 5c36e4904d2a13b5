"""Clinician scores per visit: ESSDAI (12 domains, levels and weights shown, total computed live) and the
Physician Global VAS (0-10). A visit that already has an entry is corrected, with a reason."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP
from PySide6.QtWidgets import (
    QButtonGroup,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QWidget,
)

from desktop_client.services import clinician
from desktop_client.ui.nurse.problems import error_text
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
from shared.errors import TrialproError

BANDS = {"low": QT_TRANSLATE_NOOP("Nurse", "low activity"),
         "moderate": QT_TRANSLATE_NOOP("Nurse", "moderate activity"),
         "high": QT_TRANSLATE_NOOP("Nurse", "high activity")}


class ClinicianPage(QWidget):
    """ESSDAI and Physician Global VAS for one participant and visit."""

    def __init__(self, ctx: NurseContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        layout = page_layout(self, self.tr("Clinician scores"))
        top = QFormLayout()
        self.participant = ParticipantPicker(ctx.station)
        top.addRow(self.tr("Participant"), self.participant)
        self.visit = visit_picker(clinician.visits_due(ctx.station, clinician.physician_global_instrument().id),
                                  self.load)
        top.addRow(self.tr("Visit"), self.visit)
        layout.addLayout(top)

        self.essdai_box = QGroupBox(in_language(clinician.essdai_instrument().title))
        grid = QGridLayout(self.essdai_box)
        heads = [self.tr("Domain"), self.tr("Weight")] + [f"{lv} {in_language(t)}"
                                                          for lv, t in clinician.level_texts().items()]
        for col, text in enumerate([*heads, self.tr("Score")]):
            head = QLabel(f"<b>{text}</b>")
            head.setWordWrap(True)
            grid.addWidget(head, 0, col)
        self.levels: dict[str, QButtonGroup] = {}
        self.level_buttons: dict[str, dict[int, QRadioButton]] = {}
        self.row_scores: dict[str, QLabel] = {}
        for row, domain in enumerate(clinician.essdai_domains(), start=1):
            grid.addWidget(QLabel(in_language(domain.label)), row, 0)
            grid.addWidget(QLabel(f"× {domain.weight}"), row, 1)
            group = QButtonGroup(self.essdai_box)
            self.level_buttons[domain.id] = {}
            for level, text in domain.levels:
                button = QRadioButton(str(level))
                button.setToolTip(in_language(text))
                button.setAccessibleName(f"{in_language(domain.label)}: {level} {in_language(text)}")
                group.addButton(button, level)
                grid.addWidget(button, row, 2 + level)
                self.level_buttons[domain.id][level] = button
            group.idToggled.connect(lambda _id, _on: self._update_total())
            self.levels[domain.id] = group
            score = QLabel("—")
            self.row_scores[domain.id] = score
            grid.addWidget(score, row, 6)
        grid.setColumnStretch(0, 1)
        self.total = QLabel("")
        set_role(self.total, "heading")
        grid.addWidget(self.total, len(self.levels) + 1, 0, 1, 7)
        self.essdai_state = note("")
        grid.addWidget(self.essdai_state, len(self.levels) + 2, 0, 1, 7)
        self.essdai_reason = QLineEdit()
        self.essdai_reason.setPlaceholderText(self.tr("Reason for the correction (required)"))
        grid.addWidget(self.essdai_reason, len(self.levels) + 3, 0, 1, 7)
        self.save_essdai_button = QPushButton(self.tr("Save ESSDAI"))
        self.save_essdai_button.clicked.connect(self.save_essdai)
        grid.addWidget(self.save_essdai_button, len(self.levels) + 4, 0, 1, 7)
        self.essdai_message = MessageLabel()
        grid.addWidget(self.essdai_message, len(self.levels) + 5, 0, 1, 7)
        layout.addWidget(self.essdai_box)

        self.pga_box = QGroupBox(in_language(clinician.physician_global_instrument().title))
        form = QFormLayout(self.pga_box)
        item = clinician.physician_global_instrument().item("activity")
        form.addRow(note(in_language(item.label)))
        self.pga = QDoubleSpinBox()
        self.pga.setRange(-0.1, 10.0)
        self.pga.setDecimals(1)
        self.pga.setSingleStep(0.1)
        self.pga.setSpecialValueText(self.tr("not rated"))
        self.pga.setValue(-0.1)
        anchors = item.anchors
        row = QHBoxLayout()
        row.addWidget(self.pga)
        if anchors:
            row.addWidget(note(f"0 = {in_language(anchors[0])}   10 = {in_language(anchors[1])}"), 1)
        form.addRow(self.tr("Score (0-10)"), row)
        self.pga_state = note("")
        form.addRow(self.pga_state)
        self.pga_reason = QLineEdit()
        self.pga_reason.setPlaceholderText(self.tr("Reason for the correction (required)"))
        form.addRow(self.pga_reason)
        self.save_pga_button = QPushButton(self.tr("Save Physician Global VAS"))
        self.save_pga_button.clicked.connect(self.save_pga)
        form.addRow(self.save_pga_button)
        self.pga_message = MessageLabel()
        form.addRow(self.pga_message)
        layout.addWidget(self.pga_box)
        layout.addStretch(1)
        self.participant.participant_changed.connect(lambda _p: self.load())
        self.load()

    # ---- state -------------------------------------------------------------------------------
    def visit_id(self) -> str:
        return str(self.visit.currentData())

    def selected_levels(self) -> dict[str, int | None]:
        return {d: (g.checkedId() if g.checkedId() >= 0 else None) for d, g in self.levels.items()}

    def _update_total(self) -> None:
        levels = self.selected_levels()
        weights = {d.id: d.weight for d in clinician.essdai_domains()}
        for d, level in levels.items():
            self.row_scores[d].setText("—" if level is None else str(level * weights[d]))
        total = clinician.essdai_total(levels)
        if total is None:
            rated = sum(v is not None for v in levels.values())
            self.total.setText(self.tr("ESSDAI total: rate all 12 domains ({0} rated)").format(rated))
        else:
            self.total.setText(self.tr("ESSDAI total: {0} of {1} ({2})").format(
                total, clinician.max_total(), tr(BANDS[clinician.activity_band(total)])))

    def _existing_note(self, existing: dict[str, Any] | None) -> str:
        if existing is None:
            return ""
        return self.tr("Already recorded (revision {0}, {1}, by {2}). Saving makes a correction: give a "
                       "reason.").format(existing["revision"], existing["collected_at"][:16].replace("T", " "),
                                         existing["entered_by"])

    def load(self) -> None:
        """Show what is already recorded for the participant and visit (a new entry then corrects it)."""
        pid = self.participant.participant_id()
        visit_id = self.visit_id()
        essdai_due = clinician.essdai_instrument().id in self.ctx.station.study.visit(visit_id).instruments
        self.essdai_box.setEnabled(essdai_due and pid is not None)
        self.pga_box.setEnabled(pid is not None)
        self.essdai_message.clear_message()
        self.pga_message.clear_message()
        station = self.ctx.station
        essdai = clinician.existing_entry(station, pid, visit_id, clinician.essdai_instrument().id) if pid else None
        pga = (clinician.existing_entry(station, pid, visit_id, clinician.physician_global_instrument().id)
               if pid else None)
        for d, group in self.levels.items():
            group.setExclusive(False)
            for button in group.buttons():
                button.setChecked(False)
            group.setExclusive(True)
            level = essdai["data"].get(d) if essdai else None
            if level is not None:
                self.level_buttons[d][level].setChecked(True)
        self.essdai_state.setText(self._existing_note(essdai) if essdai_due else
                                  self.tr("ESSDAI is not due at this visit (study file)."))
        self.essdai_reason.setVisible(essdai is not None)
        self.essdai_reason.clear()
        self.pga.setValue(pga["data"]["activity"] if pga else self.pga.minimum())
        self.pga_state.setText(self._existing_note(pga))
        self.pga_reason.setVisible(pga is not None)
        self.pga_reason.clear()
        self._update_total()

    # ---- actions -----------------------------------------------------------------------------
    def save_essdai(self) -> None:
        pid = self.participant.participant_id()
        if pid is None:
            return
        if not self.essdai_reason.isHidden() and not self.essdai_reason.text().strip():
            self.essdai_message.problem(self.tr("This visit already has an ESSDAI: give the reason for the "
                                                "correction."))
            return
        try:
            record = clinician.record_essdai(self.ctx.station, pid, self.visit_id(), self.selected_levels(),
                                             actor=self.ctx.actor, reason=self.essdai_reason.text().strip() or None)
        except TrialproError as exc:
            self.essdai_message.problem(error_text(exc))
            return
        total = clinician.essdai_total(record["data"])
        self.load()
        self.essdai_message.success(self.tr("Saved: ESSDAI {0} for {1}.").format(total, pid))

    def save_pga(self) -> None:
        pid = self.participant.participant_id()
        if pid is None:
            return
        value = self.pga.value()
        activity = None if value < 0 else round(value, 1)
        if not self.pga_reason.isHidden() and not self.pga_reason.text().strip():
            self.pga_message.problem(self.tr("This visit already has a Physician Global VAS: give the reason for "
                                             "the correction."))
            return
        try:
            clinician.record_physician_global(self.ctx.station, pid, self.visit_id(), activity, actor=self.ctx.actor,
                                              reason=self.pga_reason.text().strip() or None)
        except TrialproError as exc:
            self.pga_message.problem(error_text(exc))
            return
        self.load()
        self.pga_message.success(self.tr("Saved: Physician Global VAS {0} for {1}.").format(activity, pid))
