"""The station database: one SQLCipher 4 file, WAL, synchronous=FULL, opened only with the data key.

This module is the only place that talks to sqlcipher3. Every write goes through
``Store.transaction()``, which commits before it returns and turns disk errors
into ``StoreWriteFailed`` (nothing of a failed transaction is kept).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlcipher3
import sqlite_utils

from desktop_client.store import keys, schema
from desktop_client.store.errors import NotSetUp, StoreUnreadable, StoreWriteFailed

DB_FILE = "station.db"


def _configure(conn: Any, data_key: bytes) -> None:
    conn.execute("PRAGMA cipher_log_level = NONE")
    conn.execute(f"PRAGMA key = \"x'{data_key.hex()}'\"")
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlcipher3.DatabaseError:
        raise StoreUnreadable("The station database cannot be opened with this key: the file is damaged, "
                              "truncated or belongs to another station. Restore it from the backup; "
                              "nothing was changed.") from None
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA busy_timeout = 10000")


def _write_error(exc: Exception) -> StoreWriteFailed:
    text = str(exc).lower()
    if "full" in text:
        why = "the disk is full. Free some space, then save again"
    elif "readonly" in text or "read-only" in text:
        why = "the disk is read-only. Ask IT to check the station's disk, then save again"
    elif "i/o" in text:
        why = "the disk reported an error. Ask IT to check the station's disk, then save again"
    else:
        why = f"the database refused the change ({exc}). Tell the data manager"
    return StoreWriteFailed(f"Nothing was saved because {why}. Everything saved before is safe.")


class Store:
    """An open station database. Use ``open_store`` or ``create_store`` to get one."""

    def __init__(self, conn: Any, path: Path) -> None:
        self.conn = conn
        self.path = path
        self.db = sqlite_utils.Database(conn)

    @contextmanager
    def transaction(self) -> Iterator[Any]:
        """BEGIN IMMEDIATE … COMMIT; rolls back on any error. Returns only after COMMIT."""
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlcipher3.OperationalError as exc:
            raise _write_error(exc) from None
        try:
            yield self.conn
            self.conn.execute("COMMIT")
        except sqlcipher3.OperationalError as exc:
            self._rollback()
            raise _write_error(exc) from None
        except BaseException:
            self._rollback()
            raise

    def _rollback(self) -> None:
        if self.conn.in_transaction:
            try:
                self.conn.execute("ROLLBACK")
            except sqlcipher3.OperationalError:
                pass  # SQLite already rolled back (e.g. SQLITE_FULL aborts the transaction)

    def query(self, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> list[dict[str, Any]]:
        """Rows as dicts (reads only)."""
        return list(self.db.query(sql, params))

    def close(self) -> None:
        self.conn.close()


def _connect(path: Path, data_key: bytes) -> Store:
    try:
        conn = sqlcipher3.connect(str(path), isolation_level=None, check_same_thread=False)
    except sqlcipher3.OperationalError as exc:
        raise StoreUnreadable(f"The station database {path} cannot be opened: {exc}.") from None
    try:
        _configure(conn, data_key)
        schema.upgrade(conn)
    except BaseException:
        conn.close()
        raise
    return Store(conn, path)


def open_store(data_dir: Path | str, passphrase: str | None = None, *, data_key: bytes | None = None,
               recovery_key: str | None = None) -> Store:
    """Open the station in ``data_dir`` with the passphrase, the recovery key or an already unwrapped key.

    Raises NotSetUp, WrongPassphrase, StoreUnreadable or StoreTooNew; a failed open changes no file.
    """
    data_dir = Path(data_dir)
    path = data_dir / DB_FILE
    if data_key is None:
        if recovery_key is not None:
            data_key = keys.unlock_with_recovery(data_dir, recovery_key)
        else:
            data_key = keys.unlock(data_dir, passphrase or "")
    if not path.exists():
        raise NotSetUp(f"{path} is missing although the key file exists: restore the database from the "
                       "backup (do not set up a new station over it).")
    return _connect(path, data_key)


def create_store(data_dir: Path | str, passphrase: str,
                 kdf: keys.KdfParams | None = None) -> tuple[Store, str]:
    """Set up a new station: key file, encrypted database at the latest schema. Returns (store, recovery key)."""
    data_dir = Path(data_dir)
    if (data_dir / keys.KEY_FILE).exists() or (data_dir / DB_FILE).exists():
        raise StoreWriteFailed(f"{data_dir} already holds a station; open it instead of setting up a new one.")
    data_key, recovery = keys.create_key_file(data_dir, passphrase, kdf=kdf)
    return _connect(data_dir / DB_FILE, data_key), recovery


def open_or_create(data_dir: Path | str, passphrase: str) -> tuple[Store, str | None]:
    """Open the station in ``data_dir``, setting it up first when the folder holds none."""
    data_dir = Path(data_dir)
    if not (data_dir / keys.KEY_FILE).exists() and not (data_dir / DB_FILE).exists():
        return create_store(data_dir, passphrase)
    return open_store(data_dir, passphrase), None
