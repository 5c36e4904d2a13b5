"""A kiosk is flagged silent after the study file's ``[monitoring] kiosk_silent_days``, never when revoked."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from shared.monitoring import MonitoringSettings, kiosk_silent
from shared.study.loader import DEFAULT_STUDY_FILE, load_study

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
THREE = MonitoringSettings(kiosk_silent_days=3)


def test_a_kiosk_is_silent_only_after_the_threshold() -> None:
    assert not kiosk_silent(last_seen_at="2026-03-07T12:00:01Z", enrolled_at="2026-01-01T00:00:00Z",
                            revoked_at=None, now=NOW, settings=THREE)
    assert kiosk_silent(last_seen_at="2026-03-07T11:59:59Z", enrolled_at="2026-01-01T00:00:00Z",
                        revoked_at=None, now=NOW, settings=THREE)


def test_a_never_synced_kiosk_counts_from_its_enrolment_and_a_revoked_one_is_never_flagged() -> None:
    assert kiosk_silent(last_seen_at=None, enrolled_at="2026-03-01T00:00:00Z", revoked_at=None, now=NOW,
                        settings=THREE)
    assert not kiosk_silent(last_seen_at=None, enrolled_at="2026-03-09T00:00:00Z", revoked_at=None, now=NOW,
                            settings=THREE)
    assert not kiosk_silent(last_seen_at="2026-01-01T00:00:00Z", enrolled_at="2026-01-01T00:00:00Z",
                            revoked_at="2026-01-02T00:00:00Z", now=NOW, settings=THREE)


def test_the_threshold_is_read_from_the_study_file() -> None:
    assert load_study(DEFAULT_STUDY_FILE).monitoring == THREE
    second = Path(__file__).parents[1] / "studies" / "synthetic_two_arm.toml"
    assert load_study(second).monitoring == THREE
