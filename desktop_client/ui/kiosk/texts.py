"""Participant-facing words used on several screens, translated through Qt (context "Answers").

Messages next to an item come from ``shared.validation`` problems but are worded for the participant:
the technical message (field, value, what is allowed) is for staff and logs, not for the kiosk screen.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from PySide6.QtCore import QCoreApplication

from shared.errors import FieldProblem
from shared.instruments.model import Item, ResponseType, Text
from shared.site_time import day_label


def yes() -> str:
    return QCoreApplication.translate("Answers", "Yes")


def no() -> str:
    return QCoreApplication.translate("Answers", "No")


def not_answered() -> str:
    return QCoreApplication.translate("Answers", "Not answered")


def marked_on_line() -> str:
    return QCoreApplication.translate("Answers", "Your mark on the line:")


def problem_text(problem: FieldProblem) -> str:
    """What the participant is told next to an item the check refused."""
    if problem.value is None:
        return QCoreApplication.translate("Answers", "Please answer this question.")
    return QCoreApplication.translate("Answers", "This answer cannot be accepted. Please answer again.")


def none_taken() -> str:
    return QCoreApplication.translate("Answers", "none")


def answer_text(item: Item, value: Any, language: str, drug_names: Mapping[str, Text] | None = None) -> str:
    """An answer as the participant sees it on the review screen (never used for the VAS: no number shown);
    a dose calendar as one line per day with the medicines taken (``drug_names``: the arm's drugs)."""
    if value is None:
        return not_answered()
    if item.response is ResponseType.DOSE_CALENDAR and isinstance(value, Mapping):
        names = drug_names or {}
        lines = []
        for key in sorted(value):
            taken = [names[d].in_language(language) if d in names else d for d in value[key]]
            lines.append(f"{day_label(date.fromisoformat(key), language)}: {', '.join(taken) or none_taken()}")
        return "\n".join(lines)
    if item.response is ResponseType.BOOLEAN:
        return yes() if value else no()
    if item.response is ResponseType.CHOICE:
        for choice in item.choices:
            if choice.code == value:
                return choice.label.in_language(language)
    return str(value)


def in_language(text: Text | None, language: str) -> str:
    return "" if text is None else text.in_language(language)


def home_days_text() -> str:
    """Said beside a dosing diary that leaves out the days the participant recorded on their phone (issue 24)."""
    return QCoreApplication.translate("Answers", "Days recorded on your phone are not asked again.")


def recall_text(period: tuple[date, date] | None, language: str) -> str:
    """The days a questionnaire asks about, as dates ("" when it names none)."""
    if period is None:
        return ""
    first, last = period
    if first == last:
        return QCoreApplication.translate("Answers", "Today is {0}.").format(day_label(last, language))
    return QCoreApplication.translate("Answers", "These questions are about the days from {0} to today, {1}.").format(
        day_label(first, language), day_label(last, language))
