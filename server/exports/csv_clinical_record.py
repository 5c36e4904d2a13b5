"""The clinical record in the CSV export (issue 18): one file per kind, the envelope then the body's fields,
and a data-dictionary entry for each of those fields."""

from __future__ import annotations

from typing import Any

from shared import conmed, medical_history, pregnancy, vital_signs
from shared.study.model import Study

PARTIAL = "YYYY-MM-DD, or YYYY-MM / YYYY when only that is known"
FILES: dict[str, tuple[str, tuple[str, ...]]] = {     # kind -> (file, body columns)
    conmed.KIND: ("concomitant_medications.csv", (*conmed.FIELDS[:2], "atc_class_name", *conmed.FIELDS[2:])),
    medical_history.KIND: ("medical_history.csv", medical_history.FIELDS),
    vital_signs.KIND: ("vital_signs.csv", tuple(v.field for v in vital_signs.VITAL_SIGNS)),
    pregnancy.KIND: ("pregnancy_tests.csv", pregnancy.FIELDS),
}


def clinical_row(study: Study, rec: dict[str, Any]) -> list[Any]:
    """The body columns of one clinical-record entry (after its envelope), in FILES order."""
    data = dict(rec["data"])
    if rec["kind"] == conmed.KIND and study.clinical_record:
        atc = study.clinical_record.atc_class(str(data.get("atc_class")))
        data["atc_class_name"] = atc.name if atc else None
    return [data.get(c) for c in FILES[rec["kind"]][1]]


def clinical_dictionary(study: Study) -> dict[tuple[str, str], tuple[str, str, str]]:
    """(file, column) -> (label, type, allowed values) of every body column of the clinical-record files."""
    classes = ", ".join(c.code for c in study.clinical_record.atc_classes) if study.clinical_record else ""
    med, hist, vit, preg = (FILES[k][0] for k in (conmed.KIND, medical_history.KIND, vital_signs.KIND,
                                                  pregnancy.KIND))
    out = {
        (med, "name"): ("medication as named by the participant or chart (verbatim)", "text", "1-200 characters"),
        (med, "atc_class"): ("WHO ATC class the medication is coded with", "code", classes),
        (med, "atc_class_name"): ("name of that ATC class in the study file", "text", ""),
        (med, "dose"): ("dose per administration", "number", "above 0; empty when not known"),
        (med, "dose_unit"): ("dose unit (CDISC UNIT)", "code", ", ".join(conmed.DOSE_UNITS)),
        (med, "route"): ("route of administration (CDISC ROUTE)", "code", ", ".join(conmed.ROUTES)),
        (med, "frequency"): ("dosing frequency (CDISC FREQ)", "code", ", ".join(conmed.FREQUENCIES)),
        (med, "start_date"): ("date the medication was started", "date", PARTIAL + "; empty when not known"),
        (med, "end_date"): ("date the medication was stopped", "date", PARTIAL + "; empty while ongoing"),
        (med, "ongoing"): ("still taken when recorded", "boolean", "true exactly when there is no end date"),
        (med, "indication"): ("what it is taken for", "text", "1-200 characters"),
        (hist, "condition"): ("condition (verbatim)", "text", "1-200 characters"),
        (hist, "start_date"): ("date the condition began", "date", PARTIAL + "; empty when not known"),
        (hist, "ongoing"): ("condition ongoing when recorded", "boolean", "true, false"),
        (preg, "test_date"): ("date of the pregnancy test", "date", "YYYY-MM-DD"),
        (preg, "method"): ("specimen of the test", "code", ", ".join(pregnancy.METHODS)),
        (preg, "result"): ("result", "code", ", ".join(pregnancy.RESULTS)),
    }
    for v in vital_signs.VITAL_SIGNS:
        out[(vit, v.field)] = (f"{v.label.en}; LOINC {v.loinc}, SDTM {v.testcd}", "integer" if v.decimals == 0
                               else "number", f"{v.minimum:g} to {v.maximum:g} {v.ucum} (UCUM)"
                               + (f", {v.decimals} decimal" if v.decimals else ""))
    return out
