"""The efficacy tables of the study report (issue 21 points 3-5), computed only from the ADaM datasets
(``server.analysis``: ADSL, ADQS, ADLB), so each number can be reproduced in SAS or R from the same datasets.

Analysis sets: baseline characteristics over every randomised participant (ADSL, RANDFL); efficacy over the
full analysis set (FASFL "Y"); an analysis value at a visit is the BDS record with ANL01FL "Y" whose AVISITN is
the visit's planned day (unscheduled visits have none and are never a timepoint). Statistics come from
``shared.statistics`` (scipy.stats). Numbers are unrounded; rows are in study-file order (arms, visits,
parameters), so the same data give byte-identical CSV files.
"""

from __future__ import annotations

from array import array
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from server.analysis.adam import AdamDatasets
from server.analysis.adqs import qs_params
from server.analysis.adsl import baseline_covariates
from shared.statistics import Summary, describe, mann_whitney, welch_difference, wilson
from shared.study.model import Study, Visit

Rows = list[dict[str, Any]]
PRIMARY_COLUMNS = ["arm", "n", "mean_change", "sd_change", "ci_low", "ci_high", "median_change"]
SUMMARY_COLUMNS = ["n", "mean", "sd", "ci_low", "ci_high", "median", "q1", "q3"]
# scored instruments of the secondary endpoints, by their role in the study file
SECONDARY_ROLES = ("patient_global", "patient_index", "clinician_index", "clinician_global")


@dataclass
class Table:
    """One table of the report: written as ``tables/<name>.csv`` and drawn on a page."""

    name: str
    title: str
    title_zh: str
    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)


def arm_codes(study: Study) -> list[str]:
    return [a.code for a in study.arms]


def primary_visit(study: Study) -> Visit:
    """The primary timepoint: the visit with the role primary_endpoint, else the last scheduled visit."""
    visit = study.visit_with_role("primary_endpoint")
    if visit is not None:
        return visit
    return max((v for v in study.scheduled_visits if v.day is not None), key=lambda v: v.day or 0)


def in_set(adsl: Rows, flag: str) -> set[str]:
    """USUBJIDs with ``flag`` (RANDFL, SAFFL, FASFL, …) "Y"."""
    return {r["USUBJID"] for r in adsl if r.get(flag) == "Y"}


def _summary_cells(s: Summary) -> list[Any]:
    return [s.n, s.mean, s.sd, s.ci_low, s.ci_high, s.median, s.q1, s.q3]


_COLUMNS = ("AVAL", "CHG", "BASE")      # the BDS values the tables read


class _Group:
    """The analysis records of one (PARAMCD, AVISITN) as columns: each record's USUBJID (the participant's one
    string, shared), and AVAL, CHG, BASE as C doubles with a byte a record saying whether the value is present
    (a row object and its float objects cost ~170 bytes a record; these ~35: 250 000 ADQS records at 10 000 x 12,
    issue 25)."""

    __slots__ = ("present", "subjects", "values")

    def __init__(self) -> None:
        self.subjects: list[str] = []
        self.values = {v: array("d") for v in _COLUMNS}
        self.present = {v: bytearray() for v in _COLUMNS}

    def add(self, row: Any) -> None:
        self.subjects.append(row["USUBJID"])
        for v in _COLUMNS:
            value = row[v]
            self.values[v].append(0.0 if value is None else value)
            self.present[v].append(value is not None)


class AnalysisRecords:
    """The analysis records of one BDS dataset (ANL01FL "Y", at a visit), grouped by (PARAMCD, AVISITN) as they
    are added: each table then reads its parameter and visit, not every ADQS row again; the values are kept as
    columns of doubles, not rows (issue 25). ``add`` takes a participant's rows at a time, in dataset order, so
    the report streams its ADQS into one of these instead of keeping the rows."""

    def __init__(self, rows: Iterable[Any] = ()) -> None:
        self._at: dict[tuple[str, Any], _Group] = defaultdict(_Group)
        self.arm_of: dict[str, str] = {}     # USUBJID -> ARMCD of the records added
        self.add(rows)

    def add(self, rows: Iterable[Any]) -> None:
        for r in rows:
            if r["ANL01FL"] == "Y" and r["AVISITN"] is not None:
                self._at[(r["PARAMCD"], r["AVISITN"])].add(r)
                self.arm_of[r["USUBJID"]] = r["ARMCD"]

    def values(self, paramcd: str, day: int, variable: str, subjects: set[str]) -> dict[str, float]:
        """USUBJID -> ``variable`` (AVAL, CHG, BASE, as a float) of the analysis record of ``paramcd`` at the visit
        on ``day`` (the last one in dataset order when there are several)."""
        group = self._at.get((paramcd, day))
        if group is None:
            return {}
        column, present = group.values[variable], group.present[variable]
        return {u: column[i] for i, u in enumerate(group.subjects) if present[i] and u in subjects}


@dataclass
class Analysis:
    """The ADaM datasets with their analysis records indexed once, what every table reads."""

    adam: AdamDatasets
    adqs: AnalysisRecords
    adlb: AnalysisRecords

    @classmethod
    def of(cls, adam: AdamDatasets) -> Analysis:
        return cls(adam, AnalysisRecords(adam.adqs), AnalysisRecords(adam.adlb))


def analysis(adam: AdamDatasets | Analysis) -> Analysis:
    """``adam`` indexed (once: pass the result on to every table)."""
    return adam if isinstance(adam, Analysis) else Analysis.of(adam)


def arms_of(rows: Rows) -> dict[str, str]:
    """USUBJID -> ARMCD of a dataset's rows."""
    return {r["USUBJID"]: r["ARMCD"] for r in rows}


def combinations(study: Study) -> list[tuple[str, str]]:
    """(combination arm, monotherapy arm) pairs: an arm whose drugs are a strict superset of another arm's."""
    return [(a.code, b.code) for a in study.arms for b in study.arms
            if b.drugs and set(b.drugs) < set(a.drugs)]


def primary_changes(study: Study, adam: AdamDatasets | Analysis) -> dict[str, dict[str, float]]:
    """Arm -> USUBJID -> change of the primary lab test from baseline to the primary visit (FAS)."""
    test = study.primary_lab_test()
    if test is None:
        return {a: {} for a in arm_codes(study)}
    an = analysis(adam)
    fas, day = in_set(an.adam.adsl, "FASFL"), primary_visit(study).day or 0
    arm_of = {r["USUBJID"]: r["ARMCD"] for r in an.adam.adsl}
    changes = an.adlb.values(test.code, day, "CHG", fas)
    return {a: {u: c for u, c in sorted(changes.items()) if arm_of[u] == a} for a in arm_codes(study)}


def primary_endpoint(study: Study, adam: AdamDatasets | Analysis) -> Table:
    """primary_endpoint.csv: per arm n, mean, SD, 95 % t interval and median of the change (the contract)."""
    table = Table("primary_endpoint", "Primary endpoint: change from baseline", "主要终点：较基线变化",
                  PRIMARY_COLUMNS)
    for arm, values in primary_changes(study, adam).items():
        s = describe(list(values.values()))
        table.rows.append([arm, s.n, s.mean, s.sd, s.ci_low, s.ci_high, s.median])
    return table


def _by_visit(study: Study, records: AnalysisRecords, paramcd: str, visits: Iterable[Visit], subjects: set[str],
              prefix: list[Any], table: Table, arm_of: dict[str, str]) -> None:
    for visit in visits:
        for variable in ("AVAL", "CHG"):
            values = records.values(paramcd, visit.day or 0, variable, subjects)
            if variable == "CHG" and "baseline" in visit.roles:
                continue
            for arm in arm_codes(study):
                got = [v for u, v in sorted(values.items()) if arm_of[u] == arm]
                table.rows.append([*prefix, arm, visit.id, visit.day, variable, *_summary_cells(describe(got))])


def primary_by_visit(study: Study, adam: AdamDatasets | Analysis) -> Table:
    """primary_by_visit.csv: the primary lab test's value and change per scheduled lab visit and arm (FAS)."""
    table = Table("primary_by_visit", "Primary lab test by visit", "主要实验室指标（按访视）",
                  ["arm", "visit", "visit_day", "variable", *SUMMARY_COLUMNS])
    test = study.primary_lab_test()
    if test is not None:
        an = analysis(adam)
        _by_visit(study, an.adlb, test.code, lab_visits(study), in_set(an.adam.adsl, "FASFL"), [], table,
                  an.adlb.arm_of)
    return table


def lab_visits(study: Study) -> list[Visit]:
    """The scheduled visits of the primary lab test's panel, in schedule order."""
    test = study.primary_lab_test()
    wanted = {v for p in study.labs.panels if test is not None and test in p.tests for v in p.visits}
    return [v for v in study.scheduled_visits if v.id in wanted and v.day is not None]


def primary_comparisons(study: Study, adam: AdamDatasets | Analysis) -> Table:
    """primary_comparisons.csv: each combination arm vs each of its monotherapies, exploratory: difference of mean
    changes with its Welch 95 % interval, and the Mann-Whitney U test as a rank-based check."""
    table = Table("primary_comparisons", "Exploratory differences between arms (change from baseline)",
                  "组间差异（探索性，较基线变化）",
                  ["arm", "reference", "n", "n_reference", "difference", "ci_low", "ci_high", "welch_p",
                   "mann_whitney_u", "mann_whitney_p"])
    changes = primary_changes(study, adam)
    for arm, reference in combinations(study):
        a, b = list(changes[arm].values()), list(changes[reference].values())
        d, rank = welch_difference(a, b), mann_whitney(a, b)
        table.rows.append([arm, reference, d.n1, d.n2, d.difference, d.ci_low, d.ci_high, d.p_value, rank.u,
                           rank.p_value])
    return table


def secondary_params(study: Study) -> list[tuple[str, str, str]]:
    """(PARAMCD, PARAM, instrument id) of the first score of each secondary instrument, by role."""
    params = {p.instrument_id: p for p in reversed(qs_params(study))}   # the first score of each instrument
    out: list[tuple[str, str, str]] = []
    for role in SECONDARY_ROLES:
        inst = study.instrument_with_role(role)
        if inst is not None and inst.id in params and all(inst.id != i for _c, _p, i in out):
            out.append((params[inst.id].paramcd, params[inst.id].param, inst.id))
    return out


def secondary_by_visit(study: Study, adam: AdamDatasets | Analysis) -> Table:
    """secondary_by_visit.csv: each secondary score's value and change from baseline per scheduled visit and arm
    (FAS), with 95 % t intervals."""
    table = Table("secondary_by_visit", "Secondary endpoints: score and change from baseline by visit",
                  "次要终点：各访视评分及较基线变化",
                  ["paramcd", "param", "arm", "visit", "visit_day", "variable", *SUMMARY_COLUMNS])
    an = analysis(adam)
    fas, arm_of = in_set(an.adam.adsl, "FASFL"), an.adqs.arm_of
    for paramcd, param, inst_id in secondary_params(study):
        visits = [v for v in study.scheduled_visits if inst_id in v.instruments and v.day is not None
                  and v.day >= 0]
        _by_visit(study, an.adqs, paramcd, visits, fas, [paramcd, param], table, arm_of)
    return table


def responders(study: Study, adam: AdamDatasets | Analysis) -> Table:
    """responders.csv: the study file's responder definitions at the primary visit, per arm, with Wilson 95 %
    intervals; n = FAS participants with a baseline and a value at that visit."""
    table = Table("responders", "Responders at the primary visit", "主要终点访视的应答者",
                  ["responder", "label", "paramcd", "visit", "arm", "responders", "n", "rate", "ci_low", "ci_high"])
    an = analysis(adam)
    fas, visit = in_set(an.adam.adsl, "FASFL"), primary_visit(study)
    arm_of = {r["USUBJID"]: r["ARMCD"] for r in an.adam.adsl}
    params = {(p.instrument_id, p.score): p.paramcd for p in qs_params(study)}
    for r in study.report.responders:
        score = r.score or study.instrument(r.instrument).scores[0].name
        paramcd = params.get((r.instrument, score))
        if paramcd is None:
            continue
        base = an.adqs.values(paramcd, visit.day or 0, "BASE", fas)
        value = an.adqs.values(paramcd, visit.day or 0, "AVAL", fas)
        judged = {u: r.responds(base[u], value[u]) for u in sorted(set(base) & set(value))}
        for arm in arm_codes(study):
            outcomes = [bool(ok) for u, ok in judged.items() if arm_of[u] == arm]
            n, events = len(outcomes), sum(outcomes)
            ci = wilson(events, n)
            table.rows.append([r.id, r.label, paramcd, visit.id, arm, events, n, events / n if n else None,
                               *(ci or (None, None))])
    return table


def baseline_characteristics(study: Study, adam: AdamDatasets) -> Table:
    """baseline.csv: age, sex and each baseline covariate of ADSL (the scored instruments at baseline and the
    primary lab test, named by the study file) per arm and in total, over every randomised participant."""
    table = Table("baseline", "Baseline characteristics (randomised)", "基线特征（随机化人群）",
                  ["variable", "label", "arm", "category", "n", "mean", "sd", "median", "q1", "q3", "min", "max",
                   "count", "percent"])
    groups: dict[str, Rows] = defaultdict(list)
    for r in adam.adsl:
        if r.get("RANDFL") == "Y":
            groups[r["ARMCD"]].append(r)
            groups["total"].append(r)
    continuous = [("AGE", "Age (years)"), *((c.name, c.label) for c in baseline_covariates(study))]
    for arm in [*arm_codes(study), "total"]:
        rows = groups.get(arm, [])
        for name, label in continuous:
            values = [float(r[name]) for r in rows if r.get(name) is not None]
            s = describe(values)
            table.rows.append([name, label, arm, "", s.n, s.mean, s.sd, s.median, s.q1, s.q3,
                               min(values, default=None), max(values, default=None), None, None])
        sexes = Counter(str(r.get("SEX") or "") for r in rows)
        for sex in sorted(set(sexes) | {"F", "M"}):
            table.rows.append(["SEX", "Sex", arm, sex, len(rows), None, None, None, None, None, None, None,
                               sexes.get(sex, 0), 100 * sexes.get(sex, 0) / len(rows) if rows else None])
    return table


def baseline_labels(study: Study) -> dict[str, str]:
    """Variable -> its whole label for the baseline page: baseline.csv's ``label`` is the ADSL variable label,
    cut to the 40 characters of a transport file ("Baseline Physician Global Disease Activi"); a page shows
    the parameter's whole name."""
    names = {("ADQS", p.paramcd): p.param for p in qs_params(study)}
    names.update({("ADLB", code): test.name for code, test in study.lab_tests.items()})
    labels = {"AGE": "Age (years)", "SEX": "Sex"}
    for c in baseline_covariates(study):
        whole = names.get((c.dataset, c.paramcd))
        labels[c.name] = f"Baseline {whole}" if whole and f"Baseline {whole}".startswith(c.label) else c.label
    return labels


def participant_trajectories(study: Study, adam: AdamDatasets) -> dict[str, dict[str, list[tuple[int, float]]]]:
    """Arm -> USUBJID -> (visit day, value) of the primary lab test at its scheduled visits (FAS): the thin lines
    of the primary endpoint figure."""
    test = study.primary_lab_test()
    fas = in_set(adam.adsl, "FASFL")
    out: dict[str, dict[str, list[tuple[int, float]]]] = {a: {} for a in arm_codes(study)}
    if test is None:
        return out
    for r in adam.adlb:
        if r["PARAMCD"] == test.code and r["ANL01FL"] == "Y" and r["AVISITN"] is not None \
                and r["USUBJID"] in fas and r["AVAL"] is not None and r["ARMCD"] in out:
            out[r["ARMCD"]].setdefault(r["USUBJID"], []).append((int(r["AVISITN"]), float(r["AVAL"])))
    for people in out.values():
        for points in people.values():
            points.sort()
    return out


def summary(study: Study, adam: AdamDatasets | Analysis) -> Table:
    """summary.csv (the title page): per arm and in total, participants randomised, treated, in the FAS,
    completed, discontinued, on study, with a treatment-emergent AE, with a serious AE, evaluable for the
    primary endpoint."""
    table = Table("summary", "Summary per arm", "各组概况", ["item", "arm", "n"])
    an = analysis(adam)
    evaluable = {u for values in primary_changes(study, an).values() for u in values}
    adam = an.adam
    arm_of = arms_of(adam.adsl)
    safety = in_set(adam.adsl, "SAFFL")
    sets: dict[str, set[str]] = {
        "randomised": in_set(adam.adsl, "RANDFL"), "treated": safety, "fas": in_set(adam.adsl, "FASFL"),
        "completed": {r["USUBJID"] for r in adam.adsl if r["EOSSTT"] == "COMPLETED"},
        "discontinued": {r["USUBJID"] for r in adam.adsl if r["EOSSTT"] == "DISCONTINUED"},
        "ongoing": {r["USUBJID"] for r in adam.adsl if r["EOSSTT"] == "ONGOING"},
        "teae": {r["USUBJID"] for r in adam.adae if r["TRTEMFL"] == "Y" and r["USUBJID"] in safety},
        "sae": {r["USUBJID"] for r in adam.adae if r["AESER"] == "Y"},
        "primary_n": evaluable}
    for item, people in sets.items():
        for arm in arm_codes(study):
            table.rows.append([item, arm, sum(1 for u in people if arm_of.get(u) == arm)])
        table.rows.append([item, "total", len(people)])
    return table


def efficacy_tables(study: Study, adam: AdamDatasets | Analysis) -> list[Table]:
    an = analysis(adam)
    return [summary(study, an), baseline_characteristics(study, an.adam), primary_endpoint(study, an),
            primary_by_visit(study, an), primary_comparisons(study, an), secondary_by_visit(study, an),
            responders(study, an)]
