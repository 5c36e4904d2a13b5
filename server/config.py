"""Server configuration, built once by the CLI or the tests and passed to create_app()."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from shared.study.loader import DEFAULT_STUDY_FILE
from shared.sync.protocol import MAX_BODY_BYTES


@dataclass(frozen=True)
class ServerConfig:
    """Where the data lives and how the server behaves."""

    data_dir: Path
    database_url: str | None = None          # None: SQLite file in data_dir, or DATABASE_URL
    study_file: Path = DEFAULT_STUDY_FILE
    max_body_bytes: int = MAX_BODY_BYTES
    secret_key: str = field(default_factory=lambda: os.environ.get("TRIALPRO_SECRET_KEY", ""))
    testing: bool = False
    # Session cookies carry the Secure flag (HTTPS only) unless this is False: only the local demo on
    # 127.0.0.1 turns it off, and testing configs ignore it (tests speak plain HTTP on 127.0.0.1).
    secure_cookies: bool = True
