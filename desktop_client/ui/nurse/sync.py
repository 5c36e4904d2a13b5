"""End-of-day sync (and the one-time station enrolment), run in a worker thread, never on the UI thread.

The screen shows a progress bar while the outbox is sent, then every record the server refused or
found in conflict, in plain words. A failed sync keeps everything on the station and can be retried.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import QFormLayout, QGroupBox, QLabel, QLineEdit, QListWidget, QProgressBar, QPushButton, QWidget

from desktop_client.services import overview
from desktop_client.services.overview import HeldRecord
from desktop_client.services.station import Station
from desktop_client.services.sync_engine import SyncEngine, SyncProgress, SyncReport
from desktop_client.ui.nurse.widgets import MessageLabel, NurseContext, in_language, note, page_layout, study_text
from desktop_client.ui.theme import set_role
from desktop_client.ui.workers import run_in_background
from shared import enrolment_code
from shared.errors import (
    DeviceNotAuthorised,
    EnrolmentCodeInvalid,
    ServerUnreachable,
    ServerUrlInvalid,
    StudyMismatch,
    SyncFailed,
    TooManyEnrolmentAttempts,
    TrialproError,
)
from shared.instruments import get_instrument
from shared.site_time import site_local_text

log = logging.getLogger(__name__)


class SyncPage(QWidget):
    """Sync now / try again, with progress and per-record problems; enrolment of a new station."""

    busy_changed = Signal(bool)
    station_enrolled = Signal()
    synced = Signal(object)

    def __init__(self, ctx: NurseContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._busy = False
        layout = page_layout(self, self.tr("Sync with the server"))

        self.enrol_box = QGroupBox(self.tr("Enrol this station (once)"))
        form = QFormLayout(self.enrol_box)
        form.addRow(note(self.tr("This station is not enrolled yet. Ask the data manager for a one-time "
                                 "enrolment code (trialpro-server device code) and enter it here.")))
        self.server_url = QLineEdit(ctx.station.server_url or "")
        self.server_url.setPlaceholderText("https://trialpro.example.org")
        form.addRow(self.tr("Server address"), self.server_url)
        self.code = QLineEdit()
        self.code.setPlaceholderText(enrolment_code.SHAPE)
        form.addRow(self.tr("Enrolment code"), self.code)
        self.label = QLineEdit(self.tr("Nurse station"))
        form.addRow(self.tr("Name of this station"), self.label)
        self.enrol_button = QPushButton(self.tr("Enrol this station"))
        self.enrol_button.clicked.connect(self.enrol_station)
        form.addRow(self.enrol_button)
        self.enrol_message = MessageLabel()
        form.addRow(self.enrol_message)
        layout.addWidget(self.enrol_box)

        self.status = QLabel("")
        self.status.setWordWrap(True)
        set_role(self.status, "heading")
        layout.addWidget(self.status)
        self.mirror_status = QLabel("")
        self.mirror_status.setWordWrap(True)
        layout.addWidget(self.mirror_status)
        self.sync_button = QPushButton(self.tr("Sync now"))
        self.sync_button.clicked.connect(self.start_sync)
        layout.addWidget(self.sync_button, alignment=Qt.AlignmentFlag.AlignLeft)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setMinimumHeight(40)
        layout.addWidget(self.progress)
        self.message = MessageLabel()
        layout.addWidget(self.message)
        self.problems_title = note(self.tr("Records that need attention (they stay on this station):"))
        layout.addWidget(self.problems_title)
        self.problems = QListWidget()
        self.problems.setWordWrap(True)
        self.problems.setMinimumHeight(300)
        layout.addWidget(self.problems)
        layout.addStretch(1)
        self.refresh()

    # ---- state -------------------------------------------------------------------------------
    def enrolled(self) -> bool:
        return self.ctx.station.has_credential

    @property
    def busy(self) -> bool:
        return self._busy

    def refresh(self) -> None:
        """Show the outbox and the held records as they are in the station database now."""
        enrolled = self.enrolled()
        self.enrol_box.setVisible(not enrolled)
        self.sync_button.setEnabled(enrolled and not self.busy)
        pending = self.ctx.station.waiting_to_send()
        last = self.ctx.station.last_sync_at
        if enrolled:
            self.status.setText(self.tr("{0} record(s) waiting to be sent. Last sync: {1}.").format(
                pending, site_local_text(last, self.ctx.station.study, self.ctx.station.site_id) if last
                else self.tr("never")))
        else:
            self.status.setText(self.tr("Not enrolled: nothing can be sent yet."))
        self._show_mirror()
        held = overview.held_records(self.ctx.station)
        self.problems.clear()
        for h in held:
            self.problems.addItem(describe(self.ctx.station, h))
        self.problems_title.setVisible(bool(held))
        self.problems.setVisible(bool(held))

    def _show_mirror(self) -> None:
        """The second copy (store/mirror.py), when one is configured: up to date, copying, or not written."""
        mirror = self.ctx.station.store.mirror
        self.mirror_status.setVisible(mirror is not None)
        if mirror is None:
            return
        state = mirror.status()
        if state.problem:
            text = self.tr("Second copy on {0} is NOT being written: check the USB stick or network folder. "
                           "Saving goes on.").format(mirror.root)
        elif state.waiting:
            text = self.tr("Second copy on {0}: {1} save(s) being copied.").format(mirror.root, state.waiting)
        else:
            text = self.tr("Second copy on {0}: up to date.").format(mirror.root)
        set_role(self.mirror_status, "problem" if state.problem else "note")
        self.mirror_status.setText(text)

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.sync_button.setEnabled(not busy and self.enrolled())
        self.enrol_button.setEnabled(not busy)
        self.busy_changed.emit(busy)

    def _finished(self) -> None:
        self._set_busy(False)
        self.refresh()

    # ---- enrolment ---------------------------------------------------------------------------
    def enrol_station(self) -> None:
        url, code, label = self.server_url.text().strip(), self.code.text().strip(), self.label.text().strip()
        if not url or not code:
            self.enrol_message.problem(self.tr("Enter the server address and the enrolment code."))
            return
        try:
            code = enrolment_code.parse(code)
        except TrialproError:
            self.enrol_message.problem(self.tr("Enrolment did not work:") + " " + self.tr(
                "this is not an enrolment code: it has 16 letters and digits in four groups "
                "(XXXX-XXXX-XXXX-XXXX). Check what you typed."))
            return
        self.code.setText(code)
        engine = SyncEngine(self.ctx.station, url, settings_=self.ctx.sync_settings)

        def job() -> str:
            try:
                return engine.enrol(code, label or "station")
            finally:
                engine.close()

        self.enrol_message.clear_message()
        self._set_busy(True)
        run_in_background(job, on_done=self._enrolled, on_finished=self._finished,
                          on_failed=lambda exc: self.enrol_message.problem(
                              self.tr("Enrolment did not work:") + " " + failure_text(exc)))

    def _enrolled(self, device_id: str) -> None:
        self.code.clear()
        self.message.success(self.tr("Station enrolled (device {0}). You can sync now.").format(device_id))
        self.station_enrolled.emit()

    # ---- sync --------------------------------------------------------------------------------
    def start_sync(self) -> None:
        """Run SyncEngine.sync in a worker thread; the button becomes "Try again" if it fails."""
        if self.busy:
            return
        url = self.ctx.station.server_url or ""
        engine = SyncEngine(self.ctx.station, url, settings_=self.ctx.sync_settings)

        def job(progress: Callable[[Any], None]) -> SyncReport:
            try:
                return engine.sync(progress=progress)
            finally:
                engine.close()

        self.message.clear_message()
        self.progress.setRange(0, 0)   # busy until the first batch is answered
        self._set_busy(True)
        run_in_background(job, on_progress=self._progress, on_done=self._synced, on_failed=self._sync_failed,
                          on_finished=self._finished)
        self.status.setText(self.tr("Syncing… you can keep this screen open."))

    def _progress(self, state: SyncProgress) -> None:
        self.progress.setRange(0, max(state.total, 1))
        self.progress.setValue(min(state.sent, max(state.total, 1)))

    def _synced(self, report: SyncReport) -> None:
        self.progress.setRange(0, 1)
        self.progress.setValue(1)
        self.sync_button.setText(self.tr("Sync now"))
        text = self.tr("Sync finished: {0} record(s) sent, {1} accepted.").format(report.sent, report.acknowledged)
        if report.corrections_applied:
            text += " " + self.tr("{0} correction(s) from the data manager received.").format(
                report.corrections_applied)
        if report.rejected or report.conflicts:
            self.message.problem(text + " " + self.tr("{0} record(s) were not accepted: see below.").format(
                len(report.rejected) + len(report.conflicts)))
        else:
            self.message.success(text)
        self.synced.emit(report)

    def _sync_failed(self, exc: Exception) -> None:
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.sync_button.setText(self.tr("Try again"))
        self.message.problem(self.tr("Sync did not complete. Everything is kept on this station; try again "
                                     "when the network is back.") + "\n" + failure_text(exc))


def failure_text(exc: Exception) -> str:
    """What went wrong, for the screen, in its language: the error's class decides, never its English text (which
    may hold a raw socket error such as "[Errno 111] Connection refused"; that goes to the log)."""
    log.warning("sync or enrolment failed: %s: %s", exc.__class__.__name__, getattr(exc, "message", exc))
    if isinstance(exc, ServerUnreachable):
        return QCoreApplication.translate("Nurse", "No server answers at this station's server address. Check the "
                                                   "network cable or Wi-Fi and that the server is running.")
    if isinstance(exc, DeviceNotAuthorised):
        return QCoreApplication.translate("Nurse", "The server no longer accepts this station (revoked or "
                                                   "unknown). Ask the data manager.")
    if isinstance(exc, StudyMismatch):
        return QCoreApplication.translate("Nurse", "This server runs another study or study version than this "
                                                   "station. Ask the data manager which server to use.")
    if isinstance(exc, ServerUrlInvalid):
        return QCoreApplication.translate("Nurse", "This is not the address of a trialpro server. Type it as the "
                                                   "data manager gave it.")
    if isinstance(exc, EnrolmentCodeInvalid):
        return QCoreApplication.translate("Nurse", "The server does not accept this code: it is unknown, used or "
                                                   "expired. Ask the data manager for a new code.")
    if isinstance(exc, TooManyEnrolmentAttempts):
        return QCoreApplication.translate("Nurse", "Too many tries with wrong codes: wait 15 minutes, then try "
                                                   "again.")
    if isinstance(exc, SyncFailed):
        return QCoreApplication.translate("Nurse", "The server did not complete the sync. Nothing is lost; try "
                                                   "again, or tell the data manager.")
    if isinstance(exc, TrialproError):
        return QCoreApplication.translate("Nurse", "The server refused ({0}). Nothing is lost; tell the data "
                                                   "manager.").format(exc.code)
    return QCoreApplication.translate("Nurse", "Something went wrong ({0}). Nothing is lost; try again, or tell "
                                               "the data manager.").format(exc.__class__.__name__)


def describe(station: Station, h: HeldRecord) -> str:
    """One held record in plain words: what it is, whose, which visit, and what the server said."""
    if h.instrument_id:
        what = in_language(get_instrument(h.instrument_id).title)
    elif h.kind == "enrolment":
        what = QCoreApplication.translate("Nurse", "Enrolment")
    else:
        what = QCoreApplication.translate("Nurse", "Adverse event report")
    where = h.participant_id
    if h.visit_id:
        v = station.study.visit(h.visit_id)
        where += ", " + study_text(v.label, v.label_zh)
    if h.state == "conflict":
        return QCoreApplication.translate(
            "Nurse", "{0} ({1}): the server already holds a different version of this record. It was kept aside "
                     "for the data manager; nothing was merged.").format(what, where)
    return QCoreApplication.translate(
        "Nurse", "{0} ({1}) was refused by the server: {2}. It stays on this station; tell the data "
                 "manager.").format(what, where, h.reason)
