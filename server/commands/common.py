"""Helpers every `trialpro-server` command uses."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from server.app import ServerContext, open_context
from server.config import ServerConfig


def add_data_dir(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data-dir", required=True, help="folder with the SQLite database and server files")


def add_study(p: argparse.ArgumentParser) -> None:
    p.add_argument("--study", type=Path, default=None, metavar="FILE",
                   help="study file for a new data folder (default: NCT05605665); a folder remembers its study, "
                        "so later commands need no --study")


def context(args: argparse.Namespace) -> ServerContext:
    """Open the study and database named by --data-dir (or DATABASE_URL): the study the folder remembers,
    or ``--study`` (default NCT05605665) for a new folder."""
    return open_context(ServerConfig(data_dir=Path(args.data_dir), study_file=getattr(args, "study", None)))


def os_user() -> str:
    """Who ran the command, for the audit trail."""
    return os.environ.get("USER") or os.environ.get("LOGNAME") or "unknown"
