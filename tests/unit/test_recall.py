"""The days a question asks about, as dates (shared/recall.py): today, since the last visit, the last n days."""

from __future__ import annotations

from datetime import date

import pytest

from shared.instruments import get_instrument
from shared.recall import recall_dates
from shared.study import default_study

TODAY = date(2026, 12, 1)


def test_each_rule_gives_the_first_and_last_day() -> None:
    assert recall_dates("today", TODAY, None) == (TODAY, TODAY)
    assert recall_dates("P14D", TODAY, None) == (date(2026, 11, 17), TODAY)
    assert recall_dates("last_visit", TODAY, date(2026, 11, 20)) == (date(2026, 11, 20), TODAY)
    assert recall_dates("last_visit", TODAY, None) is None           # no earlier visit known: no dates invented
    assert recall_dates(None, TODAY, None) is None
    with pytest.raises(ValueError, match="recall_dates must match"):
        recall_dates("two weeks", TODAY, None)


def test_every_participant_questionnaire_of_the_study_asks_about_dates_not_counts() -> None:
    """Each kiosk instrument either shows its days as dates (a recall rule) or asks per date (a dated diary), and
    no question asks for a count of days or doses to work out."""
    study = default_study()
    for ref in study.instruments:
        inst = get_instrument(ref.id, ref.version)
        if inst.respondent != "participant":
            continue
        # a dated diary, or a home diary (issue 24): each entry names the one day it is about (data.diary_date)
        dated = any(it.response.value == "dose_calendar" for it in inst.items) or study.home.diary(inst.id)
        assert dated or inst.recall_dates is not None, inst.id
        for item in inst.items:
            assert not item.label.en.lower().startswith(("how many", "on how many")), (inst.id, item.label.en)
            assert "有几天" not in item.label.zh and "几次" not in item.label.zh, (inst.id, item.label.zh)  # "how many"
