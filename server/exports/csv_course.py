"""CSV tables of the course of the study (issue 16): dispositions.csv (one row per participant with a
disposition) and deviations.csv (every protocol deviation, staff-recorded or raised by the visit rules)."""

from __future__ import annotations

from typing import Any

from server.exports.current import ExportScope
from shared.deviations import participant_deviations
from shared.disposition import REASONS, disposition_of
from shared.study.model import Study

DISPOSITION_COLUMNS = ["record_id", "participant_id", "site_id", "disposition_status", "disposition_date",
                       "disposition_reason", "disposition_decod", "disposition_reason_text"]
DEVIATION_COLUMNS = ["record_id", "participant_id", "site_id", "deviation_source", "deviation_rule", "visit_id",
                     "deviation_category", "deviation_decod", "deviation_term", "deviation_date",
                     "deviation_severity"]
# column → (label, type, allowed values / format), for the data dictionary
COLUMNS: dict[str, tuple[str, str, str]] = {
    "disposition_status": ("how the participant's part in the study ended", "code", "completed, discontinued"),
    "disposition_date": ("date of completion or discontinuation", "date", "YYYY-MM-DD"),
    "disposition_reason": ("reason for discontinuation", "code", ", ".join(REASONS)),
    "disposition_decod": ("SDTM DSDECOD (COMPLETED or the CDISC NCOMPLT term)", "code", ""),
    "disposition_reason_text": ("reason in words (required for other)", "text", ""),
    "deviation_source": ("who raised the deviation", "code", "staff, rule (visit windows of the study file)"),
    "deviation_rule": ("visit rule that raised it", "code", "out_of_window, missed; empty: staff"),
    "deviation_category": ("deviation category", "code", ""),
    "deviation_decod": ("SDTM DVDECOD", "code", ""),
    "deviation_term": ("what happened (SDTM DVTERM)", "text", ""),
    "deviation_date": ("date of the deviation", "date", "YYYY-MM-DD"),
    "deviation_severity": ("severity", "code", "major, minor"),
}


def course_of(study: Study, participant: dict[str, Any], records: list[dict[str, Any]],
              scope: ExportScope) -> tuple[list[Any] | None, list[list[Any]]]:
    """(disposition row or None, deviation rows) of one enrolled participant from their current records."""
    p = participant
    ended = disposition_of(records)
    disposition = None if ended is None else [ended.record_id, p["participant_id"], p["site_id"], ended.status,
                                              ended.day.isoformat(), ended.reason, ended.decod, ended.reason_text]
    zone = study.site(p["site_id"]).timezone
    today = scope.as_of(study, p["site_id"])         # the data cut: the same cut gives the same rows
    return disposition, [[d.record_id, d.participant_id, p["site_id"], d.source, d.rule, d.visit_id, d.category,
                          d.decod, d.term, d.day.isoformat(), d.severity]
                         for d in participant_deviations(study, p["participant_id"], records, today=today,
                                                         timezone=zone)]
