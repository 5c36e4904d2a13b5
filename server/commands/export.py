"""`trialpro-server export FORMAT --data-dir DIR --out PATH`: write an export (PATH is a folder)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from server.commands.common import add_data_dir, context


def cmd_export(args: argparse.Namespace) -> int:
    from server.exports.csv_export import export_csv

    ctx = context(args)
    out = Path(args.out)
    with ctx.engine.connect() as conn:
        counts = export_csv(conn, ctx.study, out, site_id=args.site, bom=args.bom)
    for name, n in counts.items():
        print(f"{out / name}: {n} rows")
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser("export", help="export the study data")
    p.add_argument("format", choices=["csv"])
    add_data_dir(p)
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--site", help="only this site")
    p.add_argument("--bom", action="store_true", help="UTF-8 with BOM (for Excel)")
    p.set_defaults(func=cmd_export)
