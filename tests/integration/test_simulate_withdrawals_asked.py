"""`trialpro-client simulate --withdrawals N` does N withdrawals or refuses (issue 16, point 6): more withdrawals
than participants, or no visit after baseline to withdraw after, is refused naming the option, the value and
the rule, before anything is recorded, instead of exiting 0 with fewer withdrawals than asked."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop_client.cli import main


@pytest.mark.parametrize(("participants", "visits", "withdrawals", "said"), [
    ("1", "3", "2", "more than --participants 1"),
    ("2", "1", "1", "needs a visit after baseline"),
])
def test_withdrawals_that_cannot_all_be_done_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str], participants: str,
                                                         visits: str, withdrawals: str, said: str) -> None:
    monkeypatch.setenv("TRIALPRO_PASSPHRASE", "simulated station passphrase")
    code = main(["simulate", "--data-dir", str(tmp_path / "kiosk"), "--server", "http://127.0.0.1:9",
                 "--participants", participants, "--visits", visits, "--withdrawals", withdrawals,
                 "--enrol-code", "never-used"])
    err = capsys.readouterr().err
    assert code == 2 and f"--withdrawals: {withdrawals}" in err and said in err, err
