"""`trialpro-server backup --data-dir DIR --out FILE [--include-signing-key]` and
`trialpro-server restore FILE --data-dir NEWDIR` (contract; see docs/operations.md)."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path
from typing import Any

from server.commands.common import add_data_dir, context
from shared.errors import BackupRefused

PASSPHRASE_ENV = "TRIALPRO_BACKUP_PASSPHRASE"  # noqa: S105 - the name of an environment variable


def _passphrase(*, twice: bool) -> str:
    """The backup passphrase: from TRIALPRO_BACKUP_PASSPHRASE, else typed (twice when making a backup)."""
    value = os.environ.get(PASSPHRASE_ENV)
    if value:
        return value
    if not sys.stdin.isatty():
        raise BackupRefused(f"The signing key is sealed under a passphrase: set {PASSPHRASE_ENV} or run the "
                            "command in a terminal to type it.")
    value = getpass.getpass("Backup passphrase (for the signing key): ")
    if twice and value != getpass.getpass("Backup passphrase again: "):
        raise BackupRefused("The two passphrases differ; no backup was written.")
    if len(value) < 12:
        raise BackupRefused("Use a backup passphrase of at least 12 characters; no backup was written.")
    return value


def cmd_backup(args: argparse.Namespace) -> int:
    from server.services import backup

    ctx = context(args)
    summary = backup.backup(ctx.engine, ctx.study, ctx.study_file, Path(args.data_dir), Path(args.out),
                            passphrase=(lambda: _passphrase(twice=True)) if args.include_signing_key else None)
    print(f"Backup written to {summary.path} (0600): {summary.database} database snapshot, {summary.files} files "
          f"of the data folder, study {summary.study}; signing key: {summary.signing_key}.")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from server.services import backup, checkpoints
    from server.storage.engine import database_url, make_engine, migrate, reading

    def target(kind: str) -> Any:
        url = os.environ.get("DATABASE_URL")
        return make_engine(database_url(None)) if url else None

    done = backup.restore(Path(args.file), Path(args.data_dir), target=target,
                          passphrase=lambda: _passphrase(twice=False))
    print(f"Restored {args.file} into {done.data_dir} (0700): {done.database} database, {done.files} files, "
          f"study {done.study}" + ("; signing key restored" if done.signing_key else "") + ".")
    if not done.signing_key:
        print(f"note: this backup holds no private signing key: copy the server's keys/audit-signing.key (0600) "
              f"into {done.data_dir / 'keys'} (or set TRIALPRO_SIGNING_KEY_FILE) before serving.", file=sys.stderr)
    # verify needs only the public key: a plain engine, so a restore without the private key is checked too
    engine = make_engine(database_url(done.data_dir))
    try:
        migrate(engine)  # a backup of an older trialpro gets this version's schema
        with reading(engine) as conn:
            result = checkpoints.verify(conn, done.data_dir)
    finally:
        engine.dispose()
    print(checkpoints.summary(result))
    return 0 if result.ok else 1


def register(sub: Any) -> None:
    p = sub.add_parser("backup", help="archive the data folder and database while the server runs")
    add_data_dir(p)
    p.add_argument("--out", required=True, help="archive file to write (0600; never overwritten)")
    p.add_argument("--include-signing-key", action="store_true",
                   help=f"also keep the private signing key, encrypted under a passphrase (${PASSPHRASE_ENV} "
                        "or typed)")
    p.set_defaults(func=cmd_backup)
    r = sub.add_parser("restore", help="rebuild a data folder (new or empty, made 0700) from a backup archive")
    r.add_argument("file", help="archive written by `trialpro-server backup`")
    add_data_dir(r)
    r.set_defaults(func=cmd_restore)
