"""A participant's whole kiosk session on the real widgets, per arm; read back from the encrypted store."""

from __future__ import annotations

import threading
import time
from datetime import date
from typing import Any

import pytest

from desktop_client.services import recording
from desktop_client.store import records as store_records
from desktop_client.ui.widgets.vas_line import VasLine
from shared.errors import StoreWriteFailed
from shared.instruments import get_instrument
from tests.ui.conftest import KioskStation
from tests.ui.kiosk_driver import (
    answer,
    answered_widgets,
    click,
    current_page,
    deliver_deferred_deletes,
    start_session,
    touch_vas,
    widget_texts,
)

VISIT = "week4"


def plan_for(drugs: frozenset[str], dose_dates: tuple[date, ...] = ()) -> dict[tuple[str, str], Any]:
    """The answers a participant of an arm taking ``drugs`` gives (first symptom present, the rest absent); the
    dosing diary: every drug on the first of ``dose_dates`` (the days the session asks about), none later."""
    plan: dict[tuple[str, str], Any] = {("esspri", "dryness"): 6, ("esspri", "fatigue"): 4, ("esspri", "pain"): 7}
    checklist = get_instrument("symptom_checklist").items_for(drugs)
    present = [it.id for it in checklist if it.id.endswith("_present")]
    for i, item_id in enumerate(present):
        plan[("symptom_checklist", item_id)] = i == 0
    plan[("symptom_checklist", present[0].replace("_present", "_severity"))] = "moderate"
    if dose_dates:
        plan[("dosing_diary", "doses_taken")] = {d.isoformat(): sorted(drugs) if n == 0 else []
                                                 for n, d in enumerate(dose_dates)}
        plan[("dosing_diary", "missed_reason")] = "forgot"
    return plan


def walk_questions(qtbot: Any, window: Any, plan: dict[tuple[str, str], Any], vas_percent: float | None) -> int | None:
    """Answer every screen per ``plan`` (the VAS at ``vas_percent``, None = leave it), Next until the review."""
    view = window.session_view
    vas_value = None
    while not view.on_review():
        page = current_page(window)
        inst = page.question.instrument.id
        for block in (page.main, page.follow):
            if block is None or not block.isVisible():
                continue
            key = (inst, block.item.id)
            if isinstance(block.widget, VasLine):
                if vas_percent is not None:
                    assert block.widget.value() is None, "no marker before the line is touched"
                    touch_vas(qtbot, block.widget, 20)
                    vas_value = touch_vas(qtbot, block.widget, vas_percent)   # the mark moves
            elif key in plan:
                answer(qtbot, block.widget, plan[key])
        click(qtbot, view.next)
    return vas_value


def saved_data(kiosk: KioskStation, participant_id: str) -> dict[str, dict[str, Any]]:
    recs = store_records.records_of(kiosk.station.store, participant_id, kind="instrument_response")
    return {r["instrument_id"]: r for r in recs if r["entered_by"] == "participant"}   # not the staff's scores


@pytest.mark.parametrize("arm", ["IL2", "RAPA", "IL2RAPA"])
def test_a_participant_answers_changes_one_answer_and_submits_and_exactly_that_is_saved(
        qtbot: Any, make_window: Any, kiosk_station: KioskStation, arm: str) -> None:
    window = make_window()
    pid = kiosk_station.by_arm[arm]
    drugs = kiosk_station.station.study.arm(arm).drugs
    start_session(qtbot, window, pid, VISIT)
    view = window.session_view
    shown = {q.instrument.id for q in view._questions}
    assert shown == {"patient_global_vas", "esspri", "symptom_checklist", "dosing_diary"}
    asked = {(q.instrument.id, it.id) for q in view._questions for it in q.items()}
    assert asked == {("patient_global_vas", "activity"), *{("esspri", i.id) for i in get_instrument("esspri").items},
                     *{("symptom_checklist", i.id) for i in get_instrument("symptom_checklist").items_for(drugs)},
                     *{("dosing_diary", i.id) for i in get_instrument("dosing_diary").items_for(drugs)}}

    plan = plan_for(drugs, view._form.dose_dates)
    vas = walk_questions(qtbot, window, plan, vas_percent=62)
    assert vas is not None and abs(vas - 62) <= 1

    # The review lists every answer; the VAS as a mark, never as its number.
    review = view.review
    assert set(review.change_buttons) == {k for k, v in plan.items() if v is not None} | {("patient_global_vas",
                                                                                           "activity")}
    review_texts = widget_texts(review, visible_only=True)
    assert str(vas) not in review_texts
    assert "Moderate" in review_texts and "I forgot" in review_texts

    # Change one answer from the review screen, come straight back to it.
    click(qtbot, review.change_buttons[("esspri", "fatigue")])
    page = current_page(window)
    assert page.main.widget.value() == 4
    answer(qtbot, page.main.widget, 5)
    assert view.next.text() == "Back to review"
    click(qtbot, view.next)
    assert view.on_review()
    plan[("esspri", "fatigue")] = 5

    click(qtbot, view.submit_button)
    qtbot.waitUntil(view.on_thanks, timeout=20000)
    thanks_texts = widget_texts(window, visible_only=True)
    assert "Thank you. Your answers have been saved." in thanks_texts
    assert pid not in " ".join(thanks_texts) and not answered_widgets(window)

    saved = saved_data(kiosk_station, pid)
    expected = {"patient_global_vas": {"activity": vas}}
    for (inst, item), value in plan.items():
        expected.setdefault(inst, {})[item] = value
    assert {k: r["data"] for k, r in saved.items()} == expected
    for inst_id, rec in saved.items():
        assert (rec["visit_id"], rec["entered_by"], rec["instrument_version"], rec["revision"], rec["language"]) == \
            (VISIT, "participant", get_instrument(inst_id).version, 1, "en")
    assert len({r["collected_at"][:16] for r in saved.values()}) == 1   # one submission

    click(qtbot, view.thanks.done)
    deliver_deferred_deletes()
    assert window.current_screen() is window.start and window.session_view is None
    everything = " ".join(widget_texts(window, visible_only=False))
    assert pid not in everything
    assert not answered_widgets(window)


def test_a_refused_submit_names_each_unanswered_item_saves_nothing_and_keeps_the_answers(
        qtbot: Any, make_window: Any, kiosk_station: KioskStation) -> None:
    window = make_window(thank_you_s=0.5)
    pid = kiosk_station.by_arm["IL2"]
    start_session(qtbot, window, pid, VISIT)
    view = window.session_view
    plan = plan_for(kiosk_station.station.study.arm("IL2").drugs, view._form.dose_dates)
    del plan[("esspri", "pain")]
    walk_questions(qtbot, window, plan, vas_percent=None)       # the VAS and pain are skipped

    click(qtbot, view.submit_button)
    assert view.on_review() and not view.on_thanks()
    problems = view.review.problem_labels
    assert set(problems) == {("patient_global_vas", "activity"), ("esspri", "pain")}
    assert all(label.isVisible() and label.text() == "Please answer this question." for label in problems.values())
    assert view.review.status.isVisible()
    assert saved_data(kiosk_station, pid) == {}
    assert view._form.value("esspri", "dryness") == 6           # nothing was lost

    click(qtbot, view.review.change_buttons[("patient_global_vas", "activity")])
    vas = touch_vas(qtbot, current_page(window).main.widget, 0)
    assert vas == 0                                            # 0 is an answer, distinct from "not answered"
    click(qtbot, view.next)
    click(qtbot, view.review.change_buttons[("esspri", "pain")])
    answer(qtbot, current_page(window).main.widget, 0)
    click(qtbot, view.next)
    assert view.review.problem_labels == {}
    thanked: list[bool] = []     # noted when saved: the thank-you screen ends by itself 0.5 s later, maybe before
    view.saved.connect(lambda _records: thanked.append(view.on_thanks()))   # a busy machine polls it
    click(qtbot, view.submit_button)
    qtbot.waitUntil(lambda: thanked != [], timeout=20000)
    assert thanked == [True]
    saved = saved_data(kiosk_station, pid)
    assert saved["patient_global_vas"]["data"] == {"activity": 0}
    assert saved["esspri"]["data"] == {"dryness": 6, "fatigue": 4, "pain": 0}
    # Nobody touches Finish: the thank-you screen goes back to the locked start screen by itself.
    qtbot.waitUntil(lambda: window.current_screen() is window.start, timeout=20000)
    assert window.session_view is None and window.staff_session is None


def test_saved_is_shown_only_after_the_store_service_returned(qtbot: Any, make_window: Any,
                                                             kiosk_station: KioskStation,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    events: list[str] = []
    real = recording.submit_visit
    release = threading.Event()

    def slow_submit(*args: Any, **kwargs: Any) -> Any:
        assert release.wait(60)
        result = real(*args, **kwargs)
        events.append("committed")
        return result

    monkeypatch.setattr(recording, "submit_visit", slow_submit)
    window = make_window()
    pid = kiosk_station.by_arm["RAPA"]
    start_session(qtbot, window, pid, "baseline")
    view = window.session_view
    view.saved.connect(lambda _records: events.append("saved shown" if view.on_thanks() else "saved signal"))
    walk_questions(qtbot, window, plan_for(frozenset({"rapamycin"})), vas_percent=40)
    click(qtbot, view.submit_button)
    time.sleep(0.2)
    qtbot.wait(50)
    assert view.on_review() and view.submit_button.text() == "Saving…" and not view.submit_button.isEnabled()
    assert not view.thanks.isVisible() and events == []
    release.set()
    qtbot.waitUntil(view.on_thanks, timeout=20000)
    assert events == ["committed", "saved shown"]
    assert set(saved_data(kiosk_station, pid)) == {"patient_global_vas", "esspri"}   # baseline asks only these


def test_a_failed_save_says_so_keeps_every_answer_and_a_retry_saves(qtbot: Any, make_window: Any,
                                                                    kiosk_station: KioskStation,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    real = recording.submit_visit

    def disk_full(*args: Any, **kwargs: Any) -> Any:
        raise StoreWriteFailed("Nothing was saved because the disk is full.")

    monkeypatch.setattr(recording, "submit_visit", disk_full)
    window = make_window()
    pid = kiosk_station.by_arm["IL2RAPA"]
    start_session(qtbot, window, pid, "baseline")
    view = window.session_view
    walk_questions(qtbot, window, plan_for(frozenset({"il2", "rapamycin"})), vas_percent=75)
    click(qtbot, view.submit_button)
    qtbot.waitUntil(lambda: view.review.status.isVisible(), timeout=20000)
    assert "could not be saved" in view.review.status.text() and not view.on_thanks()
    assert view.submit_button.isEnabled() and view._form.value("esspri", "pain") == 7
    assert saved_data(kiosk_station, pid) == {}

    monkeypatch.setattr(recording, "submit_visit", real)
    click(qtbot, view.submit_button)
    qtbot.waitUntil(view.on_thanks, timeout=20000)
    assert saved_data(kiosk_station, pid)["esspri"]["data"] == {"dryness": 6, "fatigue": 4, "pain": 7}


def test_a_follow_up_answer_is_cleared_when_its_trigger_changes(qtbot: Any, make_window: Any,
                                                                kiosk_station: KioskStation) -> None:
    window = make_window()
    start_session(qtbot, window, kiosk_station.by_arm["IL2"], VISIT)
    view = window.session_view
    while current_page(window).question.item.id != "fever_present":
        click(qtbot, view.next)
    page = current_page(window)
    assert not page.follow.isVisible()
    answer(qtbot, page.main.widget, True)
    assert page.follow.isVisible()
    answer(qtbot, page.follow.widget, "severe")
    answer(qtbot, page.main.widget, False)
    assert not page.follow.isVisible() and page.follow.widget.value() is None
    assert view._form.answers["symptom_checklist"] == {"fever_present": False}
