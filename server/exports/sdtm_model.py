"""SDTM dataset metadata: every variable's name, label, type and notes, in SDTMIG 3.4 order, and its width.

One table serves the .csv, .xpt and .json files, define.xml and define.csv, so they cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from shared.study.model import Study


@dataclass(frozen=True)
class Var:
    """One SDTM variable: name, label, numeric or not, and its codelist/notes for define.csv."""

    name: str
    label: str
    numeric: bool = False
    terms: str = ""


@lru_cache(maxsize=65536)
def number_text(v: Any) -> str:
    """A number as SDTM text (integers without ".0", missing as ""); cached: sequence numbers, days and scores
    repeat a lot."""
    if v is None or v == "":
        return ""
    f = float(v)
    return str(int(f)) if f.is_integer() else repr(f)


def variables_from(spec: str) -> list[Var]:
    """Variables from "NAME|Label|N|notes" lines (N = numeric, C = character)."""
    out = []
    for line in spec.strip().splitlines():
        name, label, *rest = [p.strip() for p in line.split("|")]
        kind = rest[0] if rest else ""
        out.append(Var(name, label, kind == "N", rest[1] if len(rest) > 1 else ""))
    return out


_ID = """STUDYID|Study Identifier
DOMAIN|Domain Abbreviation
USUBJID|Unique Subject Identifier"""
DOMAINS: dict[str, tuple[str, list[Var]]] = {
    "DM": ("Demographics", variables_from(_ID + """
SUBJID|Subject Identifier for the Study
RFSTDTC|Subject Reference Start Date/Time
RFENDTC|Subject Reference End Date/Time
RFXSTDTC|Date/Time of First Study Treatment
RFXENDTC|Date/Time of Last Study Treatment
RFICDTC|Date/Time of Informed Consent
RFPENDTC|Date/Time of End of Participation
DTHDTC|Date/Time of Death
DTHFL|Subject Death Flag|C|Y or empty
SITEID|Study Site Identifier
BRTHDTC|Date/Time of Birth|C|year only (ISO 8601 partial date)
AGE|Age|N
AGEU|Age Units|C|YEARS
SEX|Sex|C|F, M
RACE|Race|C|NOT REPORTED (race is not collected)
ETHNIC|Ethnicity|C|NOT REPORTED (ethnicity is not collected)
ARMCD|Planned Arm Code
ARM|Description of Planned Arm
ACTARMCD|Actual Arm Code
ACTARM|Description of Actual Arm
ARMNRS|Reason Arm and/or Actual Arm is Null
ACTARMUD|Description of Unplanned Actual Arm
COUNTRY|Country|C|ISO 3166-1 alpha-3
DMDTC|Date/Time of Collection
DMDY|Study Day of Collection|N""")),
    "AE": ("Adverse Events", variables_from(_ID + """
AESEQ|Sequence Number|N
AESPID|Sponsor-Defined Identifier|C|record UUID
AETERM|Reported Term for the Adverse Event
AELLT|Lowest Level Term|C|MedDRA (imported release); empty when not coded
AELLTCD|Lowest Level Term Code|N|MedDRA (imported release); empty when not coded
AEDECOD|Dictionary-Derived Term|C|MedDRA preferred term; empty when not coded
AEPTCD|Preferred Term Code|N|MedDRA (imported release); empty when not coded
AEHLT|High Level Term|C|MedDRA (imported release); empty when not coded
AEHLTCD|High Level Term Code|N|MedDRA (imported release); empty when not coded
AEHLGT|High Level Group Term|C|MedDRA (imported release); empty when not coded
AEHLGTCD|High Level Group Term Code|N|MedDRA (imported release); empty when not coded
AEBODSYS|Body System or Organ Class|C|MedDRA (imported release); empty when not coded
AEBDSYCD|Body System or Organ Class Code|N|MedDRA (imported release); empty when not coded
AESOC|Primary System Organ Class|C|MedDRA (imported release); empty when not coded
AESOCCD|Primary System Organ Class Code|N|MedDRA (imported release); empty when not coded
AESEV|Severity/Intensity|C|MILD, MODERATE, SEVERE (from CTCAE grade 1, 2, >=3)
AESER|Serious Event|C|Y, N
AEACN|Action Taken with Study Treatment
AEREL|Causality|C|RELATED, PROBABLY RELATED, POSSIBLY RELATED, UNLIKELY RELATED, NOT ASSESSABLE, NOT RELATED
AEOUT|Outcome of Adverse Event
AESCONG|Congenital Anomaly or Birth Defect|C|Y, N
AESDISAB|Persist or Signif Disability/Incapacity|C|Y, N
AESDTH|Results in Death|C|Y, N
AESHOSP|Requires or Prolongs Hospitalization|C|Y, N
AESLIFE|Is Life Threatening|C|Y, N
AESMIE|Other Medically Important Serious Event|C|Y, N
AETOXGR|Standard Toxicity Grade|C|CTCAE v5.0: 1, 2, 3, 4, 5
EPOCH|Epoch
AEDTC|Date/Time of Collection
AESTDTC|Start Date/Time of Adverse Event
AEENDTC|End Date/Time of Adverse Event
AEDY|Study Day of Visit/Collection/Exam|N
AESTDY|Study Day of Start of Adverse Event|N
AEENDY|Study Day of End of Adverse Event|N""")),
    "QS": ("Questionnaires", variables_from(_ID + """
QSSEQ|Sequence Number|N
QSSPID|Sponsor-Defined Identifier|C|record UUID
QSTESTCD|Question Short Name|C|see QS tests in docs/export-formats.md
QSTEST|Question Name
QSCAT|Category of Question|C|the qs_category of each instrument file
QSORRES|Finding in Original Units
QSORRESU|Original Units|C|mm, cm
QSSTRESC|Character Result/Finding in Std Format
QSSTRESN|Numeric Finding in Standard Units|N
QSSTRESU|Standard Units|C|mm, cm
QSLOBXFL|Last Observation Before Exposure Flag|C|Y or empty
QSBLFL|Baseline Flag|C|Y or empty
QSDRVFL|Derived Flag|C|Y for total scores
QSEVAL|Evaluator|C|INVESTIGATOR, STUDY SUBJECT
VISITNUM|Visit Number|N
VISIT|Visit Name
EPOCH|Epoch
QSDTC|Date/Time of Finding
QSDY|Study Day of Finding|N""")),
    "EX": ("Exposure", variables_from(_ID + """
EXSEQ|Sequence Number|N
EXSPID|Sponsor-Defined Identifier|C|record UUID of the dosing diary
EXTRT|Name of Treatment
EXDOSE|Dose|N
EXDOSU|Dose Units|C|MIU, mg
EXDOSFRM|Dose Form|C|empty: the study file names no dose form
EXDOSFRQ|Dosing Frequency per Interval|C|2 TIMES PER WEEK, QD
EXROUTE|Route of Administration|C|SUBCUTANEOUS, ORAL
EXADJ|Reason for Dose Adjustment|C|missed-dose reason from the diary
VISITNUM|Visit Number|N
VISIT|Visit Name
EPOCH|Epoch
EXSTDTC|Start Date/Time of Treatment
EXENDTC|End Date/Time of Treatment
EXSTDY|Study Day of Start of Treatment|N
EXENDY|Study Day of End of Treatment|N""")),
    "DS": ("Disposition", variables_from(_ID + """
DSSEQ|Sequence Number|N
DSTERM|Reported Term for the Disposition Event
DSDECOD|Standardized Disposition Term
DSCAT|Category for Disposition Event|C|PROTOCOL MILESTONE, DISPOSITION EVENT
EPOCH|Epoch
DSSTDTC|Start Date/Time of Disposition Event
DSSTDY|Study Day of Start of Disposition Event|N""")),
    "LB": ("Laboratory Test Results", variables_from(_ID + """
LBSEQ|Sequence Number|N
LBSPID|Sponsor-Defined Identifier|C|lab result id
LBTESTCD|Lab Test or Examination Short Name|C|codes of the study file's lab panel
LBTEST|Lab Test or Examination Name
LBCAT|Category for Lab Test|C|CHEMISTRY, HEMATOLOGY, IMMUNOLOGY
LBORRES|Result or Finding in Original Units
LBORRESU|Original Units
LBORNRLO|Reference Range Lower Limit in Orig Unit
LBORNRHI|Reference Range Upper Limit in Orig Unit
LBSTRESC|Character Result/Finding in Std Format
LBSTRESN|Numeric Result/Finding in Standard Units|N
LBSTRESU|Standard Units
LBSTNRLO|Reference Range Lower Limit-Std Units|N
LBSTNRHI|Reference Range Upper Limit-Std Units|N
LBNRIND|Reference Range Indicator|C|LOW, NORMAL, HIGH
LBLOINC|LOINC Code
LBSPEC|Specimen Type
LBMETHOD|Method of Test or Examination
LBLOBXFL|Last Observation Before Exposure Flag|C|Y or empty
LBBLFL|Baseline Flag|C|Y or empty
LBTOX|Toxicity|C|CTCAE v5.0 term
LBTOXGR|Standard Toxicity Grade|C|0-4 (CTCAE v5.0)
VISITNUM|Visit Number|N
VISIT|Visit Name
EPOCH|Epoch
LBDTC|Date/Time of Specimen Collection
LBDY|Study Day of Specimen Collection|N""")),
    "SE": ("Subject Elements", variables_from(_ID + """
SESEQ|Sequence Number|N
ETCD|Element Code
ELEMENT|Description of Element
TAETORD|Planned Order of Element within Arm|N
EPOCH|Epoch
SESTDTC|Start Date/Time of Element
SEENDTC|End Date/Time of Element
SESTDY|Study Day of Start of Element|N
SEENDY|Study Day of End of Element|N""")),
    "SV": ("Subject Visits", variables_from(_ID + """
VISITNUM|Visit Number|N
VISIT|Visit Name
VISITDY|Planned Study Day of Visit|N
EPOCH|Epoch
SVSTDTC|Start Date/Time of Observation
SVENDTC|End Date/Time of Observation
SVSTDY|Study Day of Start of Observation|N
SVENDY|Study Day of End of Observation|N
SVUPDES|Description of Unplanned Visit""")),
    "IE": ("Inclusion/Exclusion Criteria Not Met", variables_from(_ID + """
IESEQ|Sequence Number|N
IETESTCD|Inclusion/Exclusion Criterion Short Name
IETEST|Inclusion/Exclusion Criterion
IECAT|Inclusion/Exclusion Category|C|INCLUSION, EXCLUSION
IEORRES|I/E Criterion Original Result|C|Y, N
IESTRESC|I/E Criterion Result in Std Format|C|Y, N
EPOCH|Epoch
IEDTC|Date/Time of Collection
IEDY|Study Day of Collection|N""")),
    # --- clinical record (issue 18): server/exports/sdtm_cm.py, sdtm_mh.py, sdtm_vs.py
    "CM": ("Concomitant/Prior Medications", variables_from(_ID + """
CMSEQ|Sequence Number|N
CMSPID|Sponsor-Defined Identifier|C|record UUID
CMTRT|Reported Name of Drug, Med, or Therapy
CMDECOD|Standardized Medication Name|C|empty: not WHODrug-coded
CMINDC|Indication
CMCLAS|Medication Class|C|ATC class name from the study file
CMCLASCD|Medication Class Code|C|WHO ATC code from the study file
CMDOSE|Dose per Administration|N
CMDOSU|Dose Units|C|mg, g, ug, mL, IU, TABLET, CAPSULE, DROP, PUFF
CMDOSFRQ|Dosing Frequency per Interval|C|QD, BID, TID, QID, QOD, EVERY WEEK, 2 TIMES PER WEEK, EVERY 2 WEEKS, QM, ...
CMROUTE|Route of Administration
EPOCH|Epoch
CMDTC|Date/Time of Collection
CMSTDTC|Start Date/Time of Medication|C|ISO 8601, may be partial (YYYY, YYYY-MM)
CMENDTC|End Date/Time of Medication|C|ISO 8601, may be partial (YYYY, YYYY-MM)
CMDY|Study Day of Visit/Collection/Exam|N
CMSTDY|Study Day of Start of Medication|N
CMENDY|Study Day of End of Medication|N
CMENRTPT|End Relative to Reference Time Point|C|ONGOING or empty
CMENTPT|End Reference Time Point|C|date of collection when ongoing""")),
    "MH": ("Medical History", variables_from(_ID + """
MHSEQ|Sequence Number|N
MHSPID|Sponsor-Defined Identifier|C|record UUID
MHTERM|Reported Term for the Medical History
MHDECOD|Dictionary-Derived Term|C|empty: not MedDRA-coded
MHCAT|Category for Medical History|C|GENERAL MEDICAL HISTORY
EPOCH|Epoch
MHDTC|Date/Time of History Collection
MHSTDTC|Start Date/Time of Medical History Event|C|ISO 8601, may be partial (YYYY, YYYY-MM)
MHDY|Study Day of History Collection|N
MHENRTPT|End Relative to Reference Time Point|C|ONGOING, BEFORE
MHENTPT|End Reference Time Point|C|date of collection""")),
    "VS": ("Vital Signs", variables_from(_ID + """
VSSEQ|Sequence Number|N
VSSPID|Sponsor-Defined Identifier|C|record UUID
VSTESTCD|Vital Signs Test Short Name|C|SYSBP, DIABP, PULSE, TEMP, WEIGHT
VSTEST|Vital Signs Test Name
VSORRES|Result or Finding in Original Units
VSORRESU|Original Units|C|mmHg, beats/min, C, kg
VSSTRESC|Character Result/Finding in Std Format
VSSTRESN|Numeric Result/Finding in Standard Units|N
VSSTRESU|Standard Units|C|mmHg, beats/min, C, kg
VSLOBXFL|Last Observation Before Exposure Flag|C|Y or empty
VSBLFL|Baseline Flag|C|Y or empty
VISITNUM|Visit Number|N
VISIT|Visit Name
EPOCH|Epoch
VSDTC|Date/Time of Measurements
VSDY|Study Day of Vital Signs|N""")),
}
DOMAINS["DV"] = ("Protocol Deviations", variables_from(_ID + """
DVSEQ|Sequence Number|N
DVSPID|Sponsor-Defined Identifier|C|record UUID (staff-recorded) or VISIT-RULE (raised by the visit rules)
DVTERM|Protocol Deviation Term
DVDECOD|Protocol Deviation Coded Term
DVCAT|Category for Protocol Deviation
DVSCAT|Subcategory for Protocol Deviation|C|MAJOR, MINOR (severity)
EPOCH|Epoch
DVSTDTC|Start Date/Time of Deviation
DVSTDY|Study Day of Start of Deviation Event|N"""))   # issue 16: server/exports/sdtm_ds.py
# Opened on their first row only (SDTM submits no empty dataset): IE lists unmet criteria, which enrolment
# refuses; DV deviations, which a study may not have either.
DOMAINS["RP"] = ("Reproductive System Findings", variables_from(_ID + """
RPSEQ|Sequence Number|N
RPTESTCD|Reproductive Test Short Name|C|CHILDPOT
RPTEST|Reproductive Test Name|C|Childbearing Potential
RPORRES|Result or Finding in Original Units|C|Y, N
RPSTRESC|Character Result/Finding in Std Format|C|Y, N
VISITNUM|Visit Number|N
VISIT|Visit Name
EPOCH|Epoch
RPDTC|Date/Time of Collection
RPDY|Study Day of Visit/Collection/Exam|N"""))   # issue 18: server/exports/sdtm_rp.py
LAZY_DATASETS = frozenset({"IE", "CM", "MH", "VS", "DV", "RP"})  # CM, MH, VS: a study may keep no clinical record

SUPP_VARIABLES = variables_from("""STUDYID|Study Identifier
RDOMAIN|Related Domain Abbreviation
USUBJID|Unique Subject Identifier
IDVAR|Identifying Variable
IDVARVAL|Identifying Variable Value
QNAM|Qualifier Variable Name
QLABEL|Qualifier Variable Label
QVAL|Data Value
QORIG|Origin
QEVAL|Evaluator""")
SUPP_LENGTHS = {"RDOMAIN": 2, "IDVAR": 8, "IDVARVAL": 20, "QNAM": 8, "QLABEL": 40, "QVAL": 200, "QORIG": 20,
                "QEVAL": 40}


def supp_name(domain: str) -> str:
    """The name of a domain's supplemental qualifiers dataset (SUPPAE, SUPPDM…)."""
    return f"SUPP{domain}"


def char_lengths(study: Study) -> dict[str, int]:
    """Declared byte lengths of the character variables (define.csv and the .xpt use them).

    Fixed up front so CSV and XPT are written in one pass; a longer value is refused (XportLimit), never cut.
    Lengths that depend on the study (ids, visit labels, arm and treatment names) are taken from the study file.
    """
    site = max(len(s.id) for s in study.sites)
    lengths = {"STUDYID": len(study.study.id), "DOMAIN": 2, "USUBJID": len(study.study.id) + site + 8,
               "SUBJID": 6, "SITEID": site, "BRTHDTC": 7, "AGEU": 5, "SEX": 1, "ARMCD": 20, "ACTARMCD": 20,
               "ARM": max(len(a.name) for a in study.arms), "COUNTRY": 3, "AETERM": 200, "AEDECOD": 100,
               # MedDRA term names are at most 100 characters (its ASCII files' field length)
               **dict.fromkeys(("AELLT", "AEHLT", "AEHLGT", "AEBODSYS", "AESOC"), 100),
               "AESEV": 8, "AETOXGR": 1, "AEREL": 16, "AEACN": 16, "AEOUT": 32, "QSTESTCD": 8, "QSTEST": 40,
               "QSCAT": 20, "QSORRES": 20, "QSSTRESC": 20, "QSORRESU": 4, "QSSTRESU": 4, "QSDTC": 32,
               "VISIT": max(len(v.label.encode()) for v in study.visits), "EXDOSU": 8, "EXDOSFRQ": 16,
               "EXTRT": max(len(t.name) for a in study.arms for t in a.treatments), "EXROUTE": 16, "EXADJ": 200,
               "DSTERM": 200, "DSDECOD": 40, "DSCAT": 20, "EPOCH": 9, "DTHFL": 1, "QSBLFL": 1, "QSLOBXFL": 1,
               "QSDRVFL": 1, "LBBLFL": 1, "LBLOBXFL": 1, "QSEVAL": 13, "RACE": 12, "ETHNIC": 12, "LBSPEC": 10,
               "LBMETHOD": 20, "LBNRIND": 8, "ETCD": 8, "ELEMENT": 80, "IETESTCD": 8, "IETEST": 200, "IECAT": 9,
               "IEORRES": 1, "IESTRESC": 1, "ARMNRS": 40, "ACTARMUD": 40, "SVUPDES": 40, "LBORNRLO": 20,
               "LBORNRHI": 20, "LBTESTCD": 8, "LBTEST": 40, "LBCAT": 20, "LBORRES": 20,
               "LBSTRESC": 20, "LBORRESU": 8, "LBSTRESU": 8, "LBLOINC": 10, "LBTOX": 40, "LBTOXGR": 1,
               "LBSPID": 36,
               "DVSPID": 36, "DVTERM": 200, "DVDECOD": 40, "DVCAT": 40, "DVSCAT": 5}
    lengths.update({"CMTRT": 200, "CMDECOD": 200, "CMCLAS": 80, "CMCLASCD": 7, "CMINDC": 200, "CMDOSU": 8,
                    "CMDOSFRQ": 16, "CMROUTE": 24, "CMSTDTC": 10, "CMENDTC": 10, "CMENRTPT": 7, "CMENTPT": 10,
                    "MHTERM": 200, "MHDECOD": 200, "MHCAT": 24, "MHSTDTC": 10, "MHENRTPT": 7, "MHENTPT": 10,
                    "VSTESTCD": 8, "VSTEST": 40, "VSORRES": 8, "VSORRESU": 9, "VSSTRESC": 8, "VSSTRESU": 9,
                    "VSBLFL": 1, "VSLOBXFL": 1, "VSDTC": 32, "CMSPID": 36, "MHSPID": 36, "VSSPID": 36})  # issue 18
    lengths["ACTARM"] = lengths["ARM"]
    for name in ("AESPID", "QSSPID", "EXSPID"):
        lengths[name] = 36
    return lengths


def variable_width(lengths: dict[str, int], var: Var) -> int:
    if var.numeric:
        return 8
    return lengths.get(var.name, 10 if var.name.endswith("DTC") else 40)


def dataset_widths(study: Study) -> dict[tuple[str, str], int]:
    """Width in bytes of every variable of every dataset (SUPP-- datasets under the key "SUPP")."""
    lengths = char_lengths(study)
    widths = {(d, v.name): variable_width(lengths, v) for d, (_l, variables) in DOMAINS.items() for v in variables}
    widths.update({("SUPP", v.name): SUPP_LENGTHS.get(v.name) or variable_width(lengths, v) for v in SUPP_VARIABLES})
    return widths


INTEGER_VARIABLES = frozenset({"AGE", "TAETORD", "VISITDY"})


def json_type(var: Var) -> str:
    """Dataset-JSON data type: string, or integer (sequence numbers, study days, age) or double."""
    if not var.numeric:
        return "string"
    return "integer" if var.name.endswith(("SEQ", "DY", "CD")) or var.name in INTEGER_VARIABLES else "double"
