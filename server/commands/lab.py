"""`trialpro-server lab import FILE --data-dir DIR`: import a lab CSV of any panel test (all rows or none)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from server.commands.common import add_data_dir, context, os_user
from server.storage.engine import writing


def cmd_lab_import(args: argparse.Namespace) -> int:
    from server.services.lab_import import import_lab_file

    ctx = context(args)
    with writing(ctx.engine) as conn:
        summary = import_lab_file(conn, ctx.study, Path(args.file), actor=f"cli:{os_user()}")
    print(f"{summary.source_file}: {summary.imported} results imported, {summary.corrected} corrected")
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser("lab", help="laboratory results")
    lab_sub = p.add_subparsers(dest="lab_command", required=True)
    imp = lab_sub.add_parser("import", help="import a lab CSV (participant, visit, date, test_code, value, unit"
                                            "[, reason]; without test_code: the primary test)")
    imp.add_argument("file", help="the lab's CSV file")
    add_data_dir(imp)
    imp.set_defaults(func=cmd_lab_import)
