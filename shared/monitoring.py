"""How the study team watches its kiosks (issue 23): when a kiosk that should sync has gone silent.

The threshold is the study file's ``[monitoring] kiosk_silent_days`` (one place): a kiosk whose last sync, or,
never synced, whose enrolment lies further back than that is flagged on the dashboard with its last sync. A
revoked kiosk is never flagged: it is meant to be silent.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field


class MonitoringSettings(BaseModel):
    """``[monitoring]`` of the study file."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    # a kiosk that has not synced for more than this many days is flagged on the dashboard
    kiosk_silent_days: float = Field(default=3, gt=0, le=365)


def _moment(text: str | None) -> datetime | None:
    if not text:
        return None
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def kiosk_silent(*, last_seen_at: str | None, enrolled_at: str | None, revoked_at: str | None, now: datetime,
                 settings: MonitoringSettings) -> bool:
    """True when a kiosk has been silent for longer than ``settings.kiosk_silent_days`` at ``now`` (aware)."""
    if revoked_at:
        return False
    since = _moment(last_seen_at) or _moment(enrolled_at)
    return since is not None and now - since > timedelta(days=settings.kiosk_silent_days)
