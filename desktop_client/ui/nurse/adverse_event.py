"""The adverse-event form: term (with its English translation), dates, CTCAE grade (definitions shown), ICH E2A
seriousness, causality and action per drug of the participant's arm (other drugs are not asked), outcome.
A serious event asks when the site became aware (the 24-hour clock starts there), shows the "report within
24 h" banner and is sent first; a fatal outcome asks for the date of death; grade 4 or 5 recorded as not
serious asks why. Corrections of a saved report ask for a reason; the old values stay in the audit."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDateTimeEdit,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from desktop_client.services import adverse_events, overview
from desktop_client.services.adverse_events import AdverseEventEntry
from desktop_client.services.symptom_review import ReportedSymptom
from desktop_client.ui.nurse.field_errors import FieldErrors
from desktop_client.ui.nurse.problems import failure_text, problem_text, save_in_background
from desktop_client.ui.nurse.symptoms import SEVERITY
from desktop_client.ui.nurse.widgets import (
    Banner,
    MessageLabel,
    NurseContext,
    ParticipantPicker,
    in_language,
    language,
    note,
    page_layout,
    pydate,
    qdate,
    study_text,
    tr,
)
from shared.adverse_events import ACTIONS, CAUSALITY, CTCAE_GRADES, OUTCOMES, SERIOUSNESS_CRITERIA
from shared.errors import RecordInvalid


def _combo(options: dict[str, Any], placeholder: str) -> QComboBox:
    combo = QComboBox()
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(8)
    combo.addItem(placeholder, None)
    for code, text in options.items():
        combo.addItem(in_language(text), code)
    return combo


def _set_combo(combo: QComboBox, value: str | None) -> None:
    index = combo.findData(value) if value is not None else 0
    combo.setCurrentIndex(max(index, 0))


class AdverseEventPage(QWidget):
    """New adverse-event reports and corrections of saved ones, for one participant."""

    def __init__(self, ctx: NurseContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.editing: dict[str, Any] | None = None   # the saved report being corrected
        layout = page_layout(self, self.tr("Adverse events"))
        top = QFormLayout()
        self.participant = ParticipantPicker(ctx.station)
        top.addRow(self.tr("Participant"), self.participant)
        layout.addLayout(top)

        self.reports = QTableWidget(0, 5)
        self.reports.setHorizontalHeaderLabels([self.tr("Term"), self.tr("Onset"), self.tr("Grade"),
                                                self.tr("Serious"), self.tr("Revision")])
        self.reports.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.reports.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.reports.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.reports.verticalHeader().setVisible(False)
        self.reports.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.reports.setMaximumHeight(240)
        layout.addWidget(self.reports)
        buttons = QHBoxLayout()
        self.new_button = QPushButton(self.tr("New report"))
        self.new_button.clicked.connect(lambda: self.new_report())
        self.correct_button = QPushButton(self.tr("Correct the selected report"))
        self.correct_button.clicked.connect(self.correct_selected)
        buttons.addWidget(self.new_button)
        buttons.addWidget(self.correct_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)

        self.banner = Banner()
        layout.addWidget(self.banner)
        self.form_box = QGroupBox(self.tr("New adverse event report"))
        form = QFormLayout(self.form_box)
        self.source = note("")
        self.source.hide()
        form.addRow(self.source)
        self.term = QLineEdit()
        self.term.setMaxLength(200)
        form.addRow(self.tr("Adverse event term"), self.term)
        self.term_en = QLineEdit()
        self.term_en.setMaxLength(200)
        self.term_en.setPlaceholderText(self.tr("needed for submission files when the term is in Chinese"))
        form.addRow(self.tr("English translation"), self.term_en)
        self.visit = QComboBox()
        self.visit.addItem(self.tr("not linked to a visit"), None)
        for v in ctx.station.study.visits:
            self.visit.addItem(study_text(v.label, v.label_zh), v.id)
        form.addRow(self.tr("Visit"), self.visit)
        self.onset = QDateEdit(qdate(self._today()))
        self.onset.setDisplayFormat("yyyy-MM-dd")
        self.onset.setCalendarPopup(True)
        form.addRow(self.tr("Onset date"), self.onset)
        self.ended = QCheckBox(self.tr("Ended on"))
        self.end = QDateEdit(qdate(self._today()))
        self.end.setDisplayFormat("yyyy-MM-dd")
        self.end.setCalendarPopup(True)
        self.end.setEnabled(False)
        self.ended.toggled.connect(self.end.setEnabled)
        row = QHBoxLayout()
        row.addWidget(self.ended)
        row.addWidget(self.end, 1)
        form.addRow(self.tr("End date"), row)

        grades = QGroupBox(self.tr("CTCAE v5.0 grade"))
        grid = QGridLayout(grades)
        self.grade = QButtonGroup(grades)
        self.grade_buttons: dict[int, QRadioButton] = {}
        for r, (grade, text) in enumerate(CTCAE_GRADES.items()):
            button = QRadioButton(self.tr("Grade {0}").format(grade))
            self.grade.addButton(button, grade)
            self.grade_buttons[grade] = button
            definition = QLabel(in_language(text))
            definition.setWordWrap(True)
            grid.addWidget(button, r, 0)
            grid.addWidget(definition, r, 1)
        grid.setColumnStretch(1, 1)
        form.addRow(grades)

        serious = QGroupBox(self.tr("Serious? (ICH E2A: any ticked criterion makes it serious)"))
        serious_layout = QGridLayout(serious)
        self.criteria: dict[str, QCheckBox] = {}
        for i, (code, text) in enumerate(SERIOUSNESS_CRITERIA.items()):
            box = QCheckBox(in_language(text))
            box.toggled.connect(lambda _on: self._update_serious())
            self.criteria[code] = box
            serious_layout.addWidget(box, i, 0)
        self.serious_state = QLabel("")
        serious_layout.addWidget(self.serious_state, len(self.criteria), 0)
        form.addRow(serious)
        self.aware = QDateTimeEdit()
        self.aware.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.aware.setCalendarPopup(True)
        self.aware_label = QLabel(self.tr("Site became aware (site time)"))
        form.addRow(self.aware_label, self.aware)
        self.nonserious = QLineEdit()
        self.nonserious.setMaxLength(500)
        self.nonserious.setPlaceholderText(self.tr("why this grade 4 or 5 event is not serious"))
        self.nonserious_label = QLabel(self.tr("Reason it is not serious"))
        form.addRow(self.nonserious_label, self.nonserious)
        self.grade.idToggled.connect(lambda _id, _on: self._update_serious())

        drugs = QGroupBox(self.tr("Relationship to each drug (WHO-UMC) and action taken"))
        drug_grid = QGridLayout(drugs)
        for col, text in enumerate((self.tr("Drug"), self.tr("Causality"), self.tr("Action taken"))):
            drug_grid.addWidget(QLabel(f"<b>{text}</b>"), 0, col)
        self.causality: dict[str, QComboBox] = {}
        self.action: dict[str, QComboBox] = {}
        self.drug_labels: dict[str, QLabel] = {}
        for r, study_drug in enumerate(ctx.station.study.drugs, start=1):
            drug = study_drug.id
            self.drug_labels[drug] = QLabel(study_text(study_drug.label, study_drug.label_zh))
            drug_grid.addWidget(self.drug_labels[drug], r, 0)
            self.causality[drug] = _combo(CAUSALITY, self.tr("choose"))
            self.action[drug] = _combo(ACTIONS, self.tr("choose"))
            drug_grid.addWidget(self.causality[drug], r, 1)
            drug_grid.addWidget(self.action[drug], r, 2)
        drug_grid.setColumnStretch(1, 1)
        drug_grid.setColumnStretch(2, 1)
        form.addRow(drugs)
        self.outcome = _combo(OUTCOMES, self.tr("choose"))
        form.addRow(self.tr("Outcome"), self.outcome)
        self.death = QDateEdit(qdate(self._today()))
        self.death.setDisplayFormat("yyyy-MM-dd")
        self.death.setCalendarPopup(True)
        self.death_label = QLabel(self.tr("Date of death"))
        form.addRow(self.death_label, self.death)
        self.outcome.currentIndexChanged.connect(lambda _i: self._update_serious())
        self.reason = QLineEdit()
        self.reason.setPlaceholderText(self.tr("Reason for the correction (required)"))
        self.reason_label = QLabel(self.tr("Reason"))
        form.addRow(self.reason_label, self.reason)
        # Refusals beside their fields (framed, the first scrolled into view), as the validator names them.
        self.field_errors = FieldErrors(form)
        for field, widget, holder in (
                ("data.term", self.term, None), ("data.term_en", self.term_en, None), ("visit_id", self.visit, None),
                ("data.onset_date", self.onset, None), ("data.end_date", self.end, row), ("data.grade", grades, None),
                ("data.serious", serious, None), ("data.serious_criteria", serious, None),
                ("data.awareness_at", self.aware, None), ("data.nonserious_reason", self.nonserious, None),
                *((f"data.{kind}{sep}{d}", combos[d], drugs) for kind, combos in (("causality", self.causality),
                                                                                   ("action", self.action))
                  for d in self.causality for sep in (".", "_")),
                ("data.outcome", self.outcome, None), ("data.death_date", self.death, None),
                ("correction_reason", self.reason, None)):
            self.field_errors.register(field, widget, holder)
        self.save_button = QPushButton(self.tr("Save report"))
        self.save_button.clicked.connect(self.save)
        form.addRow(self.save_button)
        self.message = MessageLabel()
        form.addRow(self.message)
        layout.addWidget(self.form_box)
        layout.addStretch(1)
        self._source_symptom: str | None = None
        self.participant.participant_changed.connect(lambda _p: self.new_report())
        self.new_report()

    # ---- form <-> entry ----------------------------------------------------------------------
    def _today(self) -> date:
        """The site's day, where every date of the form starts (not this machine's)."""
        return overview.site_today(self.ctx.station)

    def _zone(self) -> ZoneInfo:
        """The site's time zone (the study's first site until the station is enrolled: nothing is saved then)."""
        station = self.ctx.station
        return ZoneInfo(station.site_timezone if station.is_enrolled else station.study.sites[0].timezone)

    def _asked_drugs(self) -> list[str]:
        """The drugs causality and action are asked for: the participant's arm (every drug if not known)."""
        station, pid = self.ctx.station, self.participant.participant_id()
        arm = station.participant_arm(pid) if pid else None
        drugs = station.study.arm(arm).drugs if arm else frozenset(station.study.drug_ids)
        return [d for d in station.study.drug_ids if d in drugs]

    def entry(self) -> AdverseEventEntry:
        """The form as an unsaved report (seriousness follows from the ticked criteria; awareness, death date
        and the not-serious reason only where the rules ask for them)."""
        criteria = tuple(c for c, box in self.criteria.items() if box.isChecked())
        grade = self.grade.checkedId() if self.grade.checkedId() > 0 else None
        aware = self.aware.dateTime().toPython().replace(second=0, microsecond=0, tzinfo=self._zone())
        asked = self._asked_drugs()
        return AdverseEventEntry(
            term=self.term.text(), onset_date=pydate(self.onset.date()),
            end_date=pydate(self.end.date()) if self.ended.isChecked() else None,
            grade=grade, serious_criteria=criteria,
            causality={d: self.causality[d].currentData() for d in asked},
            action={d: self.action[d].currentData() for d in asked},
            outcome=self.outcome.currentData(), source_symptom=self._source_symptom,
            visit_id=self.visit.currentData(), term_en=self.term_en.text(),
            awareness_at=aware if criteria else None,
            death_date=pydate(self.death.date()) if self.outcome.currentData() == "fatal" else None,
            nonserious_reason=self.nonserious.text() if not criteria and (grade or 0) >= 4 else None)

    def fill(self, entry: AdverseEventEntry) -> None:
        self.term.setText(entry.term)
        self.term_en.setText(entry.term_en or "")
        aware = (entry.awareness_at.astimezone(self._zone()) if entry.awareness_at
                 else datetime.now(self._zone())).replace(tzinfo=None, second=0, microsecond=0)
        self.aware.setDateTime(aware)
        self.death.setDate(qdate(entry.death_date or entry.end_date or self._today()))
        self.nonserious.setText(entry.nonserious_reason or "")
        asked = set(self._asked_drugs())
        for d, label in self.drug_labels.items():
            for widget in (label, self.causality[d], self.action[d]):
                widget.setVisible(d in asked)
        _set_combo(self.visit, entry.visit_id)
        self.onset.setDate(qdate(entry.onset_date or self._today()))
        self.ended.setChecked(entry.end_date is not None)
        self.end.setDate(qdate(entry.end_date or self._today()))
        self.grade.setExclusive(False)
        for grade, button in self.grade_buttons.items():
            button.setChecked(grade == entry.grade)
        self.grade.setExclusive(True)
        for code, box in self.criteria.items():
            box.setChecked(code in entry.serious_criteria)
        for d in self.causality:
            _set_combo(self.causality[d], entry.causality.get(d))
            _set_combo(self.action[d], entry.action.get(d))
        _set_combo(self.outcome, entry.outcome)
        self._source_symptom = entry.source_symptom
        self._update_serious()

    def _update_serious(self) -> None:
        entry = self.entry()
        serious = entry.serious
        for widget in (self.aware, self.aware_label):
            widget.setVisible(serious)
        for widget in (self.nonserious, self.nonserious_label):
            widget.setVisible(not serious and (entry.grade or 0) >= 4)
        for widget in (self.death, self.death_label):
            widget.setVisible(entry.outcome == "fatal")
        self.serious_state.setText(self.tr("Serious: YES") if serious else self.tr("Serious: no"))
        text = self.tr("SERIOUS ADVERSE EVENT: report it to the sponsor within 24 hours of becoming aware. "
                       "It is sent first at the next sync.")
        if serious and self.editing is not None:
            deadline = adverse_events.report_deadline(self.ctx.station, self.editing)
            if deadline is not None:
                text += "\n" + self.tr("Report by {0} (site time).").format(
                    deadline.astimezone(self._zone()).strftime("%Y-%m-%d %H:%M"))
        self.banner.setText(text)
        self.banner.setVisible(serious)

    # ---- modes -------------------------------------------------------------------------------
    def _reload_reports(self) -> None:
        pid = self.participant.participant_id()
        self._saved = adverse_events.adverse_events_of(self.ctx.station, pid) if pid else []
        self.reports.setRowCount(len(self._saved))
        for r, rec in enumerate(self._saved):
            d = rec["data"]
            cells = [d["term"], d["onset_date"], str(d["grade"]), self.tr("yes") if d["serious"] else self.tr("no"),
                     str(rec["revision"])]
            for c, text in enumerate(cells):
                self.reports.setItem(r, c, QTableWidgetItem(text))
        self.reports.resizeColumnsToContents()
        self.reports.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.correct_button.setEnabled(bool(self._saved))
        self.form_box.setEnabled(pid is not None)

    def new_report(self, entry: AdverseEventEntry | None = None, symptom: ReportedSymptom | None = None) -> None:
        """An empty form (or one pre-filled from a reported symptom) for a new report."""
        self.editing = None
        self._reload_reports()
        pid = self.participant.participant_id()
        if entry is None and pid is not None:
            station = self.ctx.station
            causality, action = adverse_events.blank_per_drug(station, station.participant_arm(pid))
            entry = AdverseEventEntry(term="", onset_date=self._today(), grade=None, causality=causality,
                                      action=action)
        self.fill(entry or AdverseEventEntry(term="", onset_date=self._today(), grade=None))
        self.form_box.setTitle(self.tr("New adverse event report"))
        if symptom is not None:
            self.source.setText(self.tr("Pre-filled from the symptom checklist ({0}): {1}, {2}. Check every "
                                        "field before saving.").format(
                study_text(*self._visit_labels(symptom.visit_id)), in_language(symptom.label),
                tr(SEVERITY.get(symptom.severity, symptom.severity))))
        self.source.setVisible(symptom is not None)
        self.reason.clear()
        self.reason.hide()
        self.reason_label.hide()
        self.message.clear_message()
        self.field_errors.clear()

    def _visit_labels(self, visit_id: str) -> tuple[str, str]:
        v = self.ctx.station.study.visit(visit_id)
        return v.label, v.label_zh

    def open_from_symptom(self, participant_id: str, symptom: ReportedSymptom) -> None:
        """Start a report pre-filled from a symptom the participant reported (term, visit, onset, grade)."""
        self.participant.select(participant_id)
        entry = adverse_events.draft_from_symptom(self.ctx.station, participant_id, symptom_id=symptom.symptom_id,
                                                  severity=symptom.severity, visit_id=symptom.visit_id,
                                                  onset=symptom.collected_on, language=language())
        self.new_report(entry, symptom)

    def open_from_lab(self, participant_id: str, entry: AdverseEventEntry, description: str) -> None:
        """Start a report pre-filled from a graded lab result (nurse mode's lab proposal: term, grade, onset)."""
        self.participant.select(participant_id)
        self.new_report(entry)
        self.source.setText(self.tr("Pre-filled from a lab result: {0}. Check every field before saving.")
                            .format(description))
        self.source.show()

    def correct_selected(self) -> None:
        """Load the selected saved report for a correction (a reason will be required)."""
        row = self.reports.currentRow()
        if row < 0:
            self.message.problem(self.tr("Select a saved report to correct."))
            return
        self.edit(self._saved[row])

    def edit(self, record: dict[str, Any]) -> None:
        self.editing = record
        self.fill(AdverseEventEntry.from_data(record["data"]))
        self.form_box.setTitle(self.tr("Correcting: {0} (revision {1})").format(record["data"]["term"],
                                                                                 record["revision"]))
        self.source.hide()
        self.reason.clear()
        self.reason.show()
        self.reason_label.show()
        self.message.clear_message()
        self.field_errors.clear()

    # ---- saving ------------------------------------------------------------------------------
    def save(self) -> None:
        pid = self.participant.participant_id()
        if pid is None:
            return
        entry, station, actor = self.entry(), self.ctx.station, self.ctx.actor
        if self.editing is None:
            def call() -> dict[str, Any]:
                return adverse_events.record_adverse_event(station, pid, entry, actor=actor)
        else:
            reason, record_id = self.reason.text().strip(), self.editing["record_id"]
            if not reason:
                self.message.problem(self.tr("A correction needs a reason: say why the report changes."))
                return

            def call() -> dict[str, Any]:
                return adverse_events.correct_adverse_event(station, record_id, entry, reason=reason, actor=actor)

        def saved(record: dict[str, Any]) -> None:
            self._reload_reports()
            self.edit(record)
            self.message.success(self.tr("Saved (revision {0}). To change it, correct it here with a reason.")
                                 .format(record["revision"]))

        def describe(exc: Exception) -> str:
            if isinstance(exc, RecordInvalid):
                self.field_errors.show(exc.problems, lambda p: problem_text(p, station.study))
            return failure_text(exc, station.study)

        self.field_errors.clear()
        save_in_background(call, button=self.save_button, message=self.message, study=station.study,
                           on_saved=saved, describe=describe)
