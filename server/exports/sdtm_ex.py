"""SDTM EX from the doses actually taken (never the protocol dose for a period in which none was taken).

- dated diary (2.0): per drug, one EX row per run of consecutive dates it was taken (a twice-weekly injection:
  one row per dose; a daily drug: one row per uninterrupted run), EXSTDTC/EXENDTC the run's first/last date;
- a daily home entry (issue 24) is a dated diary of one day; where it and a clinic diary cover the same date
  the home entry's answer is the one exported (``shared.exposure.winning_days``), so no dose counts twice, and
  SUPPEX ``COLSRC`` says which rows came from the participant's phone (``HOME``);
- counted diary (1.0, kept readable): one row per drug and period whose count is above 0, over the period
  (the day after the previous diary, the baseline date for the first, up to the diary's day);
- EXDOSE/EXDOSU/EXDOSFRQ/EXROUTE and EXTRT from the arm's treatment in the study file; 0 doses: no row.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from server.exports.current import ParticipantData
from server.exports.sdtm_files import Supp
from server.exports.sdtm_timing import Timing
from shared.exposure import counted_doses, dose_runs
from shared.home_entries import HOME
from shared.study.model import Study, Treatment

ROUTE = {"subcutaneous": "SUBCUTANEOUS", "oral": "ORAL", "intravenous": "INTRAVENOUS"}
FREQUENCY = {"twice weekly": "2 TIMES PER WEEK", "once daily": "QD",      # CDISC C71113 submission values
             "once weekly": "EVERY WEEK", "every week": "EVERY WEEK", "every 2 weeks": "EVERY 2 WEEKS"}


def _row(t: Treatment, rec: dict[str, Any], start: date, end: date, study: Study, timing: Timing,
         reason: str | None) -> dict[str, Any]:
    try:
        visit = study.visit(rec.get("visit_id") or "")
        num, label = visit.number, visit.label
    except KeyError:
        num, label = None, ""
    return {"EXSPID": rec["record_id"], "EXTRT": t.name.upper(), "EXDOSE": t.dose, "EXDOSU": t.unit,
            "EXDOSFRQ": FREQUENCY.get(t.frequency, t.frequency.upper()), "EXROUTE": ROUTE.get(t.route, t.route.upper()),
            "EXADJ": reason or "", "VISITNUM": num, "VISIT": label, "EPOCH": timing.epoch(start),
            "EXSTDTC": start.isoformat(), "EXENDTC": end.isoformat(), "EXSTDY": timing.study_day(start),
            "EXENDY": timing.study_day(end), "_supp": source_supp(rec)}


def source_supp(rec: dict[str, Any]) -> list[Supp]:
    """SUPP-- ``COLSRC`` (collection source) of a row from a home entry: HOME (none for a clinic record)."""
    return [Supp(COLSRC, COLSRC_LABEL, "HOME", "CRF")] if rec.get("source") == HOME else []


COLSRC, COLSRC_LABEL = "COLSRC", "Collection Source"   # sponsor-defined QNAM (SDTMIG has no standard variable)


def ex_rows(study: Study, pd: ParticipantData, timing: Timing,
            diary_instrument: str | None) -> Iterator[dict[str, Any]]:
    """The EX rows of one participant (see the module rules), in diary and date order."""
    exposure = timing.exposure_of(study, pd, diary_instrument)   # the diaries as timing read them
    treatments = study.arm(pd.participant["arm"]).treatments
    counted = exposure.winning_days()
    for read, start, end in exposure.spans:
        rec = read.rec
        reason = (rec.get("data") or {}).get("missed_reason")
        days = counted.get(str(rec.get("record_id")), {}) if read.days is not None else None
        rows: list[dict[str, Any]] = []
        for t in treatments:
            if days is not None:
                rows += [_row(t, rec, first, last, study, timing, reason)
                         for first, last in dose_runs(d for d, drugs in days.items() if t.drug in drugs)]
            elif (counted_doses(rec, study, t.drug) or 0) > 0:
                rows.append(_row(t, rec, start, end, study, timing, reason))
        yield from sorted(rows, key=lambda r: (r["EXSTDTC"], r["EXTRT"]))
