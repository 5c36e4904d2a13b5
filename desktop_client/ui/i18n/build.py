"""Update the `.ts` translation sources from the code and compile them to `.qm` (run after changing any tr()).

    python desktop_client/ui/i18n/build.py                        # kiosk: lupdate + lrelease
    python desktop_client/ui/i18n/build.py --only nurse_zh_CN.ts  # nurse mode's sources and .ts
    python desktop_client/ui/i18n/build.py --check                # exit 1 on an unfinished message

Translate new messages in the `.ts` file (Qt Linguist: `pyside6-linguist`, or any XML editor), then run
this again. The compiled `.qm` files are committed so a clean clone runs without Qt's tools.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

HERE = Path(__file__).resolve().parent
UI = HERE.parent
# Which sources feed which .ts file. The nurse-mode sources belong to nurse_zh_CN.ts (kept by nurse mode).
SOURCES = {
    "kiosk_zh_CN.ts": [UI / "main_window.py", UI / "unlock.py", UI / "kiosk", UI / "widgets"],
    "nurse_zh_CN.ts": [UI / "nurse"],
}


def _tool(name: str) -> str:
    """The Qt tool next to this Python (the virtualenv's bin) or on PATH."""
    local = Path(sys.executable).parent / name
    if local.exists():
        return str(local)
    found = shutil.which(name)
    if not found:
        raise SystemExit(f"error: {name} not found; install the client extra (pyside6-essentials)")
    return found


def unfinished(ts_file: Path) -> list[str]:
    """Source texts in ``ts_file`` that have no finished translation."""
    missing = []
    for message in ET.parse(ts_file).getroot().iter("message"):  # noqa: S314 - our own .ts file
        translation = message.find("translation")
        kind = translation.get("type") if translation is not None else "missing"
        if kind in ("vanished", "obsolete"):
            continue
        if translation is None or kind == "unfinished" or not (translation.text or "").strip():
            missing.append(message.findtext("source") or "")
    return missing


def update(ts_name: str) -> None:
    """Run lupdate for one .ts file over its sources (obsolete messages are dropped)."""
    sources = [str(p) for p in SOURCES[ts_name] if p.exists()]
    if not sources:
        return
    files = []
    for src in sources:
        path = Path(src)
        files += [str(f) for f in sorted(path.rglob("*.py"))] if path.is_dir() else [src]
    subprocess.run([_tool("pyside6-lupdate"), *files, "-no-obsolete", "-locations", "relative",
                    "-target-language", "zh_CN", "-ts", str(HERE / ts_name)], check=True)


def release(ts_file: Path) -> Path:
    """Compile one .ts file into the .qm next to it."""
    qm = ts_file.with_suffix(".qm")
    subprocess.run([_tool("pyside6-lrelease"), str(ts_file), "-qm", str(qm)], check=True)
    return qm


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report unfinished messages")
    parser.add_argument("--only", default="kiosk_zh_CN.ts", choices=sorted(SOURCES),
                        help="the .ts file to update from its sources and compile (default: the kiosk's)")
    args = parser.parse_args(argv)
    ts_file = HERE / args.only
    if not args.check:
        update(args.only)
    missing = unfinished(ts_file)
    for text in missing:
        print(f"{ts_file.name}: unfinished: {text!r}", file=sys.stderr)
    if not args.check:
        release(ts_file)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
