"""Crash rig for the kiosk store: a child process saves records in a loop and is SIGKILLed at random moments.

Two halves, one file, so the test and ``bench/store_crash.py`` share them:

* ``python -m tests.store_child DATA_DIR`` (passphrase in ``TRIALPRO_PASSPHRASE``) is a *zygote*: it imports
  everything and unwraps the data key once, then for every ``run SEED`` line on stdin forks a worker process.
  The worker opens the station itself and saves through the real client services
  (``recording.record_vas``, ``submit_visit``, ``correct_record``) in a loop, writing ``begin`` before each
  save and ``saved RECORD_ID REVISION`` only after the service returned, i.e. after COMMIT. Forking from a
  warm process makes a kill cost milliseconds instead of a fresh interpreter's ~0.6 s; the worker is still a
  separate process that opens its own connection and dies by SIGKILL with no chance to clean up.
* ``crash_campaign(...)`` is the parent: it kills workers at random moments and, after every kill, opens the
  station and checks that every confirmed save is present, ``PRAGMA integrity_check`` and
  ``cipher_integrity_check`` are clean, and records, audit and outbox match one to one. With ``mirror``
  the workers copy every save to a mirror journal there (``TRIALPRO_CRASH_MIRROR``), and after every kill the
  copy must open (a torn last frame aside) and hold committed saves only; at the end a reopened station's
  copy must hold every one.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from desktop_client.services import recording
from desktop_client.services.station import Station
from desktop_client.store import create_store, keys, open_store, restore
from desktop_client.store import station as settings
from desktop_client.store.keys import KdfParams
from desktop_client.store.mirror import JournalDamaged, read_journal
from shared.study import default_study

SITE = "PKU"
PARTICIPANTS = ("PKU-001", "PKU-002", "PKU-003")
ACTOR = "participant"
MAX_SAVES_PER_WORKER = 5000  # a worker nobody kills stops on its own
MIRROR_ENV = "TRIALPRO_CRASH_MIRROR"  # the workers' mirror root, when the campaign has one


def set_up_station(data_dir: Path, passphrase: str, kdf: KdfParams | None = None) -> None:
    """A station enrolled by hand (no server needed): device, site and three participants with an arm."""
    store, _recovery = create_store(data_dir, passphrase, kdf=kdf)
    try:
        settings.put(store, {settings.DEVICE_ID: "dev-crash-rig", settings.SITE_ID: SITE})
        with store.transaction() as conn:
            for pid in PARTICIPANTS:
                conn.execute("INSERT INTO participants (participant_id, site_id, arm, status, source)"
                             " VALUES (?, ?, 'IL2RAPA', 'enrolled', 'local')", (pid, SITE))
    finally:
        store.close()


def _say(line: str) -> None:
    """One line in ONE write(2): lines of zygote and workers never interleave on the shared pipe."""
    os.write(1, (line + "\n").encode("ascii"))


def _worker(data_dir: Path, data_key: bytes, seed: int) -> None:
    """Open the station and save until killed; announce each save only after the service returned."""
    rng = random.Random(seed)
    mirror = os.environ.get(MIRROR_ENV)
    store = open_store(data_dir, data_key=data_key)
    if mirror:
        store.attach_mirror(mirror)
    station = Station(store=store, study=default_study())
    _say("opened")
    mine: list[str] = []
    for n in range(MAX_SAVES_PER_WORKER):
        pid = rng.choice(PARTICIPANTS)
        roll = rng.random()
        if roll > 0.97:  # staff close and reopen the station: closing checkpoints the WAL into the file
            _say("reopen")
            store.close()
            store = open_store(data_dir, data_key=data_key)
            if mirror:
                store.attach_mirror(mirror)
            station = Station(store=store, study=default_study())
            continue
        _say("begin")
        if roll < 0.15 and mine:
            rec = recording.correct_record(station, rng.choice(mine), data={"activity": rng.randint(0, 100)},
                                           reason="participant corrected the mark", actor="staff:nurse.a")
            saved = [rec]
        elif roll < 0.35:
            saved = recording.submit_visit(station, participant_id=pid, visit_id="unscheduled", entered_by=ACTOR,
                                           answers_by_instrument={
                                               "patient_global_vas": {"activity": rng.randint(0, 100)},
                                               "esspri": {"dryness": rng.randint(0, 10),
                                                          "fatigue": rng.randint(0, 10),
                                                          "pain": rng.randint(0, 10)}})
        else:
            saved = [recording.record_vas(station, participant_id=pid, visit_id="unscheduled",
                                          vas_mm=rng.randint(0, 100))]
        for rec in saved:
            _say(f"saved {rec['record_id']} {rec['revision']}")
            if rec["instrument_id"] == "patient_global_vas":
                mine.append(rec["record_id"])
        del n
    store.close()


def zygote(data_dir: Path) -> int:
    """Serve ``run SEED`` lines: fork a worker, report its pid, reap it on ``reap``, report how it ended."""
    passphrase = os.environ["TRIALPRO_PASSPHRASE"]
    data_key = keys.unlock(data_dir, passphrase)
    default_study()  # warm the cache so workers start saving at once
    _say("ready")
    for line in sys.stdin:
        cmd = line.split()
        if not cmd or cmd[0] != "run":
            continue
        go_read, go_write = os.pipe()   # the worker starts only once its pid is announced: under load a worker
        pid = os.fork()                 # said "opened" before the zygote said "worker PID", and the parent failed
        if pid == 0:
            code = 0
            os.close(go_write)
            os.read(go_read, 1)
            os.close(go_read)
            try:
                _worker(data_dir, data_key, int(cmd[1]))
            except Exception as exc:  # noqa: BLE001 - reported to the parent, which fails the test with it
                _say(f"error {type(exc).__name__}: {exc}".replace("\n", " ")[:500])
                code = 1
            os._exit(code)
        os.close(go_read)
        _say(f"worker {pid}")
        os.write(go_write, b"g")
        os.close(go_write)
        sys.stdin.readline()  # "reap": until then a dead worker stays a zombie, so its pid is never reused
        _, status = os.waitpid(pid, 0)
        _say(f"exited {pid} {os.waitstatus_to_exitcode(status)}")
    return 0


# ---- parent side -----------------------------------------------------------------------------------


@dataclass
class CampaignReport:
    """What a crash campaign did and found; ``problems`` must stay empty."""

    kills: int = 0
    kills_during_save: int = 0
    kills_during_reopen: int = 0
    confirmed_saves: int = 0
    rows_at_end: int = 0
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)


def _read_line(stream: IO[str]) -> str:
    line = stream.readline()
    if not line:
        raise RuntimeError("the crash-rig zygote died")
    return line.rstrip("\n")


def saves_in_copy(mirror: Path, data_key: bytes) -> set[tuple[str, int]] | None:
    """(record id, revision) of every record the mirror journal under ``mirror`` holds; None when there is none
    yet. Raises JournalDamaged when a frame does not open."""
    folders = restore.station_folders(mirror)
    if not folders:
        return None
    return {(params[0], params[1]) for ops in read_journal(folders[0], data_key) for sql, params in ops
            if sql.startswith(("INSERT INTO records ", 'INSERT INTO "records" '))}


def check_station(data_dir: Path, data_key: bytes, confirmed: set[tuple[str, int]],
                  mirror: Path | None = None) -> list[str]:
    """Every confirmed save present; file intact; records, audit and outbox agree one to one; the mirror's copy
    (if any) opens and holds only saves the station has."""
    store = open_store(data_dir, data_key=data_key)
    try:
        problems = [f"integrity_check: {p}" for p in store.check_integrity()]
        cipher = store.query("PRAGMA cipher_integrity_check")
        problems += [f"cipher_integrity_check: {r}" for r in cipher]
        records = {(r["record_id"], r["revision"]) for r in store.query("SELECT record_id, revision FROM records")}
        outbox = {(r["record_id"], r["revision"]) for r in store.query("SELECT record_id, revision FROM outbox")}
        audit = [(r["record_id"], r["revision"]) for r in
                 store.query("SELECT record_id, revision FROM audit WHERE record_id IS NOT NULL")]
        missing = confirmed - records
        if missing:
            problems.append(f"{len(missing)} confirmed saves missing, e.g. {sorted(missing)[:3]}")
        if outbox != records:
            problems.append(f"outbox and records differ: {len(outbox - records)} orphan outbox rows, "
                            f"{len(records - outbox)} records without outbox row")
        if sorted(audit) != sorted(records):
            problems.append(f"audit ({len(audit)} entries) does not match records ({len(records)})")
        if mirror is not None:
            try:
                copied = saves_in_copy(mirror, data_key) or set()
            except JournalDamaged as exc:
                return [*problems, f"mirror: {exc}"]
            if copied - records:
                problems.append(f"the mirror holds {len(copied - records)} saves the station does not have")
        return problems
    finally:
        store.close()


def crash_campaign(data_dir: Path, passphrase: str, *, kills: int, seed: int, max_delay: float = 0.08,
                   log: IO[str] | None = None, mirror: Path | None = None) -> CampaignReport:
    """Kill ``kills`` workers at random moments (0..max_delay s after start), checking after each kill."""
    rng = random.Random(seed)
    report = CampaignReport()
    data_key = keys.unlock(data_dir, passphrase)
    confirmed: set[tuple[str, int]] = set()
    started = time.monotonic()
    env = {**os.environ, "TRIALPRO_PASSPHRASE": passphrase, MIRROR_ENV: str(mirror or "")}
    root = Path(__file__).resolve().parent.parent
    proc = subprocess.Popen([sys.executable, "-m", "tests.store_child", str(data_dir)], cwd=root, env=env,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
    assert proc.stdin is not None and proc.stdout is not None
    try:
        if _read_line(proc.stdout) != "ready":
            raise RuntimeError("the crash-rig zygote did not start")
        while report.kills < kills:
            proc.stdin.write(f"run {rng.randrange(2**31)}\n")
            proc.stdin.flush()
            line = _read_line(proc.stdout)
            worker = int(line.split()[1])
            last = ""
            if rng.random() < 0.8:  # mostly kill while saving; otherwise the kill may also hit the open
                while line != "opened" and not line.startswith("error "):
                    line = last = _read_line(proc.stdout)
                if line.startswith("error "):
                    report.problems.append(f"worker failed instead of saving: {line}")
            time.sleep(rng.uniform(0, max_delay))
            os.kill(worker, signal.SIGKILL)
            proc.stdin.write("reap\n")
            proc.stdin.flush()
            while True:
                line = _read_line(proc.stdout)
                if line.startswith("exited "):
                    break
                if line.startswith("error "):
                    report.problems.append(f"worker failed instead of saving: {line}")
                if line.startswith("saved "):
                    _, record_id, revision = line.split()
                    confirmed.add((record_id, int(revision)))
                last = line
            if line.split()[2] != str(-signal.SIGKILL):
                report.problems.append(f"worker ended with {line.split()[2]}, not by SIGKILL")
            report.kills += 1
            report.kills_during_save += last == "begin"
            report.kills_during_reopen += last == "reopen"
            found = check_station(data_dir, data_key, confirmed, mirror)
            report.problems += [f"after kill {report.kills}: {p}" for p in found]
            if log is not None and report.kills % 50 == 0:
                print(f"{report.kills} kills, {len(confirmed)} confirmed saves", file=log, flush=True)
            if report.problems:
                break
    finally:
        proc.stdin.close()
        proc.wait(timeout=30)
    report.confirmed_saves = len(confirmed)
    store = open_store(data_dir, data_key=data_key)
    try:
        report.rows_at_end = int(store.query("SELECT count(*) AS n FROM records")[0]["n"])
        if mirror is not None:  # the next start copies everything: nothing a killed worker saved is left out
            if not store.attach_mirror(mirror).flush(10.0):
                report.problems.append(f"the mirror did not catch up: {store.mirror.status()}")
            rows = {(r["record_id"], r["revision"]) for r in store.query("SELECT record_id, revision FROM records")}
            if saves_in_copy(mirror, data_key) != rows:
                report.problems.append("after a restart the mirror does not hold exactly the station's saves")
    finally:
        store.close()
    report.seconds = time.monotonic() - started
    return report


if __name__ == "__main__":
    sys.exit(zygote(Path(sys.argv[1])))
