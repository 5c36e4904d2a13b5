"""Dosing on the kiosk: which dates the next dosing diary asks about, and what the diaries so far say
(doses per date, compliance) for nurse mode. Plain Python, no Qt; the rules are in shared/exposure.py and
shared/compliance.py, so the kiosk shows what the server and the exports compute.

The station knows the diaries saved on it (and corrections sent down to it). Of a diary filled in on another
kiosk of the site it knows only the summary the server sends (``site_records``): the site day it was collected
on, which is the last date that diary covered, so the next diary here starts the day after it; the baseline
date likewise comes from either kiosk's baseline forms (issue 22). A date the participant recorded in the daily
home dosing diary on their phone (issue 24, ``home_entries`` from the server) is not asked again: the home entry
wins for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from desktop_client.services import site_records
from desktop_client.services.station import Station
from desktop_client.store import home_entries as store_home_entries
from desktop_client.store import records as store_records
from shared.compliance import Compliance, compliance
from shared.exposure import baseline_date, calendar_item, diary_dates, first_dose_date, periods, taken_by_date
from shared.home_entries import home_dosing_id
from shared.instruments.model import Instrument
from shared.site_time import site_local_date, site_today


def _diaries_and_baseline(station: Station, participant_id: str) -> tuple[list[dict[str, Any]], date | None]:
    study = station.study
    diary = study.instrument_with_role("dosing")
    recs = store_records.records_of(station.store, participant_id, kind="instrument_response")
    diaries = [r for r in recs if diary is not None and r.get("instrument_id") == diary.id]
    return diaries, baseline_date(recs, study)


@dataclass(frozen=True)
class _Elsewhere:
    """What the site state says of a participant's forms held on other kiosks only."""

    baseline: date | None
    diary_days: tuple[date, ...]        # site days on which a dosing diary was collected elsewhere


def _elsewhere(station: Station, participant_id: str) -> _Elsewhere:
    study = station.study
    diary, base = study.instrument_with_role("dosing"), study.visit_with_role("baseline")
    baseline_days, diary_days = [], []
    for done in site_records.responses_done(station, participant_id):
        day = site_local_date(done.collected_at, study, station.site_id)
        if done.here or day is None:
            continue
        if base is not None and done.visit_id == base.id:
            baseline_days.append(day)
        if diary is not None and done.instrument_id == diary.id:
            diary_days.append(day)
    return _Elsewhere(min(baseline_days, default=None), tuple(diary_days))


def diary_dates_for(station: Station, participant_id: str, *, today: date | None = None) -> tuple[date, ...]:
    """The dates the participant's next dosing diary asks about: from the day after the last date of their
    previous diary (their baseline date for the first) to today at the site, without the dates of their home
    entries (``shared.exposure.diary_dates``; empty when the phone recorded every one)."""
    return recall_split(station, participant_id, today=today)[0]


def recall_split(station: Station, participant_id: str, *,
                 today: date | None = None) -> tuple[tuple[date, ...], tuple[date, ...]]:
    """(dates the next dosing diary asks about, dates of its period left out because a home entry has them)."""
    study = station.study
    diaries, baseline = _diaries_and_baseline(station, participant_id)
    spans = periods(diaries, study, baseline_date=baseline)
    elsewhere = _elsewhere(station, participant_id)
    baseline = min((d for d in (baseline, elsewhere.baseline) if d is not None), default=None)
    previous_end = max((d for d in (*(end for _rec, _start, end in spans), *elsewhere.diary_days)), default=None)
    today = today or site_today(study, station.site_id)
    every = diary_dates(previous_end=previous_end, baseline=baseline, today=today)
    asked = diary_dates(previous_end=previous_end, baseline=baseline, today=today,
                        home_dates=home_dates_for(station, participant_id))
    return tuple(asked), tuple(d for d in every if d not in set(asked))


def home_dates_for(station: Station, participant_id: str) -> set[date]:
    """The dates of the participant's daily home dosing entries the server told this station of."""
    home = home_dosing_id(station.study)
    return store_home_entries.dates_of(station.store, participant_id, home) if home else set()


@dataclass(frozen=True)
class DosingSummary:
    """What nurse mode shows of one participant's dosing."""

    participant_id: str
    arm: str | None
    first_dose: date | None
    taken: dict[date, frozenset[str]]      # dated diaries: every covered date -> drugs taken
    compliance: Compliance | None          # None before the participant has an arm


def dosing_summary(station: Station, participant_id: str) -> DosingSummary:
    """First-dose date, doses per date and compliance of a participant, from the diaries on this station."""
    study = station.study
    diaries, baseline = _diaries_and_baseline(station, participant_id)
    arm = station.participant_arm(participant_id)
    return DosingSummary(participant_id=participant_id, arm=arm,
                         first_dose=first_dose_date(diaries, study, baseline_date=baseline),
                         taken=taken_by_date(diaries),
                         compliance=compliance(diaries, study, arm, baseline_date=baseline) if arm else None)


def dates_if_dated(station: Station, participant_id: str, instrument: Instrument) -> list[date] | None:
    """``diary_dates_for`` when ``instrument`` is a dated dosing diary (None for any other instrument)."""
    return list(diary_dates_for(station, participant_id)) if calendar_item(instrument) else None
