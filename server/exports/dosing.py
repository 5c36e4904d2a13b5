"""Dosing as taken: per diary and drug, the doses reported on actual dates against what the arm's schedule
expects over those dates (shared/exposure.py, shared/compliance.py).

One function serves the CSV dosing file, SDTM EX and the report, so all three agree. A dated diary (2.0) lists
the dates each drug was taken; a counted diary (1.0, kept readable) gives counts over the days since the
previous diary. A daily home entry (issue 24) is a line of one day with its source ``home``; on a date both a home
entry and a clinic diary cover, compliance counts the home answer (``shared.compliance``), while each line still
shows what its own record reported.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from shared.compliance import Compliance, compliance, expected_counted, expected_dose_days, pct
from shared.exposure import (
    baseline_date,
    counted_doses,
    dated,
    diary_day,
    first_dose_date,
    home_day,
    is_dosing_record,
    period_of_read,
    periods,
    read_diary,
)
from shared.home import diary_date_of, parse_diary_date
from shared.home_compliance import daily_compliance, drug_daily, home_days, over_schedule
from shared.home_entries import CLINIC, HOME, home_dosing_id
from shared.site_time import site_local_date
from shared.study.model import Study


@dataclass(frozen=True)
class DoseLine:
    """One drug's dosing in one diary entry."""

    record_id: str
    participant_id: str
    visit_id: str | None
    instrument_version: str | None
    drug: str
    treatment: str
    dose: float
    unit: str
    route: str
    frequency: str
    period_start: str          # first date the diary covers (site-local)
    period_end: str            # last date it covers
    days: int
    dates_taken: str           # dated diary: the dates the drug was taken (";"-separated); counted: empty
    doses_reported: int | None
    doses_expected: float
    compliance_pct: float | None
    any_missed: bool | None
    missed_reason: str | None
    collected_at: str
    source: str                # home (the participant's phone) or clinic, from the stored device kind
    # issue 24 review (added at the end: outside tools read the columns by position too): the days this line
    # counts, and the days of its dated period left to a home entry of the same date (home wins)
    days_counted: int
    days_from_home: int


def dose_lines(study: Study, arm_code: str, rec: dict[str, Any], start: date, end: date,
               home_dates: Collection[date] = (), *,
               read: tuple[dict[date, frozenset[str]] | None, bool] | None = None) -> Iterator[DoseLine]:
    """The dosing lines of one diary record covering ``start``..``end`` (from ``shared.exposure.periods``) for the
    drugs of the participant's arm (doses, units, routes and frequencies from the study file). A clinic dated
    diary counts only its dates without a home entry (``home_dates``: the participant's home entry dates, which
    win, as in SDTM EX and compliance); the line says how many of its dates it left to home. ``read``: the
    caller's ``(dated(rec), home_day(rec) is not None)`` when it has them (the diary's answer parsed once)."""
    data = rec.get("data") or {}
    days = (end - start).days + 1
    days_taken, home = read if read is not None else (dated(rec), home_day(rec) is not None)
    from_home = 0
    if days_taken is not None and not home and home_dates:
        kept = {d: drugs for d, drugs in days_taken.items() if d not in home_dates}
        from_home, days_taken = len(days_taken) - len(kept), kept
    counted = len(days_taken) if days_taken is not None else days
    for t in study.arm(arm_code).treatments:
        reason = data.get("missed_reason")
        if days_taken is not None:
            taken_on = [d for d, drugs in days_taken.items() if t.drug in drugs]
            reported: int | None = len(taken_on)
            expected = expected_dose_days(t, len(days_taken))
            missed = reported < round(expected) if data.get("any_missed") is None else data.get("any_missed")
            if home:    # one day: a dose is expected when it was due that day (shared.home_compliance)
                reported, due = drug_daily(home_days([rec]), t)
                expected = float(due)
                entry = next((v.get(t.drug) for v in data.values() if isinstance(v, dict) and t.drug in v), None)
                reason = entry.get("missed_reason") if isinstance(entry, dict) else None
                missed = (entry.get("taken") is False and reason != "not_due") if isinstance(entry, dict) else None
        else:
            taken_on = []
            reported = counted_doses(rec, study, t.drug)
            expected = expected_counted(study, t, days)
            missed = data.get("any_missed")
        yield DoseLine(record_id=rec["record_id"], participant_id=rec["participant_id"], visit_id=rec.get("visit_id"),
                       instrument_version=rec.get("instrument_version"), drug=t.drug, treatment=t.name, dose=t.dose,
                       unit=t.unit, route=t.route, frequency=t.frequency, period_start=start.isoformat(),
                       period_end=end.isoformat(), days=days, dates_taken=";".join(d.isoformat() for d in taken_on),
                       doses_reported=reported, doses_expected=round(expected, 1),
                       compliance_pct=pct(reported or 0, expected) if reported is not None else None,
                       any_missed=missed, missed_reason=reason, collected_at=rec["collected_at"],
                       source=HOME if rec.get("source") == HOME else CLINIC, days_counted=counted,
                       days_from_home=from_home)


def participant_dose_lines(study: Study, arm_code: str, records: list[dict[str, Any]],
                           diary_instrument: str | None) -> Iterator[DoseLine]:
    """Every dosing line of one participant's records (their diaries in time order)."""
    diaries = [r for r in records if is_dosing_record(r, study, diary_instrument)]
    at_home = {entry[0] for r in diaries if (entry := home_day(r)) is not None}
    for rec, start, end in periods(diaries, study, baseline_date=baseline_date(records, study)):
        yield from dose_lines(study, arm_code, rec, start, end, at_home)


def first_dose_of(study: Study, records: list[dict[str, Any]], *, randomised: bool) -> date | None:
    """The first-dose date from one participant's current records, as ``server.services.exposure.
    first_dose_dates`` works it out from its own read (their dosing diaries and baseline forms; None for someone
    not randomised): for an export that holds the participant's records anyway."""
    if not randomised:
        return None
    diaries = [r for r in records if r.get("kind") == "instrument_response" and is_dosing_record(r, study)]
    return first_dose_date(diaries, study, baseline_date=baseline_date(records, study))


class DiaryStream:
    """Dosing lines of diaries read one record at a time, in participant and time order (the CSV's single
    streamed pass): remembers each participant's baseline date and last covered date."""

    def __init__(self, study: Study, diary_instrument: str | None) -> None:
        self._study = study
        self._at_home: frozenset[date] = frozenset()
        self._diary = diary_instrument
        self._home = home_dosing_id(study)
        self._baseline = study.visit_with_role("baseline")
        # what is_dosing_record asks, worked out once: this runs for every record of the export
        self._dosing = {i for i in (diary_instrument, self._home) if i is not None}
        self._pid: str | None = None
        self._base: date | None = None
        self._previous_end: date | None = None

    def participant(self, participant_id: str, records: Iterable[dict[str, Any]]) -> None:
        """Start the next participant with all their records in the export (before ``lines`` of any of them):
        the diary dates of their home dosing entries win over a clinic diary's dates, and a home entry may come
        after the clinic diary it wins over in the stream."""
        self._pid, self._base, self._previous_end = participant_id, None, None
        home = self._home
        self._at_home = frozenset(d for r in records if home is not None and r.get("instrument_id") == home
                                  if (d := parse_diary_date(diary_date_of(r))) is not None)

    def lines(self, rec: dict[str, Any]) -> list[DoseLine]:
        """The dosing lines of ``rec`` (empty unless it is a diary of a participant with an arm), a record of
        the participant last given to ``participant``."""
        assert rec.get("participant_id") == self._pid, "DiaryStream.participant() first"
        if self._baseline is not None and rec.get("visit_id") == self._baseline.id and self._base is None:
            self._base = site_local_date(rec.get("collected_at"), self._study, rec.get("site_id"))
        if rec.get("instrument_id") not in self._dosing or not rec.get("arm"):
            return []
        read = read_diary(rec)           # the answer parsed once for the period, the dates and home or not
        span = period_of_read(read, self._study, baseline_date=self._base)
        if span is None:
            return []
        start, end = span
        days_taken = read.days
        if days_taken is not None and read.home:   # one day; the next counted diary still
            return list(dose_lines(self._study, rec["arm"], rec, start, end,   # starts after the clinic's last
                                   read=(days_taken, True)))
        if days_taken is None and self._previous_end is not None:
            start = min(self._previous_end.fromordinal(self._previous_end.toordinal() + 1), end)
        day = diary_day(rec, self._study)
        self._previous_end = max(filter(None, (self._previous_end, end, day)))
        return list(dose_lines(self._study, rec["arm"], rec, start, end, self._at_home, read=(days_taken, False)))


def participant_compliance(study: Study, arm_code: str | None, records: list[dict[str, Any]],
                           diary_instrument: str | None) -> Compliance | None:
    """A participant's compliance from their records (``shared.compliance.compliance``); None without an arm."""
    if not arm_code:
        return None
    diaries = [r for r in records if is_dosing_record(r, study, diary_instrument)]
    return compliance(diaries, study, arm_code, baseline_date=baseline_date(records, study))


COMPLIANCE_COLUMNS = ["participant_id", "site_id", "arm", "first_dose_date", "first_day", "last_day", "days",
                      "compliance_pct"]


def compliance_columns(study: Study) -> list[str]:
    """Header of compliance.csv: the participant, dates covered, overall %, then taken/expected/% per study drug."""
    return COMPLIANCE_COLUMNS + [f"{k}_{d}" for d in study.drug_ids for k in ("taken", "expected", "pct")]


def compliance_row(study: Study, participant: dict[str, Any], records: list[dict[str, Any]],
                   diary_instrument: str | None, *, known: Compliance | None = None) -> list[Any]:
    """One participant's line of compliance.csv (drugs not in their arm left empty); ``known``: their
    ``participant_compliance`` when the caller has it already (the report), not computed again."""
    c = known if known is not None else participant_compliance(study, participant.get("arm"), records,
                                                                diary_instrument)
    diaries = [r for r in records if is_dosing_record(r, study, diary_instrument)]
    return compliance_line(study, participant, c, first_dose_date(diaries, study,
                                                                  baseline_date=baseline_date(records, study)))


def compliance_line(study: Study, participant: dict[str, Any], c: Compliance | None,
                    first: date | None) -> list[Any]:
    """compliance.csv's line of a participant from their compliance (``participant_compliance``) and first-dose
    date (``shared.exposure.first_dose_date``), for a caller that has both already (the report's ADaM pass)."""
    by_drug = {d.drug: d for d in c.drugs} if c else {}
    row: list[Any] = [participant["participant_id"], participant["site_id"], participant.get("arm"),
                      first.isoformat() if first else None,
                      c.first_day.isoformat() if c and c.first_day else None,
                      c.last_day.isoformat() if c and c.last_day else None, c.days if c else 0,
                      c.compliance_pct if c else None]
    for drug in study.drug_ids:
        d = by_drug.get(drug)
        row += [d.taken, d.expected, d.compliance_pct] if d else [None, None, None]
    return row


HOME_COMPLIANCE_COLUMNS = ["arm", "participants", "days_recorded", "doses_taken", "doses_expected", "compliance_pct",
                           "mean_participant_pct", "participants_over_schedule"]


def home_compliance(study: Study, arm_code: str | None, records: list[dict[str, Any]]) -> Compliance | None:
    """A participant's daily compliance from their home entries alone (source ``home``: stored from their app;
    ``shared.home_compliance``), None without an arm or without any home dosing entry (issue 24: the report's
    tables/home_compliance.csv and its "daily compliance (home diary)" table)."""
    entries = [r for r in records if r.get("source") == HOME and home_day(r) is not None]
    if not arm_code or not entries:
        return None
    return daily_compliance(entries, study, arm_code)


def home_compliance_rows(arms: list[str], by_arm: dict[str, list[Compliance]]) -> list[list[Any]]:
    """One line per arm: participants with home entries, days recorded at home, doses taken and expected on
    those days over every drug, the pooled % and the mean of the participants' %, and how many participants
    took more doses than the schedule allows (their % over 100 is shown as it is, and flagged here)."""
    rows = []
    for arm in arms:
        found = by_arm.get(arm, [])
        taken = sum(d.taken for c in found for d in c.drugs)
        expected = sum(d.expected for c in found for d in c.drugs)
        each = [c.compliance_pct for c in found if c.compliance_pct is not None]
        rows.append([arm, len(found), sum(c.days for c in found), taken, round(expected, 1), pct(taken, expected),
                     round(sum(each) / len(each), 1) if each else None, sum(1 for c in found if over_schedule(c))])
    return rows
