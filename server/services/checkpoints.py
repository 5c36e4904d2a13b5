"""Signed checkpoints of the audit chain head, and the full verification that uses them.

A hash chain alone shows an edited, removed or reordered entry, but not a cut
tail when the cutter also rewrites the head row. So the server signs the head
(Ed25519, the key of ``allocation.signing_key``) on demand and once a day: on
the first request or CLI command of each UTC day (``ensure_daily``). Every
checkpoint is kept in ``audit_checkpoints`` and appended to
``audit-checkpoints.jsonl`` in the data folder, a copy outside the database.
``verify`` walks the chain, then checks every checkpoint: its signature holds
and the chain still has the signed entry with the signed hash.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, insert, select

from server.private_files import private_file
from server.services.allocation import signing_key
from server.services.audit import GENESIS, ChainReport, verify_chain
from server.storage.engine import reading
from server.storage.tables import audit_checkpoints, audit_head, audit_log
from shared.canonical import canonical_json
from shared.crypto import sign
from shared.crypto import verify as signature_holds
from shared.records import utc_now

CHECKPOINT_FILE = "audit-checkpoints.jsonl"


@dataclass(frozen=True)
class Checkpoint:
    head_seq: int
    head_hash: str
    signed_at: str
    signature: str
    public_key: str

    def message(self) -> bytes:
        return canonical_json({"head_seq": self.head_seq, "head_hash": self.head_hash,
                                "signed_at": self.signed_at})

    def as_dict(self) -> dict[str, Any]:
        return {"head_seq": self.head_seq, "head_hash": self.head_hash, "signed_at": self.signed_at,
                "signature": self.signature, "public_key": self.public_key}


@dataclass(frozen=True)
class AuditVerification:
    """The chain walk plus the checkpoint checks; ``ok`` only when both hold."""

    chain: ChainReport
    checkpoints_checked: int
    latest_checkpoint: Checkpoint | None
    first_bad_seq: int | None = None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.chain.ok and self.problem is None


def write_checkpoint(conn: Connection, data_dir: Path | None = None) -> Checkpoint:
    """Sign the current chain head, store it, and append it to the data folder's checkpoint file."""
    head = conn.execute(select(audit_head.c.seq, audit_head.c.entry_hash)
                        .where(audit_head.c.id == 1).with_for_update()).first()
    seq, digest = (int(head.seq), head.entry_hash) if head is not None else (0, GENESIS)
    private, public = signing_key(conn)
    unsigned = Checkpoint(seq, digest, utc_now(), "", base64.b64encode(public).decode("ascii"))
    cp = Checkpoint(seq, digest, unsigned.signed_at, sign(private, unsigned.message()), unsigned.public_key)
    conn.execute(insert(audit_checkpoints).values(**cp.as_dict()))
    if data_dir is not None:
        with open(Path(data_dir) / CHECKPOINT_FILE, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(cp.as_dict(), sort_keys=True) + "\n")
        private_file(Path(data_dir) / CHECKPOINT_FILE)
    return cp


def latest(conn: Connection) -> Checkpoint | None:
    row = conn.execute(select(audit_checkpoints).order_by(audit_checkpoints.c.id.desc()).limit(1)).first()
    return None if row is None else Checkpoint(int(row.head_seq), row.head_hash, row.signed_at, row.signature,
                                               row.public_key)


def ensure_daily(engine: Engine, data_dir: Path | None = None) -> Checkpoint | None:
    """Write today's checkpoint unless one exists (cheap read first). Returns the new one, if any.

    Skipped when the head row does not match the newest entry: signing a
    damaged chain would bless the damage; ``audit verify`` reports it instead.
    """
    today = utc_now()[:10]
    with reading(engine) as conn:
        last = latest(conn)
    if last is not None and last.signed_at[:10] == today:
        return None
    with engine.begin() as conn:
        # lock the head first, so concurrent workers on PostgreSQL queue here and only the first one signs
        head = conn.execute(select(audit_head.c.seq, audit_head.c.entry_hash)
                            .where(audit_head.c.id == 1).with_for_update()).first()
        last = latest(conn)
        if last is not None and last.signed_at[:10] == today:
            return None
        newest = conn.execute(select(audit_log.c.seq, audit_log.c.entry_hash)
                              .order_by(audit_log.c.seq.desc()).limit(1)).first()
        if (head is None) != (newest is None) or (head is not None and (head.seq, head.entry_hash)
                                                  != (newest.seq, newest.entry_hash)):
            return None
        return write_checkpoint(conn, data_dir)


def _stored(conn: Connection, data_dir: Path | None) -> list[Checkpoint]:
    found = {(int(r.head_seq), r.signed_at): Checkpoint(int(r.head_seq), r.head_hash, r.signed_at, r.signature,
                                                        r.public_key)
             for r in conn.execute(select(audit_checkpoints))}
    path = Path(data_dir) / CHECKPOINT_FILE if data_dir is not None else None
    if path is not None and path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                d = json.loads(line)
                found.setdefault((int(d["head_seq"]), d["signed_at"]), Checkpoint(**d))
    return sorted(found.values(), key=lambda c: (c.head_seq, c.signed_at))


def verify(conn: Connection, data_dir: Path | None = None,
           trusted_keys: Iterable[str] | None = None) -> AuditVerification:
    """Walk the chain and check every checkpoint against it; name the first entry that fails.

    ``trusted_keys`` (base64 public keys) default to this server's own signing key.
    """
    cps = _stored(conn, data_dir)
    trusted = set(trusted_keys) if trusted_keys is not None else {
        base64.b64encode(signing_key(conn)[1]).decode("ascii")}
    chain = verify_chain(conn, {c.head_seq for c in cps})
    seen = chain.hashes_at
    newest = cps[-1] if cps else None
    if not chain.ok:
        return AuditVerification(chain, 0, newest)
    for n, cp in enumerate(cps, 1):
        if cp.public_key not in trusted or not signature_holds(base64.b64decode(cp.public_key), cp.message(),
                                                                     cp.signature):
            return AuditVerification(chain, n, newest, cp.head_seq,
                                     f"the checkpoint of entry {cp.head_seq} signed at {cp.signed_at} does not "
                                     "carry a valid signature of this server")
        if cp.head_seq == 0:
            continue
        if cp.head_seq > chain.entries:
            return AuditVerification(chain, n, newest, chain.entries + 1,
                                     f"a checkpoint signed at {cp.signed_at} covers {cp.head_seq} entries but the "
                                     f"chain ends at entry {chain.entries}: entries {chain.entries + 1} to "
                                     f"{cp.head_seq} were removed")
        if seen.get(cp.head_seq) != cp.head_hash:
            return AuditVerification(chain, n, newest, cp.head_seq,
                                     f"entry {cp.head_seq} differs from the one signed at {cp.signed_at} "
                                     "(the chain was rewritten)")
    return AuditVerification(chain, len(cps), newest)


def summary(result: AuditVerification) -> str:
    """One line a person reads: holds, or the first bad entry and why."""
    if result.ok:
        cp = result.latest_checkpoint
        tail = (f"; newest checkpoint at entry {cp.head_seq} signed {cp.signed_at}" if cp
                else "; no checkpoint yet")
        return (f"audit chain holds: {result.chain.entries} entries, {result.checkpoints_checked} signed "
                f"checkpoint(s) match{tail}")
    seq = result.chain.first_bad_seq if not result.chain.ok else result.first_bad_seq
    problem = result.chain.problem if not result.chain.ok else result.problem
    return f"audit chain BROKEN at entry {seq}: {problem}"
