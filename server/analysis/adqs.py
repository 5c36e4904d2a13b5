"""ADQS: one record per participant x scored instrument total x assessment (BDS; rules in ``bds``).

The parameters are the declared scores of the study's instruments (the dosing diary's counts are exposure, not
an outcome): PARAMCD is the score's SDTM test code, else the code of the one item it scores, else its name
upper-cased (at most 8 characters); PARAM the matching test name; PARAMN the study-file order.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from itertools import chain
from typing import Any

from server.analysis.bds import ORDER, analysis_visit, derive, study_day
from server.exports.current import ParticipantData
from shared.instruments import get_instrument
from shared.instruments.model import Instrument, Score
from shared.site_time import site_local_date, to_site_local
from shared.study.model import Study


@dataclass(frozen=True)
class QsParam:
    """One ADQS parameter: a declared score of a study instrument."""

    paramcd: str
    param: str
    paramn: int
    instrument_id: str
    score: str
    category: str         # PARCAT1: the instrument's SDTM QSCAT (its id upper-cased when it has none)


def _code(inst: Instrument, score: Score) -> tuple[str, str]:
    if score.qs_testcd:
        return score.qs_testcd, score.qs_test or score.qs_testcd
    if len(score.items) == 1 and inst.item(score.items[0]).qs_testcd:
        item = inst.item(score.items[0])
        return str(item.qs_testcd), item.qs_test or str(item.qs_testcd)
    title = inst.short_title.en if inst.short_title else inst.title.en
    return re.sub(r"[^A-Z0-9]", "", score.name.upper())[:8], f"{title} - {score.name}"[:40]


def qs_params(study: Study) -> tuple[QsParam, ...]:
    """Every ADQS parameter of the study, in study-file order."""
    diary = study.instrument_with_role("dosing")
    out: list[QsParam] = []
    for inst in study.instrument_definitions():
        if diary is not None and inst.id == diary.id:
            continue
        for score in inst.scores:
            code, name = _code(inst, score)
            code = _unique(code, inst, score, {p.paramcd for p in out})
            out.append(QsParam(code, name, len(out) + 1, inst.id, score.name, inst.qs_category or inst.id.upper()))
    return tuple(out)


def _unique(code: str, inst: Instrument, score: Score, taken: set[str]) -> str:
    """A PARAMCD no earlier parameter has: two instruments may name a score alike (the clinic's symptom
    checklist and its home version both count ``symptoms_present``) and one PARAMCD must be one parameter
    (QSTESTCD need only be unique within its QSCAT, so SDTM keeps the code). A taken code becomes the
    instrument's id followed by the score's name, then that with a running number, 8 characters each."""
    stem = re.sub(r"[^A-Z0-9]", "", f"{inst.id}{score.name}".upper())[:8]
    candidates = chain((code, stem), (f"{stem[:8 - len(str(n))]}{n}" for n in range(2, 1000)))
    return next(c for c in candidates if c not in taken)


def adqs_rows(study: Study, pd: ParticipantData, subject: dict[str, Any], *, first_dose: date | None,
              baseline_day: date | None, params: tuple[QsParam, ...] | None = None) -> list[dict[str, Any]]:
    """The ADQS rows of one participant (``subject``: the ADSL variables copied onto each row; ``params``:
    ``qs_params(study)`` when the caller has it, worked out once per export rather than once per participant)."""
    params = qs_params(study) if params is None else params
    of_instrument: dict[str, list[QsParam]] = defaultdict(list)
    for p in params:
        of_instrument[p.instrument_id].append(p)
    heads = {p.paramcd: {**subject, "PARAMCD": p.paramcd, "PARAM": p.param, "PARAMN": p.paramn,
                         "PARCAT1": p.category} for p in params}   # what every row of the parameter starts with
    by_param: dict[str, list[dict[str, Any]]] = defaultdict(list)
    visits: dict[str, tuple[str, int | None]] = {}   # a participant's dozen visits, looked up once each
    for rec in pd.records:
        if rec["kind"] != "instrument_response":
            continue
        wanted = of_instrument.get(rec.get("instrument_id"))
        if not wanted:
            continue
        scores = get_instrument(rec["instrument_id"], rec.get("instrument_version")).score(rec["data"])
        site = rec.get("site_id") or pd.participant["site_id"]
        at = rec["collected_at"]
        local = to_site_local(at, study, site)
        day = local.date() if isinstance(at, str) and len(at) > 10 else site_local_date(at, study, site)
        visit_id = rec.get("visit_id")
        if type(visit_id) is not str:
            avisit, avisitn = analysis_visit(study, visit_id)
        elif visit_id in visits:
            avisit, avisitn = visits[visit_id]
        else:
            avisit, avisitn = visits[visit_id] = analysis_visit(study, visit_id)
        ady = study_day(day, first_dose)
        order = (day or date.max, (local.hour, local.minute, local.second), rec["record_id"])   # as HH:MM:SS
        for p in wanted:
            value = scores.get(p.score)
            row = heads[p.paramcd].copy()     # a copy of a small dict: faster than a new one of every key
            row["AVISIT"], row["AVISITN"], row["ADT"], row["ADY"] = avisit, avisitn, day, ady
            row["AVAL"], row["QSSPID"], row[ORDER] = None if value is None else float(value), rec["record_id"], order
            by_param[p.paramcd].append(row)
    out: list[dict[str, Any]] = []
    for p in params:
        out += derive(by_param.get(p.paramcd, ()), first_dose=first_dose, baseline_day=baseline_day)
    return out
