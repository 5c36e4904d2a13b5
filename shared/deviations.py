"""Protocol deviations: recorded by staff, or raised by the visit rules (out-of-window and missed visits).

Two kinds of record belong here:

- ``protocol_deviation`` (staff): ``data = {"category", "description", "date", "severity"}``, category one of
  ``CATEGORIES``, severity ``major`` or ``minor``, date YYYY-MM-DD no later than the day of entry;
- ``visit_missed`` (staff): the scheduled visit (``visit_id``) did not take place, ``data = {"reason"}``.

Out-of-window and missed visits are deviations by rule: ``visit_deviations`` lists them for one participant
from the visit windows of the study file (a pure function: the web list, the SDTM DV export and the data
queries of issue 19 all call it, so they agree). A visit is out of window when its first record lies outside
``day - window_before … day + window_after`` after baseline; missed when staff recorded it so, or when its
window has passed with nothing recorded. Visits that would fall after the participant's disposition are not
expected, so never missed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from shared.disposition import Disposition, disposition_of
from shared.errors import FieldProblem
from shared.instruments.model import Text
from shared.study.model import Study, Visit
from shared.values import parse_date, problem

KIND = "protocol_deviation"
MISSED_KIND = "visit_missed"
MAJOR, MINOR = "major", "minor"
SEVERITIES = (MAJOR, MINOR)
MAX_TEXT = 500

# category code -> (DVCAT, DVDECOD, label)
CATEGORIES: dict[str, tuple[str, str, Text]] = {
    "informed_consent": ("INFORMED CONSENT", "INFORMED CONSENT DEVIATION",
                         Text(en="Informed consent", zh="知情同意")),
    "eligibility": ("ELIGIBILITY", "ELIGIBILITY CRITERIA NOT MET", Text(en="Eligibility", zh="入选/排除标准")),
    "study_treatment": ("STUDY TREATMENT", "STUDY TREATMENT DEVIATION", Text(en="Study treatment", zh="研究药物")),
    "visit_schedule": ("VISIT SCHEDULE", "VISIT SCHEDULE DEVIATION", Text(en="Visit schedule", zh="访视计划")),
    "procedure": ("STUDY PROCEDURE", "STUDY PROCEDURE NOT DONE AS PLANNED",
                  Text(en="Study procedure", zh="研究程序")),
    "concomitant_medication": ("CONCOMITANT MEDICATION", "PROHIBITED MEDICATION TAKEN",
                               Text(en="Prohibited medication", zh="禁用药物")),
    "other": ("OTHER", "OTHER PROTOCOL DEVIATION", Text(en="Other", zh="其他")),
}
OUT_OF_WINDOW, MISSED = "out_of_window", "missed"
RULE_TERMS = {OUT_OF_WINDOW: "VISIT OUT OF WINDOW", MISSED: "MISSED VISIT"}
RULE_SEVERITY = {OUT_OF_WINDOW: MINOR, MISSED: MAJOR}
RULE_CATEGORY = "visit_schedule"


def _text(data: Mapping[str, Any], name: str, out: list[FieldProblem]) -> None:
    value = data.get(name)
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_TEXT:
        out.append(problem(f"data.{name}", value, f"text of 1-{MAX_TEXT} characters", "is required",
                           "value.required"))


def _fields(data: Any, allowed: tuple[str, ...], out: list[FieldProblem]) -> Mapping[str, Any] | None:
    if not isinstance(data, Mapping):
        out.append(FieldProblem("data", data, "an object", f"data: must be an object of {', '.join(allowed)}"))
        return None
    out += [problem(f"data.{k}", data[k], ", ".join(allowed), "is not a field of this record")
            for k in sorted(set(data) - set(allowed))]
    return data


def validate_deviation(record: Mapping[str, Any], study: Study) -> list[FieldProblem]:
    """Every problem with a staff-recorded protocol deviation (category, description, date, severity)."""
    out: list[FieldProblem] = []
    data = _fields(record.get("data"), ("category", "description", "date", "severity"), out)
    if data is None:
        return out
    if data.get("category") not in CATEGORIES:
        out.append(problem("data.category", data.get("category"), ", ".join(CATEGORIES),
                           "is not a deviation category", "value.not_a_choice"))
    if data.get("severity") not in SEVERITIES:
        out.append(problem("data.severity", data.get("severity"), " or ".join(SEVERITIES),
                           "is not a severity", "value.not_a_choice"))
    _text(data, "description", out)
    day = parse_date(data.get("date"), "data.date", out)
    entered = record.get("collected_at_local")
    if day is not None and isinstance(entered, str) and day.isoformat() > entered[:10]:
        out.append(problem("data.date", data.get("date"), f"on or before {entered[:10]} (the day of entry)",
                           "lies in the future", "value.date_future"))
    visit_id = record.get("visit_id")
    if visit_id is not None and visit_id not in {v.id for v in study.visits}:
        out.append(problem("visit_id", visit_id, "null or a visit of the study", "is not a visit"))
    return out


def missable_visits(study: Study) -> list[Visit]:
    """The visits that can be missed: scheduled, on or after baseline day 0, and not the baseline itself."""
    return [v for v in study.scheduled_visits if v.day is not None and v.day > 0 and "baseline" not in v.roles]


def validate_visit_missed(record: Mapping[str, Any], study: Study) -> list[FieldProblem]:
    """Every problem with a "visit missed" record: a missable visit of the study and a reason."""
    out: list[FieldProblem] = []
    data = _fields(record.get("data"), ("reason",), out)
    if data is not None:
        _text(data, "reason", out)
    ids = [v.id for v in missable_visits(study)]
    if record.get("visit_id") not in ids:
        out.append(problem("visit_id", record.get("visit_id"), ", ".join(ids),
                           "is not a scheduled visit after baseline that can be missed"))
    return out


def visit_window(visit: Visit, baseline: date) -> tuple[date, date]:
    """First and last day of a scheduled visit's window, from the baseline date."""
    day = visit.day or 0
    return baseline + timedelta(days=day - visit.window_before), baseline + timedelta(days=day + visit.window_after)


@dataclass(frozen=True)
class VisitDeviation:
    """A deviation raised by the visit rules for one visit of one participant."""

    visit_id: str
    rule: str                      # out_of_window or missed
    day: date                      # the visit's date (out of window) or the last day of its window (missed;
    #                                recorded missed while it is open: the day judged)
    window_start: date
    window_end: date
    reason: str | None = None      # missed: the reason staff recorded (None: nothing recorded)

    @property
    def severity(self) -> str:
        return RULE_SEVERITY[self.rule]

    @property
    def days_outside(self) -> int:
        """How many days before the window (negative) or after it (positive) the visit took place."""
        if self.rule != OUT_OF_WINDOW:
            return 0
        return (self.day - self.window_start).days if self.day < self.window_start else \
            (self.day - self.window_end).days

    def describe(self, study: Study) -> str:
        """DVTERM: what happened, in words (English, ASCII)."""
        label = study.visit(self.visit_id).label
        window = f"window {self.window_start.isoformat()} to {self.window_end.isoformat()}"
        if self.rule == OUT_OF_WINDOW:
            return f"{label} on {self.day.isoformat()}, {abs(self.days_outside)} day(s) " \
                   f"{'before' if self.days_outside < 0 else 'after'} its {window}"
        return f"{label} missed ({window}): {self.reason or 'no reason recorded'}"

    def describe_zh(self, study: Study) -> str:
        """The same in Chinese, for pages in Chinese, without the reason staff typed (``reason``: shown as typed)."""
        label = study.visit(self.visit_id).label_zh
        window = f"时间窗 {self.window_start.isoformat()} 至 {self.window_end.isoformat()}"
        if self.rule == OUT_OF_WINDOW:
            return f"{label}于 {self.day.isoformat()}，{'早于' if self.days_outside < 0 else '晚于'}{window}" \
                   f" {abs(self.days_outside)} 天"
        return f"{label}缺失（{window}）" + ("" if self.reason else "：未记录原因")


def visit_deviations(study: Study, *, baseline: date | None, visited: Mapping[str, date],
                     missed: Mapping[str, str], disposition: Disposition | None,
                     today: date) -> list[VisitDeviation]:
    """The out-of-window and missed visits of one participant, in visit order.

    ``visited``: the first day each visit has a record; ``missed``: the reason staff gave per missed visit;
    ``baseline``: the baseline visit's day (None: nothing can be judged yet); ``today``: the day judged (an
    export's data cut), so the same records and the same day give the same deviations.
    """
    if baseline is None:
        return []
    out = []
    for v in missable_visits(study):
        start, end = visit_window(v, baseline)
        if v.id in visited:
            day = visited[v.id]
            if not start <= day <= end:
                out.append(VisitDeviation(v.id, OUT_OF_WINDOW, day, start, end))
        elif v.id in missed:      # recorded while its window is open: dated the day judged, never after it
            out.append(VisitDeviation(v.id, MISSED, min(end, today), start, end, missed[v.id]))
        elif end < today and (disposition is None or end < disposition.day):
            out.append(VisitDeviation(v.id, MISSED, end, start, end))
    return out


@dataclass(frozen=True)
class Deviation:
    """One protocol deviation of a participant, staff-recorded or raised by the visit rules: what the web
    list, the SDTM DV rows and the data queries show."""

    participant_id: str
    source: str                    # staff or rule
    category: str                  # a CATEGORIES code
    term: str                      # DVTERM: what happened, in words
    decod: str                     # DVDECOD
    day: date                      # DVSTDTC
    severity: str                  # major or minor
    visit_id: str | None = None
    record_id: str | None = None   # the staff record; by rule: the visit's first record or the missed-visit
    #                                record (None: a visit whose window passed with nothing recorded)
    rule: str | None = None        # out_of_window or missed (rule-raised only)
    term_zh: str | None = None     # the rule's term in Chinese (pages in Chinese); staff-recorded: None
    reason: str | None = None      # a missed visit's reason as staff typed it (part of ``term``, not of ``term_zh``)

    @property
    def dvcat(self) -> str:
        return CATEGORIES[self.category][0]


def _local_day(stamp: str, zone: ZoneInfo) -> date:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone(zone).date()


def participant_deviations(study: Study, participant_id: str, records: Iterable[Mapping[str, Any]], *,
                           today: date, timezone: str) -> list[Deviation]:
    """Every deviation of one participant from the current revision of their records: staff-recorded ones
    and the out-of-window and missed visits (``visit_deviations``), by date.

    Visit days are the site's calendar days (``timezone``) of each visit's first record."""
    zone = ZoneInfo(timezone)
    recs = list(records)
    visited: dict[str, date] = {}
    source: dict[str, str] = {}
    for r in sorted(recs, key=lambda x: (x.get("collected_at") or "", x.get("record_id") or "")):
        if r.get("kind") == "instrument_response" and r.get("visit_id") and r["visit_id"] not in visited:
            visited[r["visit_id"]] = _local_day(r["collected_at"], zone)
            source[r["visit_id"]] = r["record_id"]
        elif r.get("kind") == MISSED_KIND and r.get("visit_id"):
            source.setdefault(r["visit_id"], r["record_id"])
    base = study.visit_with_role("baseline")
    baseline = visited.get(base.id) if base else None
    missed = {r["visit_id"]: (r.get("data") or {}).get("reason") or "" for r in recs
              if r.get("kind") == MISSED_KIND and r.get("visit_id")}
    out = [Deviation(participant_id, "rule", RULE_CATEGORY, d.describe(study), RULE_TERMS[d.rule], d.day,
                     d.severity, d.visit_id, source.get(d.visit_id), d.rule, d.describe_zh(study),
                     d.reason or None)
           for d in visit_deviations(study, baseline=baseline, visited=visited, missed=missed,
                                     disposition=disposition_of(recs), today=today)]
    for r in recs:
        d = r.get("data") or {}
        if r.get("kind") != KIND or d.get("category") not in CATEGORIES:
            continue
        out.append(Deviation(participant_id, "staff", d["category"], d.get("description") or "",
                             CATEGORIES[d["category"]][1], date.fromisoformat(d["date"]), d.get("severity") or "",
                             r.get("visit_id"), r.get("record_id")))
    return sorted(out, key=lambda x: (x.day, x.source, x.visit_id or ""))
