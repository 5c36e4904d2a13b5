"""The investigator's confirmation of an AE's causality (WHO-UMC asks for a physician's judgement): a nurse may
enter the per-drug causality at the kiosk, an investigator confirms it on the SAE form page. The confirmation
is an audited ``ae.causality_confirmed`` entry naming the revision and the causality it confirms; a later
correction of the AE is a new revision, so the confirmation no longer holds and is asked again.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection

from server.services import dashboard as board
from server.services.audit import AuditEntry, append
from server.storage import audit as audit_store
from server.storage import participants as participant_store
from shared.adverse_events import per_drug
from shared.errors import CausalityConfirmationRefused
from shared.study.model import Study

ACTION = "ae.causality_confirmed"


def confirmation(conn: Connection, ae: dict[str, Any]) -> dict[str, Any] | None:
    """The investigator's confirmation of this AE's current revision (by, at, causality); None when there is
    none or it was made over an earlier revision."""
    return _confirmed(audit_store.newest_about(conn, "record", ae["record_id"], (ACTION,)), ae)


class Confirmations:
    """Every AE's newest confirmation read once (an export asks ``of`` for each AE it writes, in the same
    snapshot: one read instead of one per AE)."""

    def __init__(self, conn: Connection) -> None:
        self._newest = audit_store.newest_by_entity(conn, "record", (ACTION,))

    def of(self, ae: dict[str, Any]) -> dict[str, Any] | None:
        """``confirmation(conn, ae)``."""
        return _confirmed(self._newest.get(ae["record_id"]), ae)


def _confirmed(row: Any, ae: dict[str, Any]) -> dict[str, Any] | None:
    if row is None:
        return None
    new = json.loads(row["new"]) if row["new"] else {}
    if new.get("revision") != ae["revision"]:
        return None
    return {"by": row["actor"], "at": row["at"], "causality": new.get("causality", {})}


def confirm_causality(conn: Connection, study: Study, record_id: str, *, actor: str,
                      sites: Iterable[str]) -> dict[str, Any]:
    """An investigator confirms the per-drug causality of the AE's current revision. Audited ``ae.causality_
    confirmed``. Raises NotFound or CausalityConfirmationRefused (not an AE, already confirmed)."""
    ae = board.current_record(conn, record_id, sites)
    if ae["kind"] != "adverse_event":
        raise CausalityConfirmationRefused(f"Record {record_id} is not an adverse event: only an AE's causality "
                                           "is confirmed.")
    if confirmation(conn, ae) is not None:
        raise CausalityConfirmationRefused(f"AE {record_id} revision {ae['revision']}: its causality is already "
                                           "confirmed by an investigator.")
    arm = participant_store.arm_of(conn, ae["participant_id"])
    drugs = study.arm(arm).drugs if arm else frozenset(study.drug_ids)
    causality = {d: per_drug(ae["data"], "causality", d) for d in study.drug_ids if d in drugs}
    append(conn, AuditEntry(actor=actor, action=ACTION, entity_type="record", entity_id=record_id,
                            new={"revision": ae["revision"], "causality": causality}))
    return ae
