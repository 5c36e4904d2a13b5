"""A second, encrypted copy of the station's data on another medium (USB stick or network share).

Every committed write transaction of the station database becomes one frame of an append-only journal on
the mirror: the transaction's SQL statements and values as JSON, sealed with AES-256-GCM under a key
derived from the station's data key (never plaintext on the mirror). A background thread writes and fsyncs
the frames right after COMMIT, so saving is never slowed by the second medium and a frame normally reaches
it within milliseconds; during a burst of saves it writes at most once per ``COALESCE_SECONDS`` (``flush``
waits for it; ``status`` says how far it lags).

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
# At most one fsync on the mirror per this many seconds while saves keep coming: a burst of saves shares one
# write, so the second medium's fsyncs do not queue with the station's own (on the same disk they did: save
# p99 1.9x plain SQLite). A lone save after a quiet spell is still written at once.
COALESCE_SECONDS = 0.02
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


def _jsonable(value: Any) -> Any:
    if isinstance(value, bytes | bytearray | memoryview):
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
    """The journal writer of one open station. Made by ``Store.attach_mirror``; ``submit`` never blocks."""

    def __init__(self, root: Path, station_id: str, data_key: bytes, key_file: Path,
                 snapshot: Callable[[Callable[[], None]], list[Op]]) -> None:
        self.root = Path(root)
        self.folder = self.root / station_id
        self._data_key = data_key
        self._key_file = key_file
        self._snapshot = snapshot
        self._cv = threading.Condition()
        self._waiting: list[list[Op]] = []
        self._submitted = 0      # transactions handed over
        self._done = 0           # transactions on the medium (or covered by a snapshot that is)
        self._written = 0        # frames fsynced on the medium
        self._covered = 0        # transactions a snapshot being written covers
        self._problem: str | None = None
        self._closing = False
        self._journal_id: bytes | None = None
        self._seq = 0
        self._needs_snapshot = True
        self._last_write = 0.0   # monotonic time of the last fsync on the medium
        self._thread = threading.Thread(target=self._run, name="trialpro-mirror", daemon=True)
        self._thread.start()

    # ---- called by the store ------------------------------------------------------------------------------
    def submit(self, ops: list[Op]) -> None:
        """Queue one committed transaction (the store calls this under its lock, so in commit order)."""
        with self._cv:
            self._waiting.append(ops)
            self._submitted += 1
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
    def _run(self) -> None:
        key = crypto.subkey(self._data_key, PURPOSE)
        while True:
            with self._cv:
                while not self._waiting and not self._needs_snapshot and not self._closing:
                    self._cv.wait()
                if self._closing and not self._waiting:
                    return
            pause = self._last_write + COALESCE_SECONDS - time.monotonic()
            if pause > 0 and not self._closing:
                time.sleep(pause)  # more saves join this write
            try:
                if self._needs_snapshot or not (self.folder / JOURNAL).exists():
                    self._start_journal(key)
                else:
                    self._append(key)
                with self._cv:
                    self._problem = None
                    self._cv.notify_all()
            except OSError as exc:
                with self._cv:
                    self._problem = (f"The second copy at {self.root} cannot be written ({exc.strerror or exc}); "
                                     "saving goes on, and the copy catches up when the medium is back.")
                    self._needs_snapshot = True  # the file may be gone or torn: start a fresh, complete one
                    if self._closing:
                        return
                    self._cv.wait(RETRY_SECONDS)

    def _frame(self, key: bytes, ops: list[Op]) -> bytes:
        assert self._journal_id is not None
        self._seq += 1
        plain = json.dumps({"seq": self._seq, "ops": [[sql, encode_params(p)] for sql, p in ops]},
                           ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        sealed = crypto.seal(key, plain, _context(self._journal_id, self._seq))
        return struct.pack(">I", len(sealed)) + sealed

    def _start_journal(self, key: bytes) -> None:
        """A new journal holding a snapshot of the whole database, swapped in atomically."""
        if not self.root.is_dir():
            raise FileNotFoundError(2, "the mirror folder is not there (is the stick plugged in?)", str(self.root))
        self.folder.mkdir(mode=0o700, exist_ok=True)
        for name in COPIED:  # the wrapped key, and the study the station's folder remembers
            source = self._key_file.parent / name
            if source.exists():
                shutil.copyfile(source, self.folder / (name + ".new"))
                os.replace(self.folder / (name + ".new"), self.folder / name)

        def take_over() -> None:  # called by the store under its lock: the snapshot covers all queued work
            with self._cv:
                self._waiting.clear()
                self._covered = self._submitted

        ops = self._snapshot(take_over)
        self._journal_id, self._seq = os.urandom(ID_BYTES), 0
        tmp = self.folder / (JOURNAL + ".new")
        fd = os.open(tmp, os.O_CREAT | os.O_TRUNC | os.O_WRONLY, 0o600)
        with open(fd, "wb") as fh:
            fh.write(MAGIC + self._journal_id + self._frame(key, ops))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.folder / JOURNAL)
        _fsync_folder(self.folder)
        with self._cv:
            self._needs_snapshot = False
            self._done = max(self._done, self._covered)
            self._written = 1

    def _append(self, key: bytes) -> None:
        with self._cv:
            batch, self._waiting = self._waiting, []
        if not batch:
            return
        data = b"".join(self._frame(key, ops) for ops in batch)
        try:
            # no O_CREAT: a journal that vanished (another stick) is started afresh with a snapshot
            fd = os.open(self.folder / JOURNAL, os.O_WRONLY | os.O_APPEND)
            with open(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            self._last_write = time.monotonic()
        except OSError:
            with self._cv:  # not written: keep them for the fresh journal's snapshot (it covers them)
                self._waiting = batch + self._waiting
            raise
        with self._cv:
            self._done += len(batch)
            self._written += len(batch)


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
