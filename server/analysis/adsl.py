"""ADSL: one row per randomised participant: identifiers, demography, arm, analysis-set flags, dates and
disposition, and the baseline covariates the report's baseline table shows.

- RANDFL "Y" for every row (ADSL holds the randomised participants; with a data cut ``--to``, those randomised
  by that day). SAFFL "Y" when a first dose is known (TRTSDT, ``shared.exposure.first_dose_date``). FASFL "Y" when
  randomised with a baseline and at least one post-baseline value of the study's primary lab test.
  COMPLFL "Y" when the disposition is COMPLETED. Flags are "Y" or "N".
- ARMCD is the arm code as in participants.csv ``arm``; ARM/TRT01P its name, TRT01PN its study-file order;
  TRT01A/TRT01AN the same when treated (SAFFL "Y": the study has no cross-over), empty otherwise.
- RANDDT the site's day of randomisation, TRTSDT/TRTEDT first and last dose dates, RFICDT the consent date.
- EOSSTT COMPLETED / DISCONTINUED / ONGOING from the disposition record; DCSREAS the CDISC NCOMPLT term of the
  reason, DCSREASP the reason in words, EOSDT the disposition date.
- Baseline covariates: for each scored instrument scheduled at the baseline visit (ADQS) and the primary lab
  test (ADLB), ``<PARAMCD[:6]>BL`` holds BASE (see ``baseline_covariates``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from server.analysis.adqs import qs_params
from server.exports.current import ParticipantData
from server.exports.sdtm import birth_and_age, subjid, usubjid
from server.exports.sdtm_timing import Timing
from shared.disposition import COMPLETED, REASONS, disposition_of
from shared.site_time import site_local_date
from shared.study.model import Study


@dataclass(frozen=True)
class Covariate:
    """One ADSL baseline covariate: variable name, label, the BDS dataset and PARAMCD it takes BASE from."""

    name: str
    label: str
    dataset: str
    paramcd: str


def baseline_covariates(study: Study) -> tuple[Covariate, ...]:
    """The baseline covariates of the study's ADSL, in study-file order: ADQS parameters first, then the lab."""
    baseline = study.visit_with_role("baseline")
    at_baseline = set(baseline.instruments) if baseline else set()
    wanted = [("ADQS", p.paramcd, p.param) for p in qs_params(study) if p.instrument_id in at_baseline]
    primary = study.primary_lab_test()
    if primary is not None:
        wanted.append(("ADLB", primary.code, primary.name))
    out: list[Covariate] = []
    taken: set[str] = set()
    for dataset, code, param in wanted:
        name = f"{code[:6]}BL"
        n = 1
        while name in taken:                       # two codes alike in their first 6 characters
            name, n = f"{code[:5]}{n}BL", n + 1
        taken.add(name)
        out.append(Covariate(name, f"Baseline {param}"[:40], dataset, code))
    return tuple(out)


def arm_number(study: Study, code: str) -> int:
    """TRT01PN: the arm's position in the study file (1, 2, …)."""
    return [a.code for a in study.arms].index(code) + 1


def randomisation_day(study: Study, participant: dict[str, Any]) -> date | None:
    """RANDDT: the site's day of randomisation."""
    return site_local_date(participant["enrolled_at"], study, participant["site_id"])


def subject_ids(study: Study, pd: ParticipantData, treated: bool) -> dict[str, Any]:
    """The ADSL variables every BDS and ADAE row carries (FASFL is set once ADLB is known)."""
    p = pd.participant
    arm = study.arm(p["arm"])
    return {"STUDYID": study.study.id, "USUBJID": usubjid(study, p["participant_id"], p["site_id"]),
            "SUBJID": subjid(p["participant_id"]), "SITEID": p["site_id"], "ARMCD": arm.code,
            "TRTP": arm.name, "TRTPN": arm_number(study, arm.code), "TRTA": arm.name if treated else "",
            "TRTAN": arm_number(study, arm.code) if treated else None, "SAFFL": "Y" if treated else "N",
            "FASFL": "N"}


def full_analysis(adlb: list[dict[str, Any]], primary_code: str | None) -> bool:
    """FASFL: a baseline and at least one post-baseline value (a CHG) of the primary lab test."""
    rows = [r for r in adlb if r["PARAMCD"] == primary_code]
    return any(r["ABLFL"] == "Y" for r in rows) and any(r["CHG"] is not None for r in rows)


def adsl_row(study: Study, pd: ParticipantData, t: Timing, *, compliance_pct: float | None,
             adqs: list[dict[str, Any]], adlb: list[dict[str, Any]],
             covariates: tuple[Covariate, ...] | None = None) -> dict[str, Any]:
    """The ADSL row of one randomised participant (``covariates``: ``baseline_covariates(study)`` when the caller
    has it, worked out once per export rather than once per participant)."""
    p = pd.participant
    ids = subject_ids(study, pd, t.rfxstdtc is not None)
    primary = study.primary_lab_test()
    ended = disposition_of(pd.records)
    _born, age = birth_and_age(pd)
    row: dict[str, Any] = {
        k: ids[k] for k in ("STUDYID", "USUBJID", "SUBJID", "SITEID")}
    row.update({
        "AGE": age, "AGEU": "YEARS", "SEX": p["sex"], "ARM": ids["TRTP"], "ARMCD": ids["ARMCD"],
        "TRT01P": ids["TRTP"], "TRT01PN": ids["TRTPN"], "TRT01A": ids["TRTA"], "TRT01AN": ids["TRTAN"],
        "RANDFL": "Y", "SAFFL": ids["SAFFL"], "FASFL": "Y" if full_analysis(adlb, primary and primary.code) else "N",
        "COMPLFL": "Y" if ended is not None and ended.status == COMPLETED else "N",
        "RFICDT": t.rficdtc, "RANDDT": randomisation_day(study, p), "TRTSDT": t.rfxstdtc, "TRTEDT": t.rfxendtc,
        "TRTDURD": (t.rfxendtc - t.rfxstdtc).days + 1 if t.rfxstdtc and t.rfxendtc else None,
        "COMPLPCT": compliance_pct,
        "EOSSTT": "ONGOING" if ended is None else ("COMPLETED" if ended.status == COMPLETED else "DISCONTINUED"),
        "DCSREAS": REASONS[ended.reason or "other"][0] if ended is not None and ended.status != COMPLETED else "",
        "DCSREASP": (ended.reason_text or "") if ended is not None else "",
        "EOSDT": ended.day if ended is not None else None})
    for cov in baseline_covariates(study) if covariates is None else covariates:
        rows = adqs if cov.dataset == "ADQS" else adlb
        base = next((r for r in rows if r["PARAMCD"] == cov.paramcd and r["ABLFL"] == "Y"), None)
        row[cov.name] = base["AVAL"] if base else None
    return row
