"""Dosing diary: IL-2 injections and rapamycin days since the last visit, and why any dose was missed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tests.unit.legacy_instruments.model import Choice, Instrument, Item, RequiredIf, ResponseType, Text

MISSED_REASONS = (
    Choice(code="forgot", label=Text(en="I forgot", zh="忘记了")),
    Choice(code="side_effect", label=Text(en="Side effects", zh="副作用")),
    Choice(code="unwell", label=Text(en="I was unwell", zh="身体不适")),
    Choice(code="no_supply", label=Text(en="Ran out of medicine", zh="药物用完")),
    Choice(code="other", label=Text(en="Other reason", zh="其他原因")),
)


def _score(answers: Mapping[str, Any]) -> dict[str, float | int | None]:
    return {"il2_injections": answers.get("il2_injections"),
            "rapamycin_days": answers.get("rapamycin_days")}


DOSING_DIARY = Instrument(
    id="dosing_diary",
    version="1.0",
    title=Text(en="Your study medicine", zh="您的研究用药"),
    respondent="participant",
    recall_period=Text(en="since your last visit", zh="自上次访视以来"),
    items=(
        Item(id="il2_injections",
             label=Text(en="How many IL-2 injections did you have since your last visit?",
                        zh="自上次访视以来，您注射了几次IL-2？"),
             response=ResponseType.INTEGER, minimum=0, maximum=8, tags=("il2",)),
        Item(id="rapamycin_days",
             label=Text(en="On how many days since your last visit did you take rapamycin?",
                        zh="自上次访视以来，您有几天服用了雷帕霉素？"),
             response=ResponseType.INTEGER, minimum=0, maximum=28, tags=("rapamycin",)),
        Item(id="any_missed",
             label=Text(en="Did you miss any dose since your last visit?",
                        zh="自上次访视以来，您是否漏用过药物？"),
             response=ResponseType.BOOLEAN),
        Item(id="missed_reason",
             label=Text(en="Why did you miss a dose?", zh="漏用药物的原因是什么？"),
             response=ResponseType.CHOICE, choices=MISSED_REASONS, required=False,
             required_if=RequiredIf(item_id="any_missed", values=(True,))),
    ),
    scorer=_score,
    score_names=("il2_injections", "rapamycin_days"),
    arm_specific=True,
)
