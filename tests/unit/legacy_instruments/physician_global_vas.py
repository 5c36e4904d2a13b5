"""Physician Global disease activity VAS (clinician-rated, 0-10, one decimal, higher = worse)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tests.unit.legacy_instruments.model import Instrument, Item, ResponseType, Text


def _score(answers: Mapping[str, Any]) -> dict[str, float | int | None]:
    return {"physician_global_vas": answers.get("activity")}


PHYSICIAN_GLOBAL_VAS = Instrument(
    id="physician_global_vas",
    version="1.0",
    title=Text(en="Physician Global Assessment of disease activity", zh="医生对疾病活动的总体评估"),
    respondent="clinician",
    items=(
        Item(
            id="activity",
            label=Text(en="Current disease activity of primary Sjögren's syndrome",
                       zh="原发性干燥综合征当前的疾病活动度"),
            response=ResponseType.NUMBER,
            minimum=0,
            maximum=10,
            decimals=1,
            anchors=(Text(en="No activity", zh="无活动"),
                     Text(en="Extremely active", zh="极度活动")),
        ),
    ),
    scorer=_score,
    score_names=("physician_global_vas",),
    notes="0-10 with one decimal; the registry's mention of myositis is not reproduced.",
)
