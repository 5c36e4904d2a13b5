"""`trialpro-server export FORMAT --data-dir DIR --out PATH [--site S] [--from D --to D]` (PATH a folder), and
`export casebook --data-dir DIR --out DIR [--participant ID] [--language zh|en]` (OUT/<participant id>.pdf);
`export report … [--language zh|en]` labels the report's pages in that language."""

from __future__ import annotations

import argparse
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from server.commands.common import add_data_dir, context, os_user
from server.exports.registry import FORMATS, Progress


@contextmanager
def progress_bar(enabled: bool) -> Iterator[Progress | None]:
    """A tqdm bar of rows read on standard error when it is a terminal; None (quiet) otherwise."""
    if not enabled:
        yield None
        return
    from tqdm import tqdm

    # a terminal that reports no size (a fresh pty, some consoles) would get an invisible bar: say it
    size = shutil.get_terminal_size((80, 24))
    with tqdm(total=0, unit=" rows", file=sys.stderr, leave=False, ncols=min(size.columns or 80, 100),
              nrows=size.lines or 24) as bar:
        def update(done: int, total: int) -> None:
            bar.total = total
            bar.n = done
            bar.refresh()

        yield update


CASEBOOK = "casebook"   # one PDF per participant (issue 19): its own options, not a registry format


def cmd_export(args: argparse.Namespace) -> int:
    from server.exports.registry import run_export

    ctx = context(args)
    out = Path(args.out)
    if args.format == CASEBOOK:
        from server.services.casebook import export_casebooks

        written = export_casebooks(ctx.engine, ctx.study, out, participant_id=args.participant,
                                   language=args.language, actor=f"cli:{os_user()}")
        for name, size in written.items():
            print(f"{out / name}: {size} bytes")
        return 0
    with progress_bar(sys.stderr.isatty()) as progress:
        summary = run_export(ctx.engine, ctx.study, args.format, out, site_id=args.site, date_from=args.date_from,
                             date_to=args.date_to, actor=f"cli:{os_user()}", bom=args.bom, progress=progress,
                             language=args.language)
    for name, n in summary.files.items():
        print(f"{out / name}: {n} rows")
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser("export", help="export the study data (audited)")
    p.add_argument("format", choices=(*FORMATS, CASEBOOK))
    add_data_dir(p)
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--site", help="only this site")
    p.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD", help="records collected on or after")
    p.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD", help="records collected on or before")
    p.add_argument("--bom", action="store_true", help="csv: UTF-8 with BOM (for Excel)")
    p.add_argument("--participant", metavar="ID", help="casebook: only this participant (default: every one)")
    p.add_argument("--language", choices=("zh", "en"), default="en", metavar="zh|en",
                   help="casebook and report: language of the labels (zh or en)")
    p.set_defaults(func=cmd_export)
