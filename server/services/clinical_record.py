"""The clinical record of one participant as the participant page shows it (issue 18): medications, medical
history, vital signs by visit and pregnancy tests, from the current revisions the page already read, with the
study file's and shared/'s words in the viewer's language."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from shared import conmed, medical_history, pregnancy, vital_signs
from shared.record_display import EMPTY, shown_value
from shared.record_fields import record_fields
from shared.site_time import site_local_iso_date
from shared.study.model import Study


def _in(text: Any, lang: str) -> str:
    return text.in_language(lang) if text is not None else ""


def clinical_record_view(study: Study, records: Iterable[Mapping[str, Any]], lang: str) -> dict[str, Any]:
    """Rows of the four tables of the participant page (each row keeps its record id and revision)."""
    section = study.clinical_record
    visits = {v.id: (v.label_zh if lang == "zh" else v.label) for v in study.visits}
    out: dict[str, list[dict[str, Any]]] = {"medications": [], "history": [], "vitals": [], "pregnancy": []}
    for rec in records:
        d, kind = rec["data"], rec["kind"]
        defined = record_fields(rec, study)

        def show(name: str, d: Mapping[str, Any] = d, defined: Any = defined) -> str:
            """The one display rule of every page (shared.record_display), "" for no value."""
            text = shown_value(defined.field(name) if defined else None, d.get(name), lang)
            return "" if text == EMPTY else text
        base = {"record_id": rec["record_id"], "revision": rec["revision"], "reason": rec.get("correction_reason"),
                "visit": visits.get(rec.get("visit_id") or "", ""), "date": site_local_iso_date(  # site day
                    rec.get("measured_at") or rec["collected_at"], study, rec.get("site_id"))}
        if kind == conmed.KIND:
            atc = section.atc_class(str(d.get("atc_class"))) if section else None
            dose = "" if d.get("dose") is None else f"{show('dose')} {show('dose_unit')}"
            out["medications"].append({**base, "name": d.get("name"), "atc": d.get("atc_class"),
                                       "atc_name": (atc.name_zh if lang == "zh" else atc.name) if atc else "",
                                       "dose": dose, "route": show("route"), "frequency": show("frequency"),
                                       "start": d.get("start_date") or "", "end": d.get("end_date") or "",
                                       "ongoing": d.get("ongoing") is True, "indication": d.get("indication")})
        elif kind == medical_history.KIND:
            out["history"].append({**base, "condition": d.get("condition"), "start": d.get("start_date") or "",
                                   "ongoing": d.get("ongoing") is True})
        elif kind == vital_signs.KIND:
            out["vitals"].append({**base, **{s.field: d.get(s.field) for s in vital_signs.VITAL_SIGNS}})
        elif kind == pregnancy.KIND:
            out["pregnancy"].append({**base, "test_date": d.get("test_date"),
                                     "method": show("method"), "result": show("result"),
                                     "positive": d.get("result") == "positive"})
    return {**out, "vital_signs": [{"field": s.field, "label": _in(s.label, lang)} for s in vital_signs.VITAL_SIGNS]}
