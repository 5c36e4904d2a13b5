"""The time-plausibility rules of shared/record_times.py, as the kiosk applies them before it saves."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from desktop_client.services import adverse_events
from desktop_client.services.adverse_events import AdverseEventEntry
from desktop_client.store import outbox
from shared.errors import RecordTimeImplausible
from shared.exposure import check_calendar_dates
from shared.instruments.loader import installed_instruments
from shared.instruments.model import Instrument
from shared.record_times import MAX_CLOCK_SKEW, _undated
from shared.records import new_record, timestamps
from shared.study import default_study
from shared.validation import validate_record
from tests.factories import enrol_participant, offline_station

STUDY = default_study()
NOW = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)


def _vas(**envelope: object) -> dict:
    rec = new_record(kind="instrument_response", study_id=STUDY.study.id, study_version="1.0.0", site_id="PKU",
                     participant_id="PKU-001", data={"activity": 30}, entered_by="participant", device_id="dev-1",
                     visit_id="baseline", instrument_id="patient_global_vas", instrument_version="1.0",
                     language="zh", timezone="Asia/Shanghai")
    rec.update(envelope)
    return rec


def _times(moment: datetime, zone: str = "Asia/Shanghai") -> dict[str, str]:
    utc, local = timestamps(zone, moment)
    return {"collected_at": utc, "collected_at_local": local}


def _refused(rec: dict, **kw: object) -> dict[str, str]:
    with pytest.raises(RecordTimeImplausible) as refused:
        validate_record(rec, STUDY, now=NOW, **kw)
    assert refused.value.code == "record.time_implausible"
    return {p.field: p.allowed for p in refused.value.problems}


def test_a_record_made_now_at_the_site_zone_is_plausible() -> None:
    validate_record(_vas(**_times(NOW)), STUDY, now=NOW, consent_date=date(2026, 11, 1))
    assert timestamps("Asia/Shanghai", NOW)[1].endswith("+08:00")


def test_the_clock_skew_is_allowed_and_no_more() -> None:
    validate_record(_vas(**_times(NOW + MAX_CLOCK_SKEW)), STUDY, now=NOW)
    assert "collected_at" in _refused(_vas(**_times(NOW + MAX_CLOCK_SKEW + timedelta(seconds=1))))


def test_local_time_must_be_the_same_instant_at_the_site_offset() -> None:
    assert "+08:00" in _refused(_vas(**_times(NOW, "UTC")))["collected_at_local"]
    six_years_off = {**_times(NOW), "collected_at_local": _times(NOW - timedelta(days=2190))["collected_at_local"]}
    assert "collected_at_local" in _refused(_vas(**six_years_off))


def test_nothing_is_dated_before_consent_or_the_study_start() -> None:
    assert "consent" in _refused(_vas(**_times(datetime(2026, 10, 31, tzinfo=UTC))),
                                 consent_date=date(2026, 11, 1))["collected_at"]
    assert "study start" in _refused(_vas(**_times(datetime(2021, 1, 1, tzinfo=UTC))))["collected_at"]


def test_the_kiosk_refuses_an_adverse_event_dated_9999_before_saving(tmp_path: Path) -> None:
    station = offline_station(tmp_path / "kiosk")
    try:
        pid = enrol_participant(station)
        queued = len(outbox.pending_batch(station.store, 100))
        entry = AdverseEventEntry(term="Fever", onset_date=date(9999, 12, 31), grade=2, serious_criteria=(),
                                  causality={"il2": "possible", "rapamycin": "unlikely"},
                                  action={"il2": "none", "rapamycin": "none"}, outcome="not_recovered")
        with pytest.raises(RecordTimeImplausible) as refused:
            adverse_events.record_adverse_event(station, pid, entry, actor="staff:nurse.a")
        assert refused.value.problems[0].field == "data.onset_date"
        assert len(outbox.pending_batch(station.store, 100)) == queued
    finally:
        station.store.close()


def test_each_study_file_s_site_zone_is_used_even_with_the_site_looked_up_before() -> None:
    """The site and zone are looked up once per study and site (a cache): a second study whose site PKU runs on
    another zone is checked against its own zone, and the first study still against its own."""
    elsewhere = STUDY.model_copy(update={"sites": [s.model_copy(update={"timezone": "Europe/London"})
                                                   if s.id == "PKU" else s for s in STUDY.sites]})
    shanghai = _vas(**_times(NOW))
    validate_record(shanghai, STUDY, now=NOW, consent_date=date(2026, 11, 1))
    with pytest.raises(RecordTimeImplausible) as refused:
        validate_record(shanghai, elsewhere, now=NOW, consent_date=date(2026, 11, 1))
    assert [p.field for p in refused.value.problems] == ["collected_at_local"]
    validate_record(_vas(**_times(NOW, "Europe/London")), elsewhere, now=NOW, consent_date=date(2026, 11, 1))
    validate_record(shanghai, STUDY, now=NOW, consent_date=date(2026, 11, 1))


@pytest.mark.parametrize("instrument", installed_instruments(), ids=lambda i: f"{i.id}-{i.version}")
def test_an_instrument_without_a_dose_calendar_skips_exactly_the_calendar_check_that_finds_nothing(
        instrument: Instrument) -> None:
    """The calendar check is left out only for an instrument of the library that has no dated dose item: there
    it finds nothing to refuse whatever the answers (here every item answers with a day in the future)."""
    rec = {"kind": "instrument_response", "instrument_id": instrument.id, "instrument_version": instrument.version,
           "data": {it.id: {"2099-01-01": []} for it in instrument.items}}
    found = check_calendar_dates(rec, day=date(2026, 12, 1), floor=date(2026, 1, 1), floor_name="the study start")
    assert _undated(rec) is (found == [])
    assert not _undated({**rec, "instrument_version": "9.9"}) and not _undated({**rec, "instrument_id": ["x"]})
