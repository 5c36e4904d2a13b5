"""A save the screen confirmed survives the process being killed at any moment (SIGKILL, no clean-up).

The child saves through the real client services into a real SQLCipher file on disk; the parent kills it at
random moments and checks the station after every kill. ``TRIALPRO_CRASH_KILLS`` raises the count;
``bench/store_crash.py`` runs longer campaigns.
"""

from __future__ import annotations

import os
from pathlib import Path

from tests.factories import FAST_KDF, PASSPHRASE
from tests.store_child import crash_campaign, set_up_station

KILLS = int(os.environ.get("TRIALPRO_CRASH_KILLS", "200"))


def test_every_confirmed_save_survives_sigkill_at_random_moments(tmp_path: Path) -> None:
    set_up_station(tmp_path / "kiosk", PASSPHRASE, FAST_KDF)

    report = crash_campaign(tmp_path / "kiosk", PASSPHRASE, kills=KILLS, seed=20261125)

    assert report.problems == []
    assert report.kills == KILLS >= 200
    # The kills really landed inside saves (not only between them) and the loop really saved a lot.
    assert report.kills_during_save >= KILLS // 4
    assert report.confirmed_saves >= 2 * KILLS
    assert report.rows_at_end >= report.confirmed_saves


def test_a_killed_mirrored_station_leaves_a_copy_of_committed_saves_only_and_copies_every_save_on_restart(
        tmp_path: Path) -> None:
    """The mirror's writer (frames sealed by the saving thread, written when the station pauses) killed with
    the station at random moments: the copy always opens and never holds a save the station lacks; the next
    start's snapshot copies every save, so nothing confirmed is missing from the mirror."""
    set_up_station(tmp_path / "kiosk", PASSPHRASE, FAST_KDF)
    (tmp_path / "usb").mkdir()

    report = crash_campaign(tmp_path / "kiosk", PASSPHRASE, kills=20, seed=20261202, max_delay=0.3,
                            mirror=tmp_path / "usb")   # past COALESCE_SECONDS: kills during appends too

    assert report.problems == []
    assert report.kills == 20 and report.kills_during_save >= 5 and report.confirmed_saves >= 60
