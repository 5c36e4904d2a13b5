"""`trialpro-server device code|app-code|revoke|list`: kiosk enrolment codes, participants' app activation codes
(issue 24) and revocation."""

from __future__ import annotations

import argparse
from typing import Any

from server.commands.common import add_data_dir, context, os_user
from server.storage.engine import writing


def cmd_device(args: argparse.Namespace) -> int:
    from server.services import devices

    ctx = context(args)
    with writing(ctx.engine) as conn:
        if args.device_command == "code":
            site = args.site or ctx.study.sites[0].id
            code = devices.create_enrolment_code(conn, site_id=site, actor=f"cli:{os_user()}",
                                                 valid_site_ids={s.id for s in ctx.study.sites})
            hours = int(devices.CODE_VALIDITY.total_seconds() // 3600)
            print(f"One-time enrolment code for site {site} (valid {hours} h):")
            print(code)
        elif args.device_command == "app-code":
            from server.services import home_app

            made = home_app.create_code(conn, ctx.study, participant_id=args.participant_id,
                                        actor=f"cli:{os_user()}")
            print(f"One-time home diary activation code for participant {made.participant_id} "
                  f"(valid {ctx.study.home.activation_hours} h, until {made.expires_at} UTC):")
            if args.server_url:
                print(f"On the phone open {made.link(args.server_url)}")
            else:
                print("On the phone open the server's /app/ and type the code:")
            print(made.code)
        elif args.device_command == "revoke":
            devices.revoke(conn, args.device_id, actor=f"cli:{os_user()}", reason=args.reason)
            print(f"Device {args.device_id} revoked: its syncs are now refused.")
        else:
            for d in devices.list_devices(conn):
                state = f"revoked {d['revoked_at']}" if d["revoked_at"] else "active"
                print(f"{d['device_id']}\t{d['site_id']}\t{state}\tlast seen {d['last_seen_at'] or 'never'}"
                      f"\t{d['label']}\t{d['kind']}\t{d['participant_id'] or ''}")
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser("device", help="devices: kiosk enrolment codes, participants' app codes, revocation")
    dsub = p.add_subparsers(dest="device_command", required=True)
    c = dsub.add_parser("code", help="print a new one-time enrolment code (last line)")
    add_data_dir(c)
    c.add_argument("--site", help="site id (default: the study's first site)")
    a = dsub.add_parser("app-code", help="print a one-time home diary activation code for a participant's "
                                         "phone (last line)")
    a.add_argument("participant_id")
    add_data_dir(a)
    a.add_argument("--server-url", help="the server's address as the phone reaches it, to print the app link")
    r = dsub.add_parser("revoke", help="revoke a device (a kiosk or a participant's phone)")
    r.add_argument("device_id")
    add_data_dir(r)
    r.add_argument("--reason")
    ls = dsub.add_parser("list", help="list devices")
    add_data_dir(ls)
    p.set_defaults(func=cmd_device)
