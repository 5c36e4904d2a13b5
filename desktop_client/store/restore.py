"""Rebuild a station from its mirror journal, on another machine, with the recovery key.

The journal (``store/mirror.py``) holds a snapshot of the station followed by every later committed
transaction; replaying them in order into a fresh station gives back every save the old station had
copied, including its outbox (what still has to be synced) and its device credential, so the new
machine carries on as that kiosk.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from desktop_client.store import keys
from desktop_client.store.database import DB_FILE, create_store
from desktop_client.store.mirror import COPIED, JOURNAL, JournalDamaged, read_journal
from shared.errors import NotSetUp, StoreUnreadable, StoreWriteFailed
from shared.records import utc_now


@dataclass(frozen=True)
class Restored:
    """What a restore rebuilt: transactions replayed, records, rows still to sync, and the new recovery key."""

    data_dir: Path
    transactions: int
    records: int
    unsynced: int
    recovery_key: str


def station_folders(mirror_root: Path | str) -> list[Path]:
    """The station folders (each with a journal) under a mirror root, by name."""
    root = Path(mirror_root)
    if (root / JOURNAL).exists():
        return [root]
    return sorted(p for p in root.iterdir() if (p / JOURNAL).exists()) if root.is_dir() else []


def pick_station(mirror_root: Path | str, station: str | None = None) -> Path:
    """The one station folder to restore; raises NotSetUp naming the choices when it is not clear."""
    found = station_folders(mirror_root)
    if station is not None:
        found = [p for p in found if p.name == station]
    if len(found) == 1:
        return found[0]
    if not found:
        raise NotSetUp(f"No station copy (a folder with {JOURNAL}) in {mirror_root}"
                       + (f" named {station!r}" if station else "") + ". Check the stick or share path.")
    raise NotSetUp(f"{mirror_root} holds copies of several stations ({', '.join(p.name for p in found)}): "
                   "choose one with --station.")


def restore(station_folder: Path | str, recovery_key: str, data_dir: Path | str, new_passphrase: str,
            kdf: keys.KdfParams | None = None) -> Restored:
    """Replay the journal in ``station_folder`` into a new station in ``data_dir`` under ``new_passphrase``.

    The recovery key of the lost station opens the copy; the new station gets its own data key and recovery
    key (in the result: show it once). Raises WrongPassphrase (wrong recovery key), StoreWriteFailed
    (``data_dir`` already holds a station), StoreUnreadable (damaged journal); then ``data_dir`` is left
    without a station.
    """
    folder, data_dir = Path(station_folder), Path(data_dir)
    if (data_dir / DB_FILE).exists() or (data_dir / keys.KEY_FILE).exists():
        raise StoreWriteFailed(f"{data_dir} already holds a station: restore into a new, empty folder.")
    old_key = keys.unlock_with_recovery(folder, recovery_key)
    try:
        transactions = list(read_journal(folder, old_key))
    except JournalDamaged as exc:
        raise StoreUnreadable(f"The copy cannot be restored: {exc}.") from None
    store, recovery = create_store(data_dir, new_passphrase, kdf=kdf)
    for name in COPIED[1:]:  # the study the lost station's folder remembered
        if (folder / name).exists() and not (data_dir / name).exists():
            shutil.copyfile(folder / name, data_dir / name)
    try:
        with store.transaction() as conn:  # all or nothing, and one fsync instead of one per frame
            for ops in transactions:
                for sql, params in ops:
                    conn.execute(sql, params)
            conn.execute("INSERT INTO audit (at, actor, action, new) VALUES (?, 'station', 'station.restore', ?)",
                         (utc_now(), json.dumps({"from": str(folder), "transactions": len(transactions)})))
        records = store.query("SELECT count(*) AS n FROM records")[0]["n"]
        unsynced = store.query("SELECT count(*) AS n FROM outbox")[0]["n"]
    except BaseException:
        store.close()
        for name in (DB_FILE, DB_FILE + "-wal", DB_FILE + "-shm", *COPIED):
            (data_dir / name).unlink(missing_ok=True)
        raise
    store.close()
    return Restored(data_dir, len(transactions), int(records), int(unsynced), recovery)
