"""`trialpro-server …`: parse arguments, call one service, print the result. All logic lives in services.

Command-line contract (relied on by tools outside the repo; extend, never break):
  trialpro-server demo --data-dir DIR --port PORT [--study FILE]
  trialpro-server serve --data-dir DIR [--host H] [--port P] [--workers N] [--no-worker] [--study FILE]
  (a data folder remembers its study and version: every later command works on it without --study)
  trialpro-server worker --data-dir DIR [--anchor-seconds S]   (the one job runner; demo/serve start it)
  trialpro-server export {csv,xlsx,odm,sdtm,fhir,report,adam} --data-dir DIR --out PATH [--site S] [--from D --to D]
  trialpro-server lab import FILE --data-dir DIR
  trialpro-server meddra import DIR --data-dir DIR   (a licensed MedDRA release's ASCII files; replaces the last)
  trialpro-server device code --data-dir DIR [--site S]      (last line: the code)
  trialpro-server device revoke DEVICE_ID --data-dir DIR
  trialpro-server device list --data-dir DIR
  trialpro-server user add|disable|reset|roles|list [USERNAME] --data-dir DIR [--role R]... [--site S]...
  trialpro-server audit verify --data-dir DIR [--witness FILE]...   (exit 0: chain holds; 1: names the
                                                   first bad entry or the disagreeing copy or witness)
  trialpro-server audit checkpoint --data-dir DIR
  trialpro-server backup --data-dir DIR --out FILE [--include-signing-key]
  trialpro-server lock participant ID --reason TEXT --data-dir DIR      (freeze: no change until unfrozen)
  trialpro-server unlock participant ID --reason TEXT --data-dir DIR
  trialpro-server lock study --reason TEXT --data-dir DIR    (exit 2 listing what is open until the checklist holds)
  trialpro-server unlock study --reason TEXT --data-dir DIR
  trialpro-server export casebook --data-dir DIR --out DIR [--participant ID] [--language zh|en]
                                                   (OUT/<participant id>.pdf for every participant)
  trialpro-server export report --data-dir DIR --out DIR [--site S] [--from D --to D] [--language zh|en]
                                                   (report.pdf/.html, page-N.png, tables/*.csv, data_cut.txt)
  trialpro-server user name USERNAME --display-name TEXT --data-dir DIR   (the printed name of signatures)
  trialpro-server restore FILE --data-dir NEWDIR   (NEWDIR new or empty; exit 1 when `audit verify` fails there)
With DATABASE_URL=postgresql://… every command uses PostgreSQL instead of the SQLite file in DIR.
Each command group is one module in server/commands/ with a register(subparsers) function.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from shared.errors import command_line_message

COMMAND_MODULES = ("run", "worker", "export", "device", "lab", "user", "audit", "backup", "lock", "meddra")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="trialpro-server", description="trialpro server and admin commands")
    sub = parser.add_subparsers(dest="command", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(f"server.commands.{name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except (ArgumentError, SQLAlchemyError) as exc:  # a bad DATABASE_URL or a database that cannot be reached
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        print(f"error: the database cannot be used ({first}); check DATABASE_URL or --data-dir", file=sys.stderr)
        return 2
    except Exception as exc:
        message = command_line_message(exc)
        if message is None:
            raise  # a bug: the traceback is what the developer needs
        print(f"error: {message}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
