"""`trialpro-server meddra import DIR --data-dir DIR`: import a licensed MedDRA release (its ASCII files)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from server.commands.common import add_data_dir, context, os_user
from server.storage.engine import writing


def cmd_meddra_import(args: argparse.Namespace) -> int:
    from server.services.meddra import import_release

    ctx = context(args)
    with writing(ctx.engine) as conn:
        summary = import_release(conn, Path(args.folder), actor=f"cli:{os_user()}")
    print(f"MedDRA {summary.version} ({summary.language}): {summary.llts} lowest level terms, "
          f"{summary.pts} preferred terms imported")
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser("meddra", help="the MedDRA dictionary (bring your own licensed release)")
    meddra_sub = p.add_subparsers(dest="meddra_command", required=True)
    imp = meddra_sub.add_parser("import", help="import a MedDRA release from its ASCII files (llt.asc, pt.asc, "
                                               "hlt.asc, hlgt.asc, soc.asc, mdhier.asc, ...), replacing the "
                                               "previous one")
    imp.add_argument("folder", help="the release's MedAscii folder")
    add_data_dir(imp)
    imp.set_defaults(func=cmd_meddra_import)
