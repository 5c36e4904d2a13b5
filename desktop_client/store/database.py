"""The station database: one SQLCipher 4 file, WAL, synchronous=FULL, opened only with the data key.

This module is the only place that talks to sqlcipher3. Every write goes through
``Store.transaction()``, which commits before it returns and turns disk errors
into ``StoreWriteFailed`` (nothing of a failed transaction is kept). Opening
checks the key, the schema version and the file's integrity before anything is
written, so a refused open changes no file.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlcipher3

from desktop_client.store import keys, schema
from desktop_client.store.mirror import Mirror
from shared.errors import NotSetUp, StoreUnreadable, StoreWriteFailed


def _import_sqlite_utils() -> Any:
    """sqlite-utils without its optional pandas and numpy imports. sqlite-utils imports both when installed
    (to map their types to columns), which the station never hands it; where they are installed (a developer's
    or a combined server+client environment) that costs about a second of the kiosk's cold start (issue 25).
    Modules already imported are used as they are; the names are free again afterwards."""
    hidden = [name for name in ("pandas", "numpy") if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]   # an import of a None entry raises ImportError
    try:
        import sqlite_utils
    finally:
        for name in hidden:
            del sys.modules[name]
    return sqlite_utils


sqlite_utils = _import_sqlite_utils()

DB_FILE = "station.db"
_CREATING_SUFFIX = ".creating"


def _disk_state(folder: Path) -> str | None:
    """'read-only' or 'full' when the file system holding ``folder`` is in that state, else None."""
    try:
        st = os.statvfs(folder)
    except OSError:
        return None
    if st.f_flag & os.ST_RDONLY or not os.access(folder, os.W_OK):
        return "read-only"
    if st.f_bavail * st.f_frsize < 64 * 1024:
        return "full"
    return None


def _open_error(exc: Exception, path: Path) -> StoreUnreadable:
    """Why an existing station file could not be read, in words staff can act on (never key material)."""
    name = getattr(exc, "sqlite_errorname", "")
    disk = _disk_state(path.parent)
    if disk == "read-only":
        return StoreUnreadable(f"The station database {path} cannot be opened because its disk is read-only. "
                               "Ask IT to check the station's disk; nothing was changed and nothing is lost.")
    if name == "SQLITE_CANTOPEN":
        return StoreUnreadable(f"The station database {path} cannot be opened ({exc}). Check that the disk is "
                               "connected and the folder is accessible; nothing was changed.")
    return StoreUnreadable(f"The station database {path} cannot be opened with this key: the file is damaged, "
                           "truncated or belongs to another station. Restore station.db and station.key from "
                           "the backup; nothing was changed.")


def _write_error(exc: Exception, folder: Path) -> StoreWriteFailed:
    """A failed write as a message saying why and what to do; the failed transaction left nothing behind."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    text = str(exc).lower()
    disk = _disk_state(folder) if not isinstance(exc, sqlcipher3.IntegrityError) else None
    if isinstance(exc, sqlcipher3.IntegrityError):
        why = f"the database refused a duplicate or inconsistent entry ({exc}). Tell the data manager"
    elif name.startswith("SQLITE_FULL") or "full" in text or disk == "full":
        why = "the disk is full. Free some space, then save again"
    elif name.startswith("SQLITE_READONLY") or "readonly" in text or disk == "read-only":
        why = "the disk is read-only. Ask IT to check the station's disk, then save again"
    elif name.startswith("SQLITE_IOERR") or "i/o" in text:
        why = "the disk reported an error. Ask IT to check the station's disk, then save again"
    else:
        why = f"the database refused the change ({exc}). Tell the data manager"
    return StoreWriteFailed(f"Nothing was saved because {why}. Everything saved before is safe.",
                            details={"sqlite_error": name or type(exc).__name__})


class Store:
    """An open station database. Use ``open_store`` or ``create_store`` to get one.

    One connection, shared by the UI thread and workers: a re-entrant lock makes
    each transaction and each query run alone on it.
    """

    def __init__(self, conn: Any, path: Path, data_key: bytes | None = None) -> None:
        self.conn = conn
        self.path = path
        self.db = sqlite_utils.Database(conn)
        self._lock = threading.RLock()
        self._data_key = data_key
        self.mirror: Mirror | None = None

    def attach_mirror(self, root: Path | str) -> Mirror:
        """Copy every later save to an encrypted journal under ``root`` (see ``store/mirror.py``).

        Starts with a snapshot of the whole database, written in the background like every later frame.
        """
        if self._data_key is None:
            raise StoreWriteFailed("This store was opened without its data key; it cannot keep a second copy.")
        if self.mirror is None:
            self.mirror = Mirror(Path(root), keys.station_id(self.path.parent), self._data_key,
                                 self.path.parent / keys.KEY_FILE, self._snapshot)
        return self.mirror

    def _snapshot(self, take_over: Any) -> list[tuple[str, Any]]:
        """Statements that rebuild every row (and AUTOINCREMENT counter) of the database, read under the lock."""
        with self._lock:
            take_over()
            return snapshot_ops(self.conn)

    def __repr__(self) -> str:
        return f"Store({str(self.path)!r})"

    @contextmanager
    def transaction(self) -> Iterator[Any]:
        """BEGIN IMMEDIATE … COMMIT; rolls back on any error. Returns only after COMMIT.

        Raises StoreWriteFailed (disk full, read-only, I/O error, refused change); nothing of it is kept.
        """
        with self._lock:
            mirror = self.mirror
            if mirror is not None:
                mirror.saving(True)  # its writer waits until the station pauses (store/mirror.py)
            try:
                try:
                    self.conn.execute("BEGIN IMMEDIATE")
                except sqlcipher3.DatabaseError as exc:
                    raise _write_error(exc, self.path.parent) from None
                try:
                    if mirror is None:
                        yield self.conn
                        self.conn.execute("COMMIT")
                    else:
                        recording = _Recording(self.conn)
                        yield recording
                        self.conn.execute("COMMIT")
                        if recording.ops:
                            mirror.submit(recording.ops)  # still under the lock: frames keep commit order
                except sqlcipher3.DatabaseError as exc:
                    self._rollback()
                    raise _write_error(exc, self.path.parent) from None
                except BaseException:
                    self._rollback()
                    raise
            finally:
                if mirror is not None:
                    mirror.saving(False)

    def _rollback(self) -> None:
        if self.conn.in_transaction:
            try:
                self.conn.execute("ROLLBACK")
            except sqlcipher3.OperationalError:
                pass  # SQLite already rolled back (e.g. SQLITE_FULL aborts the transaction)

    def query(self, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> list[dict[str, Any]]:
        """Rows as dicts (reads only). Raises StoreUnreadable when the file turns out damaged."""
        with self._lock:
            try:
                return list(self.db.query(sql, params))
            except sqlcipher3.OperationalError as exc:
                if "no such" in str(exc):
                    raise  # a programming error (unknown table/column), not a damaged file
                raise StoreUnreadable(f"The station database {self.path} could not be read ({exc}). Try again; "
                                      "if it happens again, ask IT to check the station's disk.") from None
            except sqlcipher3.DatabaseError as exc:  # SQLITE_CORRUPT / SQLITE_NOTADB: the file itself is damaged
                raise StoreUnreadable(f"The station database {self.path} is damaged ({exc}). Restore station.db "
                                      "from the backup; nothing was changed.") from None

    def check_integrity(self) -> list[str]:
        """Problems found by SQLite's full integrity check (empty when the file is sound)."""
        rows = self.query("PRAGMA integrity_check")
        problems = [str(next(iter(r.values()))) for r in rows]
        return [] if problems == ["ok"] else problems

    def close(self) -> None:
        if self.mirror is not None:
            self.mirror.close()  # outside the lock: the writer may need it for a snapshot
        with self._lock:
            self.conn.close()


class _Recording:
    """The connection as a transaction sees it when a mirror is attached: writes are also noted, in order."""

    def __init__(self, conn: Any) -> None:
        self._conn = conn
        self.ops: list[tuple[str, Any]] = []

    def execute(self, sql: str, params: Any = ()) -> Any:
        cursor = self._conn.execute(sql, params)
        if sql.lstrip()[:6].upper() != "SELECT":
            self.ops.append((sql, params))
        return cursor

    def executemany(self, sql: str, rows: Any) -> Any:
        rows = list(rows)
        cursor = self._conn.executemany(sql, rows)
        self.ops.extend((sql, r) for r in rows)
        return cursor

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)


def snapshot_ops(conn: Any) -> list[tuple[str, Any]]:
    """INSERTs of every row of every table (foreign keys checked at COMMIT), then the AUTOINCREMENT counters."""
    ops: list[tuple[str, Any]] = [("PRAGMA defer_foreign_keys = ON", ())]
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                         "AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    for table in tables:
        cursor = conn.execute(f'SELECT * FROM "{table}"')
        columns = ", ".join(f'"{d[0]}"' for d in cursor.description)
        sql = f'INSERT INTO "{table}" ({columns}) VALUES ({", ".join("?" * len(cursor.description))})'
        ops.extend((sql, tuple(row)) for row in cursor)
    if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'").fetchone():
        for name, seq in conn.execute("SELECT name, seq FROM sqlite_sequence"):
            ops.append(("DELETE FROM sqlite_sequence WHERE name = ?", (name,)))
            ops.append(("INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)", (name, seq)))
    return ops


def _configure(conn: Any, data_key: bytes, path: Path) -> None:
    """Key the connection and prove the key reads the file; in-memory temp storage. Writes nothing."""
    conn.execute("PRAGMA cipher_log_level = NONE")
    conn.execute(f"PRAGMA key = \"x'{data_key.hex()}'\"")
    # Pin the SQLCipher 4 file format so a future SQLCipher with other defaults still reads our files.
    conn.execute("PRAGMA cipher_compatibility = 4")
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlcipher3.DatabaseError as exc:
        raise _open_error(exc, path) from None
    # Sorts and temporary tables stay in memory: no temporary file ever holds decrypted pages.
    conn.execute("PRAGMA temp_store = MEMORY")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA busy_timeout = 10000")


def _set_durability(conn: Any, path: Path) -> None:
    """WAL + synchronous=FULL: a save the screen confirmed survives a crash or a power cut."""
    try:
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    except sqlcipher3.DatabaseError as exc:
        raise _open_error(exc, path) from None
    if str(mode).lower() != "wal":
        raise StoreUnreadable(f"The station database {path} could not be switched to WAL mode (got {mode!r}); "
                              "ask IT to check the station's disk.")
    conn.execute("PRAGMA synchronous = FULL")


def _check_existing(conn: Any, path: Path) -> None:
    """Refuse an emptied or damaged file instead of silently starting a new, empty station in its place."""
    try:
        tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        problems = [r[0] for r in conn.execute("PRAGMA quick_check").fetchall()]
    except sqlcipher3.DatabaseError as exc:
        raise _open_error(exc, path) from None
    if tables == 0 or schema.current_version(conn) == 0:
        raise StoreUnreadable(f"The station database {path} is empty (it was truncated or replaced). "
                              "Restore station.db from the backup; nothing was changed.")
    if problems != ["ok"]:
        raise StoreUnreadable(f"The station database {path} is damaged or truncated ({problems[0][:200]}). "
                              "Restore station.db from the backup; nothing was changed.")
    # SQLite writes the main file in whole pages; quick_check never reads free pages, so a cut inside a free last
    # page would pass it
    page = int(conn.execute("PRAGMA page_size").fetchone()[0])
    size = path.stat().st_size
    if page > 0 and size % page:
        raise StoreUnreadable(f"The station database {path} is damaged or truncated ({size} bytes is not a whole "
                              f"number of {page}-byte pages). Restore station.db from the backup; nothing was "
                              "changed.")


def _connect(path: Path, data_key: bytes, *, existing: bool, schema_version: int | None = None) -> Store:
    try:
        conn = sqlcipher3.connect(str(path), isolation_level=None, check_same_thread=False)
    except sqlcipher3.DatabaseError as exc:
        raise _open_error(exc, path) from None
    try:
        _configure(conn, data_key, path)
        if existing:
            _check_existing(conn, path)
        schema.check_supported(conn)
        _set_durability(conn, path)
        try:
            schema.upgrade(conn, target=schema_version)
        except sqlcipher3.DatabaseError as exc:
            raise _write_error(exc, path.parent) from None
    except BaseException:
        conn.close()
        raise
    return Store(conn, path, data_key)


def open_store(data_dir: Path | str, passphrase: str | None = None, *, data_key: bytes | None = None,
               recovery_key: str | None = None) -> Store:
    """Open the station in ``data_dir`` with the passphrase, the recovery key or an already unwrapped key.

    An older schema is upgraded (all steps in one transaction). Raises NotSetUp, WrongPassphrase,
    StoreUnreadable (damaged, truncated, emptied file; read-only disk), StoreTooNew or StoreWriteFailed
    (an upgrade could not be written); a refused open changes no file.
    """
    data_dir = Path(data_dir)
    path = data_dir / DB_FILE
    if data_key is None:
        if recovery_key is not None:
            data_key = keys.unlock_with_recovery(data_dir, recovery_key)
        else:
            data_key = keys.unlock(data_dir, passphrase or "")
    if not path.exists():
        raise NotSetUp(f"{path} is missing although the key file exists: restore station.db from the backup "
                       "(do not set up a new station over it). If this station never saved anything, delete "
                       "station.key and set it up again.")
    return _connect(path, data_key, existing=True)


def create_store(data_dir: Path | str, passphrase: str, kdf: keys.KdfParams | None = None, *,
                 schema_version: int | None = None) -> tuple[Store, str]:
    """Set up a new station: key file, encrypted database at the latest schema. Returns (store, recovery key).

    The database is built under a temporary name and renamed when complete, so a crash during set-up
    never leaves a half-made station.db behind. ``schema_version`` stops at an older schema (upgrade tests
    and tools only; the next ``open_store`` upgrades it).
    """
    data_dir = Path(data_dir)
    if (data_dir / keys.KEY_FILE).exists() or (data_dir / DB_FILE).exists():
        raise StoreWriteFailed(f"{data_dir} already holds a station; open it instead of setting up a new one.")
    data_key, recovery = keys.create_key_file(data_dir, passphrase, kdf=kdf)
    building = data_dir / (DB_FILE + _CREATING_SUFFIX)
    for leftover in (building, *(building.with_name(building.name + s) for s in ("-wal", "-shm"))):
        leftover.unlink(missing_ok=True)
    fd = os.open(building, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)  # WAL/SHM inherit these permissions
    os.close(fd)
    # Closing checkpoints the WAL into the file: what is renamed is one self-contained database.
    _connect(building, data_key, existing=False, schema_version=schema_version).close()
    os.replace(building, data_dir / DB_FILE)
    keys.fsync_folder(data_dir)
    return _connect(data_dir / DB_FILE, data_key, existing=True, schema_version=schema_version), recovery


def open_or_create(data_dir: Path | str, passphrase: str) -> tuple[Store, str | None]:
    """Open the station in ``data_dir``, setting it up first when the folder holds none."""
    data_dir = Path(data_dir)
    if not (data_dir / keys.KEY_FILE).exists() and not (data_dir / DB_FILE).exists():
        return create_store(data_dir, passphrase)
    return open_store(data_dir, passphrase), None
