"""What the one job runner does for this server: which jobs it runs, which periodic tasks, how often.

Periodic tasks: ``audit.anchor`` signs the audit chain head within seconds of
every write that extended it (``ANCHOR_SECONDS``, well inside the minute the
operations guide promises); ``signin.purge`` deletes sign-in attempts older than
``SIGNIN_KEEP``, and kiosk enrolment attempts too (the rate limits look back
minutes; the audit trail keeps every sign-in for good); ``queries.rules`` raises and closes rule-raised data
queries (``server/services/query_rules.py``) every ``RULES_SECONDS``, skipping a pass when no data changed.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from server.app import ServerContext
from server.services import checkpoints, export_jobs, query_rules
from server.services.jobs import Handler, JobRunner, Periodic, Progress
from server.storage import enrolment_attempts, users
from server.storage.engine import writing
from server.storage.jobs import Job

ANCHOR_SECONDS = 5.0
SIGNIN_PURGE_SECONDS = 3600.0
SIGNIN_KEEP = timedelta(days=30)
RULES_SECONDS = 30.0


def purge_sign_in_attempts(ctx: ServerContext, keep: timedelta = SIGNIN_KEEP) -> int:
    before = (datetime.now(UTC) - keep).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    with writing(ctx.engine) as conn:
        return (users.purge_sign_in_attempts_before(conn, before)
                + enrolment_attempts.purge_before(conn, before))  # kiosk enrolment attempts age out alike


def job_handlers(ctx: ServerContext) -> dict[str, Handler]:
    """Every kind of background job, by the ``kind`` stored in the ``jobs`` row."""
    def export(job: Job, progress: Progress) -> dict[str, Any]:
        return export_jobs.run_export_job(ctx.engine, ctx.study, ctx.config.data_dir, job, progress)

    return {export_jobs.KIND: export}


def build_runner(ctx: ServerContext, *, anchor_seconds: float = ANCHOR_SECONDS, poll_seconds: float = 0.5,
                 rules_seconds: float = RULES_SECONDS) -> JobRunner:
    def anchor() -> Any:
        return checkpoints.anchor(ctx.engine, ctx.config.data_dir)

    seen: dict[str, int | None] = {"seq": None}  # the audit head of the last rule pass: unchanged, nothing to do

    def rules() -> Any:
        done, seen["seq"] = query_rules.run_rules(ctx.engine, ctx.study, last_seq=seen["seq"])
        return done

    periodic = [Periodic("audit.anchor", anchor_seconds, anchor),
                Periodic("signin.purge", SIGNIN_PURGE_SECONDS, lambda: purge_sign_in_attempts(ctx)),
                Periodic("queries.rules", rules_seconds, rules)]
    return JobRunner(ctx.engine, job_handlers(ctx), periodic, poll_seconds=poll_seconds)
