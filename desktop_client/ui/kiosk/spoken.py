"""What the kiosk says when a participant asks to hear a question (issue 22, point 6).

"Read aloud" says the question and every answer option, never the answer chosen: a participant next to
others must not have their answer announced, and hearing it could sway a second thought. "Read my answer"
says the chosen answer, only when the participant asks. Texts come from the instrument file (the question,
choices and anchors in the screen's language) and the kiosk's translated words (context "ReadAloud").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import QCoreApplication

from desktop_client.ui.kiosk import texts
from shared.instruments.model import Item, ResponseType, Text
from shared.site_time import day_label


def options_text(item: Item, language: str, *, dates: tuple = (), drug_names: Mapping[str, Text] | None = None) -> str:
    """The answer options of ``item`` as a sentence or two (no answer in it)."""
    anchors = [a.in_language(language) for a in item.anchors] if item.anchors else []
    if item.response is ResponseType.CHOICE:
        labels = [c.label.in_language(language) for c in item.choices]
        return QCoreApplication.translate("ReadAloud", "The answers are: {0}.").format("; ".join(labels))
    if item.response is ResponseType.BOOLEAN:
        return QCoreApplication.translate("ReadAloud", "The answers are: {0}.").format(
            f"{texts.yes()}; {texts.no()}")
    if item.response is ResponseType.INTEGER and item.minimum is not None and item.maximum is not None:
        text = QCoreApplication.translate("ReadAloud", "Choose one number from {0} to {1}.").format(
            int(item.minimum), int(item.maximum))
        if anchors:
            text += " " + QCoreApplication.translate("ReadAloud", "{0} means: {1}. {2} means: {3}.").format(
                int(item.minimum), anchors[0], int(item.maximum), anchors[1])
        return text
    if item.response is ResponseType.VAS_MM:
        text = QCoreApplication.translate("ReadAloud", "Touch the line at one point.")
        if anchors:
            text += " " + QCoreApplication.translate(
                "ReadAloud", "The left end means: {0}. The right end means: {1}.").format(*anchors)
        return text
    if item.response is ResponseType.DOSE_CALENDAR:
        names = "; ".join(n.in_language(language) for n in (drug_names or {}).values())
        days = "; ".join(day_label(d, language) for d in dates)
        return QCoreApplication.translate(
            "ReadAloud", "For each of these days, touch each medicine you took: {0}. The days are: {1}.").format(
            names, days)
    return ""


def question_text(item: Item, language: str, **options: Any) -> str:
    """The question and its options, as "Read aloud" says them."""
    return " ".join(t for t in (item.label.in_language(language), options_text(item, language, **options)) if t)


def answer_text(item: Item, value: Any, language: str, drug_names: Mapping[str, Text] | None = None) -> str:
    """The chosen answer, as "Read my answer" says it (only when the participant asks)."""
    if value is None:
        return QCoreApplication.translate("ReadAloud", "You have not answered this question yet.")
    if item.response is ResponseType.VAS_MM:   # no number is shown for the line, so none is said
        return QCoreApplication.translate("ReadAloud", "You have made a mark on the line.")
    return QCoreApplication.translate("ReadAloud", "Your answer: {0}.").format(
        texts.answer_text(item, value, language, drug_names).replace("\n", "; "))
