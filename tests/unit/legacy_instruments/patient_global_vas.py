"""Patient Global disease activity VAS: a 100 mm line, no preset marker, higher = worse.

The registry text describes a 10 cm line scored "0-80" and mentions myositis
(copied from another trial). We record millimetres 0-100 on a Sjögren's-worded
question and say so in the data dictionary (see ``notes``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tests.unit.legacy_instruments.model import Instrument, Item, ResponseType, Text


def _score(answers: Mapping[str, Any]) -> dict[str, float | int | None]:
    return {"patient_global_vas_mm": answers.get("activity")}


PATIENT_GLOBAL_VAS = Instrument(
    id="patient_global_vas",
    version="1.0",
    title=Text(en="Your disease activity today", zh="您今天的疾病活动情况"),
    respondent="participant",
    instructions=Text(
        en="Touch the line at the point that best shows how active your disease is today. "
           "You can move your mark until you submit.",
        zh="请在线上触摸最能代表您今天疾病活动程度的位置。提交之前您可以移动标记。",
    ),
    items=(
        Item(
            id="activity",
            label=Text(
                en="Considering all the ways your Sjögren's syndrome affects you, "
                   "how active is your disease today?",
                zh="综合考虑干燥综合征对您各方面的影响，您今天的疾病活动程度如何？",
            ),
            response=ResponseType.VAS_MM,
            minimum=0,
            maximum=100,
            unit="mm",
            anchors=(
                Text(en="No disease activity", zh="无疾病活动"),
                Text(en="Extremely active disease", zh="疾病极度活动"),
            ),
        ),
    ),
    scorer=_score,
    score_names=("patient_global_vas_mm",),
    notes="Recorded in mm 0-100 (registry text says 10 cm line scored 0-80 and mentions myositis; "
          "both registry oddities deliberately not reproduced).",
)
