"""The station's data key: random, stored only wrapped under the passphrase and under a recovery key.

File ``station.key`` (JSON, no secret in clear)::

    {"format": 1, "kdf": {"name": "scrypt", "n", "r", "p", "salt"},
     "wrapped_by_passphrase": b64, "recovery": {"salt", "wrapped"}}

Changing the passphrase re-wraps the same data key: the database is not re-encrypted.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shared import crypto
from shared.errors import NotSetUp, StoreUnreadable, WrongPassphrase

KEY_FILE = "station.key"
MIN_PASSPHRASE = 8


def _b64(b: bytes) -> str:
    return base64.b64encode(b).decode("ascii")


def _unb64(s: str) -> bytes:
    return base64.b64decode(s)


@dataclass(frozen=True)
class KdfParams:
    n: int = crypto.SCRYPT_N
    r: int = crypto.SCRYPT_R
    p: int = crypto.SCRYPT_P


def _check_passphrase(passphrase: str) -> None:
    if len(passphrase) < MIN_PASSPHRASE:
        raise WrongPassphrase(f"The site passphrase must have at least {MIN_PASSPHRASE} characters.")


def fsync_folder(folder: Path) -> None:
    """Make a rename or a new file in ``folder`` durable (the directory entry itself is synced)."""
    dir_fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def _atomic_write(path: Path, content: str) -> None:
    """Write ``content`` (wrapped keys only) so that a crash leaves either the old or the new file."""
    tmp = path.with_name(path.name + ".new")
    fd = os.open(tmp, os.O_CREAT | os.O_TRUNC | os.O_WRONLY, 0o600)
    with open(fd, "w", encoding="utf-8") as fh:
        fh.write(content)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    fsync_folder(path.parent)


def _wrap_with_secret(secret: str, data_key: bytes, kdf: KdfParams) -> dict[str, Any]:
    salt = os.urandom(16)
    kek = crypto.derive_key(secret, salt, n=kdf.n, r=kdf.r, p=kdf.p)
    return {"salt": _b64(salt), "wrapped": _b64(crypto.wrap_key(kek, data_key))}


def create_key_file(data_dir: Path | str, passphrase: str, *, kdf: KdfParams | None = None) -> tuple[bytes, str]:
    """Make a new data key, wrap it twice, write ``station.key``. Returns (data key, recovery key).

    The recovery key is shown once to staff and never stored in clear.
    """
    _check_passphrase(passphrase)
    data_dir = Path(data_dir)
    kdf = kdf or KdfParams()
    data_key = crypto.random_key()
    recovery = crypto.new_recovery_key()
    content = {
        "format": 1,
        "kdf": {"name": "scrypt", "n": kdf.n, "r": kdf.r, "p": kdf.p},
        "passphrase": _wrap_with_secret(passphrase, data_key, kdf),
        "recovery": _wrap_with_secret(crypto.normalise_recovery_key(recovery), data_key, kdf),
    }
    data_dir.mkdir(parents=True, exist_ok=True)
    _atomic_write(Path(data_dir) / KEY_FILE, json.dumps(content, indent=2))
    return data_key, recovery


def _read(data_dir: Path | str) -> dict[str, Any]:
    data_dir = Path(data_dir)
    path = data_dir / KEY_FILE
    if not path.exists():
        raise NotSetUp(f"No station key file ({KEY_FILE}) in {data_dir}. If this station was used before, "
                       f"restore {KEY_FILE} from the backup together with station.db; otherwise set up the "
                       "station first.")
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
        if content.get("format") != 1 or content["kdf"]["name"] != "scrypt":
            raise ValueError("format")
        return content
    except (ValueError, KeyError, TypeError):
        raise StoreUnreadable(f"The key file {path} is damaged. Restore it from the station backup, "
                              "or set up the station again with the recovery key.") from None


def _unwrap(content: dict[str, Any], slot: str, secret: str) -> bytes:
    """The data key from one slot; raises UnwrapFailed (wrong secret) or StoreUnreadable (damaged file)."""
    try:
        kdf = content["kdf"]
        entry = content[slot]
        salt, wrapped = _unb64(entry["salt"]), _unb64(entry["wrapped"])
        kek = crypto.derive_key(secret, salt, n=int(kdf["n"]), r=int(kdf["r"]), p=int(kdf["p"]))
    except (ValueError, KeyError, TypeError):
        raise StoreUnreadable(f"The key file {KEY_FILE} is damaged (its {slot!r} entry cannot be read). Restore "
                              "it from the station backup.") from None
    return crypto.unwrap_key(kek, wrapped)


def station_id(data_dir: Path | str) -> str:
    """A stable name for this station (from its recovery slot's salt, which a passphrase change keeps)."""
    return "station-" + hashlib.sha256(_read(data_dir)["recovery"]["salt"].encode("ascii")).hexdigest()[:16]


def unlock(data_dir: Path | str, passphrase: str) -> bytes:
    """The data key, unwrapped with the site passphrase. Raises WrongPassphrase; changes no file."""
    content = _read(data_dir)
    try:
        return _unwrap(content, "passphrase", passphrase)
    except crypto.UnwrapFailed:
        raise WrongPassphrase("That passphrase does not open this station. Check the keyboard language "
                              "and Caps Lock, or use the recovery key.") from None


def unlock_with_recovery(data_dir: Path | str, recovery_key: str) -> bytes:
    """The data key, unwrapped with the printed recovery key. Raises WrongPassphrase."""
    content = _read(data_dir)
    try:
        return _unwrap(content, "recovery", crypto.normalise_recovery_key(recovery_key))
    except crypto.UnwrapFailed:
        raise WrongPassphrase("That recovery key does not open this station.") from None


def change_passphrase(data_dir: Path | str, *, new_passphrase: str, old_passphrase: str | None = None,
                      recovery_key: str | None = None) -> None:
    """Re-wrap the data key under ``new_passphrase`` (proved by the old passphrase or the recovery key)."""
    _check_passphrase(new_passphrase)
    content = _read(data_dir)
    if old_passphrase is not None:
        data_key = unlock(data_dir, old_passphrase)
    elif recovery_key is not None:
        data_key = unlock_with_recovery(data_dir, recovery_key)
    else:
        raise WrongPassphrase("Give the current passphrase or the recovery key to change the passphrase.")
    kdf = KdfParams(content["kdf"]["n"], content["kdf"]["r"], content["kdf"]["p"])
    content["passphrase"] = _wrap_with_secret(new_passphrase, data_key, kdf)
    _atomic_write(Path(data_dir) / KEY_FILE, json.dumps(content, indent=2))
