"""The job runner's rule pass: evaluate every rule for every participant, keep rule queries in step.

Idempotent by construction (see ``shared/query_rules.py`` for the policy): a query per (rule, target, field)
ever, enforced by the unique ``rule_key``; a finding that went away closes its query with a message from
``system:rules``; a query the rule closed is re-opened when its finding returns; a query a person closed stays
closed. The facts are read in one snapshot and the changes written in one short transaction, which re-reads
the rule queries so a second runner (or a retry) never raises one twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from server.exports.current import ALL
from server.services.dashboard import current_revisions
from server.services.queries import SYSTEM, new_query, step
from server.storage import dashboard as board
from server.storage import locks as lock_store
from server.storage import queries as stored
from server.storage.checkpoints import head
from server.storage.engine import reading, writing
from server.storage.export_reads import lab_values
from shared.queries import CLOSE, CLOSED, REOPEN, UNRESOLVED
from shared.query_rules import Finding, ParticipantFacts, Rule, findings
from shared.site_time import site_today
from shared.study.model import Study


@dataclass
class RulePass:
    """What one pass did."""

    raised: int = 0
    closed: int = 0
    reopened: int = 0
    skipped: bool = False


def rule_key(f: Finding) -> str:
    return "|".join(f.key)


def current_findings(engine: Engine, study: Study, rules: dict[str, Rule] | None = None) -> dict[str, tuple[
        Finding, dict[str, Any]]]:
    """Every finding of every participant, by rule key, with the participant row it belongs to."""
    out: dict[str, tuple[Finding, dict[str, Any]]] = {}
    with reading(engine) as conn:
        people = board.participants_of(conn, [s.id for s in study.sites])
        by: dict[str, list[Any]] = {p["participant_id"]: [] for p in people}
        for r in board.revisions_of_participants(conn, list(by)):
            by[r.participant_id].append(r)
        labs: dict[str, list[dict[str, Any]]] = {}
        for lab in lab_values(conn, ALL):
            labs.setdefault(lab["participant_id"], []).append(lab)
    for p in people:
        facts = ParticipantFacts(p, current_revisions(by[p["participant_id"]]), labs.get(p["participant_id"], []),
                                 today=site_today(study, p["site_id"]))   # the participant's site day
        for f in findings(study, facts, rules):
            out[rule_key(f)] = (f, p)
    return out


def run_rules(engine: Engine, study: Study, *, last_seq: int | None = None,
              rules: dict[str, Rule] | None = None) -> tuple[RulePass, int | None]:
    """One pass; returns what it did and the audit head it saw (pass it back as ``last_seq`` next time: an
    unchanged audit head means no data changed, and the pass is skipped; so is every pass while the study is
    locked)."""
    with reading(engine) as conn:
        seen = head(conn)
        locked = lock_store.study_lock(conn) is not None
    seq = seen[0] if seen else None
    if locked or (last_seq is not None and seq == last_seq):   # a locked study takes no query, not even a rule's
        return RulePass(skipped=True), seq
    found = current_findings(engine, study, rules)
    done = RulePass()
    with writing(engine) as conn:
        existing = stored.rule_queries(conn)
        for key, (f, p) in found.items():
            row = existing.get(key)
            if row is None:
                new_query(conn, site_id=p["site_id"], participant_id=p["participant_id"], target=f.target,
                          target_id=f.target_id, revision=f.revision, field=f.field, value=f.value, actor=SYSTEM,
                          text=f.text, text_zh=f.text_zh, rule=f.rule, rule_key=key)
                done.raised += 1
            elif row.state == CLOSED and row.closed_by == SYSTEM:
                step(conn, row, REOPEN, SYSTEM, f"The rule finds this again: {f.text}", text_zh=f.text_zh)
                done.reopened += 1
        for key, row in existing.items():
            if key not in found and row.state in UNRESOLVED:
                step(conn, row, CLOSE, SYSTEM, "The rule no longer finds this (the data changed): closed by the "
                      "rule.", text_zh="规则不再发现此问题（数据已更改）：由规则关闭。")
                done.closed += 1
        after = head(conn)
    return done, (after[0] if after else None)
