"""The open station: store + study + who this device is. Built once by bootstrap or the simulator."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from desktop_client.store import outbox
from desktop_client.store import station as settings
from desktop_client.store.database import Store
from shared.errors import StationNotEnrolled
from shared.study.model import Study


@dataclass
class Station:
    """Everything a client service needs; services take it as their first argument."""

    store: Store
    study: Study

    @property
    def device_id(self) -> str:
        value = settings.get(self.store, settings.DEVICE_ID)
        if value is None:
            raise StationNotEnrolled("This station is not enrolled with the server yet: enter the one-time "
                                     "enrolment code from the data manager (Sync screen).")
        return value

    @property
    def site_id(self) -> str:
        value = settings.get(self.store, settings.SITE_ID)
        if value is None:
            raise StationNotEnrolled("This station is not enrolled with the server yet.")
        return value

    @property
    def is_enrolled(self) -> bool:
        """True once the server gave this station its device id."""
        return settings.get(self.store, settings.DEVICE_ID) is not None

    @property
    def has_credential(self) -> bool:
        """True when the station holds a device credential to sync with."""
        return settings.get(self.store, settings.DEVICE_TOKEN) is not None

    @property
    def server_url(self) -> str | None:
        """The server this station enrolled with (None before enrolment)."""
        return settings.get(self.store, settings.SERVER_URL)

    @property
    def last_sync_at(self) -> str | None:
        """UTC time of the last completed sync (None when never synced)."""
        return settings.get(self.store, settings.LAST_SYNC_AT)

    def waiting_to_send(self) -> int:
        """How many saved records are waiting in the outbox to be sent."""
        return outbox.stats(self.store).pending

    @property
    def site_timezone(self) -> str:
        """The IANA time zone of this station's site (from the study file): every local time it records."""
        return next(s.timezone for s in self.study.sites if s.id == self.site_id)

    def participant_consent(self, participant_id: str) -> date | None:
        """The consent date of a participant screened (or enrolled) on this station (None when elsewhere)."""
        rows = self.store.query("SELECT body FROM records WHERE participant_id = ? AND kind IN ('enrolment', "
                                "'screening') ORDER BY revision DESC LIMIT 1", (participant_id,))
        day = json.loads(rows[0]["body"]).get("data", {}).get("consent_date") if rows else None
        return date.fromisoformat(day) if isinstance(day, str) else None

    def participant_arm(self, participant_id: str) -> str | None:
        rows = self.store.query("SELECT arm FROM participants WHERE participant_id = ?", (participant_id,))
        return rows[0]["arm"] if rows else None

    def participants(self) -> list[dict[str, Any]]:
        return self.store.query("SELECT * FROM participants ORDER BY participant_id")

    def allocation_list_id(self) -> str | None:
        rows = self.store.query("SELECT DISTINCT list_id FROM allocation")
        return rows[0]["list_id"] if rows else None

    def setting_json(self, key: str) -> Any:
        value = settings.get(self.store, key)
        return None if value is None else json.loads(value)
