"""Randomisation at the eligibility visit (issue 15): confirm eligibility, then reveal the allocation.

Only people screened on this station as eligible and not yet randomised are offered. "Check eligibility"
assesses every criterion again, the score from the scored eligibility-visit record (never the value typed at
screening), plus the extra checks from the participant's other records. Only after a passing check and an
explicit confirmation is the next allocation of this station's own blocks revealed; nothing shows it before.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QFormLayout, QGroupBox, QLabel, QPushButton, QWidget

from desktop_client.services import enrolment
from desktop_client.ui.nurse.outcome import OutcomeBanner
from desktop_client.ui.nurse.problems import save_in_background
from desktop_client.ui.nurse.screening import reason_text
from desktop_client.ui.nurse.widgets import MessageLabel, NurseContext, in_language, note, page_layout, study_text
from desktop_client.ui.theme import set_role
from shared.eligibility import Failure


class RandomisationPage(QWidget):
    """Confirm a screened participant's eligibility at the eligibility visit and randomise them."""

    randomised = Signal(str)

    def __init__(self, ctx: NurseContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        study = ctx.station.study
        self._criteria_text = {c.id: study_text(c.text, c.text_zh) for c in study.inclusion + study.exclusion}
        visit = study.visit_with_role("eligibility")
        layout = page_layout(self, self.tr("Randomisation"))
        self.outcome_banner = OutcomeBanner()        # the result of saving, at the top where the eye is
        layout.addWidget(self.outcome_banner)
        layout.addWidget(note(self.tr("At the {0} visit: record the clinician scores first, then confirm every "
                                      "criterion here. The allocation is revealed only after that.").format(
            study_text(visit.label, visit.label_zh) if visit else "")))
        box = QGroupBox(self.tr("Participant"))
        form = QFormLayout(box)
        self.participant = QComboBox()
        self.participant.currentIndexChanged.connect(self._changed)
        form.addRow(self.tr("Screened as eligible, not randomised"), self.participant)
        self.left = QLabel("")
        set_role(self.left, "note")
        form.addRow(self.left)
        layout.addWidget(box)

        self.check_button = QPushButton(self.tr("Check eligibility"))
        self.check_button.clicked.connect(self.check)
        layout.addWidget(self.check_button)
        self.result = MessageLabel()
        layout.addWidget(self.result)

        confirm = QGroupBox(self.tr("Randomisation"))
        confirm_layout = QFormLayout(confirm)
        confirm_layout.addRow(note(self.tr("The allocation is revealed at once and cannot be undone or changed.")))
        self.confirm_box = QCheckBox(self.tr("I have confirmed the eligibility of this participant"))
        self.confirm_box.toggled.connect(self._update_buttons)
        confirm_layout.addRow(self.confirm_box)
        self.randomise_button = QPushButton(self.tr("Randomise and reveal the allocation"))
        self.randomise_button.clicked.connect(self.randomise)
        confirm_layout.addRow(self.randomise_button)
        self.allocation = QLabel("")
        self.allocation.setWordWrap(True)
        set_role(self.allocation, "saved")
        self.allocation.hide()
        confirm_layout.addRow(self.allocation)
        self.message = MessageLabel()
        confirm_layout.addRow(self.message)
        layout.addWidget(confirm)
        layout.addStretch(1)
        self._confirmed: str | None = None
        self._saving = False
        self.reload()

    def reload(self) -> None:
        """Re-read who waits for randomisation and how many allocations this station still holds."""
        keep = self.participant_id()
        self.participant.blockSignals(True)
        self.participant.clear()
        for pid in enrolment.waiting_for_randomisation(self.ctx.station):
            self.participant.addItem(pid, pid)
        if keep and self.participant.findData(keep) >= 0:
            self.participant.setCurrentIndex(self.participant.findData(keep))
        self.participant.blockSignals(False)
        left = enrolment.free_allocations(self.ctx.station)
        self.left.setText(self.tr("Allocations left on this station: {0}").format(left) if left else
                          self.tr("No allocation left on this station: sync to be granted another block."))
        self._changed()

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if not self._saving:
            self.reload()

    def participant_id(self) -> str | None:
        data = self.participant.currentData()
        return str(data) if data else None

    def failure_text(self, f: Failure) -> str:
        return f"{f.criterion_id} {self._criteria_text.get(f.criterion_id, f.text)}: {reason_text(f)}"

    def _changed(self) -> None:
        self._confirmed = None
        self.result.clear_message()
        self.outcome_banner.clear_banner()
        self.confirm_box.setChecked(False)
        self._update_buttons()

    def _update_buttons(self) -> None:
        ready = self._confirmed is not None and self._confirmed == self.participant_id()
        self.check_button.setEnabled(self.participant_id() is not None and not self._saving)
        self.confirm_box.setEnabled(ready)
        self.randomise_button.setEnabled(ready and self.confirm_box.isChecked() and not self._saving)

    def check(self) -> bool:
        """Assess every criterion now; say which fail. True when eligibility is confirmed."""
        pid = self.participant_id()
        if pid is None:
            return False
        self.allocation.hide()
        failures = enrolment.randomisation_failures(self.ctx.station, pid)
        if failures:
            self._confirmed = None
            self.result.problem(self.tr("Eligibility not confirmed: {0} cannot be randomised. Failed criteria:")
                                .format(pid) + "\n" + "\n".join(f"• {self.failure_text(f)}" for f in failures))
        else:
            scores = enrolment.eligibility_scores_of(self.ctx.station, pid)
            self._confirmed = pid
            self.result.success(self.tr("Eligibility confirmed for {0}: every criterion is met (scored {1}: {2:g}).")
                                .format(pid, self._index_name(), scores.baseline or 0))
        self._update_buttons()
        return self._confirmed is not None

    def _index_name(self) -> str:
        inst = self.ctx.station.study.instrument_with_role("clinician_index")
        return in_language(inst.short) if inst else ""

    def randomise(self) -> None:
        """Reveal the next allocation of this station and save the randomisation (one transaction, audited)."""
        pid = self.participant_id()
        if pid is None or self._confirmed != pid or not self.confirm_box.isChecked():
            return
        station, actor = self.ctx.station, self.ctx.actor
        self._saving = True
        save_in_background(lambda: enrolment.randomise(station, pid, actor=actor), button=self.randomise_button,
                           message=self.message, study=station.study, on_saved=self._randomised,
                           on_ended=self._save_ended)

    def _save_ended(self) -> None:
        self._saving = False
        self._update_buttons()

    def _randomised(self, record: dict[str, Any]) -> None:
        """Show the revealed allocation (after COMMIT)."""
        arm = self.ctx.station.study.arm(record["data"]["arm"])
        self.allocation.setText(self.tr("Randomised: {0}\nRandomisation number: {1}\nAllocated arm: {2}").format(
            record["participant_id"], record["data"]["randomisation_number"], study_text(arm.name, arm.name_zh)))
        self.allocation.show()
        self.message.clear_message()
        self.randomised.emit(record["participant_id"])
        self.reload()
        self.outcome_banner.announce(self.allocation.text())
