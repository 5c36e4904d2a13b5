"""data_dictionary.csv: one entry for every column of every file the CSV export writes.

Built from the headers actually written, so a new column cannot be left out: instrument items and scores
come from the instrument files, adverse-event fields from the AE rules, drugs from the study file, and every
other column from ``COLUMNS`` below (an unknown column gets an empty label, which the tests refuse).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from server.exports.csv_clinical_record import clinical_dictionary
from server.exports.csv_course import COLUMNS as COURSE_COLUMNS
from server.exports.csv_queries import COLUMNS as QUERY_COLUMNS
from shared.adverse_events import ACTIONS, CAUSALITY, CTCAE_GRADES, OUTCOMES, SERIOUSNESS_CRITERIA
from shared.instruments import export_items, export_score_names, other_versions
from shared.instruments.model import Instrument
from shared.study.model import Study

HEADER = ["file", "variable", "label", "type", "allowed_values", "instrument_version", "notes"]
ISO_UTC = "ISO 8601, UTC (Z)"
ISO_LOCAL = "ISO 8601 with the site's UTC offset (site time zone from the study file)"

# column → (label, type, allowed values / format)
COLUMNS: dict[str, tuple[str, str, str]] = {
    "record_id": ("record UUID (made on the kiosk; the lab result id in lab_results.csv)", "text", "UUID"),
    "revision": ("revision of the record (1 = original, higher = correction)", "integer", "1, 2, ..."),
    "participant_id": ("pseudonymous participant id", "code", "<site>-<number>, e.g. PKU-001"),
    "site_id": ("study site", "code", ""),
    "visit_id": ("visit", "code", ""),
    "collected_at": ("time of measurement", "datetime", ISO_UTC),
    "collected_at_local": ("time of measurement at the clinic (collected_at in the site's time zone)", "datetime",
                           ISO_LOCAL),
    "collected_at_device": ("time of measurement as the kiosk's clock and zone stated it", "datetime",
                            "ISO 8601 with the kiosk's UTC offset"),
    "received_at": ("time the server stored this revision", "datetime", ISO_UTC),
    "entered_by": ("who entered it, as checked by the server", "text", "participant or staff:<user>"),
    "device_id": ("kiosk that sent it (a server correction keeps the record's kiosk)", "text", "device id"),
    "source": ("where the record was made, from the kind of device the server stored (never the record's own "
               "claim; issue 24)", "code", "home: the participant's phone (home diary app); clinic: a kiosk or "
               "staff on the web"),
    "diary_date": ("the site-local date a home diary entry is about (issue 24); empty for an entry made at the "
                   "clinic", "date", "YYYY-MM-DD"),
    "staff_id": ("staff account the server verified as having entered it", "text",
                 "username; empty: the participant"),
    "correction_reason": ("reason for change (revisions > 1)", "text", ""),
    "language": ("language the participant read the questions in", "code", "en, zh; empty: entered by staff"),
    "instrument_version": ("version of the instrument's frozen texts and scoring", "text", ""),
    "arm": ("randomised arm", "code", ""),
    "status": ("participant status", "code", "enrolled, completed, discontinued"),
    "enrolled_at": ("time of enrolment (randomisation)", "datetime", ISO_UTC),
    "year_of_birth": ("year of birth (no full birth date is kept)", "integer", "YYYY"),
    "sex": ("sex", "code", "F, M"),
    "allocation_number": ("number on the site's randomisation list", "integer", ""),
    "visit_number": ("visit number from the study file", "number", ""),
    "visit_label": ("visit name from the study file", "text", ""),
    "visit_date": ("date of the first form of the visit, at the site (its time zone in the study file)", "date",
                   "YYYY-MM-DD"),
    "forms_expected": ("instruments due at the visit", "codes", "semicolon-separated instrument ids"),
    "forms_done": ("instruments recorded at the visit", "codes", "semicolon-separated instrument ids"),
    "forms_missing": ("instruments due but not recorded", "codes", "semicolon-separated instrument ids"),
    "drug": ("study drug", "code", ""),
    "treatment": ("treatment name from the study file", "text", ""),
    "dose": ("dose per administration", "number", ""),
    "unit": ("unit", "code", ""),
    "route": ("route of administration", "code", "from the study file"),
    "frequency": ("dosing frequency", "text", "from the study file"),
    "period_start": ("first date the diary covers (site-local)", "date", "YYYY-MM-DD"),
    "period_end": ("last date the diary covers (the day of the diary, site-local)", "date", "YYYY-MM-DD"),
    "days": ("days the diary covers", "integer", ""),
    "dates_taken": ("dates the drug was taken (dated diary 2.0; empty for a counted diary 1.0)", "dates",
                    "semicolon-separated YYYY-MM-DD"),
    "doses_reported": ("doses reported: days the drug was ticked as taken (2.0), or the count reported: "
                       "injections, or days for a daily drug (1.0)", "integer", ""),
    "doses_expected": ("doses the arm's schedule expects over the dates counted (doses per week x days / 7; "
                       "dose days for 2.0; a home entry: 1 on a day a dose was due, 0 on a day answered not_due)",
                       "number", ""),
    "days_counted": ("days this line counts: a dated diary's dates without a home entry (home wins), a home "
                     "entry's 1 day, a counted diary's days", "integer", ""),
    "days_from_home": ("dates of a clinic dated diary left to a home entry of the same date (not counted here)",
                       "integer", ""),
    "compliance_pct": ("100 x doses_reported / doses_expected", "number", "one decimal; may exceed 100"),
    "any_missed": ("any dose missed in the period (1.0: as answered; 2.0: fewer dose days than expected)",
                   "boolean", "true, false"),
    "missed_reason": ("reason for missed doses", "code", ""),
    "test_code": ("lab test code (LBTESTCD of the study file's lab panel)", "code", ""),
    "loinc": ("LOINC code of the test (empty: none fits)", "code", "LOINC"),
    "normal_low": ("lower limit of the normal range for the participant's sex (study file)", "number", ""),
    "normal_high": ("upper limit of the normal range for the participant's sex (study file)", "number", ""),
    "range_indicator": ("value against the normal range", "code", "LOW, NORMAL, HIGH"),
    "ctcae_term": ("CTCAE v5.0 term of the abnormality (graded tests)", "text", ""),
    "ctcae_grade": ("CTCAE v5.0 grade (0 within the normal limit; empty: test not graded)", "integer", "0-4"),
    "reason": ("why a correction changed the value (revision > 1)", "text", ""),
    "test_name": ("lab test name", "text", ""),
    "sample_date": ("date of the sample", "date", "YYYY-MM-DD"),
    "value": ("lab result", "number", ""),
    "source_file": ("lab file the result was imported from", "text", ""),
    "source_row": ("row of that file", "integer", ""),
    "imported_at": ("time of the import", "datetime", ISO_UTC),
    "imported_by": ("who imported it", "text", "staff:<user>"),
    # --- screening log (issue 15)
    "consent_date": ("date of written informed consent", "date", "YYYY-MM-DD"),
    "screening_date": ("date of screening", "date", "YYYY-MM-DD"),
    "birth_year_month": ("year and month of birth (no full birth date is kept)", "text", "YYYY-MM"),
    "age_at_consent": ("age in whole years at consent, from the full date of birth typed at screening", "integer",
                       ""),
    "screening_score": ("the eligibility score as entered at screening (randomisation uses the scored "
                        "eligibility-visit instrument)", "number", "empty: not entered"),
    "failed_criteria": ("criteria not met (or not answered, when pending)", "codes",
                        "semicolon-separated criterion ids of the study file"),
    "criteria": ("attested criteria as answered (inclusion: met; exclusion: present)", "codes",
                 "semicolon-separated <criterion id>=true/false"),
    "childbearing_potential": ("woman of childbearing potential, as recorded at screening (decides whether "
                               "randomisation needs a negative pregnancy test)", "boolean",
                               "true, false, or empty when not recorded"),
    "file": ("file the variable is in", "text", ""),
    "variable": ("column name", "text", ""),
    "label": ("what the column holds", "text", ""),
    "type": ("type of the column's values", "code", "text, integer, number, boolean, date, datetime, code, codes"),
    "allowed_values": ("allowed values or format", "text", ""),
    "notes": ("notes", "text", ""),
    **COURSE_COLUMNS,
    **QUERY_COLUMNS,
}


def _versions_asking(instrument: Instrument, item_id: str) -> str:
    """The installed versions of ``instrument`` that ask ``item_id`` (the study's version first)."""
    return ", ".join(i.version for i in (instrument, *other_versions(instrument))
                     if any(it.id == item_id for it in i.items))


def answer_cell(value: Any) -> Any:
    """An answer as one cell: a structured answer (a dose calendar) as compact JSON, anything else as given."""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return value


def _ae_info(study: Study, field: str) -> tuple[str, str, str]:
    treatments = {t.drug: t.name for arm in study.arms for t in arm.treatments}
    for prefix, what, allowed in (("causality_", "WHO-UMC causality to", "WHO-UMC: " + ", ".join(CAUSALITY)),
                                  ("action_", "action taken with", ", ".join(ACTIONS))):
        if field.startswith(prefix):
            drug = field.removeprefix(prefix)
            return f"{what} {treatments.get(drug, drug)}", "code", allowed
    return {
        "term": ("reported term (verbatim, as entered)", "text", "1-200 characters"),
        "onset_date": ("onset date", "date", "YYYY-MM-DD"),
        "end_date": ("end date", "date", "YYYY-MM-DD, on or after onset, or empty"),
        "grade": ("CTCAE v5.0 grade", "integer", "CTCAE v5.0 grade " + ", ".join(str(g) for g in CTCAE_GRADES)),
        "serious": ("serious (ICH E2A)", "boolean", "true exactly when a seriousness criterion is ticked"),
        "serious_criteria": ("seriousness criteria", "codes", "comma-separated: " + ", ".join(SERIOUSNESS_CRITERIA)),
        "outcome": ("outcome", "code", ", ".join(OUTCOMES)),
        "source_symptom": ("symptom of the checklist the report started from", "code", "symptom id or empty"),
        "visit_id": ("visit the event was reported at, as entered on the AE form", "code", "visit id or empty"),
        "term_en": ("English translation of a verbatim term typed in Chinese (site or data manager)", "text",
                    "1-200 ASCII characters or empty"),
        "awareness_at": ("when the site became aware of the event: the 24-hour SAE clock starts here", "datetime",
                         "ISO 8601 with UTC offset; required when serious"),
        "death_date": ("the participant's date of death (fatal outcome only)", "date", "YYYY-MM-DD or empty"),
        "nonserious_reason": ("why a grade 4 or 5 event is not serious (confirmed by the site)", "text",
                              "1-500 characters; only for grade >= 4 recorded as not serious"),
        "first_dose_date": ("the participant's first-dose date (shared/exposure.py)", "date", "YYYY-MM-DD or empty"),
        "treatment_emergent": ("onset on or after the first dose (false: pre-treatment)", "boolean",
                               "true, false, or empty when the onset is not known"),
        "meddra_llt_code": ("MedDRA lowest level term code", "integer", "empty when not coded"),
        "meddra_llt": ("MedDRA lowest level term", "text", "empty when not coded"),
        "meddra_pt_code": ("MedDRA preferred term code", "integer", "empty when not coded"),
        "meddra_pt": ("MedDRA preferred term (SDTM AEDECOD)", "text", "empty when not coded"),
        "meddra_soc_code": ("MedDRA primary system organ class code", "integer", "empty when not coded"),
        "meddra_soc": ("MedDRA primary system organ class (SDTM AEBODSYS)", "text", "empty when not coded"),
        "coding_method": ("how the AE was coded", "code", "manual (data manager), auto (exact match) or empty"),
        "susar": ("suspected unexpected serious adverse reaction: serious, related (certain, probable or "
                  "possible) and not expected for that drug (study file)", "boolean", "true or false"),
        "susar_drugs": ("the drugs it is a SUSAR to", "codes", "comma-separated drug ids or empty"),
        "sae_report_due": ("when the SAE must reach the sponsor: 24 h after the site's awareness", "datetime",
                           "ISO 8601 or empty"),
        "sae_reported_at": ("when staff marked the SAE as reported to the sponsor", "datetime",
                            "ISO 8601 or empty (awaiting report when serious)"),
        "translation_missing": ("a Chinese verbatim term without its English translation", "boolean",
                                "true or false"),
        "causality_confirmed_by": ("the investigator who confirmed the causality of this revision (pseudonymous "
                                   "user id)", "text", "user:<id>; empty: not confirmed for this revision"),
        "causality_confirmed_at": ("when the investigator confirmed the causality of this revision", "datetime",
                                   "ISO 8601 UTC (Z); empty: not confirmed for this revision"),
    }.get(field, ("", "text", ""))


def dictionary_rows(study: Study, headers: dict[str, list[str]],
                    instruments: dict[str, Instrument]) -> Iterator[list[Any]]:
    """One entry per column of every file in ``headers`` (file name → its header), in file and column order."""
    arms = ", ".join(a.code for a in study.arms)
    drugs = ", ".join(dict.fromkeys(t.drug for a in study.arms for t in a.treatments))
    specific = {("participants.csv", "arm"): ("randomised arm", "code", arms),
                ("visits.csv", "visit_id"): ("visit", "code", ", ".join(v.id for v in study.visits)),
                ("dosing.csv", "drug"): ("study drug", "code", drugs),
                ("screening.csv", "outcome"): ("screening outcome", "code", "eligible, screen_failure, pending"),
                ("participants.csv", "site_id"): ("study site", "code", ", ".join(s.id for s in study.sites)),
                **clinical_dictionary(study)}
    specific[("lab_results.csv", "test_code")] = ("lab test code", "code", ", ".join(study.lab_tests))
    specific[("lab_results.csv", "value")] = ("lab result in the test's unit", "number", "; ".join(
        f"{t.code} {t.minimum:g} to {t.maximum:g} {t.unit}" for t in study.lab_tests.values()))
    for file, header in headers.items():
        inst = instruments.get(file.removesuffix(".csv"))
        items = {it.id: it for it in export_items(inst)} if inst else {}
        scores = set(export_score_names(inst)) if inst else set()
        for col in header:
            version, notes = (inst.version, inst.notes) if inst else ("", "")
            if inst and col in items:
                it = items[col]
                structured = it.response.value in ("dose_calendar", "drug_doses")
                shown = it.allowed_text() + (" (as JSON)" if structured else "")
                yield [file, col, it.label.en, it.response.value, shown, _versions_asking(inst, col), notes]
                continue
            if inst and (col in scores or col.removeprefix("score_") in scores):
                yield [file, col, f"score {col.removeprefix('score_')} of {inst.id}", "number",
                       "computed by trialpro from the instrument's scoring", version, notes]
                continue
            if (file == "adverse_events.csv" and col not in COLUMNS) or col.startswith("ae_"):
                label, kind, allowed = _ae_info(study, col.removeprefix("ae_"))
            else:
                label, kind, allowed = specific.get((file, col)) or COLUMNS.get(col, ("", "text", ""))
            yield [file, col, label, kind, allowed, version if col == "instrument_version" else "", ""]
