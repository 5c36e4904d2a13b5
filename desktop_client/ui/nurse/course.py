"""The course of a participant's study in nurse mode: disposition (completed, or discontinued with date and
reason), a missed visit with its reason, and protocol deviations; the deviations the visit rules raised are
listed beside them. One disposition per participant: when one exists, saving corrects it, with a reason."""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QWidget,
)

from desktop_client.services import course, overview
from desktop_client.ui.nurse.problems import save_in_background
from desktop_client.ui.nurse.widgets import (
    MessageLabel,
    NurseContext,
    ParticipantPicker,
    in_language,
    language,
    note,
    page_layout,
    pydate,
    qdate,
    show_day,
    tr,
)
from shared import deviations
from shared.disposition import COMPLETED, DISCONTINUED, REASONS

RULES = {deviations.OUT_OF_WINDOW: QT_TRANSLATE_NOOP("Nurse", "outside its window"),
         deviations.MISSED: QT_TRANSLATE_NOOP("Nurse", "missed")}
SEVERITY = {deviations.MAJOR: QT_TRANSLATE_NOOP("Nurse", "major"),
            deviations.MINOR: QT_TRANSLATE_NOOP("Nurse", "minor")}


def _date_edit(day: date) -> QDateEdit:
    edit = QDateEdit()
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    edit.setDate(qdate(day))
    return edit


class CoursePage(QWidget):
    """Disposition, missed visits and protocol deviations of one participant."""

    def __init__(self, ctx: NurseContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        layout = page_layout(self, self.tr("Study course and deviations"))
        top = QFormLayout()
        self.participant = ParticipantPicker(ctx.station)
        top.addRow(self.tr("Participant"), self.participant)
        layout.addLayout(top)

        box = QGroupBox(self.tr("Disposition"))
        form = QFormLayout(box)
        self.state = note("")
        form.addRow(self.state)
        row = QHBoxLayout()
        self.status = QButtonGroup(box)
        self.completed = QRadioButton(self.tr("Completed the study"))
        self.discontinued = QRadioButton(self.tr("Discontinued"))
        for n, button in enumerate((self.completed, self.discontinued)):
            self.status.addButton(button, n)
            row.addWidget(button)
        form.addRow(self.tr("Status"), row)
        self.disposition_date = _date_edit(self._today())
        form.addRow(self.tr("Date"), self.disposition_date)
        self.reason = QComboBox()
        for code, (_term, _c, label) in REASONS.items():
            self.reason.addItem(in_language(label), code)
        form.addRow(self.tr("Reason (CDISC)"), self.reason)
        self.reason_text = QLineEdit()
        self.reason_text.setPlaceholderText(self.tr("In words (required for other)"))
        form.addRow(self.reason_text)
        self.correction_reason = QLineEdit()
        self.correction_reason.setPlaceholderText(self.tr("Reason for the correction (required)"))
        form.addRow(self.correction_reason)
        self.save_disposition_button = QPushButton(self.tr("Save disposition"))
        self.save_disposition_button.clicked.connect(self.save_disposition)
        form.addRow(self.save_disposition_button)
        self.disposition_message = MessageLabel()
        form.addRow(self.disposition_message)
        self.status.idToggled.connect(lambda _i, _on: self._reason_enabled())
        layout.addWidget(box)

        missed = QGroupBox(self.tr("Visit missed"))
        form = QFormLayout(missed)
        self.missed_visit = QComboBox()
        for v in deviations.missable_visits(ctx.station.study):
            self.missed_visit.addItem(v.label_zh if _zh() else v.label, v.id)
        form.addRow(self.tr("Visit"), self.missed_visit)
        self.missed_reason = QLineEdit()
        self.missed_reason.setPlaceholderText(self.tr("Why the visit did not take place (required)"))
        form.addRow(self.missed_reason)
        self.save_missed_button = QPushButton(self.tr("Record the missed visit"))
        self.save_missed_button.clicked.connect(self.save_missed)
        form.addRow(self.save_missed_button)
        self.missed_message = MessageLabel()
        form.addRow(self.missed_message)
        layout.addWidget(missed)

        dev = QGroupBox(self.tr("Protocol deviation"))
        form = QFormLayout(dev)
        self.category = QComboBox()
        for code, (_cat, _decod, label) in deviations.CATEGORIES.items():
            self.category.addItem(in_language(label), code)
        form.addRow(self.tr("Category"), self.category)
        self.severity = QComboBox()
        for code, text in SEVERITY.items():
            self.severity.addItem(tr(text), code)
        form.addRow(self.tr("Severity"), self.severity)
        self.deviation_date = _date_edit(self._today())
        form.addRow(self.tr("Date"), self.deviation_date)
        self.description = QLineEdit()
        self.description.setPlaceholderText(self.tr("What happened (required)"))
        form.addRow(self.description)
        self.save_deviation_button = QPushButton(self.tr("Record the deviation"))
        self.save_deviation_button.clicked.connect(self.save_deviation)
        form.addRow(self.save_deviation_button)
        self.deviation_message = MessageLabel()
        form.addRow(self.deviation_message)
        layout.addWidget(dev)

        layout.addWidget(note(self.tr("Deviations of this participant")))
        self.listing = note("")
        layout.addWidget(self.listing)
        layout.addStretch(1)
        self.participant.participant_changed.connect(lambda _p: self.load())
        self.load()

    # ---- state -------------------------------------------------------------------------------
    def _today(self) -> date:
        """The site's day (the study's first site's before the station is enrolled), never this machine's."""
        return overview.site_today(self.ctx.station)

    def _reason_enabled(self) -> None:
        on = self.discontinued.isChecked()
        self.reason.setEnabled(on)
        self.reason_text.setEnabled(on)

    def load(self) -> None:
        """Show the participant's disposition (a save then corrects it) and every deviation known here."""
        pid = self.participant.participant_id()
        for m in (self.disposition_message, self.missed_message, self.deviation_message):
            m.clear_message()
        station = self.ctx.station
        existing = course.current_disposition_record(station, pid) if pid else None
        self.correction_reason.setVisible(existing is not None)
        self.correction_reason.clear()
        if existing is None:
            self.disposition_date.setDate(qdate(self._today()))
            self.state.setText(self.tr("On study: no disposition recorded."))
            self.status.setExclusive(False)
            self.completed.setChecked(False)
            self.discontinued.setChecked(False)
            self.status.setExclusive(True)
        else:
            d = existing["data"]
            (self.completed if d["status"] == COMPLETED else self.discontinued).setChecked(True)
            self.disposition_date.setDate(qdate(date.fromisoformat(d["date"])))
            if d.get("reason"):
                self.reason.setCurrentIndex(self.reason.findData(d["reason"]))
            self.reason_text.setText(d.get("reason_text") or "")
            self.state.setText(self.tr("Recorded (revision {0}): saving makes a correction, give a reason.")
                               .format(existing["revision"]))
        self._reason_enabled()
        self._list(pid)

    def _list(self, pid: str | None) -> None:
        if pid is None:
            self.listing.setText("")
            return
        station = self.ctx.station
        view = overview.participant_overview(
            station, next(p for p in station.participants() if p["participant_id"] == pid),
            overview.site_today(station))
        lines = []
        study = station.study
        for d in view.deviations:
            label = study.visit(d.visit_id)
            lines.append(f"{show_day(d.day)}  {label.label_zh if _zh() else label.label}: {tr(RULES[d.rule])} "
                         f"({tr(SEVERITY[d.severity])})" + (f" — {d.reason}" if d.reason else ""))
        for r in course.deviations_of(station, pid):
            data = r["data"]
            category = deviations.CATEGORIES[data["category"]][2]
            lines.append(f"{data['date']}  {in_language(category)}: {data['description']} "
                         f"({tr(SEVERITY[data['severity']])})")
        self.listing.setText("\n".join(lines) or self.tr("None."))

    # ---- actions -----------------------------------------------------------------------------
    def save_disposition(self) -> None:
        pid = self.participant.participant_id()
        if pid is None:
            return
        if self.status.checkedId() < 0:
            self.disposition_message.problem(self.tr("Choose completed or discontinued."))
            return
        if self.correction_reason.isVisible() and not self.correction_reason.text().strip():
            self.disposition_message.problem(self.tr("A disposition is recorded already: give the reason for "
                                                     "the correction."))
            return
        status = COMPLETED if self.completed.isChecked() else DISCONTINUED
        reason = self.reason.currentData() if status == DISCONTINUED else None
        text = self.reason_text.text() if status == DISCONTINUED else None
        data = course.disposition_data(status, pydate(self.disposition_date.date()), reason, text)
        station, actor = self.ctx.station, self.ctx.actor
        why = self.correction_reason.text().strip() or None

        def saved(_record: dict[str, Any]) -> None:
            self.load()
            self.disposition_message.success(self.tr("Saved: disposition of {0}.").format(pid))

        save_in_background(lambda: course.record_disposition(station, pid, data, actor=actor, correction_reason=why),
                           button=self.save_disposition_button, message=self.disposition_message,
                           study=station.study, on_saved=saved)

    def save_missed(self) -> None:
        pid = self.participant.participant_id()
        if pid is None:
            return
        station, actor = self.ctx.station, self.ctx.actor
        visit_id, reason = str(self.missed_visit.currentData()), self.missed_reason.text()

        def saved(_record: dict[str, Any]) -> None:
            self.load()
            self.missed_reason.clear()
            self.missed_message.success(self.tr("Saved: visit recorded as missed."))

        save_in_background(lambda: course.record_visit_missed(station, pid, visit_id, reason, actor=actor),
                           button=self.save_missed_button, message=self.missed_message, study=station.study,
                           on_saved=saved)

    def save_deviation(self) -> None:
        pid = self.participant.participant_id()
        if pid is None:
            return
        station, actor = self.ctx.station, self.ctx.actor
        category, severity = str(self.category.currentData()), str(self.severity.currentData())
        day, text = pydate(self.deviation_date.date()), self.description.text()

        def saved(_record: dict[str, Any]) -> None:
            self.load()
            self.description.clear()
            self.deviation_message.success(self.tr("Saved: protocol deviation."))

        save_in_background(lambda: course.record_deviation(station, pid, category=category, description=text,
                                                           day=day, severity=severity, actor=actor),
                           button=self.save_deviation_button, message=self.deviation_message, study=station.study,
                           on_saved=saved)


def _zh() -> bool:
    return language() == "zh"
