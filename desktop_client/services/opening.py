"""Opening the station's encrypted database with the site passphrase, or setting up a new one (no Qt).

The unlock screen calls these in a worker: key derivation (scrypt) takes a noticeable moment.
"""

from __future__ import annotations

from pathlib import Path

from desktop_client.store import create_store, keys, open_store
from desktop_client.store.database import Store
from desktop_client.store.keys import MIN_PASSPHRASE

__all__ = ["MIN_PASSPHRASE", "is_new_station", "open_station", "set_up_station"]


def is_new_station(data_dir: Path) -> bool:
    """True when ``data_dir`` holds no station key yet, so the screen offers to set one up."""
    return not (Path(data_dir) / keys.KEY_FILE).exists()


def open_station(data_dir: Path, passphrase: str) -> tuple[Store, None]:
    """The open store of an existing station (no recovery key to show). Raises WrongPassphrase, StoreUnreadable."""
    return open_store(data_dir, passphrase), None


def set_up_station(data_dir: Path, passphrase: str) -> tuple[Store, str]:
    """A new station: key file and empty encrypted database; the recovery key is shown to staff once."""
    return create_store(data_dir, passphrase)
