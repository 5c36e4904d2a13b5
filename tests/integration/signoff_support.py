"""What the sign-off tests share (issue 19): a kiosk with an enrolled participant and a baseline answer on a
real server, staff signed in over HTTP, and the CLI on its database."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import httpx

from desktop_client.services import recording
from desktop_client.services.station import Station
from desktop_client.services.sync_engine import SyncEngine
from server.services.users import add_user
from tests.cli_in_process import server_cli
from tests.factories import FAST_HASHER, enrol_participant, enrolled_station
from tests.live_server import ThreadServer

PASSWORD = "sign-off-test-password-1"        # the one the staff member chose (signs)
ADMIN_SET = "admin-issued-password-7"         # the one the admin set when creating the account
PRINTED_NAME = "Dr Wei Test-Investigator"


@dataclass
class Site:
    station: Station
    engine: SyncEngine
    participant_id: str
    baseline: str

    first: str | None = None

    def answer(self, mm: int) -> str:
        """The baseline VAS saved on the kiosk (not yet synced): the answer, then each later call a correction of
        it by the site's nurse (one submission per visit and instrument); returns its record id."""
        if self.first is None:
            rec = recording.record_vas(self.station, participant_id=self.participant_id, visit_id=self.baseline,
                                       vas_mm=mm)
            self.first = str(rec["record_id"])
        else:
            item = self.station.study.instrument_with_role("patient_global").items[0].id  # type: ignore[union-attr]
            recording.correct_record(self.station, self.first, data={item: mm}, reason="participant re-marked",
                                     actor="staff:nurse.a")
        return self.first


def kiosk_with_participant(tmp_path: Path, server: ThreadServer) -> Site:
    """An enrolled kiosk, one enrolled participant and one baseline answer, all synced."""
    station, engine = enrolled_station(tmp_path / "kiosk", server)
    pid = enrol_participant(station)
    site = Site(station, engine, pid, server.ctx.study.visit_with_role("baseline").id)
    site.answer(40)
    report = engine.sync()
    assert not report.rejected, report.rejected
    return site


def staff_client(server: ThreadServer, username: str, role: str, *, display_name: str | None = PRINTED_NAME,
                 own_password: bool = True) -> httpx.Client:
    """A staff account (role at the study's first site) signed in over HTTP. The admin sets ADMIN_SET; with
    ``own_password`` the staff member then chooses PASSWORD on /account/password (a signer must)."""
    with server.ctx.engine.begin() as conn:
        add_user(conn, username=username, password=ADMIN_SET, roles=[role], sites=[server.ctx.study.sites[0].id],
                 actor="test", password_hasher=FAST_HASHER, display_name=display_name)
    c = httpx.Client(base_url=server.url, timeout=60)
    token = csrf(c.get("/signin").text)
    assert c.post("/signin", data={"csrf_token": token, "username": username, "password": ADMIN_SET}
                  ).status_code == 302
    if own_password:
        choose_own_password(c)
    return c


def choose_own_password(c: httpx.Client) -> None:
    """The signed-in staff member replaces the password the admin set with their own (PASSWORD)."""
    page = c.get("/account/password")
    assert c.post("/account/password", data={"csrf_token": csrf(page.text), "current_password": ADMIN_SET,
                                             "password": PASSWORD}).status_code == 302


def csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, page[:500]
    return found.group(1)


def cli(server: ThreadServer, *args: str, child: bool = False) -> subprocess.CompletedProcess[str]:
    """`trialpro-server … --data-dir DIR` on the running server's database (PostgreSQL through DATABASE_URL when
    the server runs on it): in this process (tests.cli_in_process) for what the command does, or with ``child``
    in a child process, as an outside tool runs it (the process contract)."""
    url = server.ctx.config.database_url or None
    argv = [*args, "--data-dir", str(server.ctx.config.data_dir)]
    if not child:
        return server_cli(*argv, env={"DATABASE_URL": url})
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    if url:
        env["DATABASE_URL"] = url
    return subprocess.run([sys.executable, "-m", "server.cli", *argv], capture_output=True, text=True, timeout=300,
                          env=env)


def screen_failure(tmp_path: Path, server: ThreadServer) -> tuple[Station, SyncEngine, str]:
    """A second kiosk that screens one person who fails a criterion (never randomised), synced: a casebook of
    screening records only, to sign and to lock with the rest."""
    from tests.factories import screen_participant

    station, engine = enrolled_station(tmp_path / "screening", server, label="screening kiosk")
    failed = screen_participant(station, unmet=("E2",))
    report = engine.sync()
    assert not report.rejected, report.rejected
    return station, engine, failed
