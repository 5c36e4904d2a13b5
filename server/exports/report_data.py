"""The numbers behind the study report, gathered in one streaming pass over the participants.

Means and SDs come from Python's ``statistics`` over the values kept per arm and visit (one number a
participant). The report's pages are drawn from the ADaM tables (``report_tables``); these
figures feed its compliance listing and the cross-checks of the tests.
"""

from __future__ import annotations

import statistics
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Connection

from server.analysis.adam import AdamDatasets, ParticipantAnalysis, combined, participant_analyser
from server.exports.current import ExportScope, ParticipantData, participants_with_data
from server.exports.dosing import compliance_line, compliance_row, home_compliance, participant_compliance
from server.services.demo import is_seeded
from shared.adverse_events import per_drug
from shared.compliance import Compliance
from shared.disposition import Disposition, DispositionCounts, count_dispositions, disposition_of
from shared.instruments import get_instrument
from shared.site_time import site_local_date
from shared.statistics import wilson
from shared.study.model import Study

# The scored instruments the report plots, by their role in the study file; each is a measure of its own.
MEASURED_ROLES = ("patient_global", "patient_index", "clinician_index", "clinician_global")


def lab_visits(study: Study) -> list[str]:
    """The visits with a primary lab value (role lab)."""
    return [v.id for v in study.visits_with_role("lab")]


def measures(study: Study) -> dict[str, tuple[str, str]]:
    """Instrument id -> (measure = its role, score name) for the scored instruments the report plots."""
    out: dict[str, tuple[str, str]] = {}
    for role in MEASURED_ROLES:
        inst = study.instrument_with_role(role)
        if inst is not None and inst.scores and inst.id not in out:
            out[inst.id] = (role, inst.scores[0].name)
    return out


@dataclass
class Running:
    """Count, mean and SD of the values added (Python's ``statistics``: no hand-written formulas). The values
    are kept as C doubles (``array``: 8 bytes a value, not a float object and its pointer, issue 25)."""

    values: array[float] = field(default_factory=lambda: array("d"))

    def add(self, x: float) -> None:
        self.values.append(x)

    @property
    def n(self) -> int:
        return len(self.values)

    @property
    def mean(self) -> float:
        return statistics.fmean(self.values) if self.values else 0.0

    @property
    def sd(self) -> float:
        return statistics.stdev(self.values) if len(self.values) > 1 else 0.0


def wilson_interval(events: int, n: int) -> tuple[float, float]:
    """Wilson score 95 % interval for a proportion events/n (``shared.statistics.wilson``); (0, 0) when n is 0."""
    return wilson(events, n) or (0.0, 0.0)


@dataclass
class ReportData:
    """Everything the report shows."""

    as_of: date
    arms: list[str]
    enrolled: dict[str, int] = field(default_factory=dict)
    forms_due: dict[str, int] = field(default_factory=dict)
    forms_done: dict[str, int] = field(default_factory=dict)
    series: dict[tuple[str, str, str], Running] = field(default_factory=dict)   # (measure, arm, visit)
    with_ae: dict[str, int] = field(default_factory=dict)
    with_sae: dict[str, int] = field(default_factory=dict)
    saes: list[dict[str, Any]] = field(default_factory=list)
    sae_total: int = 0
    compliance: dict[str, Running] = field(default_factory=dict)   # arm -> participants' compliance %
    compliance_rows: list[list[Any]] = field(default_factory=list)  # compliance.csv, one line per participant
    home_compliance: dict[str, list[Any]] = field(default_factory=dict)   # arm -> home-entry Compliance (issue 24)
    demo: bool = False   # the database holds the synthetic demo study (`trialpro-server demo`)
    ended: dict[str, list[Disposition | None]] = field(default_factory=dict)   # arm -> each one's disposition
    flow: Any = None     # report_flow.Flow, the participant flow page (gathered by export_report)
    # randomised participant -> first-dose date, from the report's ADaM pass over all dates (None: not read so)
    first_doses: dict[str, date | None] | None = None

    def dispositions(self, arm: str) -> DispositionCounts:
        """Completed, discontinued per NCOMPLT reason and on study among the arm's participants (issue 16)."""
        return count_dispositions(self.ended.get(arm, []))

    def add(self, measure: str, arm: str, visit: str, value: float | None) -> None:
        if value is not None:
            self.series.setdefault((measure, arm, visit), Running()).add(float(value))

    def get(self, measure: str, arm: str, visit: str) -> Running:
        return self.series.get((measure, arm, visit), Running())


MAX_SAE_ROWS = 30


def _due_and_done(study: Study, pd: ParticipantData, as_of: date) -> tuple[int, int]:
    """Forms due (visits whose window has closed by ``as_of``, and before any disposition unless the visit took
    place) and how many of them were done."""
    recs = [r for r in pd.records if r["kind"] == "instrument_response"]
    first = study.visit_with_role("baseline")
    site = pd.participant.get("site_id")
    base = next((site_local_date(r["collected_at"], study, site) for r in recs
                 if first and r.get("visit_id") == first.id), None)
    anchor = base or site_local_date(pd.participant["enrolled_at"], study, site) or date.fromisoformat(
        pd.participant["enrolled_at"][:10])
    done_keys = {(r.get("visit_id"), r["instrument_id"]) for r in recs}
    ended = disposition_of(pd.records)     # after it no visit is expected (as shared.deviations judges it)
    due = done = 0
    for v in study.scheduled_visits:
        if v.day is None or v.day < 0 or anchor + timedelta(days=v.day + v.window_after) > as_of:
            continue
        if ended is not None and anchor + timedelta(days=v.day + v.window_after) >= ended.day \
                and not any((v.id, inst) in done_keys for inst in v.instruments):
            continue
        for inst in v.instruments:
            due += 1
            done += (v.id, inst) in done_keys
    return due, done


def _add_compliance(data: ReportData, study: Study, pd: ParticipantData,
                    known: ParticipantAnalysis | None = None) -> None:
    """The participant's compliance (``server.exports.dosing``) into the arm's figures and compliance.csv;
    ``known``: the participant's analysis (their compliance and first dose, worked out for ADaM already)."""
    arm = pd.participant["arm"]
    if known is not None:
        c: Compliance | None = known.compliance
        row = compliance_line(study, pd.participant, c, known.timing.rfxstdtc)
    else:
        diary = study.instrument_with_role("dosing")
        diary_id = diary.id if diary else None
        c = participant_compliance(study, arm, pd.records, diary_id)
        row = compliance_row(study, pd.participant, pd.records, diary_id, known=c)
    if c is not None and c.compliance_pct is not None:
        data.compliance.setdefault(arm, Running()).add(c.compliance_pct)
    data.compliance_rows.append(row)
    home = home_compliance(study, arm, pd.records)
    if home is not None:
        data.home_compliance.setdefault(arm, []).append(home)


@dataclass(frozen=True)
class ReportRead:
    """What the report reads of the database in one pass over the participants."""

    data: ReportData       # the compliance listing, the home diary's compliance and the first doses (only these)
    adam: AdamDatasets     # each participant's datasets cut down by the report's ``keep``


def gather_with_adam(conn: Connection, study: Study, scope: ExportScope, as_of: date,
                     keep: Callable[[AdamDatasets], AdamDatasets]) -> ReportRead:
    """One pass over every participant in ``scope`` for the report: their ADaM datasets (``build_adam``'s,
    through ``keep``), their line of compliance.csv and home-diary compliance from the same compliance and
    first dose, and the first doses for the flow and the SAE listing. The database is read once, each diary
    analysed once."""
    data = ReportData(as_of=as_of, arms=[a.code for a in study.arms], demo=is_seeded(conn))
    analyse = participant_analyser(conn, study, scope=scope)
    firsts: dict[str, date | None] = {}

    def parts() -> Iterator[AdamDatasets]:
        for pd in participants_with_data(conn, scope):
            found = analyse(pd)
            _add_compliance(data, study, pd, found)
            if found is not None:
                firsts[pd.participant["participant_id"]] = found.timing.rfxstdtc
                yield keep(found.datasets)

    adam = combined(parts())
    if scope.date_from is None and scope.date_to is None:
        data.first_doses = firsts
    return ReportRead(data, adam)


def gather(conn: Connection, study: Study, scope: ExportScope, as_of: date) -> ReportData:
    """One pass over every participant in ``scope``: enrolment, compliance, scores, Treg, AEs."""
    data = ReportData(as_of=as_of, arms=[a.code for a in study.arms], demo=is_seeded(conn))
    scores = measures(study)
    first = study.visit_with_role("baseline")
    for counter in (data.enrolled, data.forms_due, data.forms_done, data.with_ae, data.with_sae):
        counter.update({a: 0 for a in data.arms})
    for pd in participants_with_data(conn, scope):
        arm = pd.participant["arm"]
        data.enrolled[arm] = data.enrolled.get(arm, 0) + 1
        due, done = _due_and_done(study, pd, as_of)
        data.ended.setdefault(arm, []).append(disposition_of(pd.records))
        data.forms_due[arm] += due
        data.forms_done[arm] += done
        baseline: dict[str, float] = {}
        later: list[tuple[str, str, float]] = []
        for rec in pd.records:
            if rec["kind"] == "instrument_response" and rec["instrument_id"] in scores:
                measure, score = scores[rec["instrument_id"]]
                value = get_instrument(rec["instrument_id"], rec.get("instrument_version")).score(rec["data"])[score]
                if value is None or not rec.get("visit_id"):
                    continue
                data.add(measure, arm, rec["visit_id"], value)
                if first is not None and rec["visit_id"] == first.id:
                    baseline[measure] = value
                else:
                    later.append((measure, rec["visit_id"], value))
        for measure, visit, value in later:
            if measure in baseline:
                data.add(f"{measure}_change", arm, visit, value - baseline[measure])
        for lab in pd.labs:
            data.add(f"lab_{lab['test_code']}", arm, lab["visit_id"], lab["value"])
        _add_compliance(data, study, pd)
        aes = [r for r in pd.records if r["kind"] == "adverse_event"]
        data.with_ae[arm] += bool(aes)
        saes = [r for r in aes if r["data"].get("serious")]
        data.with_sae[arm] += bool(saes)
        for r in saes:
            data.sae_total += 1
            if len(data.saes) < MAX_SAE_ROWS:
                d = r["data"]
                data.saes.append({"participant": pd.participant["participant_id"], "arm": arm, "term": d["term"],
                                  "onset": d["onset_date"], "grade": d["grade"],
                                  "criteria": ", ".join(d.get("serious_criteria") or []),
                                  "causality": ", ".join(f"{drug.label} {per_drug(d, 'causality', drug.id)}"
                                                         for drug in study.drugs),
                                  "outcome": d.get("outcome")})
    return data
