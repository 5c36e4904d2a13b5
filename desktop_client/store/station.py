"""Station settings kept inside the encrypted database: device credential, server, study version, cursors."""

from __future__ import annotations

from desktop_client.store.database import Store

DEVICE_ID = "device_id"
DEVICE_TOKEN = "device_token"  # noqa: S105 - the device credential; only ever inside the encrypted file
SITE_ID = "site_id"
SERVER_URL = "server_url"
SERVER_PUBLIC_KEY = "server_public_key"
STUDY_VERSION = "study_version"
CORRECTIONS_CURSOR = "corrections_cursor"
LABS_CURSOR = "labs_cursor"            # the last lab-result revision (server seq) this station holds
STATE_CURSOR = "state_cursor"          # the server's audit position up to which site_state is up to date
LAST_SYNC_AT = "last_sync_at"


def get(store: Store, key: str) -> str | None:
    rows = store.query("SELECT value FROM station WHERE key = ?", (key,))
    return rows[0]["value"] if rows else None


def put(store: Store, values: dict[str, str]) -> None:
    """Set several settings in one transaction."""
    with store.transaction() as conn:
        for key, value in values.items():
            conn.execute("INSERT INTO station (key, value) VALUES (?, ?)"
                         " ON CONFLICT (key) DO UPDATE SET value = excluded.value", (key, value))
