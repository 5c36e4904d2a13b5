"""Signed checkpoints of the audit chain head ("anchoring"), and the verification that uses every copy of them.

A hash chain alone shows an edited, removed or reordered entry, but not a cut
tail, nor a chain rewritten from some entry on by someone holding the database.
So the job runner (``trialpro-server worker``) signs the head (Ed25519, the key
file outside the database, see signing_keys.py) within seconds of every write
transaction that extended the chain (``anchor``). Each checkpoint is kept in
``audit_checkpoints`` (append-only) and appended to ``audit-checkpoints.jsonl``
in the data folder; kiosks keep the newest one they were given (witnesses).
``verify`` walks the chain, then checks every copy: each checkpoint carries a
valid signature of the trusted public key (``keys/audit-signing.pub``), the
chain still has the signed entry with the signed hash, and the database and
the file hold the same checkpoints.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine

from server.private_files import private_file
from server.services import signing_keys
from server.services.audit import GENESIS, ChainReport, entry_hash, verify_chain
from server.storage import checkpoints as store
from server.storage.engine import writing
from shared import signed_head
from shared.crypto import sign
from shared.errors import WitnessInvalid
from shared.records import utc_now

CHECKPOINT_FILE = "audit-checkpoints.jsonl"
DATABASE = "the database"


@dataclass(frozen=True)
class Checkpoint:
    head_seq: int
    head_hash: str
    signed_at: str
    signature: str
    public_key: str

    def message(self) -> bytes:
        return signed_head.message(self.head_seq, self.head_hash, self.signed_at)

    def as_dict(self) -> dict[str, Any]:
        return {"head_seq": self.head_seq, "head_hash": self.head_hash, "signed_at": self.signed_at,
                "signature": self.signature, "public_key": self.public_key}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Checkpoint:
        """Raises KeyError/TypeError/ValueError on a malformed dict (callers name the source)."""
        cp = cls(int(d["head_seq"]), str(d["head_hash"]), str(d["signed_at"]), str(d["signature"]),
                 str(d["public_key"]))
        if cp.head_seq < 0:
            raise ValueError("head_seq must be >= 0")
        return cp

    def holds_for(self, public_b64: str) -> bool:
        """Signed by the key ``public_b64`` (base64 raw Ed25519)."""
        return signed_head.holds(self.as_dict(), public_b64)


@dataclass(frozen=True)
class AuditVerification:
    """The chain walk plus the checks of every checkpoint copy; ``ok`` only when all hold."""

    chain: ChainReport
    checkpoints_checked: int
    latest_checkpoint: Checkpoint | None
    first_bad_seq: int | None = None
    problem: str | None = None
    witnesses_checked: int = 0

    @property
    def ok(self) -> bool:
        return self.chain.ok and self.problem is None


def _signed_head(conn: Connection, seq: int, digest: str) -> Checkpoint:
    key = signing_keys.key_for(conn)
    unsigned = Checkpoint(seq, digest, utc_now(), "", key.public_b64)
    return Checkpoint(seq, digest, unsigned.signed_at, sign(key.private, unsigned.message()), key.public_b64)


def _append_to_file(data_dir: Path, cp: Checkpoint) -> tuple[Path, int]:
    """Append ``cp`` to the file copy (fsynced); returns the path and its size before, to undo on rollback."""
    path = Path(data_dir) / CHECKPOINT_FILE
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as fh:
        before = fh.tell()
        fh.write(json.dumps(cp.as_dict(), sort_keys=True) + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    private_file(path)
    return path, before


def write_checkpoint(conn: Connection, data_dir: Path | None = None) -> Checkpoint:
    """Sign the current chain head now, store it, and append it to the data folder's checkpoint file."""
    head = store.head(conn, lock=True) or (0, GENESIS)
    cp = _signed_head(conn, *head)
    store.add(conn, cp.as_dict())
    if data_dir is not None:
        _append_to_file(data_dir, cp)
    return cp


def latest(conn: Connection) -> Checkpoint | None:
    row = store.newest(conn)
    return None if row is None else Checkpoint.from_dict(row)


def anchor(engine: Engine, data_dir: Path) -> Checkpoint | None:
    """Sign the head if the chain grew since the newest checkpoint (the job runner calls this every few seconds).

    Returns the new checkpoint, or None when there is nothing new. Skipped when the head row does not
    match the newest entry: signing a damaged chain would bless the damage; ``audit verify`` reports it.
    If the commit fails after the file copy was written, the file is cut back so both copies agree.
    """
    appended: tuple[Path, int] | None = None
    try:
        with writing(engine) as conn:
            head = store.head(conn, lock=True)   # concurrent anchors (PostgreSQL, several hosts) queue here
            last = latest(conn)
            if head is None or (last is not None and (last.head_seq, last.head_hash) == head) \
                    or store.newest_entry(conn) != head or not _extends(conn, last):
                return None
            cp = _signed_head(conn, *head)
            store.add(conn, cp.as_dict())
            appended = _append_to_file(data_dir, cp)
    except BaseException:
        if appended is not None:  # the commit failed after the file copy was written: cut it back
            os.truncate(*appended)
        raise
    return cp


def _extends(conn: Connection, last: Checkpoint | None) -> bool:
    """The entries after the newest checkpoint still link to its signed entry and to each other (else the
    signed part was rewritten: never sign on top of it, ``audit verify`` names it)."""
    if last is None or last.head_seq == 0:
        return True
    prev: str | None = None
    for row in store.entries_from(conn, last.head_seq):
        if prev is None:
            if row["seq"] != last.head_seq or row["entry_hash"] != last.head_hash:
                return False
        elif row["prev_hash"] != prev or entry_hash(row) != row["entry_hash"]:
            return False
        prev = row["entry_hash"]
    return prev is not None


def _file_copy(data_dir: Path) -> list[Checkpoint] | None:
    path = Path(data_dir) / CHECKPOINT_FILE
    if not path.exists():
        return None
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                out.append(Checkpoint.from_dict(json.loads(line)))
            except (ValueError, KeyError, TypeError) as exc:
                raise WitnessInvalid(f"{path} line {n} is not a checkpoint ({exc}): the file copy was damaged.",
                                     details={"path": str(path), "line": n}) from exc
    return out


def read_witness(path: Path) -> Checkpoint:
    """The signed head in a witness file written by `trialpro-client witness`; raises WitnessInvalid."""
    try:
        return Checkpoint.from_dict(signed_head.head_of_witness(json.loads(Path(path).read_text(encoding="utf-8"))))
    except (OSError, ValueError) as exc:
        raise WitnessInvalid(f"The witness file {path} cannot be read ({exc}); write it again with "
                             "`trialpro-client witness --data-dir DIR --out FILE`.",
                             details={"path": str(path)}) from exc


def trusted_public_key(conn: Connection, data_dir: Path | None) -> str:
    """The public key checkpoints must carry: keys/audit-signing.pub (never one read from the database)."""
    raw = signing_keys.read_public(data_dir) if data_dir is not None else None
    return base64.b64encode(raw if raw is not None else signing_keys.key_for(conn).public).decode("ascii")


def _broken(chain: ChainReport, checked: int, newest: Checkpoint | None, seq: int, problem: str,
            witnesses: int = 0) -> AuditVerification:
    return AuditVerification(chain, checked, newest, seq, problem, witnesses)


def _check_against_chain(cp: Checkpoint, where: str, chain: ChainReport) -> tuple[int, str] | None:
    if cp.head_seq == 0:
        return None
    if cp.head_seq > chain.entries:
        return (chain.entries + 1,
                f"{where} has a checkpoint signed at {cp.signed_at} covering {cp.head_seq} entries but the chain "
                f"ends at entry {chain.entries}: entries {chain.entries + 1} to {cp.head_seq} were removed")
    if chain.hashes_at.get(cp.head_seq) != cp.head_hash:
        return (cp.head_seq, f"entry {cp.head_seq} differs from the one signed at {cp.signed_at} in {where} "
                             "(the chain was rewritten)")
    return None


def _disagreement(db: Sequence[Checkpoint], file: Sequence[Checkpoint] | None,
                  witnesses: Sequence[tuple[str, Checkpoint]]) -> tuple[int, str] | None:
    """The first checkpoint one copy holds and another lacks (every copy was checked against the chain)."""
    in_db = set(db)
    if file is None:
        if db:
            return db[0].head_seq, (f"the database holds {len(db)} checkpoint(s) but the file copy "
                                    f"{CHECKPOINT_FILE} is missing")
        file = []
    in_file = set(file)
    for cp in db:
        if cp not in in_file:
            return cp.head_seq, (f"the checkpoint of entry {cp.head_seq} signed at {cp.signed_at} is in the "
                                 f"database but not in {CHECKPOINT_FILE}")
    for cp in file:
        if cp not in in_db:
            return cp.head_seq, (f"the checkpoint of entry {cp.head_seq} signed at {cp.signed_at} is in "
                                 f"{CHECKPOINT_FILE} but not in the database (a row was removed)")
    for where, cp in witnesses:
        if cp not in in_db:
            return cp.head_seq, (f"the checkpoint of entry {cp.head_seq} signed at {cp.signed_at} held by "
                                 f"{where} is not in the database nor in {CHECKPOINT_FILE}")
    return None


def _signed_after_snapshot(conn: Connection, db: Sequence[Checkpoint], file: Sequence[Checkpoint]) -> set[Checkpoint]:
    """The file copy's checkpoints that ``conn``'s snapshot lacks but the database holds now: signed after the
    check began (``anchor`` appends the file copy just before its commit), not removed rows; they are checked
    next time. Takes the head lock ``anchor`` holds, so an anchor in flight has committed first. A checkpoint
    the database lacks even then stays in the file list, and ``_disagreement`` names it."""
    in_db = set(db)
    unseen = [cp for cp in file if cp not in in_db]
    if not unseen:
        return set()
    with writing(conn.engine) as fresh:
        store.head(fresh, lock=True)
        now = {Checkpoint.from_dict(r) for r in store.every(fresh)}
    return {cp for cp in unseen if cp in now}


def verify(conn: Connection, data_dir: Path | None = None, trusted_keys: Iterable[str] | None = None,
           witnesses: Sequence[Path] = ()) -> AuditVerification:
    """Walk the chain and check it against every copy of the checkpoints and every witness file.

    Fails, naming the entry, when a checkpoint is not signed by the trusted key, when the chain lacks or
    differs at a signed entry, or when the database, the file copy and the witnesses disagree.
    ``trusted_keys`` (base64 public keys) default to ``keys/audit-signing.pub``. Raises WitnessInvalid
    for an unreadable witness file.
    """
    held = [(f"the witness {p}", read_witness(p)) for p in witnesses]
    db = [Checkpoint.from_dict(r) for r in store.every(conn)]
    file = _file_copy(data_dir) if data_dir is not None else None
    if file is not None:
        late = _signed_after_snapshot(conn, db, file)
        file = [cp for cp in file if cp not in late]
    trusted = set(trusted_keys) if trusted_keys is not None else {trusted_public_key(conn, data_dir)}
    copies = [(DATABASE, cp) for cp in db] + [(f"the file {CHECKPOINT_FILE}", cp) for cp in file or []] + held
    every = sorted({cp for _, cp in copies}, key=lambda c: (c.head_seq, c.signed_at))
    newest = every[-1] if every else None
    chain = verify_chain(conn, {cp.head_seq for _, cp in copies})
    if not chain.ok:
        return AuditVerification(chain, 0, newest)
    for n, (where, cp) in enumerate(copies, 1):
        if not any(cp.holds_for(k) for k in trusted):
            return _broken(chain, n, newest, cp.head_seq,
                           f"the checkpoint of entry {cp.head_seq} signed at {cp.signed_at} in {where} does not "
                           "carry a valid signature of this server")
        wrong = _check_against_chain(cp, where, chain)
        if wrong is not None:
            return _broken(chain, n, newest, *wrong)
    if data_dir is not None:
        wrong = _disagreement(db, file, held)
        if wrong is not None:
            return _broken(chain, len(copies), newest, *wrong)
    return AuditVerification(chain, len(every), newest, witnesses_checked=len(held))


def summary(result: AuditVerification) -> str:
    """One line a person reads: holds, or the first bad entry and why."""
    if result.ok:
        cp = result.latest_checkpoint
        tail = (f"; newest checkpoint at entry {cp.head_seq} signed {cp.signed_at}" if cp
                else "; no checkpoint yet")
        wit = f", {result.witnesses_checked} witness(es) agree" if result.witnesses_checked else ""
        return (f"audit chain holds: {result.chain.entries} entries, {result.checkpoints_checked} signed "
                f"checkpoint(s) match{wit}{tail}")
    seq = result.chain.first_bad_seq if not result.chain.ok else result.first_bad_seq
    problem = result.chain.problem if not result.chain.ok else result.problem
    return f"audit chain BROKEN at entry {seq}: {problem}"


def for_witness(conn: Connection) -> dict[str, Any] | None:
    """The newest signed head, as the sync answer hands it to kiosks (they keep it as a witness)."""
    return store.newest(conn)
