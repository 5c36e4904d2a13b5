"""Nurse mode: the screens staff use when no participant is at the kiosk, behind a staff sign-in.

Every action is recorded as the signed-in staff member (``StaffSession.actor``). After a period without
input (``TRIALPRO_STAFF_IDLE_MINUTES``, default 5, or ``idle_timeout_ms``) the screen locks and asks for
a sign-in again; saved data is untouched, and if another person signs in, unsaved entries are discarded.
"""

from __future__ import annotations

import os

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop_client.services.lab_results import draft_from_lab
from desktop_client.services.staff import StaffSession
from desktop_client.services.station import Station
from desktop_client.services.sync_engine import SyncSettings
from desktop_client.ui.nurse.adverse_event import AdverseEventPage
from desktop_client.ui.nurse.clinical_record import ClinicalRecordPage
from desktop_client.ui.nurse.clinician import ClinicianPage
from desktop_client.ui.nurse.course import CoursePage
from desktop_client.ui.nurse.dosing import DosingPage
from desktop_client.ui.nurse.labs import LabResultsPage
from desktop_client.ui.nurse.overview import OverviewPage
from desktop_client.ui.nurse.queries import QueriesPage
from desktop_client.ui.nurse.randomisation import RandomisationPage
from desktop_client.ui.nurse.screening import ScreeningPage
from desktop_client.ui.nurse.sign_in import NurseSignIn
from desktop_client.ui.nurse.symptoms import SymptomReviewPage
from desktop_client.ui.nurse.sync import SyncPage
from desktop_client.ui.nurse.widgets import NurseContext, ParticipantPicker, language
from desktop_client.ui.theme import set_role

IDLE_ENV = "TRIALPRO_STAFF_IDLE_MINUTES"
DEFAULT_IDLE_MINUTES = 5.0
_INPUT = {QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonRelease, QEvent.Type.MouseMove, QEvent.Type.KeyPress,
          QEvent.Type.Wheel, QEvent.Type.TouchBegin, QEvent.Type.TouchUpdate}
PAGES = ("overview", "screening", "randomisation", "clinician", "symptoms", "adverse_events", "clinical_record",
         "course", "labs", "queries", "dosing", "sync")

NURSE_STYLE = """
QRadioButton::indicator, QCheckBox::indicator { width: 44px; height: 44px; }
QRadioButton, QCheckBox { min-height: 48px; spacing: 12px; }
QGroupBox { font-weight: bold; border: 2px solid #555555; border-radius: 8px; margin-top: 24px; padding-top: 12px; }
QGroupBox::title { subcontrol-origin: margin; left: 12px; padding: 0 6px; }
QTableWidget { font-size: 18pt; }
QListWidget#nurse_nav { font-weight: bold; }
*[invalid="true"] { border: 4px solid #9b0000; border-radius: 6px; }
QListWidget#nurse_nav::item { min-height: 48px; padding: 2px 12px; }
"""


def idle_timeout_from_env() -> int:
    """The inactivity lock delay from the environment (minutes), default 5 minutes."""
    raw = os.environ.get(IDLE_ENV, "")
    try:
        minutes = float(raw) if raw else DEFAULT_IDLE_MINUTES
    except ValueError:
        minutes = DEFAULT_IDLE_MINUTES
    return int(max(minutes, 0.1) * 60_000)


class NurseHome(QWidget):
    """The nurse-mode shell: navigation, the screens, the lock. Shown by the main window after staff sign-in."""

    signed_out = Signal()
    locked = Signal()
    kiosk_requested = Signal()   # back to the staff screen that hands the kiosk to a participant

    def __init__(self, station: Station, session: StaffSession, parent: QWidget | None = None, *,
                 sync_settings: SyncSettings | None = None, idle_timeout_ms: int | None = None) -> None:
        super().__init__(parent)
        self.ctx = NurseContext(station=station, session=session, sync_settings=sync_settings)
        self.setStyleSheet(NURSE_STYLE)
        self._outer = QStackedWidget()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._outer)
        self._language = ""
        self._work: QWidget | None = None
        self._build()
        self._idle = QTimer(self)
        self._idle.setSingleShot(True)
        self._idle.setInterval(idle_timeout_ms if idle_timeout_ms is not None else idle_timeout_from_env())
        self._idle.timeout.connect(self.lock)
        self._idle.start()
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    # ---- building (again when the language changes) ---------------------------------------------
    def _build(self, page: str | None = None) -> None:
        self._language = language()
        old = self._work
        work = QWidget()
        v = QVBoxLayout(work)
        v.setContentsMargins(0, 0, 0, 0)
        header = QHBoxLayout()
        header.setContentsMargins(16, 8, 16, 8)
        title = QLabel(self.tr("Nurse mode"))
        set_role(title, "title")
        header.addWidget(title)
        self.who = QLabel("")
        self.who.setWordWrap(True)
        header.addWidget(self.who, 1)
        self.lock_button = QPushButton(self.tr("Lock"))
        set_role(self.lock_button, "secondary", "kind")
        self.lock_button.clicked.connect(self.lock)
        self.sign_out_button = QPushButton(self.tr("Sign out"))
        set_role(self.sign_out_button, "secondary", "kind")
        self.sign_out_button.clicked.connect(self.sign_out)
        self.kiosk_button = QPushButton(self.tr("Kiosk for a participant"))
        set_role(self.kiosk_button, "secondary", "kind")
        self.kiosk_button.clicked.connect(self.kiosk_requested.emit)
        for button in (self.kiosk_button, self.lock_button, self.sign_out_button):
            button.ensurePolished()      # the style sheet's bold type is wider than the size hint's: never cut text
            button.setMinimumWidth(button.fontMetrics().horizontalAdvance(button.text()) + 64)
            header.addWidget(button)
        v.addLayout(header)
        body = QHBoxLayout()
        self.nav = QListWidget()
        self.nav.setObjectName("nurse_nav")
        self.nav.setFixedWidth(380)
        # A long screen name wraps onto a second line instead of being cut ("Study course and devia…"); compact
        # rows (still above the 44 px touch minimum) keep every screen in view at 1280x800 without scrolling.
        self.nav.setWordWrap(True)
        self.nav.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.nav.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        for text in (self.tr("Overview"), self.tr("Screening"), self.tr("Randomisation"), self.tr("Clinician scores"),
                     self.tr("Symptom review"), self.tr("Adverse events"),
                     self.tr("Clinical record"), self.tr("Study course and deviations"),
                     self.tr("Lab results"), self.tr("Data queries"), self.tr("Dosing"), self.tr("Sync")):
            self.nav.addItem(text)
        self.pages = QStackedWidget()
        self.overview = OverviewPage(self.ctx)
        self.screening = ScreeningPage(self.ctx)
        self.randomisation = RandomisationPage(self.ctx)
        self.clinician = ClinicianPage(self.ctx)
        self.symptoms = SymptomReviewPage(self.ctx)
        self.adverse_events = AdverseEventPage(self.ctx)
        self.clinical_record = ClinicalRecordPage(self.ctx)
        self.course = CoursePage(self.ctx)   # issue 16: disposition, missed visits, deviations
        self.labs = LabResultsPage(self.ctx)
        self.queries = QueriesPage(self.ctx)
        self.dosing = DosingPage(self.ctx)   # issue 16: dosing as taken, compliance
        self.sync = SyncPage(self.ctx)
        for p in (self.overview, self.screening, self.randomisation, self.clinician, self.symptoms,
                  self.adverse_events, self.clinical_record, self.course, self.labs, self.queries, self.dosing,
                  self.sync):
            self.pages.addWidget(p)
        self.nav.currentRowChanged.connect(self._show_page)
        self.symptoms.report_adverse_event.connect(self._report_from_symptom)
        self.labs.report_adverse_event.connect(self._report_from_lab)
        self.sync.busy_changed.connect(self._sync_busy)
        self.sync.station_enrolled.connect(self._update_enabled)
        body.addWidget(self.nav)
        body.addWidget(self.pages, 1)
        v.addLayout(body, 1)
        self.sign_in = NurseSignIn(self.ctx.station, locked=True)
        self.sign_in.signed_in.connect(self._unlocked)
        if old is not None:
            while self._outer.count():
                w = self._outer.widget(0)
                self._outer.removeWidget(w)
                w.deleteLater()
        self._work = work
        self._outer.addWidget(work)
        self._outer.addWidget(self.sign_in)
        self._update_who()
        self._update_enabled()
        if page is not None:
            self.go(page)

    def _update_who(self) -> None:
        s = self.ctx.session
        self.who.setText(self.tr("Signed in: {0} ({1})").format(s.display_name, s.username))

    def _enrolled(self) -> bool:
        return self.ctx.station.is_enrolled

    def _update_enabled(self) -> None:
        """Until the station is enrolled only the Sync screen (with the enrolment code) can be used."""
        enrolled = self._enrolled()
        for row in range(self.nav.count()):
            item = self.nav.item(row)
            usable = enrolled or PAGES[row] == "sync"
            enabled = Qt.ItemFlag.ItemIsEnabled
            item.setFlags(item.flags() | enabled if usable else item.flags() & ~enabled)
        if not enrolled:
            self.go("sync")
        elif self.nav.currentRow() < 0:
            self.go("overview")

    # ---- navigation ------------------------------------------------------------------------------
    def go(self, page: str) -> QWidget:
        """Show one screen by name (one of PAGES); returns it."""
        self.nav.setCurrentRow(PAGES.index(page))
        return self.pages.currentWidget()

    def _show_page(self, row: int) -> None:
        if row < 0:
            return
        self.pages.setCurrentIndex(row)
        page = self.pages.currentWidget()
        for picker in page.findChildren(ParticipantPicker):
            picker.reload()
        if page is self.sync:
            self.sync.refresh()
        if page is self.symptoms:
            self.symptoms.reload()
        if page is self.clinical_record:
            self.clinical_record.reload()
        if page is self.labs:
            self.labs.reload()
        if page is self.queries:
            self.queries.reload()
        if page is self.dosing:
            self.dosing.reload()

    def _report_from_symptom(self, participant_id: str, symptom: object) -> None:
        self.go("adverse_events")
        self.adverse_events.open_from_symptom(participant_id, symptom)  # type: ignore[arg-type]

    def _report_from_lab(self, participant_id: str, proposal: object) -> None:
        self.go("adverse_events")
        entry = draft_from_lab(self.ctx.station, proposal)  # type: ignore[arg-type]
        self.adverse_events.open_from_lab(participant_id, entry, proposal.description)  # type: ignore[attr-defined]

    def _sync_busy(self, busy: bool) -> None:
        """While a sync runs, stay on the Sync screen: nothing else writes to the station meanwhile."""
        self.nav.setEnabled(not busy)
        self.sign_out_button.setEnabled(not busy)
        self.kiosk_button.setEnabled(not busy)
        if not busy and self._language != language():
            QTimer.singleShot(0, self._rebuild_for_language)

    # ---- lock, sign-out, activity -------------------------------------------------------------
    @property
    def is_locked(self) -> bool:
        return self._outer.currentWidget() is self.sign_in

    def lock(self) -> None:
        """Hide the work behind the sign-in screen (after inactivity, or when staff press Lock)."""
        if self.is_locked:
            return
        self.sign_in.set_locked(True, self.ctx.session.username)
        self._outer.setCurrentWidget(self.sign_in)
        self.locked.emit()

    def _unlocked(self, session: StaffSession) -> None:
        other = session.username != self.ctx.session.username
        self.ctx.session = session
        if other:  # never let one person's unsaved entries be saved under another's name
            self._build("overview" if self._enrolled() else "sync")
        self._update_who()
        self._outer.setCurrentWidget(self._work)
        self._idle.start()

    def sign_out(self) -> None:
        """End the session: the sign-in screen shows, and the shell hears ``signed_out``."""
        self.lock()
        self.sign_in.set_locked(False)
        self.signed_out.emit()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _INPUT and not self.is_locked:
            self._idle.start()
        return False

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            QTimer.singleShot(0, self._rebuild_for_language)
        super().changeEvent(event)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._language != language():   # the language changed while this screen was hidden
            QTimer.singleShot(0, self._rebuild_for_language)

    def _rebuild_for_language(self) -> None:
        """Build the screens again in the new language (only while shown: a hidden one waits for showEvent)."""
        if self._language == language() or self.sync.busy or not self.isVisible():
            return
        page = PAGES[max(self.nav.currentRow(), 0)]
        locked = self.is_locked
        self._build(page)
        if locked:
            self.sign_in.set_locked(True, self.ctx.session.username)
            self._outer.setCurrentWidget(self.sign_in)
