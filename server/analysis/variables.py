"""The variables of each ADaM dataset: name, label, type, origin and derivation, for the .xpt, Dataset-JSON and
define.xml written by ``server.exports.adam``. The builders' rows carry exactly these names (a test checks it);
the study-dependent ones (baseline covariates, per-drug relatedness) come from the study file.
"""

from __future__ import annotations

from dataclasses import dataclass

from server.analysis.adae import drug_variables
from server.analysis.adsl import baseline_covariates
from server.exports.sdtm_model import Var
from shared.study.model import Study

CHAR, FLOAT, INTEGER, DATE = "C", "N", "I", "D"
ADAMIG_VERSION = "1.3"

_PRED, _ASSIGNED = "Predecessor", "Assigned"


@dataclass(frozen=True)
class AdamVar(Var):
    """One ADaM variable: ``kind`` C (text), N (float), I (integer) or D (date: a SAS date, DATE9.); ``origin``
    Derived / Assigned / Predecessor / Collected with ``method`` (derivation, or the SDTM source variable)."""

    kind: str = CHAR
    origin: str = "Derived"
    method: str = ""


def _v(name: str, label: str, kind: str = CHAR, origin: str = "Derived", method: str = "") -> AdamVar:
    return AdamVar(name, label, kind != CHAR, "", kind, origin, method)


FLAG_YN = "Y or N."
IDS = [
    _v("STUDYID", "Study Identifier", origin=_PRED, method="DM.STUDYID"),
    _v("USUBJID", "Unique Subject Identifier", origin=_PRED, method="DM.USUBJID"),
    _v("SUBJID", "Subject Identifier for the Study", origin=_PRED, method="DM.SUBJID"),
    _v("SITEID", "Study Site Identifier", origin=_PRED, method="DM.SITEID")]
SUBJECT = [  # ADSL variables every BDS and ADAE row carries
    *IDS, _v("ARMCD", "Planned Arm Code", origin=_PRED, method="DM.ARMCD"),
    _v("TRTP", "Planned Treatment", method="ADSL.TRT01P."), _v("TRTPN", "Planned Treatment (N)", INTEGER,
                                                               method="ADSL.TRT01PN."),
    _v("TRTA", "Actual Treatment", method="ADSL.TRT01A."), _v("TRTAN", "Actual Treatment (N)", INTEGER,
                                                             method="ADSL.TRT01AN."),
    _v("SAFFL", "Safety Population Flag", method="ADSL.SAFFL."),
    _v("FASFL", "Full Analysis Set Population Flag", method="ADSL.FASFL.")]

ADSL = [
    *IDS, _v("AGE", "Age", INTEGER, _PRED, "DM.AGE"), _v("AGEU", "Age Units", origin=_PRED, method="DM.AGEU"),
    _v("SEX", "Sex", origin=_PRED, method="DM.SEX"), _v("ARM", "Description of Planned Arm", origin=_PRED,
                                                         method="DM.ARM"),
    _v("ARMCD", "Planned Arm Code", origin=_PRED, method="DM.ARMCD"),
    _v("TRT01P", "Planned Treatment for Period 01", method="ARM."),
    _v("TRT01PN", "Planned Treatment for Period 01 (N)", INTEGER, method="The arm's order in the study file."),
    _v("TRT01A", "Actual Treatment for Period 01", method="TRT01P when SAFFL is Y (no cross-over), else empty."),
    _v("TRT01AN", "Actual Treatment for Period 01 (N)", INTEGER, method="TRT01PN when SAFFL is Y, else empty."),
    _v("RANDFL", "Randomized Population Flag", method="Y: the participant was randomised (by the data cut)."),
    _v("SAFFL", "Safety Population Flag", method="Y when a first dose is known (TRTSDT), else N."),
    _v("FASFL", "Full Analysis Set Population Flag", method=(
        "Y when randomised with a baseline and at least one post-baseline value of the primary lab test, else N.")),
    _v("COMPLFL", "Completers Population Flag", method="Y when the disposition is COMPLETED, else N."),
    _v("RFICDT", "Date of Informed Consent", DATE, _PRED, "DM.RFICDTC"),
    _v("RANDDT", "Date of Randomization", DATE, method="The site-local day of randomisation (DS RANDOMIZED)."),
    _v("TRTSDT", "Date of First Exposure to Treatment", DATE, _PRED, "DM.RFXSTDTC"),
    _v("TRTEDT", "Date of Last Exposure to Treatment", DATE, _PRED, "DM.RFXENDTC"),
    _v("TRTDURD", "Total Treatment Duration (Days)", INTEGER, method="TRTEDT - TRTSDT + 1."),
    _v("COMPLPCT", "Dosing Compliance (%)", FLOAT, method=(
        "Doses taken per the dosing diaries over the doses the arm's schedule expects on the diaries' dates, x 100 "
        "(shared/compliance.py)." )),
    _v("EOSSTT", "End of Study Status", method="COMPLETED or DISCONTINUED from the disposition record, else ONGOING."),
    _v("DCSREAS", "Reason for Discontinuation from Study", method="DS.DSDECOD of the discontinuation."),
    _v("DCSREASP", "Reason Spec for Discont from Study", origin="Collected", method=""),
    _v("EOSDT", "End of Study Date", DATE, _PRED, "DS.DSSTDTC of the disposition event.")]

_BDS_HEAD = [
    *SUBJECT, _v("PARAMCD", "Parameter Code", origin=_ASSIGNED), _v("PARAM", "Parameter", origin=_ASSIGNED),
    _v("PARAMN", "Parameter (N)", INTEGER, _ASSIGNED), _v("PARCAT1", "Parameter Category 1", origin=_ASSIGNED),
    _v("AVISIT", "Analysis Visit", method="The study file's label of the visit of the record."),
    _v("AVISITN", "Analysis Visit (N)", INTEGER, method=(
        "The visit's planned day relative to baseline (baseline 0) from the study file; empty for an unscheduled "
        "visit.")),
    _v("ADT", "Analysis Date", DATE, method=(
        "The site-local date of the record: the answer's time at the site's time zone (ADQS), the sample date "
        "(ADLB).")),
    _v("ADY", "Analysis Relative Day", INTEGER, method="ADT - TRTSDT + 1 on or after TRTSDT, ADT - TRTSDT "
                                                       "before it (no day 0); empty without TRTSDT.")]
_BDS_TAIL = [
    _v("ABLFL", "Baseline Record Flag", method=(
        "Y on the last record with a value on or before TRTSDT (not dosed: on or before the baseline visit's day).")),
    _v("BASE", "Baseline Value", FLOAT, method="AVAL of the ABLFL record of the participant and parameter."),
    _v("CHG", "Change from Baseline", FLOAT, method="AVAL - BASE, on records after the baseline record."),
    _v("PCHG", "Percent Change from Baseline", FLOAT, method="100 x CHG / BASE (empty when BASE is 0)."),
    _v("ANL01FL", "Analysis Flag 01", method=(
        "Y on one record per participant, parameter and scheduled AVISIT: the baseline record at its visit, else "
        "the latest record with a value; empty for unscheduled visits."))]

ADQS = [*_BDS_HEAD, _v("AVAL", "Analysis Value", FLOAT, method=(
            "The instrument's declared score, computed from the answers by its scoring (QS.QSSTRESN).")),
        _v("QSSPID", "Sponsor-Defined Identifier", origin=_PRED, method="QS.QSSPID (the record id)."), *_BDS_TAIL]

ADLB = [*_BDS_HEAD, _v("AVAL", "Analysis Value", FLOAT, _PRED, "LB.LBSTRESN"),
        _v("ANRLO", "Analysis Normal Range Lower Limit", FLOAT, _PRED, "LB.LBSTNRLO"),
        _v("ANRHI", "Analysis Normal Range Upper Limit", FLOAT, _PRED, "LB.LBSTNRHI"),
        _v("ANRIND", "Analysis Reference Range Indicator", origin=_PRED, method="LB.LBNRIND"),
        _v("ATOXGR", "Analysis Toxicity Grade", origin=_PRED, method="LB.LBTOXGR"),
        _v("ATOXGRN", "Analysis Toxicity Grade (N)", INTEGER, method="ATOXGR as a number."),
        _v("LBSPID", "Sponsor-Defined Identifier", origin=_PRED, method="LB.LBSPID (the lab result id)."),
        *_BDS_TAIL,
        _v("BNRIND", "Baseline Reference Range Indicator", method="ANRIND of the ABLFL record."),
        _v("BTOXGR", "Baseline Toxicity Grade", method="ATOXGR of the ABLFL record."),
        _v("BTOXGRN", "Baseline Toxicity Grade (N)", INTEGER, method="ATOXGRN of the ABLFL record.")]

_ADAE_HEAD = [
    *SUBJECT, _v("AESEQ", "Sequence Number", INTEGER, _PRED, "AE.AESEQ"),
    _v("AESPID", "Sponsor-Defined Identifier", origin=_PRED, method="AE.AESPID (the record id)."),
    _v("AETERM", "Reported Term for the Adverse Event", origin=_PRED, method="AE.AETERM"),
    _v("AEDECOD", "Dictionary-Derived Term", origin=_PRED, method="AE.AEDECOD"),
    _v("AEPTCD", "Preferred Term Code", INTEGER, _PRED, "AE.AEPTCD"),
    _v("AEBODSYS", "Body System or Organ Class", origin=_PRED, method="AE.AEBODSYS"),
    _v("AEBDSYCD", "Body System or Organ Class Code", INTEGER, _PRED, "AE.AEBDSYCD"),
    _v("ASTDT", "Analysis Start Date", DATE, method="AE.AESTDTC as a date."),
    _v("AENDT", "Analysis End Date", DATE, method="AE.AEENDTC as a date."),
    _v("ASTDY", "Analysis Start Relative Day", INTEGER, method="ASTDT - TRTSDT + 1 on or after TRTSDT, else "
                                                               "ASTDT - TRTSDT."),
    _v("AENDY", "Analysis End Relative Day", INTEGER, method="AENDT - TRTSDT + 1 on or after TRTSDT, else "
                                                             "AENDT - TRTSDT."),
    _v("TRTEMFL", "Treatment Emergent Analysis Flag", method=(
        "Y when the onset (ASTDT) is on or after the first dose (shared/pharmacovigilance.py), else empty.")),
    _v("AESEV", "Severity/Intensity", origin=_PRED, method="AE.AESEV"),
    _v("AETOXGR", "Standard Toxicity Grade", origin=_PRED, method="AE.AETOXGR"),
    _v("ATOXGR", "Analysis Toxicity Grade", method="AETOXGR."),
    _v("ATOXGRN", "Analysis Toxicity Grade (N)", INTEGER, method="ATOXGR as a number."),
    _v("AESER", "Serious Event", origin=_PRED, method="AE.AESER"),
    _v("AESDTH", "Results in Death", origin=_PRED, method="AE.AESDTH"),
    _v("AOUT", "Analysis Outcome of Adverse Event", origin=_PRED, method="AE.AEOUT"),
    _v("AESUSAR", "Suspected Unexpected Serious Adv Reactn", origin=_PRED, method="SUPPAE.QVAL (QNAM AESUSAR)")]


def adae_variables(study: Study) -> list[AdamVar]:
    """ADAE's variables, with AREL<n>, AREL<n>FL and AEXP<n> per drug of the study file."""
    out = list(_ADAE_HEAD)
    for n, _drug, name in drug_variables(study):
        out += [_v(f"AREL{n}", f"Causality to {name}"[:40], origin=_PRED, method=f"SUPPAE.QVAL (QNAM AEREL{n})"),
                _v(f"AREL{n}FL", f"Related to {name} Flag"[:40], method=(
                    f"Y when the causality to {name} is certain, probable or possible and the participant's arm "
                    "receives it, else empty.")),
                _v(f"AEXP{n}", f"Expected for {name}"[:40], method=(
                    f"Y when the study file lists the event as expected for {name} (arm drugs only), N if not."))]
    out += [_v("ARELFL", "Related to Any Study Drug Flag", method="Y when any AREL<n>FL is Y, else empty."),
            _v("ARELINC", "Causality for Drug Not in Arm Flag", method=(
                "Y when a causality was recorded for a drug the participant's arm does not receive, else empty."))]
    return out


def adsl_variables(study: Study) -> list[AdamVar]:
    """ADSL's variables, with the baseline covariates of the study."""
    return [*ADSL, *(_v(c.name, c.label, FLOAT, method=f"{c.dataset}.BASE where PARAMCD is {c.paramcd}.")
                     for c in baseline_covariates(study))]


def dataset_variables(study: Study) -> dict[str, tuple[str, list[AdamVar]]]:
    """Every ADaM dataset: name -> (label, variables), in the order they are written."""
    return {"ADSL": ("Subject-Level Analysis Dataset", adsl_variables(study)),
            "ADQS": ("Questionnaire Analysis Dataset", list(ADQS)),
            "ADLB": ("Laboratory Analysis Dataset", list(ADLB)),
            "ADAE": ("Adverse Events Analysis Dataset", adae_variables(study))}


# dataset -> (define.xml class, structure, key variables)
DATASET_INFO: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "ADSL": ("SUBJECT LEVEL ANALYSIS DATASET", "One record per subject", ("STUDYID", "USUBJID")),
    "ADQS": ("BASIC DATA STRUCTURE", "One record per subject per parameter per analysis date",
             ("STUDYID", "USUBJID", "PARAMCD", "ADT", "QSSPID")),
    "ADLB": ("BASIC DATA STRUCTURE", "One record per subject per parameter per analysis date",
             ("STUDYID", "USUBJID", "PARAMCD", "ADT", "LBSPID")),
    "ADAE": ("OCCURRENCE DATA STRUCTURE", "One record per adverse event per subject",
             ("STUDYID", "USUBJID", "AESEQ")),
}
