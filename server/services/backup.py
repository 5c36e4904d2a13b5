"""Backup and restore of a server data folder: one archive with everything `audit verify` and the server need.

The archive (``tar.gz``, created 0600) holds::

    manifest.json                 format, when, database kind, study id/version/file, SHA-256 of every member
    data/<path>                   every file of the data folder the server uses (secret_key, the checkpoint
                                  copy audit-checkpoints.jsonl, keys/audit-signing.pub, …), except the
                                  database files and the private signing key
    database/trialpro.sqlite3     SQLite: a snapshot by the online backup API (the server keeps running)
    database/trialpro.pgdump.sql  PostgreSQL (DATABASE_URL): pg_dump's snapshot
    study/<file>                  the study file the server ran with (the folder's own copy, study.toml, is
                                  among data/ too: a restored folder remembers its study)
    keys/audit-signing.key.sealed only with --include-signing-key: the private key, AES-256-GCM under
                                  scrypt(passphrase)

Order matters for `audit verify`: the folder's files (with the checkpoint copy) are read before the
database snapshot, so every checkpoint in the archive signs an entry the archived chain holds.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import tarfile
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any

from sqlalchemy import Engine

from server.services import signing_keys
from server.services.checkpoints import CHECKPOINT_FILE
from server.storage import backups as db_copy
from server.storage.engine import SQLITE_FILE
from shared import crypto
from shared.errors import BackupRefused
from shared.records import utc_now
from shared.study.folder import STUDY_COPY
from shared.study.model import Study

FORMAT = 1
MANIFEST = "manifest.json"
SIGNING_KEY = PurePosixPath(signing_keys.KEY_DIR, signing_keys.PRIVATE_FILE)
SEALED_KEY = "keys/audit-signing.key.sealed"
KEY_CONTEXT = b"trialpro backup: audit signing key"
DATABASE_MEMBER = {"sqlite": "database/trialpro.sqlite3", "postgresql": "database/trialpro.pgdump.sql"}
_SKIPPED_SUFFIXES = (".partial", ".tmp", ".new")


@dataclass(frozen=True)
class BackupSummary:
    """What an archive holds, for the one line the CLI prints."""

    path: Path
    database: str
    files: int
    study: str
    signing_key: str


@dataclass(frozen=True)
class RestoreSummary:
    data_dir: Path
    database: str
    files: int
    study: str
    signing_key: bool


def _data_files(data_dir: Path, engine: Engine) -> list[PurePosixPath]:
    """Relative paths of the regular files to archive (not the database, its companions or the private key)."""
    skip = {PurePosixPath(SQLITE_FILE + s) for s in ("", "-wal", "-shm", "-journal")}
    if db_copy.kind(engine) == "sqlite":
        db = db_copy.sqlite_path(engine)
        if db.parent.resolve() == data_dir.resolve():
            skip |= {PurePosixPath(db.name + s) for s in ("", "-wal", "-shm", "-journal")}
    private_key = signing_keys.private_path(data_dir).resolve()
    found = []
    for folder, dirs, files in os.walk(data_dir):
        dirs.sort()
        for name in sorted(files):
            path = Path(folder) / name
            rel = PurePosixPath(path.relative_to(data_dir).as_posix())
            if rel in skip or path.resolve() == private_key or name.endswith(_SKIPPED_SUFFIXES) \
                    or name.startswith(".") or not path.is_file() or path.is_symlink():
                continue
            found.append(rel)
    return found


class _Archive:
    """A tar.gz being written, remembering the SHA-256 of each member for the manifest."""

    def __init__(self, tar: tarfile.TarFile) -> None:
        self.tar, self.members = tar, {}

    def add_bytes(self, name: str, data: bytes) -> None:
        info = tarfile.TarInfo(name)
        info.size, info.mode, info.mtime = len(data), 0o600, int(time.time())
        self.tar.addfile(info, io.BytesIO(data))
        self.members[name] = hashlib.sha256(data).hexdigest()

    def add_file(self, name: str, path: Path) -> None:
        """Stream ``path`` in, hashing exactly the bytes archived (a file still growing is cut at its size)."""
        info = self.tar.gettarinfo(str(path), arcname=name)
        info.mode, info.uid, info.gid, info.uname, info.gname = 0o600, 0, 0, "", ""
        with open(path, "rb") as fh:
            reader = _Hashing(fh)
            self.tar.addfile(info, reader)  # type: ignore[arg-type]
        self.members[name] = reader.digest.hexdigest()


class _Hashing:
    """A file reader that hashes what is read from it."""

    def __init__(self, fh: IO[bytes]) -> None:
        self.fh, self.digest = fh, hashlib.sha256()

    def read(self, n: int = -1) -> bytes:
        data = self.fh.read(n)
        self.digest.update(data)
        return data


def backup(engine: Engine, study: Study, study_file: Path, data_dir: Path, out: Path, *,
           passphrase: Callable[[], str] | None = None) -> BackupSummary:
    """Write the archive ``out`` (0600, refused when it exists) while the server keeps running.

    ``passphrase`` (asked only when the private signing key file exists: ``signing_keys.private_path``) seals
    the key into the archive; without it the key is left out. Raises BackupRefused or DatabaseCopyFailed;
    then no ``out`` is left behind.
    """
    data_dir, out = Path(data_dir), Path(out)
    if out.exists():
        raise BackupRefused(f"{out} exists already: give a new file name (a backup never overwrites one).")
    if not data_dir.is_dir():
        raise BackupRefused(f"{data_dir} is not a server data folder (it does not exist).")
    kind = db_copy.kind(engine)
    partial = out.with_name(out.name + ".partial")
    fd = os.open(partial, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    try:
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar, \
                tempfile.TemporaryDirectory(prefix="trialpro-backup-") as work:
            archive = _Archive(tar)
            files = _data_files(data_dir, engine)
            for rel in files:  # before the database: every archived checkpoint signs an archived entry
                if rel.name == CHECKPOINT_FILE:
                    data = (data_dir / rel).read_bytes()
                    archive.add_bytes(f"data/{rel}", data[:data.rfind(b"\n") + 1])  # not a line being appended
                else:
                    archive.add_file(f"data/{rel}", data_dir / rel)
            archive.add_file(f"study/{Path(study_file).name}", Path(study_file))
            snapshot = Path(work) / "database"
            started = utc_now()
            if kind == "sqlite":
                db_copy.copy_sqlite(engine, snapshot)
            else:
                db_copy.dump_postgres(engine, snapshot)
            archive.add_file(DATABASE_MEMBER[kind], snapshot)
            key_file = signing_keys.private_path(data_dir)
            if key_file.exists() and passphrase is not None:
                archive.add_bytes(SEALED_KEY, crypto.passphrase_seal(passphrase(), key_file.read_bytes(),
                                                                     KEY_CONTEXT))
                key_state = "included, encrypted under the passphrase"
            elif key_file.exists():
                key_state = "left out (add --include-signing-key to keep it, encrypted)"
            else:
                key_state = f"not found at {key_file}"
            manifest = {"format": FORMAT, "created_at": started, "database": kind,
                        "study": {"id": study.study.id, "version": study.study.version,
                                  "file": Path(study_file).name, "sha256": archive.members[
                                      f"study/{Path(study_file).name}"]},
                        "members": archive.members}
            archive.add_bytes(MANIFEST, json.dumps(manifest, indent=2, sort_keys=True).encode("utf-8"))
            raw.flush()
        with open(partial, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(partial, out)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    out.chmod(0o600)
    return BackupSummary(out, kind, len(files), f"{study.study.id} {study.study.version}", key_state)


def _safe_name(name: str) -> PurePosixPath:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise BackupRefused(f"The archive holds an unsafe path {name!r}: it was not made by trialpro-server backup.")
    return path


def _extract(tar: tarfile.TarFile, name: str, digest: str, dest: Path) -> None:
    member = tar.getmember(name)
    if not member.isfile():
        raise BackupRefused(f"The archive member {name!r} is not a file: the archive is damaged.")
    src: IO[bytes] | None = tar.extractfile(member)
    assert src is not None
    dest.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    sha = hashlib.sha256()
    fd = os.open(dest, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    with os.fdopen(fd, "wb") as fh:
        for chunk in iter(lambda: src.read(1 << 20), b""):
            sha.update(chunk)
            fh.write(chunk)
    if sha.hexdigest() != digest:
        raise BackupRefused(f"The archive member {name!r} does not match its checksum: the archive is damaged.")


def _manifest(tar: tarfile.TarFile) -> dict[str, Any]:
    try:
        manifest = json.loads(tar.extractfile(MANIFEST).read())  # type: ignore[union-attr]
        if manifest["format"] != FORMAT:
            raise BackupRefused(f"This archive has format {manifest['format']}; this trialpro reads {FORMAT}.")
        return manifest
    except (KeyError, ValueError, TypeError, AttributeError):
        raise BackupRefused("This file is not a trialpro backup (no readable manifest.json).") from None


def _signing_key(tar: tarfile.TarFile, members: dict[str, str], passphrase: Callable[[], str]) -> bytes | None:
    """The private signing key sealed in the archive (None when it holds none); raises BackupRefused."""
    if SEALED_KEY not in members:
        return None
    sealed = tar.extractfile(SEALED_KEY).read()  # type: ignore[union-attr]
    if hashlib.sha256(sealed).hexdigest() != members[SEALED_KEY]:
        raise BackupRefused("The sealed signing key in the archive is damaged.")
    try:
        return crypto.passphrase_unseal(passphrase(), sealed, KEY_CONTEXT)
    except crypto.SealBroken:
        raise BackupRefused("That passphrase does not open the signing key in this backup; nothing was "
                            "restored. Try again with the passphrase given at backup time.") from None


def restore(archive: Path, data_dir: Path, *, target: Callable[[str], Engine | None],
            passphrase: Callable[[], str]) -> RestoreSummary:
    """Rebuild a data folder from ``archive`` in the new or empty ``data_dir`` (made 0700).

    ``target(kind)`` gives the engine of the (empty) PostgreSQL database to load a dump into, or None for
    SQLite in ``data_dir``; ``passphrase()`` is asked only when the archive holds the sealed signing key,
    which is written to ``data_dir/keys/audit-signing.key`` (0600).
    Raises BackupRefused (not empty, damaged archive, wrong passphrase, database kind mismatch) or
    DatabaseCopyFailed; then ``data_dir`` is left empty.
    """
    data_dir = Path(data_dir)
    if data_dir.exists() and (not data_dir.is_dir() or any(data_dir.iterdir())):
        raise BackupRefused(f"{data_dir} is not empty: restore into a new or empty folder (nothing was changed).")
    try:
        tar = tarfile.open(archive, mode="r:gz")
    except (OSError, tarfile.TarError):
        raise BackupRefused(f"{archive} is not a trialpro backup (not a readable tar.gz archive).") from None
    created = not data_dir.exists()
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    data_dir.chmod(0o700)
    try:
        with tar, tempfile.TemporaryDirectory(prefix="trialpro-restore-") as work:
            manifest = _manifest(tar)
            members: dict[str, str] = manifest["members"]
            kind = manifest["database"]
            engine = target(kind)
            if (engine is None) != (kind == "sqlite"):
                raise BackupRefused(
                    f"This backup holds a {kind} database; restore it with "
                    + ("DATABASE_URL pointing at a new, empty PostgreSQL database." if kind == "postgresql"
                       else "DATABASE_URL unset (the SQLite file goes into the data folder)."))
            key = _signing_key(tar, members, passphrase)  # before anything is loaded: a wrong passphrase stops all
            files = 0
            for name, digest in members.items():
                rel = _safe_name(name)
                if rel.parts[0] == "data":
                    _extract(tar, name, digest, data_dir.joinpath(*rel.parts[1:]))
                    files += 1
            if f"data/{STUDY_COPY}" not in members:  # an archive of a folder from before folders remembered it
                study_name = manifest["study"]["file"]
                _extract(tar, f"study/{study_name}", members[f"study/{study_name}"], data_dir / STUDY_COPY)
            db_member = DATABASE_MEMBER[kind]
            if engine is None:
                _extract(tar, db_member, members[db_member], data_dir / SQLITE_FILE)
            else:
                dump = Path(work) / "dump.sql"
                _extract(tar, db_member, members[db_member], dump)
                db_copy.load_postgres(engine, dump)
            if key is not None:
                (data_dir / "keys").mkdir(mode=0o700, exist_ok=True)
                fd = os.open(data_dir / SIGNING_KEY, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
                with os.fdopen(fd, "wb") as fh:
                    fh.write(key)
    except BaseException:
        if created:
            shutil.rmtree(data_dir, ignore_errors=True)
        else:
            for child in data_dir.iterdir():
                shutil.rmtree(child) if child.is_dir() else child.unlink()
        raise
    study = manifest["study"]
    return RestoreSummary(data_dir, kind, files, f"{study['id']} {study['version']}", key is not None)
