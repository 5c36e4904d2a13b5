"""A stolen kiosk disk reveals nothing: every byte of station.db, -wal and -shm is encrypted, and the data
key never reaches a log, an exception message, a temporary file or the data folder in clear."""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import subprocess
import sys
import traceback
from pathlib import Path

import pytest

from desktop_client.services import recording
from desktop_client.services.station import Station
from desktop_client.store import create_store, keys, open_store
from desktop_client.store import station as settings
from shared.errors import StoreError
from shared.study import default_study
from tests.factories import FAST_KDF, PASSPHRASE
from tests.store_child import PARTICIPANTS, set_up_station

ROOT = Path(__file__).resolve().parents[2]
REASON = "Zebra-Quokka transcription slip 4417"  # synthetic, easy to find if it ever leaks


def _db_files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.glob("station.db*"))}


def test_database_wal_and_shm_hold_no_clear_text_and_plain_sqlite_cannot_open_them(tmp_path: Path) -> None:
    data = tmp_path / "kiosk"
    set_up_station(data, PASSPHRASE, FAST_KDF)
    store = open_store(data, PASSPHRASE)
    station = Station(store=store, study=default_study())
    saved = [recording.record_vas(station, participant_id=pid, visit_id="baseline", vas_mm=37 + i)
             for i, pid in enumerate(PARTICIPANTS)]
    fixed = recording.correct_record(station, saved[0]["record_id"], data={"activity": 91}, reason=REASON,
                                     actor="staff:nurse.q")
    secrets_in_clear = [PARTICIPANTS[0], PARTICIPANTS[1], saved[1]["record_id"], fixed["record_id"], REASON,
                        "patient_global_vas", "dev-crash-rig", '"activity": 91', "staff:nurse.q",
                        "CREATE TABLE", "outbox", "SQLite format 3"]

    while_open = _db_files(data)  # the WAL still holds every page written so far
    assert {"station.db", "station.db-wal", "station.db-shm"} <= set(while_open)
    assert len(while_open["station.db-wal"]) > 4096 * 5
    store.close()
    after_close = _db_files(data)

    for moment, files in (("open", while_open), ("closed", after_close)):
        for name, raw in files.items():
            for text in secrets_in_clear:
                for encoded in {text.encode("utf-8"), text.encode("utf-16-le")}:
                    assert encoded not in raw, f"{text!r} readable in {name} while {moment}"

    with pytest.raises(sqlite3.DatabaseError, match="not a database"):
        sqlite3.connect(data / "station.db").execute("SELECT count(*) FROM sqlite_master").fetchone()
    if shutil.which("sqlite3"):  # the command-line shell, where installed, refuses it too
        shell = subprocess.run(["sqlite3", str(data / "station.db"), "SELECT * FROM records;"],
                               capture_output=True, text=True)
        assert shell.returncode != 0 and "not a database" in shell.stderr

    reopened = open_store(data, PASSPHRASE)  # and the right key still reads everything back
    try:
        assert reopened.query("SELECT count(*) AS n FROM records")[0]["n"] == 4
    finally:
        reopened.close()


def _exception_text(exc: BaseException) -> str:
    """Everything a crash report could show: message, details, repr, the full chained traceback."""
    parts = [str(exc), repr(exc), repr(getattr(exc, "details", None)),
             "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))]
    inner = exc.__context__ or exc.__cause__
    while inner is not None:
        parts.append(f"{inner!r} {inner}")
        inner = inner.__context__ or inner.__cause__
    return "\n".join(parts)


def test_the_data_key_never_reaches_an_exception_a_log_or_the_data_folder(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    data = tmp_path / "kiosk"
    store, recovery = create_store(data, PASSPHRASE, kdf=FAST_KDF)
    settings.put(store, {settings.DEVICE_ID: "dev-7", settings.SITE_ID: "PKU"})
    store.close()
    data_key = keys.unlock(data, PASSPHRASE)
    needles = [data_key.hex(), data_key.hex().upper(), PASSPHRASE, recovery,
               keys.crypto.normalise_recovery_key(recovery)]

    failures: list[BaseException] = []
    attempts = [lambda: open_store(data, "not the passphrase"),
                lambda: open_store(data, recovery_key="AAAA-BBBB"),
                lambda: keys.change_passphrase(data, new_passphrase="short", old_passphrase=PASSPHRASE),
                lambda: open_store(data, data_key=os.urandom(32))]
    other = tmp_path / "other"
    create_store(other, PASSPHRASE, kdf=FAST_KDF)[0].close()
    attempts.append(lambda: open_store(other, data_key=data_key))  # right key, wrong station
    for attempt in attempts:
        with pytest.raises(StoreError) as info:
            attempt()
        failures.append(info.value)

    for exc in failures:
        text = _exception_text(exc)
        for needle in needles:
            assert needle not in text, f"secret in {type(exc).__name__}"
    for needle in needles:
        assert needle not in caplog.text
    for path in data.rglob("*"):
        raw = path.read_bytes()
        for needle in needles:
            assert needle.encode() not in raw, f"secret in {path.name}"
        assert data_key not in raw, f"raw data key in {path.name}"


CHILD = """
import logging, os, sys
from pathlib import Path
logging.basicConfig(level=logging.DEBUG, stream=sys.stderr)
from desktop_client.store import keys, open_store, records
from shared.records import new_record
data, tmp = Path(sys.argv[1]), os.environ["TMPDIR"]
store = open_store(data, os.environ["TRIALPRO_PASSPHRASE"])
if os.environ.get("CONTROL_TEMP_STORE_FILE"):
    store.conn.execute("PRAGMA temp_store = FILE")  # the control run: proves the probe below sees temp files
store.conn.execute("PRAGMA cache_size = 10")  # a tiny page cache makes a big sort spill
for i in range(300):
    records.save_record(store, new_record(kind="instrument_response", study_id="NCT05605665", study_version="1",
        site_id="PKU", participant_id="PKU-%03d" % (i % 30 + 1), data={"activity": i % 101}, entered_by="p",
        device_id="dev-7", visit_id="baseline", instrument_id="patient_global_vas", instrument_version="1.0"),
        actor="participant")
cur = store.conn.execute("SELECT r.body || a.new AS k, count(*) FROM records r CROSS JOIN audit a GROUP BY k"
                         " ORDER BY 1")
cur.fetchone()  # the sort is done and its spill files (if any) are open, though already unlinked
fds = []
for fd in os.listdir("/proc/self/fd"):
    try:
        fds.append(os.readlink(f"/proc/self/fd/{fd}"))
    except OSError:  # the descriptor listdir itself used, closed by now
        pass
print("temp files open:", len([f for f in fds if f.startswith(tmp)]))
cur.close()
store.close()
keys.change_passphrase(data, new_passphrase=os.environ["NEW_PASSPHRASE"],
                       old_passphrase=os.environ["TRIALPRO_PASSPHRASE"])
print("done")
"""


def _run_child(data: Path, tmp: Path, *, control: bool) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TMPDIR": str(tmp), "SQLITE_TMPDIR": str(tmp), "TRIALPRO_PASSPHRASE": PASSPHRASE,
           "NEW_PASSPHRASE": "a different site passphrase"}
    if control:
        env["CONTROL_TEMP_STORE_FILE"] = "1"
    done = subprocess.run([sys.executable, "-c", CHILD, str(data)], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done


def test_saving_sorting_and_rekeying_leave_no_key_in_temp_files_or_output(tmp_path: Path) -> None:
    data, tmp = tmp_path / "kiosk", tmp_path / "tmp"
    tmp.mkdir()
    create_store(data, PASSPHRASE, kdf=FAST_KDF)[0].close()
    data_key = keys.unlock(data, PASSPHRASE)

    done = _run_child(data, tmp, control=False)

    assert "temp files open: 0" in done.stdout and "done" in done.stdout
    output = done.stdout + done.stderr
    for needle in (data_key.hex(), data_key.hex().upper(), PASSPHRASE, "a different site passphrase"):
        assert needle not in output
    assert list(tmp.rglob("*")) == []
    assert sorted(p.name for p in data.iterdir()) == ["station.db", "station.key"]
    for path in data.iterdir():
        raw = path.read_bytes()
        assert data_key.hex().encode() not in raw and data_key not in raw

    control_data = tmp_path / "control"
    create_store(control_data, PASSPHRASE, kdf=FAST_KDF)[0].close()
    control = _run_child(control_data, tmp, control=True)
    assert "temp files open: 0" not in control.stdout  # the probe does see spill files when SQLite makes them
