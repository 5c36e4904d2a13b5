"""The BDS (Basic Data Structure) derivations ADQS and ADLB share: analysis visit, study day, baseline flag,
BASE/CHG/PCHG and the record used for analysis at each visit (ANL01FL).

Stated rules (docs/export-formats.md, ADaM):
- AVISIT is the study file's visit label, AVISITN its planned day relative to baseline (baseline = 0); an
  unscheduled visit (or none) has AVISIT but no AVISITN and is never the analysis record (ANL01FL "").
- ADY = ADT - TRTSDT + 1 on or after the first dose, ADT - TRTSDT before it (no day 0); empty when untreated.
- ABLFL = "Y" on the last record with a value on or before the first dose (TRTSDT); for someone not dosed,
  on or before the day of their baseline visit. BASE is its AVAL on every record of the participant and parameter.
- CHG = AVAL - BASE and PCHG = 100 x CHG / BASE (BASE not 0) on the records after the baseline record only.
- ANL01FL = "Y" on one record per participant, parameter and scheduled AVISIT: the baseline record at its own
  visit, else the latest record (by date and time) with a value.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from shared.study.model import Study

ORDER = "_order"      # private sort key (ADT, time of day, source id): removed once derived


def analysis_visit(study: Study, visit_id: str | None) -> tuple[str, int | None]:
    """(AVISIT, AVISITN) of a stored visit id: the label and planned day; no AVISITN when not a timepoint."""
    try:
        visit = study.visit(visit_id or "")
    except KeyError:
        return "", None
    return visit.label, visit.day if visit.is_timepoint else None


def study_day(day: date | None, first_dose: date | None) -> int | None:
    """ADaM --DY relative to TRTSDT (there is no day 0)."""
    if day is None or first_dose is None:
        return None
    delta = (day - first_dose).days
    return delta + 1 if delta >= 0 else delta


def derive(rows: Iterable[dict[str, Any]], *, first_dose: date | None,
           baseline_day: date | None) -> list[dict[str, Any]]:
    """ABLFL, BASE, CHG, PCHG and ANL01FL on the rows of ONE participant and ONE parameter (see module rules).

    Rows need AVAL, ADT, AVISITN, AVISIT and ``_order``; they are returned in ``_order`` without it."""
    rows = sorted(rows, key=lambda r: r[ORDER])
    reference = first_dose or baseline_day
    base_row = None
    if reference is not None:
        before = [r for r in rows if r["AVAL"] is not None and r["ADT"] is not None and r["ADT"] <= reference]
        base_row = before[-1] if before else None
    base = base_row["AVAL"] if base_row is not None else None
    after = False
    for r in rows:
        r["ABLFL"] = "Y" if r is base_row else ""
        r["BASE"] = base
        r["CHG"] = r["PCHG"] = None
        if after and base is not None and r["AVAL"] is not None:
            r["CHG"] = r["AVAL"] - base
            r["PCHG"] = 100 * r["CHG"] / base if base != 0 else None
        after = after or r is base_row
        r["ANL01FL"] = ""
    by_visit: dict[str, dict[str, Any]] = {}
    for r in rows:
        if r["AVISITN"] is None or r["AVAL"] is None:
            continue
        if by_visit.get(r["AVISIT"]) is not base_row or base_row is None:
            by_visit[r["AVISIT"]] = r
    for r in by_visit.values():
        r["ANL01FL"] = "Y"
    for r in rows:
        del r[ORDER]
    return rows
