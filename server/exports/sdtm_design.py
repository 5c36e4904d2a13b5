"""SDTM trial design datasets (TS, TE, TA, TV, TI) from the study file, and the per-participant SE rows.

The design: a screening element (SCRN, from informed consent to the first dose) then one treatment element per
arm (its arm code, for the study's duration), in the epochs SCREENING and TREATMENT; a TV row per scheduled
visit (VISITDY from the study day, no day 0); a TI row per inclusion/exclusion criterion. TS holds FDA's
required parameters: those the study file's sections give (title, sponsor, phase, ages, length, planned and
actual size, arms, treatments, country, registry id, randomisation, standards), plus its ``trial_summary`` table.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from server.exports.sdtm_model import Var, char_lengths, variable_width, variables_from
from server.exports.sdtm_timing import SCREENING, TREATMENT, Timing
from shared.study.model import Study

SCREENING_ELEMENT = ("SCRN", "Screening")
DESIGN: dict[str, tuple[str, list[Var]]] = {
    "TS": ("Trial Summary", variables_from("""STUDYID|Study Identifier
DOMAIN|Domain Abbreviation
TSSEQ|Sequence Number|N
TSGRPID|Group ID
TSPARMCD|Trial Summary Parameter Short Name
TSPARM|Trial Summary Parameter
TSVAL|Parameter Value
TSVALNF|Parameter Value Null Flavor
TSVALCD|Parameter Value Code
TSVCDREF|Name of the Reference Terminology
TSVCDVER|Version of the Reference Terminology""")),
    "TE": ("Trial Elements", variables_from("""STUDYID|Study Identifier
DOMAIN|Domain Abbreviation
ETCD|Element Code
ELEMENT|Description of Element
TESTRL|Rule for Start of Element
TEENRL|Rule for End of Element
TEDUR|Planned Duration of Element""")),
    "TA": ("Trial Arms", variables_from("""STUDYID|Study Identifier
DOMAIN|Domain Abbreviation
ARMCD|Planned Arm Code
ARM|Description of Planned Arm
TAETORD|Planned Order of Element within Arm|N
ETCD|Element Code
ELEMENT|Description of Element
TABRANCH|Branch
TATRANS|Transition Rule
EPOCH|Epoch""")),
    "TV": ("Trial Visits", variables_from("""STUDYID|Study Identifier
DOMAIN|Domain Abbreviation
VISITNUM|Visit Number|N
VISIT|Visit Name
VISITDY|Planned Study Day of Visit|N
ARMCD|Planned Arm Code|C|empty: the visits do not depend on the arm
TVSTRL|Visit Start Rule
TVENRL|Visit End Rule""")),
    "TI": ("Trial Inclusion/Exclusion Criteria", variables_from("""STUDYID|Study Identifier
DOMAIN|Domain Abbreviation
IETESTCD|Inclusion/Exclusion Criterion Short Name
IETEST|Inclusion/Exclusion Criterion
IECAT|Inclusion/Exclusion Category|C|INCLUSION, EXCLUSION
TIVERS|Protocol Criteria Versions""")),
}
DESIGN_LENGTHS = {"TSGRPID": 8, "TSPARMCD": 8, "TSPARM": 40, "TSVAL": 200, "TSVALNF": 8, "TSVALCD": 20,
                  "TSVCDREF": 20, "TSVCDVER": 20, "TESTRL": 200, "TEENRL": 200, "TEDUR": 10, "TABRANCH": 80,
                  "TATRANS": 80, "TVSTRL": 200, "TVENRL": 200, "TIVERS": 20}
TS_PARAMETERS = {
    "TITLE": "Trial Title", "SPONSOR": "Clinical Study Sponsor", "TPHASE": "Trial Phase Classification",
    "REGID": "Registry Identifier", "AGEMIN": "Planned Minimum Age of Subjects",
    "AGEMAX": "Planned Maximum Age of Subjects", "LENGTH": "Trial Length", "PLANSUB": "Planned Number of Subjects",
    "ACTSUB": "Actual Number of Subjects", "NARMS": "Planned Number of Arms", "RANDOM": "Trial is Randomized",
    "TRT": "Investigational Therapy or Treatment", "FCNTRY": "Planned Country of Investigational Sites",
    "SDTIGVER": "SDTM IG Version", "SDTMVER": "SDTM Version", "TBLIND": "Trial Blinding Schema",
    "TCNTRL": "Control Type", "TTYPE": "Trial Type", "STYPE": "Study Type",
    "INTMODEL": "Intervention Model", "INTTYPE": "Intervention Type", "ADDON": "Added on to Existing Treatments",
    "ADAPT": "Adaptive Design", "HLTSUBJI": "Healthy Subject Indicator", "SEXPOP": "Sex of Participants",
    "OBJPRIM": "Trial Primary Objective", "OBJSEC": "Trial Secondary Objective", "INDIC": "Trial Disease/Condition "
    "Indication", "THERAREA": "Therapeutic Area", "STOPRULE": "Study Stop Rules", "RANDQT": "Randomization Quotient",
}
# FDA's required TS parameters this export always writes: a value, or TSVALNF when the study file has none.
FDA_REQUIRED = ("ADDON", "AGEMAX", "AGEMIN", "LENGTH", "PLANSUB", "RANDOM", "SEXPOP", "STOPRULE", "TBLIND", "TCNTRL",
                "TITLE", "TPHASE", "TTYPE", "TRT", "SDTIGVER", "STYPE", "ACTSUB", "HLTSUBJI", "REGID", "FCNTRY",
                "ADAPT", "NARMS", "INTMODEL", "INTTYPE", "OBJPRIM", "SPONSOR")
PHASES = {"phase 1": "PHASE I TRIAL", "phase 2": "PHASE II TRIAL", "phase 3": "PHASE III TRIAL",
          "phase 4": "PHASE IV TRIAL", "phase 1/2": "PHASE I/II TRIAL", "phase 2/3": "PHASE II/III TRIAL"}


def design_widths(study: Study) -> dict[tuple[str, str], int]:
    """Width in bytes of every variable of the trial design datasets."""
    lengths = {**char_lengths(study), **DESIGN_LENGTHS}
    return {(d, v.name): variable_width(lengths, v) for d, (_l, variables) in DESIGN.items() for v in variables}


def _ts_rows(study: Study, actual_subjects: int) -> Iterator[dict[str, Any]]:
    info = study.study
    treatments = list(dict.fromkeys(t.name for a in study.arms for t in a.treatments))
    ratio = study.randomisation.ratio
    values: list[tuple[str, str]] = [
        ("TITLE", info.title), ("SPONSOR", info.sponsor), ("TPHASE", PHASES.get(info.phase.lower(), "")),
        ("REGID", info.id), ("AGEMIN", f"P{info.min_age}Y"), ("AGEMAX", f"P{info.max_age}Y"),
        ("LENGTH", f"P{info.duration_weeks}W"), ("PLANSUB", str(info.target_enrolment)),
        ("ACTSUB", str(actual_subjects)), ("NARMS", str(len(study.arms))), ("RANDOM", "Y"),
        *(("TRT", name) for name in treatments),
        *(("FCNTRY", c) for c in dict.fromkeys(s.country for s in study.sites)),
        ("SDTIGVER", "3.4"), ("SDTMVER", "2.0"), ("RANDQT", f"{ratio[0] / sum(ratio):.4g}")]
    values += list(study.trial_summary.items())
    given = {code for code, _v in values}
    values += [(code, "") for code in FDA_REQUIRED if code not in given]
    groups: dict[str, int] = {}
    for code, value in values:
        groups[code] = groups.get(code, 0) + 1
        yield {"TSSEQ": groups[code], "TSPARMCD": code, "TSPARM": TS_PARAMETERS.get(code, code),
               "TSVAL": value, "TSVALNF": "" if value else "NI",
               "TSVCDREF": "ISO 3166" if code == "FCNTRY" else ("ISO 8601" if code in ("AGEMIN", "AGEMAX", "LENGTH")
                                                                else "")}


def _elements(study: Study) -> list[tuple[str, str, str, str, str]]:
    """(ETCD, ELEMENT, start rule, end rule, planned duration) of every element."""
    weeks = study.study.duration_weeks
    out = [(*SCREENING_ELEMENT, "Informed consent", "First dose of study treatment (baseline visit)", "")]
    out += [(a.code[:8], f"Treatment: {a.name}", f"First dose of {a.name} (baseline visit)",
             f"{weeks} weeks after the first dose", f"P{weeks}W") for a in study.arms]
    return out


def design_rows(study: Study, actual_subjects: int) -> Iterator[tuple[str, dict[str, Any]]]:
    """(dataset, row) for every trial design dataset, in DESIGN order."""
    for row in _ts_rows(study, actual_subjects):
        yield "TS", row
    for etcd, element, start, end, duration in _elements(study):
        yield "TE", {"ETCD": etcd, "ELEMENT": element, "TESTRL": start, "TEENRL": end, "TEDUR": duration}
    for a in study.arms:
        yield "TA", {"ARMCD": a.code, "ARM": a.name, "TAETORD": 1, "ETCD": SCREENING_ELEMENT[0],
                     "ELEMENT": SCREENING_ELEMENT[1], "TABRANCH": f"Randomized to {a.name}", "EPOCH": SCREENING}
        yield "TA", {"ARMCD": a.code, "ARM": a.name, "TAETORD": 2, "ETCD": a.code[:8],
                     "ELEMENT": f"Treatment: {a.name}", "EPOCH": TREATMENT}
    for v in study.scheduled_visits:
        day = v.day or 0
        yield "TV", {"VISITNUM": v.number, "VISIT": v.label, "VISITDY": day + 1 if day >= 0 else day,
                     "TVSTRL": f"Study day {day + 1 if day >= 0 else day} (window -{v.window_before} to "
                               f"+{v.window_after} days)", "TVENRL": "End of the visit day"}
    for cat, criteria in (("INCLUSION", study.inclusion), ("EXCLUSION", study.exclusion)):
        for c in criteria:
            yield "TI", {"IETESTCD": c.id, "IETEST": c.text, "IECAT": cat, "TIVERS": study.study.version}


def subject_elements(study: Study, arm_code: str, t: Timing) -> Iterator[dict[str, Any]]:
    """SE rows of one participant: screening (consent to first dose), then their arm's treatment element."""
    if t.rficdtc:
        end = t.rfxstdtc or t.rfendtc
        yield {"ETCD": SCREENING_ELEMENT[0], "ELEMENT": SCREENING_ELEMENT[1], "TAETORD": 1, "EPOCH": SCREENING,
               "SESTDTC": t.rficdtc.isoformat(), "SEENDTC": end.isoformat() if end else None,
               "SESTDY": t.study_day(t.rficdtc), "SEENDY": t.study_day(end)}
    if t.rfxstdtc:
        arm = study.arm(arm_code)
        end = t.rfxendtc or t.rfendtc
        yield {"ETCD": arm.code[:8], "ELEMENT": f"Treatment: {arm.name}", "TAETORD": 2, "EPOCH": TREATMENT,
               "SESTDTC": t.rfxstdtc.isoformat(), "SEENDTC": end.isoformat() if end else None,
               "SESTDY": t.study_day(t.rfxstdtc), "SEENDY": t.study_day(end)}
