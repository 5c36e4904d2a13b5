"""What define.xml says about each SDTM dataset and variable: class, structure, keys, origin, method, codelist.

Controlled terminology is a small vendored subset of CDISC SDTM Controlled Terminology (``CT_VERSION``):
each codelist with its NCI C-code and the C-codes of its terms where we checked them (a term without a code
is listed without one, never with a guessed code); values outside a CDISC codelist are marked extended.
Sponsor-defined codelists (no CDISC counterpart) have no C-code.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from shared.conmed import DOSE_UNITS, FREQUENCIES, ROUTES
from shared.deviations import CATEGORIES, RULE_TERMS
from shared.disposition import COMPLETED_TERM, REASONS

CT_VERSION = "2024-03-29"          # CDISC SDTM Controlled Terminology package the codelists below come from
SDTMIG_VERSION = "3.4"


@dataclass(frozen=True)
class Codelist:
    """One codelist: its name, NCI C-code (empty: sponsor-defined), terms (value → (decode, term C-code))."""

    oid: str
    name: str
    c_code: str
    terms: dict[str, tuple[str, str]] = field(default_factory=dict)
    extensible: bool = True
    extended: frozenset[str] = frozenset()     # our values added to an extensible CDISC codelist


def _terms(*rows: tuple[str, str, str]) -> dict[str, tuple[str, str]]:
    return {value: (decode, code) for value, decode, code in rows}


# Our frequency codes that are not terms of CDISC Frequency (C71113) in CT 2024-03-29: the export writes the CDISC
# submission value instead (SEND CT 2024-03-29 in rubentalstra/Trial-Submission-Studio crates/tss-standards/data/
# terminology/2024-03-29/SEND_CT_2024-03-29.csv, codelist "Frequency": "2 TIMES PER WEEK", "EVERY WEEK", "EVERY 2
# WEEKS"; BIW, QW and Q2W are not among its submission values).
FREQ_SUBMISSION = {"BIW": "2 TIMES PER WEEK", "QW": "EVERY WEEK", "Q2W": "EVERY 2 WEEKS"}


def submission_frequency(code: str | None) -> str | None:
    """The CDISC C71113 submission value of one of our frequency codes (most are the CDISC value already)."""
    return FREQ_SUBMISSION.get(code, code) if code else code


CODELISTS: dict[str, Codelist] = {cl.oid: cl for cl in (
    Codelist("CL.NY", "No Yes Response", "C66742", _terms(("N", "No", "C49487"), ("Y", "Yes", "C49488")), False),
    Codelist("CL.SEX", "Sex", "C66731", _terms(("F", "Female", "C16576"), ("M", "Male", "C20197")), False),
    Codelist("CL.AGEU", "Age Unit", "C66781", _terms(("YEARS", "Years", "C29848"))),
    Codelist("CL.AESEV", "Severity/Intensity Scale for Adverse Events", "C66769", _terms(
        ("MILD", "Mild", "C41338"), ("MODERATE", "Moderate", "C41339"), ("SEVERE", "Severe", "C41340")), False),
    # OUT term codes: HL7 THO ValueSet adverse-event-clinical-research-outcomes ("specifically CDISC
    # CL.C66768.OUT", terminology.hl7.org); UNKNOWN is not in that value set, so it stays unverified
    Codelist("CL.OUT", "Outcome of Event", "C66768", _terms(
        ("RECOVERED/RESOLVED", "Recovered/Resolved", "C49498"),
        ("RECOVERING/RESOLVING", "Recovering/Resolving", "C49496"),
        ("NOT RECOVERED/NOT RESOLVED", "Not Recovered/Not Resolved", "C49494"),
        ("RECOVERED/RESOLVED WITH SEQUELAE", "Recovered/Resolved with Sequelae", "C49495"),
        ("FATAL", "Fatal", "C48275"), ("UNKNOWN", "Unknown", "")), False),
    Codelist("CL.ACN", "Action Taken with Study Treatment", "C66767", _terms(
        ("DOSE NOT CHANGED", "Dose Not Changed", ""), ("DOSE REDUCED", "Dose Reduced", ""),
        ("DRUG INTERRUPTED", "Drug Interrupted", ""), ("DRUG WITHDRAWN", "Drug Withdrawn", ""),
        ("NOT APPLICABLE", "Not Applicable", ""), ("MULTIPLE", "Multiple (see SUPPAE AEACNn)", "")),
        extended=frozenset({"MULTIPLE"})),
    Codelist("CL.ROUTE", "Route of Administration", "C66729", _terms(
        ("ORAL", "Oral", "C38288"), ("SUBCUTANEOUS", "Subcutaneous", "C38299"),
        ("INTRAVENOUS", "Intravenous", "C38276"))),
    Codelist("CL.FREQ", "Frequency", "C71113", _terms(("QD", "Once daily", "C25473"),
                                                       ("2 TIMES PER WEEK", "Twice per week", "C64497"),
                                                       ("EVERY WEEK", "Every week", "C67069"),
                                                       ("EVERY 2 WEEKS", "Every two weeks", "C71127"))),
    Codelist("CL.UNIT", "Unit", "C71620", _terms(("%", "Percentage", "C25613"), ("mm", "Millimeter", ""),
                                                   ("cm", "Centimeter", ""), ("mg", "Milligram", "C28253"),
                                                   ("MIU", "Million International Units", ""),
                                                   ("U/L", "Units per Liter", ""),
                                                   ("umol/L", "Micromole per Liter", ""),
                                                   ("mmol/L", "Millimole per Liter", ""),
                                                   ("g/L", "Gram per Liter", ""),
                                                   ("10^9/L", "10^9 per Liter", ""),
                                                   ("pg/mL", "Picogram per Milliliter", "")),
             extended=frozenset({"MIU"})),
    Codelist("CL.DSDECOD", "Disposition terms (from NCOMPLT C66727 and Protocol Milestone C114118)", "", _terms(
        (COMPLETED_TERM[0], "Completed", COMPLETED_TERM[1]),
        *((term, label.en, code) for term, code, label in REASONS.values()),
        ("INFORMED CONSENT OBTAINED", "Informed Consent Obtained", ""), ("RANDOMIZED", "Randomized", ""))),
    Codelist("CL.DVCAT", "Category for Protocol Deviation (sponsor-defined)", "", _terms(
        *((cat, label.en, "") for cat, _decod, label in CATEGORIES.values()))),
    Codelist("CL.DVDECOD", "Protocol Deviation Coded Term (sponsor-defined)", "", _terms(
        *((decod, label.en, "") for _cat, decod, label in CATEGORIES.values()),
        *((term, term.capitalize(), "") for term in RULE_TERMS.values()))),
    Codelist("CL.DVSCAT", "Severity of Protocol Deviation (sponsor-defined)", "", _terms(
        ("MAJOR", "Major", ""), ("MINOR", "Minor", "")), False),
    Codelist("CL.DSCAT", "Category for Disposition Event", "C74558", _terms(
        ("DISPOSITION EVENT", "Disposition Event", ""), ("PROTOCOL MILESTONE", "Protocol Milestone", ""))),
    Codelist("CL.AEREL", "Causality (WHO-UMC, sponsor-defined)", "", _terms(
        ("RELATED", "WHO-UMC certain", ""), ("PROBABLY RELATED", "WHO-UMC probable/likely", ""),
        ("POSSIBLY RELATED", "WHO-UMC possible", ""), ("UNLIKELY RELATED", "WHO-UMC unlikely", ""),
        ("NOT ASSESSABLE", "WHO-UMC conditional or unassessable", ""), ("NOT RELATED", "No drug of the arm", ""))),
    Codelist("CL.EPOCH", "Epoch", "C99079", _terms(("SCREENING", "Screening", ""), ("TREATMENT", "Treatment", ""))),
    Codelist("CL.RACE", "Race", "C74457", _terms(("NOT REPORTED", "Not reported (race is not collected)", ""))),
    Codelist("CL.ETHNIC", "Ethnic Group", "C66790", _terms(("NOT REPORTED", "Not reported (not collected)", ""))),
    Codelist("CL.EVAL", "Evaluator", "C78735", _terms(("INVESTIGATOR", "Investigator", ""),
                                                       ("STUDY SUBJECT", "Study subject", ""))),
    Codelist("CL.SPEC", "Specimen Type", "C78734", _terms(("BLOOD", "Blood", ""), ("SERUM", "Serum", ""),
                                                           ("URINE", "Urine", ""))),   # URINE: pregnancy tests
    Codelist("CL.NRIND", "Reference Range Indicator", "C78736", _terms(("LOW", "Low", ""), ("NORMAL", "Normal", ""),
                                                                       ("HIGH", "High", ""))),
    Codelist("CL.LBCAT", "Category for Lab Test (sponsor-defined)", "", _terms(
        ("CHEMISTRY", "Chemistry", ""), ("HEMATOLOGY", "Hematology", ""), ("IMMUNOLOGY", "Immunology", ""),
        ("URINALYSIS", "Urinalysis (urine pregnancy test)", ""))),
    Codelist("CL.METHOD", "Method", "C85492", _terms(("FLOW CYTOMETRY", "Flow cytometry", ""))),
    Codelist("CL.IECAT", "Category for Inclusion/Exclusion", "C66797", _terms(("INCLUSION", "Inclusion", ""),
                                                                               ("EXCLUSION", "Exclusion", "")),
             False),
    Codelist("CL.TOXGR", "CTCAE v5.0 grade (sponsor-defined)", "", _terms(
        ("1", "Mild", ""), ("2", "Moderate", ""), ("3", "Severe or medically significant", ""),
        ("4", "Life-threatening", ""), ("5", "Death related to AE", ""))),
    Codelist("CL.LBTOXGR", "CTCAE v5.0 grade of a lab result (sponsor-defined)", "", _terms(
        ("0", "Within the normal limit", ""), ("1", "Mild", ""), ("2", "Moderate", ""),
        ("3", "Severe or medically significant", ""), ("4", "Life-threatening", ""))),
)}

# --- clinical record (issue 18): CM, MH, VS
CODELISTS.update({cl.oid: cl for cl in (
    # TEMP/Temperature is C174446 (Body Temperature) in current CT, not C25206: pharmaverse/sdtm.oak
    # inst/raw_data/sdtm_ct.csv (C66741 and C67153); that file also gives the VSRESU, FREQ, UNIT, ENRTPT codes here
    Codelist("CL.VSTESTCD", "Vital Signs Test Code", "C66741", _terms(
        ("SYSBP", "Systolic Blood Pressure", "C25298"), ("DIABP", "Diastolic Blood Pressure", "C25299"),
        ("PULSE", "Pulse Rate", "C49676"), ("TEMP", "Temperature", "C174446"), ("WEIGHT", "Weight", "C25208"))),
    # VSTEST (SDTMIG 3.4 VS table: C67153) is VSTESTCD's paired codelist: the same NCI concept per term
    Codelist("CL.VSTEST", "Vital Signs Test Name", "C67153", _terms(
        *((name, name, code) for name, code in (("Systolic Blood Pressure", "C25298"),
                                               ("Diastolic Blood Pressure", "C25299"), ("Pulse Rate", "C49676"),
                                               ("Temperature", "C174446"), ("Weight", "C25208"))))),
    Codelist("CL.VSUNIT", "Units for Vital Signs Results", "C66770", _terms(
        ("mmHg", "Millimeter of Mercury", "C49670"), ("beats/min", "Beats per Minute", "C49673"),
        ("C", "Degree Celsius", "C42559"), ("kg", "Kilogram", ""))),
    Codelist("CL.CMROUTE", "Route of Administration (medications)", "C66729",
             _terms(*((code, text.en, "") for code, text in ROUTES.items()))),
    Codelist("CL.CMFREQ", "Frequency (medications)", "C71113",
             _terms(*((submission_frequency(code), text.en, "") for code, text in FREQUENCIES.items()))),
    Codelist("CL.CMDOSU", "Unit (medication doses)", "C71620",
             _terms(*((code, text.en, "") for code, text in DOSE_UNITS.items()))),
    Codelist("CL.ENRTPT", "Relation to Reference Period", "C66728", _terms(("ONGOING", "Ongoing", "C53279"),
                                                                        ("BEFORE", "Before", "C25629"))),
)})


# Term C-codes checked in a public copy of CDISC CT, for the subsets built from shared/ (CMROUTE, CMFREQ, CMDOSU):
# (codelist C-code, term) → term C-code. Sources: pharmaverse/sdtm.oak inst/raw_data/sdtm_ct.csv (codelist_code,
# term_code, term_value) and NCI EVS "CDASH Terminology 2011-01-07.txt" (CMDOSU C78417, "a terminology subset of the
# CDISC SDTM Unit codelist": ug). A term not here keeps no code.
CHECKED_TERM_CODES: dict[tuple[str, str], str] = {
    ("C66729", "INTRAMUSCULAR"): "C28161", ("C66729", "OPHTHALMIC"): "C38287",
    ("C66729", "TRANSDERMAL"): "C38305", ("C66729", "UNKNOWN"): "C38311",
    # ROUTE from SEND CT 2024-03-29 (the file named at FREQ_SUBMISSION), codelist "Route of Administration Response"
    ("C66729", "INTRAVENOUS"): "C38276", ("C66729", "TOPICAL"): "C38304", ("C66729", "NASAL"): "C38284",
    ("C66729", "RESPIRATORY (INHALATION)"): "C38216", ("C66729", "RECTAL"): "C38295",
    ("C71113", "QD"): "C25473", ("C71113", "BID"): "C64496", ("C71113", "QID"): "C64530",
    ("C71113", "PRN"): "C64499",
    # FREQ from SEND CT 2024-03-29 (the file named at FREQ_SUBMISSION): same codelist C71113, same release
    ("C71113", "TID"): "C64527", ("C71113", "QOD"): "C64525", ("C71113", "QM"): "C64498",
    ("C71113", "ONCE"): "C64576", ("C71113", "UNKNOWN"): "C17998", ("C71113", "2 TIMES PER WEEK"): "C64497",
    ("C71113", "EVERY WEEK"): "C67069", ("C71113", "EVERY 2 WEEKS"): "C71127",
    ("C71620", "mg"): "C28253", ("C71620", "g"): "C48155", ("C71620", "mL"): "C28254", ("C71620", "ug"): "C48152",
    ("C71620", "IU"): "C48579", ("C71620", "TABLET"): "C48542", ("C71620", "CAPSULE"): "C48480",
    ("C71620", "%"): "C25613",
}


def _share_term_codes() -> None:
    """A term checked in one of our codelists keeps its C-code in every other subset of the same CDISC codelist
    (ORAL in EXROUTE and CMROUTE is one NCI concept)."""
    checked: dict[tuple[str, str], str] = dict(CHECKED_TERM_CODES)
    for cl in CODELISTS.values():
        checked.update({(cl.c_code, v): c for v, (_d, c) in cl.terms.items() if cl.c_code and c})
    for cl in CODELISTS.values():
        for value, (decode, code) in list(cl.terms.items()):
            if not code and (cl.c_code, value) in checked:
                cl.terms[value] = (decode, checked[(cl.c_code, value)])


_share_term_codes()

VARIABLE_CODELIST = {
    "SEX": "CL.SEX", "AGEU": "CL.AGEU", "AESEV": "CL.AESEV", "AEOUT": "CL.OUT", "AEACN": "CL.ACN",
    "EXROUTE": "CL.ROUTE", "EXDOSFRQ": "CL.FREQ", "EXDOSU": "CL.UNIT", "LBORRESU": "CL.UNIT",
    "LBSTRESU": "CL.UNIT", "QSORRESU": "CL.UNIT", "QSSTRESU": "CL.UNIT", "DSDECOD": "CL.DSDECOD",
    "DSCAT": "CL.DSCAT", "AEREL": "CL.AEREL", "AETOXGR": "CL.TOXGR", "EPOCH": "CL.EPOCH", "RACE": "CL.RACE",
    "ETHNIC": "CL.ETHNIC", "QSEVAL": "CL.EVAL", "LBSPEC": "CL.SPEC", "LBMETHOD": "CL.METHOD",
    "LBNRIND": "CL.NRIND", "LBTOXGR": "CL.LBTOXGR", "LBCAT": "CL.LBCAT", "IECAT": "CL.IECAT",
    "IEORRES": "CL.NY", "IESTRESC": "CL.NY",
    "DVCAT": "CL.DVCAT", "DVDECOD": "CL.DVDECOD", "DVSCAT": "CL.DVSCAT",
    **{f: "CL.NY" for f in ("DTHFL", "QSBLFL", "QSLOBXFL", "QSDRVFL", "LBBLFL", "LBLOBXFL")},
    **{f: "CL.NY" for f in ("AESER", "AESDTH", "AESLIFE", "AESHOSP", "AESDISAB", "AESCONG", "AESMIE")},
    "VSTESTCD": "CL.VSTESTCD", "VSORRESU": "CL.VSUNIT", "VSSTRESU": "CL.VSUNIT", "VSBLFL": "CL.NY",   # issue 18
    "VSLOBXFL": "CL.NY", "CMROUTE": "CL.CMROUTE", "CMDOSFRQ": "CL.CMFREQ", "CMDOSU": "CL.CMDOSU",
    "CMENRTPT": "CL.ENRTPT", "MHENRTPT": "CL.ENRTPT", "VSTEST": "CL.VSTEST",
}

# External dictionaries (Define-XML ExternalCodeList): codelist OID → (name, dictionary, data type). Versions come
# from the export (the imported MedDRA release; LOINC and ATC as the study file's checked codes, no version).
EXTERNAL_CODELISTS: dict[str, tuple[str, str, str]] = {
    "CL.MEDDRA": ("MedDRA terms", "MEDDRA", "text"), "CL.MEDDRA.CODE": ("MedDRA codes", "MEDDRA", "integer"),
    "CL.LOINC": ("LOINC", "LOINC", "text"), "CL.COUNTRY": ("ISO 3166-1 alpha-3 country codes", "ISO 3166", "text"),
    "CL.ATC": ("WHO ATC classification", "ATC", "text")}
VARIABLE_CODELIST.update({
    **dict.fromkeys(("AELLT", "AEDECOD", "AEHLT", "AEHLGT", "AEBODSYS", "AESOC"), "CL.MEDDRA"),
    **dict.fromkeys(("AELLTCD", "AEPTCD", "AEHLTCD", "AEHLGTCD", "AEBDSYCD", "AESOCCD"), "CL.MEDDRA.CODE"),
    "LBLOINC": "CL.LOINC", "COUNTRY": "CL.COUNTRY", "CMCLASCD": "CL.ATC"})

# dataset → (SDTM class, structure, key variables)
DATASET_INFO: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "DM": ("SPECIAL PURPOSE", "One record per subject", ("STUDYID", "USUBJID")),
    "AE": ("EVENTS", "One record per adverse event per subject", ("STUDYID", "USUBJID", "AETERM", "AESTDTC")),
    "QS": ("FINDINGS", "One record per questionnaire per question per time point per visit per subject",
           ("STUDYID", "USUBJID", "QSCAT", "QSTESTCD", "VISITNUM")),
    "EX": ("INTERVENTIONS", "One record per dose taken, or per run of consecutive daily doses, per subject",
           ("STUDYID", "USUBJID", "EXTRT", "EXSTDTC")),
    "DS": ("EVENTS", "One record per disposition status or protocol milestone per subject",
           ("STUDYID", "USUBJID", "DSDECOD", "DSSTDTC")),
    "LB": ("FINDINGS", "One record per lab test per time point per visit per subject",
           ("STUDYID", "USUBJID", "LBTESTCD", "VISITNUM")),
}
DATASET_INFO.update({
    "SE": ("SPECIAL PURPOSE", "One record per actual Element per subject", ("STUDYID", "USUBJID", "ETCD", "SESTDTC")),
    "SV": ("SPECIAL PURPOSE", "One record per actual or planned visit per subject", ("STUDYID", "USUBJID",
                                                                                     "VISITNUM")),
    "IE": ("FINDINGS", "One record per inclusion/exclusion criterion not met per subject",
           ("STUDYID", "USUBJID", "IETESTCD")),
    "DV": ("EVENTS", "One record per protocol deviation per subject", ("STUDYID", "USUBJID", "DVTERM", "DVSTDTC")),
    "TS": ("TRIAL DESIGN", "One record per trial summary parameter value", ("STUDYID", "TSPARMCD", "TSSEQ")),
    "TE": ("TRIAL DESIGN", "One record per planned Element", ("STUDYID", "ETCD")),
    "TA": ("TRIAL DESIGN", "One record per planned Element per Arm", ("STUDYID", "ARMCD", "TAETORD")),
    "TV": ("TRIAL DESIGN", "One record per planned Visit per Arm", ("STUDYID", "VISITNUM")),
    "TI": ("TRIAL DESIGN", "One record per I/E criterion", ("STUDYID", "IETESTCD")),
})
DATASET_INFO.update({   # issue 18
    "CM": ("INTERVENTIONS", "One record per recorded medication per subject", ("STUDYID", "USUBJID", "CMTRT",
                                                                              "CMSTDTC")),
    "MH": ("EVENTS", "One record per medical history event per subject", ("STUDYID", "USUBJID", "MHTERM")),
    "VS": ("FINDINGS", "One record per vital sign measurement per time point per visit per subject",
           ("STUDYID", "USUBJID", "VSTESTCD", "VISITNUM", "VSDTC")),
    "RP": ("FINDINGS", "One record per finding or result per time point per visit per subject",
           ("STUDYID", "USUBJID", "RPTESTCD", "VISITNUM")),
})
REFERENCE_DATASETS = frozenset({"TS", "TE", "TA", "TV", "TI"})
SUPP_INFO = ("RELATIONSHIP", "One record per IDVAR, IDVARVAL, and QNAM value per subject",
             ("STUDYID", "RDOMAIN", "USUBJID", "IDVAR", "IDVARVAL", "QNAM"))

# variable → (origin type, source, derivation method or "")
_ASSIGNED = ("Assigned", "Sponsor", "")
_CRF = ("Collected", "Investigator", "")
ORIGINS: dict[str, tuple[str, str, str]] = {
    "STUDYID": _ASSIGNED, "DOMAIN": _ASSIGNED, "RDOMAIN": _ASSIGNED, "SITEID": _ASSIGNED, "COUNTRY": _ASSIGNED,
    "USUBJID": ("Derived", "Sponsor", "STUDYID, SITEID and SUBJID joined by hyphens."),
    "SUBJID": ("Derived", "Sponsor", "The number part of the participant id (PKU-007 gives 007)."),
    "RFSTDTC": ("Derived", "Sponsor", "RFXSTDTC; without a dose, the site-local date of the baseline visit "
                                      "(else of the first form)."),
    "RFENDTC": ("Derived", "Sponsor", "Date of the participant's last instrument response."),
    "BRTHDTC": ("Collected", "Investigator", ""), "SEX": _CRF,
    "AGE": ("Derived", "Sponsor", "Year of enrolment minus year of birth."), "AGEU": _ASSIGNED,
    "ARMCD": _ASSIGNED, "ARM": _ASSIGNED, "ACTARMCD": _ASSIGNED, "ACTARM": _ASSIGNED,
    "AESPID": _ASSIGNED, "QSSPID": _ASSIGNED, "EXSPID": _ASSIGNED, "AETERM": _CRF,
    "AEDECOD": ("Assigned", "Sponsor", "MedDRA preferred term of the lowest level term the AE is coded to (the "
                                       "data manager's coding, else the exact match of the English translation "
                                       "or the verbatim term in the imported release); empty when not coded."),
    "AESEV": ("Derived", "Sponsor", "From the CTCAE grade: 1 MILD, 2 MODERATE, 3 to 5 SEVERE."),
    "AETOXGR": _CRF, "AESER": _CRF, "AESDTH": _CRF, "AESLIFE": _CRF, "AESHOSP": _CRF, "AESDISAB": _CRF,
    "AESCONG": _CRF, "AESMIE": _CRF, "AEOUT": _CRF, "AESTDTC": _CRF, "AEENDTC": _CRF,
    "AEDTC": ("Derived", "Sponsor", "Site-local date the report was entered (collected_at at the site's time "
                                    "zone)."),
    "AEREL": ("Derived", "Investigator", "The strongest WHO-UMC causality over the drugs of the participant's arm "
                                         "(certain RELATED, probable PROBABLY RELATED, possible POSSIBLY RELATED, "
                                         "unlikely UNLIKELY RELATED, conditional/unassessable NOT ASSESSABLE)."),
    "AEACN": ("Derived", "Investigator", "The action taken over the drugs of the arm: the one action, or MULTIPLE."),
    "QSTESTCD": _ASSIGNED, "QSTEST": _ASSIGNED, "QSCAT": _ASSIGNED,
    "QSORRES": ("Collected", "Subject", ""), "QSORRESU": _ASSIGNED, "QSSTRESU": _ASSIGNED,
    "QSSTRESC": ("Derived", "Sponsor", "QSORRES as text; total scores computed by the instrument's scoring."),
    "QSSTRESN": ("Derived", "Sponsor", "QSSTRESC as a number."),
    "VISITNUM": _ASSIGNED, "VISIT": _ASSIGNED,
    "QSDTC": ("Derived", "Sponsor", "Site-local date and time of the answer (collected_at at the site's time "
                                    "zone, no offset)."),
    "EXTRT": ("Protocol", "", ""), "EXDOSE": ("Protocol", "", ""), "EXDOSU": ("Protocol", "", ""),
    "EXDOSFRQ": ("Protocol", "", ""), "EXROUTE": ("Protocol", "", ""), "EXADJ": ("Collected", "Subject", ""),
    "EXSTDY": ("Derived", "Sponsor", "Study day of EXSTDTC (day 1 = RFSTDTC, no day 0)."),
    "EXENDY": ("Derived", "Sponsor", "Study day of EXENDTC (day 1 = RFSTDTC, no day 0)."),
    "EXENDTC": ("Derived", "Sponsor", "Last date of the run of consecutive dates the diary ticks the drug as taken "
                                      "(a counted 1.0 diary: the diary's date)."),
    "DSTERM": ("Collected", "Investigator", ""), "DSDECOD": ("Derived", "Sponsor", (
        "COMPLETED, or the CDISC NCOMPLT term of the discontinuation reason staff chose; milestones assigned.")),
    "DSCAT": _ASSIGNED, "DSSTDTC": _CRF,
    "DVSPID": _ASSIGNED, "DVTERM": ("Derived", "Sponsor", (
        "Staff-recorded: the description entered. Visit rules: the visit, its date or window and the reason.")),
    "DVDECOD": ("Derived", "Sponsor", "From the deviation category (staff) or the visit rule: VISIT OUT OF WINDOW "
                                      "when a visit's first record lies outside its window in the study file, "
                                      "MISSED VISIT when staff recorded it missed or its window passed without "
                                      "a record (before any disposition)."),
    "DVCAT": ("Derived", "Sponsor", "The deviation category (VISIT SCHEDULE for the visit rules)."),
    "DVSCAT": ("Derived", "Sponsor", "Severity: as staff recorded it; visit rules: out of window MINOR, "
                                     "missed MAJOR."),
    "DVSTDTC": ("Derived", "Sponsor", "Staff: the date entered; out of window: the visit's date; missed: the "
                                      "last day of the visit's window."),
    "LBTESTCD": _ASSIGNED, "LBTEST": _ASSIGNED, "LBCAT": _ASSIGNED, "LBORRES": ("Collected", "Vendor", ""),
    "LBORRESU": ("Collected", "Vendor", ""), "LBSTRESU": ("Collected", "Vendor", ""),
    "LBSTRESC": ("Derived", "Sponsor", "LBORRES as text (no unit conversion: the study file's unit of each test "
                                       "is its standard unit)."),
    "LBSTRESN": ("Derived", "Sponsor", "LBSTRESC as a number."), "LBDTC": ("Collected", "Vendor", ""),
    "RFXSTDTC": ("Derived", "Sponsor", "First-dose date: the earliest date a dosing diary ticks a drug as taken "
                                       "(a counted 1.0 diary: the start of its period; no diary yet: the baseline "
                                       "visit); empty when the diaries report no dose."),
    "RFXENDTC": ("Derived", "Sponsor", "The last date a dose was taken."),
    "RFICDTC": _CRF, "RFPENDTC": ("Derived", "Sponsor", "Date of the participant's last record."),
    "DTHDTC": ("Derived", "Sponsor", "The death date of the fatal (grade 5) adverse event."),
    "DTHFL": ("Derived", "Sponsor", "Y when an adverse event has CTCAE grade 5."),
    "RACE": ("Assigned", "Sponsor", ""), "ETHNIC": ("Assigned", "Sponsor", ""), "ARMNRS": _ASSIGNED,
    "ACTARMUD": _ASSIGNED, "DMDTC": ("Derived", "Sponsor", "Site-local date the enrolment was recorded."),
    "EPOCH": ("Derived", "Sponsor", "SCREENING before RFXSTDTC, TREATMENT from RFXSTDTC on."),
    "QSBLFL": ("Derived", "Sponsor", "Y on the last non-missing result of each test on or before RFXSTDTC."),
    "QSLOBXFL": ("Derived", "Sponsor", "Y on the last non-missing result of each test on or before RFXSTDTC."),
    "LBBLFL": ("Derived", "Sponsor", "Y on the last non-missing result of each test on or before RFXSTDTC."),
    "LBLOBXFL": ("Derived", "Sponsor", "Y on the last non-missing result of each test on or before RFXSTDTC."),
    "QSDRVFL": ("Derived", "Sponsor", "Y for total scores computed by the instrument's scoring."),
    "QSEVAL": ("Assigned", "Sponsor", ""), "LBSPEC": ("Assigned", "Sponsor", ""),
    "LBMETHOD": ("Assigned", "Sponsor", ""), "LBLOINC": ("Assigned", "Sponsor", ""),
    "LBSPID": ("Assigned", "Sponsor", "The lab result id (all revisions of a result share it)."),
    **{v: ("Assigned", "Sponsor", "The study file's normal range of the test for the participant's sex.")
       for v in ("LBORNRLO", "LBORNRHI", "LBSTNRLO", "LBSTNRHI")},
    "LBNRIND": ("Derived", "Sponsor", "LOW below LBSTNRLO, HIGH above LBSTNRHI, else NORMAL."),
    "LBTOX": ("Derived", "Sponsor", "The CTCAE v5.0 term of the test's criterion when the result is graded."),
    "LBTOXGR": ("Derived", "Sponsor", "CTCAE v5.0 grade from the study file's criterion "
                                      "(shared/grading/ctcae-5.0.toml): multiples of the ULN or absolute "
                                      "thresholds; 0 within the normal limit."),
    "EXSTDTC": ("Derived", "Sponsor", "First date of the run of consecutive dates the diary ticks the drug as "
                                      "taken (a counted 1.0 diary with doses: the day after the previous diary, "
                                      "the baseline date for the first)."),
    "ETCD": _ASSIGNED, "ELEMENT": _ASSIGNED, "TAETORD": _ASSIGNED,
    "SESTDTC": ("Derived", "Sponsor", "Screening: RFICDTC; treatment: RFXSTDTC."),
    "SEENDTC": ("Derived", "Sponsor", "Screening: RFXSTDTC; treatment: RFXENDTC."),
    "VISITDY": ("Protocol", "", ""), "SVSTDTC": ("Derived", "Sponsor", "First site-local date of the visit's records."),
    "SVENDTC": ("Derived", "Sponsor", "Last site-local date of the visit's records."), "SVUPDES": _ASSIGNED,
    "IETESTCD": _ASSIGNED, "IETEST": _ASSIGNED, "IECAT": _ASSIGNED, "IEORRES": _CRF,
    "IESTRESC": ("Derived", "Sponsor", "IEORRES."), "IEDTC": _CRF,
    **{v: ("Protocol", "", "") for v in ("TSGRPID", "TSPARMCD", "TSPARM", "TSVAL", "TSVALNF", "TSVALCD",
                                          "TSVCDREF", "TSVCDVER", "TESTRL", "TEENRL", "TEDUR", "TABRANCH",
                                          "TATRANS", "TVSTRL", "TVENRL", "TIVERS")},
    **{v: ("Assigned", "Sponsor", "From the MedDRA release along the primary path of the coded term; empty "
                                  "when not coded.") for v in ("AELLT", "AELLTCD", "AEPTCD", "AEHLT", "AEHLTCD",
                                                               "AEHLGT", "AEHLGTCD", "AEBODSYS", "AEBDSYCD",
                                                               "AESOC", "AESOCCD")},
    "EXDOSFRM": ("Not Available", "", ""),
    "IDVAR": _ASSIGNED, "IDVARVAL": _ASSIGNED, "QNAM": _ASSIGNED, "QLABEL": _ASSIGNED,
    "QVAL": _CRF, "QORIG": _ASSIGNED, "QEVAL": _ASSIGNED,
}
_ENTERED = ("Derived", "Sponsor", "Date part of the time the entry was recorded (collected_at, UTC).")
ORIGINS.update({   # issue 18: CM, MH, VS
    "CMSPID": _ASSIGNED, "MHSPID": _ASSIGNED, "VSSPID": _ASSIGNED, "MHCAT": _ASSIGNED, "VSTESTCD": _ASSIGNED,
    "VSTEST": _ASSIGNED, "VSORRESU": _ASSIGNED, "VSSTRESU": _ASSIGNED,
    "CMDECOD": ("Not Available", "", ""), "MHDECOD": ("Not Available", "", ""),
    "CMCLAS": ("Derived", "Sponsor", "The study file's name of the ATC class CMCLASCD."),
    "CMDTC": _ENTERED, "MHDTC": _ENTERED,
    "CMENRTPT": ("Derived", "Sponsor", "ONGOING when the medication was recorded as ongoing, else empty."),
    "CMENTPT": ("Derived", "Sponsor", "CMDTC when the medication is ongoing."),
    "MHENRTPT": ("Derived", "Sponsor", "ONGOING when the condition was recorded as ongoing, else BEFORE."),
    "MHENTPT": ("Derived", "Sponsor", "MHDTC: the date the history was recorded."),
    "VSSTRESC": ("Derived", "Sponsor", "VSORRES (no unit conversion: the units collected are standard)."),
    "VSSTRESN": ("Derived", "Sponsor", "VSSTRESC as a number."),
    "VSBLFL": ("Derived", "Sponsor", "Y on the last non-missing result of each test on or before RFXSTDTC."),
    "VSLOBXFL": ("Derived", "Sponsor", "Y on the last non-missing result of each test on or before RFXSTDTC."),
})
SEQ_METHOD = "Sequence of the record within the participant and dataset, in the order of collection."


DY_METHOD = "Date minus RFSTDTC plus 1 on or after RFSTDTC, date minus RFSTDTC before it (no day 0)."


def origin(variable: str) -> tuple[str, str, str]:
    """(origin type, source, method) of ``variable``; --SEQ and --DY derived, anything unlisted collected."""
    if variable.endswith("SEQ"):
        return "Derived", "Sponsor", SEQ_METHOD
    if variable.endswith("DY") and variable not in ORIGINS:
        return "Derived", "Sponsor", DY_METHOD
    return ORIGINS.get(variable, _CRF)


def data_type(variable: str, numeric: bool) -> str:
    """Define-XML DataType: integer/float for numbers, date/datetime/partialDate for ISO 8601, else text."""
    if numeric:
        return "integer" if variable.endswith(("SEQ", "DY", "CD")) or variable == "AGE" else "float"
    if variable in ("BRTHDTC", "CMSTDTC", "CMENDTC", "MHSTDTC"):
        return "partialDate"
    if variable in ("QSDTC", "VSDTC"):
        return "datetime"
    return "date" if variable.endswith("DTC") else "text"


# SDTMIG 3.4 "Req" variables of the datasets we write (Mandatory="Yes" in define.xml: never null).
REQUIRED_VARIABLES = frozenset({
    # AEDECOD is Req in SDTMIG 3.4 but stays empty until the AE is MedDRA-coded (never the verbatim term)
    "STUDYID", "DOMAIN", "USUBJID", "SUBJID", "SITEID", "SEX", "COUNTRY", "AESEQ", "AETERM", "QSSEQ",
    "QSTESTCD", "QSTEST", "QSCAT", "EXSEQ", "EXTRT", "DSSEQ", "DSTERM", "DSDECOD", "DVSEQ", "DVTERM", "LBSEQ",
    "LBTESTCD", "LBTEST", "RDOMAIN", "QNAM", "QLABEL", "QVAL", "QORIG", "SESEQ", "ETCD", "IESEQ", "IETESTCD",
    "IETEST", "IECAT", "IEORRES", "IESTRESC", "TSSEQ", "TSPARMCD", "TSPARM", "TAETORD", "TESTRL",
    "CMSEQ", "CMTRT", "MHSEQ", "MHTERM", "VSSEQ", "VSTESTCD", "VSTEST"})
# Req only in some datasets (Exp or Perm elsewhere)
REQUIRED_IN = {"SV": frozenset({"VISITNUM"}), "TV": frozenset({"VISITNUM"}), "TA": frozenset({"ARMCD", "ARM",
                                                                                             "ELEMENT", "EPOCH"}),
               "TE": frozenset({"ELEMENT"}), "SE": frozenset({"SESTDTC"})}


def mandatory(dataset: str, variable: str) -> bool:
    """SDTMIG 3.4 "Req": define.xml Mandatory="Yes" (never null in the data)."""
    return variable in REQUIRED_VARIABLES or variable in REQUIRED_IN.get(dataset, frozenset())
