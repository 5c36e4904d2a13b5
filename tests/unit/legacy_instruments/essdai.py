"""ESSDAI: 12 clinician-rated domains, each scored at an activity level times its weight (total 0-123)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tests.unit.legacy_instruments.model import Choice, Instrument, Item, ResponseType, Text

LEVEL_TEXT = {
    0: Text(en="No activity", zh="无活动"),
    1: Text(en="Low activity", zh="低度活动"),
    2: Text(en="Moderate activity", zh="中度活动"),
    3: Text(en="High activity", zh="高度活动"),
}

# (item id, English, Chinese, weight, allowed levels) — EULAR ESSDAI.
DOMAINS: tuple[tuple[str, str, str, int, tuple[int, ...]], ...] = (
    ("constitutional", "Constitutional", "全身症状", 3, (0, 1, 2)),
    ("lymphadenopathy", "Lymphadenopathy and lymphoma", "淋巴结病和淋巴瘤", 4, (0, 1, 2, 3)),
    ("glandular", "Glandular", "腺体", 2, (0, 1, 2)),
    ("articular", "Articular", "关节", 2, (0, 1, 2, 3)),
    ("cutaneous", "Cutaneous", "皮肤", 3, (0, 1, 2, 3)),
    ("pulmonary", "Pulmonary", "肺部", 5, (0, 1, 2, 3)),
    ("renal", "Renal", "肾脏", 5, (0, 1, 2, 3)),
    ("muscular", "Muscular", "肌肉", 6, (0, 1, 2, 3)),
    ("peripheral_nervous", "Peripheral nervous system", "周围神经系统", 5, (0, 1, 2, 3)),
    ("central_nervous", "Central nervous system", "中枢神经系统", 5, (0, 2, 3)),
    ("haematological", "Haematological", "血液系统", 2, (0, 1, 2, 3)),
    ("biological", "Biological", "生物学", 1, (0, 1, 2)),
)
WEIGHTS: dict[str, int] = {d[0]: d[3] for d in DOMAINS}
MAX_TOTAL = sum(w * max(levels) for _, _, _, w, levels in DOMAINS)


def activity_band(total: int) -> str:
    """EULAR bands: < 5 low, 5-13 moderate, >= 14 high."""
    if total < 5:
        return "low"
    return "moderate" if total < 14 else "high"


def _score(answers: Mapping[str, Any]) -> dict[str, float | int | None]:
    """Total = sum(level x weight) over the 12 domains; None unless every domain is rated."""
    if any(answers.get(d) is None for d in WEIGHTS):
        return {"essdai": None}
    return {"essdai": sum(int(answers[d]) * w for d, w in WEIGHTS.items())}


ESSDAI = Instrument(
    id="essdai",
    version="1.0",
    title=Text(en="ESSDAI (EULAR Sjögren's syndrome disease activity index)",
               zh="ESSDAI（EULAR干燥综合征疾病活动指数）"),
    respondent="clinician",
    items=tuple(
        Item(id=item_id, label=Text(en=en, zh=zh), response=ResponseType.CHOICE,
             choices=tuple(Choice(code=lv, label=LEVEL_TEXT[lv]) for lv in levels),
             tags=(f"weight:{weight}",))
        for item_id, en, zh, weight, levels in DOMAINS
    ),
    scorer=_score,
    score_names=("essdai",),
    extra={"weights": WEIGHTS, "max_total": MAX_TOTAL},
)
assert MAX_TOTAL == 123, MAX_TOTAL
