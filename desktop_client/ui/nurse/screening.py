"""Screening after consent: the checklist, and the screening log entry saved whatever the outcome (issue 15).

The checklist is the study file's. Nothing is assumed: an unanswered criterion stays unanswered (the
screening is then pending). The full date of birth is typed; only the age at consent and the birth
year-month are kept. Saving gives the participant id; nothing here shows or reveals an allocation:
randomisation is its own screen (``randomisation.py``), at the eligibility visit.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QWidget,
)

from desktop_client.services import enrolment, overview
from desktop_client.services.enrolment import Screening
from desktop_client.ui.nurse.field_errors import FieldErrors
from desktop_client.ui.nurse.outcome import OutcomeBanner
from desktop_client.ui.nurse.problems import save_in_background
from desktop_client.ui.nurse.widgets import (
    MessageLabel,
    NurseContext,
    in_language,
    note,
    page_layout,
    pydate,
    qdate,
    study_text,
    tr,
)
from desktop_client.ui.theme import set_role
from shared.eligibility import ELIGIBLE, PENDING, Failure, screening_outcome

NOT_SET = -1


# Each eligibility failure code of shared/eligibility.py: its translatable template and the params that fill
# {0}, {1}, … in order (the numbers and names come with the failure; nothing is parsed out of English text).
REASONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "eligibility.age_outside": (QT_TRANSLATE_NOOP("Nurse", "age {0} is outside {1}-{2}"), ("age", "min", "max")),
    "eligibility.age_unknown": (QT_TRANSLATE_NOOP("Nurse", "date of birth or consent date missing"), ()),
    "eligibility.score_missing": (QT_TRANSLATE_NOOP("Nurse", "no {1} entered"), ("visit", "instrument")),
    "eligibility.score_below": (QT_TRANSLATE_NOOP("Nurse", "{0} {1} is below {2}"),
                                ("instrument", "score", "minimum")),
    "eligibility.consent_missing": (QT_TRANSLATE_NOOP("Nurse", "no consent date"), ()),
    "eligibility.consent_after_screening": (QT_TRANSLATE_NOOP("Nurse", "consent date is after the screening date"),
                                            ()),
    "eligibility.not_answered": (QT_TRANSLATE_NOOP("Nurse", "not answered"), ()),
    "eligibility.not_met": (QT_TRANSLATE_NOOP("Nurse", "not met"), ()),
    "eligibility.present": (QT_TRANSLATE_NOOP("Nurse", "present (excludes the participant)"), ()),
}


# The entry of the form a failure code is about (its reason is said below that entry too, not only in the
# summary under "Check eligibility"); the criteria answered by radio buttons stay in the summary.
FAILURE_FIELDS = {"eligibility.age_outside": "date_of_birth", "eligibility.age_unknown": "date_of_birth",
                  "eligibility.consent_missing": "consent_given",
                  "eligibility.consent_after_screening": "consent_date",
                  "eligibility.score_missing": "screening_score", "eligibility.score_below": "screening_score"}


def reason_text(f: Failure) -> str:
    """Why a criterion failed, in the screen's language, from the failure's code and params (an unknown code
    shows the rule's own English reason, so nothing is hidden)."""
    known = REASONS.get(f.code)
    if known is None:
        return f.reason
    template, names = known
    return tr(template).format(*(f.params.get(n, "") for n in names))


class ScreeningPage(QWidget):
    """Screen a person after consent and save the screening whatever its outcome (gives the participant id)."""

    screened = Signal(str)

    def __init__(self, ctx: NurseContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        study = ctx.station.study
        self._criteria_text = {c.id: study_text(c.text, c.text_zh) for c in study.inclusion + study.exclusion}
        layout = page_layout(self, self.tr("Screening"))
        self.outcome_banner = OutcomeBanner()        # the result of saving, at the top where the eye is
        layout.addWidget(self.outcome_banner)
        layout.addWidget(note(self.tr("Pseudonymous: no name is stored, and of the date of birth only the age at "
                                      "consent and the year and month. The participant id is given when the "
                                      "screening is saved, whatever its outcome.")))

        person = QGroupBox(self.tr("Participant"))
        form = QFormLayout(person)
        today = overview.site_today(ctx.station)
        self.date_of_birth = QDateEdit()
        self.date_of_birth.setDisplayFormat("yyyy-MM-dd")
        self.date_of_birth.setDateRange(qdate(date(1900, 1, 1)), qdate(today))
        self.date_of_birth.setSpecialValueText(self.tr("not entered"))
        self.date_of_birth.setDate(self.date_of_birth.minimumDate())
        self.age = QLabel("")
        born_row = QHBoxLayout()
        born_row.addWidget(self.date_of_birth)
        born_row.addWidget(self.age, 1)
        form.addRow(self.tr("Date of birth"), born_row)
        self.sex = QComboBox()
        for code, label in (("", self.tr("not entered")), ("F", self.tr("Female")), ("M", self.tr("Male")),
                            ("U", self.tr("Other / not stated"))):
            self.sex.addItem(label, code)
        form.addRow(self.tr("Sex"), self.sex)
        self.childbearing = QComboBox()   # issue 18: randomisation then needs a negative pregnancy test
        for label in (self.tr("not recorded"), self.tr("Yes"), self.tr("No")):
            self.childbearing.addItem(label)
        form.addRow(self.tr("Of childbearing potential (women)"), self.childbearing)
        self.screening_date = QDateEdit(qdate(today))
        self.screening_date.setDisplayFormat("yyyy-MM-dd")
        self.screening_date.setCalendarPopup(True)
        form.addRow(self.tr("Screening date"), self.screening_date)
        self.consent_given = QCheckBox(self.tr("Written informed consent signed on"))
        self.consent_date = QDateEdit(qdate(today))
        self.consent_date.setDisplayFormat("yyyy-MM-dd")
        self.consent_date.setCalendarPopup(True)
        self.consent_date.setEnabled(False)
        self.consent_given.toggled.connect(self.consent_date.setEnabled)
        consent_row = QHBoxLayout()
        consent_row.addWidget(self.consent_given)
        consent_row.addWidget(self.consent_date, 1)
        form.addRow(self.tr("Consent"), consent_row)
        self.eligibility_score = QSpinBox()
        self.eligibility_score.setSpecialValueText(self.tr("not entered"))
        criterion = ctx.station.study.score_criterion()
        if criterion is not None:
            scored = ctx.station.study.instrument(str(criterion.instrument))
            top = int(scored.score_maximum() or 0)
            self.eligibility_score.setRange(NOT_SET, top)
            self.eligibility_score.setValue(NOT_SET)
            form.addRow(self.tr("{0} (0-{1})").format(in_language(scored.short), top), self.eligibility_score)
        else:
            self.eligibility_score.setRange(NOT_SET, NOT_SET)
            self.eligibility_score.hide()
        self.field_errors = FieldErrors(form)      # what keeps a person from being screened, beside its field
        self.field_errors.register("date_of_birth", self.date_of_birth, born_row)
        self.field_errors.register("sex", self.sex)
        self.field_errors.register("screening_date", self.screening_date)
        self.field_errors.register("consent_given", self.consent_given, consent_row)
        self.field_errors.register("consent_date", self.consent_date, consent_row)
        if criterion is not None:
            self.field_errors.register("screening_score", self.eligibility_score)
        layout.addWidget(person)

        self.answers: dict[str, tuple[QRadioButton, QRadioButton]] = {}
        self._computed: dict[str, QLabel] = {}
        for title, criteria, yes_text, no_text in (
                (self.tr("Inclusion criteria (all must be met)"), study.inclusion, self.tr("Met"),
                 self.tr("Not met")),
                (self.tr("Exclusion criteria (none may be present)"), study.exclusion, self.tr("Present"),
                 self.tr("Absent"))):
            box = QGroupBox(title)
            grid = QGridLayout(box)
            for r, crit in enumerate(criteria):
                text = QLabel(f"{crit.id}  {self._criteria_text[crit.id]}")
                text.setWordWrap(True)
                grid.addWidget(text, r, 0)
                if crit.check == "attest":
                    yes, no = QRadioButton(yes_text), QRadioButton(no_text)
                    group = QButtonGroup(box)
                    group.addButton(yes)
                    group.addButton(no)
                    yes.toggled.connect(self._changed)
                    no.toggled.connect(self._changed)
                    grid.addWidget(yes, r, 1)
                    grid.addWidget(no, r, 2)
                    self.answers[crit.id] = (yes, no)
                else:
                    computed = QLabel("")
                    set_role(computed, "note")
                    grid.addWidget(computed, r, 1, 1, 2)
                    self._computed[crit.id] = computed
            grid.setColumnStretch(0, 1)
            layout.addWidget(box)

        self.check_button = QPushButton(self.tr("Check eligibility"))
        self.check_button.clicked.connect(self.check)
        layout.addWidget(self.check_button)
        self.result = MessageLabel()
        layout.addWidget(self.result)

        confirm = QGroupBox(self.tr("Screening log"))
        confirm_layout = QFormLayout(confirm)
        confirm_layout.addRow(note(self.tr("The screening is saved whatever its outcome (eligible, screen failure "
                                           "or pending). Randomisation comes later, at the eligibility visit.")))
        self.confirm_box = QCheckBox(self.tr("I have checked these entries"))
        self.confirm_box.toggled.connect(self._update_buttons)
        confirm_layout.addRow(self.confirm_box)
        self.save_button = QPushButton(self.tr("Save the screening"))
        self.save_button.clicked.connect(self.save)
        confirm_layout.addRow(self.save_button)
        self.saved_label = QLabel("")
        self.saved_label.setWordWrap(True)
        set_role(self.saved_label, "saved")
        self.saved_label.hide()
        confirm_layout.addRow(self.saved_label)
        self.save_message = MessageLabel()
        confirm_layout.addRow(self.save_message)
        self.next_button = QPushButton(self.tr("Screen another person"))
        self.next_button.clicked.connect(self.reset)
        self.next_button.hide()
        confirm_layout.addRow(self.next_button)
        layout.addWidget(confirm)
        layout.addStretch(1)

        self.eligibility_score.valueChanged.connect(self._changed)
        self.date_of_birth.dateChanged.connect(self._changed)
        self.sex.currentIndexChanged.connect(self._changed)
        self.childbearing.currentIndexChanged.connect(self._changed)
        self.screening_date.dateChanged.connect(self._changed)
        self.consent_date.dateChanged.connect(self._changed)
        self.consent_given.toggled.connect(self._changed)
        self._checked: Screening | None = None
        self._saving = False
        self._changed()

    # ---- reading the form ------------------------------------------------------------------
    def screening(self) -> Screening:
        """The entries exactly as shown (unanswered stays unanswered)."""
        attested: dict[str, bool] = {}
        for cid, (yes, no) in self.answers.items():
            if yes.isChecked() or no.isChecked():
                attested[cid] = yes.isChecked()  # inclusion: met; exclusion: present
        born = self.date_of_birth.date()
        score = self.eligibility_score.value()
        return Screening(date_of_birth=pydate(born) if born != self.date_of_birth.minimumDate() else None,
                         sex=self.sex.currentData() or "", screening_date=pydate(self.screening_date.date()),
                         consent_date=pydate(self.consent_date.date()) if self.consent_given.isChecked() else None,
                         screening_score=score if score != NOT_SET else None, attested=attested,
                         childbearing_potential=(None, True, False)[self.childbearing.currentIndex()])

    def failure_text(self, f: Failure) -> str:
        """A failed criterion: its id, the study file's text in the screen's language, and why."""
        return f"{f.criterion_id} {self._criteria_text.get(f.criterion_id, f.text)}: {reason_text(f)}"

    def _changed(self) -> None:
        """Any edit invalidates the last check: a screening is saved only as checked."""
        self._checked = None
        s = self.screening()
        age = s.age_at_consent
        self.age.setText(self.tr("age {0} at consent").format(age) if age is not None else "")
        failures = {f.criterion_id: f for f in enrolment.assess(self.ctx.station, s)}
        for cid, label in self._computed.items():
            label.setText(self.tr("computed: not met") + f" ({reason_text(failures[cid])})"
                          if cid in failures else self.tr("computed: met"))
        self.result.clear_message()
        self.field_errors.clear()
        self._update_buttons()

    def _update_buttons(self) -> None:
        ready = self._checked is not None and self._checked == self.screening()
        self.confirm_box.setEnabled(ready)
        self.save_button.setEnabled(ready and self.confirm_box.isChecked() and not self._saving)

    # ---- actions ------------------------------------------------------------------------------
    def check(self) -> bool:
        """Assess every criterion and say the outcome: eligible, screen failure (which criteria) or pending.
        Returns True when the screening may be saved (date of birth, consent and sex entered)."""
        s = self.screening()
        self._checked = None
        missing = [label for label, absent in ((self.tr("the date of birth"), s.date_of_birth is None),
                                                (self.tr("the consent date"), s.consent_date is None),
                                                (self.tr("the sex"), not s.sex)) if absent]
        if missing:
            self.result.problem(self.tr("A person is screened after consent: enter {0}, then check again.")
                                .format(", ".join(missing)))
            required = QCoreApplication.translate("Nurse", "required, not filled in")
            self.field_errors.say((field, required) for field, absent in (
                ("date_of_birth", s.date_of_birth is None), ("consent_given", s.consent_date is None),
                ("sex", not s.sex)) if absent)
            self.confirm_box.setChecked(False)
            self._update_buttons()
            return False
        failures = enrolment.assess(self.ctx.station, s)
        outcome = screening_outcome(failures)
        self._checked = s
        lines = "\n".join(f"• {self.failure_text(f)}" for f in failures)
        self.field_errors.say((FAILURE_FIELDS[f.code], reason_text(f)) for f in failures   # the criterion: in
                              if f.code in FAILURE_FIELDS)                                  # the summary
        if outcome == ELIGIBLE:
            self.result.success(self.tr("Eligible at screening: all {0} criteria are met. Randomisation follows "
                                        "at the eligibility visit.").format(
                len(self.ctx.station.study.inclusion) + len(self.ctx.station.study.exclusion)))
        elif outcome == PENDING:
            self.result.problem(self.tr("Pending: some answers are missing. Save now and complete later:")
                                + "\n" + lines)
        else:
            self.result.problem(self.tr("Screen failure: these criteria are not met (the screening is still "
                                        "saved in the log):") + "\n" + lines)
        self._update_buttons()
        return True

    def save(self) -> None:
        """Save the screening as checked (one transaction); it gives the participant id."""
        s = self.screening()
        if self._checked is None or self._checked != s or not self.confirm_box.isChecked():
            return
        station, actor = self.ctx.station, self.ctx.actor
        self._saving = True   # no second click (or edit re-enabling the button) while the screening is saved
        save_in_background(lambda: enrolment.screen(station, s, actor=actor), button=self.save_button,
                           message=self.save_message, study=station.study, on_saved=self._saved,
                           on_ended=self._save_ended)

    def _save_ended(self) -> None:
        self._saving = False
        self._update_buttons()

    def _saved(self, record: dict[str, Any]) -> None:
        """Show the participant id and outcome (after COMMIT) and freeze the checklist that produced it."""
        outcome = {"eligible": self.tr("eligible"), "screen_failure": self.tr("screen failure"),
                   "pending": self.tr("pending")}[record["data"]["outcome"]]
        self.saved_label.setText(self.tr("Screened: {0}\nOutcome: {1}").format(record["participant_id"], outcome))
        self.saved_label.show()
        self.outcome_banner.announce(self.saved_label.text())
        self.save_message.clear_message()
        self.confirm_box.setChecked(False)
        self._checked = None
        for widget in self.findChildren(QWidget):
            if widget not in (self.saved_label, self.next_button) and isinstance(
                    widget, QPushButton | QCheckBox | QRadioButton | QSpinBox | QComboBox | QDateEdit):
                widget.setEnabled(False)
        self.next_button.setEnabled(True)
        self.next_button.show()
        self.screened.emit(record["participant_id"])

    def reset(self) -> None:
        """A blank checklist for the next person."""
        for widget in self.findChildren(QWidget):
            widget.setEnabled(True)
        self.consent_date.setEnabled(False)
        self.date_of_birth.setDate(self.date_of_birth.minimumDate())
        self.sex.setCurrentIndex(0)
        self.childbearing.setCurrentIndex(0)
        self.consent_given.setChecked(False)
        self.eligibility_score.setValue(NOT_SET)
        for yes, no in self.answers.values():
            for button in (yes, no):
                group = button.group()
                group.setExclusive(False)
                button.setChecked(False)
                group.setExclusive(True)
        self.saved_label.hide()
        self.outcome_banner.clear_banner()
        self.next_button.hide()
        self._changed()
