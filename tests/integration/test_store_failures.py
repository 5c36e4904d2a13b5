"""Every way the station file or its disk can fail gives a clear message and loses nothing already saved.

Wrong key, truncated file, a file from a newer trialpro, a read-only disk and a full disk. The disks are real:
small tmpfs file systems and read-only bind mounts made for the test (root with CAP_SYS_ADMIN, as in CI).
Linux refuses to remount a file system read-only while a file on it is open for writing, so "the disk went
read-only under a running station" is a read-only bind mount of the station's folder opened by a second session.
Without mount rights the read-only disk falls back to file permissions (only when not root: they do not stop
root) and the full disk to SQLite's own page limit, which raises the same SQLITE_FULL.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlcipher3

from desktop_client.services import recording
from desktop_client.services.station import Station
from desktop_client.store import create_store, keys, open_store, outbox, schema
from shared.errors import StoreTooNew, StoreUnreadable, StoreWriteFailed, WrongPassphrase
from shared.study import default_study
from tests.factories import FAST_KDF, PASSPHRASE
from tests.store_child import PARTICIPANTS, set_up_station


def _snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Bytes and modification time of every file: a refused open must change neither."""
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(folder.iterdir()) if p.is_file()}


def _save_some(data: Path, n: int) -> list[str]:
    store = open_store(data, PASSPHRASE)
    try:
        station = Station(store=store, study=default_study())
        return [recording.record_vas(station, participant_id=PARTICIPANTS[i % 3], visit_id="unscheduled",
                                     vas_mm=i)["record_id"] for i in range(n)]
    finally:
        store.close()


def _assert_all_there(data: Path, record_ids: list[str]) -> None:
    store = open_store(data, PASSPHRASE)
    try:
        have = {r["record_id"] for r in store.query("SELECT record_id FROM records")}
        assert set(record_ids) <= have
        assert store.check_integrity() == []
        assert outbox.stats(store).pending == len(have)
    finally:
        store.close()


@pytest.fixture
def station_dir(tmp_path: Path) -> Path:
    data = tmp_path / "kiosk"
    set_up_station(data, PASSPHRASE, FAST_KDF)
    return data


def test_a_wrong_passphrase_is_refused_clearly_and_changes_no_file(station_dir: Path) -> None:
    saved = _save_some(station_dir, 3)
    live = open_store(station_dir, PASSPHRASE)  # a session is open: -wal and -shm exist too
    try:
        before = _snapshot(station_dir)
        assert {"station.db-wal", "station.db-shm"} <= set(before)
        with pytest.raises(WrongPassphrase, match=r"does not open this station.*recovery key"):
            open_store(station_dir, "correct horse battery stapler")
        with pytest.raises(WrongPassphrase, match="recovery key does not open"):
            open_store(station_dir, recovery_key="ABCD-EFGH-IJKL")
        assert _snapshot(station_dir) == before
    finally:
        live.close()
    _assert_all_there(station_dir, saved)


def test_the_key_of_another_station_is_refused_and_changes_no_file(tmp_path: Path, station_dir: Path) -> None:
    saved = _save_some(station_dir, 3)
    other = tmp_path / "other"
    create_store(other, PASSPHRASE, kdf=FAST_KDF)[0].close()
    before = _snapshot(station_dir)

    with pytest.raises(StoreUnreadable, match=r"cannot be opened with this key.*Restore station.db and "
                                              r"station.key from the backup; nothing was changed"):
        open_store(station_dir, data_key=keys.unlock(other, PASSPHRASE))

    assert _snapshot(station_dir) == before
    _assert_all_there(station_dir, saved)


@pytest.mark.parametrize("keep", [0, 100, 4096, 3 * 4096 + 17, "half", "all but one byte", "all but a page"])
def test_a_truncated_file_is_refused_never_replaced_by_an_empty_station(station_dir: Path, keep: object) -> None:
    saved = _save_some(station_dir, 40)
    db = station_dir / "station.db"
    backup = db.read_bytes()
    size = len(backup)
    cut = {"half": size // 2, "all but one byte": size - 1, "all but a page": size - 4096}.get(keep, keep)
    assert isinstance(cut, int) and 0 <= cut < size
    with open(db, "r+b") as fh:
        fh.truncate(cut)
    before = _snapshot(station_dir)

    with pytest.raises(StoreUnreadable, match=r"(empty|damaged|truncated).*[Rr]estore station.db"):
        open_store(station_dir, PASSPHRASE)

    assert _snapshot(station_dir) == before  # still the truncated bytes: nothing was "repaired" over it
    db.write_bytes(backup)  # restoring the backup brings everything back
    _assert_all_there(station_dir, saved)


def test_a_flipped_byte_anywhere_in_the_file_is_caught_by_the_page_hmac(station_dir: Path) -> None:
    saved = _save_some(station_dir, 40)
    db = station_dir / "station.db"
    backup = db.read_bytes()
    damaged = bytearray(backup)
    damaged[len(backup) // 2] ^= 0x01
    db.write_bytes(bytes(damaged))

    with pytest.raises(StoreUnreadable, match=r"damaged.*[Rr]estore station.db"):
        open_store(station_dir, PASSPHRASE)

    assert db.read_bytes() == bytes(damaged)
    db.write_bytes(backup)
    _assert_all_there(station_dir, saved)


def test_a_file_from_a_newer_trialpro_is_refused_and_left_alone(station_dir: Path) -> None:
    saved = _save_some(station_dir, 2)
    store = open_store(station_dir, PASSPHRASE)
    store.conn.execute("PRAGMA user_version = 99")  # what a future trialpro would have written
    store.close()
    before = _snapshot(station_dir)

    ours = schema.latest_version()
    with pytest.raises(StoreTooNew, match=rf"schema version 99.*knows only up to {ours}.*nothing was changed") as info:
        open_store(station_dir, PASSPHRASE)

    assert info.value.details == {"found": 99, "supported": ours}
    assert _snapshot(station_dir) == before
    # Nothing is lost: the newer trialpro (here: the file set back to our version) reads every record.
    conn = sqlcipher3.connect(str(station_dir / "station.db"))
    conn.execute(f"PRAGMA key = \"x'{keys.unlock(station_dir, PASSPHRASE).hex()}'\"")
    conn.execute(f"PRAGMA user_version = {ours}")
    conn.close()
    _assert_all_there(station_dir, saved)


# ---- real disks --------------------------------------------------------------------------------------

def _mount_tmpfs(where: Path, size: str) -> bool:
    where.mkdir(parents=True, exist_ok=True)
    return subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(where)],
                          capture_output=True).returncode == 0


def _remount(where: Path, options: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{options}", str(where)], check=True, capture_output=True)


def _unmount(where: Path) -> None:
    if subprocess.run(["umount", str(where)], capture_output=True).returncode != 0:
        subprocess.run(["umount", "-l", str(where)], check=True)  # something still open: detach anyway


@contextmanager
def small_disk(where: Path, size: str) -> Iterator[bool]:
    """A real tmpfs of ``size`` at ``where``; yields False (a plain folder) when mounting is not permitted."""
    mounted = _mount_tmpfs(where, size)
    try:
        yield mounted
    finally:
        if mounted:
            _unmount(where)


def test_a_read_only_disk_gives_a_clear_message_and_loses_nothing(tmp_path: Path) -> None:
    disk = tmp_path / "disk"
    with small_disk(disk, "8m") as mounted:
        data = disk / "kiosk"
        set_up_station(data, PASSPHRASE, FAST_KDF)
        saved = _save_some(data, 5)
        before = _snapshot(data)
        if mounted:
            _remount(disk, "ro")  # Linux refuses this while a file is open for writing: the station is closed
        elif os.geteuid() != 0:
            for path in (data, *data.iterdir()):
                path.chmod(path.stat().st_mode & ~0o222)
        else:
            pytest.fail("root without mount rights: neither a read-only mount nor chmod can make a read-only "
                        "disk here; run the suite with CAP_SYS_ADMIN (as CI does) or as a normal user")
        with pytest.raises(StoreUnreadable, match=r"disk is read-only.*nothing was changed and nothing is lost"):
            open_store(data, PASSPHRASE)
        with pytest.raises(StoreWriteFailed, match="already holds a station"):
            create_store(data, PASSPHRASE, kdf=FAST_KDF)  # nobody can "set up again" over it either
        assert _snapshot(data) == before
        if mounted:
            _remount(disk, "rw")
        else:
            for path in (data, *data.iterdir()):
                path.chmod(path.stat().st_mode | 0o200)
        _assert_all_there(data, saved)


@contextmanager
def read_only_view(folder: Path, where: Path) -> Iterator[Path]:
    """``folder`` seen through a read-only bind mount at ``where`` (or, without mount rights and not root,
    through file permissions): writes through it fail as on a disk that went read-only."""
    where.mkdir(parents=True, exist_ok=True)
    if subprocess.run(["mount", "--bind", str(folder), str(where)], capture_output=True).returncode == 0:
        try:
            _remount(where, "ro,bind")
            yield where
        finally:
            _unmount(where)
        return
    if os.geteuid() == 0:
        pytest.fail("root without mount rights: neither a read-only mount nor chmod can make a read-only disk "
                    "here; run the suite with CAP_SYS_ADMIN (as CI does) or as a normal user")
    paths = [folder, *folder.rglob("*")]
    for path in paths:
        path.chmod(path.stat().st_mode & ~0o222)
    try:
        yield folder
    finally:
        for path in paths:
            path.chmod(path.stat().st_mode | 0o200)


def test_a_save_on_a_disk_that_went_read_only_is_refused_clearly_and_nothing_is_lost(tmp_path: Path) -> None:
    data = tmp_path / "disk" / "kiosk"
    set_up_station(data, PASSPHRASE, FAST_KDF)
    saved = _save_some(data, 4)
    writer = open_store(data, PASSPHRASE)  # the station is in use: its -wal and -shm exist
    try:
        with read_only_view(tmp_path / "disk", tmp_path / "ro") as ro:
            store = open_store(ro / "kiosk", PASSPHRASE)  # reading still works ...
            try:
                assert {r["record_id"] for r in store.query("SELECT record_id FROM records")} == set(saved)
                station = Station(store=store, study=default_study())
                with pytest.raises(StoreWriteFailed, match=r"Nothing was saved because the disk is read-only\. "
                                                           r"Ask IT .*Everything saved before is safe"):
                    recording.record_vas(station, participant_id="PKU-001", visit_id="unscheduled", vas_mm=9)
                assert outbox.stats(store).size == len(saved)  # ... and the refused save left nothing
            finally:
                store.close()
    finally:
        writer.close()
    _assert_all_there(data, saved)


def _save_until_refused(station: Station) -> tuple[list[str], StoreWriteFailed]:
    """Save VAS entries and two-record submissions until the store refuses; the ids of confirmed saves."""
    confirmed: list[str] = []
    for i in range(5000):
        try:
            if i % 3 == 0:  # a two-record kiosk submission: all or nothing
                saved = recording.submit_visit(station, participant_id="PKU-002", visit_id="unscheduled",
                                               entered_by="participant", answers_by_instrument={
                                                   "patient_global_vas": {"activity": i % 101},
                                                   "esspri": {"dryness": 1, "fatigue": 2, "pain": 3}})
            else:
                saved = [recording.record_vas(station, participant_id="PKU-001", visit_id="unscheduled",
                                              vas_mm=i % 101)]
        except StoreWriteFailed as exc:
            return confirmed, exc
        confirmed += [r["record_id"] for r in saved]
    raise AssertionError("the disk never filled up")


def test_a_full_disk_gives_a_clear_message_and_keeps_every_confirmed_save(tmp_path: Path) -> None:
    disk = tmp_path / "disk"
    with small_disk(disk, "1m") as mounted:
        data = disk / "kiosk"
        set_up_station(data, PASSPHRASE, FAST_KDF)
        store = open_store(data, PASSPHRASE)
        if not mounted:
            pages = store.query("PRAGMA page_count")[0]["page_count"]
            store.conn.execute(f"PRAGMA max_page_count = {pages + 40}")  # SQLite's own SQLITE_FULL
        station = Station(store=store, study=default_study())
        confirmed, refused = _save_until_refused(station)
        assert "Nothing was saved because the disk is full. Free some space, then save again." in refused.message
        assert "Everything saved before is safe" in refused.message
        assert len(confirmed) >= 10

        # The open session still reads every confirmed save, and nothing half-written.
        rows = {r["record_id"] for r in store.query("SELECT record_id FROM records")}
        assert rows == set(confirmed)
        assert {r["record_id"] for r in store.query("SELECT record_id FROM outbox")} == rows
        store.close()
        _assert_all_there(data, confirmed)  # reopening on the still-full disk reads everything back

        if mounted:
            _remount(disk, "size=16m")  # staff free space
            _assert_all_there(data, confirmed)
            store = open_store(data, PASSPHRASE)
            station = Station(store=store, study=default_study())
            again = recording.record_vas(station, participant_id="PKU-003", visit_id="unscheduled", vas_mm=5)
            store.close()
            _assert_all_there(data, [*confirmed, again["record_id"]])
        else:
            _assert_all_there(data, confirmed)


def test_a_cut_inside_a_free_last_page_is_refused_too(station_dir: Path) -> None:
    """quick_check never reads free pages: a file whose last page is free and cut short passed it; the file size
    must be whole pages."""
    saved = _save_some(station_dir, 5)
    store = open_store(station_dir, PASSPHRASE)
    with store.transaction() as tx:
        tx.execute("CREATE TABLE scratch (x BLOB)")
        tx.execute("INSERT INTO scratch VALUES (zeroblob(200000))")
    with store.transaction() as tx:
        tx.execute("DROP TABLE scratch")                 # its pages stay in the file, on the freelist
    store.query("PRAGMA wal_checkpoint(TRUNCATE)")       # into the main file, as at every close
    assert store.query("PRAGMA freelist_count")[0]["freelist_count"] > 10
    store.close()
    db = station_dir / "station.db"
    backup = db.read_bytes()
    with open(db, "r+b") as fh:
        fh.truncate(len(backup) - 1)
    with pytest.raises(StoreUnreadable, match=r"truncated.*whole number of .*Restore station.db"):
        open_store(station_dir, PASSPHRASE)
    db.write_bytes(backup)
    _assert_all_there(station_dir, saved)
