"""`trialpro-client`: the desktop client (GUI) and `trialpro-client simulate` (no Qt).

Command-line contract (extend, never break):
  trialpro-client simulate --data-dir DIR --server URL --participants N --visits V [--enrol-code CODE]
      [--withdrawals N]   (N of the randomised participants withdraw after their first visit after baseline:
      a disposition "withdrawal by subject", and no later visit)
      [--screen-failures N]
      [--study FILE]   (gui takes --study FILE too; a data folder remembers its study, default NCT05605665;
      the server refuses enrolment and sync of a kiosk whose study or version differs: study.mismatch)
      passphrase from TRIALPRO_PASSPHRASE; prints `record_id=<uuid>` per record saved; exits 0 only
      when everything the station holds is synced; when the kiosk's allocations run out it says so, syncs to
      be granted more blocks and goes on (exit 4 when the server grants none).
  trialpro-client restore-mirror --mirror-dir PATH --data-dir NEWDIR [--station ID]
      rebuilds a lost station from its encrypted copy (TRIALPRO_RECOVERY_KEY, TRIALPRO_NEW_PASSPHRASE or prompts).
  gui and simulate take --mirror-dir PATH (or TRIALPRO_MIRROR_DIR): every save is also copied there, encrypted.
  trialpro-client passphrase --data-dir DIR [--recovery]
      re-wraps the station key under a new passphrase (prompted, or TRIALPRO_PASSPHRASE /
      TRIALPRO_RECOVERY_KEY and TRIALPRO_NEW_PASSPHRASE for scripts); the database is not re-encrypted.
  trialpro-client gui [--data-dir DIR] [--kiosk] [--language zh|en] [--server-url URL] [--enrolment-code CODE]
      a new station is set up from its screens: passphrase, server address and enrolment code (the two
      pre-filled from the flags or TRIALPRO_SERVER_URL / TRIALPRO_ENROLMENT_CODE), enrolment, first sync.
  trialpro-client witness --data-dir DIR --out FILE
      writes the newest signed audit head this station was given (passphrase prompted, or
      TRIALPRO_PASSPHRASE), for `trialpro-server audit verify --witness FILE`.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from shared.errors import PartMissing, command_line_message

EXIT_NOT_SYNCED = 3
EXIT_ALLOCATIONS_RAN_OUT = 4
MAX_ROUNDS = 20


def _simulate_in_rounds(station: object, engine: object, args: argparse.Namespace, emit: object) -> bool:
    """Simulate; when the station's allocations (or screening numbers) run out, say so, sync to be granted
    more and go on. False (after saying so) when a sync brings no more."""
    from desktop_client.services import enrolment
    from desktop_client.services.simulate import simulate
    from shared.errors import AllocationError, ScreeningNumberUnavailable

    for _ in range(MAX_ROUNDS):
        try:
            simulate(station, participants=args.participants, visits=args.visits, emit=emit,  # type: ignore[arg-type]
                     seed=args.seed, staff=args.staff, screen_failures=args.screen_failures,
                     withdrawals=args.withdrawals)
            return True
        except (AllocationError, ScreeningNumberUnavailable) as exc:
            what = "allocations" if isinstance(exc, AllocationError) else "screening numbers"
            print(f"note: the kiosk's {what} ran out ({exc.message}); syncing to be granted more",
                  file=sys.stderr, flush=True)
            engine.sync()  # type: ignore[attr-defined]
            if (enrolment.free_allocations(station) if what == "allocations"  # type: ignore[arg-type]
                    else enrolment.free_screening_numbers(station)) == 0:  # type: ignore[arg-type]
                break
    print(f"error: the kiosk's allocations ran out and the server granted no more; {args.participants} "
          "participants could not all be randomised. What was saved is synced when the server is reached; "
          "run again later.", file=sys.stderr)
    engine.sync()  # type: ignore[attr-defined]
    return False


def _count(text: str) -> int:
    """A whole number >= 0 for a count option (argparse names the option when this refuses)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{value} is below 0")
    return value


def cmd_simulate(args: argparse.Namespace) -> int:
    from desktop_client.services.simulate import withdrawal_refusal
    from desktop_client.services.station import Station
    from desktop_client.services.sync_engine import SyncEngine
    from desktop_client.store import open_or_create
    from desktop_client.store import station as settings
    from shared.study.folder import study_of_folder

    passphrase = os.environ.get("TRIALPRO_PASSPHRASE")
    if not passphrase:
        print("error: set TRIALPRO_PASSPHRASE to the station passphrase", file=sys.stderr)
        return 2
    store, recovery = open_or_create(args.data_dir, passphrase)
    try:
        if recovery:
            print(f"New station set up in {args.data_dir}. Recovery key (shown once, keep it safe): {recovery}",
                  file=sys.stderr)
        station = Station(store=store, study=study_of_folder(args.data_dir, args.study))
        refused = withdrawal_refusal(station.study, participants=args.participants, visits=args.visits,
                                     withdrawals=args.withdrawals)
        if refused:
            print(f"error: {refused}", file=sys.stderr)
            return 2
        if args.mirror_dir:  # after the folder remembers its study: the copy carries the study too
            store.attach_mirror(args.mirror_dir)
        engine = SyncEngine(station, args.server)
        try:
            if settings.get(store, settings.DEVICE_TOKEN) is None:
                if not args.enrol_code:
                    print("error: this station is not enrolled; pass --enrol-code CODE "
                          "(from `trialpro-server device code`)", file=sys.stderr)
                    return 2
                device_id = engine.enrol(args.enrol_code, args.label)
                print(f"enrolled as device {device_id}", file=sys.stderr)

            def emit(record_id: str) -> None:
                print(f"record_id={record_id}", flush=True)

            if not _simulate_in_rounds(station, engine, args, emit):
                return EXIT_ALLOCATIONS_RAN_OUT
            report = engine.sync()
        finally:
            engine.close()
        from desktop_client.store import outbox

        stats = outbox.stats(store)
        print(f"synced: {report.acknowledged} acknowledged, {len(report.conflicts)} conflicts, "
              f"{len(report.rejected)} rejected; outbox pending {stats.pending}, held {stats.held}",
              file=sys.stderr)
        if store.mirror is not None and not store.mirror.flush(5.0):
            print(f"warning: {store.mirror.status().problem or 'the second copy is behind'}", file=sys.stderr)
        if stats.pending or stats.held:
            print("error: not everything is synced (see above); run again to resume", file=sys.stderr)
            return EXIT_NOT_SYNCED
        return 0
    finally:
        store.close()


def _secret(env: str, prompt: str) -> str:
    import getpass

    return os.environ.get(env) or getpass.getpass(prompt)


def cmd_passphrase(args: argparse.Namespace) -> int:
    from desktop_client.store import keys

    if args.recovery:
        proof = {"recovery_key": _secret("TRIALPRO_RECOVERY_KEY", "Recovery key: ")}
    else:
        proof = {"old_passphrase": _secret("TRIALPRO_PASSPHRASE", "Current passphrase: ")}
    new = _secret("TRIALPRO_NEW_PASSPHRASE", "New passphrase: ")
    if "TRIALPRO_NEW_PASSPHRASE" not in os.environ and new != _secret("", "New passphrase again: "):
        print("error: the two new passphrases differ; nothing was changed", file=sys.stderr)
        return 2
    keys.change_passphrase(Path(args.data_dir), new_passphrase=new, **proof)
    print("Passphrase changed. The recovery key still works; the database was not re-encrypted.")
    return 0


def cmd_restore_mirror(args: argparse.Namespace) -> int:
    from desktop_client.store import restore

    folder = restore.pick_station(Path(args.mirror_dir), args.station)
    recovery_key = _secret("TRIALPRO_RECOVERY_KEY", "Recovery key of the lost station: ")
    new = _secret("TRIALPRO_NEW_PASSPHRASE", "Passphrase for this station: ")
    if "TRIALPRO_NEW_PASSPHRASE" not in os.environ and new != _secret("", "Passphrase again: "):
        print("error: the two passphrases differ; nothing was restored", file=sys.stderr)
        return 2
    done = restore.restore(folder, recovery_key, Path(args.data_dir), new)
    print(f"Restored {done.records} records ({done.unsynced} still to sync) from {folder} into {done.data_dir}.")
    print(f"New recovery key of this station (shown once, keep it safe): {done.recovery_key}")
    return 0


def _mirror_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--mirror-dir", default=os.environ.get("TRIALPRO_MIRROR_DIR") or None, metavar="PATH",
                   help="second medium (USB stick, network share) that keeps an encrypted copy of every save "
                        "(default: $TRIALPRO_MIRROR_DIR)")


def _study_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--study", type=Path, default=None, metavar="FILE",
                   help="study file for a new data folder (default: NCT05605665); the folder remembers it")


def cmd_witness(args: argparse.Namespace) -> int:
    from desktop_client.services.witness import write_witness
    from desktop_client.store import open_store

    store = open_store(Path(args.data_dir), _secret("TRIALPRO_PASSPHRASE", "Station passphrase: "))
    try:
        doc = write_witness(store, Path(args.out))
    finally:
        store.close()
    cp = doc["checkpoint"]
    print(f"Witness written to {args.out}: audit entry {cp['head_seq']} signed {cp['signed_at']} "
          f"(received {doc['received_at']}).")
    return 0


def cmd_gui(args: argparse.Namespace) -> int:
    # The Qt-free part of the client first: once PySide6 is imported, its import hook reads the source of every
    # module imported after it (to look for `from __feature__ import`), a third of a second of cold start.
    import desktop_client.services.station  # noqa: F401

    try:
        from desktop_client.bootstrap import run_gui
    except ModuleNotFoundError as exc:  # the client extra is not installed
        raise PartMissing.for_module(exc.name, "The desktop UI") from None
    except ImportError as exc:  # e.g. a Qt system library is missing
        print(f"error: the desktop UI cannot start ({exc}); run `bash scripts/run-tests.sh` once or install "
              "the Qt runtime libraries listed in README.md", file=sys.stderr)
        return 2
    return run_gui(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="trialpro-client", description="trialpro kiosk and nurse client")
    sub = parser.add_subparsers(dest="command")
    p = sub.add_parser("simulate", help="record synthetic entries through the client services, then sync")
    p.add_argument("--data-dir", required=True)
    p.add_argument("--server", required=True, help="server URL, e.g. http://127.0.0.1:8000")
    p.add_argument("--participants", type=int, required=True)
    p.add_argument("--visits", type=int, required=True)
    p.add_argument("--enrol-code", help="one-time enrolment code, used on first run")
    p.add_argument("--label", default="simulated kiosk", help="device label shown to admins")
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--screen-failures", type=_count, default=0, metavar="N",
                   help="N more people screened who fail a criterion chosen at random (besides --participants, "
                        "who are screened, scored at the eligibility visit and randomised)")
    _study_option(p)
    _mirror_option(p)
    p.add_argument("--staff", default="demo.nurse",
                   help="server staff account (nurse or investigator of the site) the staff entries are made as")
    p.add_argument("--withdrawals", type=_count, default=0, metavar="N",
                   help="N of the randomised participants discontinue (withdrawal by subject) after their first "
                        "post-baseline visit")
    p.set_defaults(func=cmd_simulate)
    r = sub.add_parser("restore-mirror", help="rebuild a lost station from its encrypted copy (recovery key)")
    r.add_argument("--mirror-dir", required=True, metavar="PATH", help="the stick or share holding the copy")
    r.add_argument("--data-dir", required=True, help="new, empty folder for the rebuilt station")
    r.add_argument("--station", help="which station's copy, when the folder holds several")
    r.set_defaults(func=cmd_restore_mirror)
    pw = sub.add_parser("passphrase", help="change the station passphrase (with the current one or the recovery key)")
    pw.add_argument("--data-dir", required=True)
    pw.add_argument("--recovery", action="store_true", help="prove with the recovery key instead of the passphrase")
    pw.set_defaults(func=cmd_passphrase)
    w = sub.add_parser("witness", help="write the newest signed audit head this station holds (for audit verify)")
    w.add_argument("--data-dir", required=True)
    w.add_argument("--out", required=True, help="the witness file to write (JSON)")
    w.set_defaults(func=cmd_witness)
    g = sub.add_parser("gui", help="start the desktop client (default)")
    g.add_argument("--data-dir", default=os.path.expanduser("~/.local/share/trialpro"))
    g.add_argument("--kiosk", action="store_true", help="start locked in kiosk mode, full screen")
    g.add_argument("--language", choices=("zh", "en"), default="zh", help="language of the start screen")
    g.add_argument("--idle-timeout", type=float, default=180.0, metavar="SECONDS",
                   help="discard an unsubmitted kiosk form after this long without input (a warning comes first)")
    g.add_argument("--server-url", default=os.environ.get("TRIALPRO_SERVER_URL") or "", metavar="URL",
                   help="pre-fill the server address on the set-up screen of a new station")
    g.add_argument("--enrolment-code", default=os.environ.get("TRIALPRO_ENROLMENT_CODE") or "", metavar="CODE",
                   help="pre-fill the one-time enrolment code on the set-up screen of a new station")
    _study_option(g)
    _mirror_option(g)
    g.set_defaults(func=cmd_gui)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        args = parser.parse_args(["gui", *(argv or sys.argv[1:])])
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        message = command_line_message(exc)
        if message is None:
            raise  # a bug: the traceback is what the developer needs
        print(f"error: {message}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
