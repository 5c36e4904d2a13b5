"""The participant flow of the study report (CONSORT, issue 21 point 2; issue 15 point 2): screened, screen
failures by failed criterion, pending, eligible not randomised, then per arm randomised, treated (a first dose
known), discontinued by reason, completed, on study and analysed.

Built from the read functions the rest of the server uses (``server.services.screening``,
``server.services.course``, ``server.services.exposure``) inside the report's own connection, so the flow
and the other pages show one data cut. The flow covers the sites of the scope (all sites, or one) and every
screening so far: the scope's record dates do not apply to people. A person may fail several criteria, so the
per-criterion counts can add up to more than the screen failures.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Connection

from server.exports.current import ExportScope
from server.services.course import disposition_counts
from server.services.exposure import first_dose_dates
from server.services.screening import ScreeningCounts, screening_counts, screening_log
from server.storage import dashboard as people_store
from shared.disposition import DispositionCounts
from shared.eligibility import SCREEN_FAILURE
from shared.study.model import Study

FLOW_COLUMNS = ["step", "arm", "reason", "n"]


@dataclass
class Flow:
    """The numbers of the flow diagram."""

    screening: ScreeningCounts
    failed_by_criterion: dict[str, int]                       # criterion id -> screen failures failing it
    randomised: dict[str, int] = field(default_factory=dict)  # arm -> participants
    treated: dict[str, int] = field(default_factory=dict)     # arm -> randomised with a known first dose
    disposition: dict[str, DispositionCounts] = field(default_factory=dict)
    analysed: dict[str, int] = field(default_factory=dict)    # arm -> in the report's figures (all randomised)


def gather_flow(conn: Connection, study: Study, scope: ExportScope, analysed: dict[str, int], *,
                first_doses: dict[str, date | None] | None = None) -> Flow:
    """The flow of the scope's sites; ``analysed``: participants per arm the report's other pages count;
    ``first_doses``: the randomised participants' first doses (``first_dose_dates``) when the caller read them
    already for the scope's sites over all dates (the report's ADaM pass), else they are read here."""
    sites = [scope.site_id] if scope.site_id else [s.id for s in study.sites]
    failed: Counter[str] = Counter()
    for row in screening_log(conn, sites):
        if row["outcome"] == SCREEN_FAILURE:
            failed.update(set(row["failed_criteria"] or []))
    criteria = [c.id for c in (*study.inclusion, *study.exclusion)]
    flow = Flow(screening_counts(conn, sites), {c: failed.get(c, 0) for c in criteria}
                | {c: n for c, n in failed.items() if c not in criteria})
    arm_of = {p["participant_id"]: p["arm"] for p in people_store.participants_of(conn, sites) if p["arm"]}
    doses = first_dose_dates(conn, study, participant_ids=list(arm_of)) if first_doses is None else first_doses
    for arm in (a.code for a in study.arms):
        flow.randomised[arm] = sum(1 for a in arm_of.values() if a == arm)
        flow.treated[arm] = sum(1 for pid, day in doses.items() if day is not None and arm_of.get(pid) == arm)
        flow.disposition[arm] = disposition_counts(conn, sites, arm=arm)
        flow.analysed[arm] = analysed.get(arm, 0)
    return flow


def flow_rows(flow: Flow) -> list[list[Any]]:
    """flow.csv (``step,arm,reason,n``): arm empty before randomisation, reason only for screen-failure criteria
    and discontinuation reasons (every criterion and reason listed, 0 when none)."""
    s = flow.screening
    rows: list[list[Any]] = [["screened", "", "", s.screened], ["screen_failure", "", "", s.screen_failures]]
    rows += [["screen_failure", "", c, n] for c, n in flow.failed_by_criterion.items()]
    rows += [["pending", "", "", s.pending], ["eligible_not_randomised", "", "", s.eligible_not_randomised]]
    for arm, d in flow.disposition.items():
        rows += [["randomised", arm, "", flow.randomised[arm]], ["treated", arm, "", flow.treated[arm]],
                 ["discontinued", arm, "", d.total_discontinued]]
        rows += [["discontinued", arm, reason, n] for reason, n in d.discontinued.items()]
        rows += [["completed", arm, "", d.completed], ["on_study", arm, "", d.on_study],
                 ["analysed", arm, "", flow.analysed[arm]]]
    return rows
