"""A long SIGKILL campaign against the kiosk store (the suite runs 200 kills; this runs as many as you like).

A child process saves through the real client services in a loop and is killed at random moments; after every
kill the station must hold every save that had returned, pass integrity checks, and keep records, audit and
outbox one to one. Figures: kills, how many landed inside a save, confirmed saves, time per kill.

    .venv/bin/python bench/store_crash.py [--kills 1000] [--seed N] [--max-delay 0.08] [--dir DIR]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from desktop_client.store.keys import KdfParams
from tests.store_child import crash_campaign, set_up_station

PASSPHRASE = "bench crash passphrase"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--kills", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=int(time.time()))
    ap.add_argument("--max-delay", type=float, default=0.08, help="kill within this many seconds of start")
    ap.add_argument("--dir", type=Path, default=None, help="folder on the disk to test (default: a temp dir)")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        data = Path(tmp) / "kiosk"
        set_up_station(data, PASSPHRASE, KdfParams(n=2**12))
        report = crash_campaign(data, PASSPHRASE, kills=args.kills, seed=args.seed, max_delay=args.max_delay,
                                log=sys.stdout)
    print(f"crash campaign (seed {args.seed}): {report.kills} SIGKILLs, {report.kills_during_save} inside a "
          f"save, {report.kills_during_reopen} while closing/reopening,"
          f" {report.confirmed_saves} confirmed saves, {report.rows_at_end} rows at the end, "
          f"{report.seconds:.1f} s ({1000 * report.seconds / max(report.kills, 1):.0f} ms per kill)")
    for problem in report.problems:
        print(f"  PROBLEM: {problem}")
    print("result:", "every confirmed save survived" if not report.problems else "FAILED")
    return 1 if report.problems else 0


if __name__ == "__main__":
    sys.exit(main())
