"""A second, encrypted copy of the station's data on another medium (USB stick or network share).

Every committed write transaction of the station database becomes one frame of an append-only journal on
the mirror: the transaction's SQL statements and values as JSON, sealed with AES-256-GCM under a key
derived from the station's data key (never plaintext on the mirror). The saving thread seals each frame
right after COMMIT; a background thread writes and fsyncs them once the station pauses between saves
(``QUIET_SECONDS``), and during a burst of saves at the latest ``COALESCE_SECONDS`` after the oldest waiting
one, so the second medium's fsyncs seldom queue with a save's own (``flush`` waits for them; ``status`` says
how far the copy lags).

Layout (one folder per station, so several kiosks can share one network folder)::

    MIRROR/<station id>/station.key    copy of the station's key file (only wrapped keys: the recovery
                                       key opens it on another station)
    MIRROR/<station id>/study.toml     copy of the study the station's folder remembers (and study.json)
    MIRROR/<station id>/journal.tpj    b"TPMJ1" + 16-byte journal id, then frames:
                                       4-byte length | seal(subkey, JSON {"seq", "ops"}, journal id + seq)

Each journal starts with a snapshot frame of the whole database (written when the mirror is attached, and
again whenever the journal has gone missing, e.g. a new stick), so a journal alone rebuilds the station.
``restore`` replays a journal into a fresh station. The mirror root must already exist (the stick's mount
point): it is never created, so an unplugged stick never turns into a folder on the local disk.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import struct
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shared import crypto

MIRROR_ENV = "TRIALPRO_MIRROR_DIR"
JOURNAL = "journal.tpj"
MAGIC = b"TPMJ1"
ID_BYTES = 16
PURPOSE = "trialpro station mirror journal v1"
RETRY_SECONDS = 1.0
# The mirror writes when the station has not been saving for QUIET_SECONDS, and while saves keep coming at the
# latest COALESCE_SECONDS after the oldest waiting save: a burst shares one write, and the second medium's
# fsync seldom queues with a save's own fsync (on the same disk it did: with one write per save, save p99 was
# 1.9x plain SQLite; with one per 20 ms during a burst still 1.6-1.75x). A lone save is on the mirror about
# QUIET_SECONDS after it returned.
QUIET_SECONDS = 0.01
COALESCE_SECONDS = 0.25
SNAPSHOT_PIECE = 500  # statements JSON-encoded in one call (see _frame)
COPIED = ("station.key", "study.toml", "study.json")  # station folder files kept beside the journal

Op = tuple[str, Any]


@dataclass(frozen=True)
class MirrorStatus:
    """How far the mirror is: frames confirmed on the medium, frames waiting, the last problem (or None)."""

    folder: Path
    written: int
    waiting: int
    problem: str | None

    @property
    def in_step(self) -> bool:
        return self.waiting == 0 and self.problem is None


_BINARY = (bytes, bytearray, memoryview)  # a tuple: isinstance with a union type took 4x as long (per value)
# One encoder for every frame: json.dumps with options builds a new JSONEncoder per call (half its cost here)
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def _jsonable(value: Any) -> Any:
    if isinstance(value, _BINARY):
        return {"$b": base64.b64encode(bytes(value)).decode("ascii")}
    return value


def _unjson(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"$b"}:
        return base64.b64decode(value["$b"])
    return value


def encode_params(params: Any) -> Any:
    if isinstance(params, dict):
        return {"named": {k: _jsonable(v) for k, v in params.items()}}
    return [_jsonable(v) for v in params]


def decode_params(params: Any) -> Any:
    if isinstance(params, dict):
        return {k: _unjson(v) for k, v in params["named"].items()}
    return tuple(_unjson(v) for v in params)


def _context(journal_id: bytes, seq: int) -> bytes:
    return MAGIC + journal_id + struct.pack(">Q", seq)


def _fsync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Mirror:
    """The journal writer of one open station. Made by ``Store.attach_mirror``; ``submit`` never blocks.

    The saving thread seals each transaction's frame in ``submit`` (about 20 µs); the writer thread only
    writes and fsyncs, which release the GIL. Sealing a coalesced batch in the writer thread held the GIL for
    the whole batch, and the save that finished its COMMIT meanwhile waited it out (save p99 1.6x plain).
    """

    def __init__(self, root: Path, station_id: str, data_key: bytes, key_file: Path,
                 snapshot: Callable[[Callable[[], None]], list[Op]]) -> None:
        self.root = Path(root)
        self.folder = self.root / station_id
        self._key = crypto.subkey(data_key, PURPOSE)
        self._key_file = key_file
        self._snapshot = snapshot
        self._cv = threading.Condition()
        self._waiting: list[bytes] = []  # sealed frames of committed transactions, in commit order
        self._submitted = 0      # transactions handed over
        self._done = 0           # transactions on the medium (or covered by a snapshot that is)
        self._written = 0        # frames fsynced on the medium
        self._covered = 0        # transactions a snapshot being written covers
        self._problem: str | None = None
        self._closing = False
        # The journal later frames belong to; None until a snapshot is taken (it covers what comes before)
        self._journal_id: bytes | None = None
        self._seq = 0
        self._needs_snapshot = True
        self._oldest = 0.0       # monotonic time the oldest waiting frame was queued
        self._saving = False     # the station is in a transaction (set by the store, read by the writer)
        self._last_activity = 0.0  # monotonic time a transaction of the station last began or ended
        self._thread = threading.Thread(target=self._run, name="trialpro-mirror", daemon=True)
        self._thread.start()

    # ---- called by the store ------------------------------------------------------------------------------
    def saving(self, active: bool) -> None:
        """The station begins (True) or ends (False) a transaction: the writer waits for a pause."""
        self._saving = active
        self._last_activity = time.monotonic()

    def submit(self, ops: list[Op]) -> None:
        """Queue one committed transaction (the store calls this under its lock, so in commit order).

        Never raises: the transaction is committed already. A value the journal cannot hold makes the copy
        start afresh from a snapshot, which reads every row back from the database."""
        with self._cv:
            self._submitted += 1
            if self._journal_id is not None:
                try:
                    if not self._waiting:
                        self._oldest = time.monotonic()
                    self._waiting.append(_frame(self._key, self._journal_id, self._seq + 1, ops))
                    self._seq += 1
                except Exception as exc:  # noqa: BLE001 - reported in status(); the snapshot covers the save
                    self._problem = f"A save could not be added to the second copy ({exc}); it starts afresh."
                    self._restart_journal()
            self._cv.notify_all()

    def flush(self, timeout: float = 1.0) -> bool:
        """Wait until every transaction submitted so far is on the medium; False when ``timeout`` passed."""
        deadline = time.monotonic() + timeout
        with self._cv:
            target = self._submitted
            while self._done < target or self._needs_snapshot:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cv.wait(left)
        return True

    def status(self) -> MirrorStatus:
        with self._cv:
            return MirrorStatus(self.folder, self._written, self._submitted - self._done, self._problem)

    def close(self, timeout: float = 5.0) -> None:
        """Write what waits (up to ``timeout``; not at all when the medium is gone), then stop the writer."""
        if self.status().problem is None:
            self.flush(timeout)
        with self._cv:
            self._closing = True
            self._cv.notify_all()
        self._thread.join(timeout=timeout)

    # ---- the writer thread ---------------------------------------------------------------------------------
    def _restart_journal(self) -> None:
        """(Under the condition.) The next write is a fresh, complete journal; what waits is covered by it."""
        self._needs_snapshot = True
        self._journal_id = None
        self._waiting.clear()

    def _run(self) -> None:
        while True:
            with self._cv:
                while not self._waiting and not self._needs_snapshot and not self._closing:
                    self._cv.wait()
                if self._closing and not self._waiting:
                    return
            self._wait_for_a_pause()
            try:
                if self._needs_snapshot or not (self.folder / JOURNAL).exists():
                    self._start_journal()
                else:
                    self._append()
                with self._cv:
                    if not self._needs_snapshot:
                        self._problem = None
                    self._cv.notify_all()
            except OSError as exc:
                with self._cv:
                    self._problem = (f"The second copy at {self.root} cannot be written ({exc.strerror or exc}); "
                                     "saving goes on, and the copy catches up when the medium is back.")
                    self._restart_journal()  # the file may be gone or torn: start a fresh, complete one
                    if self._closing:
                        return
                    self._cv.wait(RETRY_SECONDS)

    def _wait_for_a_pause(self) -> None:
        """Sleep while the station keeps saving (more saves join this write), but at most COALESCE_SECONDS
        after the oldest waiting frame was queued. Polls instead of being woken by every save: each wake-up of
        this thread would take the GIL from the saving thread once per save."""
        while not self._closing:
            now = time.monotonic()
            if not self._waiting:  # a snapshot only (attach, medium back): no save is held back by it
                return
            left = self._oldest + COALESCE_SECONDS - now
            quiet = QUIET_SECONDS if self._saving else self._last_activity + QUIET_SECONDS - now
            if left <= 0 or quiet <= 0:
                return
            time.sleep(min(left, quiet))

    def _start_journal(self) -> None:
        """A new journal holding a snapshot of the whole database, swapped in atomically."""
        if not self.root.is_dir():
            raise FileNotFoundError(2, "the mirror folder is not there (is the stick plugged in?)", str(self.root))
        self.folder.mkdir(mode=0o700, exist_ok=True)
        for name in COPIED:  # the wrapped key, and the study the station's folder remembers
            source = self._key_file.parent / name
            if source.exists():
                shutil.copyfile(source, self.folder / (name + ".new"))
                os.replace(self.folder / (name + ".new"), self.folder / name)
        journal_id = os.urandom(ID_BYTES)

        def take_over() -> None:  # called by the store under its lock: the snapshot covers all queued work
            with self._cv:
                self._waiting.clear()
                self._covered = self._submitted
                self._journal_id, self._seq = journal_id, 1  # frame 1 is the snapshot; later saves follow it

        ops = self._snapshot(take_over)
        tmp = self.folder / (JOURNAL + ".new")
        fd = os.open(tmp, os.O_CREAT | os.O_TRUNC | os.O_WRONLY, 0o600)
        with open(fd, "wb") as fh:
            fh.write(MAGIC + journal_id + _frame(self._key, journal_id, 1, ops))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.folder / JOURNAL)
        _fsync_folder(self.folder)
        with self._cv:
            self._done = max(self._done, self._covered)
            if self._journal_id == journal_id:  # else a save asked for a fresh start meanwhile: do it next
                self._needs_snapshot = False
                self._written = 1

    def _append(self) -> None:
        with self._cv:
            batch, self._waiting = self._waiting, []
        if not batch:
            return
        data = memoryview(b"".join(batch))
        # no O_CREAT: a journal that vanished (another stick) is started afresh with a snapshot (which covers
        # the batch, so a batch that is not written here is never lost)
        fd = os.open(self.folder / JOURNAL, os.O_WRONLY | os.O_APPEND)
        try:
            while data:
                data = data[os.write(fd, data):]
            os.fsync(fd)
        finally:
            os.close(fd)
        with self._cv:
            self._done += len(batch)
            self._written += len(batch)


def _frame(key: bytes, journal_id: bytes, seq: int, ops: list[Op]) -> bytes:
    """Frame ``seq`` of a journal: its length, then the sealed JSON of the transaction's statements.

    A big frame (a snapshot) is encoded in pieces of SNAPSHOT_PIECE statements, joined into exactly the text
    one call would give: one call holds the GIL throughout (about 0.2 s for 10 000 records), which stalled
    the kiosk's window while it was being built at start-up; between pieces other threads get their turn."""
    if len(ops) <= SNAPSHOT_PIECE:
        text = _ENCODER.encode({"seq": seq, "ops": [[sql, encode_params(p)] for sql, p in ops]})
    else:
        pieces = (_ENCODER.encode([[sql, encode_params(p)] for sql, p in ops[i:i + SNAPSHOT_PIECE]])[1:-1]
                  for i in range(0, len(ops), SNAPSHOT_PIECE))
        text = f'{{"seq":{seq},"ops":[{",".join(pieces)}]}}'
    plain = text.encode("utf-8")
    sealed = crypto.seal(key, plain, _context(journal_id, seq))
    return struct.pack(">I", len(sealed)) + sealed


class JournalDamaged(Exception):
    """A frame of the journal does not open with this key or is out of order."""


def read_journal(folder: Path, data_key: bytes) -> Iterator[list[Op]]:
    """Every transaction of the journal in ``folder``, in order. A torn last frame (a write cut by a crash
    or an unplugged stick) ends the journal; a frame that does not open raises JournalDamaged."""
    key = crypto.subkey(data_key, PURPOSE)
    data = (Path(folder) / JOURNAL).read_bytes()
    if not data.startswith(MAGIC) or len(data) < len(MAGIC) + ID_BYTES:
        raise JournalDamaged(f"{folder / JOURNAL} is not a trialpro mirror journal")
    journal_id = data[len(MAGIC):len(MAGIC) + ID_BYTES]
    pos, seq = len(MAGIC) + ID_BYTES, 0
    while pos + 4 <= len(data):
        (n,) = struct.unpack(">I", data[pos:pos + 4])
        if pos + 4 + n > len(data):
            return  # torn tail
        seq += 1
        try:
            frame = json.loads(crypto.unseal(key, data[pos + 4:pos + 4 + n], _context(journal_id, seq)))
        except crypto.SealBroken:
            raise JournalDamaged(f"frame {seq} of {folder / JOURNAL} does not open with this station's key "
                                 "(damaged, or another station's journal)") from None
        yield [(sql, decode_params(p)) for sql, p in frame["ops"]]
        pos += 4 + n
