"""A throwaway PostgreSQL cluster in a temp dir, started by the test fixtures (never by hand)."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

import psycopg


def _bindir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        raise RuntimeError("PostgreSQL is not installed: run scripts/run-tests.sh, which installs it")
    return Path(found[-1]).parent


MEMORY_DIR = Path("/dev/shm")
MEMORY_NEEDED = 4 << 30   # the whole suite's clusters hold ~1.5 GB (about 10 MB a database); twice that, spare


def memory_dir() -> Path | None:
    """/dev/shm when it is a RAM file system with room (free space and free memory) for a test session's
    cluster, else None (the temp dir).

    A test session makes a few hundred databases (each a ~10 MB copy of a template, mostly PostgreSQL's own
    catalogs). On disk they were written back by the kernel while the tests ran and deleted at the end: on a
    disk mounted with online discard, removing one worker's cluster took 50-90 s, and a CREATE DATABASE
    ~0.45 s instead of ~0.08 s in RAM (same machine, same run). fsync=off already said nothing needs to
    survive a crash; the same PostgreSQL runs the same SQL on it."""
    try:
        room = shutil.disk_usage(MEMORY_DIR).free
        with open("/proc/meminfo", encoding="ascii") as fh:
            available = next(int(line.split()[1]) << 10 for line in fh if line.startswith("MemAvailable:"))
    except (OSError, StopIteration, ValueError):
        return None
    return MEMORY_DIR if min(room, available) >= MEMORY_NEEDED and os.access(MEMORY_DIR, os.W_OK) else None


class PostgresCluster:
    """initdb + pg_ctl on a free port with a unix socket in the cluster dir; trust auth on 127.0.0.1.

    ``directory`` (benches only) keeps the cluster in that folder: ``start`` reuses a cluster already there and
    ``stop`` leaves it on disk, so a million generated records survive for the next run. ``in_memory`` (the test
    fixtures; benches measure the disk) puts a throwaway cluster in RAM when there is room, see ``memory_dir``."""

    def __init__(self, port: int, directory: Path | None = None, *, in_memory: bool = False) -> None:
        self.port = port
        self.kept = directory is not None
        if directory is not None:
            directory.mkdir(parents=True, exist_ok=True)
        parent = memory_dir() if in_memory and directory is None else None
        self.dir = directory if directory is not None else Path(tempfile.mkdtemp(prefix="trialpro-pg-", dir=parent))
        self.bindir = _bindir()
        self.as_postgres = os.geteuid() == 0

    def _run(self, *cmd: str) -> None:
        full = (["runuser", "-u", "postgres", "--"] if self.as_postgres else []) + list(cmd)
        subprocess.run(full, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def start(self) -> PostgresCluster:
        data = self.dir / "data"
        if self.as_postgres:
            pw = pwd.getpwnam("postgres")
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
        if not (data / "PG_VERSION").exists():
            self._run(str(self.bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8")
        self._run(str(self.bindir / "pg_ctl"), "-D", str(data), "-l", str(self.dir / "log"), "-w", "-o",
                  f"-k {self.dir} -p {self.port} -c listen_addresses=127.0.0.1 -c fsync=off "
                  "-c max_connections=200", "start")
        return self

    def url(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def new_database(self, template: str | None = None) -> str:
        """A new empty database, or a copy of database ``template`` (which must have no open connection)."""
        name = "t_" + uuid.uuid4().hex[:12]
        copy = f' TEMPLATE "{template}"' if template else ""
        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"{copy}')
        return self.url(name)

    def postmaster_pid(self) -> int:
        """The server's main process (its backends are its children): benches read their CPU time."""
        return int((self.dir / "data" / "postmaster.pid").read_text().split()[0])

    def stop(self) -> None:
        mode = "fast" if self.kept else "immediate"   # a kept cluster shuts down cleanly, no recovery next time
        try:
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.dir / "data"), "-m", mode, "stop")
        finally:
            if not self.kept:
                shutil.rmtree(self.dir, ignore_errors=True)
