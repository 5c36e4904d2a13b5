"""The validator's quick yes (shared/plain_response.py) is never a refusal of validate_record, and says yes to the
plain instrument responses a kiosk sends (else it would save nothing)."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.errors import RecordInvalid
from shared.instruments import get_instrument
from shared.instruments.loader import installed_instruments
from shared.plain_response import passes
from shared.records import ENVELOPE_FIELDS, new_record, timestamps
from shared.study import default_study, load_study
from shared.study.model import Study
from shared.synthetic import synthetic_answers
from shared.validation import validate_record

ROOT = Path(__file__).resolve().parents[2]
STUDIES = [default_study(), load_study(ROOT / "tests/studies/synthetic_two_arm.toml")]
NOW = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)
WHEN = [NOW - timedelta(days=30), NOW - timedelta(minutes=1), NOW + timedelta(minutes=9),
        NOW + timedelta(minutes=11), datetime(2026, 3, 1, 23, 30, tzinfo=UTC)]


def _valid(study: Study, rng: random.Random, n: int) -> list[tuple[dict[str, Any], str | None]]:
    """Valid instrument responses at scheduled visits of ``study``, each with its participant's arm."""
    out = []
    pairs = [(v, i) for v in study.visits for i in v.instruments]
    site = study.sites[0]
    while len(out) < n:
        visit, inst_id = rng.choice(pairs)
        arm = rng.choice(study.arms)
        inst = get_instrument(inst_id)
        rec = new_record(kind="instrument_response", study_id=study.study.id, study_version=study.study.version,
                         site_id=site.id, participant_id=f"{site.id}-{rng.randint(1, 999):03d}",
                         data=synthetic_answers(inst, drugs=arm.drugs, rng=rng, arm_code=arm.code, study=study,
                                                dose_dates=[(NOW - timedelta(days=2)).date()]),
                         entered_by=rng.choice(["participant", "staff:nurse.one"]), device_id="dev-0d8b46e2b400",
                         visit_id=visit.id, instrument_id=inst.id, instrument_version=inst.version,
                         language=rng.choice([None, "en", "zh"]), timezone=site.timezone)
        rec.update(zip(("collected_at", "collected_at_local"),
                       timestamps(site.timezone, NOW - timedelta(hours=rng.randint(1, 48))), strict=True))
        if rng.random() < 0.2:
            rec.update(revision=2, correction_reason="typed the wrong answer")
        out.append((rec, arm.code))
    return out


BASES = [(study, rec, arm) for study in STUDIES for rec, arm in _valid(study, random.Random(4), 40)]


def _refusal(record: Any, study: Study, arm: str | None, consent: date | None, now: datetime) -> Any:
    try:
        validate_record(record, study, arm_code=arm, consent_date=consent, now=now)
    except RecordInvalid as exc:
        return exc.code, [p.as_dict() for p in exc.problems]
    return None


@pytest.mark.parametrize("base", BASES[::7], ids=lambda b: f"{b[0].study.id}-{b[1]['instrument_id']}")
def test_a_plain_response_a_kiosk_sends_gets_the_quick_yes(base: tuple[Study, dict[str, Any], str]) -> None:
    study, rec, arm = base
    assert _refusal(rec, study, arm, None, NOW) is None
    assert passes(rec, study, arm_code=arm, consent_date=None, now=NOW)


def test_most_plain_responses_get_the_quick_yes() -> None:
    said_yes = sum(passes(rec, study, arm_code=arm, consent_date=None, now=NOW) for study, rec, arm in BASES)
    undated = sum(1 for _, rec, _ in BASES
                  if not any(it.response.value == "dose_calendar"
                             for it in get_instrument(rec["instrument_id"], rec["instrument_version"]).items))
    assert said_yes == undated   # every one without a dated dose calendar (those take the long way)


# what a kiosk (or a forged request) may put in a field: every JSON type and look-alikes, and per field the
# edges of its rules (each field's own values drawn as often as the rest, so every rule is met often)
ANY = [None, "", " ", "\n", True, False, 0, 1, 2, -1, 1.0, "1", [], {}, ["en"], {"a": 1}]
_IDS = ["participant", "staff:nurse.one", "\u00a0", "\t\n", "x" * 100, "x" * 101, "dev-0d8b46e2b400"]
_UTC = ["2026-11-30T06:00:00Z", "2026-11-30T06:00:00.000Z", "2026-11-30T06:00:00+00:00", "2026-11-30T06:00:00.1234567Z",
        "2026-13-30T06:00:00Z", "2026-11-31T06:00:00Z", "2026-11-30T06:00:00Z\n", "2026-11-30 06:00:00Z",
        "2020-01-01T00:00:00Z", "2026-12-01T06:09:00Z", "2026-12-01T06:11:00Z", "2026-11-30T06:00:01Z"]
_LOCAL = ["2026-11-30T14:00:00+08:00", "2026-11-30T14:00:00.000+08:00", "2026-11-30T14:00:00.5+08:00",
          "2026-11-30T14:00:00+07:00", "2026-11-30T07:00:00+01:00", "2026-11-30T14:00:00+08:00\n",
          "2026-11-30T14:00:00Z", "2020-01-01T08:00:00+08:00", "2026-11-30T14:00:02+08:00"]


def _pools(study: Study) -> dict[str, list[Any]]:
    insts = installed_instruments()
    sites = [s.id for s in study.sites]
    return {
        "record_id": ["81ec28cd-8387-4921-a116-f17d2e9cc2b0", "81EC28CD-8387-4921-A116-F17D2E9CC2B0",
                      "81ec28cd-8387-4921-a116-f17d2e9cc2b0\n", "81ec28cd83874921a116f17d2e9cc2b0"],
        "revision": [0, 1, 2, 3, 2**31, True, 2.0],
        "kind": ["instrument_response", "adverse_event", "enrolment"],
        "study_id": [study.study.id, "NCT00000000", study.study.id + " "],
        "study_version": [study.study.version, "9.9.9"],
        "site_id": [*sites, "XYZ", "PKU", f"{sites[0]}\n"],
        "participant_id": [f"{sites[0]}-001", f"{sites[0]}-001\n", f"{sites[0].lower()}-001", "XYZ-001", "PKU-001",
                           f"{sites[0]}-01", f"{sites[0]}-1234567", f"{sites[0]}-000001"],
        "visit_id": [*(v.id for v in study.visits), "no_such_visit"],
        "instrument_id": [*(i.id for i in insts), "no_such_instrument"],
        "instrument_version": [*sorted({i.version for i in insts}), "9.9"],
        "collected_at": _UTC, "collected_at_local": _LOCAL, "entered_by": _IDS, "device_id": _IDS,
        "language": ["en", "zh", "fr", "EN"],
        "correction_reason": ["typed the wrong answer", "a" * 500, "a" * 501, "\u00a0"],
        "data": [{}, [], "x"],
    }


def _agree(study: Study, rec: Any, arm: str | None = None, consent: date | None = None, now: datetime = NOW) -> None:
    if passes(rec, study, arm_code=arm, consent_date=consent, now=now):
        assert _refusal(rec, study, arm, consent, now) is None, rec


SOME = BASES[::5]


def test_no_edge_of_an_envelope_field_gets_the_quick_yes_where_the_validator_refuses() -> None:
    for study, base, arm in SOME:
        for field, pool in _pools(study).items():
            for value in [*pool, *ANY]:
                _agree(study, {**base, field: value}, arm)
            _agree(study, {k: v for k, v in base.items() if k != field}, arm)
        for key in ("extra", "Record_id"):
            _agree(study, {**base, key: None}, arm)


def test_no_answer_outside_its_item_s_rule_gets_the_quick_yes() -> None:
    for study, base, arm in SOME:
        for item in [*base["data"], "not_an_item"]:
            for value in [*ANY, *range(-2, 102, 3), 101, "mild", "x" * 501, 0.5]:
                _agree(study, {**base, "data": {**base["data"], item: value}}, arm)
            _agree(study, {**base, "data": {k: v for k, v in base["data"].items() if k != item}}, arm)


def test_no_time_the_validator_refuses_gets_the_quick_yes() -> None:
    """About every time limit: in the future, before consent or the study, at another offset, drifted."""
    for study, base, arm in SOME[::2]:
        for zone in (study.sites[0].timezone, "Europe/Berlin"):
            for moment in WHEN:
                for drift in (0, 1000, 1001, -1001, 2000):
                    rec = {**base, "collected_at": timestamps(zone, moment)[0],
                           "collected_at_local": timestamps(zone, moment + timedelta(milliseconds=drift))[1]}
                    for consent in (None, date(2026, 1, 5), NOW.date(), date(2027, 1, 1)):
                        for now in (NOW, NOW - timedelta(days=3), NOW.replace(tzinfo=None)):
                            _agree(study, rec, arm, consent, now)


def test_no_arm_the_validator_refuses_gets_the_quick_yes() -> None:
    for study, base, _ in SOME:
        for arm in (None, "no_such_arm", *(a.code for a in study.arms)):
            _agree(study, base, arm)


@st.composite
def cases(draw: st.DrawFn) -> tuple[Study, Any, str | None, date | None, datetime]:
    """Several edges at once, in any field (the sweeps above take one at a time)."""
    study, rec, arm = draw(st.sampled_from(BASES))
    rec = {**rec, "data": dict(rec["data"])}
    pools = _pools(study)
    for _ in range(draw(st.integers(1, 3))):
        what = draw(st.sampled_from([*ENVELOPE_FIELDS, "data.", "time"]))
        if what == "time":
            zone = draw(st.sampled_from([study.sites[0].timezone, "Europe/Berlin"]))
            moment = draw(st.sampled_from(WHEN))
            drift = timedelta(milliseconds=draw(st.sampled_from([0, 1001, -1001])))
            rec["collected_at"] = timestamps(zone, moment)[0]
            rec["collected_at_local"] = timestamps(zone, moment + drift)[1]
        elif what == "data.":
            if isinstance(rec.get("data"), dict):
                item = draw(st.sampled_from([*rec["data"], "not_an_item"]))
                rec["data"][item] = draw(st.sampled_from(ANY) | st.integers(-2, 101))
        else:
            rec[what] = draw(st.sampled_from(pools[what]) | st.sampled_from(ANY))
    arm = draw(st.sampled_from([arm, arm, None, "no_such_arm", *(a.code for a in study.arms)]))
    consent = draw(st.sampled_from([None, None, date(2026, 1, 5), NOW.date(), date(2027, 1, 1)]))
    now = draw(st.sampled_from([NOW, NOW, NOW - timedelta(days=3)]))
    return study, rec, arm, consent, now


@settings(max_examples=100, derandomize=True, deadline=None)
@given(cases())
def test_the_quick_yes_is_never_a_refusal_of_the_validator(case: tuple[Study, Any, str | None, date | None,
                                                                       datetime]) -> None:
    _agree(*case)
