"""`trialpro-server …`: parse arguments, call one service, print the result. All logic lives in services.

Command-line contract (relied on by tools outside the repo; extend, never break):
  trialpro-server demo --data-dir DIR --port PORT
  trialpro-server serve --data-dir DIR [--host H] [--port P]
  trialpro-server export csv --data-dir DIR --out OUTDIR [--site S] [--bom]
  trialpro-server device code --data-dir DIR [--site S]      (last line: the code)
  trialpro-server device revoke DEVICE_ID --data-dir DIR
  trialpro-server device list --data-dir DIR
With DATABASE_URL=postgresql://… every command uses PostgreSQL instead of the SQLite file in DIR.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
from pathlib import Path

from server.app import ServerContext, create_app, open_context
from server.config import ServerConfig
from shared.errors import TrialproError


def _context(args: argparse.Namespace) -> ServerContext:
    return open_context(ServerConfig(data_dir=Path(args.data_dir)))


def _serve(ctx: ServerContext, host: str, port: int) -> None:
    from werkzeug.serving import run_simple

    app = create_app(ctx.config, ctx)
    run_simple(host, port, app, threaded=True, use_reloader=False, use_debugger=False)


def cmd_demo(args: argparse.Namespace) -> int:
    from server.services.demo import DEMO_ADMIN, seed_demo

    ctx = _context(args)
    password_file = Path(args.data_dir) / "demo-admin-password.txt"
    with ctx.engine.begin() as conn:
        if not password_file.exists():
            password_file.write_text(secrets.token_urlsafe(12) + "\n")
            password_file.chmod(0o600)
        password = password_file.read_text().strip()
        summary = seed_demo(conn, ctx.study, admin_password=password)
    if summary["seeded"]:
        print(f"Demo study {ctx.study.study.id} created: {summary['participants']} synthetic participants, "
              f"{summary['records']} records.")
    else:
        print(f"Reusing the demo study in {args.data_dir}.")
    print(f"trialpro server: http://127.0.0.1:{args.port}/")
    print(f"Demo admin login: {DEMO_ADMIN} / {password}   (stored in {password_file})")
    sys.stdout.flush()
    _serve(ctx, "127.0.0.1", args.port)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    ctx = _context(args)
    print(f"trialpro server: http://{args.host}:{args.port}/", flush=True)
    _serve(ctx, args.host, args.port)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from server.exports.csv_export import export_csv

    ctx = _context(args)
    out = Path(args.out)
    with ctx.engine.connect() as conn:
        counts = export_csv(conn, ctx.study, out, site_id=args.site, bom=args.bom)
    for name, n in counts.items():
        print(f"{out / name}: {n} rows")
    return 0


def cmd_device(args: argparse.Namespace) -> int:
    from server.services import devices

    ctx = _context(args)
    with ctx.engine.begin() as conn:
        if args.device_command == "code":
            site = args.site or ctx.study.sites[0].id
            code = devices.create_enrolment_code(conn, site_id=site, actor=f"cli:{_os_user()}",
                                                 valid_site_ids={s.id for s in ctx.study.sites})
            hours = int(devices.CODE_VALIDITY.total_seconds() // 3600)
            print(f"One-time enrolment code for site {site} (valid {hours} h):")
            print(code)
        elif args.device_command == "revoke":
            devices.revoke(conn, args.device_id, actor=f"cli:{_os_user()}", reason=args.reason)
            print(f"Device {args.device_id} revoked: its syncs are now refused.")
        else:
            for d in devices.list_devices(conn):
                state = f"revoked {d['revoked_at']}" if d["revoked_at"] else "active"
                print(f"{d['device_id']}\t{d['site_id']}\t{state}\tlast seen {d['last_seen_at'] or 'never'}"
                      f"\t{d['label']}")
    return 0


def _os_user() -> str:
    return os.environ.get("USER") or os.environ.get("LOGNAME") or "unknown"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="trialpro-server", description="trialpro server and admin commands")
    sub = parser.add_subparsers(dest="command", required=True)

    def data_dir(p: argparse.ArgumentParser) -> None:
        p.add_argument("--data-dir", required=True, help="folder with the SQLite database and server files")

    p = sub.add_parser("demo", help="run on 127.0.0.1 with the demo study (created on first run)")
    data_dir(p)
    p.add_argument("--port", type=int, default=8000)
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("serve", help="run the server")
    data_dir(p)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("export", help="export the study data")
    p.add_argument("format", choices=["csv"])
    data_dir(p)
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--site", help="only this site")
    p.add_argument("--bom", action="store_true", help="UTF-8 with BOM (for Excel)")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("device", help="kiosk devices: enrolment codes, revocation")
    dsub = p.add_subparsers(dest="device_command", required=True)
    c = dsub.add_parser("code", help="print a new one-time enrolment code (last line)")
    data_dir(c)
    c.add_argument("--site", help="site id (default: the study's first site)")
    r = dsub.add_parser("revoke", help="revoke a device")
    r.add_argument("device_id")
    data_dir(r)
    r.add_argument("--reason")
    ls = dsub.add_parser("list", help="list devices")
    data_dir(ls)
    p.set_defaults(func=cmd_device)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except TrialproError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
