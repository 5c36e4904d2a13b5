"""`trialpro-server demo` and `serve`: run the server in the foreground."""

from __future__ import annotations

import argparse
import dataclasses
import secrets
import sys
from pathlib import Path
from typing import Any

from server.app import ServerContext, create_app
from server.commands.common import add_data_dir, context
from server.private_files import private_file
from server.storage.engine import writing


def serve(ctx: ServerContext, host: str, port: int) -> None:
    from werkzeug.serving import run_simple

    app = create_app(ctx.config, ctx)
    run_simple(host, port, app, threaded=True, use_reloader=False, use_debugger=False)


def cmd_demo(args: argparse.Namespace) -> int:
    from server.services.demo import DEMO_ADMIN, seed_demo

    ctx = context(args)
    # the demo speaks plain HTTP on 127.0.0.1: session cookies without the Secure flag (see ServerConfig)
    ctx = dataclasses.replace(ctx, config=dataclasses.replace(ctx.config, secure_cookies=False))
    password_file = Path(args.data_dir) / "demo-admin-password.txt"
    with writing(ctx.engine) as conn:
        if not password_file.exists():
            password_file.write_text(secrets.token_urlsafe(12) + "\n")
        private_file(password_file)
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
    serve(ctx, "127.0.0.1", args.port)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    ctx = context(args)
    print(f"trialpro server: http://{args.host}:{args.port}/", flush=True)
    serve(ctx, args.host, args.port)
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser("demo", help="run on 127.0.0.1 with the demo study (created on first run)")
    add_data_dir(p)
    p.add_argument("--port", type=int, default=8000)
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("serve", help="run the server")
    add_data_dir(p)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.set_defaults(func=cmd_serve)
