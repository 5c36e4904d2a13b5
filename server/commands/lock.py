"""`trialpro-server lock|unlock participant ID --reason TEXT --data-dir DIR` and `lock|unlock study --reason TEXT
--data-dir DIR`: freeze a participant, lock the study (refused, listing what is open, until the checklist
holds), and undo either; audited, and in force from the running server's next request."""

from __future__ import annotations

import argparse
from typing import Any

from server.commands.common import add_data_dir, context, os_user
from server.storage.engine import writing
from shared.errors import LockRefused


def cmd_lock(args: argparse.Namespace) -> int:
    from server.services import locks

    ctx = context(args)
    actor = f"cli:{os_user()}"
    locking = args.command == "lock"
    try:
        with writing(ctx.engine) as conn:
            if args.target == "participant" and locking:
                locks.freeze_participant(conn, args.participant_id, reason=args.reason, actor=actor)
                print(f"Participant {args.participant_id} frozen: no change until it is unfrozen.")
            elif args.target == "participant":
                locks.unfreeze_participant(conn, args.participant_id, reason=args.reason, actor=actor)
                print(f"Participant {args.participant_id} unfrozen.")
            elif locking:
                locks.lock_study(conn, reason=args.reason, actor=actor)
                print("Study locked: nothing is stored until it is unlocked.")
            else:
                locks.unlock_study(conn, reason=args.reason, actor=actor)
                print("Study unlocked.")
    except LockRefused as exc:
        for item in exc.details.get("open", []):
            print(f"open: {item['kind']}\t{item['participant_id'] or '-'}\t{item['detail']}")
        raise
    return 0


def register(sub: Any) -> None:
    for name, verb in (("lock", "freeze a participant or lock the study"),
                       ("unlock", "unfreeze a participant or unlock the study")):
        p = sub.add_parser(name, help=f"{verb} (audited; a reason is required)")
        tsub = p.add_subparsers(dest="target", required=True)
        pp = tsub.add_parser("participant", help=f"{name} one participant")
        pp.add_argument("participant_id", metavar="ID")
        pp.add_argument("--reason", required=True)
        add_data_dir(pp)
        sp = tsub.add_parser("study", help=f"{name} the whole study"
                             + (" (refused, listing what is open, until the checklist holds)" if name == "lock"
                                else ""))
        sp.add_argument("--reason", required=True)
        add_data_dir(sp)
        p.set_defaults(func=cmd_lock)
