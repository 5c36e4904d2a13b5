"""What one kiosk session asks and what the participant has answered so far (plain Python, no Qt).

The questions come from the study file (instruments due at the visit, participant-reported ones only) and
the participant's arm (``Instrument.items_for(drugs)``). One question per screen, as on paper; an item that
is only asked after a given answer (severity after "yes") shares its trigger's screen. Checking uses
``shared.validation.validate_answers``, the same rules the store service and the server apply.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from desktop_client.services.recording import PARTICIPANT
from shared.errors import FieldProblem
from shared.exposure import calendar_item
from shared.instruments import get_instrument
from shared.instruments.model import Instrument, Item, Text
from shared.study.model import Study, Visit
from shared.validation import validate_answers


def participant_instruments(visit: Visit, study: Study) -> tuple[Instrument, ...]:
    """The participant-reported instruments due at ``visit``, at the versions the study file names, in order."""
    return tuple(inst for inst in map(study.instrument, visit.instruments) if inst.respondent == PARTICIPANT)


def kiosk_visits(study: Study) -> tuple[Visit, ...]:
    """Visits at which a participant answers something on the kiosk."""
    return tuple(v for v in study.visits if participant_instruments(v, study))


@dataclass(frozen=True)
class Question:
    """One screen: an item and, optionally, the item asked only after a given answer to it."""

    instrument: Instrument
    item: Item
    follow_up: Item | None = None

    def items(self) -> tuple[Item, ...]:
        return (self.item,) if self.follow_up is None else (self.item, self.follow_up)


@dataclass
class KioskForm:
    """Answers of one participant at one visit, kept in memory only until submitted or discarded."""

    participant_id: str
    visit: Visit
    arm_code: str
    drugs: frozenset[str]
    instruments: tuple[Instrument, ...]
    answers: dict[str, dict[str, Any]] = field(default_factory=dict)
    correction_reason: str | None = None   # staff's reason when the visit's saved answers are corrected
    dose_dates: tuple[date, ...] = ()              # the days a dated dosing diary asks about, oldest first
    drug_names: dict[str, Text] = field(default_factory=dict)   # the arm's drugs, as the diary names them
    recall: dict[str, tuple[date, date]] = field(default_factory=dict)   # instrument -> days asked about
    home_dates: tuple[date, ...] = ()     # days of the dosing diary's period recorded on the phone (not asked)

    @classmethod
    def for_visit(cls, study: Study, *, participant_id: str, arm_code: str, visit_id: str,
                  dose_dates: tuple[date, ...] = (), home_dates: tuple[date, ...] = ()) -> KioskForm:
        """A blank form (``dose_dates``, ``home_dates``: from ``desktop_client.services.dosing.recall_split``;
        a dated dosing diary whose every date was recorded at home is not asked at all). Raises KeyError for an
        unknown visit or arm."""
        visit = study.visit(visit_id)
        instruments = participant_instruments(visit, study)
        if home_dates and not dose_dates:     # issue 24: the phone recorded every day: nothing to recall
            instruments = tuple(i for i in instruments if calendar_item(i) is None)
        arm = study.arm(arm_code)
        names = {t.drug: Text(en=study.drug(t.drug).label, zh=study.drug(t.drug).label_zh) for t in arm.treatments}
        return cls(participant_id=participant_id, visit=visit, arm_code=arm_code, drugs=arm.drugs,
                   instruments=instruments, answers={i.id: {} for i in instruments}, dose_dates=dose_dates,
                   drug_names=names, home_dates=home_dates)

    def questions(self) -> list[Question]:
        """Every screen in order: per instrument, its items for this arm, follow-ups on their trigger's screen."""
        screens: list[Question] = []
        for instrument in self.instruments:
            items = instrument.items_for(self.drugs)
            follow_ups = {it.required_if.item_id: it for it in items
                          if it.required_if is not None and not it.required}
            shown_later = {it.id for it in follow_ups.values()}
            screens += [Question(instrument, it, follow_ups.get(it.id)) for it in items if it.id not in shown_later]
        return screens

    def value(self, instrument_id: str, item_id: str) -> Any:
        return self.answers[instrument_id].get(item_id)

    def follow_up_asked(self, question: Question) -> bool:
        """Whether the follow-up item applies, given the answer to its trigger."""
        if question.follow_up is None or question.follow_up.required_if is None:
            return False
        return self.value(question.instrument.id, question.item.id) in question.follow_up.required_if.values

    def answer(self, instrument_id: str, item_id: str, value: Any) -> None:
        """Set (or clear, with None) one answer; an answer that makes a follow-up inapplicable clears it."""
        answers = self.answers[instrument_id]
        if value is None:
            answers.pop(item_id, None)
        else:
            answers[item_id] = value
        instrument = next((i for i in self.instruments if i.id == instrument_id), None) or get_instrument(
            instrument_id)
        for item in instrument.items:
            rule = item.required_if
            if rule is not None and rule.item_id == item_id and answers.get(item_id) not in rule.values:
                answers.pop(item.id, None)

    def problems(self) -> dict[tuple[str, str], FieldProblem]:
        """(instrument id, item id) -> what is wrong; empty when the form can be submitted."""
        found: dict[tuple[str, str], FieldProblem] = {}
        for instrument in self.instruments:
            for problem in validate_answers(instrument, self.answers[instrument.id], drugs=self.drugs,
                                            prefix=instrument.id):
                item_id = problem.field.split(".", 1)[1] if "." in problem.field else problem.field
                found[(instrument.id, item_id)] = problem
        return found

    def submission(self) -> dict[str, dict[str, Any]]:
        """The answers by instrument, as ``recording.submit_visit`` takes them."""
        return {inst_id: dict(answers) for inst_id, answers in self.answers.items()}

    def discard(self) -> None:
        """Forget every answer (idle timeout, stop, or after saving)."""
        for answers in self.answers.values():
            answers.clear()
