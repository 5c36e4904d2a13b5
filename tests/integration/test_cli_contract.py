"""The command-line contract other tools rely on: demo, device code, simulate, export csv."""

from __future__ import annotations

import csv
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from shared.study import load_study
from tests.live_server import free_port, wait_healthy
from tests.studies import STUDY_FILES

UUID = re.compile(r"^record_id=([0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12})$")


def _is_worker_of(proc: Path, data: Path) -> bool:
    try:
        cmd = (proc / "cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return b"worker" in cmd and str(data).encode() in cmd


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], capture_output=True, text=True, timeout=300,
                          env={**os.environ, **(env or {})})


@pytest.mark.parametrize("study_name", sorted(STUDY_FILES))
def test_demo_simulate_and_export_csv_work_together(tmp_path: Path, study_name: str) -> None:
    data, kiosk, out = tmp_path / "server", tmp_path / "kiosk", tmp_path / "csv"
    study_file = STUDY_FILES[study_name]
    study = load_study(study_file)
    port = free_port()
    # the default study needs no --study; any other is named once, on the first command of each data folder
    chosen = [] if study_name == "nct05605665" else ["--study", str(study_file)]
    demo = subprocess.Popen([sys.executable, "-m", "server.cli", "demo", "--data-dir", str(data), "--port", str(port),
                             *chosen], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_healthy(url)
        health = httpx.get(f"{url}/healthz").json()
        assert health["status"] == "ok"
        assert health["study"] == study.study.id

        code = run("server.cli", "device", "code", "--data-dir", str(data))
        assert code.returncode == 0, code.stderr
        enrol_code = code.stdout.strip().splitlines()[-1]

        env = {"TRIALPRO_PASSPHRASE": "simulated station passphrase"}
        other = [] if chosen else ["--study", str(STUDY_FILES["synthetic_two_arm"])]
        refused = run("desktop_client.cli", "simulate", "--data-dir", str(tmp_path / "other-kiosk"), "--server", url,
                      "--participants", "1", "--visits", "1", "--enrol-code", enrol_code, *other, env=env)
        assert refused.returncode == 2 and "Enrolment refused" in refused.stderr, refused.stderr
        assert f"the server holds study {study.study.id} version {study.study.version}" in refused.stderr

        first = run("desktop_client.cli", "simulate", "--data-dir", str(kiosk), "--server", url, "--participants", "2",
                    "--visits", "2", "--enrol-code", enrol_code, *chosen, env=env)
        assert first.returncode == 0, first.stderr
        ids = [UUID.match(line).group(1) for line in first.stdout.splitlines()]
        assert len(ids) == len(set(ids)) > 2

        again = run("desktop_client.cli", "simulate", "--data-dir", str(kiosk), "--server", url, "--participants",
                    "2", "--visits", "2", env=env)
        assert again.returncode == 0, again.stderr
        assert again.stdout.strip() == ""  # nothing new recorded, nothing twice

        # the first participant withdraws after the first visit after baseline: one disposition, no later visit
        withdrawn = run("desktop_client.cli", "simulate", "--data-dir", str(kiosk), "--server", url,
                        "--participants", "2", "--visits", "3", "--withdrawals", "1", env=env)
        assert withdrawn.returncode == 0, withdrawn.stderr
        later = [UUID.match(line).group(1) for line in withdrawn.stdout.splitlines()]
        assert later and not set(later) & set(ids)
        bad = run("desktop_client.cli", "simulate", "--data-dir", str(kiosk), "--server", url,
                  "--participants", "2", "--visits", "3", "--withdrawals", "-1", env=env)
        assert bad.returncode == 2 and "--withdrawals" in bad.stderr

        # demo started the one job runner: it signs the head the kiosk's syncs moved (within seconds)
        copy = data / "audit-checkpoints.jsonl"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not (copy.exists() and copy.read_text().strip()):
            time.sleep(0.2)
        assert copy.exists() and copy.read_text().strip(), "no signed checkpoint within 60 s"
        runners = [p for p in Path("/proc").iterdir() if p.name.isdigit() and _is_worker_of(p, data)]
        assert len(runners) == 1, runners

        wrong = run("desktop_client.cli", "simulate", "--data-dir", str(kiosk), "--server", url, "--participants",
                    "2", "--visits", "2", env={"TRIALPRO_PASSPHRASE": "not the passphrase"})
        assert wrong.returncode != 0
        assert "passphrase does not open this station" in wrong.stderr
        # the home app by name: WebAuthn (the app's passkey) refuses an IP address as its domain
        assert httpx.get(f"http://localhost:{port}/app/", timeout=10).status_code == 200
    finally:
        demo.terminate()
        demo.wait(timeout=20)
    printed = demo.stdout.read()
    assert f"http://127.0.0.1:{port}/" in printed
    assert "Demo admin login: demo.admin / " in printed
    assert f"Home diary app (phone): http://localhost:{port}/app/" in printed

    assert (data / "demo-admin-password.txt").read_text().strip() in printed
    exported = run("server.cli", "export", "csv", "--data-dir", str(data), "--out", str(out))  # no --study
    assert exported.returncode == 0, exported.stderr
    visits = {r["visit_id"] for r in csv.DictReader(open(out / "visits.csv", encoding="utf-8"))}
    assert visits and visits <= {v.id for v in study.visits}
    seen: list[str] = []
    # views over records listed elsewhere (deviations: visit rules over the instrument records, and staff entries;
    # queries and their threads: about a record named in query_target_id)
    derived = {"data_dictionary.csv", "visits.csv", "dosing.csv", "deviations.csv", "queries.csv",
               "query_messages.csv"}
    assert derived - {"data_dictionary.csv"} <= {p.name for p in out.glob("*.csv")}
    for path in out.glob("*.csv"):
        if path.name in derived:
            continue
        for row in csv.DictReader(open(path, encoding="utf-8")):
            assert row["record_id"], path.name
            seen.append(row["record_id"])
    assert sorted(i for i in seen if i in set(ids)) == sorted(ids)  # every simulated record exactly once
    ended = list(csv.DictReader(open(out / "dispositions.csv", encoding="utf-8")))
    assert [(r["disposition_status"], r["disposition_reason"]) for r in ended
            if r["record_id"] in set(later)] == [("discontinued", "withdrawal_by_subject")]


def test_simulate_without_a_server_keeps_everything_and_exits_non_zero(tmp_path: Path) -> None:
    port = free_port()
    env = {"TRIALPRO_PASSPHRASE": "simulated station passphrase"}
    result = run("desktop_client.cli", "simulate", "--data-dir", str(tmp_path / "k"), "--server",
                 f"http://127.0.0.1:{port}", "--participants", "1", "--visits", "1",
                 "--enrol-code", "0000-0000-0000-0000", env=env)
    assert result.returncode != 0
    assert "Could not reach the server" in result.stderr


def test_readme_documents_every_cli_command() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    from server.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    for name in sub.choices:
        assert f"trialpro-server {name}" in readme, name
    assert "trialpro-client simulate" in readme


def test_the_station_passphrase_is_changed_from_the_command_line(tmp_path: Path) -> None:
    from desktop_client.store import create_store, open_store
    from shared.errors import WrongPassphrase
    from tests.factories import FAST_KDF, PASSPHRASE

    store, recovery = create_store(tmp_path, PASSPHRASE, kdf=FAST_KDF)
    store.close()
    db_before = (tmp_path / "station.db").read_bytes()
    changed = run("desktop_client.cli", "passphrase", "--data-dir", str(tmp_path),
                  env={"TRIALPRO_PASSPHRASE": PASSPHRASE, "TRIALPRO_NEW_PASSPHRASE": "a brand new passphrase"})
    assert changed.returncode == 0, changed.stderr
    assert (tmp_path / "station.db").read_bytes() == db_before
    open_store(tmp_path, "a brand new passphrase").close()
    with pytest.raises(WrongPassphrase):
        open_store(tmp_path, PASSPHRASE)
    by_recovery = run("desktop_client.cli", "passphrase", "--data-dir", str(tmp_path), "--recovery",
                      env={"TRIALPRO_RECOVERY_KEY": recovery, "TRIALPRO_NEW_PASSPHRASE": "third passphrase!"})
    assert by_recovery.returncode == 0, by_recovery.stderr
    wrong = run("desktop_client.cli", "passphrase", "--data-dir", str(tmp_path),
                env={"TRIALPRO_PASSPHRASE": "nope nope nope", "TRIALPRO_NEW_PASSPHRASE": "whatever passphrase"})
    assert wrong.returncode == 2
    assert "does not open this station" in wrong.stderr
    open_store(tmp_path, "third passphrase!").close()


def test_export_help_lists_the_formats_as_its_first_choice_group() -> None:
    """Outside tools read the export formats from `export --help` (the first `{a,b,…}` group): an option with
    choices shown in braces before the positional would hand them `{zh,en}` instead."""
    from server.exports.registry import FORMATS

    done = run("server.cli", "export", "--help")
    assert done.returncode == 0, done.stderr
    first = re.search(r"\{([a-z,]+)\}", done.stdout)
    assert first is not None and set(first.group(1).split(",")) >= set(FORMATS), done.stdout
