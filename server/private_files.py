"""Every file the server writes is readable by its own account only: files 0600, folders 0700.

The database holds password hashes and (with its WAL) every answer; keys, checkpoints and
exports are no less private. Two layers: the process umask is set to 077 when the
server or a CLI command opens its data (``restrict_process``), and what we create is
chmod-ed explicitly as well (``private_*``), so a folder or database made earlier with a
looser umask is tightened the next time the server opens it.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from sqlalchemy import Engine

FILE_MODE = 0o600
DIR_MODE = 0o700
UMASK = 0o077
SQLITE_COMPANIONS = ("", "-wal", "-shm", "-journal")


def restrict_process() -> None:
    """From now on this process creates files 0600 and folders 0700 unless told otherwise."""
    os.umask(UMASK)


def write_once(path: Path, content: bytes, mode: int = FILE_MODE) -> None:
    """Write ``path`` (fsynced, ``mode``) unless it exists; atomic when several processes start at once
    (gunicorn workers): each writes aside and links, the first link wins and the others keep its file."""
    path = Path(path)
    path.parent.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(content)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
    finally:
        tmp.unlink()


def private_dir(path: Path) -> Path:
    """Create ``path`` (and missing parents) and make it 0700."""
    path = Path(path)
    path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    path.chmod(DIR_MODE)
    return path


def private_file(path: Path) -> None:
    """Make an existing file 0600."""
    Path(path).chmod(FILE_MODE)


def private_tree(root: Path) -> None:
    """Make ``root`` and every folder under it 0700 and every file 0600 (an export folder, once written)."""
    root = Path(root)
    if not root.exists():
        return
    if root.is_file():
        private_file(root)
        return
    root.chmod(DIR_MODE)
    for folder, dirs, files in os.walk(root):
        for d in dirs:
            (Path(folder) / d).chmod(DIR_MODE)
        for f in files:
            private_file(Path(folder) / f)


def private_database(engine: Engine) -> None:
    """Make an SQLite database file and its WAL, shared-memory and journal files 0600 (PostgreSQL: nothing)."""
    if engine.dialect.name != "sqlite" or not engine.url.database or engine.url.database == ":memory:":
        return
    db = Path(engine.url.database)
    for suffix in SQLITE_COMPANIONS:
        companion = db.with_name(db.name + suffix)
        if companion.exists():
            private_file(companion)
