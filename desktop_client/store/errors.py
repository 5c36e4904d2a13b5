"""Errors of the encrypted store, kept importable here; each is defined once, in ``shared/errors.py``."""

from __future__ import annotations

from shared.errors import (
    NotSetUp,
    RecordNotFound,
    StoreError,
    StoreTooNew,
    StoreUnreadable,
    StoreWriteFailed,
    WrongPassphrase,
)

__all__ = ["NotSetUp", "RecordNotFound", "StoreError", "StoreTooNew", "StoreUnreadable", "StoreWriteFailed",
           "WrongPassphrase"]
