"""The safety tables of the study report (issue 21 point 6), computed only from ADSL, ADAE and ADLB.

Safety set: SAFFL "Y" (a first dose known). Treatment-emergent: ADAE TRTEMFL "Y". A participant counts once per
term, at the worst grade of that term. The term is AEDECOD (MedDRA preferred term) when coded, else the
submission term; SOC is AEBODSYS when coded. The SAE listing flags impossible or inconsistent entries (see
``sae_flags``). Lab shifts: CTCAE grade of the baseline record (BTOXGRN) against the worst grade after it.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from server.analysis.adae import drug_variables
from server.analysis.adam import AdamDatasets
from server.exports.report_tables import Rows, Table, arm_codes, in_set
from shared.pharmacovigilance import event_words
from shared.statistics import describe, wilson
from shared.study.model import Study

GRADES = (1, 2, 3, 4, 5)
LAB_GRADES = (0, 1, 2, 3, 4)


def _term(r: dict[str, Any]) -> str:
    return str(r["AEDECOD"] or r["AETERM"])


def _safety(adam: AdamDatasets) -> tuple[set[str], dict[str, str]]:
    safety = in_set(adam.adsl, "SAFFL")
    return safety, {r["USUBJID"]: r["ARMCD"] for r in adam.adsl if r["USUBJID"] in safety}


def exposed(study: Study, adam: AdamDatasets) -> dict[str, int]:
    """Arm -> participants in the safety set."""
    _safety_set, arm_of = _safety(adam)
    return {a: sum(1 for x in arm_of.values() if x == a) for a in arm_codes(study)}


def teae_by_term(study: Study, adam: AdamDatasets) -> Table:
    """ae_by_term.csv: participants with a treatment-emergent AE per SOC and term x arm, by worst grade."""
    table = Table("ae_by_term", "Treatment-emergent adverse events by term, arm and worst grade",
                  "治疗期出现的不良事件（按术语、组别和最严重分级）",
                  ["soc", "term", "arm", "n_safety", "participants", "percent",
                   *(f"worst_grade_{g}" for g in GRADES)])
    safety, arm_of = _safety(adam)
    n = exposed(study, adam)
    worst: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)     # (soc, term) -> USUBJID -> grade
    for r in adam.adae:
        if r["TRTEMFL"] == "Y" and r["USUBJID"] in safety:
            for key in (("", "ANY TREATMENT-EMERGENT AE"), (str(r["AEBODSYS"] or ""), _term(r))):
                people = worst[key]
                people[r["USUBJID"]] = max(people.get(r["USUBJID"], 0), int(r["ATOXGRN"] or 0))
    keys = sorted(worst, key=lambda k: (k[1] != "ANY TREATMENT-EMERGENT AE", k[0].lower(), k[1].lower()))
    for key in keys:
        for arm in arm_codes(study):
            grades = [g for u, g in worst[key].items() if arm_of[u] == arm]
            table.rows.append([*key, arm, n[arm], len(grades), 100 * len(grades) / n[arm] if n[arm] else None,
                               *(grades.count(g) for g in GRADES)])
    return table


def related_by_drug(study: Study, adam: AdamDatasets) -> Table:
    """ae_related.csv: participants with a treatment-emergent AE related (certain/probable/possible) to each drug,
    per term and arm receiving it; n_exposed = safety participants of those arms."""
    table = Table("ae_related", "Related treatment-emergent adverse events per drug", "与各药物相关的不良事件",
                  ["drug", "term", "arm", "n_exposed", "participants", "percent"])
    safety, arm_of = _safety(adam)
    n = exposed(study, adam)
    for number, drug, _name in drug_variables(study):
        arms = [a.code for a in study.arms if drug in a.drugs]
        people: dict[str, set[str]] = defaultdict(set)
        for r in adam.adae:
            if r["TRTEMFL"] == "Y" and r["USUBJID"] in safety and r.get(f"AREL{number}FL") == "Y":
                people["ANY"].add(r["USUBJID"])
                people[_term(r)].add(r["USUBJID"])
        for term in sorted(people, key=lambda t: (t != "ANY", t.lower())) or ["ANY"]:
            for arm in arms:
                k = sum(1 for u in people.get(term, ()) if arm_of[u] == arm)
                table.rows.append([drug, term, arm, n[arm], k, 100 * k / n[arm] if n[arm] else None])
    return table


def of_interest(study: Study, adam: AdamDatasets) -> Table:
    """ae_of_interest.csv: the registry's expected events per drug (the study file's ``expected_events``) as rows:
    participants of each arm receiving the drug with a matching treatment-emergent AE (term, translation or coded
    term equal to the event or one of its ``matches``), with a Wilson 95 % interval."""
    table = Table("ae_of_interest", "Adverse events of interest (registry)", "关注的不良事件（注册信息）",
                  ["drug", "term", "term_zh", "arm", "n_exposed", "participants", "percent", "ci_low", "ci_high"])
    safety, arm_of = _safety(adam)
    n = exposed(study, adam)
    for event in study.expected_events:
        wanted = {w.strip().lower() for w in (event.term, *event.matches)}
        people = {r["USUBJID"] for r in adam.adae if r["TRTEMFL"] == "Y" and r["USUBJID"] in safety
                  and event_words({"term": r["AETERM"]}, [r["AEDECOD"]]) & wanted}
        for arm in (a.code for a in study.arms if event.drug in a.drugs):
            k = sum(1 for u in people if arm_of[u] == arm)
            ci = wilson(k, n[arm])
            table.rows.append([event.drug, event.term, event.term_zh, arm, n[arm], k,
                               100 * k / n[arm] if n[arm] else None, *(ci or (None, None))])
    return table


def sae_flags(study: Study, r: dict[str, Any]) -> list[str]:
    """What is impossible or inconsistent in one ADAE record of a serious AE."""
    flags = []
    if r.get("ARELINC") == "Y":
        drugs = [d.label for n, d in enumerate(study.drugs, start=1)
                 if r.get(f"AREL{n}") and d.id not in study.arm(r["ARMCD"]).drugs]
        flags.append(f"causality recorded for a drug the arm does not receive ({', '.join(drugs)})")
    if r["ASTDT"] is not None and r["AENDT"] is not None and r["AENDT"] < r["ASTDT"]:
        flags.append("ends before its onset")
    if r["SAFFL"] != "Y":
        flags.append("participant never dosed")
    elif r["TRTEMFL"] != "Y":
        flags.append("onset before the first dose")
    if r["AESDTH"] == "Y" and r["AOUT"] != "FATAL":
        flags.append("death criterion without a fatal outcome")
    if r["AESUSAR"] == "Y":
        flags.append("SUSAR")
    return flags


def sae_listing(study: Study, adam: AdamDatasets) -> Table:
    """sae_listing.csv (tables/): every serious AE with its per-drug causality and flags."""
    rel = [f"causality_{d.id}" for d in study.drugs]
    table = Table("sae_listing", "Serious adverse events", "严重不良事件",
                  ["usubjid", "arm", "aeseq", "term", "soc", "onset", "study_day", "grade", "treatment_emergent",
                   *rel, "outcome", "flags"])
    for r in adam.adae:
        if r["AESER"] == "Y":
            table.rows.append([r["USUBJID"], r["ARMCD"], r["AESEQ"], _term(r), r["AEBODSYS"], r["ASTDT"],
                               r["ASTDY"], r["ATOXGRN"], r["TRTEMFL"] == "Y",
                               *(r.get(f"AREL{n}") or "" for n in range(1, len(study.drugs) + 1)), r["AOUT"],
                               "; ".join(sae_flags(study, r))])
    return table


def lab_shifts(study: Study, adam: AdamDatasets) -> Table:
    """lab_shift.csv: per CTCAE-graded lab test and arm, participants by baseline grade x worst post-baseline
    grade (every combination of grades 0-4, 0 when none; "missing" when the baseline had no value)."""
    table = Table("lab_shift", "Lab shift tables: CTCAE grade at baseline to worst after baseline",
                  "实验室检查转换表：基线CTCAE分级至基线后最差分级",
                  ["paramcd", "arm", "baseline_grade", "worst_grade", "participants"])
    safety, arm_of = _safety(adam)
    by_test: dict[str, dict[str, tuple[Any, int]]] = defaultdict(dict)    # PARAMCD -> USUBJID -> (base, worst)
    for r in adam.adlb:
        if r["USUBJID"] not in safety or r["ATOXGRN"] is None or r["CHG"] is None:
            continue          # after baseline only (CHG is set on the records after the baseline record)
        base = r["BTOXGRN"] if r["BTOXGRN"] is not None else "missing"
        _b, worst = by_test[r["PARAMCD"]].get(r["USUBJID"], (base, 0))
        by_test[r["PARAMCD"]][r["USUBJID"]] = (base, max(worst, int(r["ATOXGRN"])))
    for code, test in study.lab_tests.items():
        if not test.ctcae:
            continue
        people = by_test.get(code, {})
        for arm in arm_codes(study):
            for base in (*LAB_GRADES, "missing"):
                for worst in LAB_GRADES:
                    k = sum(1 for u, bw in people.items() if arm_of[u] == arm and bw == (base, worst))
                    table.rows.append([code, arm, base, worst, k])
    return table


def compliance_summary(study: Study, adam: AdamDatasets) -> Table:
    """compliance_summary.csv: dosing compliance % (ADSL COMPLPCT, from the dosing diary) per arm, safety set."""
    table = Table("compliance_summary", "Dosing compliance (dosing diary)", "用药依从性（给药日记）",
                  ["arm", "n", "mean", "sd", "ci_low", "ci_high", "median", "min", "max"])
    rows: Rows = [r for r in adam.adsl if r.get("SAFFL") == "Y" and r.get("COMPLPCT") is not None]
    for arm in arm_codes(study):
        values = [float(r["COMPLPCT"]) for r in rows if r["ARMCD"] == arm]
        s = describe(values)
        table.rows.append([arm, s.n, s.mean, s.sd, s.ci_low, s.ci_high, s.median, min(values, default=None),
                           max(values, default=None)])
    return table


def safety_tables(study: Study, adam: AdamDatasets) -> list[Table]:
    return [teae_by_term(study, adam), related_by_drug(study, adam), of_interest(study, adam),
            sae_listing(study, adam), lab_shifts(study, adam), compliance_summary(study, adam)]
