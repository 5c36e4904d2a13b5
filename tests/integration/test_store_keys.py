"""The data key: random, on disk only wrapped (scrypt passphrase, recovery key); re-wrapping never touches
the database file."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from desktop_client.store import create_store, keys, open_store
from shared.errors import NotSetUp, StoreUnreadable, WrongPassphrase
from tests.factories import FAST_KDF, PASSPHRASE
from tests.store_child import set_up_station

NEW = "a brand new site passphrase"


def _db_state(data: Path) -> dict[str, tuple[bytes, int]]:
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(data.glob("station.db*"))}


def test_changing_the_passphrase_rewraps_the_key_only(tmp_path: Path) -> None:
    data = tmp_path / "kiosk"
    set_up_station(data, PASSPHRASE, FAST_KDF)
    key_before = keys.unlock(data, PASSPHRASE)
    db_before = _db_state(data)
    key_file_before = json.loads((data / keys.KEY_FILE).read_text())

    keys.change_passphrase(data, new_passphrase=NEW, old_passphrase=PASSPHRASE)

    assert _db_state(data) == db_before  # not one byte of the database re-encrypted
    key_file_after = json.loads((data / keys.KEY_FILE).read_text())
    assert key_file_after["passphrase"] != key_file_before["passphrase"]  # fresh salt, new wrapping
    assert key_file_after["recovery"] == key_file_before["recovery"]
    assert keys.unlock(data, NEW) == key_before
    with pytest.raises(WrongPassphrase):
        keys.unlock(data, PASSPHRASE)
    store = open_store(data, NEW)
    assert store.query("SELECT count(*) AS n FROM participants")[0]["n"] == 3
    store.close()
    assert sorted(p.name for p in data.iterdir()) == ["station.db", "station.key"]  # no .new left behind


def test_the_recovery_key_opens_the_station_and_resets_a_forgotten_passphrase(tmp_path: Path) -> None:
    data = tmp_path / "kiosk"
    store, recovery = create_store(data, PASSPHRASE, kdf=FAST_KDF)
    store.close()
    assert recovery.count("-") >= 10 and recovery == recovery.upper()

    typed = recovery.lower().replace("-", " ")  # staff type it from the print-out however they like
    open_store(data, recovery_key=typed).close()
    keys.change_passphrase(data, new_passphrase=NEW, recovery_key=typed)
    open_store(data, NEW).close()

    wrong = recovery[:-1] + ("A" if recovery[-1] != "A" else "B")
    with pytest.raises(WrongPassphrase, match="recovery key does not open this station"):
        open_store(data, recovery_key=wrong)


def test_a_refused_passphrase_change_leaves_the_key_file_alone(tmp_path: Path) -> None:
    data = tmp_path / "kiosk"
    create_store(data, PASSPHRASE, kdf=FAST_KDF)[0].close()
    before = (data / keys.KEY_FILE).read_bytes()

    with pytest.raises(WrongPassphrase, match="does not open this station"):
        keys.change_passphrase(data, new_passphrase=NEW, old_passphrase="not the passphrase")
    with pytest.raises(WrongPassphrase, match="at least 8 characters"):
        keys.change_passphrase(data, new_passphrase="short", old_passphrase=PASSPHRASE)
    with pytest.raises(WrongPassphrase, match="current passphrase or the recovery key"):
        keys.change_passphrase(data, new_passphrase=NEW)

    assert (data / keys.KEY_FILE).read_bytes() == before


def test_the_key_file_holds_no_key_in_clear_and_uses_strong_default_scrypt(tmp_path: Path) -> None:
    data = tmp_path / "kiosk"
    store, recovery = create_store(data, PASSPHRASE)  # the real default cost, as on a station
    store.close()
    content = json.loads((data / keys.KEY_FILE).read_text())
    assert content["kdf"] == {"name": "scrypt", "n": 2**15, "r": 8, "p": 1}
    data_key = keys.unlock(data, PASSPHRASE)
    assert len(data_key) == 32
    raw = (data / keys.KEY_FILE).read_bytes()
    for secret in (data_key, data_key.hex().encode(), PASSPHRASE.encode(), recovery.encode(),
                   keys.crypto.normalise_recovery_key(recovery).encode()):
        assert secret not in raw
    assert oct((data / keys.KEY_FILE).stat().st_mode & 0o777) == "0o600"
    assert oct((data / "station.db").stat().st_mode & 0o777) == "0o600"
    other = tmp_path / "other"
    create_store(other, PASSPHRASE, kdf=FAST_KDF)[0].close()
    assert keys.unlock(other, PASSPHRASE) != data_key  # every station draws its own random key


def test_a_damaged_or_missing_key_file_says_what_to_restore(tmp_path: Path) -> None:
    data = tmp_path / "kiosk"
    create_store(data, PASSPHRASE, kdf=FAST_KDF)[0].close()
    content = json.loads((data / keys.KEY_FILE).read_text())
    content["passphrase"]["wrapped"] = "%%% not base64 %%%"
    (data / keys.KEY_FILE).write_text(json.dumps(content))
    with pytest.raises(StoreUnreadable, match=r"key file station.key is damaged.*Restore it"):
        open_store(data, PASSPHRASE)
    (data / keys.KEY_FILE).write_text("{ truncated")
    with pytest.raises(StoreUnreadable, match=r"is damaged. Restore it from the station backup"):
        open_store(data, PASSPHRASE)
    os.remove(data / keys.KEY_FILE)
    with pytest.raises(NotSetUp, match=r"restore station.key from the backup together with station.db"):
        open_store(data, PASSPHRASE)
