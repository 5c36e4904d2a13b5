"""`trialpro-server export FORMAT --data-dir DIR --out PATH [--site S] [--from D --to D]` (PATH a folder)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from server.commands.common import add_data_dir, context, os_user
from server.exports.registry import FORMATS


def cmd_export(args: argparse.Namespace) -> int:
    from server.exports.registry import run_export

    ctx = context(args)
    out = Path(args.out)
    summary = run_export(ctx.engine, ctx.study, args.format, out, site_id=args.site, date_from=args.date_from,
                         date_to=args.date_to, actor=f"cli:{os_user()}", bom=args.bom)
    for name, n in summary.files.items():
        print(f"{out / name}: {n} rows")
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser("export", help="export the study data (audited)")
    p.add_argument("format", choices=FORMATS)
    add_data_dir(p)
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--site", help="only this site")
    p.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD", help="records collected on or after")
    p.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD", help="records collected on or before")
    p.add_argument("--bom", action="store_true", help="csv: UTF-8 with BOM (for Excel)")
    p.set_defaults(func=cmd_export)
