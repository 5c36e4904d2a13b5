"""Opening the station: staff type the site passphrase; a new station is set up and enrolled from this screen.

A new folder asks for the passphrase (twice), the server address and the one-time enrolment code; the screen
creates the encrypted store, enrols with the server, runs the first sync (which brings the staff accounts) and
shows the recovery key once. A station that was opened but never enrolled or never synced asks for the rest
when it is opened. Key derivation, enrolment and sync run off the UI thread. Every refusal is shown beside its
field in the screen's language, never as a traceback. The passphrase is cleared from the field after each try.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFormLayout, QHBoxLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from desktop_client.services import opening, station_setup
from desktop_client.services.station import Station
from desktop_client.services.sync_engine import SyncSettings
from desktop_client.ui import theme
from desktop_client.ui.widgets.choices import KeyButton
from desktop_client.ui.workers import run_in_background
from shared import enrolment_code
from shared.errors import (
    EnrolmentCodeInvalid,
    RecordInvalid,
    ServerUnreachable,
    ServerUrlInvalid,
    StudyMismatch,
    SyncFailed,
    TooManyEnrolmentAttempts,
    TrialproError,
    WrongPassphrase,
)
from shared.study.model import Study

_WIDTH = 900
PASSPHRASE, ENROL, RECOVERY = "passphrase", "enrol", "recovery"   # what the button does next


class UnlockScreen(QWidget):
    """Emits ``opened(Store)`` once the station database is open (and, given a ``study``, enrolled and synced).

    Without ``study`` the screen only opens or creates the store (the passphrase alone), as before set-up
    from the screens existed; ``server_url`` and ``code`` pre-fill the set-up fields (scripts/run-client.sh).
    """

    opened = Signal(object)

    def __init__(self, data_dir: Path, parent: QWidget | None = None, *, study: Study | None = None,
                 sync_settings: SyncSettings | None = None, server_url: str = "", code: str = "",
                 label: str = "") -> None:
        super().__init__(parent)
        self._data_dir = Path(data_dir)
        self._new = opening.is_new_station(self._data_dir)
        self._study = study
        self._sync_settings = sync_settings or station_setup.SETUP_SYNC
        self._store: Any = None      # the open store, handed on with ``opened``
        self._recovery: str | None = None
        self._stage = PASSPHRASE
        self._step = ""
        self._running = 0                # background steps not finished yet
        self.heading = theme.label(self, "heading")
        self.explain = theme.label(self, "note", wrap=True)
        self.passphrase = self._field("passphrase", password=True)
        self.repeat = self._field("repeat", password=True)
        self.server_url = self._field("server-url", text=server_url)
        self.server_url.setPlaceholderText("https://trialpro.example.org")
        self.code = self._field("enrolment-code", text=code)
        self.code.setPlaceholderText(enrolment_code.SHAPE)
        self.station_name = self._field("station-name", text=label)
        self.passphrase_label, self.repeat_label = QLabel(self), QLabel(self)
        self.server_url_label, self.code_label, self.station_name_label = QLabel(self), QLabel(self), QLabel(self)
        # one problem line under each field, and one for what belongs to no field
        self.field_problems = {name: theme.label(self, "problem", wrap=True, hidden=True)
                               for name in ("passphrase", "server_url", "code")}
        self.problem = theme.label(self, "problem", wrap=True, hidden=True)
        self.status = theme.label(self, "note", wrap=True, hidden=True)
        self.button = KeyButton(self)
        self.button.setObjectName("open")
        self.button.clicked.connect(self._go)
        self.passphrase.returnPressed.connect(self.repeat.setFocus if self._new else self._go)
        self.repeat.returnPressed.connect(self.server_url.setFocus if self._enrols else self._go)
        self.server_url.returnPressed.connect(self.code.setFocus)
        self.code.returnPressed.connect(self._go)
        form = QFormLayout()
        form.setVerticalSpacing(8)
        form.addRow(self.passphrase_label, self.passphrase)
        form.addRow(self.repeat_label, self.repeat)
        form.addRow("", self.field_problems["passphrase"])
        form.addRow(self.server_url_label, self.server_url)
        form.addRow("", self.field_problems["server_url"])
        form.addRow(self.code_label, self.code)
        form.addRow("", self.field_problems["code"])
        form.addRow(self.station_name_label, self.station_name)
        self._show_fields(passphrase=True, enrol=self._new and self._enrols)
        row = QHBoxLayout()
        row.addWidget(self.status, 1)
        row.addWidget(self.button)
        inner = QWidget(self)
        inner.setFixedWidth(_WIDTH)
        col = QVBoxLayout(inner)
        col.addWidget(self.heading)
        col.addWidget(self.explain)
        col.addSpacing(12)
        col.addLayout(form)
        col.addWidget(self.problem)
        col.addLayout(row)
        box = QVBoxLayout(self)
        box.addStretch(1)
        box.addWidget(inner, 0, Qt.AlignmentFlag.AlignHCenter)
        box.addStretch(2)
        self.retranslate()

    def _field(self, name: str, *, password: bool = False, text: str = "") -> QLineEdit:
        edit = QLineEdit(text, self)
        edit.setObjectName(name)
        if password:
            edit.setEchoMode(QLineEdit.EchoMode.Password)
        return edit

    @property
    def _enrols(self) -> bool:
        """True when this screen enrols and syncs the station (it knows the study to run)."""
        return self._study is not None

    def _show_fields(self, *, passphrase: bool, enrol: bool) -> None:
        self.passphrase.setVisible(passphrase)
        self.passphrase_label.setVisible(passphrase)
        self.repeat.setVisible(passphrase and self._new)
        self.repeat_label.setVisible(passphrase and self._new)
        for widget in (self.server_url, self.server_url_label, self.code, self.code_label, self.station_name,
                       self.station_name_label):
            widget.setVisible(enrol)

    def retranslate(self) -> None:
        self.passphrase_label.setText(self.tr("Site passphrase"))
        self.repeat_label.setText(self.tr("Repeat passphrase"))
        self.server_url_label.setText(self.tr("Server address"))
        self.code_label.setText(self.tr("Enrolment code"))
        self.station_name_label.setText(self.tr("Name of this station"))
        if not self.station_name.text():
            self.station_name.setText(self.tr("Kiosk"))
        if self._stage == ENROL:
            self.heading.setText(self.tr("Connect this station to the server"))
            self._explain(self.tr("Type the server address and the one-time enrolment code from the data manager "
                                  "(trialpro-server device code, or the web page Devices). The first sync brings "
                                  "the staff accounts; then staff sign in."))
            self.button.setText(self.tr("Enrol and sync"))
        elif self._new and self._enrols:
            self.heading.setText(self.tr("Set up this station"))
            self._explain(self.tr("No station is set up in %1 yet. Choose the site passphrase (at least 8 "
                                  "characters), then type the server address and the one-time enrolment code "
                                  "from the data manager.").replace("%1", str(self._data_dir)))
            self.button.setText(self.tr("Set up and enrol"))
        elif self._new:
            self.heading.setText(self.tr("Set up this station"))
            self._explain(self.tr("No station is set up in %1 yet. Choose the site passphrase "
                                  "(at least 8 characters).").replace("%1", str(self._data_dir)))
            self.button.setText(self.tr("Set up"))
        else:
            self.heading.setText(self.tr("Open the station"))
            self._explain(self.tr("Staff: type the site passphrase to open the encrypted station."))
            self.button.setText(self.tr("Open"))
        if self._step:
            self._show_step(self._step)

    def _explain(self, text: str) -> None:
        theme.show_wrapped(self.explain, text, _WIDTH - 24)

    # ---- the steps ---------------------------------------------------------------------------------
    def _go(self) -> None:
        if self._stage == RECOVERY:      # the recovery key was shown; staff confirmed they wrote it down
            self.opened.emit(self._store)
            return
        self._clear_problems()
        if self._stage == ENROL:
            self._enrol()
            return
        secret = self.passphrase.text()
        if self._new and secret != self.repeat.text():
            self._fail(self.tr("The two passphrases differ. Type them again."), "passphrase")
            return
        if self._new and len(secret) < opening.MIN_PASSPHRASE:
            self._fail(self.tr("The site passphrase must have at least %1 characters.").replace(
                "%1", str(opening.MIN_PASSPHRASE)), "passphrase")
            return
        if self._new and self._enrols and self._typed_enrolment() is None:
            return                       # checked before the store exists: nothing to undo
        self.passphrase.clear()
        self.repeat.clear()
        folder, new = self._data_dir, self._new
        start = opening.set_up_station if new else opening.open_station
        self._run(lambda: start(folder, secret), self._store_open)

    def _typed_enrolment(self) -> tuple[str, str] | None:
        """The server address and code as typed, checked without the network (None: shown beside the field)."""
        try:
            url = station_setup.server_address(self.server_url.text())
        except TrialproError as exc:
            self._show_failure(exc)
            return None
        try:
            code = enrolment_code.parse(self.code.text())
        except TrialproError as exc:
            self._show_failure(exc)
            return None
        self.server_url.setText(url)
        self.code.setText(code)
        return url, code

    def _store_open(self, result: tuple[Any, str | None]) -> None:
        self._store, self._recovery = result
        self._new = False
        if not self._enrols or self._station().last_sync_at is not None:
            self._finish()
            return
        self._stage = ENROL
        enrolled = self._station().has_credential
        self._show_fields(passphrase=False, enrol=not enrolled)   # enrolled, never synced: only the sync is left
        self.retranslate()
        if enrolled or self.code.text().strip():
            self._enrol()                # typed (or pre-filled) with the passphrase: go on at once

    def _station(self) -> Station:
        assert self._study is not None
        return Station(store=self._store, study=self._study)

    def _enrol(self) -> None:
        station = self._station()
        typed = ("", "") if station.has_credential else self._typed_enrolment()
        if typed is None:
            return
        url, code = typed
        label = self.station_name.text().strip() or "kiosk"
        settings = self._sync_settings
        self._run(lambda step: station_setup.enrol_and_sync(station, url, code, label, settings=settings, step=step),
                  self._enrolled, progress=self._show_step)

    def _enrolled(self, result: station_setup.SetupResult) -> None:
        self._show_fields(passphrase=False, enrol=False)
        if result.staff_accounts == 0:   # enrolled and synced, but nobody could sign in yet
            self._fail(self.tr("The server has no staff account for site %1 yet: ask the data manager to add one "
                               "(trialpro-server user add), then sync again.").replace("%1", result.site_id))
            self.button.setText(self.tr("Sync again"))
            return
        self._finish()

    def _finish(self) -> None:
        if self._recovery is None:
            self.opened.emit(self._store)
            return
        self._stage = RECOVERY
        self._show_fields(passphrase=False, enrol=False)
        self.status.hide()
        self.heading.setText(self.tr("Write down the recovery key"))
        self._explain(self.tr("It is shown only now. Keep it locked away; it opens the station "
                              "if the passphrase is lost.") + "\n\n" + self._recovery)
        self.explain.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.button.setText(self.tr("I have written it down"))
        self.button.setEnabled(True)     # nothing runs any more: staff confirm at once

    # ---- running and failing -----------------------------------------------------------------------
    @property
    def stage(self) -> str:
        """What the button does next: PASSPHRASE, ENROL or RECOVERY."""
        return self._stage

    @property
    def busy(self) -> bool:
        """True while a step runs in the background (opening the store chains the enrolment from its result)."""
        return self._running > 0

    def _run(self, fn: Any, on_done: Any, progress: Any = None) -> None:
        self._running += 1
        self.button.setEnabled(False)
        run_in_background(fn, on_done=on_done, on_failed=self._show_failure, on_progress=progress,
                          on_finished=self._idle)

    def _idle(self) -> None:
        self._running -= 1
        if self._running:
            return                       # the next step started from this one's result is still on its way
        self.button.setEnabled(True)
        self._step = ""
        self.status.hide()

    def _show_step(self, step: str) -> None:
        self._step = step
        texts = {station_setup.CHECKING: self.tr("Checking the server…"),
                 station_setup.ENROLLING: self.tr("Enrolling this station…"),
                 station_setup.SYNCING: self.tr("First sync: staff accounts and participants…")}
        self.status.setText(texts.get(step, ""))
        self.status.show()

    def _show_failure(self, exc: Exception) -> None:
        field, text = self.failure_text(exc)
        self._fail(text, field)

    def failure_text(self, exc: Exception) -> tuple[str | None, str]:
        """(field or None, what went wrong in the screen's language): the error's class decides, never its
        English text, which may hold a raw socket error ("[Errno 111] Connection refused")."""
        url = self.server_url.text().strip()
        if isinstance(exc, WrongPassphrase):
            return "passphrase", self.tr("This passphrase does not open the station. Type it again.")
        if isinstance(exc, ServerUrlInvalid):
            return "server_url", self.tr("This is not the address of a trialpro server. Type it as the data "
                                         "manager gave it, e.g. https://trialpro.example.org or "
                                         "http://192.168.1.10:8000.")
        if isinstance(exc, ServerUnreachable):
            return "server_url", self.tr("No server answers at %1. Check the address, the network cable or "
                                         "Wi-Fi, and that the server is running; then try again.").replace("%1", url)
        if isinstance(exc, StudyMismatch):
            return "server_url", self.tr("This server runs another study or study version than this station. "
                                         "Ask the data manager which server to use.")
        if isinstance(exc, EnrolmentCodeInvalid):
            return "code", self.tr("The server does not accept this code: it is unknown, used or expired. Ask "
                                   "the data manager for a new code.")
        if isinstance(exc, TooManyEnrolmentAttempts):
            return "code", self.tr("Too many tries with wrong codes: wait 15 minutes, then check the code and "
                                   "try again.")
        if isinstance(exc, RecordInvalid):   # enrolment_code.parse: a typing slip
            return "code", self.tr("This is not an enrolment code: it has 16 letters and digits in four groups "
                                   "(XXXX-XXXX-XXXX-XXXX). Check what you typed.")
        if isinstance(exc, SyncFailed):
            return None, self.tr("The server did not complete the set-up. Nothing is lost; try again, or tell "
                                 "the data manager.")
        if isinstance(exc, TrialproError):
            return None, exc.message
        return None, self.tr("Something went wrong (%1). Nothing is lost; try again, or tell the data "
                             "manager.").replace("%1", exc.__class__.__name__)

    def _clear_problems(self) -> None:
        for label in (*self.field_problems.values(), self.problem):
            label.hide()

    def _fail(self, text: str, field: str | None = None) -> None:
        label = self.field_problems.get(field or "", self.problem)
        theme.show_wrapped(label, text, _WIDTH - 240 if label is not self.problem else _WIDTH - 24)
        target = {"passphrase": self.passphrase, "server_url": self.server_url, "code": self.code}.get(field or "")
        (target if target is not None and target.isVisible() else self.button).setFocus()
