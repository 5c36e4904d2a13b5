"""Disposition: how a participant's part in the study ended: completed, or discontinued with a date and reason.

Staff record it in nurse mode as one ``disposition`` record per participant (a change is a correction of that
record, with a reason). Its ``data``::

    {"status": "completed" | "discontinued", "date": "YYYY-MM-DD",
     "reason": one of REASONS (discontinued only; null when completed), "reason_text": free text or null}

Reasons are the CDISC NCOMPLT (C66727) terms the protocol allows; ``reason_text`` is required for "other".
Once a participant has a disposition no visit is due or overdue (``ends_schedule``). The SDTM DS row, the
FHIR ResearchSubject.status and the counts of the report all come from here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from shared.errors import FieldProblem
from shared.instruments.model import Text
from shared.values import parse_date, problem

KIND = "disposition"
COMPLETED, DISCONTINUED = "completed", "discontinued"
STATUSES = (COMPLETED, DISCONTINUED)
MAX_TEXT = 500

# reason code -> (CDISC NCOMPLT submission value, its NCI C-code where checked (empty: not checked), label)
REASONS: dict[str, tuple[str, str, Text]] = {
    "adverse_event": ("ADVERSE EVENT", "C41331", Text(en="Adverse event", zh="不良事件")),
    "withdrawal_by_subject": ("WITHDRAWAL BY SUBJECT", "C49634", Text(en="Withdrawal by subject", zh="受试者撤回")),
    "physician_decision": ("PHYSICIAN DECISION", "C48250", Text(en="Physician decision", zh="医生决定")),
    "lost_to_follow_up": ("LOST TO FOLLOW-UP", "", Text(en="Lost to follow-up", zh="失访")),
    "death": ("DEATH", "C28554", Text(en="Death", zh="死亡")),
    "protocol_deviation": ("PROTOCOL DEVIATION", "", Text(en="Protocol deviation", zh="方案偏离")),
    "other": ("OTHER", "C17649", Text(en="Other", zh="其他")),
}
COMPLETED_TERM = ("COMPLETED", "C25250")
DS_CATEGORY = "DISPOSITION EVENT"

# FHIR R4 4.0.1 ResearchSubject.status (required binding, value set research-subject-status)
FHIR_ON_STUDY, FHIR_OFF_STUDY, FHIR_WITHDRAWN = "on-study", "off-study", "withdrawn"


@dataclass(frozen=True)
class Disposition:
    """A participant's disposition as read from the newest revision of their disposition record."""

    status: str
    day: date
    reason: str | None
    reason_text: str | None
    record_id: str | None = None

    @property
    def decod(self) -> str:
        """The SDTM DSDECOD: COMPLETED or the NCOMPLT term of the reason."""
        return COMPLETED_TERM[0] if self.status == COMPLETED else REASONS[self.reason or "other"][0]

    @property
    def term(self) -> str:
        """The SDTM DSTERM: the reported reason (the free text when given), upper-cased like DSDECOD."""
        return (self.reason_text or self.decod) if self.status == DISCONTINUED else self.decod

    @property
    def fhir_status(self) -> str:
        """ResearchSubject.status: withdrawn when the participant withdrew, off-study otherwise."""
        return FHIR_WITHDRAWN if self.reason == "withdrawal_by_subject" else FHIR_OFF_STUDY


def validate_disposition(record: Mapping[str, Any]) -> list[FieldProblem]:
    """Every problem with a disposition record's data (the envelope is checked by the validator).

    The date may not lie after the day the record was entered (``collected_at_local`` at the site)."""
    data = record.get("data")
    if not isinstance(data, Mapping):
        return [FieldProblem("data", data, "an object", "data: must be an object with status, date and reason")]
    out: list[FieldProblem] = []
    unknown = sorted(set(data) - {"status", "date", "reason", "reason_text"})
    out += [problem(f"data.{k}", data[k], "status, date, reason, reason_text", "is not a disposition field")
            for k in unknown]
    status = data.get("status")
    if status not in STATUSES:
        out.append(problem("data.status", status, " or ".join(STATUSES), "is not a disposition status"))
    day = parse_date(data.get("date"), "data.date", out)
    entered = record.get("collected_at_local")
    if day is not None and isinstance(entered, str) and day.isoformat() > entered[:10]:
        out.append(problem("data.date", data.get("date"), f"on or before {entered[:10]} (the day of entry)",
                           "lies in the future", "value.date_future"))
    if record.get("visit_id") is not None:
        out.append(problem("visit_id", record.get("visit_id"), "null", "a disposition belongs to no visit"))
    reason, text = data.get("reason"), data.get("reason_text")
    if status == DISCONTINUED and reason not in REASONS:
        out.append(problem("data.reason", reason, ", ".join(REASONS), "is not a reason for discontinuation "
                           "(CDISC NCOMPLT)", "value.not_a_choice"))
    if status == COMPLETED and reason is not None:
        out.append(problem("data.reason", reason, "null", "a completed participant has no discontinuation reason"))
    if text is not None and (not isinstance(text, str) or not text.strip() or len(text) > MAX_TEXT):
        out.append(problem("data.reason_text", text, f"null or text of 1-{MAX_TEXT} characters", "is not valid"))
    if reason == "other" and text is None:
        out.append(problem("data.reason_text", text, "the reason in words", "is required when the reason is "
                           "'other'", "value.required"))
    return out


def disposition_of(records: Iterable[Mapping[str, Any]]) -> Disposition | None:
    """The disposition among one participant's current records (the newest revision of each), if any.

    Should there be more than one (never after the one-per-participant rule), the latest date wins."""
    found = []
    for r in records:
        if r.get("kind") != KIND:
            continue
        d = r.get("data") or {}
        try:
            found.append(Disposition(d["status"], date.fromisoformat(d["date"]), d.get("reason"),
                                     d.get("reason_text"), r.get("record_id")))
        except (KeyError, TypeError, ValueError):
            continue
    return max(found, key=lambda x: x.day) if found else None


def ends_schedule(disposition: Disposition | None) -> bool:
    """True when no visit is due or overdue any more (the participant completed or discontinued)."""
    return disposition is not None


@dataclass(frozen=True)
class DispositionCounts:
    """How many participants completed, discontinued (by reason) or are still on study."""

    completed: int
    discontinued: dict[str, int]   # reason code -> participants, every reason listed (0 when none)
    on_study: int

    @property
    def total_discontinued(self) -> int:
        return sum(self.discontinued.values())

    def as_dict(self) -> dict[str, Any]:
        return {"completed": self.completed, "discontinued": dict(self.discontinued),
                "discontinued_total": self.total_discontinued, "on_study": self.on_study}


def count_dispositions(dispositions: Iterable[Disposition | None]) -> DispositionCounts:
    """Counts over one disposition (or None: still on study) per participant: what the report tables show."""
    by_reason: Counter[str] = Counter()
    completed = on_study = 0
    for d in dispositions:
        if d is None:
            on_study += 1
        elif d.status == COMPLETED:
            completed += 1
        else:
            by_reason[d.reason or "other"] += 1
    return DispositionCounts(completed, {r: by_reason.get(r, 0) for r in REASONS}, on_study)
