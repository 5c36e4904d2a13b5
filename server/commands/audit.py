"""`trialpro-server audit verify|checkpoint`: check the hash chain against every copy of its signed checkpoints."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from server.commands.common import add_data_dir, context
from server.storage.engine import reading, writing


def cmd_audit(args: argparse.Namespace) -> int:
    from server.services import checkpoints

    ctx = context(args)
    data_dir = Path(args.data_dir)
    if args.audit_command == "checkpoint":
        with writing(ctx.engine) as conn:
            cp = checkpoints.write_checkpoint(conn, data_dir)
        print(f"Signed checkpoint of entry {cp.head_seq} ({cp.head_hash}) at {cp.signed_at}.")
        return 0
    with reading(ctx.engine) as conn:
        result = checkpoints.verify(conn, data_dir, witnesses=[Path(w) for w in args.witness])
    print(checkpoints.summary(result))
    return 0 if result.ok else 1


def register(sub: Any) -> None:
    p = sub.add_parser("audit", help="audit trail: verify the chain, write a signed checkpoint")
    asub = p.add_subparsers(dest="audit_command", required=True)
    v = asub.add_parser("verify", help="exit 0 when the chain holds, 1 naming the first bad entry")
    add_data_dir(v)
    v.add_argument("--witness", action="append", default=[], metavar="FILE",
                   help="a kiosk's signed head (from `trialpro-client witness`); repeat for several kiosks")
    c = asub.add_parser("checkpoint", help="sign the current chain head now")
    add_data_dir(c)
    p.set_defaults(func=cmd_audit)
