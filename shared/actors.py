"""Who may enter a record on a kiosk: the rule behind ``entered_by``.

A kiosk writes ``participant`` (the participant answered on the kiosk) or ``staff:<username>`` (a staff member
signed in on the kiosk). The server believes neither: ``participant`` is only possible for an instrument the
participant answers, and ``staff:<username>`` must be an account that is not disabled, holds the record's site
and has a role that enters that kind of record. Anything else (``user:demo.admin``, a disabled nurse, a monitor,
a nurse of another site) is refused, so the audit trail never names someone who did not enter the record.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from shared.errors import FieldProblem, RecordEnteredByRefused

PARTICIPANT = "participant"
STAFF_PREFIX = "staff:"
STAFF_ROLES = ("admin", "data_manager", "investigator", "nurse", "monitor")  # every staff role, in display order
KIOSK_ROLES = frozenset({"nurse", "investigator"})  # staff roles that sign in on a kiosk of their site
ENTRY_ROLES: dict[str, frozenset[str]] = {          # kind of record -> staff roles that may enter it
    "enrolment": KIOSK_ROLES,
    "adverse_event": KIOSK_ROLES,
    "instrument_response": KIOSK_ROLES,
    **dict.fromkeys(("concomitant_medication", "medical_history", "vital_signs", "pregnancy_test"), KIOSK_ROLES),
    "screening": KIOSK_ROLES,
    "randomisation": KIOSK_ROLES,
    "query_response": KIOSK_ROLES,
    "disposition": KIOSK_ROLES, "protocol_deviation": KIOSK_ROLES, "visit_missed": KIOSK_ROLES,  # issue 16
}


@dataclass(frozen=True)
class StaffAccount:
    """What the server holds of a staff account, as far as this rule needs it."""

    username: str
    roles: frozenset[str]
    sites: frozenset[str]
    disabled: bool


def staff_username(entered_by: Any) -> str | None:
    """The username of ``staff:<username>``, else None."""
    if isinstance(entered_by, str) and entered_by.startswith(STAFF_PREFIX):
        return entered_by[len(STAFF_PREFIX):] or None
    return None


def check_entered_by(record: Mapping[str, Any], account: StaffAccount | None, *,
                     respondent: str | None) -> RecordEnteredByRefused | None:
    """Whether a kiosk's record may say it was entered by ``record["entered_by"]``; None when it may.

    ``account`` is the staff account named (None when there is none); ``respondent`` is who answers the
    record's instrument (``participant`` or ``clinician``; None for other kinds)."""
    who = record["entered_by"]
    kind = record["kind"]
    if who == PARTICIPANT and kind == "instrument_response" and respondent == PARTICIPANT:
        return None   # most synced records: the refusal's wording below is built only for a refusal
    site = record["site_id"]

    def refuse(allowed: str, why: str) -> RecordEnteredByRefused:
        return RecordEnteredByRefused([FieldProblem("entered_by", who, allowed, f"entered_by: {why} "
                                                    f"(got {who!r}; allowed: {allowed})")])

    roles = ENTRY_ROLES.get(kind, frozenset())
    staff_allowed = f"staff:<username> of an active {' or '.join(sorted(roles))} account of site {site}"
    if who == PARTICIPANT:
        if kind == "instrument_response" and respondent == PARTICIPANT:
            return None
        return refuse(staff_allowed, f"a participant does not enter {kind.replace('_', ' ')} records"
                      + (" of a clinician-rated instrument" if respondent else ""))
    name = staff_username(who)
    if name is None:
        allowed = ("participant or " if kind == "instrument_response" and respondent == PARTICIPANT else "")
        return refuse(allowed + staff_allowed, "is neither the participant nor a staff account signed in on a kiosk")
    if account is None:
        return refuse(staff_allowed, f"there is no staff account {name!r}")
    if account.disabled:
        return refuse(staff_allowed, f"the account {name!r} is disabled")
    if site not in account.sites:
        return refuse(staff_allowed, f"the account {name!r} does not work at site {site}")
    if not account.roles & roles:
        return refuse(staff_allowed, f"the account {name!r} ({', '.join(sorted(account.roles))}) may not enter "
                      f"{kind.replace('_', ' ')} records")
    return None
