"""What an adverse event means for pharmacovigilance: treatment emergence, expectedness per drug, the SUSAR
flag, the 24-hour SAE clock and the English translation a submission needs (issue 17).

Pure functions over an AE's ``data`` (either body form) and the study file; the drugs and their expected
events are the study file's (``[[expected_events]]``), never named here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from typing import Any

from shared.adverse_events import per_drug
from shared.study.model import Study

RELATED = ("certain", "probable", "possible")     # WHO-UMC categories that make an event a suspected reaction
REPORT_WITHIN = timedelta(hours=24)                # a serious AE reaches the sponsor within 24 h of awareness
PRE_TREATMENT, TREATMENT_EMERGENT = "pre_treatment", "treatment_emergent"


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else None
    except ValueError:
        return None


def treatment_emergence(data: Mapping[str, Any], first_dose: date | None) -> str | None:
    """``treatment_emergent`` when the AE began on or after the first dose, ``pre_treatment`` when it began
    before it or no dose has been taken yet; None when the onset date is not known."""
    onset = _day(data.get("onset_date"))
    if onset is None:
        return None
    return TREATMENT_EMERGENT if first_dose is not None and onset >= first_dose else PRE_TREATMENT


def _norm(text: Any) -> str:
    return " ".join(text.split()).casefold() if isinstance(text, str) else ""


def event_words(data: Mapping[str, Any], coded: Iterable[str] = ()) -> set[str]:
    """The words an AE is known by: verbatim term, English translation and any coded term names (PT, LLT)."""
    return {w for w in (_norm(data.get("term")), _norm(data.get("term_en")), *map(_norm, coded)) if w}


def is_expected(data: Mapping[str, Any], drug: str, study: Study, coded: Iterable[str] = ()) -> bool:
    """True when the AE is one the study file lists as expected for ``drug`` (by any of its words)."""
    words = event_words(data, coded)
    for event in study.expected_events_of(drug):
        if words & {_norm(w) for w in (event.term, event.term_zh, *event.matches)}:
            return True
    return False


def is_related(data: Mapping[str, Any], drug: str) -> bool:
    """True when the causality to ``drug`` is certain, probable or possible (WHO-UMC)."""
    return per_drug(data, "causality", drug) in RELATED


def susar_drugs(data: Mapping[str, Any], drugs: Iterable[str], study: Study, coded: Iterable[str] = ()) -> list[str]:
    """The drugs of ``drugs`` (the participant's arm) this AE is a suspected unexpected serious adverse reaction
    to: the event is serious, related to the drug and not expected for it. Empty for any other event."""
    if data.get("serious") is not True:
        return []
    coded = tuple(coded)
    return [d for d in study.drug_ids if d in set(drugs) and is_related(data, d)
            and not is_expected(data, d, study, coded)]


def is_susar(data: Mapping[str, Any], drugs: Iterable[str], study: Study, coded: Iterable[str] = ()) -> bool:
    """True for a suspected unexpected serious adverse reaction to any drug of ``drugs``."""
    return bool(susar_drugs(data, drugs, study, coded))


def awareness(data: Mapping[str, Any]) -> datetime | None:
    """When the site became aware of the event (``awareness_at``), or None when not given or not readable."""
    value = data.get("awareness_at")
    try:
        return datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def report_deadline(data: Mapping[str, Any]) -> datetime | None:
    """When a serious AE must have reached the sponsor: 24 h after the site's awareness; None when the event is
    not serious or the awareness moment is missing."""
    aware = awareness(data)
    if data.get("serious") is not True or aware is None:
        return None
    return aware + REPORT_WITHIN


def needs_translation(data: Mapping[str, Any]) -> bool:
    """True when the verbatim term is not plain ASCII text (e.g. typed in Chinese): submission files (SAS XPORT
    v5) need its English translation ``term_en``."""
    term = data.get("term")
    return isinstance(term, str) and not term.isascii()


def missing_translation(data: Mapping[str, Any]) -> bool:
    """True when the verbatim term needs an English translation and has none."""
    return needs_translation(data) and not (isinstance(data.get("term_en"), str) and data["term_en"].strip())


def missing_translations(records: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The adverse-event records (newest revisions) among ``records`` whose verbatim term has no English
    translation yet, in the order given: the list on the web, in the export report and for the built-in
    query "missing English translation"."""
    return [r for r in records if r.get("kind") == "adverse_event" and isinstance(r.get("data"), Mapping)
            and missing_translation(r["data"])]


def submission_term(data: Mapping[str, Any]) -> str:
    """The term a submission file carries: the English translation where one is needed and given, else the
    verbatim term."""
    if needs_translation(data) and isinstance(data.get("term_en"), str) and data["term_en"].strip():
        return data["term_en"].strip()
    return str(data.get("term") or "")
