"""`trialpro-server user add|disable|reset|roles|name|list`: staff accounts (Argon2id passwords, roles, sites,
the printed name e-signatures show)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from server.commands.common import add_data_dir, context, os_user
from server.storage.engine import writing
from shared.actors import STAFF_ROLES


def _password(args: argparse.Namespace) -> str | None:
    """A password from stdin (--password-stdin), or None for a random one printed once."""
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    return None


def cmd_user(args: argparse.Namespace) -> int:
    from server.services import accounts, users

    ctx = context(args)
    actor = f"cli:{os_user()}"
    with writing(ctx.engine) as conn:
        if args.user_command == "add":
            password = _password(args) or accounts.new_password()
            users.add_user(conn, username=args.username, password=password, roles=args.role,
                           sites=args.site or [s.id for s in ctx.study.sites], actor=actor,
                           display_name=args.display_name, valid_site_ids={s.id for s in ctx.study.sites})
            print(f"User {args.username} created with roles {', '.join(args.role)}.")
            if not args.password_stdin:
                print(f"Password (shown once): {password}")
        elif args.user_command == "disable":
            accounts.disable_user(conn, args.username, actor=actor, reason=args.reason)
            print(f"User {args.username} disabled: no more sign-ins; open sessions end.")
        elif args.user_command == "reset":
            password = accounts.reset_password(conn, args.username, actor=actor, password=_password(args),
                                               reason=args.reason)
            print(f"User {args.username} unlocked and enabled with a new password.")
            if not args.password_stdin:
                print(f"Password (shown once): {password}")
        elif args.user_command == "roles":
            every_site = [s.id for s in ctx.study.sites]
            accounts.change_roles(conn, args.username, roles=args.role, sites=args.site or every_site, actor=actor,
                                  valid_site_ids=set(every_site), reason=args.reason)
            print(f"User {args.username} now has roles {', '.join(args.role)}; open sessions ended.")
        elif args.user_command == "name":
            accounts.set_display_name(conn, args.username, display_name=args.display_name, actor=actor,
                                      reason=args.reason)
            print(f"User {args.username} now signs as {args.display_name.strip()!r}.")
        else:
            for u in accounts.list_users(conn):
                state = "disabled" if u["disabled"] else (f"locked until {u['locked_until']}"
                                                          if u["locked_until"] else "active")
                print(f"{u['username']}\t{u['roles']}\t{u['sites']}\t{state}")
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser("user", help="staff accounts: add, disable, reset password, roles, list")
    usub = p.add_subparsers(dest="user_command", required=True)
    a = usub.add_parser("add", help="create an account (prints a random password unless --password-stdin)")
    a.add_argument("username")
    add_data_dir(a)
    a.add_argument("--role", action="append", required=True,
                   choices=STAFF_ROLES,
                   help="repeat for several roles")
    a.add_argument("--site", action="append", help="site id; repeat for several (default: every site)")
    a.add_argument("--display-name")
    a.add_argument("--password-stdin", action="store_true", help="read the password from the first stdin line")
    d = usub.add_parser("disable", help="disable an account")
    d.add_argument("username")
    add_data_dir(d)
    d.add_argument("--reason")
    r = usub.add_parser("reset", help="new password; also unlocks and re-enables")
    r.add_argument("username")
    add_data_dir(r)
    r.add_argument("--reason")
    r.add_argument("--password-stdin", action="store_true", help="read the password from the first stdin line")
    ro = usub.add_parser("roles", help="set an account's roles and sites (ends its open sessions)")
    ro.add_argument("username")
    add_data_dir(ro)
    ro.add_argument("--role", action="append", required=True,
                    choices=STAFF_ROLES,
                    help="repeat for several roles")
    ro.add_argument("--site", action="append", help="site id; repeat for several (default: every site)")
    ro.add_argument("--reason")
    nm = usub.add_parser("name", help="set the printed name shown with the account's e-signatures")
    nm.add_argument("username")
    add_data_dir(nm)
    nm.add_argument("--display-name", required=True)
    nm.add_argument("--reason")
    ls = usub.add_parser("list", help="list accounts")
    add_data_dir(ls)
    p.set_defaults(func=cmd_user)
