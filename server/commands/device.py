"""`trialpro-server device code|revoke|list`: kiosk enrolment codes and revocation."""

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
        elif args.device_command == "revoke":
            devices.revoke(conn, args.device_id, actor=f"cli:{os_user()}", reason=args.reason)
            print(f"Device {args.device_id} revoked: its syncs are now refused.")
        else:
            for d in devices.list_devices(conn):
                state = f"revoked {d['revoked_at']}" if d["revoked_at"] else "active"
                print(f"{d['device_id']}\t{d['site_id']}\t{state}\tlast seen {d['last_seen_at'] or 'never'}"
                      f"\t{d['label']}")
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser("device", help="kiosk devices: enrolment codes, revocation")
    dsub = p.add_subparsers(dest="device_command", required=True)
    c = dsub.add_parser("code", help="print a new one-time enrolment code (last line)")
    add_data_dir(c)
    c.add_argument("--site", help="site id (default: the study's first site)")
    r = dsub.add_parser("revoke", help="revoke a device")
    r.add_argument("device_id")
    add_data_dir(r)
    r.add_argument("--reason")
    ls = dsub.add_parser("list", help="list devices")
    add_data_dir(ls)
    p.set_defaults(func=cmd_device)
