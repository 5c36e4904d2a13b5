"""A data folder remembers its study; a kiosk of another study or version is refused at enrolment and sync."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from desktop_client.services.station import Station
from desktop_client.services.sync_engine import SyncEngine, SyncSettings
from desktop_client.store import create_store
from server.app import open_context
from server.cli import main as server_cli
from server.config import ServerConfig
from server.storage.tables import records
from shared.errors import StudyFolderMismatch, StudyMismatch
from shared.study import default_study, load_study, parse_study
from shared.study.folder import MARKER, STUDY_COPY, study_of_folder
from shared.sync.protocol import build_request
from tests.factories import FAST_KDF, PASSPHRASE, enrolment_code
from tests.live_server import serving
from tests.studies import SYNTHETIC_STUDY_FILE


def test_a_new_folder_remembers_its_study_and_later_commands_need_no_study(tmp_path: Path, capsys) -> None:
    data = tmp_path / "server"
    first = open_context(ServerConfig(data_dir=data, study_file=SYNTHETIC_STUDY_FILE))
    first.engine.dispose()
    marker = json.loads((data / MARKER).read_text())
    assert (marker["study_id"], marker["study_version"]) == ("SYNTH0002", "0.3.1")
    assert (data / STUDY_COPY).read_text(encoding="utf-8") == SYNTHETIC_STUDY_FILE.read_text(encoding="utf-8")
    again = open_context(ServerConfig(data_dir=data))  # no study named: the folder's
    again.engine.dispose()
    assert again.study.study.id == "SYNTH0002"
    # a command of the CLI works on it without --study: the synthetic study's only site is valid
    assert server_cli(["device", "code", "--data-dir", str(data), "--site", "SYN"]) == 0
    assert "for site SYN" in capsys.readouterr().out


def test_another_study_or_a_changed_file_of_the_same_version_is_refused_for_a_folder(tmp_path: Path,
                                                                                   capsys) -> None:
    data = tmp_path / "server"
    study_of_folder(data, SYNTHETIC_STUDY_FILE)
    with pytest.raises(StudyFolderMismatch, match=r"holds study SYNTH0002 version 0\.3\.1"):
        study_of_folder(data, default_study_file())
    edited = tmp_path / "edited.toml"
    edited.write_text(SYNTHETIC_STUDY_FILE.read_text(encoding="utf-8").replace("target = 8\n", "target = 8 \n", 1),
                      encoding="utf-8")
    with pytest.raises(StudyFolderMismatch, match="needs a new version"):
        study_of_folder(data, edited)
    assert study_of_folder(data, SYNTHETIC_STUDY_FILE).study.id == "SYNTH0002"  # the same file is fine
    assert server_cli(["serve", "--data-dir", str(data), "--study", str(default_study_file()), "--port", "1"]) == 2
    assert "holds study SYNTH0002 version 0.3.1" in capsys.readouterr().err


def default_study_file() -> Path:
    from shared.study.loader import DEFAULT_STUDY_FILE

    return DEFAULT_STUDY_FILE


def test_a_study_file_copied_anywhere_still_loads_its_instruments(tmp_path: Path) -> None:
    elsewhere = tmp_path / "far" / "away" / "my-study.toml"
    elsewhere.parent.mkdir(parents=True)
    shutil.copy(SYNTHETIC_STUDY_FILE, elsewhere)
    study = load_study(elsewhere)
    assert [i.id for i in study.instrument_definitions()] == [i.id for i in study.instruments]
    assert study.instrument("essdai").score_maximum() == 123


def _station(tmp: Path, study_text: str | None = None) -> Station:
    store, _ = create_store(tmp, PASSPHRASE, kdf=FAST_KDF)
    study = parse_study(study_text) if study_text else load_study(SYNTHETIC_STUDY_FILE)
    return Station(store=store, study=study)


def test_a_kiosk_of_another_study_or_version_is_refused_at_enrolment_and_sync(tmp_path: Path) -> None:
    ctx = open_context(ServerConfig(data_dir=tmp_path / "server", study_file=SYNTHETIC_STUDY_FILE, testing=True))
    with serving(ctx) as server:
        code = enrolment_code(server, site_id="SYN")
        wrong = Station(store=create_store(tmp_path / "wrong", PASSPHRASE, kdf=FAST_KDF)[0], study=default_study())
        engine = SyncEngine(wrong, server.url, settings_=SyncSettings(backoff_multiplier=0.01))
        with pytest.raises(StudyMismatch, match=r"the server holds study SYNTH0002 version 0\.3\.1"):
            engine.enrol(code, "wrong study")
        engine.close()
        right = _station(tmp_path / "right")
        engine = SyncEngine(right, server.url, settings_=SyncSettings(backoff_multiplier=0.01))
        engine.enrol(code, "right study")  # the refused kiosk did not use the code up
        engine.sync()
        engine.close()
        # the same station after a study-file upgrade the server has not had: refused, nothing stored
        newer = SYNTHETIC_STUDY_FILE.read_text(encoding="utf-8").replace('version = "0.3.1"', 'version = "0.4.0"')
        upgraded = Station(store=right.store, study=parse_study(newer))
        engine = SyncEngine(upgraded, server.url, settings_=SyncSettings(backoff_multiplier=0.01))
        with pytest.raises(StudyMismatch, match=r"runs study SYNTH0002 version 0\.4\.0"):
            engine.sync()
        engine.close()
        token = right.store.query("SELECT value FROM station WHERE key = 'device_token'")[0]["value"]
        body = build_request(study_version="0.3.1", corrections_cursor=0, items=[], study_id="NCT05605665")
        resp = httpx.post(f"{server.url}/api/v1/sync", json=body, headers={"Authorization": f"Bearer {token}"})
        assert resp.status_code == 409 and resp.json()["code"] == "study.mismatch"
        assert "update" not in resp.json()["detail"] and "--study" in resp.json()["detail"]
        with ctx.engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(records)).scalar_one() == 0
