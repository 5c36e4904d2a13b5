"""ESSPRI: three 0-10 numeric rating scales over the last 2 weeks; score = mean of the three."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tests.unit.legacy_instruments.model import Instrument, Item, ResponseType, Text

_RECALL = Text(en="during the last 2 weeks", zh="在过去2周内")


def _nrs(item_id: str, en: str, zh: str, low: Text, high: Text) -> Item:
    return Item(id=item_id, label=Text(en=en, zh=zh), response=ResponseType.INTEGER,
                minimum=0, maximum=10, anchors=(low, high))


def _score(answers: Mapping[str, Any]) -> dict[str, float | int | None]:
    """Mean of dryness, fatigue and pain; None unless all three are answered."""
    values = [answers.get(k) for k in ("dryness", "fatigue", "pain")]
    if any(v is None for v in values):
        return {"esspri": None}
    return {"esspri": round(sum(values) / 3, 4)}


ESSPRI = Instrument(
    id="esspri",
    version="1.0",
    title=Text(en="Sjögren's symptoms (ESSPRI)", zh="干燥综合征症状（ESSPRI）"),
    respondent="participant",
    recall_period=_RECALL,
    instructions=Text(en="For each question choose one number from 0 to 10.",
                      zh="每个问题请选择0到10之间的一个数字。"),
    items=(
        _nrs("dryness",
             "How severe has your dryness been during the last 2 weeks?",
             "在过去2周内，您的干燥症状有多严重？",
             Text(en="No dryness", zh="没有干燥"),
             Text(en="Maximal imaginable dryness", zh="可以想象的最严重的干燥")),
        _nrs("fatigue",
             "How severe has your fatigue been during the last 2 weeks?",
             "在过去2周内，您的疲劳有多严重？",
             Text(en="No fatigue", zh="没有疲劳"),
             Text(en="Maximal imaginable fatigue", zh="可以想象的最严重的疲劳")),
        _nrs("pain",
             "How severe has your pain (joint or muscular pains in your arms or legs) "
             "been during the last 2 weeks?",
             "在过去2周内，您的疼痛（手臂或腿部的关节或肌肉疼痛）有多严重？",
             Text(en="No pain", zh="没有疼痛"),
             Text(en="Maximal imaginable pain", zh="可以想象的最严重的疼痛")),
    ),
    scorer=_score,
    score_names=("esspri",),
)
