"""Data overview: per participant what is done, due and overdue (study visit windows), and what waits to sync."""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from desktop_client.services import overview
from desktop_client.services.overview import ParticipantOverview
from desktop_client.ui.nurse.home_activation import HomeActivation
from desktop_client.ui.nurse.widgets import NurseContext, in_language, note, page_layout, show_day, study_text, tr
from desktop_client.ui.theme import set_role
from shared.adverse_events import OUTCOMES
from shared.errors import StationNotEnrolled
from shared.site_time import site_local_text
from shared.study.model import Arm

STATUS = {overview.DONE: QT_TRANSLATE_NOOP("Nurse", "done"), overview.DUE: QT_TRANSLATE_NOOP("Nurse", "due now"),
          overview.OVERDUE: QT_TRANSLATE_NOOP("Nurse", "OVERDUE"),
          overview.UPCOMING: QT_TRANSLATE_NOOP("Nurse", "upcoming"),
          overview.UNKNOWN: QT_TRANSLATE_NOOP("Nurse", "no baseline date yet"),
          overview.MISSED: QT_TRANSLATE_NOOP("Nurse", "missed"),
          overview.ENDED: QT_TRANSLATE_NOOP("Nurse", "not expected (study ended)")}
OUT_OF_WINDOW = QT_TRANSLATE_NOOP("Nurse", "outside its window")
COLOURS = {overview.OVERDUE: "#ffc9c9", overview.DUE: "#ffe0a3", overview.DONE: "#d9f2d9"}


def age_text(iso: str | None) -> str:
    """How long ago, in hours (or days), for the oldest unsynced record."""
    if not iso:
        return "—"
    hours = (datetime.now(UTC) - datetime.fromisoformat(iso.replace("Z", "+00:00"))).total_seconds() / 3600
    if hours < 1:
        return QCoreApplication.translate("Nurse", "{0} min ago").format(int(hours * 60))
    if hours < 48:
        return QCoreApplication.translate("Nurse", "{0} h ago").format(int(hours))
    return QCoreApplication.translate("Nurse", "{0} days ago").format(int(hours // 24))


class OverviewPage(QWidget):
    """Every participant of this station at a glance, then one participant's visits in detail."""

    def __init__(self, ctx: NurseContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        layout = page_layout(self, self.tr("Data overview"))
        self.outbox = QLabel("")
        self.outbox.setWordWrap(True)
        set_role(self.outbox, "heading")
        layout.addWidget(self.outbox)
        self.refresh_button = QPushButton(self.tr("Refresh"))
        self.refresh_button.clicked.connect(self.refresh)
        layout.addWidget(self.refresh_button, alignment=Qt.AlignmentFlag.AlignLeft)
        self.table = QTableWidget(0, 7)
        self.table.setHorizontalHeaderLabels([self.tr("Participant"), self.tr("Arm"), self.tr("Done"),
                                              self.tr("Due"), self.tr("Overdue"), self.tr("Next visit"),
                                              self.tr("Not yet synced")])
        for t in (self.table,):
            t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
            t.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
            t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
            t.verticalHeader().setVisible(False)
            t.setTextElideMode(Qt.TextElideMode.ElideNone)
            t.setWordWrap(True)
        self.table.setMinimumHeight(300)
        self.table.currentCellChanged.connect(lambda *_: self.show_participant())
        layout.addWidget(self.table)
        self.detail_title = note("")
        layout.addWidget(self.detail_title)
        self.visits = QTableWidget(0, 4)
        self.visits.setHorizontalHeaderLabels([self.tr("Visit"), self.tr("Window"), self.tr("Status"),
                                               self.tr("Still missing")])
        self.visits.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.visits.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.visits.setWordWrap(True)
        self.visits.verticalHeader().setVisible(False)
        self.visits.setMinimumHeight(560)
        # what other kiosks of the site recorded arrives with every sync (issue 22): AEs and latest scores,
        # above the long visit table so the nurse sees them without scrolling
        self.events = note("")
        self.events.setObjectName("adverse-events")
        layout.addWidget(self.events)
        self.scores = note("")
        self.scores.setObjectName("latest-scores")
        layout.addWidget(self.scores)
        self.home_diary = note("")          # issue 24: the phone's diary and the days it was not filled in
        self.home_diary.setObjectName("home-diary")
        layout.addWidget(self.home_diary)
        self.home_activation = HomeActivation(ctx)   # issue 24: a one-time code for the participant's phone
        layout.addWidget(self.home_activation)
        layout.addWidget(self.visits)
        layout.addStretch(1)
        self.data: tuple[ParticipantOverview, ...] = ()
        self.refresh()

    def showEvent(self, event: object) -> None:
        self.refresh()
        super().showEvent(event)  # type: ignore[arg-type]

    def refresh(self) -> None:
        """Read the overview again from the station database."""
        try:
            view = overview.station_overview(self.ctx.station)
        except StationNotEnrolled:
            self.outbox.setText(self.tr("This station is not enrolled yet: use the Sync screen first."))
            self.table.setRowCount(0)
            self.visits.setRowCount(0)
            return
        self.data = view.participants
        stats = view.outbox
        text = self.tr("Waiting to be synced: {0} record(s)").format(stats.pending)
        if stats.oldest_queued_at:
            text += self.tr(", the oldest saved {0}").format(age_text(stats.oldest_queued_at))
        if stats.held:
            text += "\n" + self.tr("{0} record(s) need attention (see Sync).").format(stats.held)
        text += "\n" + self.tr("Last sync: {0}").format(
            site_local_text(view.last_sync_at, self.ctx.station.study, self.ctx.station.site_id)
            if view.last_sync_at else self.tr("never"))
        self.outbox.setText(text)
        keep = self.table.currentRow()
        self.table.setRowCount(len(self.data))
        for r, p in enumerate(self.data):
            arm = self.ctx.station.study.arm(p.arm) if p.arm else None
            nxt = p.next_visit
            cells = [p.participant_id, in_language_arm(arm), str(p.count(overview.DONE)), str(p.count(overview.DUE)),
                     str(p.count(overview.OVERDUE)),
                     f"{in_language(nxt.label)} ({show_day(nxt.window_start)} – {show_day(nxt.window_end)})"
                     if nxt else "—",
                     self.tr("{0} (oldest {1})").format(p.unsynced, age_text(p.oldest_unsynced_at))
                     if p.unsynced else "0"]
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if c == 4 and p.count(overview.OVERDUE):
                    item.setBackground(QBrush(QColor(COLOURS[overview.OVERDUE])))
                self.table.setItem(r, c, item)
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)
        self.table.resizeRowsToContents()
        if self.data:
            self.table.selectRow(min(max(keep, 0), len(self.data) - 1))
        self.show_participant()

    def show_participant(self) -> None:
        row = self.table.currentRow()
        p = self.data[row] if 0 <= row < len(self.data) else None
        self.detail_title.setText(self.tr("Visits of {0} (baseline {1})").format(
            p.participant_id, show_day(p.baseline_date)) if p else self.tr("No participant enrolled yet."))
        visits = p.visits if p else ()
        self.visits.setRowCount(len(visits))
        for r, v in enumerate(visits):
            study = self.ctx.station.study
            missing = ", ".join(in_language(study.instrument(i).short) for i in v.missing)
            cells = [in_language(v.label), f"{show_day(v.window_start)} – {show_day(v.window_end)}",
                     tr(STATUS[v.status]) + (f" ({tr(OUT_OF_WINDOW)})" if v.out_of_window else ""),
                     missing if v.status != overview.DONE else ""]
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if v.status in COLOURS:
                    item.setBackground(QBrush(QColor(COLOURS[v.status])))
                self.visits.setItem(r, c, item)
        self.visits.resizeColumnsToContents()
        self.visits.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.visits.resizeRowsToContents()
        self._show_events_and_scores(p)

    def _show_events_and_scores(self, p: ParticipantOverview | None) -> None:
        """The participant's AEs and each scored instrument's newest score, whichever kiosk recorded them."""
        study = self.ctx.station.study
        lines = [self.tr("{0}: grade {1}, onset {2}, {3}").format(
            a.term, a.grade if a.grade is not None else "—", a.onset_date or "—",
            in_language(OUTCOMES[a.outcome]) if a.outcome in OUTCOMES else "—")
            + (" — " + self.tr("serious") if a.serious else "") for a in (p.adverse_events if p else ())]
        self.events.setText(self.tr("Adverse events:") + "\n" + "\n".join(lines) if lines
                            else self.tr("Adverse events: none recorded."))
        shown = []
        for s in (p.latest_scores if p else ()):
            inst = study.instrument(s.instrument_id)
            visit = study.visit(s.visit_id) if s.visit_id else None
            value = next(iter(s.scores.values()))
            shown.append(self.tr("{0} {1} ({2}, {3})").format(
                in_language(inst.short), f"{value:g}", study_text(visit.label, visit.label_zh) if visit else "—",
                site_local_text(s.collected_at, study, self.ctx.station.site_id)))
        self.scores.setText(self.tr("Latest scores:") + " " + "; ".join(shown) if shown
                            else self.tr("Latest scores: none yet."))
        self._show_home_diary(p)

    def _show_home_diary(self, p: ParticipantOverview | None) -> None:
        """Since when the participant keeps the diary on their phone and which days they did not fill in."""
        diary = p.home_diary if p else None
        self.home_activation.show_for(p.participant_id if p and p.arm else None,
                                      on_study=p is not None and p.disposition is None)
        self.home_diary.setVisible(diary is not None)
        if diary is None:
            self.home_diary.setText("")
            return
        text = self.tr("Home diary on the phone since {0}: {1} day(s) recorded.").format(
            show_day(diary.started), diary.recorded)
        if diary.missed:
            shown = ", ".join(show_day(d) for d in diary.missed[-14:])
            more = len(diary.missed) - 14
            text += " " + self.tr("Missed diary days: {0}: {1}").format(len(diary.missed), shown)
            if more > 0:
                text += " " + self.tr("(and {0} earlier)").format(more)
        else:
            text += " " + self.tr("No diary day missed.")
        if diary.stopped:
            text += " " + self.tr("The app was revoked on {0}.").format(show_day(diary.stopped))
        self.home_diary.setText(text)


def in_language_arm(arm: Arm | None) -> str:
    return study_text(arm.name, arm.name_zh) if arm else "—"
