"""Who is behind each count of the dashboard (issue 23): named groups of participants ("cohorts").

The dashboard shows ``len(members(cohort))`` for every count and links it to ``/participants?status=...``, which
lists exactly ``members(cohort)``: both come from ``memberships`` (one pass over the viewer's sites), so a count
and the people it links to can never disagree. A cohort is read from the request by ``parse_cohort``, which
trusts nothing: an unknown status, visit, arm or reason is refused naming the field, the value and what is
allowed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection

from server.services import dashboard as board
from server.services import home_diary, sae_reports
from server.services import queries as query_service
from server.services.screening import screening_log
from server.storage import dashboard as stored
from server.storage import participants as participant_store
from server.storage.paging import Page, PageRequest
from shared.disposition import COMPLETED, REASONS, disposition_of
from shared.eligibility import SCREEN_FAILURE
from shared.errors import InvalidInput
from shared.queries import UNRESOLVED
from shared.study.model import Study

VISIT_STATUSES = ("due", "overdue", "done")      # per visit, or at any visit when no visit is named
STATUSES = ("enrolled", *VISIT_STATUSES, "on_study", "completed", "discontinued", "screen_failure",
            "open_queries", "sae_awaiting",
            "missed_diary_days")   # issue 24: a home diary day without an entry (server.services.home_diary)


@dataclass(frozen=True)
class Cohort:
    """One count of the dashboard: ``status`` from STATUSES, narrowed by ``visit`` (visit statuses), ``arm``
    (enrolled) or ``reason`` (discontinued, a CDISC NCOMPLT reason code)."""

    status: str
    visit: str | None = None
    arm: str | None = None
    reason: str | None = None

    def query(self) -> dict[str, str]:
        """The query string of ``/participants`` that lists this cohort."""
        return {k: v for k, v in (("status", self.status), ("visit", self.visit), ("arm", self.arm),
                                  ("reason", self.reason)) if v}


def _refuse(field: str, value: str, allowed: Iterable[str]) -> InvalidInput:
    return InvalidInput(f"{field}: {value[:40]!r} is not allowed here; allowed: {', '.join(allowed)}.")


def parse_cohort(args: Mapping[str, str], study: Study) -> Cohort | None:
    """The cohort a request asks for (None when it names no ``status``). Raises InvalidInput naming the field
    for an unknown status, a visit, arm or reason that is not the study's, or one given where it means nothing."""
    status = (args.get("status") or "").strip()
    if not status:
        return None
    if status not in STATUSES:
        raise _refuse("status", status, STATUSES)
    visit, arm, reason = ((args.get(k) or "").strip() or None for k in ("visit", "arm", "reason"))
    if visit is not None:
        ids = [v.id for v in study.scheduled_visits]
        if status not in VISIT_STATUSES:
            raise _refuse("visit", visit, [f"no visit with status {status}"])
        if visit not in ids:
            raise _refuse("visit", visit, ids)
    if arm is not None and arm not in [a.code for a in study.arms]:
        raise _refuse("arm", arm, [a.code for a in study.arms])
    if reason is not None:
        if status != "discontinued":
            raise _refuse("reason", reason, ["a reason only with status discontinued"])
        if reason not in tuple(REASONS):
            raise _refuse("reason", reason, tuple(REASONS))
    return Cohort(status, visit, arm, reason)


def memberships(conn: Connection, study: Study, sites: Iterable[str], today: date, now: datetime,
                alerts: list[dict[str, Any]] | None = None) -> dict[Cohort, set[str]]:
    """Every cohort of the dashboard with its participant ids (empty cohorts included), at ``today``/``now``;
    ``alerts``: ``sae_reports.alerts`` of these sites at ``now`` when the caller has them already (the dashboard
    shows them too: read once per request)."""
    sites = list(sites)
    people = stored.participants_of(conn, sites)
    recs = board.current_records_kept(conn, [p["participant_id"] for p in people])   # shared: only read
    out: dict[Cohort, set[str]] = {Cohort(s): set() for s in STATUSES}
    for a in study.arms:
        out[Cohort("enrolled", arm=a.code)] = set()
    for v in study.scheduled_visits:
        for s in VISIT_STATUSES:
            out[Cohort(s, visit=v.id)] = set()
    for r in REASONS:
        out[Cohort("discontinued", reason=r)] = set()
    for p in people:
        pid = p["participant_id"]
        out[Cohort("enrolled")].add(pid)
        out.setdefault(Cohort("enrolled", arm=p["arm"]), set()).add(pid)
        for state in board.timeline_kept(conn, study, pid, recs[pid], p["enrolled_at"], today):
            if state.status in VISIT_STATUSES:
                out[Cohort(state.status)].add(pid)
                out[Cohort(state.status, visit=state.visit_id)].add(pid)
        ended = disposition_of(recs[pid])
        if ended is None:
            out[Cohort("on_study")].add(pid)
        elif ended.status == COMPLETED:
            out[Cohort("completed")].add(pid)
        else:
            out[Cohort("discontinued")].add(pid)
            out[Cohort("discontinued", reason=ended.reason or "other")].add(pid)
    out[Cohort("screen_failure")] = {s["participant_id"] for s in screening_log(conn, sites)
                                     if s["outcome"] == SCREEN_FAILURE}
    out[Cohort("open_queries")] = {q["participant_id"] for q in query_service.queries_of(conn, sites,
                                                                                         states=UNRESOLVED)}
    if alerts is None:
        alerts = sae_reports.alerts(conn, study, sites, now)
    out[Cohort("sae_awaiting")] = {a["participant_id"] for a in alerts}
    out[Cohort("missed_diary_days")] = {pid for pid, days in home_diary.missed_by_participant(
        conn, study, people, recs, today).items() if days}
    return out


def counts(conn: Connection, study: Study, sites: Iterable[str], today: date, now: datetime,
           alerts: list[dict[str, Any]] | None = None) -> dict[Cohort, int]:
    """How many participants each dashboard cohort holds (what the dashboard shows and links; ``alerts`` as
    ``memberships`` takes them)."""
    return {c: len(m) for c, m in memberships(conn, study, sites, today, now, alerts).items()}


def participants_in(conn: Connection, study: Study, sites: Iterable[str], cohort: Cohort, today: date,
                    now: datetime, search: str = "") -> list[dict[str, Any]]:
    """The participants list rows of one cohort, by id: enrolled participants' rows, and for screen failures
    (never enrolled) their screening-log rows with ``status`` "screen_failure" and no arm."""
    sites = list(sites)
    wanted = memberships(conn, study, sites, today, now).get(cohort, set())
    if cohort.status == "screen_failure":
        rows = [{"participant_id": s["participant_id"], "site_id": s["site_id"], "arm": None,
                 "status": SCREEN_FAILURE, "enrolled_at": None, "screened_on": s["screening_date"]}
                for s in screening_log(conn, sites) if s["participant_id"] in wanted]
        return [r for r in rows if search.strip().upper() in r["participant_id"]]
    return [p for p in board.list_participants(conn, sites, search) if p["participant_id"] in wanted]


def cohort_page(conn: Connection, study: Study, sites: Iterable[str], cohort: Cohort, today: date, now: datetime,
                req: PageRequest) -> tuple[Page, int]:
    """One page of a cohort's participants (sorted, searched and paged like every list, issue 23 point 4) and
    the cohort's size. Enrolled cohorts are paged in SQL among their members; screen failures (never enrolled,
    a short screening-log list) are sorted here."""
    sites = list(sites)
    wanted = memberships(conn, study, sites, today, now).get(cohort, set())
    if cohort.status != "screen_failure":
        return participant_store.page_of_participants(conn, sites, req, only=wanted), len(wanted)
    rows = participants_in(conn, study, sites, cohort, today, now, req.q)
    rows.sort(key=lambda r: (r.get(req.sort) or "", r["participant_id"]), reverse=req.descending)
    return Page(rows[req.offset:req.offset + req.per_page], req, len(rows) > req.offset + req.per_page), len(wanted)
