"""Server configuration, built once by the CLI or the tests and passed to create_app()."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from shared.errors import ConfigInvalid
from shared.sync.protocol import MAX_BODY_BYTES
from shared.values import ascii_digits


def env_count(name: str, default: int) -> int:
    """A whole number >= 0 from the environment variable ``name`` (``default`` when unset)."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if not ascii_digits(raw) or len(raw) > 3:
        raise ConfigInvalid(f"{name}: {raw!r} is not allowed; write a whole number from 0 to 999.")
    return int(raw)


@dataclass(frozen=True)
class ServerConfig:
    """Where the data lives and how the server behaves."""

    data_dir: Path
    database_url: str | None = None          # None: SQLite file in data_dir, or DATABASE_URL
    # None: the study the data folder remembers (shared/study/folder.py), else NCT05605665 for a new folder
    study_file: Path | None = None
    max_body_bytes: int = MAX_BODY_BYTES
    secret_key: str = field(default_factory=lambda: os.environ.get("TRIALPRO_SECRET_KEY", ""))
    testing: bool = False
    # Session cookies carry the Secure flag (HTTPS only) unless this is False: only the local demo on
    # 127.0.0.1 turns it off, and testing configs ignore it (tests speak plain HTTP on 127.0.0.1).
    secure_cookies: bool = True
    # How many reverse proxies in front of the server append to X-Forwarded-For (0: clients connect directly,
    # the header is ignored). The client address of sign-in limits is taken that many hops from the right.
    trusted_proxies: int = field(default_factory=lambda: env_count("TRIALPRO_TRUSTED_PROXIES", 0))
    session_idle_minutes: int = field(default_factory=lambda: env_count("TRIALPRO_SESSION_IDLE_MINUTES", 30))
    session_hours: int = field(default_factory=lambda: env_count("TRIALPRO_SESSION_HOURS", 8))
