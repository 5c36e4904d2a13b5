"""Exposure: which study drug a participant took on which date, what the arm's schedule expected, and when
treatment began. Pure rules; the server, the kiosk, the exports and the report all call these.

Two shapes of dosing diary (the study instrument with role ``dosing``) are read:

- **dated** (a ``dose_calendar`` item, instrument version 2.0 on): the answer maps every date of the diary's
  period (ISO ``YYYY-MM-DD``, site-local days, the last one the day of the diary; days recorded at home are
  left out, issue 24) to the ids of the
  study drugs taken that day (``{"2026-03-02": ["drug_a"], "2026-03-03": []}``);
- **counted** (version 1.0, kept readable): per drug a count of doses or of days taken since the last visit
  (``drugs[*].diary_item`` / ``diary_counts`` in the study file), with no dates.

First-dose date (``first_dose_date``), the reference for treatment emergence (an AE is treatment-emergent when
its onset is on or after it):

1. a dated diary: the earliest date on which any study drug is ticked as taken;
2. else a counted diary reporting any dose: the start of the first such diary's period (the baseline date for
   the first diary: the protocol gives the first dose at the baseline visit, after its assessments);
3. else, no diary yet but a baseline visit: the baseline date (the planned first dose, until a diary says);
4. else None: diaries exist and none reports a dose (never treated), or no baseline visit yet.

A daily **home** dosing entry (issue 24, ``shared.home_entries``: role ``home_dosing``, one ``diary_date``) is
read as a dated diary of one day, and for its date it wins over a clinic diary (``taken_by_date``): the doses
taken, the first-dose date and compliance count the home entry's answer on that date. A counted diary names no
dates, so a home entry inside its period cannot replace part of it (both predate each other only in old data).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, timedelta
from typing import Any, NamedTuple

from shared.errors import FieldProblem
from shared.home_entries import HOME_DOSING_ROLE, entry_date, taken_drugs
from shared.instruments import get_instrument
from shared.instruments.model import Instrument, ResponseType
from shared.site_time import site_local_date
from shared.study.model import Study
from shared.values import problem

MAX_DIARY_DAYS = 120   # the longest period one diary may cover (a missed visit or two, not a whole trial)


_CALENDAR_ITEMS: dict[int, tuple[Instrument, str | None]] = {}


def calendar_item(instrument: Instrument) -> str | None:
    """The id of the instrument's dated dose item (response ``dose_calendar``), None for a counted diary.

    Found once per instrument: the time checks of every synced instrument response ask (the cache holds the
    instrument, so its id stays its own)."""
    hit = _CALENDAR_ITEMS.get(id(instrument))
    if hit is None or hit[0] is not instrument:
        if len(_CALENDAR_ITEMS) > 1000:
            _CALENDAR_ITEMS.clear()
        hit = _CALENDAR_ITEMS[id(instrument)] = (instrument, next(
            (it.id for it in instrument.items if it.response is ResponseType.DOSE_CALENDAR), None))
    return hit[1]


def _instrument_of(rec: Mapping[str, Any]) -> Instrument | None:
    try:
        return get_instrument(str(rec.get("instrument_id")), str(rec.get("instrument_version")))
    except Exception:  # noqa: BLE001 - an unknown instrument is simply not a diary we can read
        return None


def _iso_day(text: Any) -> date | None:
    try:
        return date.fromisoformat(text) if isinstance(text, str) and len(text) == 10 else None
    except ValueError:
        return None


def calendar(rec: Mapping[str, Any]) -> dict[date, frozenset[str]] | None:
    """A dated diary record's days -> drugs taken (None for a counted diary or an unreadable answer)."""
    return _calendar(rec, _instrument_of(rec))


def _calendar(rec: Mapping[str, Any], instrument: Instrument | None) -> dict[date, frozenset[str]] | None:
    item = calendar_item(instrument) if instrument else None
    value = (rec.get("data") or {}).get(item) if item else None
    if not isinstance(value, Mapping):
        return None
    out: dict[date, frozenset[str]] = {}
    for key, drugs in value.items():
        day = _iso_day(key)
        if day is not None and isinstance(drugs, list | tuple):
            out[day] = frozenset(d for d in drugs if isinstance(d, str))
    return dict(sorted(out.items()))


def is_dosing_record(rec: Mapping[str, Any], study: Study, diary_instrument: str | None = None) -> bool:
    """Whether ``rec`` tells doses taken: the clinic dosing diary (``diary_instrument``, else the study's role
    ``dosing``) or the daily home dosing diary (role ``home_dosing``)."""
    if diary_instrument is None:
        diary = study.instrument_with_role("dosing")
        diary_instrument = diary.id if diary else None
    home = study.instrument_with_role(HOME_DOSING_ROLE)
    return rec.get("instrument_id") is not None and rec.get("instrument_id") in (
        diary_instrument, home.id if home else None)


def home_day(rec: Mapping[str, Any]) -> tuple[date, frozenset[str]] | None:
    """A home dosing entry's date and the drugs it says were taken (None for any other record)."""
    return _home_day(rec, _instrument_of(rec))


def _home_day(rec: Mapping[str, Any], instrument: Instrument | None) -> tuple[date, frozenset[str]] | None:
    day = entry_date(rec)
    if instrument is None or day is None or calendar_item(instrument) is not None:
        return None
    taken = taken_drugs(instrument, rec.get("data") or {})
    return (day, taken) if taken is not None else None


def dated(rec: Mapping[str, Any]) -> dict[date, frozenset[str]] | None:
    """The dates a dated diary or a home entry covers -> drugs taken (None for a counted diary)."""
    return _read_one(rec).days


class _Read(NamedTuple):
    """One diary read once per computation (its answer parsed once, not once per rule that looks at it)."""

    rec: Mapping[str, Any]
    days: dict[date, frozenset[str]] | None   # ``dated(rec)``
    home: bool                                # a home entry (``home_day(rec) is not None``)


def _read_one(rec: Mapping[str, Any]) -> _Read:
    instrument = _instrument_of(rec)     # looked up once for both questions
    home = _home_day(rec, instrument)
    return _Read(rec, {home[0]: home[1]} if home is not None else _calendar(rec, instrument), home is not None)


def read_diary(rec: Mapping[str, Any]) -> _Read:
    """One diary read once: its dates -> drugs taken (``dated``) and whether it is a home entry; for a caller
    that asks ``period_of_read``, ``dated`` and ``home_day`` of the same record (the CSV's dosing lines)."""
    return _read_one(rec)


def period_of_read(read: _Read, study: Study, *, baseline_date: date | None) -> tuple[date, date] | None:
    """``periods([read.rec], …)``'s one (first, last) date of a diary already read, None when it has none."""
    spans = _periods([read], study, baseline_date)
    return (spans[0][1], spans[0][2]) if spans else None


def _read(diaries: Iterable[Mapping[str, Any]]) -> list[_Read]:
    return [_read_one(rec) for rec in diaries]


def read_diaries(diaries: Iterable[Mapping[str, Any]]) -> list[_Read]:
    """``read_diary`` of each diary (what ``Exposure`` is built from)."""
    return _read(diaries)


def check_calendar(value: Any, field: str, drugs: frozenset[str] | None) -> FieldProblem | None:
    """Check the shape of a dose-calendar answer: ISO dates within ``MAX_DIARY_DAYS`` days, each with a list of
    distinct drug ids of the participant's arm (``drugs``; any study drug when None). Dates may skip days: the
    days a participant recorded at home are not asked again (issue 24)."""
    allowed = ("an object mapping dates (YYYY-MM-DD, at most "
               f"{MAX_DIARY_DAYS}) to lists of the participant's study drugs"
               + (f" ({', '.join(sorted(drugs))})" if drugs is not None else ""))
    if not isinstance(value, Mapping) or not value:
        return problem(field, value, allowed, "must list the days of the diary", "dosing.not_a_calendar")
    days: list[date] = []
    for key, taken in value.items():
        day = _iso_day(key)
        if day is None:
            return problem(f"{field}.{key}", key, "a date YYYY-MM-DD", "is not a valid date", "value.date_invalid")
        if not isinstance(taken, list) or not all(isinstance(d, str) for d in taken) or len(set(taken)) != len(taken):
            return problem(f"{field}.{key}", taken, "a list of distinct drug ids", "is not a list of drugs taken",
                           "dosing.not_a_drug_list")
        unknown = sorted(d for d in taken if drugs is not None and d not in drugs)
        if unknown:
            return problem(f"{field}.{key}", unknown, ", ".join(sorted(drugs or ())),
                           "names a drug that is not in the participant's arm", "dosing.drug_not_in_arm")
        days.append(day)
    days.sort()
    if len(days) > MAX_DIARY_DAYS:
        return problem(field, f"{len(days)} days", f"at most {MAX_DIARY_DAYS} days", "covers too many days",
                       "dosing.period_too_long", maximum=MAX_DIARY_DAYS)
    if (days[-1] - days[0]).days + 1 > MAX_DIARY_DAYS:
        return problem(field, f"{days[0].isoformat()} to {days[-1].isoformat()}",
                       f"dates within {MAX_DIARY_DAYS} days", "spans too many days", "dosing.period_too_long",
                       maximum=MAX_DIARY_DAYS)
    return None


def check_calendar_dates(record: Mapping[str, Any], *, day: date, floor: date,
                         floor_name: str) -> list[FieldProblem]:
    """Time plausibility of a dated diary (called by ``shared.record_times``): no date after ``day`` (the
    diary's own site-local day) and none before ``floor`` (the consent, or the study start)."""
    days = calendar(record)
    if not days:
        return []
    instrument = _instrument_of(record)
    field = f"data.{calendar_item(instrument) if instrument else ''}"
    first, last = min(days), max(days)
    out: list[FieldProblem] = []
    if last > day:
        out.append(problem(field, last.isoformat(), f"dates up to {day.isoformat()} (the day of the diary)",
                           "reports a day that has not come yet", "dosing.date_after_diary"))
    if first < floor:
        out.append(problem(field, first.isoformat(), f"dates on or after {floor.isoformat()} ({floor_name})",
                           f"reports a day before {floor_name}", "dosing.date_before_start"))
    return out


def diary_dates(*, previous_end: date | None, baseline: date | None, today: date,
                home_dates: Iterable[date] = ()) -> list[date]:
    """The dates a new diary asks about: from the day after the previous diary's last date (the baseline date,
    where the first dose is given, for the first diary; today when neither is known) up to today, the most
    recent ``MAX_DIARY_DAYS`` at most, leaving out the ``home_dates`` (a home entry wins for its date, so the
    clinic does not ask about it again; every date may be left out). A second diary on the same day asks about
    today again."""
    start = previous_end + timedelta(days=1) if previous_end else (baseline or today)
    start = max(min(start, today), today - timedelta(days=MAX_DIARY_DAYS - 1))
    at_home = set(home_dates)
    return [d for d in (start + timedelta(days=n) for n in range((today - start).days + 1)) if d not in at_home]


def scheduled_on(index: int, doses_per_week: float) -> bool:
    """Whether the schedule puts a dose on day ``index`` (0 = the first day) of a run of days: every day for a
    daily drug, spread evenly otherwise (twice weekly: days 3, 6, 10, 13, ...). For synthetic diaries."""
    per_day = min(doses_per_week, 7) / 7
    return int((index + 1) * per_day + 1e-9) > int(index * per_day + 1e-9)


def dose_runs(days: Iterable[date]) -> list[tuple[date, date]]:
    """Consecutive dates grouped into (first, last) runs: one SDTM EX row per run of a constant dose."""
    runs: list[tuple[date, date]] = []
    for day in sorted(set(days)):
        if runs and day == runs[-1][1] + timedelta(days=1):
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def taken_by_date(diaries: Iterable[Mapping[str, Any]]) -> dict[date, frozenset[str]]:
    """Every date the participant's dated diaries and home entries cover -> drugs taken. Where two clinic diaries
    cover the same date (two on one day) the later one says what was taken; a home entry of a date wins over
    any clinic diary of it (the later home revision or entry, if two)."""
    return _taken_by_date(_read(diaries))


def _taken_by_date(reads: list[_Read]) -> dict[date, frozenset[str]]:
    merged: dict[date, frozenset[str]] = {}
    for read in sorted(reads, key=lambda r: (r.home, r.rec.get("collected_at") or "")):
        merged.update(read.days or {})
    return dict(sorted(merged.items()))


def winning_days(diaries: Iterable[Mapping[str, Any]]) -> dict[str, dict[date, frozenset[str]]]:
    """Record id -> the dates (and drugs taken) for which that dated diary or home entry is the one counted
    (``taken_by_date``'s choice): a clinic diary loses the dates a home entry covers. For SDTM EX, so a dose
    is never exported twice."""
    return _winning_days(_read(diaries))


def _winning_days(reads: list[_Read]) -> dict[str, dict[date, frozenset[str]]]:
    owner: dict[date, tuple[str, frozenset[str]]] = {}
    for read in sorted(reads, key=lambda r: (r.home, r.rec.get("collected_at") or "")):
        for day, drugs in (read.days or {}).items():
            owner[day] = (str(read.rec.get("record_id")), drugs)
    out: dict[str, dict[date, frozenset[str]]] = {}
    for day, (record_id, drugs) in sorted(owner.items()):
        out.setdefault(record_id, {})[day] = drugs
    return out


def diary_day(rec: Mapping[str, Any], study: Study) -> date | None:
    """The site-local day a diary was filled in."""
    return site_local_date(rec.get("collected_at"), study, rec.get("site_id"))


def counted_doses(rec: Mapping[str, Any], study: Study, drug_id: str) -> int | None:
    """A counted (1.0) diary's reported doses or days for ``drug_id`` (None when it does not report it)."""
    item = study.drug(drug_id).diary_item
    value = (rec.get("data") or {}).get(item) if item else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def periods(diaries: Iterable[Mapping[str, Any]], study: Study, *,
            baseline_date: date | None) -> list[tuple[Mapping[str, Any], date, date]]:
    """Each diary with the (first, last) date it covers, oldest first.

    A dated diary covers the dates it lists. A counted diary covers the day after the previous diary's last
    date (the baseline date for the first; its own day when no baseline is known) up to its own day, so
    consecutive periods never share a day.
    """
    return [(read.rec, start, end) for read, start, end in _periods(_read(diaries), study, baseline_date)]


def _periods(reads: list[_Read], study: Study, baseline_date: date | None,
             day_of: Callable[[Mapping[str, Any]], date | None] | None = None) -> list[tuple[_Read, date, date]]:
    """``periods`` of diaries already read; ``day_of``: the caller's ``diary_day`` when it has the days."""
    out: list[tuple[_Read, date, date]] = []
    previous: date | None = None
    for read in sorted(reads, key=lambda r: r.rec.get("collected_at") or ""):
        rec, days = read.rec, read.days
        if days:
            start, end = min(days), max(days)
        else:
            end = day_of(rec) if day_of is not None else diary_day(rec, study)
            if end is None:
                continue
            start = previous + timedelta(days=1) if previous else (baseline_date or end)
            start = min(start, end)
        out.append((read, start, end))
        if not read.home:      # a home entry is one day; the next counted diary still starts after the last
            previous = end if previous is None else max(previous, end)
    return out


def first_dose_date(diaries: Iterable[Mapping[str, Any]], study: Study, *,
                    baseline_date: date | None) -> date | None:
    """The participant's first-dose date (rules 1-4 of the module docstring).

    ``diaries``: the participant's dosing-diary records (current revisions, any instrument version, any
    order); ``baseline_date``: the site-local date of the participant's baseline visit, None when not yet
    held. Never raises for an odd stored record: what cannot be read counts as no dose.
    """
    return Exposure(_read(diaries), study, baseline_date).first_dose()


def last_dose_date(diaries: Iterable[Mapping[str, Any]], study: Study, *, baseline_date: date | None) -> date | None:
    """The last date a dose was taken: the latest ticked date, or the end of the last counted period with a dose."""
    return Exposure(_read(diaries), study, baseline_date).last_dose()


class Exposure:
    """One participant's dosing diaries read ONCE (each answer parsed once) and what every rule above asks of
    them: the periods, the dates taken (home wins), the first and last dose, the diary owning each date.

    SDTM timing and EX, ADaM and compliance share one of these per participant instead of each parsing the
    diaries again; the module's functions (``first_dose_date``, ``periods``, ...) are these same rules over a
    list of diaries, so both ways give equal results. ``day_of``: the caller's site-local day of a record
    (``diary_day``) when it has worked the days out already."""

    __slots__ = ("_spans_of_doses", "_study", "baseline", "reads", "spans", "taken")

    def __init__(self, reads: list[_Read], study: Study, baseline: date | None,
                 day_of: Callable[[Mapping[str, Any]], date | None] | None = None) -> None:
        self.reads, self.baseline, self._study = reads, baseline, study
        self.spans = _periods(reads, study, baseline, day_of)   # (read, first, last) per diary, oldest first
        self.taken = _taken_by_date(reads)                       # ``taken_by_date``
        self._spans_of_doses: list[tuple[date, date]] | None = None

    @classmethod
    def of_records(cls, records: Iterable[Mapping[str, Any]], study: Study, diary_instrument: str | None = None, *,
                   days: Sequence[date | None] | None = None) -> Exposure:
        """From every record of one participant: their dosing records (``is_dosing_record``) and baseline date
        (``baseline_date``). ``days``: each record's site-local day (``diary_day``), in ``records`` order, when
        the caller has them."""
        records = records if isinstance(records, list) else list(records)
        instruments = {r.get("instrument_id") for r in records}
        dosing = {i for i in instruments if is_dosing_record({"instrument_id": i}, study, diary_instrument)}
        if days is None:
            diaries = [r for r in records if r.get("instrument_id") in dosing] if dosing else []
            return cls(_read(diaries), study, baseline_date(records, study))
        day_by_record = {id(r): d for r, d in zip(records, days, strict=True)}
        baseline = study.visit_with_role("baseline")
        base = [d for r, d in zip(records, days, strict=True) if baseline is not None and d is not None
                and r.get("visit_id") == baseline.id and r.get("kind") == "instrument_response"]
        diaries = [r for r in records if r.get("instrument_id") in dosing] if dosing else []
        return cls(_read(diaries), study, min(base) if base else None,
                   lambda rec: day_by_record[id(rec)] if id(rec) in day_by_record else diary_day(rec, study))

    def periods(self) -> list[tuple[Mapping[str, Any], date, date]]:
        """``periods``: each diary with the (first, last) date it covers, oldest first."""
        return [(read.rec, start, end) for read, start, end in self.spans]

    def first_dose(self) -> date | None:
        """``first_dose_date``."""
        if not self.spans:
            return self.baseline
        taken = self._dose_spans()
        return min(first for first, _last in taken) if taken else None

    def last_dose(self) -> date | None:
        """``last_dose_date``."""
        taken = self._dose_spans()
        return max(last for _first, last in taken) if taken else None

    def winning_days(self) -> dict[str, dict[date, frozenset[str]]]:
        """``winning_days``."""
        return _winning_days(self.reads)

    def _dose_spans(self) -> list[tuple[date, date]]:
        """(earliest, latest) possible day of each dose record: a ticked date, or a counted period with doses."""
        if self._spans_of_doses is None:
            study = self._study
            out = [(d, d) for d, drugs in self.taken.items() if drugs]   # home entries win date by date
            for read, start, end in self.spans:
                if read.days is None and any((counted_doses(read.rec, study, drug.id) or 0) > 0
                                             for drug in study.drugs):
                    out.append((start, end))
            self._spans_of_doses = out
        return self._spans_of_doses


def baseline_date(records: Iterable[Mapping[str, Any]], study: Study) -> date | None:
    """The site-local date of a participant's first form at the study's baseline visit (None before it)."""
    baseline = study.visit_with_role("baseline")
    days = [d for r in records if baseline is not None and r.get("visit_id") == baseline.id
            and r.get("kind") == "instrument_response"
            and (d := site_local_date(r.get("collected_at"), study, r.get("site_id"))) is not None]
    return min(days) if days else None

