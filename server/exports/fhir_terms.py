"""The FHIR export's local codes and the CodeSystem resources that define them (exported in the study Bundle).

Every code the export uses outside an HL7 CodeSystem is defined here: score and lab observation codes
(``trialpro-scores``), CTCAE v5.0 grades (``ctcae-grade``), the study's arms (``arm``), its drugs (``drug``:
the dosing diary) and each participant-reported instrument's coded answers (``<instrument id>``). No LOINC code
is emitted: none was found for the study's scores or the Treg % panel used here, and a guessed code would be
worse than a local one.
"""

from __future__ import annotations

from typing import Any

from shared.instruments.model import Instrument, ResponseType
from shared.study.model import Study

BASE = "https://trialpro.example/fhir"
CS = f"{BASE}/CodeSystem"
CTCAE_GRADE_DISPLAY = {1: "Grade 1 (mild)", 2: "Grade 2 (moderate)", 3: "Grade 3 (severe or medically significant)",
                       4: "Grade 4 (life-threatening)", 5: "Grade 5 (death related to AE)"}


RECORD_SOURCE = "record-source"        # meta.tag of every QuestionnaireResponse: home (phone) or clinic
SOURCE_DISPLAY = {"home": "Participant's phone (home diary)", "clinic": "Clinic (kiosk or staff)"}


def source_tag(source: str | None) -> dict[str, Any]:
    """The ``meta.tag`` coding of a record's source (``clinic`` when the export did not say)."""
    code = source if source in SOURCE_DISPLAY else "clinic"
    return {"system": f"{CS}/{RECORD_SOURCE}", "code": code, "display": SOURCE_DISPLAY[code]}


def choice_system(inst: Instrument) -> str:
    """The local CodeSystem of an instrument's coded answers."""
    return f"{CS}/{inst.id}"


_OBSERVATIONS: dict[tuple[str, str], tuple[str, str, str, str, str] | None] = {}


def score_observation(inst: Instrument) -> tuple[str, str, str, str, str] | None:
    """(score name, code, display, UCUM code, unit text) of the Observation made from an instrument's first
    declared score, for instruments that are SDTM questionnaires (``qs_category``); None for the others."""
    key = (inst.id, inst.version)
    if key not in _OBSERVATIONS:
        _OBSERVATIONS[key] = _score_observation(inst)
    return _OBSERVATIONS[key]


def _score_observation(inst: Instrument) -> tuple[str, str, str, str, str] | None:
    if not inst.qs_category or not inst.scores:
        return None
    score = inst.scores[0]
    vas_mm = all(inst.item(i).response is ResponseType.VAS_MM for i in score.items)
    return (score.name, inst.id.replace("_", "-"), inst.title.en, "mm" if vas_mm else "{score}",
            "mm" if vas_mm else "score")


def _code_system(name: str, title: str, concepts: list[tuple[str, str]], version: str) -> dict[str, Any]:
    return {"resourceType": "CodeSystem", "id": name.replace("_", "-"), "url": f"{CS}/{name}", "version": version,
            "name": "".join(p.capitalize() for p in name.replace("_", "-").split("-")), "title": title,
            "status": "active", "caseSensitive": True, "content": "complete",
            "concept": [{"code": code, "display": display} for code, display in concepts]}


def code_systems(study: Study) -> list[dict[str, Any]]:
    """Every local CodeSystem the export's codes point to."""
    version = study.study.version
    scores = [(obs[1], obs[2]) for inst in study.instrument_definitions() if (obs := score_observation(inst))]
    scores += [(t.code.lower(), t.name) for t in study.lab_tests.values()]
    out = [_code_system("trialpro-scores", "trialpro score and lab observation codes", scores, version),
           _code_system("ctcae-grade", "CTCAE v5.0 grade", [(str(g), d) for g, d in CTCAE_GRADE_DISPLAY.items()],
                        "5.0"),
           _code_system("arm", f"Arms of {study.study.id}", [(a.code, a.name) for a in study.arms], version),
           _code_system("drug", f"Study drugs of {study.study.id}", [(d.id, d.name) for d in study.drugs], version),
           _code_system(RECORD_SOURCE, "Where a record was made (issue 24)", list(SOURCE_DISPLAY.items()), version)]
    for inst in study.instrument_definitions():
        if inst.respondent != "participant":
            continue
        concepts: dict[str, str] = {}
        for it in inst.items:
            for c in it.choices or ():
                if not isinstance(c.code, int):
                    concepts.setdefault(str(c.code), c.label.en)
        if concepts:
            out.append(_code_system(inst.id, f"Coded answers of {inst.title.en}", list(concepts.items()),
                                    inst.version))
    return out
