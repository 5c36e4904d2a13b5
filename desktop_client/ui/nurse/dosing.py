"""Dosing as the diaries report it, per participant: the first-dose date, compliance (overall and per drug of
the arm, over the actual dates covered) and the doses taken on each date. Read-only; the numbers come from
``desktop_client.services.dosing`` (the shared rules the server and the exports use)."""

from __future__ import annotations

from PySide6.QtWidgets import QAbstractItemView, QFormLayout, QLabel, QTableWidget, QTableWidgetItem, QWidget

from desktop_client.services import dosing
from desktop_client.ui.nurse.widgets import NurseContext, ParticipantPicker, language, note, page_layout, study_text
from shared.site_time import day_label


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f} %"


class DosingPage(QWidget):
    """One participant's dosing: first dose, compliance, and a date-by-drug table of the dated diaries."""

    def __init__(self, ctx: NurseContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        layout = page_layout(self, self.tr("Dosing"))
        form = QFormLayout()
        self.participant = ParticipantPicker(ctx.station)
        form.addRow(self.tr("Participant"), self.participant)
        self.first_dose = QLabel()
        self.first_dose.setObjectName("first_dose")
        form.addRow(self.tr("First dose"), self.first_dose)
        self.overall = QLabel()
        self.overall.setObjectName("compliance")
        form.addRow(self.tr("Compliance (all study drugs)"), self.overall)
        self.per_drug = QLabel()
        self.per_drug.setWordWrap(True)
        form.addRow(self.tr("Per drug"), self.per_drug)
        layout.addLayout(form)
        self.empty = note(self.tr("No dosing diary recorded for this participant on this station yet."))
        layout.addWidget(self.empty)
        self.table = QTableWidget(0, 1)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.setMinimumHeight(320)
        layout.addWidget(self.table, 1)
        self.participant.participant_changed.connect(lambda _p: self.reload())
        self.reload()

    def reload(self) -> None:
        """Show the selected participant's dosing (a small read of the station's own records)."""
        pid = self.participant.participant_id()
        summary = dosing.dosing_summary(self.ctx.station, pid) if pid else None
        lang = language()
        first = summary.first_dose if summary else None
        self.first_dose.setText(day_label(first, lang) if first else self.tr("not known yet"))
        c = summary.compliance if summary else None
        study = self.ctx.station.study
        names = {d.id: study_text(d.label, d.label_zh) for d in study.drugs}
        covered = c is not None and c.first_day is not None and c.last_day is not None
        if c is not None and c.first_day is not None and c.last_day is not None:
            self.overall.setText(self.tr("{0} over {1} days ({2} to {3})").format(
                _pct(c.compliance_pct), c.days, c.first_day.isoformat(), c.last_day.isoformat()))
            self.per_drug.setText("; ".join(self.tr("{0}: {1} of {2} expected ({3})").format(
                names.get(d.drug, d.drug), d.taken, f"{d.expected:g}", _pct(d.compliance_pct)) for d in c.drugs))
        else:
            self.overall.setText("–")
            self.per_drug.setText("–")
        drugs = [t.drug for t in study.arm(summary.arm).treatments] if summary and summary.arm else []
        taken = summary.taken if summary else {}
        self.empty.setVisible(not covered)
        self.table.setColumnCount(1 + len(drugs))
        self.table.setHorizontalHeaderLabels([self.tr("Date")] + [names.get(d, d) for d in drugs])
        self.table.setRowCount(len(taken))
        for r, (day, drugs_taken) in enumerate(taken.items()):
            self.table.setItem(r, 0, QTableWidgetItem(day_label(day, lang)))
            for col, drug in enumerate(drugs, start=1):
                self.table.setItem(r, col, QTableWidgetItem(self.tr("taken") if drug in drugs_taken else "–"))
        self.table.resizeColumnsToContents()
