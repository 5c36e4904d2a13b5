"""Errors of the encrypted store, each telling staff what to do next (never containing key material)."""

from __future__ import annotations

from shared.errors import TrialproError


class StoreError(TrialproError):
    """Base of store errors."""

    code = "store.error"


class WrongPassphrase(StoreError):
    """The passphrase (or recovery key) does not unlock this station's data key."""

    code = "store.wrong_passphrase"
    title = "Wrong passphrase"


class StoreUnreadable(StoreError):
    """The database cannot be opened: wrong key, or a damaged or truncated file."""

    code = "store.unreadable"
    title = "Station database cannot be opened"


class StoreTooNew(StoreError):
    """The database was written by a newer version of trialpro."""

    code = "store.too_new"
    title = "Station database is from a newer version"


class StoreWriteFailed(StoreError):
    """A save could not be written (disk full, read-only disk, I/O error); nothing of it was kept."""

    code = "store.write_failed"
    title = "Could not save"


class NotSetUp(StoreError):
    """The data directory holds no station yet."""

    code = "store.not_set_up"
    title = "Station not set up"


class RecordNotFound(StoreError):
    """No record with that id exists in this station."""

    code = "store.record_not_found"
    title = "Record not found"
